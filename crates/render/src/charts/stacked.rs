//! MRR movements per period as bars stacked up (gains) and down (losses) from zero.

use rust_decimal::Decimal;

use super::columns::Columns;
use super::frame::{EDGE, empty_state, frame_with_legend};
use super::labels::{spread, text_width};
use super::legend::{self, Item, Swatch};
use crate::format::{ValueFormat, with_plus};
use crate::movement::MovementKind;
use crate::palette::Palette;
use crate::svg::{Svg, px};

/// Movements per period, e.g. New/Expansion/Contraction/Churn by month.
#[derive(Debug, Clone)]
pub struct StackedBars {
    /// Unique per page; prefixes the ids of `<title>` and `<desc>`.
    pub id: String,
    /// Accessible name.
    pub title: String,
    /// Accessible description.
    pub description: String,
    /// Width in px.
    pub width: u32,
    /// Height in px.
    pub height: u32,
    /// One bar per period, oldest first.
    pub buckets: Vec<BarBucket>,
    /// How values are shown.
    pub format: ValueFormat,
    /// Colours.
    pub palette: Palette,
    /// Whether to mark each period's net change (sum of its segments).
    pub net_line: bool,
}

/// One period's bar.
#[derive(Debug, Clone)]
pub struct BarBucket {
    /// The period, e.g. "Mar 2026".
    pub label: String,
    /// Its movements; zero values are skipped.
    pub segments: Vec<BarSegment>,
    /// The bucket is only part of its period (the one in progress, or one cut by
    /// the range): its bar is hatched and its tooltips say so, so a short period
    /// does not read as a slump.
    pub partial: bool,
}

/// One movement within a period.
#[derive(Debug, Clone)]
pub struct BarSegment {
    /// Which movement; sets colour and stacking order.
    pub kind: MovementKind,
    /// Signed amount: positive stacks up from zero, negative stacks down.
    pub value: Decimal,
    /// Drill-down link for the segment.
    pub href: Option<String>,
}

/// Renders the stacked bars as a standalone SVG document.
pub fn stacked_bars(chart: &StackedBars) -> String {
    let (w, h, p, f) = (chart.width, chart.height, &chart.palette, &chart.format);
    let mut svg = Svg::begin(
        &chart.id,
        &chart.title,
        &chart.description,
        w,
        h,
        "qd-stacked-bars",
    );
    if chart.buckets.is_empty() {
        empty_state(&mut svg, w, h, p);
        return svg.finish();
    }

    // Stack in kind order, not input order, so colours sit at the same height in
    // every bar.
    let stacks: Vec<Vec<&BarSegment>> = chart
        .buckets
        .iter()
        .map(|b| {
            let mut segs: Vec<&BarSegment> =
                b.segments.iter().filter(|s| !s.value.is_zero()).collect();
            segs.sort_by_key(|s| s.kind);
            segs
        })
        .collect();
    let sums = |segs: &[&BarSegment]| {
        segs.iter()
            .fold((Decimal::ZERO, Decimal::ZERO), |(up, down), s| {
                if s.value.is_sign_positive() {
                    (up + s.value, down)
                } else {
                    (up, down + s.value)
                }
            })
    };
    let mut domain = (Decimal::ZERO, Decimal::ZERO);
    for segs in &stacks {
        let (up, down) = sums(segs);
        domain = (domain.0.min(down), domain.1.max(up));
    }

    let mut legend_items: Vec<Item> = MovementKind::ALL
        .iter()
        .filter(|k| stacks.iter().flatten().any(|s| s.kind == **k))
        .map(|k| Item {
            swatch: Swatch::Block {
                fill: p.movement(*k).to_owned(),
                class: k.class().into(),
            },
            label: k.label().into(),
        })
        .collect();
    if chart.buckets.iter().any(|b| b.partial) {
        legend_items.push(Item {
            swatch: Swatch::Hatched {
                fill: p.total.clone(),
                class: "qd-partial".into(),
            },
            label: "Part of a period".into(),
        });
    }
    if chart.net_line {
        legend_items.push(Item {
            swatch: Swatch::Marker {
                stroke: p.net.clone(),
                class: "qd-net".into(),
            },
            label: "Net".into(),
        });
    }

    // Room for the latest period's label to stay centred under its bar.
    let last_label = chart
        .buckets
        .last()
        .map_or(0.0, |b| text_width(&b.label, 12.0));
    let right_margin = (last_label / 2.0).max(EDGE + 4.0);
    let frame = frame_with_legend((w, h), right_margin, domain, f, &legend_items, 0.0);
    frame.draw_grid(&mut svg, p);
    let cols = Columns::new(&frame, chart.buckets.len(), 48.0);

    svg.open("g", &[("class", "qd-bars")]);
    for (i, (bucket, segs)) in chart.buckets.iter().zip(&stacks).enumerate() {
        let name = bucket_name(bucket);
        let (mut up, mut down) = (Decimal::ZERO, Decimal::ZERO);
        for s in segs {
            let base = if s.value.is_sign_positive() {
                &mut up
            } else {
                &mut down
            };
            let (ya, yb) = (frame.y(*base), frame.y(*base + s.value));
            *base += s.value;
            let tip = format!("{name} · {}: {}", s.kind.label(), f.detail(s.value));
            let linked = svg.open_link(s.href.as_deref());
            svg.titled(
                "rect",
                &[
                    ("class", &format!("qd-bar {}", s.kind.class())),
                    ("x", &px(cols.bar_left(i))),
                    ("y", &px(ya.min(yb))),
                    ("width", &px(cols.bar)),
                    ("height", &px((ya - yb).abs())),
                    ("fill", p.movement(s.kind)),
                    // A hairline of background separates neighbouring segments.
                    ("stroke", &p.background),
                    ("stroke-width", "0.5"),
                ],
                &tip,
            );
            if bucket.partial {
                let rect = (cols.bar_left(i), ya.min(yb), cols.bar, (ya - yb).abs());
                super::hatch::stripes(&mut svg, rect);
            }
            svg.close_link(linked);
        }
    }
    svg.close("g");
    frame.draw_zero_line(&mut svg, p);

    if chart.net_line {
        svg.open("g", &[("class", "qd-nets")]);
        for (i, (bucket, segs)) in chart.buckets.iter().zip(&stacks).enumerate() {
            let net: Decimal = segs.iter().map(|s| s.value).sum();
            let (x, y) = (cols.centre(i), frame.y(net));
            // Wider than the bar so it reads as a marker, but never touching neighbours.
            let half = (cols.bar / 2.0 + 3.0)
                .min(cols.band / 2.0 - 2.0)
                .max(cols.bar / 2.0);
            svg.open("g", &[("class", "qd-net")]);
            svg.text(
                "title",
                &[],
                &format!(
                    "{} · Net: {}",
                    bucket_name(bucket),
                    with_plus(net, f.detail(net))
                ),
            );
            svg.empty(
                "line",
                &[
                    ("class", "qd-net"),
                    ("x1", &px(x - half)),
                    ("x2", &px(x + half)),
                    ("y1", &px(y)),
                    ("y2", &px(y)),
                    ("stroke", &p.net),
                    ("stroke-width", "2"),
                    ("stroke-linecap", "round"),
                ],
            );
            svg.empty(
                "circle",
                &[
                    ("class", "qd-net"),
                    ("cx", &px(x)),
                    ("cy", &px(y)),
                    ("r", "2.5"),
                    ("fill", &p.net),
                    ("stroke", &p.background),
                    ("stroke-width", "1"),
                ],
            );
            svg.close("g");
        }
        svg.close("g");
    }

    let centres: Vec<f64> = (0..chart.buckets.len()).map(|i| cols.centre(i)).collect();
    let widths: Vec<f64> = chart
        .buckets
        .iter()
        .map(|b| text_width(&b.label, 12.0))
        .collect();
    let shown: Vec<(f64, String)> = spread(
        &centres,
        &widths,
        EDGE / 2.0,
        f64::from(w) - EDGE / 2.0,
        chart.buckets.len() - 1,
    )
    .into_iter()
    .map(|(i, x)| (x, chart.buckets[i].label.clone()))
    .collect();
    frame.draw_x_labels(&mut svg, p, &shown);
    legend::draw(
        &mut svg,
        &legend_items,
        (frame.left, EDGE),
        f64::from(w) - EDGE,
        p,
    );
    svg.finish()
}

/// The bucket's label for tooltips, "Dec 2026 (part)" when it is only part of it.
fn bucket_name(bucket: &BarBucket) -> String {
    if bucket.partial {
        format!("{} (part)", bucket.label)
    } else {
        bucket.label.clone()
    }
}
