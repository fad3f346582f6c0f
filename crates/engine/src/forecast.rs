//! A six-month MRR forecast: the least-squares slope of the recent monthly
//! MRR continued from the last month (trend from where MRR is, not from
//! where the line says it should be), with a 95 % band from the spread of the
//! fit's residuals that widens with the horizon. Deliberately simple and explained on the page; the
//! rolling-origin backtest (`backtest`) sets its errors beside the naive
//! forecast's, so a reader sees whether it earns its place.

use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};

/// One forecast month.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ForecastStep {
    pub value: Decimal,
    pub low: Decimal,
    pub high: Decimal,
}

/// A forecast.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    /// The months after the history, nearest first.
    pub steps: Vec<ForecastStep>,
}

/// What the method is, in words (the page and the API say it).
pub const METHOD: &str = "The least-squares slope of the monthly MRR of the last whole months, continued six months from the last month's MRR; the band is ±1.96 standard deviations of the fit's residuals, widening with the horizon.";

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

fn money(v: f64) -> Decimal {
    Decimal::from_f64(v).unwrap_or_default().round_dp(2)
}

/// Forecasts `horizon` months after the monthly values `history` (oldest first).
pub fn forecast_mrr(history: &[Decimal], horizon: usize) -> Forecast {
    let ys: Vec<f64> = history.iter().filter_map(|d| d.to_f64()).collect();
    let Some((_, slope, sigma)) = fit(&ys) else {
        return Forecast { steps: Vec::new() };
    };
    let n = ys.len() as f64;
    let last = ys.last().copied().unwrap_or_default();
    let steps = (1..=horizon)
        .map(|h| {
            let value = (last + slope * h as f64).max(0.0);
            let spread = 1.96 * sigma * (1.0 + h as f64 / n).sqrt();
            ForecastStep {
                value: money(value),
                low: money((value - spread).max(0.0)),
                high: money(value + spread),
            }
        })
        .collect();
    Forecast { steps }
}

/// How a forecasting method did when it could have been used: for each of
/// the last `HELD_OUT` months, the one-month-ahead forecast made from the
/// months before it (a rolling origin), against what happened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BacktestError {
    /// Mean absolute percentage error (months whose actual MRR is 0 left out).
    pub mape: Option<Decimal>,
    /// Mean absolute error scaled by the in-sample one-step naive forecast's
    /// (below 1: better than "MRR stays as it is" was on the training months).
    pub mase: Option<Decimal>,
}

/// The backtest of the forecast beside the naive one (MRR stays as it is).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Backtest {
    /// Months held out (six when the history allows).
    pub months: usize,
    /// The trend method's errors.
    pub method: BacktestError,
    /// The naive forecast's errors.
    pub naive: BacktestError,
}

/// Months held out in the backtest (metrics.md, Forecast).
pub const HELD_OUT: usize = 6;

/// Fewest months the trend is fitted to.
const MIN_FIT: usize = 3;

/// The errors of `predicted` against `actual`, scaled by `scale` (the
/// training months' mean one-step change).
fn errors(pairs: &[(Decimal, Decimal)], scale: Option<Decimal>) -> BacktestError {
    let mean = |xs: Vec<Decimal>| {
        (!xs.is_empty()).then(|| xs.iter().sum::<Decimal>() / Decimal::from(xs.len()))
    };
    let ape: Vec<Decimal> = pairs
        .iter()
        .filter(|(_, actual)| !actual.is_zero())
        .map(|(p, a)| ((p - a) / a).abs())
        .collect();
    let mae = mean(pairs.iter().map(|(p, a)| (p - a).abs()).collect());
    BacktestError {
        mape: mean(ape).map(|d| d.round_dp(6)),
        mase: match (mae, scale) {
            (Some(e), Some(s)) if !s.is_zero() => Some((e / s).round_dp(6)),
            _ => None,
        },
    }
}

/// The rolling-origin backtest of the trend method and of the naive
/// forecast over the last `HELD_OUT` months of `history` (monthly MRR, oldest
/// first). MASE's scale is the mean absolute one-step change over the months
/// before the first held-out month.
pub fn backtest(history: &[Decimal]) -> Backtest {
    let n = history.len();
    // Held out: as many of the last six months as leave enough to fit.
    let months = HELD_OUT.min(n.saturating_sub(MIN_FIT));
    if months == 0 {
        return Backtest::default();
    }
    let first = n - months;
    let train = &history[..first];
    let steps: Vec<Decimal> = train.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
    let scale =
        (!steps.is_empty()).then(|| steps.iter().sum::<Decimal>() / Decimal::from(steps.len()));
    let mut method = Vec::new();
    let mut naive = Vec::new();
    for k in first..n {
        let actual = history[k];
        naive.push((history[k - 1], actual));
        if let Some(step) = forecast_mrr(&history[..k], 1).steps.first() {
            method.push((step.value, actual));
        }
    }
    Backtest {
        months,
        method: errors(&method, scale),
        naive: errors(&naive, scale),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_straight_line_continues_with_a_tight_band() {
        let history: Vec<Decimal> = (0..12).map(|i| Decimal::from(1000 + 100 * i)).collect();
        let f = forecast_mrr(&history, 6);
        assert_eq!(f.steps.len(), 6);
        assert_eq!(f.steps[0].value, Decimal::from(2200));
        assert_eq!(f.steps[5].value, Decimal::from(2700));
        assert!(f.steps[0].high - f.steps[0].low < Decimal::ONE);
        // A line is predicted exactly; the naive forecast misses by one step.
        let b = backtest(&history);
        assert_eq!(b.months, 6);
        assert_eq!(b.method.mape, Some(Decimal::ZERO));
        assert_eq!(b.method.mase, Some(Decimal::ZERO));
        assert_eq!(b.naive.mase, Some(Decimal::ONE));
    }

    #[test]
    fn the_naive_forecast_wins_on_a_flat_line_with_a_jump() {
        // Flat at 100, then a jump to 200 held: the trend overshoots.
        let mut history = vec![Decimal::from(100); 8];
        history.extend(vec![Decimal::from(200); 4]);
        let b = backtest(&history);
        assert_eq!(b.months, 6);
        // Naive: wrong once by 100 (of 200) in six months.
        assert_eq!(b.naive.mape, Some(Decimal::new(83333, 6)));
        assert!(b.method.mape.unwrap() > b.naive.mape.unwrap());
        // Training months never changed: no scale, no MASE.
        assert_eq!(b.naive.mase, None);
    }

    #[test]
    fn a_short_history_holds_out_fewer_months() {
        let history: Vec<Decimal> = (1..=5).map(Decimal::from).collect();
        assert_eq!(backtest(&history).months, 2);
        assert_eq!(backtest(&history[..3]).months, 0);
    }

    #[test]
    fn too_little_history_gives_no_forecast() {
        assert!(
            forecast_mrr(&[Decimal::ONE, Decimal::TWO], 6)
                .steps
                .is_empty()
        );
    }
}
