//! Verification: per tenant and table, the row count and an order-independent checksum on both
//! sides.
//!
//! The checksum is `sum(hashtextextended(ROW(<copied columns>)::text, 0))` as `numeric` (no
//! overflow): the row's text form is canonical for equal types (the plan refuses type
//! mismatches), the sum does not depend on row order, and with the count it catches lost,
//! duplicated and altered rows.

use std::fmt;

use futures_util::{StreamExt, TryStreamExt, stream};
use sqlx::{PgConnection, PgPool};

use crate::error::Error;
use crate::migration::plan::{MigrationPlan, TablePlan, TenantSchema, tenant_literal};

/// Both sides of one tenant's table.
///
/// # Example
/// ```
/// use tenancy_sqlx::migration::TableCheck;
/// let c = TableCheck { table: "tasks".into(), source_rows: 3, target_rows: 3,
///                      source_sum: "17".into(), target_sum: "17".into() };
/// assert!(c.is_equal());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCheck {
    /// The table.
    pub table: String,
    /// Rows in the tenant schema.
    pub source_rows: i64,
    /// The tenant's rows in the shared table.
    pub target_rows: i64,
    /// The source checksum.
    pub source_sum: String,
    /// The target checksum.
    pub target_sum: String,
}

impl TableCheck {
    /// Whether counts and checksums agree.
    #[must_use]
    pub fn is_equal(&self) -> bool {
        self.source_rows == self.target_rows && self.source_sum == self.target_sum
    }
}

/// All tables of one tenant.
///
/// # Example
/// ```no_run
/// # fn show(c: &tenancy_sqlx::migration::TenantCheck) {
/// if !c.is_equal() { eprintln!("{c}"); }
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct TenantCheck {
    /// The tenant.
    pub tenant: TenantSchema,
    /// Its tables.
    pub tables: Vec<TableCheck>,
}

impl TenantCheck {
    /// Whether every table agrees.
    #[must_use]
    pub fn is_equal(&self) -> bool {
        self.tables.iter().all(TableCheck::is_equal)
    }
}

impl fmt::Display for TenantCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for t in &self.tables {
            let verdict = if t.is_equal() { "ok" } else { "DIFFERS" };
            writeln!(
                f,
                "{} {}: {} source rows, {} target rows, checksum {} / {} {verdict}",
                self.tenant, t.table, t.source_rows, t.target_rows, t.source_sum, t.target_sum
            )?;
        }
        Ok(())
    }
}

/// The verification of many tenants; `Display` lists the differing tables and a summary.
///
/// # Example
/// ```
/// let report = tenancy_sqlx::migration::VerifyReport { tenants: vec![] };
/// assert!(report.is_equal());
/// assert_eq!(report.to_string(), "0 tenants verified, 0 tables checked, 0 differ\n");
/// ```
#[derive(Debug, Clone)]
pub struct VerifyReport {
    /// One entry per tenant.
    pub tenants: Vec<TenantCheck>,
}

impl VerifyReport {
    /// Whether every tenant agrees.
    #[must_use]
    pub fn is_equal(&self) -> bool {
        self.tenants.iter().all(TenantCheck::is_equal)
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut tables = 0;
        let mut differ = 0;
        for tenant in &self.tenants {
            for t in &tenant.tables {
                tables += 1;
                if !t.is_equal() {
                    differ += 1;
                    writeln!(
                        f,
                        "DIFFERS {} {}: {} source rows, {} target rows, checksum {} / {}",
                        tenant.tenant,
                        t.table,
                        t.source_rows,
                        t.target_rows,
                        t.source_sum,
                        t.target_sum
                    )?;
                }
            }
        }
        writeln!(
            f,
            "{} tenants verified, {tables} tables checked, {differ} differ",
            self.tenants.len()
        )
    }
}

async fn checksum(
    conn: &mut PgConnection,
    from: &str,
    table: &TablePlan,
) -> Result<(i64, String), Error> {
    let sql = format!(
        "SELECT count(*), coalesce(sum(hashtextextended(ROW({})::text, 0)::numeric), 0)::text FROM {from}",
        table.column_list()
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_one(conn)
        .await?)
}

/// Verifies one tenant on the given connections (they may be inside transactions, as during a
/// cutover, so both sides are read from stable states).
///
/// # Errors
/// Database errors.
///
/// # Example
/// ```no_run
/// # async fn run(plan: tenancy_sqlx::migration::MigrationPlan, source: sqlx::PgPool, target: sqlx::PgPool) -> Result<(), tenancy_sqlx::Error> {
/// let (mut s, mut t) = (source.acquire().await?, target.acquire().await?);
/// let check = tenancy_sqlx::migration::verify_tenant(&plan, &mut s, &mut t, &plan.tenants[0]).await?;
/// assert!(check.is_equal(), "{check}");
/// # Ok(()) }
/// ```
pub async fn verify_tenant(
    plan: &MigrationPlan,
    source: &mut PgConnection,
    target: &mut PgConnection,
    tenant: &TenantSchema,
) -> Result<TenantCheck, Error> {
    let mut tables = Vec::with_capacity(plan.tables.len());
    for table in &plan.tables {
        let (source_rows, source_sum) =
            checksum(source, &table.source_in(&tenant.schema), table).await?;
        let filtered = format!(
            "{} WHERE {} = {}",
            table.target_sql(),
            table.tenant_sql(),
            tenant_literal(&tenant.tenant, &table.tenant_column_type)
        );
        let (target_rows, target_sum) = checksum(target, &filtered, table).await?;
        tables.push(TableCheck {
            table: table.name.clone(),
            source_rows,
            target_rows,
            source_sum,
            target_sum,
        });
    }
    Ok(TenantCheck {
        tenant: tenant.clone(),
        tables,
    })
}

/// Verifies every tenant of the plan, `concurrency` tenants at a time.
///
/// # Errors
/// Database errors (differences are reported, not errors).
///
/// # Example
/// ```no_run
/// # async fn run(plan: tenancy_sqlx::migration::MigrationPlan, source: sqlx::PgPool, target: sqlx::PgPool) -> Result<(), tenancy_sqlx::Error> {
/// let report = tenancy_sqlx::migration::verify_all(&plan, &source, &target, 4).await?;
/// print!("{report}");
/// # Ok(()) }
/// ```
pub async fn verify_all(
    plan: &MigrationPlan,
    source: &PgPool,
    target: &PgPool,
    concurrency: usize,
) -> Result<VerifyReport, Error> {
    let mut tenants: Vec<TenantCheck> = stream::iter(plan.tenants.iter())
        .map(|tenant| async move {
            let mut s = source.acquire().await?;
            let mut t = target.acquire().await?;
            verify_tenant(plan, &mut s, &mut t, tenant).await
        })
        .buffer_unordered(concurrency.max(1))
        .try_collect()
        .await?;
    tenants.sort_by(|a, b| a.tenant.schema.cmp(&b.tenant.schema));
    Ok(VerifyReport { tenants })
}
