//! The one font family every document uses (DejaVu Sans, vendored under `fonts/`),
//! embedded in the binary so nothing depends on the fonts a server happens to have.
//!
//! The same bytes feed krilla (PDF text), usvg's font database (chart text in PDFs
//! and PNGs) and the text measurement used for layout, so what is measured is what
//! is drawn.

use std::sync::{Arc, OnceLock};

use krilla::text::{Font, GlyphId, KrillaGlyph};
use resvg::usvg::{self, fontdb};

/// DejaVu Sans, regular weight.
pub(crate) static REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
/// DejaVu Sans, bold weight.
pub(crate) static BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");
/// The family name in both files, used as every generic family in usvg.
pub(crate) const FAMILY: &str = "DejaVu Sans";

/// A font database holding only the embedded faces, with every generic family
/// (notably the charts' `sans-serif`) mapped to DejaVu Sans. Built once.
pub(crate) fn database() -> Arc<fontdb::Database> {
    static DB: OnceLock<Arc<fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = fontdb::Database::new();
        db.load_font_source(fontdb::Source::Binary(Arc::new(REGULAR)));
        db.load_font_source(fontdb::Source::Binary(Arc::new(BOLD)));
        db.set_sans_serif_family(FAMILY);
        db.set_serif_family(FAMILY);
        db.set_monospace_family(FAMILY);
        db.set_cursive_family(FAMILY);
        db.set_fantasy_family(FAMILY);
        Arc::new(db)
    })
    .clone()
}

/// usvg options that resolve text to the embedded fonts and never touch the file
/// system (an `<image href="/etc/…">` is dropped rather than read).
pub(crate) fn svg_options() -> usvg::Options<'static> {
    let mut options = usvg::Options {
        font_family: FAMILY.to_owned(),
        fontdb: database(),
        ..usvg::Options::default()
    };
    options.image_href_resolver.resolve_string = Box::new(|_, _| None);
    options
}

/// Parses an SVG document with [`svg_options`].
pub(crate) fn parse_svg(svg: &str) -> Result<usvg::Tree, String> {
    usvg::Tree::from_str(svg, &svg_options()).map_err(|e| format!("invalid SVG: {e}"))
}

/// Regular or bold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Weight {
    /// DejaVu Sans.
    Regular,
    /// DejaVu Sans Bold.
    Bold,
}

/// The embedded faces, ready for shaping (rustybuzz) and drawing (krilla).
pub(crate) struct Faces {
    regular: (rustybuzz::Face<'static>, Font),
    bold: (rustybuzz::Face<'static>, Font),
}

/// Text shaped into glyphs, with its advance width in em.
pub(crate) struct Shaped {
    /// The glyphs, in krilla's form (advances in em).
    pub glyphs: Vec<KrillaGlyph>,
    /// The sum of the advances, in em.
    pub width_em: f32,
}

impl Faces {
    /// Parses both faces (a few hundred microseconds; done once per process).
    pub(crate) fn get() -> Result<&'static Faces, String> {
        static FACES: OnceLock<Result<Faces, String>> = OnceLock::new();
        FACES
            .get_or_init(|| {
                let load = |bytes: &'static [u8]| {
                    let face = rustybuzz::Face::from_slice(bytes, 0)
                        .ok_or("embedded font does not parse")?;
                    let font = Font::new(bytes.into(), 0).ok_or("embedded font is not usable")?;
                    Ok::<_, String>((face, font))
                };
                Ok(Faces {
                    regular: load(REGULAR)?,
                    bold: load(BOLD)?,
                })
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The krilla font for a weight.
    pub(crate) fn font(&self, weight: Weight) -> Font {
        match weight {
            Weight::Regular => self.regular.1.clone(),
            Weight::Bold => self.bold.1.clone(),
        }
    }

    /// Shapes one line of left-to-right text.
    pub(crate) fn shape(&self, text: &str, weight: Weight) -> Shaped {
        let face = match weight {
            Weight::Regular => &self.regular.0,
            Weight::Bold => &self.bold.0,
        };
        let upem = f32::from(face.units_per_em() as u16);
        let mut buffer = rustybuzz::UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.guess_segment_properties();
        buffer.set_direction(rustybuzz::Direction::LeftToRight);
        let output = rustybuzz::shape(face, &[], buffer);
        let infos = output.glyph_infos();
        let positions = output.glyph_positions();
        let mut glyphs = Vec::with_capacity(infos.len());
        let mut width_em = 0.0;
        for (i, (info, pos)) in infos.iter().zip(positions).enumerate() {
            let start = info.cluster as usize;
            let end = infos[i + 1..]
                .iter()
                .map(|next| next.cluster as usize)
                .find(|&c| c != start)
                .unwrap_or(text.len());
            let advance = pos.x_advance as f32 / upem;
            width_em += advance;
            glyphs.push(KrillaGlyph::new(
                GlyphId::new(info.glyph_id),
                advance,
                pos.x_offset as f32 / upem,
                pos.y_offset as f32 / upem,
                pos.y_advance as f32 / upem,
                start..end,
                None,
            ));
        }
        Shaped { glyphs, width_em }
    }

    /// The advance width of `text` at `size` points.
    pub(crate) fn width(&self, text: &str, weight: Weight, size: f32) -> f32 {
        self.shape(text, weight).width_em * size
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_families_resolve_to_the_embedded_font() {
        let db = database();
        let query = fontdb::Query {
            families: &[fontdb::Family::SansSerif],
            weight: fontdb::Weight::BOLD,
            ..fontdb::Query::default()
        };
        let id = db.query(&query).expect("sans-serif resolves");
        let face = db.face(id).unwrap();
        assert_eq!(face.families[0].0, FAMILY);
        assert_eq!(face.weight, fontdb::Weight::BOLD);
        assert_eq!(db.len(), 2);
    }

    #[test]
    fn shaping_measures_and_maps_clusters() {
        let faces = Faces::get().unwrap();
        let shaped = faces.shape("$1,234", Weight::Regular);
        assert_eq!(shaped.glyphs.len(), 6);
        assert_eq!(shaped.glyphs[0].text_range, 0..1);
        assert!(shaped.width_em > 3.0 && shaped.width_em < 4.5);
        assert!(
            faces.width("Revenue", Weight::Bold, 10.0)
                > faces.width("Revenue", Weight::Regular, 10.0)
        );
        // Multi-byte characters keep whole-character ranges.
        let shaped = faces.shape("▲ 3%", Weight::Regular);
        assert_eq!(shaped.glyphs[0].text_range, 0..3);
        assert_eq!(faces.width("", Weight::Regular, 12.0), 0.0);
    }
}
