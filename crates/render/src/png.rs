//! SVG → PNG rasterisation (resvg), e.g. chart images for email digests.

use resvg::tiny_skia::{Color, Pixmap, Transform};

use crate::fonts;

/// The largest width or height, in pixels, a PNG may have (guards memory use).
pub const MAX_SIDE: u32 = 8192;

/// Renders an SVG document (normally one of the crate's charts) to PNG at `scale`
/// device pixels per SVG pixel, on a white background, with the embedded fonts.
///
/// The PNG is `ceil(width × scale)` by `ceil(height × scale)` pixels, e.g. 2.0 gives
/// a sharp image for high-density screens when shown at the SVG's own size.
pub fn svg_to_png(svg: &str, scale: f32) -> Result<Vec<u8>, String> {
    if !scale.is_finite() || scale <= 0.0 {
        return Err(format!("scale must be a positive number, not {scale}"));
    }
    let tree = fonts::parse_svg(svg)?;
    let size = tree.size();
    let side = |v: f32| {
        let px = (v * scale).ceil();
        if px >= 1.0 && px <= MAX_SIDE as f32 {
            Ok(px as u32)
        } else {
            Err(format!(
                "a {}×{} SVG at scale {scale} does not fit in 1–{MAX_SIDE} pixels a side",
                size.width(),
                size.height()
            ))
        }
    };
    let (width, height) = (side(size.width())?, side(size.height())?);
    let mut pixmap = Pixmap::new(width, height).ok_or("could not allocate the image")?;
    pixmap.fill(Color::WHITE);
    resvg::render(
        &tree,
        Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| format!("PNG encoding failed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_scales_and_documents() {
        let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>"#;
        assert!(svg_to_png(svg, 0.0).is_err());
        assert!(svg_to_png(svg, f32::NAN).is_err());
        assert!(svg_to_png(svg, 10_000.0).is_err());
        assert!(svg_to_png("not svg", 1.0).is_err());
        assert!(svg_to_png(svg, 1.5).is_ok());
    }
}
