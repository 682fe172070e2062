//! Projects, with the plan's project limit enforced on create.

use serde::Serialize;
use sqlx::PgExecutor;
use uuid::Uuid;

use super::{Page, PageRequest, current_tenant};
use crate::db::Transaction;
use crate::error::{AppError, AppResult};

/// A project.
#[derive(Debug, Clone, Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct Project {
    /// Project id.
    pub id: Uuid,
    /// Name, 1-200 characters.
    pub name: String,
    /// Free text.
    pub description: String,
}

/// Checks a project name.
///
/// # Errors
/// 422.
pub fn validate_name(name: &str) -> AppResult<()> {
    let len = name.trim().chars().count();
    if (1..=200).contains(&len) {
        Ok(())
    } else {
        Err(AppError::invalid("name", "must be 1-200 characters"))
    }
}

/// Creates a project unless the tenant's plan is full. The organisation row is locked so two
/// concurrent creates cannot both take the last slot.
///
/// # Errors
/// 402 when the plan's limit is reached.
pub async fn create(
    tx: &mut Transaction,
    name: &str,
    description: &str,
    limit: impl Fn(&str) -> Option<i64>,
) -> AppResult<Project> {
    let tenant = current_tenant()?;
    let plan: String =
        sqlx::query_scalar("SELECT plan FROM organizations WHERE id = $1 FOR UPDATE")
            .bind(tenant)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(AppError::NotFound)?;
    if let Some(max) = limit(&plan) {
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM projects WHERE tenant_id = $1")
            .bind(tenant)
            .fetch_one(&mut *tx)
            .await?;
        if count >= max {
            return Err(AppError::PaymentRequired(format!(
                "the {plan} plan allows {max} projects; upgrade at POST /v1/billing/checkout"
            )));
        }
    }
    Ok(sqlx::query_as(
        "INSERT INTO projects (tenant_id, id, name, description) VALUES ($1::uuid, $2, $3, $4) \
         RETURNING id, name, description",
    )
    .bind(tenant)
    .bind(super::new_id())
    .bind(name.trim())
    .bind(description)
    .fetch_one(&mut *tx)
    .await?)
}

/// One project.
///
/// # Errors
/// 404 when it does not exist in this tenant.
pub async fn get(ex: impl PgExecutor<'_>, id: Uuid) -> AppResult<Project> {
    sqlx::query_as("SELECT id, name, description FROM projects WHERE tenant_id = $1 AND id = $2")
        .bind(current_tenant()?)
        .bind(id)
        .fetch_optional(ex)
        .await?
        .ok_or(AppError::NotFound)
}

/// A page of projects, oldest first, optionally only those whose name contains `q`.
///
/// # Errors
/// 422 for a bad limit.
pub async fn list(
    ex: impl PgExecutor<'_>,
    q: Option<&str>,
    page: &PageRequest,
) -> AppResult<Page<Project>> {
    let limit = page.limit()?;
    let rows = sqlx::query_as(
        "SELECT id, name, description FROM projects \
         WHERE tenant_id = $4 AND ($1::uuid IS NULL OR id > $1) AND ($2::text IS NULL OR strpos(lower(name), lower($2)) > 0) \
         ORDER BY id LIMIT $3",
    )
    .bind(page.cursor)
    .bind(q)
    .bind(limit + 1)
    .bind(current_tenant()?)
    .fetch_all(ex)
    .await?;
    Ok(Page::from_rows(rows, limit, |p: &Project| p.id))
}

/// Changes the name and/or description.
///
/// # Errors
/// 404 when it does not exist in this tenant.
pub async fn update(
    ex: impl PgExecutor<'_>,
    id: Uuid,
    name: Option<&str>,
    description: Option<&str>,
) -> AppResult<Project> {
    sqlx::query_as(
        "UPDATE projects SET name = COALESCE($2, name), description = COALESCE($3, description) \
         WHERE tenant_id = $4 AND id = $1 RETURNING id, name, description",
    )
    .bind(id)
    .bind(name.map(str::trim))
    .bind(description)
    .bind(current_tenant()?)
    .fetch_optional(ex)
    .await?
    .ok_or(AppError::NotFound)
}

/// Deletes a project and (by cascade) its tasks and comments.
///
/// # Errors
/// 404 when it does not exist in this tenant.
pub async fn delete(ex: impl PgExecutor<'_>, id: Uuid) -> AppResult<()> {
    let deleted = sqlx::query("DELETE FROM projects WHERE tenant_id = $1 AND id = $2")
        .bind(current_tenant()?)
        .bind(id)
        .execute(ex)
        .await?;
    if deleted.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}
