//! How long the documents take: a report with 6 KPIs, 3 charts and 3 tables of ~50
//! rows, as PDF and as XLSX, and one chart as a 2× PNG.
//!
//! `cargo bench -p quarterdeck-render --bench documents`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use quarterdeck_render::{executive_pdf, svg_to_png, workbook};

#[path = "../tests/common/mod.rs"]
mod common;

fn documents(c: &mut Criterion) {
    let model = common::report_model();
    c.bench_function("executive_pdf", |b| {
        b.iter(|| executive_pdf(black_box(&model)).unwrap())
    });
    c.bench_function("workbook", |b| {
        b.iter(|| workbook(black_box(&model)).unwrap())
    });
    let svg = &model.charts[1].svg;
    c.bench_function("svg_to_png_2x", |b| {
        b.iter(|| svg_to_png(black_box(svg), 2.0).unwrap())
    });
}

criterion_group!(benches, documents);
criterion_main!(benches);
