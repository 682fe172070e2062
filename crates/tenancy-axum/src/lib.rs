//! tower and axum integration for `tenancy`: a layer that resolves the tenant of every request
//! (subdomain, header, path prefix, JWT claim) and runs the handler inside that tenant's scope.
//!
//! This crate is being built (see the project's issue tracker); today it re-exports the core types
//! so that applications can depend on it already.
//!
//! ```
//! use tenancy_axum::core::TenantId;
//! assert_eq!(TenantId::from(7_i64).to_string(), "7");
//! ```
#![forbid(unsafe_code)]

pub use tenancy_core as core;
