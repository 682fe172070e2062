//! The database: the catalog of tenant tables, the pool and the migrations.
//!
//! [`Pool`] and [`Transaction`] are the one seam between the two builds of this app. Normally
//! they are the SDK's `TenantPool` / `TenantTransaction`, which rewrite every statement for the
//! tenant in scope (adding their own `tenant_id = $n` guard even where the SQL already has one).
//! With the `baseline` feature (load-test comparisons only, see `docs/performance.md`) they are
//! plain sqlx (the `plain` module, compiled only with that feature): the same statements run
//! verbatim, protected only by the tenant predicates written into them.

#[cfg(feature = "baseline")]
pub mod plain;

use std::str::FromStr;
use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use tenancy_core::{Catalog, CatalogBuilder, TableName};
use tenancy_sqlx::citus::{Citus, ReadinessOptions, plan_distribution};

#[cfg(feature = "baseline")]
pub use plain::{PlainPool as Pool, PlainTransaction as Transaction};
#[cfg(not(feature = "baseline"))]
pub use tenancy_sqlx::{TenantPool as Pool, TenantTransaction as Transaction};

use crate::config::Config;

/// The bundled migrations (`migrations/`).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The table of the PostgreSQL-backed job queue: tenant data to the rewriter, but never
/// distributed on Citus (see [`distribute`]).
pub const QUEUE_TABLE: &str = "jobs";

/// The tenant table every distributed table is colocated with.
pub const TENANT_TABLE: &str = "organizations";

/// Every catalog table except the job queue.
fn distributable() -> CatalogBuilder {
    Catalog::builder()
        .tenant_table_by(TENANT_TABLE, "id")
        .reference_table("tenant_slugs")
        .reference_table("stripe_customers")
        .tenant_table("users")
        .tenant_table("memberships")
        .tenant_table("invitations")
        .tenant_table("refresh_tokens")
        .tenant_table("projects")
        .tenant_table("tasks")
        .tenant_table("comments")
        .tenant_table("billing_events")
        .tenant_table("usage_rollups")
}

/// Which tables are tenant-scoped: `organizations` is the tenant table (scoped by its own `id`),
/// the slug and Stripe customer registries are shared reference tables, everything else has
/// `tenant_id`. A table missing here is refused by the rewriter, never guessed.
/// `deploy/catalog.toml` mirrors it (`tests/catalog.rs` fails when they drift).
///
/// # Errors
/// Never in practice: the names are valid identifiers.
pub fn catalog() -> Result<Catalog, tenancy_core::Error> {
    distributable().tenant_table(QUEUE_TABLE).build()
}

/// The tables [`distribute`] spreads over a Citus cluster: the [`catalog`] without the job queue.
///
/// # Errors
/// Never in practice: the names are valid identifiers.
pub fn distributed_catalog() -> Result<Catalog, tenancy_core::Error> {
    distributable().build()
}

/// On Citus, distributes the schema: every table of [`distributed_catalog`] by tenant, colocated
/// with `organizations`, and the registries as reference tables; the job queue stays a plain
/// table on the coordinator (undistributed if an older release distributed it), where
/// `FOR UPDATE SKIP LOCKED` works. Idempotent; nothing on plain PostgreSQL. Runs after the
/// migrations (`saas-reference migrate`, or start-up with `RUN_MIGRATIONS`).
///
/// # Errors
/// A table Citus cannot distribute (the readiness report says why), database errors.
pub async fn distribute(pool: &PgPool) -> anyhow::Result<()> {
    let citus = Citus::new(pool.clone());
    if !citus.is_citus().await? {
        return Ok(());
    }
    let options = ReadinessOptions::default().tenant_table(TableName::parse(TENANT_TABLE)?);
    let plan = plan_distribution(pool, &distributed_catalog()?, &options).await?;
    let report = plan.apply(&citus).await?;
    let queue = citus
        .undistribute_table(&TableName::parse(QUEUE_TABLE)?, false)
        .await?;
    tracing::info!(%report, %queue, "schema distributed on Citus; the job queue stays on the coordinator");
    Ok(())
}

/// The database URL: `DATABASE_URL`, else the embedded default (a local server found or started).
///
/// # Errors
/// No database possible (see [`crate::embedded_db::database_url`]).
pub async fn database_url(config: &Config) -> anyhow::Result<String> {
    match &config.database_url {
        Some(url) => Ok(url.clone()),
        None => crate::embedded_db::database_url(config.embedded_pg_dir.as_ref()).await,
    }
}

/// Connects and, with `migrate`, applies the bundled migrations and [`distribute`]s.
///
/// Every connection resolves table names the way the rewriter does (`search_path = public,
/// pg_temp`, see `docs/sqlx.md`), so no other schema or temporary table can stand in for one.
///
/// # Errors
/// Connection or migration failures.
pub async fn connect(url: &str, max_connections: u32, migrate: bool) -> anyhow::Result<PgPool> {
    let options = PgConnectOptions::from_str(url)
        .map_err(|e| anyhow::anyhow!("invalid database URL: {e}"))?
        .options([("search_path", tenancy_sqlx::SEARCH_PATH)]);
    let pool = PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await
        .map_err(|e| anyhow::anyhow!("cannot connect to the database: {e}"))?;
    if migrate {
        MIGRATOR.run(&pool).await?;
        distribute(&pool).await?;
    }
    Ok(pool)
}

/// The tenant-data pool over `pool`: scoped by the SDK (or, in the baseline build, plain).
///
/// # Errors
/// Never in practice (the catalog is valid).
pub fn scoped(pool: PgPool) -> anyhow::Result<Pool> {
    #[cfg(not(feature = "baseline"))]
    return Ok(Pool::new(pool, catalog()?));
    #[cfg(feature = "baseline")]
    return Ok(Pool::new(pool));
}
