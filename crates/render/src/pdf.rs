//! The executive report as a PDF: an A4 portrait board pack with a cover, KPI
//! cards, vector charts and tables, in the embedded font so text stays selectable
//! and searchable.
//!
//! Layout happens first, into a list of drawing operations per page, so every
//! page's footer can say "Page N of M"; then krilla writes the pages.

use krilla::Document;
use krilla::color::rgb;
use krilla::destination::XyzDestination;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::surface::Surface;
use krilla::text::KrillaGlyph;
use krilla_svg::{SurfaceExt, SvgSettings};
use resvg::usvg;

use crate::fonts::{self, Faces, Shaped, Weight};
use crate::report::{CellValue, ReportKpi, ReportModel, ReportTable, Tone};

/// A4 width in points.
const PAGE_W: f32 = 595.28;
/// A4 height in points.
const PAGE_H: f32 = 841.89;
/// Left and right margin.
const MARGIN_X: f32 = 56.0;
/// Where content starts on a page.
const TOP: f32 = 60.0;
/// Where content must end, leaving room for the footer.
const BOTTOM: f32 = PAGE_H - 76.0;
/// The width content is laid out in.
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN_X;

/// An sRGB colour.
type Rgb = (u8, u8, u8);
/// Headings and figures.
const INK: Rgb = (0x11, 0x18, 0x27);
/// Body text.
const BODY: Rgb = (0x37, 0x41, 0x51);
/// Secondary text (passes WCAG AA on white and on the card fill).
const MUTED: Rgb = (0x5f, 0x6b, 0x7a);
/// Rules between table rows.
const HAIRLINE: Rgb = (0xe5, 0xe7, 0xeb);
/// Rules under table headers and above the footer.
const RULE: Rgb = (0x9c, 0xa3, 0xaf);
/// KPI card background.
const CARD: Rgb = (0xf3, 0xf5, 0xf8);
/// The one accent colour (the print palette's accent).
const ACCENT: Rgb = (0x1d, 0x4e, 0xd8);
/// Status text colours; the status is always spelled out as well.
const GOOD: Rgb = (0x04, 0x78, 0x57);
const WATCH: Rgb = (0xa1, 0x4a, 0x04);
const BAD: Rgb = (0xb9, 0x1c, 0x1c);

/// The colour of a change: good, bad, or muted when there is no news.
fn tone_color(tone: Tone) -> Rgb {
    match tone {
        Tone::Good => GOOD,
        Tone::Bad => BAD,
        Tone::Neutral => MUTED,
    }
}

/// Renders the report as PDF bytes.
pub fn executive_pdf(model: &ReportModel) -> Result<Vec<u8>, String> {
    let faces = Faces::get()?;
    let charts = model
        .charts
        .iter()
        .map(|c| fonts::parse_svg(&c.svg).map_err(|e| format!("chart \"{}\": {e}", c.title)))
        .collect::<Result<Vec<_>, _>>()?;

    let mut layout = Layout::new(faces);
    // The first page carries the key numbers (or, without any, the first
    // chart or table) under the title, not a bare cover.
    cover(&mut layout, model);
    if !model.kpis.is_empty() {
        layout.bookmark("Key metrics");
        kpi_grid(&mut layout, &model.kpis);
    }
    for (index, (chart, tree)) in model.charts.iter().zip(&charts).enumerate() {
        chart_block(&mut layout, &chart.title, tree, index);
    }
    for table in &model.tables {
        table_block(&mut layout, table, &model.currency);
    }
    layout.footers(model);
    write(layout, model, &charts)
}

/// How a run of text looks.
#[derive(Debug, Clone, Copy)]
struct Style {
    size: f32,
    weight: Weight,
    color: Rgb,
}

const fn style(size: f32, weight: Weight, color: Rgb) -> Style {
    Style {
        size,
        weight,
        color,
    }
}

/// One thing to draw, in page coordinates (points, y down).
enum Op {
    /// Shaped text; `y` is the baseline.
    Text {
        x: f32,
        y: f32,
        style: Style,
        text: String,
        glyphs: Vec<KrillaGlyph>,
    },
    /// A filled rectangle (also used for rules).
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        color: Rgb,
    },
    /// A parsed chart, scaled into the box.
    Chart {
        index: usize,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
}

/// Pages of drawing operations, a cursor, and the bookmarks.
struct Layout {
    faces: &'static Faces,
    pages: Vec<Vec<Op>>,
    /// The top of the free space on the current page.
    y: f32,
    /// (title, page index, y) for the document outline.
    bookmarks: Vec<(String, usize, f32)>,
}

impl Layout {
    fn new(faces: &'static Faces) -> Layout {
        Layout {
            faces,
            pages: vec![Vec::new()],
            y: TOP,
            bookmarks: Vec::new(),
        }
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    /// Starts a new page unless `h` more points fit on this one (or the page is
    /// still empty, in which case nothing would be gained).
    fn keep(&mut self, h: f32) {
        if self.y + h > BOTTOM && self.y > TOP {
            self.new_page();
        }
    }

    fn bookmark(&mut self, title: &str) {
        self.bookmarks
            .push((title.to_owned(), self.pages.len() - 1, self.y));
    }

    fn push(&mut self, op: Op) {
        if let Some(page) = self.pages.last_mut() {
            page.push(op);
        }
    }

    fn shape(&self, text: &str, style: Style) -> Shaped {
        self.faces.shape(text, style.weight)
    }

    fn width(&self, text: &str, style: Style) -> f32 {
        self.faces.width(text, style.weight, style.size)
    }

    /// Draws already shaped text with its left edge at `x`.
    fn draw(&mut self, x: f32, baseline: f32, style: Style, text: String, shaped: Shaped) {
        if text.is_empty() {
            return;
        }
        self.push(Op::Text {
            x,
            y: baseline,
            style,
            text,
            glyphs: shaped.glyphs,
        });
    }

    /// Draws text with its left edge at `x`, cut with an ellipsis to `max_w`;
    /// returns the width drawn.
    fn text(&mut self, x: f32, baseline: f32, style: Style, text: &str, max_w: f32) -> f32 {
        let (text, shaped) = self.fit(text, style, max_w);
        let w = shaped.width_em * style.size;
        self.draw(x, baseline, style, text, shaped);
        w
    }

    /// Draws text with its right edge at `right`, cut to `max_w`.
    fn text_right(&mut self, right: f32, baseline: f32, style: Style, text: &str, max_w: f32) {
        let (text, shaped) = self.fit(text, style, max_w);
        let w = shaped.width_em * style.size;
        self.draw(right - w, baseline, style, text, shaped);
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: Rgb) {
        self.push(Op::Rect { x, y, w, h, color });
    }

    /// `text` shaped, shortened with "…" if it is wider than `max_w`.
    fn fit(&self, text: &str, style: Style, max_w: f32) -> (String, Shaped) {
        let shaped = self.shape(text, style);
        if shaped.width_em * style.size <= max_w {
            return (text.to_owned(), shaped);
        }
        let ends: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        // The longest prefix that fits with the ellipsis: binary search.
        let (mut lo, mut hi) = (0, ends.len());
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            let candidate = format!("{}…", text[..ends[mid]].trim_end());
            if self.width(&candidate, style) <= max_w {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        let cut = format!("{}…", text[..ends.get(lo).copied().unwrap_or(0)].trim_end());
        let shaped = self.shape(&cut, style);
        (cut, shaped)
    }

    /// Breaks `text` into lines no wider than `max_w`, at most `max_lines` (the
    /// last one shortened with "…" if text remains).
    fn wrap(&self, text: &str, style: Style, max_w: f32, max_lines: usize) -> Vec<String> {
        let mut lines: Vec<String> = Vec::new();
        let mut line = String::new();
        for word in text.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if line.is_empty() || self.width(&candidate, style) <= max_w {
                line = candidate;
            } else {
                lines.push(std::mem::replace(&mut line, word.to_owned()));
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
        if lines.len() > max_lines {
            // Greedy breaking means the rest is wider than a line: `fit` cuts it.
            let rest = lines[max_lines.max(1) - 1..].join(" ");
            lines.truncate(max_lines.max(1) - 1);
            lines.push(rest);
        }
        lines
            .into_iter()
            .map(|line| self.fit(&line, style, max_w).0)
            .collect()
    }

    /// Draws the footer on every page: "tenant · period" and "Page N of M".
    fn footers(&mut self, model: &ReportModel) {
        let total = self.pages.len();
        let small = style(7.5, Weight::Regular, MUTED);
        let pages = std::mem::take(&mut self.pages);
        for (i, ops) in pages.into_iter().enumerate() {
            self.pages.push(ops);
            let rule_y = PAGE_H - 52.0;
            let baseline = rule_y + 14.0;
            self.rect(MARGIN_X, rule_y, CONTENT_W, 0.5, HAIRLINE);
            let number = format!("Page {} of {total}", i + 1);
            let number_w = self.width(&number, small);
            self.text_right(MARGIN_X + CONTENT_W, baseline, small, &number, CONTENT_W);
            // "tenant · period": a long tenant name gives way before the period.
            let room = CONTENT_W - number_w - 24.0;
            let period = model.period.trim();
            let tenant = model.tenant_name.trim();
            let left = if tenant.is_empty() || period.is_empty() {
                format!("{tenant}{period}")
            } else {
                let tail = format!(" · {period}");
                let tenant_room = (room - self.width(&tail, small)).max(room / 2.0);
                format!("{}{tail}", self.fit(tenant, small, tenant_room).0)
            };
            self.text(MARGIN_X, baseline, small, &left, room);
        }
    }
}

/// The cover: brand, tenant, title, period, comparison, filters, generation time.
fn cover(l: &mut Layout, m: &ReportModel) {
    l.rect(0.0, 0.0, PAGE_W, 8.0, ACCENT);
    l.text(
        MARGIN_X,
        86.0,
        style(11.0, Weight::Bold, ACCENT),
        "Quarterdeck",
        CONTENT_W,
    );

    let mut y = 110.0;
    // Long names are set smaller rather than cut.
    let (tenant, lines) = [30.0, 26.0, 22.0]
        .into_iter()
        .map(|size| {
            let s = style(size, Weight::Bold, INK);
            (s, l.wrap(&m.tenant_name, s, CONTENT_W, 3))
        })
        .find(|(_, lines)| lines.len() <= 2 || !lines.iter().any(|x| x.ends_with('…')))
        .unwrap_or_else(|| {
            let s = style(22.0, Weight::Bold, INK);
            (s, l.wrap(&m.tenant_name, s, CONTENT_W, 3))
        });
    for line in lines {
        y += tenant.size * 1.2;
        l.text(MARGIN_X, y, tenant, &line, CONTENT_W);
    }
    let title = style(18.0, Weight::Regular, BODY);
    y += 6.0;
    for line in l.wrap(&m.title, title, CONTENT_W, 2) {
        y += 25.0;
        l.text(MARGIN_X, y, title, &line, CONTENT_W);
    }
    y += 26.0;
    l.rect(MARGIN_X, y, 48.0, 3.0, ACCENT);
    y += 12.0;
    let period = style(13.0, Weight::Bold, INK);
    for line in l.wrap(&m.period, period, CONTENT_W, 2) {
        y += 19.0;
        l.text(MARGIN_X, y, period, &line, CONTENT_W);
    }
    let detail = style(10.5, Weight::Regular, BODY);
    y += 6.0;
    let mut details = Vec::new();
    if let Some(c) = m.comparison.as_deref().filter(|c| !c.trim().is_empty()) {
        details.push(format!("Compared with {c}"));
    }
    if !m.filters.trim().is_empty() {
        details.push(format!("Filters: {}", m.filters));
    }
    if !m.currency.trim().is_empty() {
        details.push(format!("Amounts in {}", m.currency.trim().to_uppercase()));
    }
    // With the other details, not pinned to the page's foot, where a table
    // that follows the key metrics would run over it.
    if !m.generated_at.trim().is_empty() {
        details.push(format!("Generated {}", m.generated_at));
    }
    for d in details {
        for line in l.wrap(&d, detail, CONTENT_W, 3) {
            y += 16.0;
            l.text(MARGIN_X, y, detail, &line, CONTENT_W);
        }
    }
    // What follows (the key metrics) starts below the title block.
    l.y = l.y.max(y + 34.0);
}

/// A section heading with a short accent rule under it.
fn heading(l: &mut Layout, text: &str) {
    l.keep(40.0);
    let h = style(15.0, Weight::Bold, INK);
    l.text(MARGIN_X, l.y + 15.0, h, text, CONTENT_W);
    l.y += 26.0;
}

/// The KPI cards, three (or two) to a row.
fn kpi_grid(l: &mut Layout, kpis: &[ReportKpi]) {
    heading(l, "Key metrics");
    let cols = if kpis.len() <= 2 || kpis.len() == 4 {
        2
    } else {
        3
    };
    let gap = 12.0;
    let card_w = (CONTENT_W - gap * (cols as f32 - 1.0)) / cols as f32;
    for row in kpis.chunks(cols) {
        let cards: Vec<Card> = row.iter().map(|k| Card::layout(l, k, card_w)).collect();
        let h = cards.iter().map(|c| c.height).fold(0.0, f32::max);
        l.keep(h);
        let top = l.y;
        for (i, card) in cards.into_iter().enumerate() {
            let x = MARGIN_X + i as f32 * (card_w + gap);
            card.draw(l, x, top, card_w, h);
        }
        l.y = top + h + gap;
    }
    l.y += 14.0;
}

/// One KPI card, measured before it is drawn so a row can share one height.
struct Card {
    label: Vec<String>,
    value: (String, f32),
    meta: Vec<Vec<(String, Style)>>,
    height: f32,
}

const CARD_PAD: f32 = 12.0;
const LABEL: Style = style(8.0, Weight::Regular, MUTED);
const LABEL_LH: f32 = 11.0;
const META_LH: f32 = 12.0;

impl Card {
    fn layout(l: &Layout, kpi: &ReportKpi, w: f32) -> Card {
        let inner = w - 2.0 * CARD_PAD - 3.0;
        let label = l.wrap(&kpi.label, LABEL, inner, 2);
        let value_size = [22.0, 20.0, 18.0, 16.0, 14.0]
            .into_iter()
            .find(|s| l.width(&kpi.value, style(*s, Weight::Bold, INK)) <= inner)
            .unwrap_or(12.0);
        let status_color = match kpi.status.trim().to_lowercase().as_str() {
            "on target" => GOOD,
            "watch" => WATCH,
            "off target" => BAD,
            _ => BODY,
        };
        let items = [
            // The arrow's colour says whether the move was good news; the status
            // beside it says where the value stands against its target.
            (
                kpi.change.trim(),
                style(8.5, Weight::Bold, tone_color(kpi.tone)),
            ),
            (kpi.previous.trim(), style(8.5, Weight::Regular, MUTED)),
            (kpi.status.trim(), style(8.5, Weight::Bold, status_color)),
        ];
        // Items flow onto lines, never split, separated by a gap.
        let mut meta: Vec<Vec<(String, Style)>> = Vec::new();
        let mut line_w = 0.0;
        for (text, s) in items.into_iter().filter(|(t, _)| !t.is_empty()) {
            let w = l.width(text, s);
            let fits = line_w == 0.0 || line_w + 8.0 + w <= inner;
            match meta.last_mut() {
                Some(line) if fits => {
                    line.push((text.to_owned(), s));
                    line_w += 8.0 + w;
                }
                _ => {
                    meta.push(vec![(text.to_owned(), s)]);
                    line_w = w;
                }
            }
        }
        let height = CARD_PAD
            + label.len() as f32 * LABEL_LH
            + 6.0
            + value_size * 1.1
            + if meta.is_empty() {
                0.0
            } else {
                6.0 + meta.len() as f32 * META_LH
            }
            + CARD_PAD
            - 2.0;
        Card {
            label,
            value: (kpi.value.clone(), value_size),
            meta,
            height,
        }
    }

    fn draw(self, l: &mut Layout, x: f32, top: f32, w: f32, h: f32) {
        l.rect(x, top, w, h, CARD);
        l.rect(x, top, 3.0, h, ACCENT);
        let x = x + 3.0 + CARD_PAD;
        let inner = w - 2.0 * CARD_PAD - 3.0;
        let mut y = top + CARD_PAD;
        for line in &self.label {
            l.text(x, y + 8.0, LABEL, line, inner);
            y += LABEL_LH;
        }
        y += 6.0;
        let (value, size) = self.value;
        l.text(
            x,
            y + size * 0.88,
            style(size, Weight::Bold, INK),
            &value,
            inner,
        );
        y += size * 1.1;
        if !self.meta.is_empty() {
            y += 6.0;
        }
        for line in self.meta {
            let mut cx = x;
            for (text, s) in line {
                cx += l.text(cx, y + 9.0, s, &text, inner) + 8.0;
            }
            y += META_LH;
        }
    }
}

/// A chart at full content width (or smaller, to fit a page) under its title.
fn chart_block(l: &mut Layout, title: &str, tree: &usvg::Tree, index: usize) {
    let size = tree.size();
    let (tw, th) = (size.width().max(1.0), size.height().max(1.0));
    let max_h = BOTTOM - TOP - 40.0;
    let mut w = CONTENT_W;
    let mut h = w * th / tw;
    if h > max_h {
        h = max_h;
        w = h * tw / th;
    }
    let title_h = if title.trim().is_empty() { 0.0 } else { 24.0 };
    l.keep(title_h + h);
    l.bookmark(if title.trim().is_empty() {
        "Chart"
    } else {
        title
    });
    if title_h > 0.0 {
        l.text(
            MARGIN_X,
            l.y + 12.0,
            style(12.0, Weight::Bold, INK),
            title,
            CONTENT_W,
        );
        l.y += title_h;
    }
    let y = l.y;
    l.push(Op::Chart {
        index,
        x: MARGIN_X,
        y,
        w,
        h,
    });
    l.y += h + 30.0;
}

/// Table text sizes to try, largest first: a wide table is set smaller before
/// anything is cut.
const TABLE_SIZES: [f32; 5] = [8.0, 7.5, 7.0, 6.5, 6.0];

/// A table's metrics at one text size.
#[derive(Clone, Copy)]
struct TableStyle {
    cell: Style,
    head: Style,
    row_h: f32,
    head_h: f32,
    pad: f32,
}

impl TableStyle {
    fn at(size: f32) -> TableStyle {
        TableStyle {
            cell: style(size, Weight::Regular, BODY),
            head: style(size, Weight::Bold, INK),
            row_h: size * 2.0,
            head_h: size * 2.5,
            pad: if size >= 7.0 { 6.0 } else { 4.0 },
        }
    }
}

/// A table under its title, continuing on new pages with the header repeated.
fn table_block(l: &mut Layout, table: &ReportTable, currency: &str) {
    fn cell(row: &[CellValue], c: usize) -> &CellValue {
        row.get(c).unwrap_or(&CellValue::Empty)
    }
    let ncols = table
        .rows
        .iter()
        .map(Vec::len)
        .chain([table.columns.len()])
        .max()
        .unwrap_or(0);
    if ncols == 0 {
        return;
    }
    let headers: Vec<String> = (0..ncols)
        .map(|c| table.columns.get(c).cloned().unwrap_or_default())
        .collect();
    // A column is right-aligned when most of its values are numbers.
    let numeric: Vec<bool> = (0..ncols)
        .map(|c| {
            let (mut num, mut other) = (0, 0);
            for row in &table.rows {
                match cell(row, c) {
                    CellValue::Empty => {}
                    v if v.is_numeric() => num += 1,
                    _ => other += 1,
                }
            }
            num > other
        })
        .collect();
    // Shape every cell once (sizes scale linearly); the shapes are reused to draw.
    let any = TableStyle::at(TABLE_SIZES[0]);
    let mut shaped: Vec<Vec<(String, Shaped)>> = table
        .rows
        .iter()
        .map(|row| {
            (0..ncols)
                .map(|c| {
                    let text = cell(row, c).display(currency);
                    let s = l.shape(&text, any.cell);
                    (text, s)
                })
                .collect()
        })
        .collect();
    let natural_em: Vec<f32> = (0..ncols)
        .map(|c| {
            let head = l.shape(&headers[c], any.head).width_em;
            shaped.iter().map(|r| r[c].1.width_em).fold(head, f32::max)
        })
        .collect();
    let natural = |ts: &TableStyle| -> Vec<f32> {
        natural_em
            .iter()
            .map(|em| em * ts.cell.size + 2.0 * ts.pad)
            .collect()
    };
    let ts = TABLE_SIZES
        .into_iter()
        .map(TableStyle::at)
        .find(|ts| natural(ts).iter().sum::<f32>() <= CONTENT_W)
        .unwrap_or_else(|| TableStyle::at(TABLE_SIZES[TABLE_SIZES.len() - 1]));
    let widths = column_widths(&natural(&ts), &numeric, CONTENT_W);

    let title_h = if table.title.trim().is_empty() {
        0.0
    } else {
        24.0
    };
    l.keep(title_h + ts.head_h + ts.row_h * table.rows.len().clamp(1, 3) as f32);
    l.bookmark(if table.title.trim().is_empty() {
        "Table"
    } else {
        &table.title
    });
    if title_h > 0.0 {
        l.text(
            MARGIN_X,
            l.y + 12.0,
            style(12.0, Weight::Bold, INK),
            &table.title,
            CONTENT_W,
        );
        l.y += title_h;
    }
    let header = |l: &mut Layout| {
        let mut x = MARGIN_X;
        let baseline = l.y + ts.head_h - ts.cell.size * 0.9;
        for c in 0..ncols {
            let inner = widths[c] - 2.0 * ts.pad;
            if numeric[c] {
                l.text_right(
                    x + widths[c] - ts.pad,
                    baseline,
                    ts.head,
                    &headers[c],
                    inner,
                );
            } else {
                l.text(x + ts.pad, baseline, ts.head, &headers[c], inner);
            }
            x += widths[c];
        }
        l.rect(MARGIN_X, l.y + ts.head_h - 0.75, CONTENT_W, 0.75, RULE);
        l.y += ts.head_h;
    };
    header(l);
    if table.rows.is_empty() {
        l.text(
            MARGIN_X + ts.pad,
            l.y + ts.row_h - ts.cell.size * 0.6,
            style(ts.cell.size, Weight::Regular, MUTED),
            "No rows for this period.",
            CONTENT_W,
        );
        l.y += ts.row_h;
    }
    for row in shaped.iter_mut() {
        if l.y + ts.row_h > BOTTOM {
            l.new_page();
            if !table.title.trim().is_empty() {
                l.text(
                    MARGIN_X,
                    l.y + 10.0,
                    style(9.5, Weight::Bold, MUTED),
                    &format!("{} (continued)", table.title),
                    CONTENT_W,
                );
                l.y += 20.0;
            }
            header(l);
        }
        let baseline = l.y + ts.row_h - ts.cell.size * 0.6;
        let mut x = MARGIN_X;
        for (c, (text, s)) in row.iter_mut().enumerate() {
            let inner = widths[c] - 2.0 * ts.pad;
            let text = std::mem::take(text);
            let s = std::mem::replace(
                s,
                Shaped {
                    glyphs: Vec::new(),
                    width_em: 0.0,
                },
            );
            let w = s.width_em * ts.cell.size;
            if w <= inner {
                let left = if numeric[c] {
                    x + widths[c] - ts.pad - w
                } else {
                    x + ts.pad
                };
                l.draw(left, baseline, ts.cell, text, s);
            } else if numeric[c] {
                l.text_right(x + widths[c] - ts.pad, baseline, ts.cell, &text, inner);
            } else {
                l.text(x + ts.pad, baseline, ts.cell, &text, inner);
            }
            x += widths[c];
        }
        l.rect(MARGIN_X, l.y + ts.row_h - 0.5, CONTENT_W, 0.5, HAIRLINE);
        l.y += ts.row_h;
    }
    l.y += 30.0;
}

/// Column widths that fill `total`: spare room goes to text columns; when the
/// natural widths are too wide, the widest text columns give way first (capped at
/// one common width, never below a minimum), then every column shrinks in
/// proportion.
fn column_widths(natural: &[f32], numeric: &[bool], total: f32) -> Vec<f32> {
    const MIN_TEXT: f32 = 60.0;
    let sum: f32 = natural.iter().sum();
    let mut widths = natural.to_vec();
    if sum <= total {
        let text_sum: f32 = natural
            .iter()
            .zip(numeric)
            .filter(|(_, n)| !**n)
            .map(|(w, _)| w)
            .sum();
        let spare = total - sum;
        for (w, n) in widths.iter_mut().zip(numeric) {
            *w += if text_sum > 0.0 {
                if *n { 0.0 } else { spare * *w / text_sum }
            } else {
                spare * *w / sum.max(1.0)
            };
        }
        return widths;
    }
    // The cap on text columns that makes the table fit: bisection.
    let capped = |cap: f32| -> f32 {
        natural
            .iter()
            .zip(numeric)
            .map(|(w, n)| if *n { *w } else { w.min(cap) })
            .sum()
    };
    let widest = natural.iter().copied().fold(MIN_TEXT, f32::max);
    let cap = if capped(MIN_TEXT) > total {
        MIN_TEXT
    } else {
        let (mut lo, mut hi) = (MIN_TEXT, widest);
        for _ in 0..40 {
            let mid = (lo + hi) / 2.0;
            if capped(mid) > total {
                hi = mid
            } else {
                lo = mid
            }
        }
        lo
    };
    for (w, n) in widths.iter_mut().zip(numeric) {
        if !*n {
            *w = w.min(cap);
        }
    }
    let now: f32 = widths.iter().sum();
    if now > total {
        for w in &mut widths {
            *w *= total / now;
        }
    }
    widths
}

/// Writes the laid-out pages with krilla.
fn write(layout: Layout, model: &ReportModel, charts: &[usvg::Tree]) -> Result<Vec<u8>, String> {
    let faces = layout.faces;
    let mut document = Document::new();
    let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or("bad page size")?;
    for ops in &layout.pages {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        for op in ops {
            match op {
                Op::Text {
                    x,
                    y,
                    style,
                    text,
                    glyphs,
                } => {
                    set_fill(&mut surface, style.color);
                    surface.draw_glyphs(
                        Point::from_xy(*x, *y),
                        glyphs,
                        faces.font(style.weight),
                        text,
                        style.size,
                        false,
                    );
                }
                Op::Rect { x, y, w, h, color } => {
                    let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) else {
                        continue;
                    };
                    let mut path = PathBuilder::new();
                    path.push_rect(rect);
                    if let Some(path) = path.finish() {
                        set_fill(&mut surface, *color);
                        surface.draw_path(&path);
                    }
                }
                Op::Chart { index, x, y, w, h } => {
                    let (Some(tree), Some(size)) = (charts.get(*index), Size::from_wh(*w, *h))
                    else {
                        continue;
                    };
                    surface.push_transform(&Transform::from_translate(*x, *y));
                    surface
                        .draw_svg(tree, size, SvgSettings::default())
                        .ok_or("could not draw a chart")?;
                    surface.pop();
                }
            }
        }
        surface.finish();
        page.finish();
    }

    let mut outline = Outline::new();
    for (title, page, y) in layout.bookmarks {
        outline.push_child(OutlineNode::new(
            title,
            XyzDestination::new(page, Point::from_xy(MARGIN_X, y)),
        ));
    }
    document.set_outline(outline);
    let title = [model.title.trim(), model.tenant_name.trim()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" — ");
    document.set_metadata(
        Metadata::new()
            .title(title)
            .creator("Quarterdeck".to_owned())
            .language("en".to_owned()),
    );
    document
        .finish()
        .map_err(|e| format!("could not write the PDF: {e:?}"))
}

fn set_fill(surface: &mut Surface<'_>, (r, g, b): Rgb) {
    surface.set_fill(Some(Fill {
        paint: rgb::Color::new(r, g, b).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_fill_the_width() {
        let w = column_widths(&[100.0, 60.0, 60.0], &[false, true, true], 400.0);
        assert_eq!(w, vec![280.0, 60.0, 60.0]);
        let w = column_widths(&[300.0, 100.0, 100.0], &[false, true, true], 400.0);
        assert!(
            (w[0] - 200.0).abs() < 0.01 && w[1..] == [100.0, 100.0],
            "{w:?}"
        );
        // The widest text column gives way; narrow ones keep their width.
        let w = column_widths(&[80.0, 300.0, 100.0], &[false, false, true], 400.0);
        assert!(
            w[0] == 80.0 && (w[1] - 220.0).abs() < 0.01 && w[2] == 100.0,
            "{w:?}"
        );
        let w = column_widths(&[200.0, 200.0, 200.0], &[true, true, true], 300.0);
        assert_eq!(w, vec![100.0, 100.0, 100.0]);
        let w = column_widths(&[100.0, 100.0], &[true, true], 400.0);
        assert_eq!(w, vec![200.0, 200.0]);
    }

    #[test]
    fn long_text_is_cut_with_an_ellipsis_and_wrapped() {
        let l = Layout::new(Faces::get().unwrap());
        let s = style(10.0, Weight::Regular, INK);
        let (cut, shaped) = l.fit("A customer with a rather long name indeed", s, 80.0);
        assert!(cut.ends_with('…'), "{cut}");
        assert!(shaped.width_em * 10.0 <= 80.0);
        let (same, _) = l.fit("Short", s, 80.0);
        assert_eq!(same, "Short");
        let lines = l.wrap(
            "one two three four five six seven eight nine ten",
            s,
            60.0,
            2,
        );
        assert_eq!(lines.len(), 2);
        assert!(lines[1].ends_with('…'), "{lines:?}");
        assert!(lines.iter().all(|x| l.width(x, s) <= 60.0));
        assert_eq!(l.wrap("", s, 60.0, 2), Vec::<String>::new());
    }
}
