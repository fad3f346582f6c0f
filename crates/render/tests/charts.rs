//! Properties every chart must have: well-formed, accessible, escaped, robust on
//! degenerate input, and carrying both concrete colours and classes.

mod common;

use common::*;
use quarterdeck_render::{
    BarBucket, BarSegment, DateAxis, MovementKind, Palette, bar_chart, line_chart, sparkline,
    stacked_bars, waterfall,
};
use roxmltree::{Document, Node};
use rust_decimal::Decimal;
use rust_decimal::dec;

const HOSTILE: &str = r#"<script>alert(1)</script> & "quotes""#;
const HOSTILE_HREF: &str = r#"/x?a=1&b="><script>alert(1)</script>"#;

/// Parses the SVG and checks what every chart must have.
fn check(svg: &str) -> Document<'_> {
    let doc = Document::parse(svg).unwrap_or_else(|e| panic!("not well-formed: {e}\n{svg}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    for attr in ["width", "height", "viewBox"] {
        assert!(root.attribute(attr).is_some(), "missing {attr}");
    }
    assert_eq!(root.attribute("role"), Some("img"));
    assert_eq!(root.attribute("font-family"), Some("sans-serif"));
    assert!(root.attribute("font-size").unwrap().ends_with("px"));
    let labelled_by = root.attribute("aria-labelledby").unwrap();
    let ids: Vec<&str> = labelled_by.split(' ').collect();
    assert_eq!(ids.len(), 2);
    let first = root.first_element_child().unwrap();
    assert_eq!(first.tag_name().name(), "title");
    assert_eq!(first.attribute("id"), Some(ids[0]));
    let desc = first.next_sibling_element().unwrap();
    assert_eq!(desc.tag_name().name(), "desc");
    assert_eq!(desc.attribute("id"), Some(ids[1]));
    assert!(!svg.contains("var("), "CSS variables do not survive resvg");
    // Every mark has a concrete colour for PDF and a class for page CSS.
    for node in doc.descendants().filter(|n| {
        matches!(
            n.tag_name().name(),
            "rect" | "path" | "circle" | "line" | "text"
        )
    }) {
        let class = node.attribute("class").unwrap_or_default();
        assert!(
            class.starts_with("qd-"),
            "unclassed <{}>",
            node.tag_name().name()
        );
        assert!(
            node.attribute("fill").is_some() || node.attribute("stroke").is_some(),
            "<{} class={class}> has no colour",
            node.tag_name().name()
        );
    }
    doc
}

fn elements<'a>(doc: &'a Document<'a>, name: &str) -> Vec<Node<'a, 'a>> {
    doc.descendants()
        .filter(|n| n.tag_name().name() == name)
        .collect()
}

fn all_text(doc: &Document) -> String {
    doc.descendants()
        .filter_map(|n| n.text())
        .collect::<Vec<_>>()
        .join("\n")
}

fn has_empty_state(doc: &Document) -> bool {
    all_text(doc).contains("No data for this period")
}

#[test]
fn line_chart_basics() {
    let svg = line_chart(&mrr_line(15, 3));
    let doc = check(&svg);
    let text = all_text(&doc);
    assert!(text.contains("Mar 2024: $861,200.00"), "{text}");
    assert!(text.contains("Forecast"));
    assert!(text.contains("(forecast)"));
    assert!(
        elements(&doc, "path")
            .iter()
            .any(|p| p.attribute("stroke-dasharray").is_some())
    );
    assert!(
        elements(&doc, "path")
            .iter()
            .any(|p| p.attribute("class") == Some("qd-band"))
    );
    assert_eq!(
        elements(&doc, "circle")
            .iter()
            .filter(|c| c.attribute("class") == Some("qd-line qd-marker"))
            .count(),
        15
    );
    // Axis labels are compact money.
    assert!(text.contains("$1.00M"), "{text}");
}

#[test]
fn line_chart_draws_periods_in_progress_apart() {
    let mut chart = mrr_line(6, 0);
    // The last point (Jun 2024) is dated "today": it is a month in progress.
    chart.in_progress_from = Some(nth_month(5));
    let svg = line_chart(&chart);
    let doc = check(&svg);
    let text = all_text(&doc);
    assert!(text.contains("Jun 2024 (to date):"), "{text}");
    assert!(
        text.contains("To date"),
        "the legend explains the dotted part"
    );
    assert!(!text.contains("May 2024 (to date)"), "{text}");
    let dotted = elements(&doc, "path")
        .into_iter()
        .filter(|p| p.attribute("class") == Some("qd-line qd-partial"))
        .count();
    assert_eq!(dotted, 1);
    let hollow: Vec<_> = elements(&doc, "circle")
        .into_iter()
        .filter(|c| c.attribute("class") == Some("qd-line qd-marker qd-partial"))
        .collect();
    assert_eq!(hollow.len(), 1);
    assert_eq!(hollow[0].attribute("fill"), Some("#ffffff"));
    // Nothing in progress: one solid line, no legend entry.
    chart.in_progress_from = Some(nth_month(6));
    let doc_svg = line_chart(&chart);
    let doc = check(&doc_svg);
    assert!(!all_text(&doc).contains("To date"));
}

#[test]
fn line_chart_names_quarters() {
    let mut chart = mrr_line(0, 0);
    chart.points = [(2025, 12, 31), (2026, 3, 31), (2026, 6, 30)]
        .iter()
        .map(|(y, m, d)| {
            (
                chrono::NaiveDate::from_ymd_opt(*y, *m, *d).unwrap(),
                dec!(1000),
            )
        })
        .collect();
    chart.axis = DateAxis::Quarters;
    let svg = line_chart(&chart);
    let text = all_text(&check(&svg));
    for q in ["Q4 2025", "Q1 2026", "Q2 2026"] {
        assert!(text.contains(q), "{q} in {text}");
    }
    assert!(!text.contains("Mar 2026"), "{text}");
}

#[test]
fn line_chart_degenerate_inputs() {
    let mut chart = mrr_line(0, 0);
    assert!(has_empty_state(&check(&line_chart(&chart))));

    chart = mrr_line(1, 0);
    let doc_svg = line_chart(&chart);
    let doc = check(&doc_svg);
    assert!(!has_empty_state(&doc));
    assert_eq!(elements(&doc, "circle").len(), 1);

    chart = mrr_line(6, 0);
    for p in &mut chart.points {
        p.1 = dec!(5000);
    }
    check(&line_chart(&chart));
    for p in &mut chart.points {
        p.1 = Decimal::ZERO;
    }
    check(&line_chart(&chart));

    chart = mrr_line(8, 2);
    for (i, p) in chart.points.iter_mut().enumerate() {
        p.1 = Decimal::from(i as i64 * 3_000 - 12_000);
    }
    let svg = line_chart(&chart);
    let doc = check(&svg);
    assert!(
        all_text(&doc).contains("−$"),
        "negative axis labels use a minus sign"
    );

    // Forecast points at or before the last actual are ignored, not drawn backwards.
    chart = mrr_line(4, 0);
    chart.forecast = mrr_line(2, 2).forecast;
    let doc_svg = line_chart(&chart);
    assert!(!all_text(&check(&doc_svg)).contains("Forecast"));

    // A daily series labels days, not repeated months.
    chart = mrr_line(0, 0);
    chart.points = (1..=20)
        .map(|d| (month(2026, 3).with_day(d).unwrap(), Decimal::from(d)))
        .collect();
    let doc_svg = line_chart(&chart);
    assert!(all_text(&check(&doc_svg)).contains("20 Mar 2026"));
}

use chrono::Datelike;

#[test]
fn line_chart_tiny_size_does_not_panic() {
    let mut chart = mrr_line(12, 3);
    chart.width = 0;
    chart.height = 0;
    check(&line_chart(&chart));
    chart.width = 40;
    chart.height = 30;
    check(&line_chart(&chart));
}

#[test]
fn sparkline_cases() {
    let p = Palette::light();
    let values: Vec<Decimal> = [3, 5, 4, 8, 7, 9].into_iter().map(Decimal::from).collect();
    let doc_svg = sparkline("spark-mrr", "MRR trend", &values, 120, 32, &p);
    let doc = check(&doc_svg);
    assert_eq!(elements(&doc, "path").len(), 1);
    assert_eq!(elements(&doc, "circle").len(), 1);
    check(&sparkline("s", "Empty", &[], 120, 32, &p));
    check(&sparkline("s", "One", &[dec!(4)], 120, 32, &p));
    check(&sparkline(
        "s",
        "Flat",
        &[dec!(4), dec!(4), dec!(4)],
        120,
        32,
        &p,
    ));
    check(&sparkline("s", HOSTILE, &[dec!(-4), dec!(4)], 0, 0, &p));
}

#[test]
fn waterfall_bars_float_and_link() {
    let chart = bridge();
    let svg = waterfall(&chart);
    let doc = check(&svg);
    let rects = elements(&doc, "rect");
    assert_eq!(rects.len(), 7);
    let links = elements(&doc, "a");
    assert_eq!(links.len(), 3);
    assert_eq!(
        links[0].attribute("href"),
        Some("/movements?kind=new&month=2026-03")
    );
    assert!(svg.contains("href=\"/movements?kind=new&amp;month=2026-03\""));
    let y = |n: &Node| n.attribute("y").unwrap().parse::<f64>().unwrap();
    let height = |n: &Node| n.attribute("height").unwrap().parse::<f64>().unwrap();
    // Churn (a loss) hangs from the running total before it: its top is where
    // contraction's bottom is.
    let contraction = rects
        .iter()
        .find(|r| r.attribute("class") == Some("qd-bar qd-contraction"))
        .unwrap();
    let churn = rects
        .iter()
        .find(|r| r.attribute("class") == Some("qd-bar qd-churn"))
        .unwrap();
    assert!((y(contraction) + height(contraction) - y(churn)).abs() < 0.2);
    let text = all_text(&doc);
    for needle in [
        "Churn: −$27,450.00",
        "New: +$48,200.00",
        "+$48.2k",
        "−$27.5k",
        "$1.07M",
        "Total",
    ] {
        assert!(text.contains(needle), "missing {needle}\n{text}");
    }
}

#[test]
fn narrow_waterfall_staggers_its_labels_rather_than_cutting_them() {
    let mut chart = bridge();
    chart.width = 400;
    let svg = waterfall(&chart);
    let doc = check(&svg);
    let labels: Vec<Node> = elements(&doc, "g")
        .into_iter()
        .filter(|g| g.attribute("class") == Some("qd-x-labels"))
        .flat_map(|g| {
            g.children()
                .filter(|n| n.tag_name().name() == "text")
                .collect::<Vec<_>>()
        })
        .collect();
    let texts: Vec<&str> = labels.iter().filter_map(|t| t.text()).collect();
    assert!(texts.iter().all(|t| !t.contains('…')), "{texts:?}");
    assert!(texts.contains(&"Reactivation"), "{texts:?}");
    let rows: std::collections::BTreeSet<&str> =
        labels.iter().filter_map(|t| t.attribute("y")).collect();
    assert_eq!(rows.len(), 2, "two rows of labels");
    // Wide enough: one row.
    chart.width = 1200;
    let svg = waterfall(&chart);
    let doc = check(&svg);
    let rows: std::collections::BTreeSet<String> = elements(&doc, "g")
        .into_iter()
        .filter(|g| g.attribute("class") == Some("qd-x-labels"))
        .flat_map(|g| {
            g.children()
                .filter_map(|n| n.attribute("y").map(String::from))
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(rows.len(), 1);
}

#[test]
fn waterfall_without_steps_and_with_zero_step() {
    let mut chart = bridge();
    chart.steps.clear();
    check(&waterfall(&chart));
    chart = bridge();
    chart.steps[2].value = Decimal::ZERO;
    check(&waterfall(&chart));
    chart.start.1 = Decimal::ZERO;
    chart.end.1 = Decimal::ZERO;
    chart.steps.clear();
    check(&waterfall(&chart));
}

#[test]
fn stacked_rects_match_nonzero_segments() {
    let chart = movements(12);
    let svg = stacked_bars(&chart);
    let doc = check(&svg);
    let nonzero = chart
        .buckets
        .iter()
        .flat_map(|b| &b.segments)
        .filter(|s| !s.value.is_zero())
        .count();
    assert_eq!(elements(&doc, "rect").len(), nonzero);
    assert_eq!(elements(&doc, "a").len(), 12);
    let text = all_text(&doc);
    assert!(text.contains("Jan 2024 · Expansion: $12,000.00"), "{text}");
    assert!(text.contains("Jan 2024 · Churn: −$14,000.00"));
    assert!(text.contains("Jan 2024 · Net: +$25,000.00"), "{text}");
    for kind in MovementKind::ALL {
        assert!(text.contains(kind.label()));
    }
}

#[test]
fn stacked_bars_hatch_a_period_in_progress() {
    let mut chart = movements(3);
    chart.buckets[2].partial = true;
    let svg = stacked_bars(&chart);
    let doc = check(&svg);
    let text = all_text(&doc);
    assert!(text.contains("Mar 2024 (part) · New:"), "{text}");
    assert!(!text.contains("Feb 2024 (part)"), "{text}");
    assert!(
        text.contains("Part of a period"),
        "the legend explains the hatching"
    );
    let segments = chart.buckets[2]
        .segments
        .iter()
        .filter(|s| !s.value.is_zero())
        .count();
    let hatches = elements(&doc, "path")
        .into_iter()
        .filter(|p| p.attribute("class") == Some("qd-hatch"))
        .count();
    // One per segment of the partial bar, one in the legend.
    assert_eq!(hatches, segments + 1);
}

#[test]
fn stacked_bars_thin_labels_when_crowded() {
    let chart = movements(36);
    let svg = stacked_bars(&chart);
    let doc = check(&svg);
    let labels: Vec<(f64, &str)> = doc
        .descendants()
        .filter(|n| n.parent_element().and_then(|p| p.attribute("class")) == Some("qd-x-labels"))
        .filter_map(|n| Some((n.attribute("x")?.parse().ok()?, n.text()?)))
        .collect();
    assert!(
        labels.len() >= 4 && labels.len() < 36,
        "{} labels",
        labels.len()
    );
    assert_eq!(
        labels.last().unwrap().1,
        "Dec 2026",
        "latest period is labelled"
    );
    for pair in labels.windows(2) {
        assert!(pair[1].0 - pair[0].0 > 60.0, "labels overlap: {pair:?}");
    }
    assert!(labels.iter().all(|(x, _)| *x > 25.0 && *x < 695.0));
}

#[test]
fn stacked_bars_degenerate_inputs() {
    let mut chart = movements(0);
    assert!(has_empty_state(&check(&stacked_bars(&chart))));
    chart = movements(1);
    check(&stacked_bars(&chart));
    chart.buckets = vec![BarBucket {
        label: "Mar 2026".into(),
        segments: vec![],
        partial: false,
    }];
    let svg = stacked_bars(&chart);
    assert_eq!(elements(&check(&svg), "rect").len(), 0);
    chart.buckets[0].segments = vec![BarSegment {
        kind: MovementKind::Churn,
        value: dec!(-10),
        href: None,
    }];
    chart.net_line = false;
    let svg = stacked_bars(&chart);
    assert_eq!(elements(&check(&svg), "rect").len(), 1);
}

#[test]
fn bar_chart_emphasis_and_links() {
    let chart = aging();
    let svg = bar_chart(&chart);
    let doc = check(&svg);
    assert_eq!(elements(&doc, "rect").len(), 5);
    assert_eq!(elements(&doc, "a").len(), 5);
    let emphasised = elements(&doc, "rect")
        .iter()
        .filter(|r| r.attribute("class") == Some("qd-bar qd-emphasis"))
        .count();
    assert_eq!(emphasised, 3);
    let bold = elements(&doc, "text")
        .iter()
        .filter(|t| t.attribute("font-weight") == Some("700"))
        .count();
    assert_eq!(bold, 3, "emphasis is not colour alone");
    assert!(all_text(&doc).contains("1–30: $96,450.00"));

    let mut empty = aging();
    empty.bars.clear();
    assert!(has_empty_state(&check(&bar_chart(&empty))));
    let mut one = aging();
    one.bars.truncate(1);
    one.bars[0].value = dec!(-250);
    check(&bar_chart(&one));
}

#[test]
fn hostile_text_is_escaped_everywhere() {
    let mut line = mrr_line(3, 1);
    line.title = HOSTILE.into();
    line.description = HOSTILE.into();
    line.id = HOSTILE.into();
    line.format = quarterdeck_render::ValueFormat::Money {
        currency: HOSTILE.into(),
    };

    let mut wf = bridge();
    wf.title = HOSTILE.into();
    wf.start.0 = HOSTILE.into();
    wf.steps[0].label = HOSTILE.into();
    wf.steps[0].href = Some(HOSTILE_HREF.into());
    wf.steps[1].href = Some("javascript:alert(1)".into());

    let mut stacked = movements(3);
    stacked.buckets[0].label = HOSTILE.into();
    stacked.buckets[0].segments[0].href = Some(HOSTILE_HREF.into());

    let mut bars = aging();
    bars.bars[0].label = HOSTILE.into();
    bars.bars[0].href = Some(HOSTILE_HREF.into());
    let mut palette = Palette::light();
    palette.accent = r#"red" onload="alert(1)"#.into();
    bars.palette = palette.clone();

    let svgs = [
        line_chart(&line),
        waterfall(&wf),
        stacked_bars(&stacked),
        bar_chart(&bars),
        sparkline(HOSTILE, HOSTILE, &[dec!(1), dec!(2)], 100, 30, &palette),
    ];
    for svg in &svgs {
        assert!(!svg.contains("<script"), "{svg}");
        assert!(!svg.contains("javascript:"), "unsafe link kept");
        assert!(!svg.contains(r#"" onload"#));
        assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;"));
        let doc = check(svg);
        // The original text survives the round trip.
        assert!(all_text(&doc).contains(HOSTILE), "hostile text lost: {svg}");
        assert!(elements(&doc, "script").is_empty());
    }
    let doc = Document::parse(&svgs[1]).unwrap();
    assert!(all_text(&doc).contains(HOSTILE));
    let hrefs: Vec<&str> = elements(&doc, "a")
        .iter()
        .filter_map(|a| a.attribute("href"))
        .collect();
    assert!(hrefs.contains(&HOSTILE_HREF), "{hrefs:?}");
}

#[test]
fn print_palette_is_used() {
    let mut chart = aging();
    chart.palette = Palette::print();
    let svg = bar_chart(&chart);
    assert!(svg.contains(&Palette::print().grid));
    assert_ne!(Palette::print().grid, Palette::light().grid);
}
