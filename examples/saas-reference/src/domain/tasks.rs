//! Tasks of a project: status, assignee, estimate; filtered listing.

use serde::{Deserialize, Serialize};
use sqlx::PgExecutor;
use uuid::Uuid;

use super::{Page, PageRequest};
use crate::error::{AppError, AppResult};

/// Where a task is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum Status {
    /// Not started.
    Todo,
    /// Being worked on.
    InProgress,
    /// Finished.
    Done,
}

/// A task.
#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow)]
pub struct Task {
    /// Task id.
    pub id: Uuid,
    /// The project it belongs to.
    pub project_id: Uuid,
    /// Title, 1-500 characters.
    pub title: String,
    /// Status.
    pub status: Status,
    /// The user working on it.
    pub assignee_id: Option<Uuid>,
    /// Estimate in points (>= 0).
    pub estimate: Option<i32>,
}

/// Fields of a new task or a change to one (`None`: unchanged / default).
#[derive(Debug, Clone, Default)]
pub struct TaskFields {
    /// Title.
    pub title: Option<String>,
    /// Status.
    pub status: Option<Status>,
    /// Assignee (`Some(None)` clears it).
    pub assignee_id: Option<Option<Uuid>>,
    /// Estimate (`Some(None)` clears it).
    pub estimate: Option<Option<i32>>,
}

/// Listing filters.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TaskFilter {
    /// Only tasks with this status.
    pub status: Option<Status>,
    /// Only tasks assigned to this user.
    pub assignee_id: Option<Uuid>,
}

const COLUMNS: &str = "id, project_id, title, status, assignee_id, estimate";

impl TaskFields {
    /// Checks the fields that are present.
    ///
    /// # Errors
    /// 422 listing every invalid field.
    pub fn validate(&self) -> AppResult<()> {
        let mut errors = Vec::new();
        if let Some(title) = &self.title
            && !(1..=500).contains(&title.trim().chars().count())
        {
            errors.push(crate::error::FieldError {
                field: "title",
                message: "must be 1-500 characters".into(),
            });
        }
        if let Some(Some(estimate)) = self.estimate
            && !(0..=10_000).contains(&estimate)
        {
            errors.push(crate::error::FieldError {
                field: "estimate",
                message: "must be between 0 and 10000".into(),
            });
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(errors))
        }
    }
}

/// Creates a task in `project` (which must exist in this tenant).
///
/// # Errors
/// 404 when the project does not exist here; 422 when the assignee is not a user here.
pub async fn create(
    tx: &mut crate::db::Transaction,
    project: Uuid,
    fields: &TaskFields,
) -> AppResult<Task> {
    super::projects::get(&mut *tx, project).await?;
    check_assignee(&mut *tx, fields).await?;
    let sql = format!(
        "INSERT INTO tasks (tenant_id, id, project_id, title, status, assignee_id, estimate) \
         VALUES ($7::uuid, $1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(super::new_id())
        .bind(project)
        .bind(fields.title.as_deref().map(str::trim))
        .bind(fields.status.unwrap_or(Status::Todo))
        .bind(fields.assignee_id.flatten())
        .bind(fields.estimate.flatten())
        .bind(super::current_tenant()?)
        .fetch_one(&mut *tx)
        .await?)
}

async fn check_assignee(ex: impl PgExecutor<'_>, fields: &TaskFields) -> AppResult<()> {
    if let Some(Some(user)) = fields.assignee_id
        && !super::members::exists(ex, user).await?
    {
        return Err(AppError::invalid(
            "assignee_id",
            "is not a member of this organization",
        ));
    }
    Ok(())
}

/// A page of a project's tasks, filtered.
///
/// # Errors
/// 404 when the project does not exist here.
pub async fn list(
    tx: &mut crate::db::Transaction,
    project: Uuid,
    filter: &TaskFilter,
    page: &PageRequest,
) -> AppResult<Page<Task>> {
    let limit = page.limit()?;
    super::projects::get(&mut *tx, project).await?;
    let sql = format!(
        "SELECT {COLUMNS} FROM tasks WHERE tenant_id = $6 AND project_id = $1 AND ($2::uuid IS NULL OR id > $2) \
         AND ($3::text IS NULL OR status = $3) AND ($4::uuid IS NULL OR assignee_id = $4) \
         ORDER BY id LIMIT $5"
    );
    let rows = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(project)
        .bind(page.cursor)
        .bind(filter.status)
        .bind(filter.assignee_id)
        .bind(limit + 1)
        .bind(super::current_tenant()?)
        .fetch_all(&mut *tx)
        .await?;
    Ok(Page::from_rows(rows, limit, |t: &Task| t.id))
}

/// One task.
///
/// # Errors
/// 404 when it does not exist in this tenant.
pub async fn get(ex: impl PgExecutor<'_>, id: Uuid) -> AppResult<Task> {
    let sql = format!("SELECT {COLUMNS} FROM tasks WHERE tenant_id = $1 AND id = $2");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(super::current_tenant()?)
        .bind(id)
        .fetch_optional(ex)
        .await?
        .ok_or(AppError::NotFound)
}

/// Applies the present fields.
///
/// # Errors
/// 404 when the task does not exist here; 422 for a foreign assignee.
pub async fn update(
    tx: &mut crate::db::Transaction,
    id: Uuid,
    fields: &TaskFields,
) -> AppResult<Task> {
    check_assignee(&mut *tx, fields).await?;
    let sql = format!(
        "UPDATE tasks SET title = COALESCE($2, title), status = COALESCE($3, status), \
         assignee_id = CASE WHEN $4 THEN $5 ELSE assignee_id END, \
         estimate = CASE WHEN $6 THEN $7 ELSE estimate END \
         WHERE tenant_id = $8 AND id = $1 RETURNING {COLUMNS}"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(fields.title.as_deref().map(str::trim))
        .bind(fields.status)
        .bind(fields.assignee_id.is_some())
        .bind(fields.assignee_id.flatten())
        .bind(fields.estimate.is_some())
        .bind(fields.estimate.flatten())
        .bind(super::current_tenant()?)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(AppError::NotFound)
}

/// Deletes a task and its comments.
///
/// # Errors
/// 404 when it does not exist in this tenant.
pub async fn delete(ex: impl PgExecutor<'_>, id: Uuid) -> AppResult<()> {
    let deleted = sqlx::query("DELETE FROM tasks WHERE tenant_id = $1 AND id = $2")
        .bind(super::current_tenant()?)
        .bind(id)
        .execute(ex)
        .await?;
    if deleted.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}
