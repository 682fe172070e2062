//! Invitations: an admin invites an email with a role; a job emails it.

use serde::Serialize;
use sqlx::PgExecutor;
use uuid::Uuid;

use super::members::Role;
use crate::error::{AppError, AppResult};

/// An invitation.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Invitation {
    /// Invitation id.
    pub id: Uuid,
    /// Who is invited.
    pub email: String,
    /// The role they will get (`admin` or `member`).
    pub role: Role,
    /// Whether the invitation email went out.
    pub emailed: bool,
}

/// Invites `email` with `role` (not `owner`).
///
/// # Errors
/// 422 for the owner role; 409 when already invited.
pub async fn create(
    ex: impl PgExecutor<'_>,
    email: &str,
    role: Role,
    invited_by: Uuid,
) -> AppResult<Invitation> {
    if role == Role::Owner {
        return Err(AppError::invalid("role", "must be admin or member"));
    }
    sqlx::query_as(
        "INSERT INTO invitations (id, email, role, invited_by) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (tenant_id, email) DO NOTHING \
         RETURNING id, email, role, emailed_at IS NOT NULL AS emailed",
    )
    .bind(super::new_id())
    .bind(email)
    .bind(role)
    .bind(invited_by)
    .fetch_optional(ex)
    .await?
    .ok_or_else(|| AppError::Conflict(format!("{email} is already invited")))
}

/// All invitations of the tenant.
///
/// # Errors
/// Database errors.
pub async fn list(ex: impl PgExecutor<'_>) -> AppResult<Vec<Invitation>> {
    Ok(sqlx::query_as(
        "SELECT id, email, role, emailed_at IS NOT NULL AS emailed FROM invitations ORDER BY id",
    )
    .fetch_all(ex)
    .await?)
}

/// Records that the email went out; false when the invitation is not in this tenant.
///
/// # Errors
/// Database errors.
pub async fn mark_emailed(ex: impl PgExecutor<'_>, id: Uuid) -> AppResult<bool> {
    let updated = sqlx::query("UPDATE invitations SET emailed_at = now() WHERE id = $1")
        .bind(id)
        .execute(ex)
        .await?;
    Ok(updated.rows_affected() == 1)
}
