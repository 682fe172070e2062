//! Comments on tasks.

use serde::Serialize;
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// A comment.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Comment {
    /// Comment id.
    pub id: Uuid,
    /// The task it is on.
    pub task_id: Uuid,
    /// Who wrote it.
    pub author_id: Uuid,
    /// Text, 1-10000 characters.
    pub body: String,
}

/// Adds a comment to a task of this tenant.
///
/// # Errors
/// 404 when the task does not exist here; 422 for an empty or huge body.
pub async fn create(
    tx: &mut crate::db::Transaction,
    task: Uuid,
    author: Uuid,
    body: &str,
) -> AppResult<Comment> {
    if !(1..=10_000).contains(&body.trim().chars().count()) {
        return Err(AppError::invalid("body", "must be 1-10000 characters"));
    }
    super::tasks::get(&mut *tx, task).await?;
    Ok(sqlx::query_as(
        "INSERT INTO comments (tenant_id, id, task_id, author_id, body) VALUES ($5::uuid, $1, $2, $3, $4) \
         RETURNING id, task_id, author_id, body",
    )
    .bind(super::new_id())
    .bind(task)
    .bind(author)
    .bind(body.trim())
    .bind(super::current_tenant()?)
    .fetch_one(&mut *tx)
    .await?)
}

/// All comments of a task, oldest first.
///
/// # Errors
/// 404 when the task does not exist here.
pub async fn list(tx: &mut crate::db::Transaction, task: Uuid) -> AppResult<Vec<Comment>> {
    super::tasks::get(&mut *tx, task).await?;
    Ok(sqlx::query_as(
        "SELECT id, task_id, author_id, body FROM comments WHERE tenant_id = $2 AND task_id = $1 \
         ORDER BY id",
    )
    .bind(task)
    .bind(super::current_tenant()?)
    .fetch_all(&mut *tx)
    .await?)
}

/// Deletes a comment; members may delete only their own, managers any.
///
/// # Errors
/// 404 when absent here (or written by someone else and `any` is false).
pub async fn delete(ex: impl PgExecutor<'_>, id: Uuid, author: Uuid, any: bool) -> AppResult<()> {
    let deleted = sqlx::query(
        "DELETE FROM comments WHERE tenant_id = $4 AND id = $1 AND ($3 OR author_id = $2)",
    )
    .bind(id)
    .bind(author)
    .bind(any)
    .bind(super::current_tenant()?)
    .execute(ex)
    .await?;
    if deleted.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}
