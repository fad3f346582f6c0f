//! Writes sample charts to /tmp/render-samples for eyeballing:
//! `cargo test -p quarterdeck-render --test samples -- --ignored`.

mod common;

use common::*;
use quarterdeck_render::{
    Palette, bar_chart, heat_cell_style, line_chart, sparkline, stacked_bars, waterfall,
};
use rust_decimal::Decimal;

#[test]
#[ignore = "writes files for manual inspection"]
fn write_samples() {
    let dir = std::path::Path::new("/tmp/render-samples");
    std::fs::create_dir_all(dir).unwrap();
    let write = |name: &str, svg: String| std::fs::write(dir.join(name), svg).unwrap();

    write("line.svg", line_chart(&mrr_line(15, 3)));
    let mut long = mrr_line(36, 6);
    long.palette = Palette::print();
    write("line-long-print.svg", line_chart(&long));
    let mut negative = mrr_line(10, 0);
    for (i, p) in negative.points.iter_mut().enumerate() {
        p.1 = Decimal::from(i as i64 * 3_150 - 14_000);
    }
    write("line-negative.svg", line_chart(&negative));
    write("line-single.svg", line_chart(&mrr_line(1, 0)));
    write("line-empty.svg", line_chart(&mrr_line(0, 0)));
    let values: Vec<Decimal> = [3, 5, 4, 8, 7, 9, 8, 11]
        .into_iter()
        .map(Decimal::from)
        .collect();
    write(
        "sparkline.svg",
        sparkline("spark", "MRR trend", &values, 120, 32, &Palette::light()),
    );
    write("waterfall.svg", waterfall(&bridge()));
    write("stacked.svg", stacked_bars(&movements(12)));
    write("stacked-36.svg", stacked_bars(&movements(36)));
    let mut narrow = bridge();
    narrow.width = 380;
    narrow.height = 240;
    write("waterfall-narrow.svg", waterfall(&narrow));
    write("bars.svg", bar_chart(&aging()));

    // The heat scale as an HTML strip, since cells are table cells in the app.
    let cells: String = (0..=10)
        .map(|i| {
            let (bg, fg) = heat_cell_style(Some(Decimal::new(i, 1)));
            format!(
                r#"<td style="background:{bg};color:{fg};padding:8px 12px">{}%</td>"#,
                i * 10
            )
        })
        .collect();
    std::fs::write(
        dir.join("heat.html"),
        format!("<table style=\"font:12px sans-serif;border-collapse:collapse\"><tr>{cells}</tr></table>"),
    )
    .unwrap();
}

#[test]
#[ignore = "writes files for manual inspection"]
fn write_documents() {
    let dir = std::path::Path::new("/tmp/render-samples");
    std::fs::create_dir_all(dir).unwrap();
    let model = report_model();
    std::fs::write(
        dir.join("report.pdf"),
        quarterdeck_render::executive_pdf(&model).unwrap(),
    )
    .unwrap();
    std::fs::write(
        dir.join("report.xlsx"),
        quarterdeck_render::workbook(&model).unwrap(),
    )
    .unwrap();
    let mut edge = report_model();
    edge.tenant_name = "The Extraordinarily Long-Named International Holding Company of \
                        Northern Europe and Its Subsidiaries"
        .into();
    edge.kpis.truncate(4);
    edge.kpis[0].label = "A KPI label long enough to need two lines in a card".into();
    edge.kpis[0].value = "$123,456,789,012.34".into();
    edge.tables.truncate(1);
    edge.tables[0].rows.truncate(8);
    edge.tables.push(quarterdeck_render::ReportTable {
        title: "Wide".into(),
        columns: (0..14).map(|i| format!("Column number {i}")).collect(),
        rows: vec![
            (0..16)
                .map(|i| quarterdeck_render::CellValue::Money(Decimal::new(123_456_789 * i, 2)))
                .collect(),
        ],
    });
    edge.tables.push(quarterdeck_render::ReportTable {
        title: "Nothing here".into(),
        columns: vec!["Customer".into(), "MRR".into()],
        rows: Vec::new(),
    });
    std::fs::write(
        dir.join("report-edge.pdf"),
        quarterdeck_render::executive_pdf(&edge).unwrap(),
    )
    .unwrap();
    std::fs::write(
        dir.join("bridge.png"),
        quarterdeck_render::svg_to_png(&model.charts[1].svg, 2.0).unwrap(),
    )
    .unwrap();
}
