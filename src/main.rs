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

/// mimalloc's `mi_option_purge_delay` (not exported as a constant by libmimalloc-sys "for
/// stability": the test below holds it to the option's default).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Freed pages go back to the system after 50 ms instead of mimalloc's 1 s (see
/// Cargo.toml), unless `MIMALLOC_PURGE_DELAY` says otherwise.
fn tune_allocator() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets a plain integer option of the allocator; no memory is touched.
        unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 50) };
    }
}

fn main() -> ExitCode {
    tune_allocator();
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

#[cfg(test)]
mod tests {
    /// `PURGE_DELAY` is the purge delay: the option whose default is 1,000 ms, and which
    /// `tune_allocator` sets to 50.
    #[test]
    fn the_purge_delay_is_the_option_set() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return;
        }
        // SAFETY: reads and sets a plain integer option of the allocator.
        unsafe {
            assert_eq!(libmimalloc_sys::mi_option_get(super::PURGE_DELAY), 1000);
            super::tune_allocator();
            assert_eq!(libmimalloc_sys::mi_option_get(super::PURGE_DELAY), 50);
        }
    }
}
