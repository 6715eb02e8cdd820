//! Arrow schemas of the warehouse datasets (CONTRACT.md) and the Parquet writer settings.
//! Money leaves `rust_decimal` here as the unscaled i128 of a Decimal128(18,2).

use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, Decimal128Array, Int32Array, Int8Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use rust_decimal::Decimal;

use crate::error::{Error, Result};
use crate::model::{ExpenditureRow, Reject, UnitIdentity};

pub const MONEY: DataType = DataType::Decimal128(18, 2);
const MONEY_LIMIT: i128 = 1_000_000_000_000_000_000; // 10^18: 18 digits of precision

/// Footer metadata every file carries.
pub struct FileMeta<'a> {
    pub dataset: &'a str,
    pub run_id: &'a str,
    pub catalog_version: &'a str,
}

fn identity_fields() -> Vec<Field> {
    vec![
        Field::new("city", DataType::Utf8, false),
        Field::new("district", DataType::Utf8, false),
        Field::new("district_code", DataType::Utf8, false),
        Field::new("unit_id", DataType::Utf8, false),
        Field::new("unit_name", DataType::Utf8, false),
    ]
}

pub fn expenditure_schema() -> SchemaRef {
    let mut fields = identity_fields();
    fields.extend([
        Field::new("fund", DataType::Utf8, false),
        Field::new("source", DataType::Utf8, false),
        Field::new("code", DataType::Utf8, false),
        Field::new("level", DataType::Int8, false),
        Field::new("category_code", DataType::Utf8, false),
        Field::new("category_name", DataType::Utf8, false),
        Field::new("section_code", DataType::Utf8, true),
        Field::new("section_name", DataType::Utf8, true),
        Field::new("item_code", DataType::Utf8, true),
        Field::new("item_name", DataType::Utf8, true),
        Field::new("name", DataType::Utf8, false),
        Field::new("name_printed", DataType::Utf8, false),
        Field::new("classification_status", DataType::Utf8, false),
        Field::new("cofog", DataType::Utf8, true),
        Field::new("actual", MONEY, false),
        Field::new("basic", MONEY, true),
        Field::new("project", MONEY, true),
        Field::new("budget_initial", MONEY, true),
        Field::new("budget_final", MONEY, true),
        Field::new("source_file", DataType::Utf8, false),
        Field::new("source_sheet", DataType::Utf8, true),
        Field::new("source_row", DataType::Int32, true),
        Field::new("source_sha256", DataType::Utf8, false),
    ]);
    Arc::new(Schema::new(fields))
}

pub fn rejects_schema() -> SchemaRef {
    let mut fields: Vec<Field> = identity_fields()
        .into_iter()
        .map(|f| f.with_nullable(true))
        .collect();
    fields.extend([
        Field::new("source_file", DataType::Utf8, false),
        Field::new("source_sheet", DataType::Utf8, true),
        Field::new("source_row", DataType::Int32, true),
        Field::new("stage", DataType::Utf8, false),
        Field::new("reason", DataType::Utf8, false),
        Field::new("raw_text", DataType::Utf8, true),
        Field::new("source_sha256", DataType::Utf8, false),
    ]);
    Arc::new(Schema::new(fields))
}

fn strings<T>(rows: &[T], f: impl Fn(&T) -> &str) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(rows.iter().map(f)))
}

fn opt_strings<T>(rows: &[T], f: impl Fn(&T) -> Option<&str>) -> ArrayRef {
    Arc::new(rows.iter().map(f).collect::<StringArray>())
}

fn unscaled(value: Decimal) -> Result<i128, String> {
    let mut v = value;
    v.rescale(2);
    if v.scale() != 2 {
        return Err(format!("{value} cannot be held at 2 decimals"));
    }
    let m = v.mantissa();
    if m.abs() >= MONEY_LIMIT {
        return Err(format!("{value} exceeds Decimal128(18,2)"));
    }
    Ok(m)
}

fn money<T>(rows: &[T], f: impl Fn(&T) -> Option<Decimal>) -> Result<ArrayRef, String> {
    let values = rows
        .iter()
        .map(|r| f(r).map(unscaled).transpose())
        .collect::<Result<Vec<Option<i128>>, String>>()?;
    let array = Decimal128Array::from(values)
        .with_precision_and_scale(18, 2)
        .map_err(|e| e.to_string())?;
    Ok(Arc::new(array))
}

fn identity_columns<T>(rows: &[T], unit: impl Fn(&T) -> &UnitIdentity + Copy) -> Vec<ArrayRef> {
    vec![
        strings(rows, |r| unit(r).city.as_str()),
        strings(rows, |r| unit(r).district.as_str()),
        strings(rows, |r| unit(r).district_code.as_str()),
        strings(rows, |r| unit(r).unit_id.as_str()),
        strings(rows, |r| unit(r).unit_name.as_str()),
    ]
}

pub fn expenditure_batch(rows: &[&ExpenditureRow]) -> Result<RecordBatch, String> {
    let mut columns = identity_columns(rows, |r| &r.unit);
    columns.extend([
        strings(rows, |r| r.fund.as_str()),
        strings(rows, |r| r.source),
        strings(rows, |r| r.code.code.as_str()),
        Arc::new(
            rows.iter()
                .map(|r| r.code.level.as_i8())
                .collect::<Int8Array>(),
        ) as ArrayRef,
        strings(rows, |r| r.code.category_code.as_str()),
        strings(rows, |r| r.code.category_name.as_str()),
        opt_strings(rows, |r| r.code.section_code.as_deref()),
        opt_strings(rows, |r| r.code.section_name.as_deref()),
        opt_strings(rows, |r| r.code.item_code.as_deref()),
        opt_strings(rows, |r| r.code.item_name.as_deref()),
        strings(rows, |r| r.code.name.as_str()),
        strings(rows, |r| r.name_printed.as_str()),
        strings(rows, |r| r.code.status.as_str()),
        opt_strings(rows, |r| r.code.cofog.as_deref()),
        money(rows, |r| Some(r.actual))?,
        money(rows, |r| r.basic)?,
        money(rows, |r| r.project)?,
        money(rows, |r| r.budget_initial)?,
        money(rows, |r| r.budget_final)?,
        strings(rows, |r| &r.provenance.file.display_path),
        opt_strings(rows, |r| r.provenance.sheet.as_deref()),
        Arc::new(
            rows.iter()
                .map(|r| r.provenance.row.map(|v| v as i32))
                .collect::<Int32Array>(),
        ),
        strings(rows, |r| &r.provenance.file.sha256),
    ]);
    RecordBatch::try_new(expenditure_schema(), columns).map_err(|e| e.to_string())
}

/// A reject with the identity it could be given (possibly none).
pub struct RejectRow<'a> {
    pub unit: Option<&'a UnitIdentity>,
    pub reject: &'a Reject,
}

pub fn rejects_batch(rows: &[RejectRow]) -> Result<RecordBatch, String> {
    let columns: Vec<ArrayRef> = vec![
        opt_strings(rows, |r| r.unit.map(|u| u.city.as_str())),
        opt_strings(rows, |r| r.unit.map(|u| u.district.as_str())),
        opt_strings(rows, |r| r.unit.map(|u| u.district_code.as_str())),
        opt_strings(rows, |r| r.unit.map(|u| u.unit_id.as_str())),
        opt_strings(rows, |r| r.unit.map(|u| u.unit_name.as_str())),
        strings(rows, |r| &r.reject.file.display_path),
        opt_strings(rows, |r| r.reject.sheet.as_deref()),
        Arc::new(
            rows.iter()
                .map(|r| r.reject.row.map(|v| v as i32))
                .collect::<Int32Array>(),
        ),
        strings(rows, |r| r.reject.stage.as_str()),
        strings(rows, |r| r.reject.reason.as_str()),
        opt_strings(rows, |r| r.reject.raw_text.as_deref()),
        strings(rows, |r| &r.reject.file.sha256),
    ];
    RecordBatch::try_new(rejects_schema(), columns).map_err(|e| e.to_string())
}

/// Writer settings, set explicitly: zstd, dictionary pages for the many repeated strings,
/// page statistics for predicate push-down, 128 Ki-row groups, our version in the footer.
pub fn writer_properties(meta: &FileMeta) -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(3).unwrap_or_default()))
        .set_dictionary_enabled(true)
        .set_statistics_enabled(EnabledStatistics::Page)
        .set_max_row_group_row_count(Some(128 * 1024))
        .set_created_by(format!("juesuan version {}", crate::VERSION))
        .set_key_value_metadata(Some(vec![
            KeyValue::new("juesuan.version".to_string(), crate::VERSION.to_string()),
            KeyValue::new("juesuan.dataset".to_string(), meta.dataset.to_string()),
            KeyValue::new("juesuan.run_id".to_string(), meta.run_id.to_string()),
            KeyValue::new(
                "juesuan.catalog_version".to_string(),
                meta.catalog_version.to_string(),
            ),
        ]))
        .build()
}

/// Writes one batch to `path` (a new file; the caller renames it into place).
pub fn write_file(path: &Path, batch: &RecordBatch, meta: &FileMeta) -> Result<()> {
    let err = |reason: String| Error::Parquet {
        path: path.to_path_buf(),
        reason,
    };
    let file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(writer_properties(meta)))
        .map_err(|e| err(e.to_string()))?;
    writer.write(batch).map_err(|e| err(e.to_string()))?;
    let file = writer.into_inner().map_err(|e| err(e.to_string()))?;
    file.sync_all().map_err(|e| Error::io(path, e))?;
    Ok(())
}
