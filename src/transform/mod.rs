//! From what a file says to records: [`interpret`] decides whose document it is
//! ([`identify`]), reads its tables ([`tables`]) and statements ([`narrative`]) and
//! normalises their codes ([`classify`]); then, over all files, [`grain`] keeps one row per
//! key, [`derive`] computes `execution` and `units`, and [`reconcile`] checks every figure
//! against every other source of it.

pub mod choose;
pub mod classify;
pub mod derive;
pub mod document;
pub mod grain;
pub mod identify;
pub mod narrative;
pub mod reconcile;
pub mod tables;

use std::borrow::Cow;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::extract::{Document, Input};
use crate::model::{
    EconomicRow, ExpenditureRow, Fact, Finding, PerformanceProject, Reject, Severity, SourceFile,
    Stage, TotalRow, UnitIdentity,
};
use crate::transform::identify::{resolve, ContentHints, PathHints};
use crate::transform::tables::Context;

/// How a table found in a workbook was handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TableStatus {
    Loaded,
    /// The table says it has no data (本表无数据, 空表).
    Empty,
    /// Recognised, but its layout could not be read; see rejects.
    Rejected,
    /// A sheet with content but no known title.
    Unrecognised,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TableReport {
    pub sheet: String,
    pub title: String,
    /// Table id (`table05` …), none for an unrecognised sheet.
    pub table: Option<Cow<'static, str>>,
    pub status: TableStatus,
    pub rows: usize,
    /// Left out of the manifest when there is none.
    pub reason: Option<String>,
}

impl Serialize for TableReport {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        // The manifest (JSON) leaves out a reason there is not. A binary form (the spill)
        // has no field names, so it writes every field, in order.
        let reason = self.reason.is_some() || !s.is_human_readable();
        let mut t = s.serialize_struct("TableReport", 5 + usize::from(reason))?;
        t.serialize_field("sheet", &self.sheet)?;
        t.serialize_field("title", &self.title)?;
        t.serialize_field("table", &self.table)?;
        t.serialize_field("status", &self.status)?;
        t.serialize_field("rows", &self.rows)?;
        if reason {
            t.serialize_field("reason", &self.reason)?;
        } else {
            t.skip_field("reason")?;
        }
        t.end()
    }
}

/// A printed 合计 and the items it totals.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListTotal {
    pub what: Cow<'static, str>,
    pub total: crate::model::Yuan,
    pub items: Vec<crate::model::Yuan>,
    pub at: crate::model::Provenance,
}

/// The records of one input file: what interpreting its document gave.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Extraction {
    /// The file read (set for every extraction of an input).
    #[serde(with = "crate::model::shared::option")]
    pub file: Option<Arc<SourceFile>>,
    #[serde(with = "crate::model::shared::option")]
    pub identity: Option<Arc<UnitIdentity>>,
    pub expenditure: Vec<ExpenditureRow>,
    pub economic: Vec<EconomicRow>,
    pub facts: Vec<Fact>,
    pub projects: Vec<PerformanceProject>,
    pub totals: Vec<TotalRow>,
    pub rejects: Vec<Reject>,
    pub findings: Vec<Finding>,
    pub tables: Vec<TableReport>,
    /// Lists printed with their 合计 (政府购买服务), for the checks.
    pub lists: Vec<ListTotal>,
    /// For narrative reports: encoding, counts, amount mentions used.
    pub report: Option<narrative::ReportStats>,
    /// For narrative reports: statements other figures can check (reconcile).
    pub statements: Vec<crate::model::Statement>,
    /// For a PDF's narrative: (page, line on the page) of each line of its text, so that a
    /// statement's line number names its page.
    pub narrative_lines: Vec<(u32, u32)>,
}

impl Extraction {
    /// True when the file has a narrative report (a report file, or a PDF with narrative
    /// pages); a PDF of tables only has none, and does not stand for the unit's report.
    pub fn has_narrative(&self) -> bool {
        self.report.is_some()
    }

    /// The reference of a narrative line or paragraph: `file#p22:4` in a PDF, `file¶34`
    /// otherwise.
    pub fn paragraph_reference(&self, file: &SourceFile, paragraph: u32) -> String {
        match (paragraph as usize)
            .checked_sub(1)
            .and_then(|i| self.narrative_lines.get(i))
        {
            Some((page, line)) => format!("{}#p{page}:{line}", file.display_path),
            None => format!("{}¶{paragraph}", file.display_path),
        }
    }

    pub fn reject(
        &mut self,
        file: &Arc<SourceFile>,
        at: Option<crate::model::Origin>,
        stage: Stage,
        reason: String,
        raw_text: Option<String>,
    ) {
        self.rejects.push(Reject {
            unit: self.identity.clone(),
            file: file.clone(),
            at,
            stage,
            reason,
            raw_text,
        });
    }

    /// A warning about the whole file.
    pub fn warn(
        &mut self,
        file: &Arc<SourceFile>,
        unit: Option<&Arc<UnitIdentity>>,
        rule: crate::model::RuleId,
        message: String,
    ) {
        self.findings.push(Finding {
            unit: unit.cloned(),
            file: file.clone(),
            rule,
            severity: Severity::Warning,
            message,
            expected: None,
            actual: None,
            tolerance: None,
            references: vec![file.display_path.to_string()],
        });
    }

    /// Decides whose document this is from what it says (`hints`) and its path; on success
    /// records the identity (and a warning for an unlisted unit), else a reject.
    pub fn identify(
        &mut self,
        units: &crate::reference::units::UnitRegistry,
        file: &Arc<SourceFile>,
        hints: &ContentHints,
        path_hints: &PathHints,
    ) -> Option<Arc<UnitIdentity>> {
        match resolve(units, hints, path_hints) {
            Ok(resolution) => {
                let unit = Arc::new(resolution.identity);
                self.identity = Some(unit.clone());
                for warning in resolution.warnings {
                    self.warn(
                        file,
                        Some(&unit),
                        crate::model::RuleId::IdentifyUnit,
                        warning,
                    );
                }
                Some(unit)
            }
            Err(reason) => {
                self.reject(
                    file,
                    None,
                    Stage::Identify,
                    reason,
                    hints.texts.first().cloned(),
                );
                None
            }
        }
    }

    /// Gives every reject and finding the file's identity, or `fallback` (from the path)
    /// when the document itself could not be identified.
    fn attach_identity(&mut self, fallback: Option<Arc<UnitIdentity>>) {
        let unit = self.identity.clone().or(fallback);
        for r in &mut self.rejects {
            if r.unit.is_none() {
                r.unit = unit.clone();
            }
        }
        for f in &mut self.findings {
            if f.unit.is_none() {
                f.unit = unit.clone();
            }
        }
    }

    /// The unit-years this input's records belong to: its identity's, and that of every
    /// row, reject and finding (the same one but for a file that names other units).
    pub fn groups(&self) -> std::collections::BTreeSet<crate::model::GroupKey> {
        use crate::model::group_of;
        let mut keys = std::collections::BTreeSet::new();
        keys.extend(self.identity.iter().map(|u| group_of(Some(u))));
        keys.extend(self.expenditure.iter().map(|r| group_of(Some(&r.unit))));
        keys.extend(self.economic.iter().map(|r| group_of(Some(&r.unit))));
        keys.extend(self.projects.iter().map(|r| group_of(Some(&r.unit))));
        keys.extend(self.rejects.iter().map(|r| group_of(r.unit.as_deref())));
        keys.extend(self.findings.iter().map(|f| group_of(f.unit.as_deref())));
        keys
    }

    /// The unit-year the file itself belongs to: its identity's, else the one its rejects
    /// and findings were given (from its path), else the unknown partition's.
    pub fn home(&self) -> crate::model::GroupKey {
        let unit = self.identity.as_deref().or_else(|| {
            self.rejects
                .iter()
                .find_map(|r| r.unit.as_deref())
                .or_else(|| self.findings.iter().find_map(|f| f.unit.as_deref()))
        });
        crate::model::group_of(unit)
    }

    /// The partitions (year, district) this input's records land in.
    pub fn partitions(&self) -> std::collections::BTreeSet<crate::model::PartitionKey> {
        self.groups().into_iter().map(|(p, _)| p).collect()
    }

    /// Records held (rows, facts, totals, statements, rejects and findings): what the
    /// streaming counts to bound the memory of a run.
    pub fn records(&self) -> usize {
        self.expenditure.len()
            + self.economic.len()
            + self.facts.len()
            + self.projects.len()
            + self.totals.len()
            + self.rejects.len()
            + self.findings.len()
            + self.statements.len()
            + self.lists.len()
    }
}

/// The file plus what was read from it.
#[derive(Debug)]
pub struct FileResult {
    pub input: Input,
    pub file: Arc<SourceFile>,
    pub extraction: Extraction,
}

/// Turns what a file says into records: whose document it is, its tables and statements.
pub fn interpret(
    ctx: &Context,
    input: &Input,
    file: Arc<SourceFile>,
    document: &Document,
) -> FileResult {
    let mut extraction = match document {
        Document::Refused(reason) => {
            let mut x = Extraction::default();
            x.reject(&file, None, Stage::Discover, reason.clone(), None);
            x
        }
        Document::Unreadable(reason) => {
            let mut x = Extraction::default();
            x.reject(&file, None, Stage::Extract, reason.clone(), None);
            x
        }
        Document::Workbook(wb) => tables::interpret(ctx, wb, &file, &input.path_hints()),
        Document::Narrative(n) => narrative::interpret(ctx, n, &file, &input.path_hints()),
    };
    if extraction.identity.is_none() {
        extraction.attach_identity(identity_from_path(ctx, input));
    } else {
        extraction.attach_identity(None);
    }
    extraction.file = Some(file.clone());
    FileResult {
        input: input.clone(),
        file,
        extraction,
    }
}

/// [`parse`] then [`interpret`]: one input read into records, as a run does it when the
/// cache does not have its parse.
pub fn extract_file(ctx: &Context, input: &Input, file: Arc<SourceFile>) -> FileResult {
    let document = crate::extract::parse(input, &file, ctx.limits);
    interpret(ctx, input, file, &document)
}

/// Whose file this is by its path alone: for the rejects of a file that said nothing itself.
fn identity_from_path(ctx: &Context, input: &Input) -> Option<Arc<UnitIdentity>> {
    resolve(ctx.units, &ContentHints::default(), &input.path_hints())
        .ok()
        .map(|r| Arc::new(r.identity))
}

/// The result of a file whose reader panicked: one reject saying so.
pub fn panicked(ctx: &Context, input: &Input, file: Arc<SourceFile>, message: &str) -> FileResult {
    let mut extraction = Extraction::default();
    extraction.reject(
        &file,
        None,
        Stage::Extract,
        format!("the reader failed on this file ({message}); the file is malformed or hostile"),
        None,
    );
    extraction.attach_identity(identity_from_path(ctx, input));
    extraction.file = Some(file.clone());
    FileResult {
        input: input.clone(),
        file,
        extraction,
    }
}
