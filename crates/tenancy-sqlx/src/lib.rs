//! sqlx integration for `tenancy`: a pool and transactions through which every statement is
//! scoped to the current tenant, and row-level security as a second wall behind the rewriter.
//!
//! - [`TenantPool`]: wraps a `PgPool`; `&TenantPool` is a sqlx `Executor`, so `query`,
//!   `query_as`, `query_scalar`, the `query!` family and raw strings run rewritten, with the
//!   tenant bound as their last parameter. No tenant in scope: nothing is sent. Inside
//!   [`core::unscoped`] (audited), statements run as written.
//! - [`TenantTransaction`]: a transaction fixed to one tenant; with row-level security it sets
//!   `tenancy.tenant_id` transaction-locally.
//! - [`SEARCH_PATH`]: the name resolution the rewriter assumes, set on every connection of a pool
//!   built by [`TenantPool::connect`] and checked by [`TenantPool::check`].
//! - [`rls`]: DDL for `ENABLE` + `FORCE ROW LEVEL SECURITY` and the isolation policy, and
//!   [`rls::verify_rls`], which reports every tenant table the database does not wall off.
//! - [`introspect`]: build a catalog from a live database.
//! - [`citus`]: idempotent Citus helpers (no-ops on plain PostgreSQL) and a readiness checker
//!   that lists what blocks distribution by tenant, with the SQL that fixes it.
//! - [`schema_mode`]: schema-per-tenant (django-tenants style): `SET LOCAL search_path` per
//!   transaction, create / clone / rename / drop tenant schemas, migrations across all of them.
//!
//! ```no_run
//! use tenancy_sqlx::{core::{context, Catalog, TenantId}, TenantPool};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let catalog = Catalog::builder().tenant_table("tasks").build()?;
//! let db = TenantPool::connect("postgres://postgres@127.0.0.1:5432/app", catalog).await?;
//! let open: i64 = context::scope(TenantId::Int(7), async {
//!     sqlx::query_scalar("SELECT count(*) FROM tasks WHERE NOT done").fetch_one(&db).await
//! })
//! .await?;
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

mod bind;
pub mod citus;
mod error;
pub mod introspect;
pub mod migration;
mod mismatch;
mod pool;
pub mod rls;
mod route;
pub mod schema_mode;
mod scoped_query;
mod search_path;
mod transaction;

pub use bind::TenantBind;
pub use error::{Error, Result};
pub use pool::TenantPool;
pub use search_path::SEARCH_PATH;
pub use tenancy_core as core;
pub use transaction::{TENANT_SETTING, TenantTransaction};
