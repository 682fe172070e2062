//! Invitations: an admin invites an email with a role; a job emails the acceptance link; the
//! invitee accepts once, before the invitation expires, and becomes a member with that role.
//!
//! The link carries a token `inv.<tenant>.<random>` (see [`crate::auth::secret`]): only its
//! SHA-256 is stored, it is looked up in the scope of the tenant it names, and accepting it
//! stamps `accepted_at` under a row lock, so two concurrent accepts cannot both succeed.

use std::time::Duration;

use serde::Serialize;
use sqlx::PgExecutor;
use uuid::Uuid;

use super::members::Role;
use crate::auth::secret;
use crate::db::Transaction;
use crate::error::{AppError, AppResult};

/// The kind segment of invitation tokens.
pub const TOKEN_KIND: &str = "inv";

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
    /// Whether it was accepted.
    pub accepted: bool,
}

/// A new invitation and its token, which exists only here and in the email.
#[derive(Debug)]
pub struct Issued {
    /// The stored invitation.
    pub invitation: Invitation,
    /// The secret the invitee presents to accept it.
    pub token: String,
}

/// An invitation that is valid now, locked for acceptance.
#[derive(Debug, sqlx::FromRow)]
pub struct Pending {
    /// Invitation id.
    pub id: Uuid,
    /// Who is invited (the new member's login email).
    pub email: String,
    /// The role the new member gets.
    pub role: Role,
}

/// Invites `email` with `role` (not `owner`) in the tenant in scope; the token is valid for `ttl`.
///
/// # Errors
/// 422 for the owner role; 409 when already invited.
pub async fn create(
    ex: impl PgExecutor<'_>,
    email: &str,
    role: Role,
    invited_by: Uuid,
    ttl: Duration,
) -> AppResult<Issued> {
    if role == Role::Owner {
        return Err(AppError::invalid("role", "must be admin or member"));
    }
    let tenant = super::current_tenant()?;
    let token = secret::mint(TOKEN_KIND, tenant);
    let invitation = sqlx::query_as(
        "INSERT INTO invitations (tenant_id, id, email, role, invited_by, token_hash, expires_at) \
         VALUES ($7::uuid, $1, $2, $3, $4, $5, now() + make_interval(secs => $6)) \
         ON CONFLICT (tenant_id, email) DO NOTHING \
         RETURNING id, email, role, emailed_at IS NOT NULL AS emailed, \
                   accepted_at IS NOT NULL AS accepted",
    )
    .bind(super::new_id())
    .bind(email)
    .bind(role)
    .bind(invited_by)
    .bind(secret::digest(&token))
    .bind(ttl.as_secs_f64())
    .bind(tenant)
    .fetch_optional(ex)
    .await?
    .ok_or_else(|| AppError::Conflict(format!("{email} is already invited")))?;
    Ok(Issued { invitation, token })
}

/// All invitations of the tenant.
///
/// # Errors
/// Database errors.
pub async fn list(ex: impl PgExecutor<'_>) -> AppResult<Vec<Invitation>> {
    Ok(sqlx::query_as(
        "SELECT id, email, role, emailed_at IS NOT NULL AS emailed, \
                accepted_at IS NOT NULL AS accepted \
         FROM invitations WHERE tenant_id = $1 ORDER BY id",
    )
    .bind(super::current_tenant()?)
    .fetch_all(ex)
    .await?)
}

/// Records that the email went out; false when the invitation is not in this tenant.
///
/// # Errors
/// Database errors.
pub async fn mark_emailed(ex: impl PgExecutor<'_>, id: Uuid) -> AppResult<bool> {
    let updated =
        sqlx::query("UPDATE invitations SET emailed_at = now() WHERE tenant_id = $1 AND id = $2")
            .bind(super::current_tenant()?)
            .bind(id)
            .execute(ex)
            .await?;
    Ok(updated.rows_affected() == 1)
}

/// Finds the invitation of `token` in the tenant in scope and locks it until `tx` ends.
///
/// # Errors
/// 404 when no invitation of this tenant has the token; 410 when it was already accepted or
/// has expired.
pub async fn claim(tx: &mut Transaction, token: &str) -> AppResult<Pending> {
    let row: Option<(Uuid, String, Role, bool, bool)> = sqlx::query_as(
        "SELECT id, email, role, accepted_at IS NOT NULL, expires_at <= now() \
         FROM invitations WHERE tenant_id = $2 AND token_hash = $1 FOR UPDATE",
    )
    .bind(secret::digest(token))
    .bind(super::current_tenant()?)
    .fetch_optional(&mut *tx)
    .await?;
    match row {
        None => Err(AppError::NotFound),
        Some((.., true, _)) => Err(AppError::Gone("this invitation was already accepted")),
        Some((.., true)) => Err(AppError::Gone(
            "this invitation has expired; ask for a new one",
        )),
        Some((id, email, role, false, false)) => Ok(Pending { id, email, role }),
    }
}

/// Stamps a claimed invitation accepted by `user`.
///
/// # Errors
/// Database errors.
pub async fn mark_accepted(tx: &mut Transaction, id: Uuid, user: Uuid) -> AppResult<()> {
    sqlx::query(
        "UPDATE invitations SET accepted_at = now(), accepted_by = $2 \
         WHERE tenant_id = $3 AND id = $1",
    )
    .bind(id)
    .bind(user)
    .bind(super::current_tenant()?)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
