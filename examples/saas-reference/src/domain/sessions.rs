//! Rotating refresh tokens with reuse detection.
//!
//! A login starts a token family. Each refresh marks the presented token rotated and issues its
//! successor in the same family. Presenting a rotated token again means it was copied: the whole
//! family is revoked, so the thief's and the user's tokens both stop working.

use std::time::Duration;

use uuid::Uuid;

use crate::auth::secret;
use crate::db::Transaction;
use crate::error::AppResult;

/// The kind segment of refresh tokens.
const KIND: &str = "rt";

/// What presenting a refresh token led to.
#[derive(Debug)]
pub enum Refreshed {
    /// The token was valid: here is its successor, for `user`.
    Rotated {
        /// The user the family belongs to.
        user: Uuid,
        /// The new refresh token.
        token: String,
    },
    /// The token was already rotated: the family is now revoked.
    ReuseDetected,
    /// Unknown, expired or revoked.
    Invalid,
}

/// The tenant a refresh token belongs to (its first segment), so the caller can enter its scope.
#[must_use]
pub fn tenant_of(token: &str) -> Option<Uuid> {
    secret::tenant_of(KIND, token)
}

async fn insert(
    tx: &mut Transaction,
    family: Uuid,
    user: Uuid,
    ttl: Duration,
) -> AppResult<String> {
    let tenant = super::current_tenant()?;
    let token = secret::mint(KIND, tenant);
    sqlx::query(
        "INSERT INTO refresh_tokens (tenant_id, id, family_id, user_id, token_hash, expires_at) \
         VALUES ($6::uuid, $1, $2, $3, $4, now() + make_interval(secs => $5))",
    )
    .bind(super::new_id())
    .bind(family)
    .bind(user)
    .bind(secret::digest(&token))
    .bind(ttl.as_secs_f64())
    .bind(tenant)
    .execute(&mut *tx)
    .await?;
    Ok(token)
}

/// Starts a new token family for `user` and returns its first refresh token.
///
/// # Errors
/// Database errors.
pub async fn start(tx: &mut Transaction, user: Uuid, ttl: Duration) -> AppResult<String> {
    insert(tx, super::new_id(), user, ttl).await
}

/// Rotates `token` (see the module docs). The caller commits in every outcome: a detected reuse
/// must stay revoked.
///
/// # Errors
/// Database errors.
pub async fn rotate(tx: &mut Transaction, token: &str, ttl: Duration) -> AppResult<Refreshed> {
    let row: Option<(Uuid, Uuid, bool, bool)> = sqlx::query_as(
        "SELECT family_id, user_id, rotated_at IS NOT NULL, \
                revoked_at IS NULL AND expires_at > now() \
         FROM refresh_tokens WHERE tenant_id = $2 AND token_hash = $1 FOR UPDATE",
    )
    .bind(secret::digest(token))
    .bind(super::current_tenant()?)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((family, user, rotated, live)) = row else {
        return Ok(Refreshed::Invalid);
    };
    if rotated {
        sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = now() \
             WHERE tenant_id = $2 AND family_id = $1 AND revoked_at IS NULL",
        )
        .bind(family)
        .bind(super::current_tenant()?)
        .execute(&mut *tx)
        .await?;
        tracing::warn!(%family, %user, "refresh token reuse: family revoked");
        return Ok(Refreshed::ReuseDetected);
    }
    if !live {
        return Ok(Refreshed::Invalid);
    }
    sqlx::query(
        "UPDATE refresh_tokens SET rotated_at = now() WHERE tenant_id = $2 AND token_hash = $1",
    )
    .bind(secret::digest(token))
    .bind(super::current_tenant()?)
    .execute(&mut *tx)
    .await?;
    let token = insert(tx, family, user, ttl).await?;
    Ok(Refreshed::Rotated { user, token })
}

/// Revokes the family of `token` (logout).
///
/// # Errors
/// Database errors.
pub async fn revoke(tx: &mut Transaction, token: &str) -> AppResult<()> {
    sqlx::query(
        "UPDATE refresh_tokens SET revoked_at = now() \
         WHERE tenant_id = $2 AND revoked_at IS NULL AND family_id = \
         (SELECT family_id FROM refresh_tokens WHERE tenant_id = $2 AND token_hash = $1)",
    )
    .bind(secret::digest(token))
    .bind(super::current_tenant()?)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
