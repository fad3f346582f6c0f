//! `quarterdeck import`: a CSV, JSON or NDJSON file into one collection, all or nothing.

use crate::options::ImportArgs;
use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use quarterdeck_app::{admin, ingest};
use quarterdeck_domain::Collection;
use serde_json::{Map, Value};
use std::path::Path;
use std::time::Instant;

/// Files with more rows than this get a progress bar.
const PROGRESS_ABOVE: usize = 10_000;
/// Rows validated between progress updates.
const CHUNK: usize = 5_000;
/// Problems printed before the rest are only counted.
const SHOWN_PROBLEMS: usize = 50;

/// A row and where it came from, for error messages ("line 7").
pub struct SourcedRow {
    pub place: String,
    pub row: Value,
}

/// Runs the import.
pub async fn run(args: ImportArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let collection = Collection::from_slug(&args.collection).with_context(|| {
        format!(
            "no collection `{}`; collections are {}",
            args.collection,
            Collection::all_slugs()
        )
    })?;
    let rows = read_file(&args.file)?;
    let store = super::admin::open_store(&args.store).await?;
    let tenant = admin::tenant(store.as_ref(), &args.tenant).await?;

    let bar = progress(rows.len(), "validating");
    let mut parsed = Vec::with_capacity(rows.len());
    let mut problems = Vec::new();
    for (chunk_no, chunk) in rows.chunks(CHUNK).enumerate() {
        let values: Vec<Value> = chunk.iter().map(|r| r.row.clone()).collect();
        match ingest::validate(collection, &values) {
            Ok(ok) => parsed.push(ok),
            Err(errs) => problems.extend(errs.into_iter().map(|e| {
                let place = &rows[chunk_no * CHUNK + e.index].place;
                format!(
                    "{place}, field {}: {}",
                    if e.field.is_empty() {
                        "(row)"
                    } else {
                        &e.field
                    },
                    e.message
                )
            })),
        }
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    if !problems.is_empty() {
        for p in problems.iter().take(SHOWN_PROBLEMS) {
            eprintln!("{p}");
        }
        if problems.len() > SHOWN_PROBLEMS {
            eprintln!("… and {} more", problems.len() - SHOWN_PROBLEMS);
        }
        bail!(
            "{} problem(s) in {}; nothing was imported",
            problems.len(),
            args.file.display()
        );
    }
    // One batch, so that the file is stored whole or not at all.
    let batch = ingest::ValidBatch {
        collection,
        records: parsed
            .iter_mut()
            .flat_map(|b| std::mem::take(&mut b.records))
            .collect(),
        rows: parsed
            .iter_mut()
            .flat_map(|b| std::mem::take(&mut b.rows))
            .collect(),
    };
    let spinner = progress(0, "storing");
    spinner.set_message(format!("storing {} rows", batch.len()));
    let state = quarterdeck_app::AppState::new(store.clone());
    ingest::commit(&state, tenant.id, &batch)
        .await
        .context("could not store the rows; nothing was imported")?;
    spinner.finish_and_clear();
    println!(
        "imported {} {} rows into tenant {} from {} in {:.1} s",
        batch.len(),
        collection,
        tenant.slug,
        args.file.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn progress(len: usize, what: &str) -> ProgressBar {
    if len == 0 {
        let s = ProgressBar::new_spinner();
        s.enable_steady_tick(std::time::Duration::from_millis(120));
        return s;
    }
    if len <= PROGRESS_ABOVE {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    bar.set_style(
        ProgressStyle::with_template("{msg:12} [{bar:40}] {pos}/{len} rows ({per_sec}, {eta})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

/// Reads a file into rows by its extension.
pub fn read_file(path: &Path) -> anyhow::Result<Vec<SourcedRow>> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let bytes =
        std::fs::read(path).with_context(|| format!("could not read {}", path.display()))?;
    match ext.as_str() {
        "csv" => read_csv(&bytes),
        "json" => {
            let rows = ingest::parse_rows(ingest::BodyFormat::Json, &bytes, None)?;
            Ok(rows
                .into_iter()
                .enumerate()
                .map(|(i, row)| SourcedRow {
                    place: format!("row {}", i + 1),
                    row,
                })
                .collect())
        }
        "ndjson" | "jsonl" => read_ndjson(&bytes),
        _ => bail!("{} must end in .csv, .json or .ndjson", path.display()),
    }
}

fn read_ndjson(bytes: &[u8]) -> anyhow::Result<Vec<SourcedRow>> {
    let text = std::str::from_utf8(bytes).context("the file is not UTF-8")?;
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let row = serde_json::from_str(line)
            .with_context(|| format!("line {}: malformed JSON; nothing was imported", i + 1))?;
        rows.push(SourcedRow {
            place: format!("line {}", i + 1),
            row,
        });
    }
    Ok(rows)
}

/// CSV: the header names the fields; `attributes.x` (or `properties.x`) columns
/// fill that object; empty cells are absent fields.
pub fn read_csv(bytes: &[u8]) -> anyhow::Result<Vec<SourcedRow>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let headers = reader
        .headers()
        .context("could not read the CSV header")?
        .clone();
    if let Some(dup) = headers
        .iter()
        .enumerate()
        .find(|(i, h)| headers.iter().take(*i).any(|g| g == *h))
    {
        bail!("line 1: column `{}` appears twice in the header", dup.1);
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            anyhow::anyhow!("line {line}: {e}; nothing was imported")
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let mut obj = Map::new();
        for (header, cell) in headers.iter().zip(record.iter()) {
            if cell.is_empty() {
                continue;
            }
            let cell = Value::String(cell.to_string());
            match header.split_once('.') {
                Some((outer, inner)) => {
                    let nested = obj
                        .entry(outer.to_string())
                        .or_insert_with(|| Value::Object(Map::new()));
                    if let Value::Object(m) = nested {
                        m.insert(inner.to_string(), cell);
                    }
                }
                None => {
                    obj.insert(header.to_string(), cell);
                }
            }
        }
        rows.push(SourcedRow {
            place: format!("line {line}"),
            row: Value::Object(obj),
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_know_their_lines_and_nest_attributes() {
        let csv = "id,name,segment,attributes.plan\nc1,Acme,,gold\n\"c2\",\"Beta, Inc\",smb,\n";
        let rows = read_csv(csv.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].place, "line 2");
        assert_eq!(
            rows[0].row,
            serde_json::json!({"id": "c1", "name": "Acme", "attributes": {"plan": "gold"}})
        );
        assert_eq!(rows[1].row["name"], "Beta, Inc");
        assert!(rows[1].row.get("attributes").is_none());
    }

    #[test]
    fn ragged_csv_names_the_line() {
        let err = read_csv(b"id,name\nc1,A\nc2,B,extra\n").err().unwrap();
        assert!(err.to_string().starts_with("line 3"), "{err}");
    }
}
