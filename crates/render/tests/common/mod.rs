//! Realistic chart inputs shared by the tests and the sample writer.
#![allow(dead_code)]

use chrono::NaiveDate;
use quarterdeck_render::{
    Bar, BarBucket, BarChart, BarSegment, DateAxis, ForecastPoint, LineChart, MovementKind,
    Palette, StackedBars, ValueFormat, Waterfall, WaterfallStep,
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
        axis: DateAxis::Auto,
        in_progress_from: None,
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
                    partial: false,
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

/// A report like the server builds: 6 KPIs, 3 print charts, 3 tables of ~50 rows.
pub fn report_model() -> quarterdeck_render::ReportModel {
    use quarterdeck_render::{
        CellValue, ReportChart, ReportKpi, ReportModel, ReportTable, line_chart, stacked_bars,
        waterfall,
    };
    let kpi = |label: &str, value: &str, change: &str, previous: &str, status: &str| ReportKpi {
        label: label.into(),
        value: value.into(),
        change: change.into(),
        previous: previous.into(),
        status: status.into(),
        ..ReportKpi::default()
    };
    let mut line = mrr_line(15, 3);
    line.palette = Palette::print();
    let mut bridge = bridge();
    bridge.palette = Palette::print();
    let mut movements = movements(12);
    movements.palette = Palette::print();

    const NAMES: [&str; 10] = [
        "Northwind Traders",
        "Contoso Ltd",
        "Fabrikam & Sons",
        "Adventure Works Cycles",
        "Tailspin Toys",
        "Wide World Importers",
        "Litware Inc",
        "Proseware",
        "Coho Winery",
        "Alpine Ski House",
    ];
    const PLANS: [&str; 3] = ["Enterprise", "Growth", "Starter"];
    let customers = ReportTable {
        title: "Top customers by MRR".into(),
        columns: [
            "Customer",
            "Plan",
            "MRR",
            "Share of MRR",
            "Seats",
            "Customer since",
        ]
        .map(String::from)
        .to_vec(),
        rows: (0..50i64)
            .map(|i| {
                let name = format!("{} {}", NAMES[i as usize % 10], i / 10 + 1);
                vec![
                    CellValue::Text(name),
                    CellValue::Text(PLANS[i as usize % 3].into()),
                    CellValue::Money(Decimal::new(4_812_345 - i * 61_237, 2)),
                    CellValue::Ratio(Decimal::new(452 - i * 7, 4)),
                    CellValue::Count(1_250 - i * 19),
                    CellValue::Date(month(2019 + (i % 7) as i32, (i % 12) as u32 + 1)),
                ]
            })
            .collect(),
    };
    let monthly = ReportTable {
        title: "Monthly metrics".into(),
        columns: [
            "Month",
            "MRR",
            "New",
            "Churned",
            "Churn rate",
            "Customers",
            "Quick ratio",
        ]
        .map(String::from)
        .to_vec(),
        rows: (0..48u32)
            .map(|i| {
                let v = i64::from(i);
                vec![
                    CellValue::Date(nth_month(i)),
                    CellValue::Money(Decimal::new(82_000_000 + v * 1_450_050, 2)),
                    CellValue::Money(Decimal::new(3_000_000 + v * 90_025, 2)),
                    CellValue::Money(Decimal::new(-1_400_000 - (v % 6) * 210_000, 2)),
                    CellValue::Ratio(Decimal::new(180 + (v % 5) * 13, 4)),
                    CellValue::Count(1_180 + v * 11),
                    CellValue::Number(Decimal::new(235 + (v % 7) * 17, 2)),
                ]
            })
            .collect(),
    };
    let receivables = ReportTable {
        title: "Open receivables".into(),
        columns: [
            "Invoice",
            "Customer",
            "Due",
            "Days overdue",
            "Amount",
            "Note",
        ]
        .map(String::from)
        .to_vec(),
        rows: (0..52i64)
            .map(|i| {
                vec![
                    CellValue::Text(format!("INV-2026-{:04}", 310 + i)),
                    CellValue::Text(NAMES[(i as usize * 3) % 10].into()),
                    CellValue::Date(
                        NaiveDate::from_ymd_opt(2026, 1 + (i % 3) as u32, 1 + (i % 28) as u32)
                            .unwrap(),
                    ),
                    CellValue::Count(i * 3 % 97),
                    CellValue::Money(Decimal::new(1_250_000 + i * 37_911, 2)),
                    if i % 4 == 0 {
                        CellValue::Text("Promised payment after the quarter closes".into())
                    } else {
                        CellValue::Empty
                    },
                ]
            })
            .collect(),
    };
    ReportModel {
        tenant_name: "Acme Analytics Inc.".into(),
        title: "Executive report".into(),
        period: "Jan 1 – Mar 31, 2026".into(),
        comparison: Some("Oct 1 – Dec 31, 2025".into()),
        filters: "segment: smb".into(),
        currency: "USD".into(),
        generated_at: "2026-11-22 03:40 UTC".into(),
        kpis: vec![
            kpi("MRR", "$1.07M", "▲ 4.5%", "vs $1.02M before", "On target"),
            kpi("ARR", "$12.8M", "▲ 4.5%", "vs $12.2M before", "On target"),
            kpi(
                "Net revenue retention",
                "103.4%",
                "▼ 0.8 pts",
                "vs 104.2% before",
                "Watch",
            ),
            kpi(
                "Logo churn",
                "2.1%",
                "▲ 0.4 pts",
                "vs 1.7% before",
                "Off target",
            ),
            kpi("Active customers", "1,697", "▲ 3.2%", "vs 1,644 before", ""),
            kpi("Cash collected", "$3,104,225.40", "", "", ""),
        ],
        charts: vec![
            ReportChart {
                title: "Monthly recurring revenue".into(),
                svg: line_chart(&line),
            },
            ReportChart {
                title: "MRR bridge, March 2026".into(),
                svg: waterfall(&bridge),
            },
            ReportChart {
                title: "MRR movements by month".into(),
                svg: stacked_bars(&movements),
            },
        ],
        tables: vec![customers, monthly, receivables],
    }
}
