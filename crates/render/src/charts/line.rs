//! The time-series line chart with an optional forecast and its uncertainty band.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use super::frame::{EDGE, domain_with_zero, empty_state, frame_with_legend};
use super::labels::{spread, text_width};
use super::legend::{self, Item, Swatch};
use crate::format::ValueFormat;
use crate::palette::Palette;
use crate::svg::{Svg, px};

/// A metric over time, e.g. MRR by month, optionally with a forecast.
#[derive(Debug, Clone)]
pub struct LineChart {
    /// Unique per page; prefixes the ids of `<title>` and `<desc>`.
    pub id: String,
    /// Accessible name, e.g. "MRR".
    pub title: String,
    /// Accessible description, e.g. "MRR by month, Jan 2025 – Mar 2026".
    pub description: String,
    /// Width in px.
    pub width: u32,
    /// Height in px.
    pub height: u32,
    /// Actual values by date (any order).
    pub points: Vec<(NaiveDate, Decimal)>,
    /// Forecast after the last actual point; earlier forecast points are ignored.
    pub forecast: Vec<ForecastPoint>,
    /// How values are shown on the axis and in tooltips.
    pub format: ValueFormat,
    /// Colours.
    pub palette: Palette,
    /// What a point stands for, which sets the date labels.
    pub axis: DateAxis,
    /// Points dated on or after this day (normally today) end periods still in
    /// progress: drawn apart (dotted, hollow) and labelled "to date", so a month
    /// in progress does not read as a drop.
    pub in_progress_from: Option<NaiveDate>,
}

/// What each point of a line stands for, so its label names the bucket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DateAxis {
    /// Months when no two points share a month, else days.
    #[default]
    Auto,
    /// Each point is a day.
    Days,
    /// Each point ends a month: "Mar 2026".
    Months,
    /// Each point ends a quarter: "Q1 2026".
    Quarters,
}

/// One forecast value with its likely range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForecastPoint {
    /// The period the forecast is for.
    pub date: NaiveDate,
    /// The central estimate.
    pub value: Decimal,
    /// Lower end of the range.
    pub low: Decimal,
    /// Upper end of the range.
    pub high: Decimal,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// "Mar 2026".
fn month_label(d: NaiveDate) -> String {
    format!("{} {}", MONTHS[d.month0() as usize], d.year())
}

/// "3 Mar 2026", for series finer than a month.
fn day_label(d: NaiveDate) -> String {
    format!("{} {} {}", d.day(), MONTHS[d.month0() as usize], d.year())
}

/// "Q1 2026".
fn quarter_label(d: NaiveDate) -> String {
    format!("Q{} {}", d.month0() / 3 + 1, d.year())
}

/// Renders the chart as a standalone SVG document.
pub fn line_chart(chart: &LineChart) -> String {
    let (w, h, p) = (chart.width, chart.height, &chart.palette);
    let mut svg = Svg::begin(
        &chart.id,
        &chart.title,
        &chart.description,
        w,
        h,
        "qd-line-chart",
    );
    let mut points = chart.points.clone();
    points.sort_by_key(|(d, _)| *d);
    let Some(&(last_date, last_value)) = points.last() else {
        empty_state(&mut svg, w, h, p);
        return svg.finish();
    };
    let mut forecast: Vec<ForecastPoint> = chart
        .forecast
        .iter()
        .filter(|f| f.date > last_date)
        .copied()
        .collect();
    forecast.sort_by_key(|f| f.date);

    let dates: Vec<NaiveDate> = points
        .iter()
        .map(|(d, _)| *d)
        .chain(forecast.iter().map(|f| f.date))
        .collect();
    // Auto: month labels unless two points share a month (daily or weekly series).
    let axis = match chart.axis {
        DateAxis::Auto
            if dates
                .windows(2)
                .all(|w| (w[0].year(), w[0].month()) != (w[1].year(), w[1].month())) =>
        {
            DateAxis::Months
        }
        DateAxis::Auto => DateAxis::Days,
        other => other,
    };
    let partial = |d: NaiveDate| chart.in_progress_from.is_some_and(|t| d >= t);
    let label_of = |d: NaiveDate| match axis {
        DateAxis::Quarters => quarter_label(d),
        DateAxis::Months => month_label(d),
        _ => day_label(d),
    };
    let tip_of = |d: NaiveDate| {
        if partial(d) {
            format!("{} (to date)", label_of(d))
        } else {
            label_of(d)
        }
    };
    let labels: Vec<String> = dates.iter().map(|d| label_of(*d)).collect();
    let widths: Vec<f64> = labels.iter().map(|l| text_width(l, 12.0)).collect();

    let any_partial = points.iter().any(|(d, _)| partial(*d));
    let mut legend_items = if forecast.is_empty() && !any_partial {
        Vec::new()
    } else {
        vec![
            Item {
                swatch: Swatch::Line {
                    stroke: p.accent.clone(),
                    class: "qd-line".into(),
                },
                label: "Actual".into(),
            },
            Item {
                swatch: Swatch::Band {
                    fill: p.band.clone(),
                    stroke: p.accent.clone(),
                    class: "qd-forecast".into(),
                },
                label: "Forecast".into(),
            },
        ]
    };
    if forecast.is_empty() {
        legend_items.retain(|i| i.label != "Forecast");
    }
    if any_partial {
        legend_items.push(Item {
            swatch: Swatch::Dotted {
                stroke: p.accent.clone(),
                class: "qd-partial".into(),
            },
            label: "To date".into(),
        });
    }
    let domain = domain_with_zero(
        points
            .iter()
            .map(|(_, v)| *v)
            .chain(forecast.iter().flat_map(|f| [f.value, f.low, f.high])),
    );
    // Room for the last date label to sit centred under the last point.
    let right_margin = (widths.last().copied().unwrap_or(0.0) / 2.0 - 4.0).max(EDGE + 8.0);
    let frame = frame_with_legend(
        (w, h),
        right_margin,
        domain,
        &chart.format,
        &legend_items,
        0.0,
    );
    frame.draw_grid(&mut svg, p);

    // Inset so the first and last markers do not sit on the plot's edges.
    let (x0, x1) = (frame.left + 8.0, (frame.right - 8.0).max(frame.left + 8.0));
    let first_date = dates[0];
    let span = (dates[dates.len() - 1] - first_date).num_days();
    let x = |d: NaiveDate| {
        if span == 0 {
            (x0 + x1) / 2.0
        } else {
            x0 + (d - first_date).num_days() as f64 / span as f64 * (x1 - x0)
        }
    };
    let at = |d: NaiveDate, v: Decimal| format!("{} {}", px(x(d)), px(frame.y(v)));

    if !forecast.is_empty() {
        let start = at(last_date, last_value);
        let highs: Vec<String> = forecast.iter().map(|f| at(f.date, f.high)).collect();
        let lows: Vec<String> = forecast.iter().rev().map(|f| at(f.date, f.low)).collect();
        let band = format!("M{start}L{}L{}Z", highs.join("L"), lows.join("L"));
        svg.empty(
            "path",
            &[
                ("class", "qd-band"),
                ("d", &band),
                ("fill", &p.band),
                ("fill-opacity", "0.15"),
                ("stroke", "none"),
            ],
        );
        let ahead: Vec<String> = forecast.iter().map(|f| at(f.date, f.value)).collect();
        let dashed = format!("M{start}L{}", ahead.join("L"));
        svg.empty(
            "path",
            &[
                ("class", "qd-line qd-forecast"),
                ("d", &dashed),
                ("fill", "none"),
                ("stroke", &p.accent),
                ("stroke-width", "2"),
                ("stroke-dasharray", "6 4"),
                ("stroke-linecap", "round"),
            ],
        );
    }
    frame.draw_zero_line(&mut svg, p);

    // Whole periods are one solid line; the periods in progress continue it dotted.
    let complete = points.iter().take_while(|(d, _)| !partial(*d)).count();
    let solid: Vec<String> = points[..complete].iter().map(|(d, v)| at(*d, *v)).collect();
    if !solid.is_empty() {
        svg.empty(
            "path",
            &[
                ("class", "qd-line"),
                ("d", &format!("M{}", solid.join("L"))),
                ("fill", "none"),
                ("stroke", &p.accent),
                ("stroke-width", "2"),
                ("stroke-linejoin", "round"),
                ("stroke-linecap", "round"),
            ],
        );
    }
    if complete < points.len() {
        let from = complete.saturating_sub(1);
        let dotted: Vec<String> = points[from..].iter().map(|(d, v)| at(*d, *v)).collect();
        svg.empty(
            "path",
            &[
                ("class", "qd-line qd-partial"),
                ("d", &format!("M{}", dotted.join("L"))),
                ("fill", "none"),
                ("stroke", &p.accent),
                ("stroke-width", "2"),
                ("stroke-dasharray", "2 3"),
                ("stroke-linecap", "round"),
            ],
        );
    }

    // Markers shrink, then turn into invisible hover targets, as points crowd.
    let spacing = (x1 - x0) / (dates.len().max(2) - 1) as f64;
    let (radius, opacity) = match spacing {
        _ if dates.len() == 1 => ("4", "1"),
        s if s >= 14.0 => ("3", "1"),
        s if s >= 6.0 => ("2", "1"),
        _ => ("3", "0"),
    };
    svg.open("g", &[("class", "qd-markers")]);
    for (d, v) in &points {
        let tip = format!("{}: {}", tip_of(*d), chart.format.detail(*v));
        // A period in progress is a hollow marker, like the forecast's.
        let (class, fill, stroke) = if partial(*d) {
            ("qd-line qd-marker qd-partial", &p.background, &p.accent)
        } else {
            ("qd-line qd-marker", &p.accent, &p.background)
        };
        svg.titled(
            "circle",
            &[
                ("class", class),
                ("cx", &px(x(*d))),
                ("cy", &px(frame.y(*v))),
                ("r", radius),
                ("fill", fill),
                ("fill-opacity", opacity),
                ("stroke", stroke),
                ("stroke-opacity", opacity),
                ("stroke-width", "1"),
            ],
            &tip,
        );
    }
    for f in &forecast {
        let tip = format!(
            "{} (forecast): {} (range {} – {})",
            label_of(f.date),
            chart.format.detail(f.value),
            chart.format.detail(f.low),
            chart.format.detail(f.high),
        );
        svg.titled(
            "circle",
            &[
                ("class", "qd-forecast qd-marker"),
                ("cx", &px(x(f.date))),
                ("cy", &px(frame.y(f.value))),
                ("r", radius),
                ("fill", &p.background),
                ("fill-opacity", opacity),
                ("stroke", &p.accent),
                ("stroke-opacity", opacity),
                ("stroke-width", "1.5"),
            ],
            &tip,
        );
    }
    svg.close("g");

    let centres: Vec<f64> = dates.iter().map(|d| x(*d)).collect();
    let shown: Vec<(f64, String)> = spread(
        &centres,
        &widths,
        EDGE / 2.0,
        f64::from(w) - EDGE / 2.0,
        points.len() - 1,
    )
    .into_iter()
    .map(|(i, cx)| (cx, labels[i].clone()))
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
