//! Workspace-level database tests of tenancy, and the harness they share.
//!
//! - [`schema`]: a schema with three tenants whose row ids collide, plus the rewriter's catalog.
//! - [`corpus`]: the statements of the differential isolation test.
//! - [`differential`]: runs a statement rewritten for tenant `T` on the shared database and the
//!   original on a database holding `T` alone, and compares results and effects.
//! - [`generator`]: proptest strategies generating `SELECT`s over the schema.
//! - [`mutation`]: hostile variations of generated statements, for the fuzzer.
//! - [`rows`]: generic decoding of result rows to comparable text.
//!
//! Run with `cargo test -p tenancy-tests`; databases come from `tenancy-testing` (`DATABASE_URL`,
//! Docker, or the local server).
#![forbid(unsafe_code)]

pub mod corpus;
pub mod differential;
pub mod generator;
pub mod mutation;
pub mod rows;
pub mod schema;
