//! Online migration from schema-per-tenant to shared tables (and Citus), tenant by tenant.
//!
//! The seed's Phases 2 and 3: tenants start in one schema each (django-tenants style, see
//! [`crate::schema_mode`]) and move to shared tables keyed by the tenant column, with the
//! application serving every tenant from its current home throughout.
//!
//! 1. [`plan_migration`]: map each tenant-schema table to its shared table; list missing columns,
//!    type mismatches, missing keys ([`MigrationPlan`], printed by `--dry-run`).
//! 2. [`copy_all`]: stream rows with `COPY` in primary-key batches, each committed with its
//!    [`Checkpoint`] in the target: resumable after a crash, no row lost or duplicated.
//! 3. [`install_capture`] / [`apply_changes`]: trigger-based change capture into a change log in
//!    the source, replayed in order into the target; [`lag`] reports how far behind it is.
//! 4. [`verify_all`]: counts and order-independent checksums per tenant and table.
//! 5. [`Placement`] / [`PlacedPool`]: where each tenant lives and a pool that routes by it;
//!    [`cutover`] / [`rollback`] move one tenant with a short write pause.
//!
//! `docs/migration.md` is the runbook; `tenancy migrate schemas-to-shared` and `tenancy cutover`
//! drive these functions.
//!
//! # Example
//! ```no_run
//! use tenancy_sqlx::migration::{self, CopyOptions, SourceLayout};
//! use tenancy_sqlx::core::{Catalog, TenantId};
//!
//! # async fn run(source: sqlx::PgPool, target: sqlx::PgPool) -> Result<(), tenancy_sqlx::Error> {
//! let catalog = Catalog::builder().tenant_table("projects").tenant_table("tasks").build()?;
//! let plan = migration::plan_migration(&source, &target, &catalog, &SourceLayout::new("tenant_")).await?;
//! migration::copy_all(&plan, &source, &target, CopyOptions::default(), None).await?;
//! migration::apply_changes(&plan, &source, &target, None, 1_000).await?;
//! assert!(migration::verify_all(&plan, &source, &target, 4).await?.is_equal());
//! let report = migration::cutover(&plan, &source, &target, &TenantId::Int(7)).await?;
//! println!("tenant 7 moved; writes blocked for {:?}", report.blocked);
//! # Ok(()) }
//! ```

mod checkpoint;
mod copy;
mod cutover;
mod pipe;
mod placement;
mod plan;
mod sequences;
mod sync;
mod verify;

pub use checkpoint::{BOOKKEEPING_SCHEMA, Checkpoint, install_target};
pub use copy::{CopyOptions, Progress, TenantCopy, copy_all, copy_tenant};
pub use cutover::{CutoverReport, cutover, rollback};
pub use pipe::pipe_copy;
pub use placement::{Home, PlacedPool, PlacedTransaction, Placement, is_tenant_moved};
pub use plan::{
    Column, Difference, MigrationPlan, SourceLayout, TablePlan, TenantSchema, plan_migration,
};
pub use sync::{Lag, apply_changes, install_capture, install_source, lag, remove_capture};
pub use verify::{TableCheck, TenantCheck, VerifyReport, verify_all, verify_tenant};
