//! juesuan (决算): a batch ETL that turns Chinese sub-district 部门决算 disclosures
//! (narrative reports and workbooks of standard tables) into an exact, sourced Parquet
//! warehouse.
//!
//! Data flows one way: files → records ([`model`]) → normalised records → Parquet.
//! [`pipeline::run`] is the whole batch in one readable function; each stage lives in its
//! own module: [`extract`] (sources), [`transform`] (verbs), [`load`] (sinks).

/// Prints a line to stdout. A closed pipe (`juesuan catalog lookup … | head`) is not an
/// error worth a panic: the rest of the output is simply dropped.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

pub mod cli;
pub mod commands;
#[cfg(feature = "compare")]
pub mod compare;
pub mod config;
pub mod error;
pub mod extract;
pub mod load;
pub mod model;
pub mod pipeline;
pub mod reference;
pub mod synth;
pub mod transform;

pub use error::{Error, Result};

/// The hash maps and sets of the hot paths (cells, codes, rows): foldhash, several times
/// faster than SipHash on short keys and randomly seeded per map, so keys a hostile input
/// chooses cannot be made to collide.
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub(crate) type FastSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// The version written into every manifest and Parquet footer.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
