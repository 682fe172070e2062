//! Copy checkpoints in the target: per tenant and table, the last key copied.
//!
//! A batch's rows and its checkpoint are written in one target transaction, so after a crash the
//! target holds exactly the batches whose checkpoints it holds: resuming after the recorded key
//! neither duplicates nor loses a row.

use sqlx::PgConnection;
use sqlx::PgPool;
use tenancy_core::TenantId;

use crate::error::Error;

/// The schema holding the migration's bookkeeping, in the source and in the target.
pub const BOOKKEEPING_SCHEMA: &str = "tenancy_migration";

const TARGET_DDL: &str = "
CREATE SCHEMA IF NOT EXISTS tenancy_migration;
CREATE TABLE IF NOT EXISTS tenancy_migration.copy_checkpoint (
    tenant text NOT NULL,
    table_name text NOT NULL,
    last_key text[],
    rows_copied bigint NOT NULL DEFAULT 0,
    done boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant, table_name)
);
CREATE TABLE IF NOT EXISTS tenancy_migration.applied_change (
    change_id bigint PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS tenancy_migration.placement (
    tenant text PRIMARY KEY,
    home text NOT NULL CHECK (home IN ('schema', 'shared')),
    version bigint NOT NULL DEFAULT 1,
    changed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);";

/// Creates the target's bookkeeping tables (`tenancy_migration.copy_checkpoint`,
/// `applied_change`, `placement`) if missing.
///
/// # Errors
/// Database errors.
///
/// # Example
/// ```no_run
/// # async fn run(target: sqlx::PgPool) -> Result<(), tenancy_sqlx::Error> {
/// tenancy_sqlx::migration::install_target(&target).await?;
/// # Ok(()) }
/// ```
pub async fn install_target(target: &PgPool) -> Result<(), Error> {
    let mut conn = target.acquire().await?;
    // Concurrent installers would race on CREATE ... IF NOT EXISTS; serialize them.
    sqlx::query("SELECT pg_advisory_lock(hashtext('tenancy_migration.install'))")
        .execute(&mut *conn)
        .await?;
    let result = sqlx::raw_sql(TARGET_DDL).execute(&mut *conn).await;
    sqlx::query("SELECT pg_advisory_unlock(hashtext('tenancy_migration.install'))")
        .execute(&mut *conn)
        .await?;
    result?;
    Ok(())
}

/// How far the copy of one tenant's table got.
///
/// # Example
/// ```
/// let c = tenancy_sqlx::migration::Checkpoint::default();
/// assert!(!c.done && c.last_key.is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checkpoint {
    /// The text form of the last key copied, `None` before the first batch.
    pub last_key: Option<Vec<String>>,
    /// Rows copied so far.
    pub rows_copied: i64,
    /// Whether the table is fully copied for this tenant.
    pub done: bool,
}

/// Reads the checkpoint of (`tenant`, `table`).
///
/// # Errors
/// Database errors.
pub(crate) async fn load(
    conn: &mut PgConnection,
    tenant: &TenantId,
    table: &str,
) -> Result<Checkpoint, Error> {
    let row: Option<(Option<Vec<String>>, i64, bool)> = sqlx::query_as(
        "SELECT last_key, rows_copied, done FROM tenancy_migration.copy_checkpoint
         WHERE tenant = $1 AND table_name = $2",
    )
    .bind(tenant.to_string())
    .bind(table)
    .fetch_optional(conn)
    .await?;
    Ok(row
        .map(|(last_key, rows_copied, done)| Checkpoint {
            last_key,
            rows_copied,
            done,
        })
        .unwrap_or_default())
}

/// Records a batch (inside the batch's transaction) or the end of the table.
pub(crate) async fn save(
    conn: &mut PgConnection,
    tenant: &TenantId,
    table: &str,
    checkpoint: &Checkpoint,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO tenancy_migration.copy_checkpoint (tenant, table_name, last_key, rows_copied, done)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant, table_name) DO UPDATE SET last_key = EXCLUDED.last_key,
           rows_copied = EXCLUDED.rows_copied, done = EXCLUDED.done, updated_at = clock_timestamp()",
    )
    .bind(tenant.to_string())
    .bind(table)
    .bind(&checkpoint.last_key)
    .bind(checkpoint.rows_copied)
    .bind(checkpoint.done)
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether every table of `tenant` is copied.
pub(crate) async fn tenant_copied(
    target: &PgPool,
    tenant: &TenantId,
    tables: usize,
) -> Result<bool, Error> {
    let done: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM tenancy_migration.copy_checkpoint WHERE tenant = $1 AND done",
    )
    .bind(tenant.to_string())
    .fetch_one(target)
    .await?;
    Ok(usize::try_from(done).unwrap_or(0) >= tables)
}
