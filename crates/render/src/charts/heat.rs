//! Colours for cohort heat-map cells (rendered as HTML table cells, not SVG).

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// ColorBrewer "Blues": a sequential scale that reads light-to-dark in greyscale
/// and for colour-blind readers.
const BLUES: [(u8, u8, u8); 9] = [
    (0xf7, 0xfb, 0xff),
    (0xde, 0xeb, 0xf7),
    (0xc6, 0xdb, 0xef),
    (0x9e, 0xca, 0xe1),
    (0x6b, 0xae, 0xd6),
    (0x42, 0x92, 0xc6),
    (0x21, 0x71, 0xb5),
    (0x08, 0x51, 0x9c),
    (0x08, 0x30, 0x6b),
];
/// Text on light cells: pure black, because mid-scale blues (luminance near 0.18)
/// only reach 4.5:1 against the extremes.
const DARK_TEXT: (u8, u8, u8) = (0x00, 0x00, 0x00);
/// Text on dark cells.
const LIGHT_TEXT: (u8, u8, u8) = (0xff, 0xff, 0xff);

/// Background and text colour for a cell showing `ratio` (0..1, clamped): background
/// from the blue scale, text whichever of black or white contrasts more (always
/// WCAG AA). `None` (no data) gives a transparent background and inherited text.
pub fn heat_cell_style(ratio: Option<Decimal>) -> (String, String) {
    let Some(ratio) = ratio else {
        return ("transparent".into(), "inherit".into());
    };
    let t = ratio
        .clamp(Decimal::ZERO, Decimal::ONE)
        .to_f64()
        .unwrap_or(0.0);
    let bg = blues(t);
    let text = if contrast(bg, DARK_TEXT) >= contrast(bg, LIGHT_TEXT) {
        DARK_TEXT
    } else {
        LIGHT_TEXT
    };
    (hex(bg), hex(text))
}

/// The colour at `t` in 0..=1 along [`BLUES`], interpolated between stops.
fn blues(t: f64) -> (u8, u8, u8) {
    let pos = t.clamp(0.0, 1.0) * (BLUES.len() - 1) as f64;
    let i = (pos.floor() as usize).min(BLUES.len() - 2);
    let frac = pos - i as f64;
    let (a, b) = (BLUES[i], BLUES[i + 1]);
    let mix = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * frac).round() as u8;
    (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

fn hex((r, g, b): (u8, u8, u8)) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// WCAG relative luminance.
fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
    let channel = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.03928 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
}

/// WCAG contrast ratio between two colours (1..=21).
fn contrast(a: (u8, u8, u8), b: (u8, u8, u8)) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    fn parse(hex: &str) -> (u8, u8, u8) {
        let n = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap();
        ((n >> 16) as u8, (n >> 8) as u8, n as u8)
    }

    #[test]
    fn ends_and_clamping() {
        assert_eq!(
            heat_cell_style(Some(dec!(0))),
            ("#f7fbff".into(), "#000000".into())
        );
        assert_eq!(
            heat_cell_style(Some(dec!(1))),
            ("#08306b".into(), "#ffffff".into())
        );
        assert_eq!(
            heat_cell_style(Some(dec!(1.7))),
            heat_cell_style(Some(dec!(1)))
        );
        assert_eq!(
            heat_cell_style(Some(dec!(-0.2))),
            heat_cell_style(Some(dec!(0)))
        );
        assert_eq!(
            heat_cell_style(None),
            ("transparent".into(), "inherit".into())
        );
    }

    #[test]
    fn text_always_meets_aa_and_scale_darkens() {
        let mut previous = f64::INFINITY;
        for i in 0..=200 {
            let (bg, text) = heat_cell_style(Some(Decimal::new(i, 0) / Decimal::new(200, 0)));
            let (bg, text) = (parse(&bg), parse(&text));
            assert!(contrast(bg, text) >= 4.5, "step {i}: {bg:?} vs {text:?}");
            let l = luminance(bg);
            assert!(l <= previous + 1e-12, "not monotonic at step {i}");
            previous = l;
        }
    }
}
