//! Builds an Arrow batch for any dataset from its [`DatasetSpec`]: records append their
//! values column by column through a [`RowBuilder`], which checks each value against the
//! column's declared type. Money leaves `rust_decimal` here as an unscaled i128 at scale 2.

use std::sync::Arc;

use arrow_array::builder::{Float64Builder, Int32Builder, Int8Builder, StringBuilder};
use arrow_array::{ArrayRef, Decimal128Array, RecordBatch};
use rust_decimal::Decimal;

use crate::load::dataset::Dataset;
use crate::load::schema::ColType;

/// The largest unscaled value of a Decimal128(18,2): 18 digits.
const MONEY_LIMIT: i128 = 1_000_000_000_000_000_000;

/// A row of a dataset: knows its partition and how to write its columns in order.
pub trait Record {
    /// (fiscal year, district code).
    fn partition(&self) -> (i32, String);
    fn write(&self, row: &mut RowBuilder);
}

enum ColumnBuilder {
    Str(StringBuilder),
    Int8(Int8Builder),
    Int32(Int32Builder),
    Money(Vec<Option<i128>>),
    Float64(Float64Builder),
}

pub struct RowBuilder<'a> {
    columns: &'a mut [ColumnBuilder],
    types: &'a [ColType],
    names: &'a [&'static str],
    next: usize,
    error: &'a mut Option<String>,
}

impl RowBuilder<'_> {
    fn slot(&mut self, ty: ColType) -> Option<&mut ColumnBuilder> {
        let i = self.next;
        self.next += 1;
        match self.types.get(i) {
            Some(&t) if t == ty => self.columns.get_mut(i),
            other => {
                self.error.get_or_insert_with(|| {
                    format!(
                        "column {i} ({:?}) is {other:?}, written as {ty:?}",
                        self.names.get(i)
                    )
                });
                None
            }
        }
    }

    pub fn str(&mut self, value: &str) -> &mut Self {
        self.opt_str(Some(value))
    }

    pub fn opt_str(&mut self, value: Option<&str>) -> &mut Self {
        if let Some(ColumnBuilder::Str(b)) = self.slot(ColType::Str) {
            b.append_option(value);
        }
        self
    }

    pub fn int8(&mut self, value: Option<i8>) -> &mut Self {
        if let Some(ColumnBuilder::Int8(b)) = self.slot(ColType::Int8) {
            b.append_option(value);
        }
        self
    }

    pub fn int32(&mut self, value: Option<i32>) -> &mut Self {
        if let Some(ColumnBuilder::Int32(b)) = self.slot(ColType::Int32) {
            b.append_option(value);
        }
        self
    }

    pub fn float64(&mut self, value: Option<f64>) -> &mut Self {
        if let Some(ColumnBuilder::Float64(b)) = self.slot(ColType::Float64) {
            b.append_option(value);
        }
        self
    }

    pub fn money(&mut self, value: Option<Decimal>) -> &mut Self {
        let unscaled = value.map(unscaled);
        if let Some(Err(e)) = &unscaled {
            self.error.get_or_insert_with(|| e.clone());
        }
        if let Some(ColumnBuilder::Money(v)) = self.slot(ColType::Money) {
            v.push(unscaled.and_then(Result::ok));
        }
        self
    }
}

/// The unscaled i128 of a value at scale 2, checked against 18 digits of precision.
pub fn unscaled(value: Decimal) -> Result<i128, String> {
    let mut v = value;
    v.rescale(2);
    let m = v.mantissa();
    if v.scale() != 2 || m.abs() >= MONEY_LIMIT {
        return Err(format!("{value} does not fit Decimal128(18,2)"));
    }
    Ok(m)
}

/// Builds one batch of `dataset` from `rows`, in the given order.
pub fn build<R: Record + ?Sized>(dataset: Dataset, rows: &[&R]) -> Result<RecordBatch, String> {
    let spec = dataset.spec();
    let n = rows.len();
    let mut columns: Vec<ColumnBuilder> = spec
        .columns
        .iter()
        .map(|c| match c.ty {
            ColType::Str => ColumnBuilder::Str(StringBuilder::with_capacity(n, n * 16)),
            ColType::Int8 => ColumnBuilder::Int8(Int8Builder::with_capacity(n)),
            ColType::Int32 => ColumnBuilder::Int32(Int32Builder::with_capacity(n)),
            ColType::Money => ColumnBuilder::Money(Vec::with_capacity(n)),
            ColType::Float64 => ColumnBuilder::Float64(Float64Builder::with_capacity(n)),
        })
        .collect();
    let types: Vec<ColType> = spec.columns.iter().map(|c| c.ty).collect();
    let names: Vec<&'static str> = spec.columns.iter().map(|c| c.name).collect();
    let mut error = None;
    for (i, record) in rows.iter().enumerate() {
        let mut row = RowBuilder {
            columns: &mut columns,
            types: &types,
            names: &names,
            next: 0,
            error: &mut error,
        };
        record.write(&mut row);
        let written = row.next;
        if written != types.len() {
            error.get_or_insert_with(|| {
                format!("row {i} wrote {written} of {} columns", types.len())
            });
        }
        if let Some(e) = error {
            return Err(format!("{}: {e}", spec.name));
        }
    }
    let arrays: Vec<ArrayRef> = columns
        .into_iter()
        .map(|c| -> Result<ArrayRef, String> {
            Ok(match c {
                ColumnBuilder::Str(mut b) => Arc::new(b.finish()),
                ColumnBuilder::Int8(mut b) => Arc::new(b.finish()),
                ColumnBuilder::Int32(mut b) => Arc::new(b.finish()),
                ColumnBuilder::Float64(mut b) => Arc::new(b.finish()),
                ColumnBuilder::Money(v) => Arc::new(
                    Decimal128Array::from(v)
                        .with_precision_and_scale(18, 2)
                        .map_err(|e| e.to_string())?,
                ),
            })
        })
        .collect::<Result<_, _>>()?;
    RecordBatch::try_new(dataset.arrow_schema(), arrays).map_err(|e| format!("{}: {e}", spec.name))
}
