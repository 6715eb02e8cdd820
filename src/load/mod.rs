//! Sinks: Parquet files ([`parquet`]) and the warehouse that holds them ([`warehouse`]:
//! partitions, staging, commit, manifest).

pub mod parquet;
pub mod warehouse;
