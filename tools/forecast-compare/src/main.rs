//! Rolling-origin backtest: Quarterdeck's six-month MRR forecast (least-squares
//! slope of the last twelve month-end MRR values, continued from the latest
//! month) vs the naive forecast vs augurs-ets AutoETS (non-seasonal, "ZZN").
//!
//! The product's method and backtest (crates/engine/src/forecast.rs) are
//! reimplemented in f64, with the product's rounding (forecast to cents,
//! errors to 6 dp), and checked against the product's own API numbers.
//!
//! Run:  cd tools/forecast-compare && cargo run -j 1 --release
//! Inputs: data/demo{300,1000,3000}.csv (date,mrr month ends from the demo's
//! /api/v1/metrics/movements), data/forecast{N}.json (the product's
//! /api/v1/metrics/forecast answer). Synthetic series are generated here and
//! written to data/synth-*.csv.

use augurs_core::{Fit, Predict};
use augurs_ets::AutoETS;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

const HELD_OUT: usize = 6;
const MIN_FIT: usize = 3;
const WINDOW: usize = 12; // the product fits the last twelve whole months
const MAX_H: usize = 6;

// ---------------------------------------------------------------- our method

/// forecast.rs `fit`: (intercept, slope, sigma) of the least-squares line.
fn fit(ys: &[f64]) -> Option<(f64, f64, f64)> {
    let n = ys.len();
    if n < 3 {
        return None;
    }
    let nf = n as f64;
    let mean_x = (nf - 1.0) / 2.0;
    let mean_y = ys.iter().sum::<f64>() / nf;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (i, y) in ys.iter().enumerate() {
        let dx = i as f64 - mean_x;
        sxy += dx * (y - mean_y);
        sxx += dx * dx;
    }
    let slope = sxy / sxx;
    let intercept = mean_y - slope * mean_x;
    let resid: f64 = ys
        .iter()
        .enumerate()
        .map(|(i, y)| (y - (intercept + slope * i as f64)).powi(2))
        .sum();
    let sigma = (resid / (nf - 2.0).max(1.0)).sqrt();
    Some((intercept, slope, sigma))
}

fn cents(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

#[derive(Clone, Copy, Debug)]
struct Step {
    value: f64,
    low: f64,
    high: f64,
}

/// forecast.rs `forecast_mrr`: slope continued from the last value, clamped
/// at 0, band ±1.96σ·sqrt(1+h/n), rounded to cents.
fn forecast_mrr(ys: &[f64], horizon: usize) -> Vec<Step> {
    let Some((_, slope, sigma)) = fit(ys) else {
        return Vec::new();
    };
    let n = ys.len() as f64;
    let last = *ys.last().unwrap();
    (1..=horizon)
        .map(|h| {
            let value = (last + slope * h as f64).max(0.0);
            let spread = 1.96 * sigma * (1.0 + h as f64 / n).sqrt();
            Step {
                value: cents(value),
                low: cents((value - spread).max(0.0)),
                high: cents(value + spread),
            }
        })
        .collect()
}

// ---------------------------------------------------------------- forecasters

#[derive(Clone, Copy, PartialEq)]
enum Method {
    /// Our method fitted to all data given (what the product's backtest does
    /// inside its 12-month history).
    OursAll,
    /// Our method fitted to the last twelve months (what the product ships).
    Ours12,
    Naive,
    /// AutoETS on all data up to the origin.
    Ets,
    /// AutoETS on the last twelve months only.
    Ets12,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::OursAll => "ours (fit all)",
            Method::Ours12 => "ours",
            Method::Naive => "naive",
            Method::Ets => "ETS (all hist)",
            Method::Ets12 => "ETS (last 12)",
        }
    }
}

#[derive(Default)]
struct Stats {
    ets_fallbacks: usize,
    ets_calls: usize,
    ets_time: Duration,
    models: std::collections::BTreeMap<String, usize>,
}

/// Forecast `h` steps from `data`; returns (point, Some((low, high))) for step h.
fn predict(m: Method, data: &[f64], h: usize, st: &mut Stats) -> Option<(f64, Option<(f64, f64)>)> {
    let tail = |d: &[f64]| -> Vec<f64> { d[d.len().saturating_sub(WINDOW)..].to_vec() };
    match m {
        Method::OursAll | Method::Ours12 => {
            let d = if m == Method::Ours12 { tail(data) } else { data.to_vec() };
            forecast_mrr(&d, h).get(h - 1).map(|s| (s.value, Some((s.low, s.high))))
        }
        Method::Naive => data.last().map(|&v| (v, None)),
        Method::Ets | Method::Ets12 => {
            let d = if m == Method::Ets12 { tail(data) } else { data.to_vec() };
            st.ets_calls += 1;
            let t = Instant::now();
            let r = AutoETS::non_seasonal()
                .fit(&d)
                .and_then(|f| {
                    let spec = format!("{}{}", f.model().model_type(), if f.model().damped() { "(damped)" } else { "" });
                    f.predict(h, 0.95).map(|p| (p, spec))
                });
            st.ets_time += t.elapsed();
            match r {
                Ok((p, spec)) => {
                    *st.models.entry(spec).or_default() += 1;
                    let iv = p.intervals.as_ref().map(|i| (i.lower[h - 1], i.upper[h - 1]));
                    Some((p.point[h - 1], iv))
                }
                Err(_) => {
                    // Not enough data (AutoETS "ZZN" needs n > 8): fall back to naive.
                    st.ets_fallbacks += 1;
                    data.last().map(|&v| (v, None))
                }
            }
        }
    }
}

// ---------------------------------------------------------------- backtest

#[derive(Clone, Copy, Debug, Default)]
struct Err {
    mape: Option<f64>,
    mase: Option<f64>,
    /// Share of actuals inside the 95 % band, when the method gives one.
    coverage: Option<f64>,
}

fn r6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// forecast.rs `errors`: MAPE over non-zero actuals; MASE = MAE / scale.
fn errors(pairs: &[(f64, f64)], scale: Option<f64>) -> (Option<f64>, Option<f64>) {
    let mean = |xs: Vec<f64>| (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64);
    let ape: Vec<f64> = pairs
        .iter()
        .filter(|(_, a)| *a != 0.0)
        .map(|(p, a)| ((p - a) / a).abs())
        .collect();
    let mae = mean(pairs.iter().map(|(p, a)| (p - a).abs()).collect());
    let mase = match (mae, scale) {
        (Some(e), Some(s)) if s != 0.0 => Some(r6(e / s)),
        _ => None,
    };
    (mean(ape).map(r6), mase)
}

/// forecast.rs `backtest`, generalised to horizon `h` and `held` targets:
/// the targets are the last `held` months; each is forecast `h` steps ahead
/// from the data up to `h` months before it. The MASE scale is the mean
/// absolute one-step change of the months before the first target (the
/// product's definition; for h > 1 it is the same constant, so rankings
/// between methods are unaffected).
fn backtest(history: &[f64], m: Method, h: usize, held: usize, st: &mut Stats) -> Err {
    let n = history.len();
    let months = held.min(n.saturating_sub(MIN_FIT));
    if months == 0 {
        return Err::default();
    }
    let first = n - months;
    let train = &history[..first];
    let steps: Vec<f64> = train.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
    let scale = (!steps.is_empty()).then(|| steps.iter().sum::<f64>() / steps.len() as f64);
    let mut pairs = Vec::new();
    let (mut inside, mut banded) = (0usize, 0usize);
    for k in first..n {
        if k + 1 < h {
            continue;
        }
        let origin_end = k + 1 - h; // data = history[..origin_end]
        if origin_end == 0 {
            continue;
        }
        let actual = history[k];
        if let Some((p, iv)) = predict(m, &history[..origin_end], h, st) {
            pairs.push((p, actual));
            if let Some((lo, hi)) = iv {
                banded += 1;
                if lo <= actual && actual <= hi {
                    inside += 1;
                }
            }
        }
    }
    let (mape, mase) = errors(&pairs, scale);
    Err {
        mape,
        mase,
        coverage: (banded > 0).then(|| inside as f64 / banded as f64),
    }
}

// ---------------------------------------------------------------- data

fn read_csv(path: &str) -> Vec<(String, f64)> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (d, v) = l.split_once(',').unwrap();
            (d.to_string(), v.trim().parse().unwrap())
        })
        .collect()
}

/// The product's backtest numbers from its /metrics/forecast JSON:
/// [method mape, method mase, naive mape, naive mase].
fn product_backtest(path: &str) -> Vec<Option<f64>> {
    let s = std::fs::read_to_string(path).unwrap();
    let b = &s[s.find("\"backtest\"").unwrap()..];
    let mut out = Vec::new();
    for part in ["\"method\"", "\"naive\""] {
        let p = &b[b.find(part).unwrap()..];
        for key in ["\"mape\":", "\"mase\":"] {
            let q = p[p.find(key).unwrap() + key.len()..].trim_start();
            let end = q.find([',', '}']).unwrap();
            out.push(q[..end].trim().parse().ok());
        }
    }
    out
}

/// splitmix64 + Box–Muller: deterministic noise without a rand dependency.
struct Rng(u64);
impl Rng {
    fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        ((z >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u1, u2) = (self.next_f64(), self.next_f64());
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

fn month_ends(n: usize) -> Vec<String> {
    // 2023-12 .. 2026-11 for n = 36, ending at the last complete month.
    let (mut y, mut m) = (2026i32, 11u32);
    let mut v = Vec::new();
    for _ in 0..n {
        let days = match m {
            2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        v.push(format!("{y:04}-{m:02}-{days:02}"));
        if m == 1 {
            m = 12;
            y -= 1;
        } else {
            m -= 1;
        }
    }
    v.reverse();
    v
}

fn synthetic() -> Vec<(String, Vec<f64>, String)> {
    let n = 36;
    // Steady compound growth, 2.5 %/month, multiplicative noise sd 1.5 %.
    let mut r = Rng(7);
    let growth: Vec<f64> = (0..n)
        .map(|t| cents(60_000.0 * 1.025f64.powi(t as i32) * (1.0 + 0.015 * r.normal())))
        .collect();
    // Level shift + plateau: +2,000/month from 80k (noise sd 1,000) for 26
    // months, then a large customer churns (-25,000) and MRR goes flat (noise
    // sd 1,000) for the last ten months; the six held-out months are all on
    // the plateau.
    let mut r = Rng(11);
    let shift: Vec<f64> = (0..n)
        .map(|t| {
            let base = if t < 26 {
                80_000.0 + 2_000.0 * t as f64
            } else {
                80_000.0 + 2_000.0 * 25.0 - 25_000.0
            };
            cents(base + 1_000.0 * r.normal())
        })
        .collect();
    vec![
        ("synth-growth".into(), growth, "2.5%/mo compound growth, 1.5% noise".into()),
        ("synth-shift".into(), shift, "+2k/mo, then -25k step and flat for 10 mo".into()),
    ]
}

// ---------------------------------------------------------------- main

fn f(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.4}")).unwrap_or_else(|| "—".into())
}
fn pct(x: Option<f64>) -> String {
    x.map(|v| format!("{:.2}%", v * 100.0)).unwrap_or_else(|| "—".into())
}

fn main() {
    let mut out = String::new();
    let mut st = Stats::default();

    // 0. The product's unit tests, reproduced.
    {
        let line: Vec<f64> = (0..12).map(|i| 1000.0 + 100.0 * i as f64).collect();
        let s = forecast_mrr(&line, 6);
        assert_eq!((s[0].value, s[5].value), (2200.0, 2700.0));
        let b = backtest(&line, Method::OursAll, 1, HELD_OUT, &mut st);
        assert_eq!((b.mape, b.mase), (Some(0.0), Some(0.0)));
        assert_eq!(backtest(&line, Method::Naive, 1, HELD_OUT, &mut st).mase, Some(1.0));
        let mut jump = vec![100.0; 8];
        jump.extend([200.0; 4]);
        let nb = backtest(&jump, Method::Naive, 1, HELD_OUT, &mut st);
        assert_eq!(nb.mape, Some(0.083333));
        assert_eq!(nb.mase, None);
        assert!(backtest(&jump, Method::OursAll, 1, HELD_OUT, &mut st).mape.unwrap() > 0.083333);
        writeln!(out, "product unit-test cases reproduced: ok\n").unwrap();
    }

    // 1. Series.
    let mut series: Vec<(String, Vec<(String, f64)>, String)> = Vec::new();
    for n in [300, 1000, 3000] {
        let s = read_csv(&format!("data/demo{n}.csv"));
        series.push((format!("demo{n}"), s, format!("demo --customers {n}")));
    }
    for (name, ys, what) in synthetic() {
        let dates = month_ends(ys.len());
        let mut csv = String::from("date,mrr\n");
        for (d, v) in dates.iter().zip(&ys) {
            writeln!(csv, "{d},{v}").unwrap();
        }
        std::fs::write(format!("data/{name}.csv"), csv).unwrap();
        series.push((name, dates.into_iter().zip(ys).collect(), what));
    }

    // 2. Check the reimplementation against the product's API numbers.
    writeln!(out, "## Check: reimplementation vs product API (12-month history, one-step, 6 held out)\n").unwrap();
    writeln!(out, "| series | ours MAPE / MASE (mine) | (product) | naive MAPE / MASE (mine) | (product) | match |").unwrap();
    writeln!(out, "|---|---|---|---|---|---|").unwrap();
    for n in [300, 1000, 3000] {
        let s = read_csv(&format!("data/demo{n}.csv"));
        let ys: Vec<f64> = s.iter().map(|x| x.1).collect();
        let h12 = &ys[ys.len() - WINDOW..];
        let o = backtest(h12, Method::OursAll, 1, HELD_OUT, &mut st);
        let nv = backtest(h12, Method::Naive, 1, HELD_OUT, &mut st);
        let p = product_backtest(&format!("data/forecast{n}.json"));
        let mine = [o.mape, o.mase, nv.mape, nv.mase];
        let ok = mine
            .iter()
            .zip(&p)
            .all(|(a, b)| matches!((a, b), (Some(a), Some(b)) if (a - b).abs() <= 1.5e-6));
        writeln!(
            out,
            "| demo{n} | {} / {} | {} / {} | {} / {} | {} / {} | {} |",
            f(o.mape), f(o.mase), f(p[0]), f(p[1]), f(nv.mape), f(nv.mase), f(p[2]), f(p[3]),
            if ok { "yes" } else { "NO" }
        )
        .unwrap();
    }

    // 3. Main comparison on the longest history.
    let methods = [Method::Ours12, Method::Naive, Method::Ets, Method::Ets12];
    for (held, title) in [
        (HELD_OUT, "Main: full history, last 6 months held out (the product's protocol)"),
        (18, "Sensitivity: full history, last 18 months held out"),
    ] {
        writeln!(out, "\n## {title}\n").unwrap();
        writeln!(out, "`ours` fits the last 12 months before each origin (as shipped); `ETS (all hist)` fits every month before the origin; `ETS (last 12)` the same 12 months as ours. h=1 is the product's backtest; h1–6 is the mean over horizons 1..6 of the per-horizon MAPE/MASE (same target months, origins h months back). Cov = share of h=1 actuals inside the 95 % band.\n").unwrap();
        for (name, s, what) in &series {
            let ys: Vec<f64> = s.iter().map(|x| x.1).collect();
            writeln!(out, "### {name} ({what}; {} months, {} .. {}, MRR {:.0} → {:.0})\n", ys.len(), s[0].0, s[s.len() - 1].0, ys[0], ys[ys.len() - 1]).unwrap();
            writeln!(out, "| method | MAPE h=1 | MASE h=1 | MAPE h1–6 | MASE h1–6 | 95% cov h=1 |").unwrap();
            writeln!(out, "|---|---|---|---|---|---|").unwrap();
            for m in methods {
                let e1 = backtest(&ys, m, 1, held, &mut st);
                let hs: Vec<Err> = (1..=MAX_H).map(|h| backtest(&ys, m, h, held, &mut st)).collect();
                let avg = |g: fn(&Err) -> Option<f64>| {
                    let v: Vec<f64> = hs.iter().filter_map(g).collect();
                    (v.len() == MAX_H).then(|| v.iter().sum::<f64>() / v.len() as f64)
                };
                writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} |",
                    m.name(), pct(e1.mape), f(e1.mase), pct(avg(|e| e.mape)), f(avg(|e| e.mase)),
                    e1.coverage.map(|c| format!("{:.0}%", c * 100.0)).unwrap_or_else(|| "—".into())
                )
                .unwrap();
            }
            writeln!(out).unwrap();
        }
    }

    writeln!(
        out,
        "ETS: {} fits, {} fell back to naive (too little data), mean fit+predict {:.2} ms; models chosen: {:?}",
        st.ets_calls,
        st.ets_fallbacks,
        st.ets_time.as_secs_f64() * 1000.0 / st.ets_calls.max(1) as f64,
        st.models
    )
    .unwrap();
    print!("{out}");
    std::fs::write("results.md", out).unwrap();
}
