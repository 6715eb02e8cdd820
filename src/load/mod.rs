//! Sinks: Parquet files ([`parquet`]) and the warehouse that holds them ([`warehouse`]:
//! partitions, staging, commit, manifest).

pub mod batch;
pub mod dataset;
pub mod parquet;
pub mod records;
pub mod schema;
pub mod sink;
pub mod store;
pub mod warehouse;
