//! A six-month MRR forecast: a least-squares linear trend over the recent
//! monthly MRR, with a 95 % band from the spread of its residuals that widens
//! with the horizon. Deliberately simple and explained on the page; the
//! backtest error (`mape`) says how far to trust it.

use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};

/// One forecast month.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ForecastStep {
    pub value: Decimal,
    pub low: Decimal,
    pub high: Decimal,
}

/// A forecast and how well the same model did on the last months it could have predicted.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    pub steps: Vec<ForecastStep>,
    /// Mean absolute percentage error of one-month-ahead backtests (None if too little history).
    pub mape: Option<Decimal>,
}

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
    let Some((intercept, slope, sigma)) = fit(&ys) else {
        return Forecast {
            steps: Vec::new(),
            mape: None,
        };
    };
    let n = ys.len() as f64;
    let steps = (1..=horizon)
        .map(|h| {
            let x = n - 1.0 + h as f64;
            let value = (intercept + slope * x).max(0.0);
            let spread = 1.96 * sigma * (1.0 + h as f64 / n).sqrt();
            ForecastStep {
                value: money(value),
                low: money((value - spread).max(0.0)),
                high: money(value + spread),
            }
        })
        .collect();
    // Backtest: predict each of the last months from the months before it.
    let errors: Vec<f64> = (6..ys.len())
        .filter_map(|k| {
            let (a, b, _) = fit(&ys[..k])?;
            let predicted = a + b * k as f64;
            (ys[k] != 0.0).then(|| ((predicted - ys[k]) / ys[k]).abs())
        })
        .collect();
    let mape = (!errors.is_empty())
        .then(|| Decimal::from_f64(errors.iter().sum::<f64>() / errors.len() as f64))
        .flatten()
        .map(|d| d.round_dp(4));
    Forecast { steps, mape }
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
        assert_eq!(f.mape, Some(Decimal::ZERO));
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
