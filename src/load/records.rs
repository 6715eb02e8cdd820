//! How each record type fills its dataset's columns, in the order of `schema.rs`.

use crate::load::batch::{Record, RowBuilder};
use crate::model::{
    EconomicRow, ExpenditureRow, FactValue, Finding, Metric, MetricKind, PerformanceProject,
    Provenance, Reject, UnitIdentity,
};
use crate::model::{ExecutionRow, UnitRow};

fn key(unit: Option<&UnitIdentity>) -> (i32, String) {
    crate::model::partition_of(unit)
}

fn identity(row: &mut RowBuilder, unit: Option<&UnitIdentity>) {
    row.opt_str(unit.map(|u| u.city.as_str()))
        .opt_str(unit.map(|u| u.district.as_str()))
        .opt_str(unit.map(|u| u.district_code.as_str()))
        .opt_str(unit.map(|u| u.unit_id.as_str()))
        .opt_str(unit.and_then(|u| u.unit_code.as_deref()))
        .opt_str(unit.map(|u| u.unit_name.as_str()));
}

fn provenance(row: &mut RowBuilder, p: &Provenance) {
    row.str(&p.file.display_path)
        .opt_str(p.origin.sheet())
        .int32(p.origin.row().map(|r| r as i32))
        .int32(p.origin.page().map(|r| r as i32))
        .str(&p.file.sha256);
}

impl Record for ExpenditureRow {
    fn partition(&self) -> (i32, String) {
        key(Some(&self.unit))
    }

    fn write(&self, row: &mut RowBuilder) {
        let c = &self.code;
        identity(row, Some(&self.unit));
        row.str(self.fund.as_str())
            .str(self.source.id())
            .str(&c.code)
            .int8(Some(c.level.as_i8()))
            .str(&c.category_code)
            .str(&c.category_name)
            .opt_str(c.section_code.as_deref())
            .opt_str(c.section_name.as_deref())
            .opt_str(c.item_code.as_deref())
            .opt_str(c.item_name.as_deref())
            .str(&c.name)
            .str(&self.name_printed)
            .opt_str(c.code_printed.as_deref())
            .str(c.status.as_str())
            .opt_str(c.cofog.as_deref())
            .money(Some(self.actual))
            .money(self.basic)
            .money(self.project)
            .money(self.budget_initial)
            .money(self.budget_final);
        provenance(row, &self.provenance);
    }
}

impl Record for ExecutionRow {
    fn partition(&self) -> (i32, String) {
        key(Some(&self.unit))
    }

    fn write(&self, row: &mut RowBuilder) {
        identity(row, Some(&self.unit));
        row.str(self.fund.as_str())
            .str(&self.code)
            .int8(self.level.map(|l| l.as_i8()))
            .str(&self.name)
            .money(Some(self.actual))
            .money(self.budget_initial)
            .money(self.budget_final)
            .float64(ExecutionRow::rate(self.budget_initial, self.actual))
            .float64(ExecutionRow::rate(self.budget_final, self.actual))
            .str(&self.basis)
            .str(&self.source_file)
            .str(&self.source_sha256);
    }
}

impl Record for UnitRow {
    fn partition(&self) -> (i32, String) {
        key(Some(&self.unit))
    }

    fn write(&self, row: &mut RowBuilder) {
        identity(row, Some(&self.unit));
        // One column per metric, in the schema's order (the schema iterates the same list).
        for metric in Metric::ALL {
            let value = self.facts.get(metric).map(|f| f.value);
            match metric.kind() {
                MetricKind::Money => row.money(match value {
                    Some(FactValue::Money(v)) => Some(v),
                    _ => None,
                }),
                MetricKind::Count => row.int32(match value {
                    Some(FactValue::Count(v)) => Some(v),
                    _ => None,
                }),
                MetricKind::Ratio => row.float64(match value {
                    Some(FactValue::Ratio(v)) => Some(v),
                    _ => None,
                }),
            };
        }
        // By column name, as analysts search the list.
        let mut facts: Vec<_> = self.facts.values().collect();
        facts.sort_by_key(|f| f.metric.column());
        let sources: Vec<String> = facts
            .iter()
            .map(|f| format!("{}={}", f.metric, f.provenance.reference()))
            .collect();
        let mut hashes: Vec<&str> = self
            .facts
            .values()
            .map(|f| &*f.provenance.file.sha256)
            .collect();
        hashes.sort_unstable();
        hashes.dedup();
        row.str(&sources.join(";")).str(&hashes.join(";"));
    }
}

impl Record for EconomicRow {
    fn partition(&self) -> (i32, String) {
        key(Some(&self.unit))
    }

    fn write(&self, row: &mut RowBuilder) {
        identity(row, Some(&self.unit));
        row.str(self.fund.as_str())
            .str(self.source.id())
            .str(&self.code)
            .int8(Some(if self.code.len() == 3 { 1 } else { 2 }))
            .str(self.code.get(..3).unwrap_or(&self.code))
            .str(&self.name)
            .str(&self.name_printed)
            .str(self.status.as_str())
            .opt_str(self.cost_type())
            .money(Some(self.actual));
        provenance(row, &self.provenance);
    }
}

impl Record for PerformanceProject {
    fn partition(&self) -> (i32, String) {
        key(Some(&self.unit))
    }

    fn write(&self, row: &mut RowBuilder) {
        identity(row, Some(&self.unit));
        row.str(&self.project)
            .money(self.budget_initial)
            .money(self.budget_final)
            .money(self.actual)
            .float64(self.execution_rate_reported)
            .float64(self.score)
            .opt_str(self.indicators.as_deref());
        provenance(row, &self.provenance);
    }
}

impl Record for Finding {
    fn partition(&self) -> (i32, String) {
        key(self.unit.as_deref())
    }

    fn write(&self, row: &mut RowBuilder) {
        identity(row, self.unit.as_deref());
        row.str(self.rule.id())
            .str(self.severity.as_str())
            .str(&self.message)
            .opt_str(self.expected.as_deref())
            .opt_str(self.actual.as_deref())
            .money(self.yuan().0)
            .money(self.yuan().1)
            .opt_str(self.tolerance.as_deref())
            .str(&self.references.join(";"))
            .str(&self.file.sha256);
    }
}

impl Record for Reject {
    fn partition(&self) -> (i32, String) {
        key(self.unit.as_deref())
    }

    fn write(&self, row: &mut RowBuilder) {
        identity(row, self.unit.as_deref());
        let (sheet, source_row) = self.place();
        row.str(&self.file.display_path)
            .opt_str(sheet.as_deref())
            .int32(source_row.map(|r| r as i32))
            .str(self.stage.as_str())
            .str(&self.reason)
            .opt_str(self.raw_text.as_deref())
            .str(&self.file.sha256);
    }
}
