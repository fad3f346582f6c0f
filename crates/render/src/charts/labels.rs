//! Text measurement and placement: estimating label widths, truncating them, and
//! thinning a row of labels so none overlap.

/// Estimated rendered width of `text` at `size` px in a generic sans-serif. The
/// per-glyph advances follow DejaVu Sans, the widest common default (Linux browsers,
/// librsvg), so estimates err wide and labels are not clipped or crowded elsewhere.
pub(crate) fn text_width(text: &str, size: f64) -> f64 {
    let ems: f64 = text
        .chars()
        .map(|c| match c {
            'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' | '·' => 0.3,
            ' ' | 'f' | 't' | 'r' | 'I' | 'J' | '(' | ')' | '[' | ']' | '/' | '-' => 0.4,
            'm' | 'w' | 'M' | 'W' | '%' | '@' => 0.95,
            '+' | '−' | '=' | '<' | '>' => 0.84,
            '0'..='9' | '$' | '€' | '£' | '¥' => 0.64,
            '–' => 0.5,
            '…' => 1.0,
            c if c.is_ascii_uppercase() => 0.72,
            c if c.is_ascii_lowercase() => 0.6,
            _ => 0.75,
        })
        .sum();
    ems * size
}

/// `text` cut to fit `max_width` px with an ellipsis; unchanged when it fits.
pub(crate) fn fit(text: &str, max_width: f64, size: f64) -> String {
    if text_width(text, size) <= max_width {
        return text.to_owned();
    }
    let mut out = String::new();
    for c in text.chars() {
        let candidate = format!("{out}{c}…");
        if text_width(&candidate, size) > max_width {
            break;
        }
        out.push(c);
    }
    let trimmed = out.trim_end();
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("{trimmed}…")
    }
}

/// Picks which of a row of centred labels to show so none overlap or leave
/// `lo..hi`: every k-th label, counting from `anchor` (the one that must stay,
/// e.g. the latest period), for the smallest k that works. Returns (index, centre x),
/// centres nudged inward at the edges.
pub(crate) fn spread(
    centres: &[f64],
    widths: &[f64],
    lo: f64,
    hi: f64,
    anchor: usize,
) -> Vec<(usize, f64)> {
    const GAP: f64 = 10.0;
    let n = centres.len();
    let anchor = anchor.min(n.saturating_sub(1));
    for k in 1..=n.max(1) {
        let picked: Vec<(usize, f64)> = (0..n)
            .filter(|i| i.abs_diff(anchor) % k == 0)
            .map(|i| {
                let half = widths[i] / 2.0;
                let x = centres[i].clamp(lo + half, (hi - half).max(lo + half));
                (i, x)
            })
            .collect();
        let clear = picked.windows(2).all(|w| {
            let (a, b) = (w[0], w[1]);
            b.1 - widths[b.0] / 2.0 - (a.1 + widths[a.0] / 2.0) >= GAP
        });
        if clear {
            return picked;
        }
    }
    // Not even one label per row fits beside another: keep just the anchor.
    centres
        .get(anchor)
        .map(|c| vec![(anchor, *c)])
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_truncates_with_ellipsis() {
        assert_eq!(fit("New", 100.0, 12.0), "New");
        let cut = fit("Reactivation of customers", 60.0, 12.0);
        assert!(
            cut.ends_with('…') && text_width(&cut, 12.0) <= 60.0,
            "{cut}"
        );
        assert_eq!(fit("Anything", 1.0, 12.0), "");
    }

    #[test]
    fn spread_thins_and_keeps_anchor() {
        let centres: Vec<f64> = (0..36).map(|i| 40.0 + f64::from(i) * 15.0).collect();
        let widths = vec![50.0; 36];
        let picked = spread(&centres, &widths, 0.0, 600.0, 35);
        assert!(picked.iter().any(|(i, _)| *i == 35));
        assert!(picked.len() < 36 && picked.len() > 3);
        for w in picked.windows(2) {
            assert!(w[1].1 - w[0].1 >= 60.0);
        }
        assert!(
            picked
                .iter()
                .all(|(_, x)| x - 25.0 >= 0.0 && x + 25.0 <= 600.0)
        );
    }
}
