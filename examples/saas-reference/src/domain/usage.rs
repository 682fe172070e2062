//! Daily usage rollups per tenant (written by a job).

use serde::Serialize;
use sqlx::PgExecutor;

use crate::error::AppResult;

/// Counts of one tenant on one day.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Usage {
    /// Projects.
    pub projects: i64,
    /// Tasks.
    pub tasks: i64,
    /// Members.
    pub members: i64,
}

/// Recomputes today's rollup of the tenant in scope.
///
/// # Errors
/// Database errors.
pub async fn roll_up(tx: &mut crate::db::Transaction) -> AppResult<Usage> {
    // Two statements rather than INSERT ... SELECT ... ON CONFLICT: the SQL parser reads a
    // FROM-less SELECT followed by ON CONFLICT as a syntax error.
    let tenant = super::current_tenant()?;
    let usage: Usage = sqlx::query_as(
        "SELECT (SELECT count(*) FROM projects WHERE tenant_id = $1) AS projects, \
                (SELECT count(*) FROM tasks WHERE tenant_id = $1) AS tasks, \
                (SELECT count(*) FROM memberships WHERE tenant_id = $1) AS members",
    )
    .bind(tenant)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO usage_rollups (tenant_id, day, projects, tasks, members) \
         VALUES ($4::uuid, current_date, $1, $2, $3) \
         ON CONFLICT (tenant_id, day) DO UPDATE SET projects = EXCLUDED.projects, \
                tasks = EXCLUDED.tasks, members = EXCLUDED.members",
    )
    .bind(usage.projects)
    .bind(usage.tasks)
    .bind(usage.members)
    .bind(tenant)
    .execute(&mut *tx)
    .await?;
    Ok(usage)
}

/// The newest rollup of the tenant in scope.
///
/// # Errors
/// Database errors.
pub async fn latest(ex: impl PgExecutor<'_>) -> AppResult<Option<Usage>> {
    Ok(sqlx::query_as(
        "SELECT projects, tasks, members FROM usage_rollups WHERE tenant_id = $1 \
         ORDER BY day DESC LIMIT 1",
    )
    .bind(super::current_tenant()?)
    .fetch_optional(ex)
    .await?)
}
