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
pub async fn roll_up(ex: impl PgExecutor<'_>) -> AppResult<Usage> {
    Ok(sqlx::query_as(
        "INSERT INTO usage_rollups (day, projects, tasks, members) \
         SELECT current_date, (SELECT count(*) FROM projects), (SELECT count(*) FROM tasks), \
                (SELECT count(*) FROM memberships) \
         ON CONFLICT (tenant_id, day) DO UPDATE SET projects = EXCLUDED.projects, \
                tasks = EXCLUDED.tasks, members = EXCLUDED.members \
         RETURNING projects, tasks, members",
    )
    .fetch_one(ex)
    .await?)
}

/// The newest rollup of the tenant in scope.
///
/// # Errors
/// Database errors.
pub async fn latest(ex: impl PgExecutor<'_>) -> AppResult<Option<Usage>> {
    Ok(sqlx::query_as(
        "SELECT projects, tasks, members FROM usage_rollups ORDER BY day DESC LIMIT 1",
    )
    .fetch_optional(ex)
    .await?)
}
