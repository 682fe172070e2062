//! Live sync: change capture in the tenant schemas and in-order replay into the shared tables.
//!
//! A row trigger on every table of a tenant schema (installed before that tenant's copy starts)
//! appends each change to `tenancy_migration.change_log` in the source: the table, the operation
//! and the whole row as `jsonb`, under a `bigserial` id. [`apply_changes`] replays the log in id
//! order into the target — upsert or delete by `(tenant, key)` — then removes what it applied.
//!
//! Why the id order is safe: two changes to one row are serialized by the row lock (or the unique
//! index), so the later one takes its id after the earlier one committed; whenever the later
//! change is visible, the earlier one is too. Ids of concurrent transactions may commit out of
//! order, so the applier never trusts a high-water mark: it deletes applied changes from the log
//! and, for the crash between the target commit and that delete, records applied ids in
//! `tenancy_migration.applied_change` in the same target transaction as the rows.
//!
//! The same trigger is the write fence of a cut-over tenant: once `tenancy_migration.fence`
//! names its schema, every write there fails with SQLSTATE `TN001` (see
//! [`is_tenant_moved`](crate::migration::is_tenant_moved)).

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use sqlx::{PgConnection, PgPool, Row};
use tenancy_core::catalog::quote_identifier;

use crate::error::Error;
use crate::migration::plan::{MigrationPlan, TablePlan, TenantSchema, list, string_literal};

const SOURCE_DDL: &str = r"
CREATE SCHEMA IF NOT EXISTS tenancy_migration;
CREATE TABLE IF NOT EXISTS tenancy_migration.change_log (
    id bigserial PRIMARY KEY,
    schema_name text NOT NULL,
    table_name text NOT NULL,
    op char(1) NOT NULL CHECK (op IN ('U', 'D')),
    row_data jsonb NOT NULL,
    captured_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX IF NOT EXISTS change_log_schema_id ON tenancy_migration.change_log (schema_name, id);
CREATE TABLE IF NOT EXISTS tenancy_migration.fence (
    schema_name text PRIMARY KEY,
    state text NOT NULL,
    since timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE OR REPLACE FUNCTION tenancy_migration.capture() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    k text;
    fenced text;
BEGIN
    -- The migration tool itself (rollback) writes with this setting; nothing to capture.
    IF current_setting('tenancy.migration_writer', true) = 'on' THEN
        RETURN NULL;
    END IF;
    SELECT state INTO fenced FROM tenancy_migration.fence WHERE schema_name = TG_TABLE_SCHEMA;
    IF fenced IS NOT NULL THEN
        RAISE EXCEPTION 'tenant schema % is %: it now lives in the shared tables; refresh the placement and retry', TG_TABLE_SCHEMA, fenced
            USING ERRCODE = 'TN001';
    END IF;
    IF TG_OP = 'DELETE' THEN
        INSERT INTO tenancy_migration.change_log (schema_name, table_name, op, row_data)
        VALUES (TG_TABLE_SCHEMA, TG_TABLE_NAME, 'D', to_jsonb(OLD));
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        FOREACH k IN ARRAY TG_ARGV LOOP
            IF to_jsonb(OLD) -> k IS DISTINCT FROM to_jsonb(NEW) -> k THEN
                INSERT INTO tenancy_migration.change_log (schema_name, table_name, op, row_data)
                VALUES (TG_TABLE_SCHEMA, TG_TABLE_NAME, 'D', to_jsonb(OLD));
                EXIT;
            END IF;
        END LOOP;
    END IF;
    INSERT INTO tenancy_migration.change_log (schema_name, table_name, op, row_data)
    VALUES (TG_TABLE_SCHEMA, TG_TABLE_NAME, 'U', to_jsonb(NEW));
    RETURN NULL;
END
$fn$;
CREATE OR REPLACE FUNCTION tenancy_migration.refuse_truncate() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    IF current_setting('tenancy.migration_writer', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'TRUNCATE of %.% is not captured by the running migration; delete rows instead', TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'TN002';
END
$fn$;";

/// Creates the source's bookkeeping (change log, fence table, trigger functions) if missing.
///
/// # Errors
/// Database errors.
///
/// # Example
/// ```no_run
/// # async fn run(source: sqlx::PgPool) -> Result<(), tenancy_sqlx::Error> {
/// tenancy_sqlx::migration::install_source(&source).await?;
/// # Ok(()) }
/// ```
pub async fn install_source(source: &PgPool) -> Result<(), Error> {
    let mut conn = source.acquire().await?;
    sqlx::query("SELECT pg_advisory_lock(hashtext('tenancy_migration.install'))")
        .execute(&mut *conn)
        .await?;
    let result = sqlx::raw_sql(SOURCE_DDL).execute(&mut *conn).await;
    sqlx::query("SELECT pg_advisory_unlock(hashtext('tenancy_migration.install'))")
        .execute(&mut *conn)
        .await?;
    result?;
    Ok(())
}

/// Installs (or replaces) the capture triggers on every table of one tenant schema.
///
/// # Errors
/// Database errors.
///
/// # Example
/// ```no_run
/// # async fn run(plan: tenancy_sqlx::migration::MigrationPlan, source: sqlx::PgPool) -> Result<(), tenancy_sqlx::Error> {
/// tenancy_sqlx::migration::install_source(&source).await?;
/// for tenant in &plan.tenants {
///     tenancy_sqlx::migration::install_capture(&source, &plan, tenant).await?;
/// }
/// # Ok(()) }
/// ```
pub async fn install_capture(
    source: &PgPool,
    plan: &MigrationPlan,
    tenant: &TenantSchema,
) -> Result<(), Error> {
    let mut ddl = String::new();
    for table in &plan.tables {
        let from = table.source_in(&tenant.schema);
        let keys = list(table.key.iter().map(|c| string_literal(&c.name)));
        ddl.push_str(&format!(
            "CREATE OR REPLACE TRIGGER tenancy_capture AFTER INSERT OR UPDATE OR DELETE ON {from} \
             FOR EACH ROW EXECUTE FUNCTION tenancy_migration.capture({keys});\n\
             CREATE OR REPLACE TRIGGER tenancy_no_truncate BEFORE TRUNCATE ON {from} \
             FOR EACH STATEMENT EXECUTE FUNCTION tenancy_migration.refuse_truncate();\n"
        ));
    }
    let mut tx = source.begin().await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(ddl))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Removes the capture triggers from one tenant schema (after the migration is finished).
///
/// # Errors
/// Database errors.
pub async fn remove_capture(
    source: &PgPool,
    plan: &MigrationPlan,
    tenant: &TenantSchema,
) -> Result<(), Error> {
    let mut ddl = String::new();
    for table in &plan.tables {
        let from = table.source_in(&tenant.schema);
        ddl.push_str(&format!(
            "DROP TRIGGER IF EXISTS tenancy_capture ON {from};\n\
             DROP TRIGGER IF EXISTS tenancy_no_truncate ON {from};\n"
        ));
    }
    sqlx::raw_sql(sqlx::AssertSqlSafe(ddl))
        .execute(source)
        .await?;
    Ok(())
}

/// How far the target is behind the source.
///
/// # Example
/// ```
/// let lag = tenancy_sqlx::migration::Lag::default();
/// assert_eq!(lag.to_string(), "0 unapplied changes");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Lag {
    /// Changes captured and not yet applied.
    pub pending: u64,
    /// Age of the oldest unapplied change.
    pub oldest: Option<Duration>,
}

impl std::fmt::Display for Lag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} unapplied changes", self.pending)?;
        if let Some(oldest) = self.oldest {
            write!(f, ", oldest {:.3}s old", oldest.as_secs_f64())?;
        }
        Ok(())
    }
}

/// The sync lag, for one tenant or all of them.
///
/// # Errors
/// Database errors.
///
/// # Example
/// ```no_run
/// # async fn run(source: sqlx::PgPool) -> Result<(), tenancy_sqlx::Error> {
/// println!("{}", tenancy_sqlx::migration::lag(&source, None).await?);
/// # Ok(()) }
/// ```
pub async fn lag(source: &PgPool, tenant: Option<&TenantSchema>) -> Result<Lag, Error> {
    let (pending, age): (i64, Option<f64>) = sqlx::query_as(
        "SELECT count(*), extract(epoch FROM clock_timestamp() - min(captured_at))::float8
         FROM tenancy_migration.change_log WHERE $1::text IS NULL OR schema_name = $1",
    )
    .bind(tenant.map(|t| t.schema.to_string()))
    .fetch_one(source)
    .await?;
    Ok(Lag {
        pending: u64::try_from(pending).unwrap_or(0),
        oldest: age.map(|s| Duration::from_secs_f64(s.max(0.0))),
    })
}

/// One captured change.
struct Change {
    id: i64,
    schema: String,
    table: String,
    op: String,
    row: sqlx::types::JsonValue,
}

/// Applies captured changes in order (for `tenant`, or for every tenant whose copy is complete),
/// `batch` changes per target transaction, until every change logged when the call started is
/// applied. Returns how many changes were applied.
///
/// The bound makes the call finish under any write load; call it in a loop to follow the
/// source, and once more inside a write block to drain it (see [`cutover`](crate::migration::cutover)).
///
/// Tenants still being copied are skipped: their changes wait until the copy ends, because an
/// upsert into a range not yet copied would collide with the copy.
///
/// # Errors
/// Database errors (applied batches stay applied; run again to continue).
///
/// # Example
/// ```no_run
/// # async fn run(plan: tenancy_sqlx::migration::MigrationPlan, source: sqlx::PgPool, target: sqlx::PgPool) -> Result<(), tenancy_sqlx::Error> {
/// let applied = tenancy_sqlx::migration::apply_changes(&plan, &source, &target, None, 500).await?;
/// println!("applied {applied} changes");
/// # Ok(()) }
/// ```
pub async fn apply_changes(
    plan: &MigrationPlan,
    source: &PgPool,
    target: &PgPool,
    tenant: Option<&TenantSchema>,
    batch: i64,
) -> Result<u64, Error> {
    let mut ready = Vec::new();
    for t in &plan.tenants {
        if tenant.is_none_or(|only| only == t)
            && super::checkpoint::tenant_copied(target, &t.tenant, plan.tables.len()).await?
        {
            ready.push(t.schema.to_string());
        }
    }
    let head: Option<i64> = sqlx::query_scalar("SELECT max(id) FROM tenancy_migration.change_log")
        .fetch_one(source)
        .await?;
    let Some(head) = head else { return Ok(0) };
    let mut total = 0;
    loop {
        let applied = apply_batch(plan, source, target, &ready, head, batch).await?;
        if applied == 0 {
            return Ok(total);
        }
        total += applied;
    }
}

async fn apply_batch(
    plan: &MigrationPlan,
    source: &PgPool,
    target: &PgPool,
    schemas: &[String],
    head: i64,
    batch: i64,
) -> Result<u64, Error> {
    let rows = sqlx::query(
        "SELECT id, schema_name, table_name, op::text, row_data FROM tenancy_migration.change_log
         WHERE schema_name = ANY($1) AND id <= $2 ORDER BY id LIMIT $3",
    )
    .bind(schemas)
    .bind(head)
    .bind(batch)
    .fetch_all(source)
    .await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let changes: Vec<Change> = rows
        .iter()
        .map(|r| {
            Ok(Change {
                id: r.try_get(0)?,
                schema: r.try_get(1)?,
                table: r.try_get(2)?,
                op: r.try_get(3)?,
                row: r.try_get(4)?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    let ids: Vec<i64> = changes.iter().map(|c| c.id).collect();
    let tenants: BTreeMap<&str, &TenantSchema> = plan
        .tenants
        .iter()
        .map(|t| (t.schema.as_str(), t))
        .collect();
    let mut tx = target.begin().await?;
    let done: HashSet<i64> = sqlx::query_scalar(
        "SELECT change_id FROM tenancy_migration.applied_change WHERE change_id = ANY($1)",
    )
    .bind(&ids)
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .collect();
    for change in changes.iter().filter(|c| !done.contains(&c.id)) {
        let (Some(tenant), Some(table)) = (
            tenants.get(change.schema.as_str()),
            plan.tables.iter().find(|t| t.name == change.table),
        ) else {
            // A table outside the plan (added after planning) cannot be placed; keep it logged.
            return Err(Error::MigrationState {
                operation: format!(
                    "apply change {} to {}.{}",
                    change.id, change.schema, change.table
                ),
                reason: "the table is not in the migration plan; re-plan and run again".into(),
            });
        };
        apply_one(&mut tx, table, tenant, change).await?;
    }
    sqlx::query("INSERT INTO tenancy_migration.applied_change SELECT unnest($1::bigint[]) ON CONFLICT DO NOTHING")
        .bind(&ids)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    sqlx::query("DELETE FROM tenancy_migration.change_log WHERE id = ANY($1)")
        .bind(&ids)
        .execute(source)
        .await?;
    sqlx::query("DELETE FROM tenancy_migration.applied_change WHERE change_id = ANY($1)")
        .bind(&ids)
        .execute(target)
        .await?;
    Ok(u64::try_from(ids.len()).unwrap_or(0))
}

async fn apply_one(
    conn: &mut PgConnection,
    table: &TablePlan,
    tenant: &TenantSchema,
    change: &Change,
) -> Result<(), Error> {
    let target = table.target_sql();
    let tc = table.tenant_sql();
    let tenant_value = format!("$2::text::{}", table.tenant_column_type);
    let sql = if change.op == "D" {
        let matches: Vec<String> = table
            .key
            .iter()
            .map(|c| format!("t.{0} = r.{0}", quote_identifier(&c.name)))
            .collect();
        format!(
            "DELETE FROM {target} t USING jsonb_populate_record(NULL::{target}, $1) r \
             WHERE t.{tc} = {tenant_value} AND {}",
            matches.join(" AND ")
        )
    } else {
        let cols = table.column_list();
        let sets = list(
            table
                .columns
                .iter()
                .filter(|c| !table.key.contains(c))
                .map(|c| format!("{0} = EXCLUDED.{0}", quote_identifier(&c.name))),
        );
        let action = if sets.is_empty() {
            "DO NOTHING".to_owned()
        } else {
            format!("DO UPDATE SET {sets}")
        };
        format!(
            "INSERT INTO {target} ({cols}, {tc}) SELECT {cols}, {tenant_value} \
             FROM jsonb_populate_record(NULL::{target}, $1) \
             ON CONFLICT ({tc}, {}) {action}",
            table.key_list()
        )
    };
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&change.row)
        .bind(tenant.tenant.to_string())
        .execute(conn)
        .await?;
    Ok(())
}
