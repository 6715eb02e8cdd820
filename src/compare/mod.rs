//! `juesuan compare`: budget execution across 街道, read back from the warehouse's Parquet
//! with polars (the files analysts read: the year's hive partition `year=YYYY/`, every
//! district's file), then ranked within each district against the district median.
//!
//! The reads are polars' eager Parquet reader with a projection, and the filters and the sort
//! are eager `DataFrame` operations: a comparison reads one year of one dataset, which needs
//! no query planner, and polars' lazy engine (plan, expressions, streaming engine) was more
//! than half of polars' share of a cold release build (Cargo.toml, `polars`).

mod html;
mod render;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use polars_core::prelude::*;
use polars_io::prelude::*;
use rust_decimal::Decimal;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Level {
    Category,
    Section,
    Item,
    Total,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Basis {
    /// actual / 年初预算数
    Initial,
    /// actual / 全年预算数
    Final,
}

impl Basis {
    pub fn label(self) -> &'static str {
        match self {
            Basis::Initial => "决算 / 年初预算数 (basis: initial)",
            Basis::Final => "决算 / 全年预算数 (basis: final)",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
    Html,
}

#[derive(Debug, Clone, Args)]
pub struct CompareArgs {
    /// Fiscal year.
    #[arg(long)]
    pub year: i32,
    /// Codes compared: 类 (category), 款 (section), 项 (item), or the department total.
    #[arg(long, value_enum, default_value_t = Level::Category)]
    pub level: Level,
    /// Fund: general_public, government_fund, state_capital, all.
    #[arg(long, default_value = "general_public")]
    pub fund: String,
    /// Only this district (name such as 西城区, or GB/T 2260 code).
    #[arg(long)]
    pub district: Option<String>,
    /// Denominator of the execution rate.
    #[arg(long, value_enum, default_value_t = Basis::Initial)]
    pub basis: Basis,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Warehouse directory; default: the configured one.
    #[arg(long, value_name = "DIR")]
    pub warehouse: Option<PathBuf>,
    /// Pipeline configuration (for the warehouse); default as for `run`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Rates below this are marked as under-executed, above `HIGH` as over-executed.
pub const LOW: f64 = 0.8;
pub const HIGH: f64 = 1.0;

/// One cell of the 街道 × code matrix.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Cell {
    #[serde(serialize_with = "ser_decimal")]
    pub actual: Decimal,
    #[serde(serialize_with = "ser_opt_decimal")]
    pub budget: Option<Decimal>,
    pub rate: Option<f64>,
    /// 1 = highest rate in the district.
    pub rank: Option<usize>,
    /// rate − district median, in rate units (0.05 = 5 percentage points).
    pub gap_to_median: Option<f64>,
    /// `low` (< 80%), `high` (> 100%), `no_budget`, or none.
    pub flag: Option<&'static str>,
    pub basis: String,
    pub source_file: String,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct UnitLine {
    pub unit_id: String,
    pub unit_name: String,
    pub district: String,
    pub district_code: String,
    /// code → cell.
    pub cells: BTreeMap<String, Cell>,
    /// The department as a whole: the `total` row of the fund.
    pub total: Option<Cell>,
    pub findings: usize,
    pub rejects: usize,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct CodeColumn {
    pub code: String,
    pub name: String,
    /// district code → median rate.
    pub median: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Comparison {
    pub year: i32,
    pub fund: String,
    pub level: &'static str,
    pub basis: &'static str,
    pub basis_label: &'static str,
    pub codes: Vec<CodeColumn>,
    /// district code → median of the department-level rates.
    pub total_median: BTreeMap<String, f64>,
    pub units: Vec<UnitLine>,
}

fn ser_decimal<S: serde::Serializer>(d: &Decimal, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&d.to_string())
}

fn ser_opt_decimal<S: serde::Serializer>(
    d: &Option<Decimal>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&d.to_string()),
        None => s.serialize_none(),
    }
}

pub fn run(args: &CompareArgs) -> Result<u8> {
    let warehouse = match &args.warehouse {
        Some(w) => w.clone(),
        None => crate::config::Config::locate(args.config.as_deref())?.warehouse,
    };
    if warehouse.as_os_str().is_empty() {
        return Err(crate::Error::Config {
            problems: vec![
                "no warehouse configured (embedded defaults): give --warehouse DIR or --config FILE"
                    .into(),
            ],
        });
    }
    let comparison = compare(&warehouse, args)?;
    if comparison.units.is_empty() {
        // Say what is there instead of printing an empty table without a word.
        let years = years(&warehouse, "execution");
        tracing::warn!(
            "no execution rows for year {}, fund {}{}; the warehouse has years {}",
            args.year,
            args.fund,
            args.district
                .as_deref()
                .map(|d| format!(", district {d}"))
                .unwrap_or_default(),
            years.join(", ")
        );
    }
    let text = match args.format {
        Format::Table => render::table(&comparison),
        Format::Csv => render::csv(&comparison),
        Format::Json => serde_json::to_string_pretty(&comparison)
            .map_err(|e| polars_error(&warehouse, e.to_string()))?,
        Format::Html => html::page(&comparison),
    };
    match &args.out {
        Some(path) => crate::load::sink::write_atomically(path, text.as_bytes())?,
        None => crate::say!("{}", text.trim_end()),
    }
    Ok(0)
}

fn polars_error(warehouse: &Path, reason: String) -> Error {
    Error::Warehouse {
        path: warehouse.to_path_buf(),
        reason,
    }
}

/// The files of one year's partition of a dataset, sorted (`<dataset>/year=YYYY/*.parquet`).
/// A dataset without files is an error that says what to do; a year without files is none.
fn year_files(warehouse: &Path, dataset: &str, year: i32) -> Result<Vec<PathBuf>> {
    let dir = warehouse.join(dataset);
    let has_files = std::fs::read_dir(&dir)
        .map(|mut d| d.next().is_some())
        .unwrap_or(false);
    if !has_files {
        return Err(polars_error(
            warehouse,
            format!("no {dataset} files: run `juesuan run` first"),
        ));
    }
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir.join(format!("year={year}"))) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(polars_error(warehouse, format!("{}: {e}", dir.display()))),
    };
    files.sort();
    Ok(files)
}

/// The years a dataset has partitions for (`year=YYYY` directories), ascending.
fn years(warehouse: &Path, dataset: &str) -> Vec<String> {
    let mut years: Vec<i32> = std::fs::read_dir(warehouse.join(dataset))
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter_map(|e| {
                    let name = e.file_name();
                    name.to_str()?.strip_prefix("year=")?.parse().ok()
                })
                .collect()
        })
        .unwrap_or_default();
    years.sort_unstable();
    years.into_iter().map(|y| y.to_string()).collect()
}

/// One year of a dataset, the given columns of every file of its partition, read by polars
/// and stacked in file order. `None` when the year has no files.
fn read_year(
    warehouse: &Path,
    dataset: &str,
    year: i32,
    columns: &[&str],
) -> Result<Option<DataFrame>> {
    let mut stacked: Option<DataFrame> = None;
    for path in year_files(warehouse, dataset, year)? {
        let fail = |e: PolarsError| polars_error(warehouse, format!("{}: {e}", path.display()));
        let file = std::fs::File::open(&path)
            .map_err(|e| polars_error(warehouse, format!("{}: {e}", path.display())))?;
        let df = ParquetReader::new(file)
            .with_columns(Some(columns.iter().map(|c| c.to_string()).collect()))
            .finish()
            .map_err(fail)?;
        match &mut stacked {
            None => stacked = Some(df),
            Some(all) => {
                all.vstack_mut_owned(df).map_err(fail)?;
            }
        }
    }
    Ok(stacked)
}

/// Rows of `df` whose string column `name` equals `value` (a null is not equal).
fn equals(df: &DataFrame, name: &str, value: &str) -> PolarsResult<BooleanChunked> {
    not_null(
        df.column(name)?
            .as_materialized_series()
            .str()?
            .equal(value),
    )
}

/// A mask with its nulls (from null cells) made false, so that `|` and `&` never meet one.
fn not_null(mask: BooleanChunked) -> PolarsResult<BooleanChunked> {
    mask.fill_null_with_values(false)
}

fn strings(df: &DataFrame, name: &str) -> PolarsResult<Vec<String>> {
    Ok(df
        .column(name)?
        .as_materialized_series()
        .str()?
        .iter()
        .map(|v| v.unwrap_or("").to_string())
        .collect())
}

fn decimals(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<Decimal>>> {
    let series = df.column(name)?.as_materialized_series();
    let ca = series.decimal()?;
    let scale = ca.scale() as u32;
    Ok(ca
        .physical()
        .iter()
        .map(|v| v.map(|m| Decimal::from_i128_with_scale(m, scale)))
        .collect())
}

fn floats(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<f64>>> {
    Ok(df
        .column(name)?
        .as_materialized_series()
        .f64()?
        .iter()
        .collect())
}

/// The rows a comparison shows: the fund's rows at the level asked for (and the `total`
/// rows), in the district asked for if one was.
fn selection(df: &DataFrame, args: &CompareArgs) -> PolarsResult<BooleanChunked> {
    let total = equals(df, "code", "total")?;
    let fund = equals(df, "fund", &args.fund)?;
    let mut keep = match args.level {
        Level::Total => &fund & &total,
        level => {
            let wanted: i8 = match level {
                Level::Category => 1,
                Level::Section => 2,
                _ => 3,
            };
            let at_level = not_null(
                df.column("level")?
                    .as_materialized_series()
                    .i8()?
                    .equal(wanted),
            )?;
            &fund & &(&total | &at_level)
        }
    };
    if let Some(d) = &args.district {
        let named = &equals(df, "district", d)? | &equals(df, "district_code", d)?;
        keep = &keep & &named;
    }
    Ok(keep)
}

pub fn compare(warehouse: &Path, args: &CompareArgs) -> Result<Comparison> {
    let err = |e: PolarsError| polars_error(warehouse, e.to_string());
    let (rate_column, budget_column) = match args.basis {
        Basis::Initial => ("rate_initial", "budget_initial"),
        Basis::Final => ("rate_final", "budget_final"),
    };
    let columns = [
        "unit_id",
        "unit_name",
        "district",
        "district_code",
        "code",
        "name",
        "level",
        "fund",
        "actual",
        budget_column,
        rate_column,
        "basis",
        "source_file",
    ];
    // A year without files has no rows: the same empty comparison as a selection of none.
    let Some(df) = read_year(warehouse, "execution", args.year, &columns)? else {
        return Ok(comparison(args, Vec::new(), BTreeMap::new(), Vec::new()));
    };
    let keep = selection(&df, args).map_err(err)?;
    let df = df
        .filter(&keep)
        .and_then(|df| {
            df.sort(
                ["district_code", "unit_id", "code"],
                SortMultipleOptions::default(),
            )
        })
        .map_err(err)?;
    let (unit_id, unit_name, district, district_code, code, name, basis, source_file) = (
        strings(&df, "unit_id").map_err(err)?,
        strings(&df, "unit_name").map_err(err)?,
        strings(&df, "district").map_err(err)?,
        strings(&df, "district_code").map_err(err)?,
        strings(&df, "code").map_err(err)?,
        strings(&df, "name").map_err(err)?,
        strings(&df, "basis").map_err(err)?,
        strings(&df, "source_file").map_err(err)?,
    );
    let (actual, budget, rate) = (
        decimals(&df, "actual").map_err(err)?,
        decimals(&df, budget_column).map_err(err)?,
        floats(&df, rate_column).map_err(err)?,
    );

    let mut units: BTreeMap<(String, String), UnitLine> = BTreeMap::new();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for i in 0..df.height() {
        let line = units
            .entry((district_code[i].clone(), unit_id[i].clone()))
            .or_insert_with(|| UnitLine {
                unit_id: unit_id[i].clone(),
                unit_name: unit_name[i].clone(),
                district: district[i].clone(),
                district_code: district_code[i].clone(),
                cells: BTreeMap::new(),
                total: None,
                findings: 0,
                rejects: 0,
            });
        let budget = budget[i];
        let flag = match (budget, rate[i]) {
            (None, _) | (Some(_), None) => Some("no_budget"),
            (_, Some(r)) if r < LOW => Some("low"),
            (_, Some(r)) if r > HIGH => Some("high"),
            _ => None,
        };
        let cell = Cell {
            actual: actual[i].unwrap_or_default(),
            budget,
            rate: rate[i],
            rank: None,
            gap_to_median: None,
            flag,
            basis: basis[i].clone(),
            source_file: source_file[i].clone(),
        };
        if code[i] == "total" {
            line.total = Some(cell);
        } else {
            names
                .entry(code[i].clone())
                .or_insert_with(|| name[i].clone());
            line.cells.insert(code[i].clone(), cell);
        }
    }
    let mut units: Vec<UnitLine> = units.into_values().collect();
    if args.level == Level::Total {
        for u in &mut units {
            u.cells.clear();
        }
    }

    // Rank and gap per district and code.
    let mut codes: Vec<CodeColumn> = names
        .into_iter()
        .map(|(code, name)| CodeColumn {
            code,
            name,
            median: BTreeMap::new(),
        })
        .collect();
    let districts: Vec<String> = {
        let mut d: Vec<String> = units.iter().map(|u| u.district_code.clone()).collect();
        d.dedup();
        d
    };
    for column in &mut codes {
        for d in &districts {
            let mut cells: Vec<&mut Cell> = units
                .iter_mut()
                .filter(|u| &u.district_code == d)
                .filter_map(|u| u.cells.get_mut(&column.code))
                .collect();
            if let Some(m) = rank(&mut cells) {
                column.median.insert(d.clone(), m);
            }
        }
    }
    let mut total_median = BTreeMap::new();
    for d in &districts {
        let mut cells: Vec<&mut Cell> = units
            .iter_mut()
            .filter(|u| &u.district_code == d)
            .filter_map(|u| u.total.as_mut())
            .collect();
        if let Some(m) = rank(&mut cells) {
            total_median.insert(d.clone(), m);
        }
    }

    // Data quality: findings and rejects per unit in the year.
    for (dataset, count) in [("findings", 0usize), ("rejects", 1)] {
        let Ok(Some(df)) = read_year(warehouse, dataset, args.year, &["unit_id"]) else {
            continue;
        };
        let mut per_unit: BTreeMap<String, usize> = BTreeMap::new();
        for id in strings(&df, "unit_id").map_err(err)? {
            *per_unit.entry(id).or_default() += 1;
        }
        for (id, n) in &per_unit {
            for u in units.iter_mut().filter(|u| &u.unit_id == id) {
                if count == 0 {
                    u.findings = *n;
                } else {
                    u.rejects = *n;
                }
            }
        }
    }

    Ok(comparison(args, codes, total_median, units))
}

fn comparison(
    args: &CompareArgs,
    codes: Vec<CodeColumn>,
    total_median: BTreeMap<String, f64>,
    units: Vec<UnitLine>,
) -> Comparison {
    Comparison {
        year: args.year,
        fund: args.fund.clone(),
        level: match args.level {
            Level::Category => "category",
            Level::Section => "section",
            Level::Item => "item",
            Level::Total => "total",
        },
        basis: match args.basis {
            Basis::Initial => "initial",
            Basis::Final => "final",
        },
        basis_label: args.basis.label(),
        codes,
        total_median,
        units,
    }
}

/// Ranks cells by rate (1 = highest), sets each one's gap to the median, returns the median.
fn rank(cells: &mut [&mut Cell]) -> Option<f64> {
    let mut rates: Vec<f64> = cells.iter().filter_map(|c| c.rate).collect();
    if rates.is_empty() {
        return None;
    }
    rates.sort_by(|a, b| a.total_cmp(b));
    let n = rates.len();
    let median = if n % 2 == 1 {
        rates[n / 2]
    } else {
        (rates[n / 2 - 1] + rates[n / 2]) / 2.0
    };
    for cell in cells.iter_mut() {
        if let Some(r) = cell.rate {
            cell.rank = Some(1 + rates.iter().filter(|x| **x > r).count());
            cell.gap_to_median = Some(r - median);
        }
    }
    Some(median)
}
