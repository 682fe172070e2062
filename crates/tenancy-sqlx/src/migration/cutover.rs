//! Per-tenant cutover (blue-green, one tenant at a time) and its rollback.
//!
//! Cutover to the shared tables:
//! 1. catch up: apply the tenant's captured changes while it still serves writes;
//! 2. block: in a source transaction, `LOCK TABLE` the tenant's tables `IN EXCLUSIVE MODE`
//!    (reads go on; in-flight writers finish first; new writers wait) and write the fence row;
//! 3. drain the remaining changes, verify counts and checksums, move the target sequences past
//!    the tenant's ids;
//! 4. commit the source transaction (the fence becomes visible: the waiting writers now fail
//!    with `TN001` and retry in the new home), then flip the placement to `shared`.
//!
//! The order fails closed: a crash after step 4's commit leaves the tenant fenced and still
//! placed in its schema, so writes fail loudly until the cutover is run again (it is idempotent),
//! never land in the abandoned home. The write-blocked time is measured from the lock to the
//! placement flip.
//!
//! Rollback reverses it: lock the placement row `FOR UPDATE` (waits for and blocks
//! [`PlacedPool`](crate::migration::PlacedPool) transactions in the shared home), rewrite the
//! tenant's schema from the shared tables, verify, lift the fence, flip the placement back.

use std::time::{Duration, Instant};

use sqlx::{PgConnection, PgPool};
use tenancy_core::TenantId;

use crate::error::Error;
use crate::migration::pipe::pipe_copy;
use crate::migration::placement::{self, Home};
use crate::migration::plan::{MigrationPlan, TenantSchema, list, tenant_literal};
use crate::migration::verify::{TenantCheck, verify_tenant};
use crate::migration::{checkpoint, sequences, sync};

/// How long a cutover may wait for the tenant's in-flight writers before giving up.
const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(5);

/// What a cutover or rollback did.
///
/// # Example
/// ```no_run
/// # fn show(r: &tenancy_sqlx::migration::CutoverReport) {
/// println!("{}: now {}, writes blocked {:?}", r.tenant, r.home, r.blocked);
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct CutoverReport {
    /// The tenant.
    pub tenant: TenantSchema,
    /// Its home now.
    pub home: Home,
    /// False when the tenant already lived there (nothing was done).
    pub changed: bool,
    /// How long the tenant's writes were blocked.
    pub blocked: Duration,
    /// Changes applied while blocked (the drain).
    pub drained: u64,
    /// Changes applied before blocking (the catch-up).
    pub caught_up: u64,
    /// The placement version after the switch.
    pub version: i64,
    /// The verification done while blocked.
    pub check: Option<TenantCheck>,
}

fn state_error(tenant: &TenantSchema, reason: impl Into<String>) -> Error {
    Error::MigrationState {
        operation: format!("cut over {tenant}"),
        reason: reason.into(),
    }
}

fn find<'p>(plan: &'p MigrationPlan, tenant: &TenantId) -> Result<&'p TenantSchema, Error> {
    plan.tenant(tenant).ok_or_else(|| Error::MigrationState {
        operation: format!("cut over tenant {tenant}"),
        reason: "no tenant schema for it in the plan; check the id and the schema prefix".into(),
    })
}

async fn lock_tables(
    conn: &mut PgConnection,
    plan: &MigrationPlan,
    tenant: &TenantSchema,
) -> Result<(), Error> {
    let tables = list(plan.tables.iter().map(|t| t.source_in(&tenant.schema)));
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SET LOCAL lock_timeout = '{}ms'",
        DEFAULT_LOCK_TIMEOUT.as_millis()
    )))
    .execute(&mut *conn)
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "LOCK TABLE {tables} IN EXCLUSIVE MODE"
    )))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Moves one tenant from its schema to the shared tables (see the module docs for the steps).
///
/// # Errors
/// [`Error::MigrationState`] when the tenant's copy is not finished; [`Error::VerifyFailed`]
/// when the two sides differ while blocked (nothing is switched, writes resume); database
/// errors (a lock timeout means long-running writers: retry).
///
/// # Example
/// ```no_run
/// use tenancy_sqlx::core::TenantId;
///
/// # async fn run(plan: tenancy_sqlx::migration::MigrationPlan, source: sqlx::PgPool, target: sqlx::PgPool) -> Result<(), tenancy_sqlx::Error> {
/// let report = tenancy_sqlx::migration::cutover(&plan, &source, &target, &TenantId::Int(7)).await?;
/// assert!(report.blocked.as_secs_f64() < 1.0);
/// # Ok(()) }
/// ```
pub async fn cutover(
    plan: &MigrationPlan,
    source: &PgPool,
    target: &PgPool,
    tenant: &TenantId,
) -> Result<CutoverReport, Error> {
    let tenant = find(plan, tenant)?;
    if !checkpoint::tenant_copied(target, &tenant.tenant, plan.tables.len()).await? {
        return Err(state_error(
            tenant,
            "its copy is not finished; run `tenancy migrate schemas-to-shared` first",
        ));
    }
    let mut report = CutoverReport {
        tenant: tenant.clone(),
        home: Home::Shared,
        changed: false,
        blocked: Duration::ZERO,
        drained: 0,
        caught_up: 0,
        version: 0,
        check: None,
    };
    {
        let mut conn = target.acquire().await?;
        if placement::lock_home(&mut conn, &tenant.tenant).await? == Home::Shared {
            return Ok(report);
        }
    }
    report.caught_up = sync::apply_changes(plan, source, target, Some(tenant), 1_000).await?;

    let mut fence = source.begin().await?;
    lock_tables(&mut fence, plan, tenant).await?;
    let blocked_at = Instant::now();
    sqlx::query(
        "INSERT INTO tenancy_migration.fence (schema_name, state) VALUES ($1, 'moved')
         ON CONFLICT (schema_name) DO UPDATE SET state = 'moved', since = clock_timestamp()",
    )
    .bind(tenant.schema.as_str())
    .execute(&mut *fence)
    .await?;
    report.drained = sync::apply_changes(plan, source, target, Some(tenant), 1_000).await?;
    let mut tgt = target.acquire().await?;
    let check = verify_tenant(plan, &mut fence, &mut tgt, tenant).await?;
    if !check.is_equal() {
        // Dropping the transaction rolls the fence back: the tenant keeps serving from its schema.
        drop(fence);
        return Err(Error::VerifyFailed {
            tenant: tenant.tenant.to_string(),
            report: check.to_string(),
        });
    }
    for table in &plan.tables {
        sequences::advance(&mut tgt, &table.target_sql(), table).await?;
    }
    fence.commit().await?;
    report.version = placement::set_home(&mut tgt, &tenant.tenant, Home::Shared)
        .await
        .map_err(|e| {
            state_error(
                tenant,
                format!(
                    "the schema is fenced but the placement flip failed ({e}); run the cutover \
                     again to finish"
                ),
            )
        })?;
    report.blocked = blocked_at.elapsed();
    report.changed = true;
    report.check = Some(check);
    Ok(report)
}

/// Moves one tenant back from the shared tables to its schema (see the module docs).
///
/// # Errors
/// [`Error::VerifyFailed`] when the rewritten schema differs from the shared rows (nothing is
/// switched); database errors.
///
/// # Example
/// ```no_run
/// use tenancy_sqlx::core::TenantId;
///
/// # async fn run(plan: tenancy_sqlx::migration::MigrationPlan, source: sqlx::PgPool, target: sqlx::PgPool) -> Result<(), tenancy_sqlx::Error> {
/// let report = tenancy_sqlx::migration::rollback(&plan, &source, &target, &TenantId::Int(7)).await?;
/// println!("tenant 7 back in its schema after a {:?} pause", report.blocked);
/// # Ok(()) }
/// ```
pub async fn rollback(
    plan: &MigrationPlan,
    source: &PgPool,
    target: &PgPool,
    tenant: &TenantId,
) -> Result<CutoverReport, Error> {
    let tenant = find(plan, tenant)?;
    let mut report = CutoverReport {
        tenant: tenant.clone(),
        home: Home::Schema,
        changed: false,
        blocked: Duration::ZERO,
        drained: 0,
        caught_up: 0,
        version: 0,
        check: None,
    };
    let mut placed = target.begin().await?;
    if placement::lock_home(&mut placed, &tenant.tenant).await? == Home::Schema {
        return Ok(report);
    }
    let blocked_at = Instant::now();
    let mut schema = source.begin().await?;
    // The capture trigger lets this transaction write (and does not log it: the rows come from
    // the target).
    sqlx::query("SELECT set_config('tenancy.migration_writer', 'on', true)")
        .execute(&mut *schema)
        .await?;
    let tables = list(plan.tables.iter().map(|t| t.source_in(&tenant.schema)));
    sqlx::query(sqlx::AssertSqlSafe(format!("TRUNCATE {tables}")))
        .execute(&mut *schema)
        .await?;
    for table in &plan.tables {
        let out = format!(
            "COPY (SELECT {} FROM {} WHERE {} = {}) TO STDOUT",
            table.column_list(),
            table.target_sql(),
            table.tenant_sql(),
            tenant_literal(&tenant.tenant, &table.tenant_column_type)
        );
        let into = format!(
            "COPY {} ({}) FROM STDIN",
            table.source_in(&tenant.schema),
            table.column_list()
        );
        pipe_copy(&mut placed, &out, &mut schema, &into).await?;
        sequences::advance(&mut schema, &table.source_in(&tenant.schema), table).await?;
    }
    sqlx::query("DELETE FROM tenancy_migration.fence WHERE schema_name = $1")
        .bind(tenant.schema.as_str())
        .execute(&mut *schema)
        .await?;
    let check = verify_tenant(plan, &mut schema, &mut placed, tenant).await?;
    if !check.is_equal() {
        return Err(Error::VerifyFailed {
            tenant: tenant.tenant.to_string(),
            report: check.to_string(),
        });
    }
    // Placement first: if the source commit then fails, the schema stays fenced (fail closed).
    report.version = placement::set_home(&mut placed, &tenant.tenant, Home::Schema).await?;
    placed.commit().await?;
    schema.commit().await?;
    report.blocked = blocked_at.elapsed();
    report.changed = true;
    report.check = Some(check);
    Ok(report)
}
