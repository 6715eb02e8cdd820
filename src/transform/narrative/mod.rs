//! Narrative reports interpreted: identity from the title, named facts for `units`,
//! per-类/款/项 statements for `expenditure` (source `report`), the statements other figures
//! can check, and project performance tables for `performance_projects`. A PDF's table
//! pages are read by the table readers. Every figure keeps its paragraph (or page and line).

pub mod facts;
pub mod perf;
pub mod sections;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::extract::report::read::Block;
use crate::extract::report::{Format, Narrative};
use crate::model::{
    ClassificationStatus, ExpenditureRow, Fact, Origin, Provenance, Source, SourceFile, Stage,
};
use crate::reference::text::name_key;
use crate::transform::classify::{classify_shared, Status};
use crate::transform::document::{self, keep, Place};
use crate::transform::identify::{ContentHints, PathHints};
use crate::transform::tables::Context;
use crate::transform::Extraction;

/// What the manifest says about a report.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ReportStats {
    pub encoding: String,
    pub paragraphs: usize,
    pub tables: usize,
    pub facts: usize,
    pub category_lines: usize,
    pub projects: usize,
    /// Numbers printed with 元/万元/亿元, and how many of them became facts.
    pub amount_mentions: usize,
    pub amount_mentions_used: usize,
    /// The template's sections found with text under them, in the template's order.
    #[serde(default)]
    pub sections: Vec<sections::Section>,
}

/// The child of `parent` named `name`: a row of the document's own tables first (a
/// statement names what its tables print), then the catalogue's only child of that name,
/// then the nearest catalogue name (a name cut or misspelt in print), as `resolved_by_name`.
fn child_by_name(
    catalog: &crate::reference::catalog::Catalog,
    table_rows: &[(String, String)],
    parent: &str,
    name: &str,
    year: i32,
) -> Option<(String, ClassificationStatus)> {
    let key = name_key(crate::reference::text::strip_ordinal(name));
    let level = parent.len() + 2;
    let own: Vec<&String> = table_rows
        .iter()
        .filter(|(code, n)| code.len() == level && code.starts_with(parent) && *n == key)
        .map(|(code, _)| code)
        .collect();
    if let [code] = own.as_slice() {
        return Some(((*code).clone(), ClassificationStatus::Exact));
    }
    let children = catalog.children(parent, year);
    let named: Vec<&crate::reference::catalog::CodeRow> = children
        .iter()
        .copied()
        .filter(|c| name_key(&c.name) == key)
        .collect();
    if let [row] = named.as_slice() {
        return Some((row.code.clone(), ClassificationStatus::Exact));
    }
    crate::transform::classify::best_fuzzy(name, children)
        .map(|(row, _)| (row.code.clone(), ClassificationStatus::ResolvedByName))
}

/// Reads a parsed report's statements, facts and (for a PDF) tables into records.
pub fn interpret(
    ctx: &Context,
    narrative: &Narrative,
    file: &Arc<SourceFile>,
    path_hints: &PathHints,
) -> Extraction {
    let mut out = Extraction::default();
    let is_pdf = narrative.format == Format::Pdf;
    let blocks = &narrative.blocks;
    let encoding = narrative.encoding.clone();
    let pdf_lines = narrative.pdf.as_ref();
    let pdf_tables = pdf_lines.and_then(|p| p.tables.as_ref());
    let unruled: &[(u32, String)] = pdf_lines.map_or(&[], |p| &p.unruled);

    let mut hints = ContentHints::default();
    let opening: Vec<&str> = blocks
        .iter()
        .take(6)
        .filter_map(|block| match block {
            Block::Para { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    hints.offer_title(opening.iter().copied());
    // The title: the opening lines up to the first that says 决算.
    for block in blocks.iter().take(4) {
        if let Block::Para { number, text } = block {
            let at = match pdf_lines.and_then(|p| p.place(*number)) {
                Some((page, line)) => Origin::PdfLine { page, line },
                None => Origin::Paragraph(*number),
            };
            keep(&mut hints.said, Place::Cover, at, text);
            if text.contains("决算") {
                break;
            }
        }
    }
    for text in opening {
        hints.offer(text);
    }
    // A PDF's tables, found by their titles as in a workbook; their headers (编制单位：…)
    // say whose they are too.
    let table_blocks = pdf_tables
        .map(|sheet| crate::transform::tables::find_blocks(0, sheet, &mut hints))
        .unwrap_or_default();
    let Some(unit) = out.identify(ctx.units, file, &hints, path_hints) else {
        return out;
    };
    let any_unruled = !unruled.is_empty();
    for (page, title) in unruled.iter().cloned() {
        let reason = "a standard table printed without ruling lines: juesuan reads a PDF's tables by their rules (borderless tables are not read)".to_string();
        let place = format!("p{page}");
        out.tables.push(crate::transform::TableReport {
            sheet: place.clone(),
            title: crate::reference::text::clean_name(&title),
            table: crate::reference::tables::TableKind::from_title(&title).map(|k| k.id().into()),
            status: crate::transform::TableStatus::Rejected,
            rows: 0,
            reason: Some(reason.clone()),
        });
        out.reject(
            file,
            Some(Origin::Page(page)),
            Stage::Extract,
            reason,
            Some(title),
        );
    }
    if let Some(sheet) = pdf_tables {
        crate::transform::tables::read_blocks(
            ctx,
            std::slice::from_ref(sheet),
            &table_blocks,
            &unit,
            file,
            &mut out,
        );
    }
    if let Some(reason) = pdf_lines.and_then(|p| p.incomplete.clone()) {
        out.reject(file, None, Stage::Extract, reason, None);
    }
    for u in pdf_lines.map(|p| p.unmapped.as_slice()).unwrap_or_default() {
        out.reject(
            file,
            Some(Origin::Page(u.page)),
            Stage::Extract,
            format!(
                "{} of the page's {} glyphs do not decode to text (a damaged font, or one without a ToUnicode map): the sentences and cells drawn with them are not read",
                u.glyphs, u.of
            ),
            None,
        );
    }
    let at = |paragraph: u32| Provenance {
        file: file.clone(),
        origin: match pdf_lines.and_then(|p| p.place(paragraph)) {
            Some((page, line)) => Origin::PdfLine { page, line },
            None => Origin::Paragraph(paragraph),
        },
    };

    if let Some(p) = &pdf_lines {
        out.narrative_lines = p.lines.clone();
    }
    // Where the report names itself: part headings and headings naming the 决算, and the
    // subjects of its sentences; every paragraph is read for placeholders.
    for block in blocks {
        if let Block::Para { number, text } = block {
            let origin = at(*number).origin;
            match sections::heading(text) {
                Some((level, title))
                    if level == sections::Level::Part || title.contains("决算") =>
                {
                    keep(&mut hints.said, Place::Heading, origin, &title)
                }
                Some(_) => {}
                None => {
                    for subject in document::subjects(text) {
                        keep(&mut hints.said, Place::Subject, origin.clone(), subject);
                    }
                }
            }
        }
    }
    out.findings.extend(document::check(
        ctx.units,
        &unit,
        file,
        &hints.said,
        blocks.iter().filter_map(|b| match b {
            Block::Para { number, text } => Some((at(*number).origin, text.as_str())),
            _ => None,
        }),
    ));
    let outline = sections::outline(blocks);
    let found = facts::extract(blocks, &outline);
    for (paragraph, mention) in &found.unused {
        tracing::debug!(
            file = %file.display_path,
            at = %out.paragraph_reference(file, *paragraph),
            mention = %mention,
            "amount mention not read"
        );
    }
    for (paragraph, printed) in &found.out_of_range {
        out.reject(
            file,
            Some(crate::model::Origin::Paragraph(*paragraph)),
            Stage::Extract,
            format!("{printed}: the amount does not fit the warehouse's decimal(18,2) (less than 10^16 元)"),
            Some(printed.clone()),
        );
    }
    for fact in &found.facts {
        out.facts.push(Fact {
            metric: fact.metric,
            value: fact.value,
            provenance: at(fact.paragraph),
        });
    }
    // The document's own table rows (a PDF's), by parent code, for names below a 类.
    let table_rows: Vec<(String, String)> = out
        .expenditure
        .iter()
        .filter(|r| r.source != Source::Report)
        .map(|r| (r.code.code.clone(), name_key(&r.name_printed)))
        .collect();
    for line in &found.categories {
        let resolved = match &line.code {
            Some(code) => Some((code.clone(), ClassificationStatus::Exact)),
            None => ctx.catalog.category_by_name(&line.name, unit.year),
        };
        // Then each name below the 类: among the children of the code above it, in the
        // document's own tables first (行政运行 is the name of many 项), then the catalogue.
        let mut unresolved: Option<String> = None;
        let resolved = resolved.and_then(|(mut code, mut status)| {
            for name in &line.below {
                match child_by_name(ctx.catalog, &table_rows, &code, name, unit.year) {
                    Some((child, how)) => {
                        code = child;
                        if how != ClassificationStatus::Exact {
                            status = how;
                        }
                    }
                    None => {
                        unresolved = Some(format!(
                            "no code under {code} is named {name:?} in {} (the statement names {})",
                            unit.year,
                            std::iter::once(line.name.as_str())
                                .chain(line.below.iter().map(String::as_str))
                                .collect::<Vec<_>>()
                                .join(" / ")
                        ));
                        return None;
                    }
                }
            }
            Some((code, status))
        });
        if let Some(reason) = unresolved {
            out.reject(
                file,
                Some(crate::model::Origin::Paragraph(line.paragraph)),
                Stage::Classify,
                reason,
                Some(line.below.last().cloned().unwrap_or_default()),
            );
            continue;
        }
        let printed_name = line.below.last().unwrap_or(&line.name);
        let classified = resolved.and_then(|(code, status)| {
            let status = match status {
                ClassificationStatus::Exact => Status::Classified,
                other => Status::SetIfKnown(other),
            };
            classify_shared(
                ctx.catalog,
                &code,
                printed_name,
                unit.year,
                &|_| None,
                status,
            )
        });
        let Some(code) = classified else {
            out.reject(
                file,
                Some(crate::model::Origin::Paragraph(line.paragraph)),
                Stage::Classify,
                format!(
                    "no 类 in the catalogue is named {:?} in {}",
                    line.name, unit.year
                ),
                Some(line.name.clone()),
            );
            continue;
        };
        out.expenditure.push(ExpenditureRow {
            unit: unit.clone(),
            fund: line.fund,
            source: Source::Report,
            code,
            name_printed: printed_name.clone(),
            actual: line.actual,
            basic: None,
            project: None,
            budget_initial: line.budget_initial,
            budget_final: line.budget_final,
            provenance: at(line.paragraph),
        });
    }
    out.statements = found.statements.clone();
    let mut tables = 0;
    for block in blocks {
        if let Block::Table { number, rows } = block {
            tables += 1;
            out.projects.extend(perf::read(rows, &unit, at(*number)));
        }
    }
    let paragraphs = blocks
        .iter()
        .filter(|b| matches!(b, Block::Para { .. }))
        .count();
    let narrative_figures = !(found.facts.is_empty()
        && found.statements.is_empty()
        && found.categories.is_empty()
        && out.projects.is_empty());
    let table_figures = !(out.expenditure.iter().all(|e| e.source == Source::Report)
        && out.economic.is_empty()
        && out.totals.iter().all(|t| t.actual.is_none())
        && out.facts.iter().all(|f| !f.provenance.origin.is_table()));
    // Tables that say they are empty (本表无数据, 空表) are what the document states.
    let all_empty = !out.tables.is_empty()
        && out
            .tables
            .iter()
            .all(|t| t.status == crate::transform::TableStatus::Empty);
    // Tables printed without rules have their own rejects: the document is not empty.
    if !narrative_figures
        && !table_figures
        && !all_empty
        && !any_unruled
        && (out.rejects.is_empty() || !out.tables.is_empty())
    {
        // Never "loaded" with nothing in it: a template, a wording juesuan does not read
        // yet, or not a report at all. A PDF whose tables print no amount either (the
        // template's placeholder rows) is that one finding, not one reject per blank table.
        out.rejects.retain(|r| {
            !r.at
                .as_ref()
                .is_some_and(|at| at.is_table() || at.page().is_some())
        });
        let tables = if out.tables.is_empty() {
            String::new()
        } else {
            format!(
                ", and none of its {} tables prints an amount",
                out.tables.len()
            )
        };
        out.reject(
            file,
            None,
            Stage::Extract,
            format!(
                "no figure read: none of its {paragraphs} paragraphs states an amount in a form juesuan reads ({} amount mentions){tables}",
                found.amount_mentions
            ),
            None,
        );
    }
    // A PDF of tables only is no narrative report: it does not stand for the unit's report
    // (nor is it a second copy of it).
    if is_pdf && paragraphs == 0 {
        return out;
    }
    out.report = Some(ReportStats {
        encoding,
        paragraphs,
        tables,
        facts: found.facts.len(),
        category_lines: found.categories.len(),
        projects: out.projects.len(),
        amount_mentions: found.amount_mentions,
        amount_mentions_used: found.amount_mentions_used,
        sections: outline.present(),
    });
    out
}
