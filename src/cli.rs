//! The command line (clap derive). Each subcommand's arguments are a plain struct that the
//! library takes as is.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "juesuan",
    version,
    about = "部门决算 disclosures → exact, sourced Parquet warehouse"
)]
pub struct Cli {
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The batch: discover inputs, extract in parallel, normalise, load the warehouse.
    Run(RunArgs),
    /// Publish the shards of one sharded run (`run --shard I/N`) as one version, atomically.
    Commit(CommitArgs),
    /// Check config, catalogue and inputs without writing anything; list every problem.
    Validate(ConfigArgs),
    /// Write a deterministic synthetic corpus of workbooks.
    Synth(SynthArgs),
    /// Execution rates across 街道, read back from the warehouse with polars.
    #[cfg(feature = "compare")]
    Compare(crate::compare::CompareArgs),
    /// Print the warehouse's data dictionary: every dataset, column, type and meaning.
    Schema,
    /// Look up or check the function-classification catalogue.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// The embedded default configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Write an editable copy of the embedded defaults (juesuan.toml, units.toml, the
    /// catalogue and the divisions) into DIR; existing files are kept.
    Init {
        /// Directory to write into (created).
        dir: PathBuf,
    },
}

#[derive(Debug, Clone, Args)]
pub struct ConfigArgs {
    /// Pipeline configuration. Default: config/juesuan.toml when the current directory has
    /// one, else the embedded defaults (then --input and --output are needed).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Input directory (repeatable); replaces the configured inputs.
    #[arg(long = "input", value_name = "DIR")]
    pub inputs: Vec<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Warehouse: a directory, file://DIR, or s3://bucket/prefix (gs://, az://) configured by
    /// the store's environment variables (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, …); replaces
    /// the configured one.
    #[arg(long, value_name = "DIR|URL")]
    pub output: Option<PathBuf>,
    /// Process shard I of N (0-based): the inputs of every district whose number is I modulo
    /// N, so no partition is split. Writes its partitions without publishing them; `juesuan
    /// commit` publishes the N shards as one version.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,
    /// Extraction threads (0 = one per core); replaces the configured number.
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Rebuild everything. (This version always rebuilds; the flag is accepted so that
    /// schedules written now keep working when runs become incremental.)
    #[arg(long)]
    pub full: bool,
    /// Fail (exit 1) when the checks found errors (findings of severity `error`).
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Clone, Args)]
pub struct SynthArgs {
    /// Number of units (街道); the first ones are the listed 西城区 units.
    #[arg(long, default_value_t = 15)]
    pub units: usize,
    /// Fiscal years, comma separated.
    #[arg(long, value_delimiter = ',', default_value = "2022,2023")]
    pub years: Vec<i32>,
    /// Seed of the generator: the same seed writes the same figures.
    #[arg(long, default_value_t = 2023)]
    pub seed: u64,
    /// Output directory (created); files go to <out>/<year>/<district>/<unit>/.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Pipeline configuration (for the catalogue and the units); default as for `run`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Show a code (or the codes whose name matches) with its parents and evidence.
    Lookup {
        /// A code in any printed form (201, 201.0, 204-06-01) or a name.
        query: String,
        /// Fiscal year whose names apply.
        #[arg(long, default_value_t = 2023)]
        year: i32,
        /// Pipeline configuration; default as for `run`.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Validate the catalogue CSVs and list every problem.
    Check {
        /// Pipeline configuration; default as for `run`.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Write the function codes valid in a year, with parents, evidence and COFOG.
    Export {
        #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
        format: ExportFormat,
        #[arg(long, default_value_t = 2023)]
        year: i32,
        /// Pipeline configuration; default as for `run`.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Csv,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct CommitArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Warehouse, as for `run`.
    #[arg(long, value_name = "DIR|URL")]
    pub output: Option<PathBuf>,
}

/// `--shard I/N`: shard I (0-based) of N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("{s}: expected I/N, e.g. 0/4"))?;
        let index: usize = i
            .trim()
            .parse()
            .map_err(|_| format!("{s}: {i} is not a number"))?;
        let count: usize = n
            .trim()
            .parse()
            .map_err(|_| format!("{s}: {n} is not a number"))?;
        if count == 0 || count > 10_000 {
            return Err(format!("{s}: N must be between 1 and 10000"));
        }
        if index >= count {
            return Err(format!(
                "{s}: I counts from 0 and must be below N ({count})"
            ));
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}
