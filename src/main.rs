//! The `juesuan` binary: parse the command line, set up logging, call the library, map the
//! outcome to an exit code (0 all loaded, 1 finished with rejects, 2 fatal).

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use juesuan::cli::{CatalogCommand, Cli, Command, ConfigCommand, LogFormat};
use tracing_subscriber::EnvFilter;

/// See Cargo.toml: fewer pages kept resident and faster small allocations than glibc's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.log_format);
    let json_logs = cli.log_format == LogFormat::Json;
    let result = match cli.command {
        Command::Run(args) => juesuan::commands::run::run(&args),
        Command::Commit(args) => juesuan::commands::commit(&args),
        Command::Validate(args) => juesuan::commands::validate(&args),
        #[cfg(feature = "compare")]
        Command::Compare(args) => juesuan::compare::run(&args),
        Command::Schema => {
            juesuan::say!("{}", juesuan::load::schema::dictionary().trim_end());
            Ok(0)
        }
        Command::Synth(args) => juesuan::synth::run(&args).map(|_| 0),
        Command::Catalog(CatalogCommand::Lookup {
            query,
            year,
            config,
        }) => juesuan::commands::catalog_lookup(config.as_deref(), &query, year),
        Command::Catalog(CatalogCommand::Export {
            format,
            year,
            config,
        }) => juesuan::commands::catalog_export(config.as_deref(), format, year),
        Command::Catalog(CatalogCommand::Check { config }) => {
            juesuan::commands::catalog_check(config.as_deref())
        }
        Command::Config(ConfigCommand::Init { dir }) => juesuan::commands::config_init(&dir),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            if json_logs {
                tracing::error!(exit_code = 2, "{error}");
            } else {
                eprintln!("juesuan: {error}");
            }
            ExitCode::from(2)
        }
    }
}

fn init_tracing(format: LogFormat) {
    // juesuan's own progress at info; the libraries' (the PDF reader logs every font it
    // loads at info) only from warn, unless RUST_LOG says otherwise.
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn,juesuan=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().with_current_span(false).init(),
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal())
            .with_target(false)
            .init(),
    }
}
