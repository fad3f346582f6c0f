//! Realistic chart inputs shared by the tests and the sample writer.
#![allow(dead_code)]

use chrono::NaiveDate;
use quarterdeck_render::{
    Bar, BarBucket, BarChart, BarSegment, ForecastPoint, LineChart, MovementKind, Palette,
    StackedBars, ValueFormat, Waterfall, WaterfallStep,
};
use rust_decimal::Decimal;
use rust_decimal::dec;

pub fn usd() -> ValueFormat {
    ValueFormat::Money {
        currency: "USD".into(),
    }
}

pub fn month(year: i32, m: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, m, 1).unwrap()
}

/// The month `i` months after Jan 2024.
pub fn nth_month(i: u32) -> NaiveDate {
    month(2024 + (i / 12) as i32, i % 12 + 1)
}

pub fn mrr_line(months: u32, forecast: u32) -> LineChart {
    let value = |i: u32| Decimal::from(820_000 + i * 14_500 + (i % 4) * 6_100);
    LineChart {
        id: "mrr".into(),
        title: "MRR".into(),
        description: "Monthly recurring revenue by month".into(),
        width: 720,
        height: 320,
        points: (0..months).map(|i| (nth_month(i), value(i))).collect(),
        forecast: (months..months + forecast)
            .map(|i| {
                let spread = Decimal::from((i - months + 1) * 9_000);
                ForecastPoint {
                    date: nth_month(i),
                    value: value(i),
                    low: value(i) - spread,
                    high: value(i) + spread,
                }
            })
            .collect(),
        format: usd(),
        palette: Palette::light(),
    }
}

pub fn bridge() -> Waterfall {
    let step = |label: &str, kind, value: Decimal, href: Option<&str>| WaterfallStep {
        label: label.into(),
        kind,
        value,
        href: href.map(Into::into),
    };
    Waterfall {
        id: "bridge".into(),
        title: "MRR bridge, March 2026".into(),
        description: "From February to March MRR".into(),
        width: 720,
        height: 340,
        start: ("Feb 2026".into(), dec!(1_020_400)),
        steps: vec![
            step(
                "New",
                MovementKind::New,
                dec!(48_200),
                Some("/movements?kind=new&month=2026-03"),
            ),
            step(
                "Expansion",
                MovementKind::Expansion,
                dec!(31_750),
                Some("/movements?kind=expansion"),
            ),
            step(
                "Reactivation",
                MovementKind::Reactivation,
                dec!(6_300),
                None,
            ),
            step(
                "Contraction",
                MovementKind::Contraction,
                dec!(-12_900),
                None,
            ),
            step(
                "Churn",
                MovementKind::Churn,
                dec!(-27_450),
                Some("/movements?kind=churn"),
            ),
        ],
        end: ("Mar 2026".into(), dec!(1_066_300)),
        format: usd(),
        palette: Palette::light(),
    }
}

pub fn movements(months: u32) -> StackedBars {
    let seg = |kind, value: i64, href: Option<String>| BarSegment {
        kind,
        value: Decimal::from(value),
        href,
    };
    StackedBars {
        id: "movements".into(),
        title: "MRR movements".into(),
        description: "New, expansion, contraction and churn by month".into(),
        width: 720,
        height: 340,
        buckets: (0..months)
            .map(|i| {
                let v = i64::from(i);
                let d = nth_month(i);
                BarBucket {
                    label: format!("{} {}", d.format("%b"), d.format("%Y")),
                    segments: vec![
                        seg(
                            MovementKind::New,
                            30_000 + v * 900,
                            Some(format!("/movements?kind=new&m={i}")),
                        ),
                        seg(MovementKind::Expansion, 12_000 + (v % 5) * 2_500, None),
                        seg(
                            MovementKind::Reactivation,
                            if i % 3 == 0 { 3_000 } else { 0 },
                            None,
                        ),
                        seg(MovementKind::Contraction, -6_000 - (v % 4) * 1_200, None),
                        seg(MovementKind::Churn, -14_000 - (v % 6) * 2_100, None),
                    ],
                }
            })
            .collect(),
        format: usd(),
        palette: Palette::light(),
        net_line: true,
    }
}

pub fn aging() -> BarChart {
    let bar = |label: &str, value: Decimal, emphasis: bool| Bar {
        label: label.into(),
        value,
        href: Some(format!("/receivables?bucket={label}")),
        emphasis,
    };
    BarChart {
        id: "aging".into(),
        title: "Receivables by age".into(),
        description: "Open invoices by days overdue".into(),
        width: 560,
        height: 300,
        bars: vec![
            bar("Current", dec!(412_300), false),
            bar("1–30", dec!(96_450), false),
            bar("31–60", dec!(38_900), true),
            bar("61–90", dec!(17_250), true),
            bar("90+", dec!(22_100.55), true),
        ],
        format: usd(),
        palette: Palette::light(),
    }
}
