//! Helpers: run the binary, read a dataset back as rows of text cells.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use arrow_array::{
    Array, Decimal128Array, Float64Array, Int32Array, Int8Array, RecordBatch, StringArray,
};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use rust_decimal::Decimal;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn juesuan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_juesuan"))
        .args(args)
        .current_dir(repo())
        .env("RUST_LOG", "warn")
        .output()
        .expect("the juesuan binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The sample corpus, run once per test binary into a temp warehouse.
pub struct SampleRun {
    pub dir: tempfile::TempDir,
    pub output: Output,
}

impl SampleRun {
    pub fn warehouse(&self) -> PathBuf {
        self.dir.path().join("warehouse")
    }
}

pub fn sample_run() -> &'static SampleRun {
    static RUN: OnceLock<SampleRun> = OnceLock::new();
    RUN.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("warehouse");
        let output = juesuan(&["run", "--output", out.to_str().expect("utf-8 path")]);
        SampleRun { dir, output }
    })
}

/// One row: column name → value as text ("117241100.00", "1", "" for null).
pub type Row = BTreeMap<String, String>;

/// Every `*.parquet` under `dir`, sorted, with the hive `year=` taken from the path.
pub fn read_dataset(dir: &Path) -> Vec<Row> {
    let mut files = Vec::new();
    collect(dir, &mut files);
    files.sort();
    let mut rows = Vec::new();
    for file in files {
        let year = file
            .components()
            .filter_map(|c| {
                c.as_os_str()
                    .to_str()?
                    .strip_prefix("year=")
                    .map(str::to_string)
            })
            .next()
            .expect("a year= partition");
        let reader =
            ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&file).expect("open"))
                .expect("parquet footer")
                .build()
                .expect("reader");
        for batch in reader {
            let batch = batch.expect("batch");
            assert!(
                batch.schema().field_with_name("year").is_err(),
                "year must live only in the path"
            );
            rows.extend(batch_rows(&batch).into_iter().map(|mut r| {
                r.insert("year".into(), year.clone());
                r
            }));
        }
    }
    rows
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "parquet") {
            out.push(path);
        }
    }
}

fn batch_rows(batch: &RecordBatch) -> Vec<Row> {
    let schema = batch.schema();
    let mut rows = vec![Row::new(); batch.num_rows()];
    for (field, column) in schema.fields().iter().zip(batch.columns()) {
        for (i, row) in rows.iter_mut().enumerate() {
            let text = if column.is_null(i) {
                String::new()
            } else {
                match field.data_type() {
                    DataType::Utf8 => column
                        .as_any()
                        .downcast_ref::<StringArray>()
                        .expect("utf8")
                        .value(i)
                        .to_string(),
                    DataType::Int8 => column
                        .as_any()
                        .downcast_ref::<Int8Array>()
                        .expect("int8")
                        .value(i)
                        .to_string(),
                    DataType::Float64 => format!(
                        "{:?}",
                        column
                            .as_any()
                            .downcast_ref::<Float64Array>()
                            .expect("f64")
                            .value(i)
                    ),
                    DataType::Int32 => column
                        .as_any()
                        .downcast_ref::<Int32Array>()
                        .expect("int32")
                        .value(i)
                        .to_string(),
                    DataType::Decimal128(18, 2) => {
                        let v = column
                            .as_any()
                            .downcast_ref::<Decimal128Array>()
                            .expect("decimal")
                            .value(i);
                        Decimal::from_i128_with_scale(v, 2).to_string()
                    }
                    other => panic!("unexpected type {other} for column {}", field.name()),
                }
            };
            row.insert(field.name().clone(), text);
        }
    }
    rows
}

/// The Arrow type of a column in the first file of a dataset.
pub fn column_type(dir: &Path, column: &str) -> DataType {
    let mut files = Vec::new();
    collect(dir, &mut files);
    files.sort();
    let builder =
        ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&files[0]).expect("open"))
            .expect("footer");
    builder
        .schema()
        .field_with_name(column)
        .expect("column")
        .data_type()
        .clone()
}

pub fn find<'a>(rows: &'a [Row], pairs: &[(&str, &str)]) -> Vec<&'a Row> {
    rows.iter()
        .filter(|r| {
            pairs
                .iter()
                .all(|(k, v)| r.get(*k).map(String::as_str) == Some(*v))
        })
        .collect()
}

pub fn one<'a>(rows: &'a [Row], pairs: &[(&str, &str)]) -> &'a Row {
    let hits = find(rows, pairs);
    assert_eq!(
        hits.len(),
        1,
        "expected exactly one row for {pairs:?}, found {}",
        hits.len()
    );
    hits[0]
}

/// How many input files the bundled corpus holds (data/raw, hidden files aside).
pub fn corpus_inputs() -> usize {
    fn walk(dir: &Path) -> usize {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                    .map(|e| {
                        let p = e.path();
                        if p.is_dir() {
                            walk(&p)
                        } else {
                            1
                        }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    walk(&repo().join("data/raw"))
}

/// A dataset as text, for golden files: a header of its columns in schema order (then
/// `year`, from the path), one line per row in file and row order, values as
/// [`read_dataset`] prints them.
pub fn dump_dataset(dir: &Path) -> String {
    let mut files = Vec::new();
    collect(dir, &mut files);
    files.sort();
    let mut out = String::new();
    for file in files {
        let label = file
            .strip_prefix(dir)
            .unwrap_or(&file)
            .display()
            .to_string();
        let builder =
            ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&file).expect("open"))
                .expect("parquet footer");
        let names: Vec<String> = builder
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        out += &format!("## {label}\n{}\n", names.join("\t"));
        for batch in builder.build().expect("reader") {
            let batch = batch.expect("batch");
            for row in batch_rows(&batch) {
                let cells: Vec<String> = names
                    .iter()
                    .map(|n| row[n].replace('\t', "\\t").replace('\n', "\\n"))
                    .collect();
                out += &cells.join("\t");
                out.push('\n');
            }
        }
    }
    out
}
