//! sqlx integration for `tenancy`: scoped pools, connections and transactions that rewrite every
//! statement for the current tenant, row-level security as a second wall, schema-per-tenant mode,
//! and Citus distribution helpers.
//!
//! This crate is being built (see the project's issue tracker); today it re-exports the core types
//! so that applications can depend on it already.
//!
//! ```
//! use tenancy_sqlx::core::Catalog;
//! let catalog = Catalog::builder().tenant_table("tasks").build()?;
//! assert_eq!(catalog.len(), 1);
//! # Ok::<(), tenancy_sqlx::core::Error>(())
//! ```
#![forbid(unsafe_code)]

pub use tenancy_core as core;
