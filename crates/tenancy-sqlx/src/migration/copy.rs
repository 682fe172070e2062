//! The bulk copy: `COPY (SELECT ...) TO STDOUT` from each tenant schema streamed into
//! `COPY <shared table> FROM STDIN` in the target, in primary-key ranges, one target transaction
//! per range together with its checkpoint.

use std::sync::Arc;

use futures_util::{StreamExt, TryStreamExt, stream};
use sqlx::{PgConnection, PgPool, Row};
use tenancy_core::catalog::quote_identifier;

use crate::error::Error;
use crate::migration::checkpoint::{self, Checkpoint};
use crate::migration::pipe::pipe_copy;
use crate::migration::plan::{MigrationPlan, TablePlan, TenantSchema, list, tenant_literal};
use crate::migration::{placement, sequences, sync};

/// How the copy runs.
///
/// # Example
/// ```
/// let options = tenancy_sqlx::migration::CopyOptions::default().batch_rows(5_000).concurrency(4);
/// assert_eq!(options.batch_rows, 5_000);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CopyOptions {
    /// Rows per batch: a crash loses at most one batch of work (never rows).
    pub batch_rows: u64,
    /// Tenants copied at once (each uses one source and one target connection).
    pub concurrency: usize,
}

impl Default for CopyOptions {
    fn default() -> Self {
        Self {
            batch_rows: 10_000,
            concurrency: 4,
        }
    }
}

impl CopyOptions {
    /// Sets the batch size (at least 1).
    #[must_use]
    pub fn batch_rows(mut self, rows: u64) -> Self {
        self.batch_rows = rows.max(1);
        self
    }

    /// Sets how many tenants are copied at once (at least 1).
    #[must_use]
    pub fn concurrency(mut self, tenants: usize) -> Self {
        self.concurrency = tenants.max(1);
        self
    }
}

/// What the copy did for one tenant.
///
/// # Example
/// ```no_run
/// # fn show(c: &tenancy_sqlx::migration::TenantCopy) {
/// println!("{}: {} rows in {} batches", c.tenant, c.rows, c.batches);
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct TenantCopy {
    /// The tenant.
    pub tenant: TenantSchema,
    /// Rows copied by this run (earlier runs' rows are not counted again).
    pub rows: u64,
    /// Batches committed by this run.
    pub batches: u64,
}

/// Called after every committed batch with the tenant and the batch's row count.
pub type Progress = Arc<dyn Fn(&TenantSchema, u64) + Send + Sync>;

/// Copies every tenant of `plan` into the shared tables, resuming from the checkpoints.
///
/// Before a tenant's copy starts, change capture is installed on its schema (see
/// [`install_capture`](crate::migration::install_capture)), so rows written during and after the
/// copy reach the target through [`apply_changes`](crate::migration::apply_changes). All tables
/// of a tenant are read from one snapshot, parents before children. At the end the target's
/// sequences are set past the largest copied ids. Every tenant gets a `schema` placement row.
///
/// # Errors
/// [`Error::MigrationBlocked`] when the plan has blockers; database errors (committed batches
/// stay; run again to resume).
///
/// # Example
/// ```no_run
/// use tenancy_sqlx::migration::{copy_all, CopyOptions, MigrationPlan};
///
/// # async fn run(plan: MigrationPlan, source: sqlx::PgPool, target: sqlx::PgPool) -> Result<(), tenancy_sqlx::Error> {
/// let copied = copy_all(&plan, &source, &target, CopyOptions::default(), None).await?;
/// println!("{} rows", copied.iter().map(|c| c.rows).sum::<u64>());
/// # Ok(()) }
/// ```
pub async fn copy_all(
    plan: &MigrationPlan,
    source: &PgPool,
    target: &PgPool,
    options: CopyOptions,
    progress: Option<Progress>,
) -> Result<Vec<TenantCopy>, Error> {
    plan.ensure_ready()?;
    checkpoint::install_target(target).await?;
    sync::install_source(source).await?;
    placement::register_tenants(target, plan.tenants.iter().map(|t| &t.tenant)).await?;
    let copied: Vec<TenantCopy> = stream::iter(plan.tenants.iter())
        .map(|tenant| copy_tenant(plan, source, target, tenant, options, progress.clone()))
        .buffer_unordered(options.concurrency)
        .try_collect()
        .await?;
    sequences::advance_all(target, plan).await?;
    Ok(copied)
}

/// Copies one tenant (all its tables), resuming from its checkpoints.
///
/// # Errors
/// Database errors.
pub async fn copy_tenant(
    plan: &MigrationPlan,
    source: &PgPool,
    target: &PgPool,
    tenant: &TenantSchema,
    options: CopyOptions,
    progress: Option<Progress>,
) -> Result<TenantCopy, Error> {
    sync::install_capture(source, plan, tenant).await?;
    let mut report = TenantCopy {
        tenant: tenant.clone(),
        rows: 0,
        batches: 0,
    };
    let mut snapshot = source.begin().await?;
    // One snapshot for all tables keeps parent and child rows consistent with each other.
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *snapshot)
        .await?;
    for table in &plan.tables {
        let mut tgt = target.acquire().await?;
        let mut state = checkpoint::load(&mut tgt, &tenant.tenant, &table.name).await?;
        drop(tgt);
        while !state.done {
            let batch =
                copy_batch(&mut snapshot, target, table, tenant, &mut state, options).await?;
            if batch > 0 {
                report.rows += batch;
                report.batches += 1;
                if let Some(progress) = &progress {
                    progress(tenant, batch);
                }
            }
        }
    }
    snapshot.commit().await?;
    Ok(report)
}

/// Copies the next batch, or marks the table done when no row is left.
async fn copy_batch(
    source: &mut PgConnection,
    target: &PgPool,
    table: &TablePlan,
    tenant: &TenantSchema,
    state: &mut Checkpoint,
    options: CopyOptions,
) -> Result<u64, Error> {
    let from = table.source_in(&tenant.schema);
    let key = table.key_list();
    let after = match &state.last_key {
        Some(last) => format!("WHERE ({key}) > ({})", table.key_literal(last)),
        None => String::new(),
    };
    let as_text = list(
        table
            .key
            .iter()
            .map(|c| format!("{}::text", quote_identifier(&c.name))),
    );
    let descending = list(
        table
            .key
            .iter()
            // Qualified: a bare name would bind to the `::text` output column and sort as text.
            .map(|c| format!("b.{} DESC", quote_identifier(&c.name))),
    );
    // The batch's last key and its size: a short batch is the table's last one in this snapshot
    // (rows written after the snapshot arrive through change capture), so it also marks the table
    // done, in the same transaction.
    let upper_sql = format!(
        "WITH b AS (SELECT {key} FROM {from} {after} ORDER BY {key} LIMIT {}) \
         SELECT {as_text}, (SELECT count(*) FROM b) FROM b ORDER BY {descending} LIMIT 1",
        options.batch_rows
    );
    let upper = sqlx::query(sqlx::AssertSqlSafe(upper_sql))
        .fetch_optional(&mut *source)
        .await?;
    let mut tx = target.begin().await?;
    let Some(upper) = upper else {
        state.done = true;
        checkpoint::save(&mut tx, &tenant.tenant, &table.name, state).await?;
        tx.commit().await?;
        return Ok(0);
    };
    let width = table.key.len();
    let in_batch: i64 = upper.try_get(width)?;
    let upper: Vec<String> = (0..width)
        .map(|i| upper.try_get::<String, _>(i))
        .collect::<Result<_, _>>()?;
    let upto = format!("({key}) <= ({})", table.key_literal(&upper));
    let filter = if after.is_empty() {
        format!("WHERE {upto}")
    } else {
        format!("{after} AND {upto}")
    };
    let copy_out = format!(
        "COPY (SELECT {}, {} FROM {from} {filter}) TO STDOUT",
        table.column_list(),
        tenant_literal(&tenant.tenant, &table.tenant_column_type),
    );
    let copy_in = format!(
        "COPY {} ({}, {}) FROM STDIN",
        table.target_sql(),
        table.column_list(),
        table.tenant_sql()
    );
    let rows = pipe_copy(source, &copy_out, &mut tx, &copy_in).await?;
    state.last_key = Some(upper);
    state.done = u64::try_from(in_batch).unwrap_or(0) < options.batch_rows;
    state.rows_copied += i64::try_from(rows).unwrap_or(i64::MAX);
    checkpoint::save(&mut tx, &tenant.tenant, &table.name, state).await?;
    tx.commit().await?;
    Ok(rows)
}
