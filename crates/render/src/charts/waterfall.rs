//! The MRR bridge: a starting total, signed movements floating from the running
//! total, and an ending total.

use rust_decimal::Decimal;

use super::columns::{Columns, category_labels, value_label, value_labels_fit};
use super::frame::{EDGE, frame_with_legend};
use super::legend::{self, Item, Swatch};
use crate::format::{ValueFormat, with_plus};
use crate::movement::MovementKind;
use crate::palette::Palette;
use crate::svg::{Svg, px};

/// A bridge from a starting to an ending total.
#[derive(Debug, Clone)]
pub struct Waterfall {
    /// Unique per page; prefixes the ids of `<title>` and `<desc>`.
    pub id: String,
    /// Accessible name, e.g. "MRR bridge, March 2026".
    pub title: String,
    /// Accessible description.
    pub description: String,
    /// Width in px.
    pub width: u32,
    /// Height in px.
    pub height: u32,
    /// Label and value of the opening total, e.g. ("Feb 2026", 1_000_000).
    pub start: (String, Decimal),
    /// Movements in display order.
    pub steps: Vec<WaterfallStep>,
    /// Label and value of the closing total, drawn as given (not recomputed).
    pub end: (String, Decimal),
    /// How values are shown.
    pub format: ValueFormat,
    /// Colours.
    pub palette: Palette,
}

/// One movement in a waterfall.
#[derive(Debug, Clone)]
pub struct WaterfallStep {
    /// Category label under the bar, e.g. "Expansion".
    pub label: String,
    /// Which movement this is; sets the colour.
    pub kind: MovementKind,
    /// Signed change: positive goes up, negative (contraction, churn) goes down.
    pub value: Decimal,
    /// Drill-down link for the bar.
    pub href: Option<String>,
}

/// One drawn bar: from `from` to `to` on the value axis.
struct Column<'a> {
    label: &'a str,
    class: String,
    fill: &'a str,
    from: Decimal,
    to: Decimal,
    tooltip: String,
    value_text: String,
    href: Option<&'a str>,
}

/// A start or end bar, standing on zero.
fn total<'a>((label, value): &'a (String, Decimal), p: &'a Palette, f: &ValueFormat) -> Column<'a> {
    Column {
        label,
        class: "qd-bar qd-total".into(),
        fill: &p.total,
        from: Decimal::ZERO,
        to: *value,
        tooltip: format!("{label}: {}", f.detail(*value)),
        value_text: f.short(*value),
        href: None,
    }
}

/// Renders the waterfall as a standalone SVG document.
pub fn waterfall(chart: &Waterfall) -> String {
    let (w, h, p, f) = (chart.width, chart.height, &chart.palette, &chart.format);
    let mut svg = Svg::begin(
        &chart.id,
        &chart.title,
        &chart.description,
        w,
        h,
        "qd-waterfall",
    );

    let mut columns = vec![total(&chart.start, p, f)];
    let mut running = chart.start.1;
    for step in &chart.steps {
        let from = running;
        running += step.value;
        columns.push(Column {
            label: &step.label,
            class: format!("qd-bar {}", step.kind.class()),
            fill: p.movement(step.kind),
            from,
            to: running,
            tooltip: format!(
                "{}: {}",
                step.label,
                with_plus(step.value, f.detail(step.value))
            ),
            value_text: with_plus(step.value, f.short(step.value)),
            href: step.href.as_deref(),
        });
    }
    columns.push(total(&chart.end, p, f));

    let mut legend_items = vec![Item {
        swatch: Swatch::Block {
            fill: p.total.clone(),
            class: "qd-total".into(),
        },
        label: "Total".into(),
    }];
    legend_items.extend(
        MovementKind::ALL
            .iter()
            .filter(|k| chart.steps.iter().any(|s| s.kind == **k))
            .map(|k| Item {
                swatch: Swatch::Block {
                    fill: p.movement(*k).to_owned(),
                    class: k.class().into(),
                },
                label: k.label().into(),
            }),
    );

    let domain = columns
        .iter()
        .flat_map(|c| [c.from, c.to])
        .fold((Decimal::ZERO, Decimal::ZERO), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    // 18 px of headroom keeps the value label over the tallest bar inside the chart.
    let frame = frame_with_legend((w, h), EDGE + 4.0, domain, f, &legend_items, 18.0);
    frame.draw_grid(&mut svg, p);
    let cols = Columns::new(&frame, columns.len(), 72.0);

    // Dashed connectors carry each running total across to the next bar.
    svg.open("g", &[("class", "qd-connectors")]);
    for (i, pair) in columns.windows(2).enumerate() {
        let y = px(frame.y(pair[0].to));
        svg.empty(
            "line",
            &[
                ("class", "qd-connector"),
                ("x1", &px(cols.bar_left(i) + cols.bar)),
                ("x2", &px(cols.bar_left(i + 1))),
                ("y1", &y),
                ("y2", &y),
                ("stroke", &p.axis),
                ("stroke-width", "1"),
                ("stroke-dasharray", "3 3"),
            ],
        );
    }
    svg.close("g");

    svg.open("g", &[("class", "qd-bars")]);
    for (i, c) in columns.iter().enumerate() {
        let (ya, yb) = (frame.y(c.from), frame.y(c.to));
        let linked = svg.open_link(c.href);
        svg.titled(
            "rect",
            &[
                ("class", &c.class),
                ("x", &px(cols.bar_left(i))),
                ("y", &px(ya.min(yb))),
                ("width", &px(cols.bar)),
                // A zero step still shows as a hairline so its column is not blank.
                ("height", &px((ya - yb).abs().max(1.0))),
                ("fill", c.fill),
            ],
            &c.tooltip,
        );
        svg.close_link(linked);
    }
    svg.close("g");
    frame.draw_zero_line(&mut svg, p);

    let texts: Vec<String> = columns.iter().map(|c| c.value_text.clone()).collect();
    if value_labels_fit(&cols, &texts) {
        svg.open("g", &[("class", "qd-values")]);
        for (i, c) in columns.iter().enumerate() {
            let top = frame.y(c.from).min(frame.y(c.to));
            value_label(
                &mut svg,
                (cols.centre(i), top - 6.0),
                &c.value_text,
                false,
                p,
            );
        }
        svg.close("g");
    }
    let labels: Vec<&str> = columns.iter().map(|c| c.label).collect();
    category_labels(&mut svg, &frame, &cols, &labels, p);
    legend::draw(
        &mut svg,
        &legend_items,
        (frame.left, EDGE),
        f64::from(w) - EDGE,
        p,
    );
    svg.finish()
}
