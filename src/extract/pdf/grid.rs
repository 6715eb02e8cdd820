//! A PDF's table pages rebuilt as one worksheet, so that the workbook's table finder and
//! readers read them unchanged.
//!
//! The rules, none of them about one producer:
//! - **Grids from ruling lines.** Horizontal and vertical rules that cross each other form a
//!   grid; its distinct rule positions are the row and column boundaries. A boundary that is
//!   not drawn across a cell joins the cells on both sides into one merged cell, as a
//!   spreadsheet's merged region (header groups such as 决算数 over 合计 | 基本支出 | 项目支出,
//!   a 合计 label across the code columns). An outer frame that is not drawn is taken from
//!   the extent of the rules that are.
//! - **Text by position, not by baseline.** A run belongs to the cell that contains its
//!   centre, so names wrapped above and below the code line (WPS centres cells vertically)
//!   and cells top-aligned a few points higher (ONLYOFFICE) stay in their row. A cell's
//!   lines are joined without a separator: CJK names wrap mid-word.
//! - **Which pages.** A page carries a table when a standard table title (the same
//!   recogniser as workbooks) stands outside its grids and the page has a grid or says
//!   本表无数据; a page without a title whose first grid has the previous table's column
//!   boundaries continues that table (headers are not repeated after a page break). A title
//!   above rows of figures but no rules is a table printed without borders: not read (its
//!   columns cannot be told reliably from text alone: adjacent cells print with no gap,
//!   one column mixes left- and right-aligned cells), reported. Every other page is
//!   narrative.
//! - **Rows.** The table pages' rows are stacked into one sheet: a line of text outside the
//!   grids (a title, 单位：万元, a 注 line) is one row with its text in the first column; a
//!   grid band is one row with its cells. Page numbers and running headers are left out.
//!   Each row remembers its page and its row on that page, for provenance.

use calamine::{Data, Dimensions, Range};

use super::{lines_of, Line, Page, Rule, Run};
use crate::extract::sheet::Sheet;
use crate::reference::tables::TableKind;
use crate::reference::text::name_key;

/// Boundary positions closer than this are one boundary (points).
const SNAP: f32 = 1.5;
/// The most cells one grid may have; a page drawing more is read as text.
const MAX_GRID_CELLS: usize = 200_000;

/// What [`layout`] found: which pages are table pages, and their rows as one sheet.
pub(crate) struct Layout {
    pub table_pages: Vec<bool>,
    pub sheet: Option<Sheet>,
    /// Standard tables printed without ruling lines: (page, title). Their columns cannot be
    /// told reliably from the text alone, so they are not read (a reject each).
    pub unruled: Vec<(u32, String)>,
}

/// An amount as printed (`2,940.05`, `0.00`), or a blank marker (`-`, `—`, `/`).
fn is_figure(token: &str) -> bool {
    let t = crate::reference::text::fold_width(token.trim());
    let t = t.as_ref();
    matches!(t, "-" | "—" | "/")
        || (t.contains('.')
            && t.bytes().any(|b| b.is_ascii_digit())
            && t.bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b',' | b'.' | b'-')))
}

/// The name of the sheet a PDF's tables are read into; rows carry their page besides.
pub const SHEET_NAME: &str = crate::model::PDF_TABLES;

/// A ruled grid on a page.
#[derive(Debug)]
struct Grid {
    /// Column boundaries, left to right.
    xs: Vec<f32>,
    /// Row boundaries, top to bottom.
    ys: Vec<f32>,
    horizontal: Vec<Rule>,
    vertical: Vec<Rule>,
    left: f32,
    right: f32,
}

impl Grid {
    fn top(&self) -> f32 {
        self.ys.first().copied().unwrap_or(0.0)
    }

    fn bottom(&self) -> f32 {
        self.ys.last().copied().unwrap_or(0.0)
    }

    fn contains(&self, x: f32, y: f32) -> bool {
        x >= self.left - 1.0
            && x <= self.right + 1.0
            && y >= self.top() - 1.0
            && y <= self.bottom() + 1.0
    }
}

/// Something placed on a page, top to bottom: a line outside the grids or a grid.
enum Item<'a> {
    Line(Line),
    Grid(&'a Grid, Vec<f32>),
}

pub(crate) fn layout(pages: &[Page]) -> Layout {
    let mut table_pages = vec![false; pages.len()];
    let mut rows: Vec<Vec<(u32, String)>> = Vec::new();
    let mut merges: Vec<Dimensions> = Vec::new();
    let mut origins: Vec<(u32, u32)> = Vec::new();
    let mut unruled: Vec<(u32, String)> = Vec::new();
    // The column boundaries of the last grid of the last table page, for a continuation.
    let mut frame: Option<Vec<f32>> = None;
    for (p, page) in pages.iter().enumerate() {
        let grids = grids_of(page);
        let in_grid = |r: &Run| grids.iter().any(|g| g.contains(anchor_x(r), r.middle));
        let (mut inside, outside): (Vec<&Run>, Vec<&Run>) =
            page.runs.iter().partition(|r| in_grid(r));
        // Cells are filled word by word where the glyphs are known.
        let words;
        if !page.glyphs.is_empty() {
            words = words_of(
                page.glyphs.iter().filter(|r| in_grid(r)).cloned().collect(),
                &page.vertical,
            );
            inside = words.iter().collect();
        }
        let lines = lines_of(outside.into_iter().cloned().collect());
        let title_at = lines
            .iter()
            .filter(|l| is_title(&l.text))
            .map(|l| l.middle)
            .reduce(f32::min);
        let says_empty = lines.iter().any(|l| {
            let k = name_key(&l.text);
            k.contains("本表无数据") || k.contains("故本表无数据")
        });
        let first_grid = grids.first();
        let continues = |g: &Grid| {
            frame.as_ref().is_some_and(|f| fits(&g.xs, f)) && title_at.is_none_or(|t| g.top() < t)
        };
        let is_table = match title_at {
            Some(_) => !grids.is_empty() || says_empty,
            None => first_grid.is_some_and(continues) && p > 0 && table_pages[p - 1],
        };
        // A title above rows of figures and no rules: a table printed without borders.
        let rows_of_figures = lines
            .iter()
            .filter(|l| l.text.split_whitespace().filter(|t| is_figure(t)).count() >= 2)
            .count();
        if title_at.is_some() && grids.is_empty() && !says_empty && rows_of_figures >= 2 {
            table_pages[p] = true;
            frame = None;
            unruled.extend(
                lines
                    .iter()
                    .filter(|l| is_title(&l.text))
                    .map(|l| (p as u32 + 1, l.text.clone())),
            );
            continue;
        }
        if !is_table {
            frame = None;
            continue;
        }
        table_pages[p] = true;
        // Items top to bottom; a grid that continues the previous table keeps its columns.
        let mut items: Vec<(f32, Item)> = Vec::new();
        for (i, g) in grids.iter().enumerate() {
            let xs = match &frame {
                Some(f) if i == 0 && continues(g) => f.clone(),
                _ => g.xs.clone(),
            };
            items.push((g.top(), Item::Grid(g, xs)));
        }
        let last = lines.len();
        for (i, line) in lines.into_iter().enumerate() {
            // Page numbers at the top or bottom of a table page are not rows.
            if (i == 0 || i + 1 == last) && super::is_page_number(&line.text) {
                continue;
            }
            items.push((line.middle, Item::Line(line)));
        }
        items.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut row_on_page = 0u32;
        for (_, item) in items {
            match item {
                Item::Line(line) => {
                    row_on_page += 1;
                    origins.push((p as u32 + 1, row_on_page));
                    rows.push(vec![(0, line.text)]);
                }
                Item::Grid(g, xs) => {
                    let base = rows.len() as u32;
                    let (cells, regions) = cells_of(g, &xs, &inside);
                    for band in cells {
                        row_on_page += 1;
                        origins.push((p as u32 + 1, row_on_page));
                        rows.push(band);
                    }
                    merges.extend(regions.into_iter().map(|(r0, c0, r1, c1)| Dimensions {
                        start: (base + r0, c0),
                        end: (base + r1, c1),
                    }));
                    frame = Some(xs);
                }
            }
        }
    }
    if rows.is_empty() {
        return Layout {
            table_pages,
            sheet: None,
            unruled,
        };
    }
    let width = rows
        .iter()
        .flat_map(|r| r.iter().map(|(c, _)| c + 1))
        .max()
        .unwrap_or(1);
    let mut range: Range<Data> = Range::new((0, 0), (rows.len() as u32 - 1, width - 1));
    for (r, row) in rows.into_iter().enumerate() {
        for (c, text) in row {
            range.set_value((r as u32, c), Data::String(text));
        }
    }
    let sheet = Sheet::new(SHEET_NAME.to_string(), range, &merges, Default::default())
        .with_origins(origins);
    Layout {
        table_pages,
        sheet: Some(sheet),
        unruled,
    }
}

/// A line that is a standard table's title (not a sentence that names one).
fn is_title(text: &str) -> bool {
    let key = name_key(text);
    TableKind::from_title(text).is_some()
        && key.chars().count() <= 60
        && !key.ends_with('。')
        && !["详见", "见附", "附表", "说明", "注"]
            .iter()
            .any(|w| key.starts_with(w))
}

/// True when every boundary in `xs` is one of `frame`'s (a continuation may lack some).
fn fits(xs: &[f32], frame: &[f32]) -> bool {
    xs.len() >= 2
        && xs
            .iter()
            .all(|x| frame.iter().any(|f| (f - x).abs() <= SNAP + 0.5))
}

/// The ruled grids of a page: sets of horizontal and vertical rules that cross each other,
/// with at least two of each.
fn grids_of(page: &Page) -> Vec<Grid> {
    let h = &page.horizontal;
    let v = &page.vertical;
    if h.len().saturating_mul(v.len()) > 4_000_000 {
        return Vec::new();
    }
    let n = h.len() + v.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for (i, a) in h.iter().enumerate() {
        for (j, b) in v.iter().enumerate() {
            let crosses = b.pos >= a.from - SNAP
                && b.pos <= a.to + SNAP
                && a.pos >= b.from - SNAP
                && a.pos <= b.to + SNAP;
            if crosses {
                let (x, y) = (find(&mut parent, i), find(&mut parent, h.len() + j));
                parent[x] = y;
            }
        }
    }
    let mut groups: std::collections::BTreeMap<usize, (Vec<Rule>, Vec<Rule>)> = Default::default();
    for i in 0..n {
        let root = find(&mut parent, i);
        let entry = groups.entry(root).or_default();
        if i < h.len() {
            entry.0.push(h[i]);
        } else {
            entry.1.push(v[i - h.len()]);
        }
    }
    let mut grids: Vec<Grid> = groups
        .into_values()
        .filter(|(h, v)| h.len() >= 2 && v.len() >= 2)
        .filter_map(|(horizontal, vertical)| {
            let left = horizontal
                .iter()
                .map(|r| r.from)
                .fold(f32::INFINITY, f32::min);
            let right = horizontal
                .iter()
                .map(|r| r.to)
                .fold(f32::NEG_INFINITY, f32::max);
            let top = vertical
                .iter()
                .map(|r| r.from)
                .fold(f32::INFINITY, f32::min);
            let bottom = vertical
                .iter()
                .map(|r| r.to)
                .fold(f32::NEG_INFINITY, f32::max);
            // An outer frame that is not drawn: the rules' extent bounds the grid.
            let xs = snap(
                vertical
                    .iter()
                    .map(|r| r.pos)
                    .chain([left, right])
                    .collect(),
            );
            let ys = snap(
                horizontal
                    .iter()
                    .map(|r| r.pos)
                    .chain([top, bottom])
                    .collect(),
            );
            let cells = (xs.len().saturating_sub(1)).saturating_mul(ys.len().saturating_sub(1));
            (xs.len() >= 2 && ys.len() >= 2 && cells <= MAX_GRID_CELLS).then(|| Grid {
                left: xs[0].min(left),
                right: xs[xs.len() - 1].max(right),
                xs,
                ys,
                horizontal,
                vertical,
            })
        })
        .collect();
    grids.sort_by(|a, b| a.top().total_cmp(&b.top()));
    grids
}

/// Sorted positions, those within [`SNAP`] of the previous one dropped.
fn snap(mut positions: Vec<f32>) -> Vec<f32> {
    positions.retain(|p| p.is_finite());
    positions.sort_by(f32::total_cmp);
    let mut out: Vec<f32> = Vec::with_capacity(positions.len());
    for p in positions {
        if out.last().is_none_or(|last| p - last > SNAP) {
            out.push(p);
        }
    }
    out
}

/// Glyphs into words: glyphs on one line that touch (a gap under a sixth of their size)
/// are one word. A word is placed by its first glyph (see [`anchor_x`]), so that text that
/// overflows into an empty neighbour cell (`栏次` written in one cell, printed across two)
/// stays in the cell it was written in. Only text overflows (a spreadsheet prints `###` for
/// a number too wide): at a ruling line, a word goes on only from a CJK glyph to a CJK
/// glyph, so `326,327,600.00` and the `-` of the next cell are two words.
fn words_of(mut glyphs: Vec<Run>, vertical: &[Rule]) -> Vec<Run> {
    let wide = |r: &Run| r.text.chars().all(|c| c as u32 >= 0x2E80);
    let ruled_between = |a: &Run, b: &Run| {
        vertical.iter().any(|v| {
            v.pos >= a.right - 0.5
                && v.pos <= b.left + 0.5
                && v.from <= b.middle
                && v.to >= b.middle
        })
    };
    glyphs.sort_by(|a, b| {
        a.middle
            .total_cmp(&b.middle)
            .then(a.left.total_cmp(&b.left))
    });
    // Lines first (as lines_of does), then words within each line, left to right.
    let mut lines: Vec<Vec<Run>> = Vec::new();
    for g in glyphs {
        match lines.last_mut() {
            Some(line)
                if line
                    .first()
                    .is_some_and(|f| (g.middle - f.middle).abs() <= g.size * 0.5) =>
            {
                line.push(g)
            }
            _ => lines.push(vec![g]),
        }
    }
    let mut words: Vec<Run> = Vec::new();
    for mut line in lines {
        line.sort_by(|a, b| a.left.total_cmp(&b.left));
        let mut current: Option<Run> = None;
        let mut last: Option<Run> = None;
        for g in line {
            let joins = last.as_ref().is_some_and(|l| {
                g.left - l.right <= g.size / 6.0 && (!ruled_between(l, &g) || (wide(l) && wide(&g)))
            });
            last = Some(g.clone());
            match &mut current {
                Some(w) if joins => {
                    w.text.push_str(&g.text);
                    w.right = w.right.max(g.right);
                }
                _ => {
                    words.extend(current.take());
                    current = Some(Run {
                        // A word remembers its first glyph's width in `size`-free form: its
                        // anchor is the first glyph's centre.
                        ..g
                    });
                    if let Some(w) = &mut current {
                        w.anchor = Some((w.left + w.right) / 2.0);
                    }
                }
            }
        }
        words.extend(current);
    }
    words
}

/// Where a run is placed across the columns: a word by its first glyph, a run by its centre.
fn anchor_x(run: &Run) -> f32 {
    run.anchor.unwrap_or((run.left + run.right) / 2.0)
}

/// A cell's text without the spaces of letter-spaced (justified) CJK: `因 公 出 国 （ 境 ） 费用`
/// is 因公出国（境）费用. Spaces between Latin letters or digits stay.
fn squeeze(text: &str) -> String {
    let wide = |c: char| c as u32 >= 0x2E80 && !c.is_whitespace();
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        if c.is_whitespace() {
            let before = chars[..i].iter().rev().find(|c| !c.is_whitespace());
            let after = chars[i + 1..].iter().find(|c| !c.is_whitespace());
            if before.is_none_or(|b| wide(*b)) || after.is_none_or(|a| wide(*a)) {
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// Merged regions of one grid: (first row, first column, last row, last column), relative.
type Regions = Vec<(u32, u32, u32, u32)>;

/// The rows of a grid (columns `xs`): each cell's text at its region's top-left cell, and
/// the merged regions.
fn cells_of(g: &Grid, xs: &[f32], runs: &[&Run]) -> (Vec<Vec<(u32, String)>>, Regions) {
    let ys = &g.ys;
    let (nr, nc) = (ys.len() - 1, xs.len().saturating_sub(1).max(1));
    let id = |i: usize, j: usize| i * nc + j;
    let mut parent: Vec<usize> = (0..nr * nc).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    // `across` is the middle of a band: a rule bounding the cell spans it; one that ends
    // at the band's edge is half a band short.
    let drawn = |rules: &[Rule], pos: f32, across: f32| {
        rules
            .iter()
            .any(|r| (r.pos - pos).abs() <= SNAP && r.from - 0.5 <= across && r.to + 0.5 >= across)
    };
    // Columns outside this grid's own extent (a continuation with the left half missing)
    // are never merged: nothing is drawn there.
    let own = |j: usize| xs[j] >= g.left - SNAP && xs[j + 1] <= g.right + SNAP;
    for i in 0..nr {
        let mid_y = (ys[i] + ys[i + 1]) / 2.0;
        for j in 1..nc {
            if own(j - 1) && own(j) && !drawn(&g.vertical, xs[j], mid_y) {
                let (a, b) = (find(&mut parent, id(i, j - 1)), find(&mut parent, id(i, j)));
                parent[a] = b;
            }
        }
    }
    for i in 1..nr {
        for j in 0..nc {
            let mid_x = (xs[j] + xs[j + 1]) / 2.0;
            if own(j) && !drawn(&g.horizontal, ys[i], mid_x) {
                let (a, b) = (find(&mut parent, id(i - 1, j)), find(&mut parent, id(i, j)));
                parent[a] = b;
            }
        }
    }
    // Each region's extent; a region that is not a rectangle is left as single cells.
    let mut extent: std::collections::HashMap<usize, (usize, usize, usize, usize, usize)> =
        Default::default();
    for i in 0..nr {
        for j in 0..nc {
            let root = find(&mut parent, id(i, j));
            let e = extent.entry(root).or_insert((i, j, i, j, 0));
            e.0 = e.0.min(i);
            e.1 = e.1.min(j);
            e.2 = e.2.max(i);
            e.3 = e.3.max(j);
            e.4 += 1;
        }
    }
    let anchor = |parent: &mut Vec<usize>, i: usize, j: usize| -> (usize, usize) {
        let root = find(parent, id(i, j));
        match extent.get(&root) {
            Some(&(r0, c0, r1, c1, count)) if (r1 - r0 + 1) * (c1 - c0 + 1) == count => (r0, c0),
            _ => (i, j),
        }
    };
    // Runs to the cell holding their centre, then each region's runs as text.
    let mut texts: std::collections::BTreeMap<(usize, usize), Vec<Run>> = Default::default();
    for run in runs {
        let (x, y) = (anchor_x(run), run.middle);
        if !g.contains(x, y) {
            continue;
        }
        let i = ys.partition_point(|b| *b <= y).clamp(1, nr) - 1;
        let j = xs.partition_point(|b| *b <= x).clamp(1, nc) - 1;
        texts
            .entry(anchor(&mut parent, i, j))
            .or_default()
            .push((*run).clone());
    }
    let mut rows: Vec<Vec<(u32, String)>> = vec![Vec::new(); nr];
    for ((i, j), runs) in texts {
        let text = squeeze(
            &lines_of(runs)
                .into_iter()
                .map(|l| l.text)
                .collect::<String>(),
        );
        if !text.is_empty() {
            rows[i].push((j as u32, text));
        }
    }
    let mut regions: Regions = extent
        .values()
        .filter(|&&(r0, c0, r1, c1, count)| count > 1 && (r1 - r0 + 1) * (c1 - c0 + 1) == count)
        .map(|&(r0, c0, r1, c1, _)| (r0 as u32, c0 as u32, r1 as u32, c1 as u32))
        .collect();
    regions.sort();
    (rows, regions)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::extract::pdf::tests::run;

    fn h(pos: f32, from: f32, to: f32) -> Rule {
        Rule { pos, from, to }
    }

    /// A two-level header (决算数 over 合计 | 基本支出) above two data rows, ruled: the
    /// group label becomes a merged cell, the data cells land by position.
    #[test]
    fn a_ruled_table_becomes_rows_with_merged_headers() {
        let page = Page {
            glyphs: Vec::new(),
            runs: vec![
                run("支出决算表", 100.0, 50.0),
                run("单位：万元", 300.0, 70.0),
                run("项目", 20.0, 100.0),
                run("决算数", 200.0, 90.0),
                run("合计", 150.0, 110.0),
                run("基本支出", 250.0, 110.0),
                run("201", 20.0, 130.0),
                run("2,106.66", 150.0, 130.0),
                // Top-aligned a few points above the code line: still its row.
                run("1,503.52", 250.0, 124.0),
                // A name wrapped over two lines in one cell.
                run("机关事业单位基本养老保", 20.0, 145.0),
                run("险缴费支出", 20.0, 155.0),
                run("160.75", 150.0, 150.0),
            ],
            horizontal: vec![
                h(80.0, 10.0, 350.0),
                h(100.0, 140.0, 350.0),
                h(120.0, 10.0, 350.0),
                h(140.0, 10.0, 350.0),
                h(160.0, 10.0, 350.0),
            ],
            vertical: vec![
                h(10.0, 80.0, 160.0),
                h(140.0, 80.0, 160.0),
                h(240.0, 100.0, 160.0),
                h(350.0, 80.0, 160.0),
            ],
        };
        let layout = layout(&[page]);
        assert_eq!(layout.table_pages, [true]);
        let sheet = layout.sheet.expect("a sheet");
        assert_eq!(sheet.row_text(0), "支出决算表");
        assert_eq!(sheet.row_text(1), "单位：万元");
        // 项目 spans both header rows; 决算数 spans both amount columns.
        assert_eq!(sheet.text(2, 0), Some("项目"));
        assert_eq!(sheet.text(3, 0), Some("项目"), "merged down");
        assert_eq!(sheet.text(2, 1), Some("决算数"));
        assert_eq!(sheet.text(2, 2), Some("决算数"), "merged across");
        assert_eq!(sheet.text(3, 1), Some("合计"));
        assert_eq!(sheet.text(3, 2), Some("基本支出"));
        assert_eq!(sheet.text(4, 0), Some("201"));
        assert_eq!(sheet.text(4, 1), Some("2,106.66"));
        assert_eq!(sheet.text(4, 2), Some("1,503.52"));
        assert_eq!(sheet.text(5, 0), Some("机关事业单位基本养老保险缴费支出"));
        assert_eq!(sheet.text(5, 1), Some("160.75"));
        assert_eq!(sheet.text(5, 2), None, "blank is not zero");
        assert_eq!(sheet.origin(5), Some((1, 6)));
    }

    /// A page without a title whose grid has the previous table's columns continues it;
    /// one whose columns differ is narrative.
    #[test]
    fn a_continuation_needs_the_previous_tables_columns() {
        let grid_page = |runs: Vec<Run>, xs: &[f32]| Page {
            glyphs: Vec::new(),
            runs,
            horizontal: vec![
                h(100.0, xs[0], xs[xs.len() - 1]),
                h(120.0, xs[0], xs[xs.len() - 1]),
            ],
            vertical: xs.iter().map(|&x| h(x, 100.0, 120.0)).collect(),
        };
        let first = grid_page(
            vec![run("支出决算表", 100.0, 50.0), run("201", 20.0, 110.0)],
            &[10.0, 140.0, 350.0],
        );
        let second = grid_page(vec![run("208", 20.0, 110.0)], &[10.0, 140.0, 350.0]);
        let other = grid_page(
            vec![run("项目一", 20.0, 110.0)],
            &[10.0, 90.0, 200.0, 350.0],
        );
        let layout = layout(&[first, second, other]);
        assert_eq!(layout.table_pages, [true, true, false]);
        let sheet = layout.sheet.expect("a sheet");
        assert_eq!(sheet.text(2, 0), Some("208"));
        assert_eq!(sheet.origin(2), Some((2, 1)));
    }

    #[test]
    fn letter_spaced_cjk_is_squeezed() {
        assert_eq!(squeeze("因 公 出 国 （ 境 ） 费用"), "因公出国（境）费用");
        assert_eq!(squeeze("2,940.05"), "2,940.05");
        assert_eq!(squeeze("COVID 19"), "COVID 19");
        assert_eq!(squeeze("行\u{3000}政\u{a0}事 业"), "行政事业");
    }

    #[test]
    fn a_sentence_naming_a_table_is_not_its_title() {
        assert!(is_title("一般公共预算财政拨款支出决算表"));
        assert!(is_title(
            "中共上海市普陀区委社会工作部 2024 年度 支出决算表"
        ));
        assert!(!is_title("详见附表《支出决算表》。"));
        assert!(!is_title("注：本表反映部门本年度支出决算表的情况"));
    }
}
