//! The one integration test binary: runs the real `juesuan` binary and reads its
//! Parquet back with the parquet crate's Arrow reader (a real reader, not our writer's types).

mod build;
mod cli;
mod common;
mod compare;
mod corpus;
mod fuzz;
mod hostile;
mod identity;
mod interop;
mod pdf;
mod properties;
mod reconcile;
mod reports;
mod scale;
mod warehouse;
mod workbooks;
