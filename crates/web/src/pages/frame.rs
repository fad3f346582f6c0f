//! The parts every dashboard page shows above its content.

use super::controls::{Controls, PRESETS, period_label};
use super::view::View;

/// Heading, breadcrumbs, controls and actions of a dashboard page.
#[derive(Debug, Clone)]
pub struct Frame {
    pub heading: String,
    /// (label, link) from the top; the last has no link.
    pub crumbs: Vec<(String, Option<String>)>,
    pub controls: Controls,
    pub view_path: String,
    pub presets: &'static [(&'static str, &'static str)],
    pub only_csm: Option<String>,
    pub compare_label: Option<String>,
    /// (label, link) buttons: downloads, JSON, share.
    pub actions: Vec<(String, String)>,
    /// Said above the numbers when the range lies outside the data.
    pub notice: Option<String>,
}

impl Frame {
    /// The frame of `view`, with downloads at `export_base` (`/revenue` → `/revenue.csv`).
    pub fn new(view: &View, heading: &str, export_base: &str) -> Self {
        let compare_label = view.query.comparison().map(|p| period_label(p.from, p.to));
        let mut actions = Vec::new();
        if view.links {
            let qs = view.controls.href_same_page("", &[]);
            if view.may_export {
                // The summary's document is the executive report; every other
                // page downloads itself: its cards and its table.
                let document = |ext: &str| {
                    if export_base == "/summary" {
                        format!("/report.{ext}{}", view.controls.href("", &[]))
                    } else {
                        format!("{export_base}.{ext}{qs}")
                    }
                };
                actions.push(("Download PDF".to_string(), document("pdf")));
                actions.push(("Excel".to_string(), document("xlsx")));
                actions.push(("CSV".to_string(), format!("{export_base}.csv{qs}")));
            }
            actions.push(("JSON".to_string(), format!("{export_base}.json{qs}")));
            if view.may_share {
                let here = view.controls.href_same_page(view.path, &[]);
                actions.push((
                    "Share".to_string(),
                    format!("/admin/shares?view={}", urlencoding::encode(&here)),
                ));
            }
        }
        Frame {
            heading: heading.to_string(),
            crumbs: Vec::new(),
            controls: view.controls.clone(),
            view_path: view.path.to_string(),
            presets: &PRESETS,
            only_csm: view.only_csm.clone(),
            compare_label,
            actions,
            notice: view.range_notice(),
        }
    }
}
