//! A small SVG writer: one escaping routine and an element builder that applies it to
//! every attribute value and text node, so chart code cannot forget to escape.

use std::fmt::Write as _;

/// Escapes text for XML content and double- or single-quoted attributes, dropping the
/// control characters XML 1.0 forbids (they would make the whole document invalid).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// A pixel coordinate with at most one decimal, e.g. `12.5`, `40`.
pub fn px(v: f64) -> String {
    if !v.is_finite() {
        return "0".into();
    }
    let s = format!("{:.1}", (v * 10.0).round() / 10.0);
    let s = s.strip_suffix(".0").unwrap_or(&s);
    if s == "-0" { "0".into() } else { s.to_owned() }
}

/// The href if it is safe to link to: relative, or http(s)/mailto. Escaping alone
/// would still let a `javascript:` URL run script when clicked.
pub fn safe_href(href: &str) -> Option<&str> {
    let href = href.trim();
    if href.is_empty() {
        return None;
    }
    let scheme_end = href.find(':');
    let path_start = href.find(['/', '?', '#']);
    match (scheme_end, path_start) {
        (None, _) => Some(href),
        (Some(c), Some(p)) if p < c => Some(href),
        (Some(c), _) => {
            let scheme = href[..c].to_ascii_lowercase();
            matches!(scheme.as_str(), "http" | "https" | "mailto").then_some(href)
        }
    }
}

/// Turns a caller's id into a valid XML id (letters, digits, `-`, `_`), since it is
/// used in `aria-labelledby` where a space would split it in two.
pub fn sanitize_id(id: &str) -> String {
    let mut out: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        out.insert_str(0, "qd-");
    }
    out
}

/// Builds one SVG document; attribute values and text are escaped on the way in.
#[derive(Debug)]
pub struct Svg {
    out: String,
}

impl Svg {
    /// Opens the root element with size, accessibility wiring, `<title>` and `<desc>`.
    pub fn begin(id: &str, title: &str, desc: &str, width: u32, height: u32, class: &str) -> Svg {
        let id = sanitize_id(id);
        let mut svg = Svg {
            out: String::with_capacity(4096),
        };
        let labelled_by = format!("{id}-title {id}-desc");
        let view_box = format!("0 0 {width} {height}");
        svg.open(
            "svg",
            &[
                ("xmlns", "http://www.w3.org/2000/svg"),
                ("width", &width.to_string()),
                ("height", &height.to_string()),
                ("viewBox", &view_box),
                ("role", "img"),
                ("aria-labelledby", &labelled_by),
                ("class", &format!("qd-chart {class}")),
                ("font-family", "sans-serif"),
                ("font-size", "12px"),
            ],
        );
        svg.text("title", &[("id", &format!("{id}-title"))], title);
        svg.text("desc", &[("id", &format!("{id}-desc"))], desc);
        svg
    }

    /// Writes `<tag attrs…>` and leaves it open.
    pub fn open(&mut self, tag: &str, attrs: &[(&str, &str)]) {
        self.start_tag(tag, attrs);
        self.out.push_str(">\n");
    }

    /// Writes `</tag>`.
    pub fn close(&mut self, tag: &str) {
        let _ = writeln!(self.out, "</{tag}>");
    }

    /// Writes a childless `<tag attrs…/>`.
    pub fn empty(&mut self, tag: &str, attrs: &[(&str, &str)]) {
        self.start_tag(tag, attrs);
        self.out.push_str("/>\n");
    }

    /// Writes `<tag attrs…>text</tag>`.
    pub fn text(&mut self, tag: &str, attrs: &[(&str, &str)], text: &str) {
        self.start_tag(tag, attrs);
        let _ = writeln!(self.out, ">{}</{tag}>", escape(text));
    }

    /// Writes `<tag attrs…><title>tooltip</title></tag>`: a mark with a hover tooltip.
    pub fn titled(&mut self, tag: &str, attrs: &[(&str, &str)], tooltip: &str) {
        self.start_tag(tag, attrs);
        let _ = writeln!(self.out, "><title>{}</title></{tag}>", escape(tooltip));
    }

    /// Writes `<text attrs…><title>tooltip</title>text</text>`: a label whose full
    /// wording shows on hover (used when the visible text was shortened).
    pub fn text_titled(&mut self, attrs: &[(&str, &str)], text: &str, tooltip: &str) {
        self.start_tag("text", attrs);
        let _ = writeln!(
            self.out,
            "><title>{}</title>{}</text>",
            escape(tooltip),
            escape(text)
        );
    }

    /// Opens `<a href>` when `href` is present and safe; returns whether it did, so
    /// the caller knows to close it.
    pub fn open_link(&mut self, href: Option<&str>) -> bool {
        match href.and_then(safe_href) {
            Some(h) => {
                self.open("a", &[("href", h), ("class", "qd-link")]);
                true
            }
            None => false,
        }
    }

    /// Closes the `<a>` opened by [`Svg::open_link`] if there was one.
    pub fn close_link(&mut self, opened: bool) {
        if opened {
            self.close("a");
        }
    }

    /// Closes the root element and returns the document.
    pub fn finish(mut self) -> String {
        self.out.push_str("</svg>\n");
        self.out
    }

    fn start_tag(&mut self, tag: &str, attrs: &[(&str, &str)]) {
        self.out.push('<');
        self.out.push_str(tag);
        for (name, value) in attrs {
            let _ = write!(self.out, " {name}=\"{}\"", escape(value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<script>alert(1)</script> & "quotes" 'x'"#),
            "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; &apos;x&apos;"
        );
        assert_eq!(escape("a\u{0}b\u{1b}c"), "abc");
    }

    #[test]
    fn px_is_short() {
        assert_eq!(px(12.0), "12");
        assert_eq!(px(12.34), "12.3");
        assert_eq!(px(-0.01), "0");
        assert_eq!(px(f64::NAN), "0");
    }

    #[test]
    fn only_safe_links() {
        assert_eq!(safe_href("/mrr?month=2026-03"), Some("/mrr?month=2026-03"));
        assert_eq!(safe_href("https://x.test/a"), Some("https://x.test/a"));
        assert_eq!(safe_href("customers/42"), Some("customers/42"));
        assert_eq!(safe_href("/a?b=c:d"), Some("/a?b=c:d"));
        assert_eq!(safe_href(" JavaScript:alert(1)"), None);
        assert_eq!(safe_href("data:text/html,x"), None);
        assert_eq!(safe_href(""), None);
    }

    #[test]
    fn ids_are_valid() {
        assert_eq!(sanitize_id("mrr-trend"), "mrr-trend");
        assert_eq!(sanitize_id("a b\"c"), "a-b-c");
        assert_eq!(sanitize_id("1st"), "qd-1st");
        assert_eq!(sanitize_id(""), "qd-");
    }
}
