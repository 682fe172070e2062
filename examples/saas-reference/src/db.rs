//! The database: the catalog of tenant tables, the pool and the migrations.

use std::time::Duration;

use sqlx::postgres::PgPoolOptions;
use tenancy_core::Catalog;
use tenancy_sqlx::TenantPool;

/// The bundled migrations (`migrations/`).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Which tables are tenant-scoped: `organizations` is the tenant table (scoped by its own `id`),
/// the slug and Stripe customer registries are shared reference tables, everything else has
/// `tenant_id`. A table missing here is refused by the rewriter, never guessed.
///
/// # Errors
/// Never in practice: the names are valid identifiers.
pub fn catalog() -> Result<Catalog, tenancy_core::Error> {
    Catalog::builder()
        .tenant_table_by("organizations", "id")
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
        .tenant_table("jobs")
        .build()
}

/// Connects, optionally migrates, and wraps the pool in a [`TenantPool`].
///
/// # Errors
/// Connection or migration failures.
pub async fn connect(url: &str, max_connections: u32, migrate: bool) -> anyhow::Result<TenantPool> {
    let pool = PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect(url)
        .await
        .map_err(|e| anyhow::anyhow!("cannot connect to the database: {e}"))?;
    if migrate {
        MIGRATOR.run(&pool).await?;
    }
    Ok(TenantPool::new(pool, catalog()?))
}
