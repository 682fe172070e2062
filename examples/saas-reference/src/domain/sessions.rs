//! Rotating refresh tokens with reuse detection.
//!
//! A login starts a token family. Each refresh marks the presented token rotated and issues its
//! successor in the same family. Presenting a rotated token again means it was copied: the whole
//! family is revoked, so the thief's and the user's tokens both stop working.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use tenancy_sqlx::TenantTransaction;
use uuid::Uuid;

use crate::error::{AppError, AppResult};

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
    let mut parts = token.splitn(3, '.');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("rt"), Some(tenant), Some(_)) => tenant.parse().ok(),
        _ => None,
    }
}

fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn mint(tenant: Uuid) -> String {
    let secret: [u8; 32] = rand::random();
    format!("rt.{tenant}.{}", URL_SAFE_NO_PAD.encode(secret))
}

async fn insert(
    tx: &mut TenantTransaction,
    family: Uuid,
    user: Uuid,
    ttl: Duration,
) -> AppResult<String> {
    let tenant = Uuid::parse_str(&tx.tenant().to_string())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("tenant id is not a UUID: {e}")))?;
    let token = mint(tenant);
    sqlx::query(
        "INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, expires_at) \
         VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))",
    )
    .bind(super::new_id())
    .bind(family)
    .bind(user)
    .bind(digest(&token))
    .bind(ttl.as_secs_f64())
    .execute(&mut *tx)
    .await?;
    Ok(token)
}

/// Starts a new token family for `user` and returns its first refresh token.
///
/// # Errors
/// Database errors.
pub async fn start(tx: &mut TenantTransaction, user: Uuid, ttl: Duration) -> AppResult<String> {
    insert(tx, super::new_id(), user, ttl).await
}

/// Rotates `token` (see the module docs). The caller commits in every outcome: a detected reuse
/// must stay revoked.
///
/// # Errors
/// Database errors.
pub async fn rotate(
    tx: &mut TenantTransaction,
    token: &str,
    ttl: Duration,
) -> AppResult<Refreshed> {
    let row: Option<(Uuid, Uuid, bool, bool)> = sqlx::query_as(
        "SELECT family_id, user_id, rotated_at IS NOT NULL, \
                revoked_at IS NULL AND expires_at > now() \
         FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE",
    )
    .bind(digest(token))
    .fetch_optional(&mut *tx)
    .await?;
    let Some((family, user, rotated, live)) = row else {
        return Ok(Refreshed::Invalid);
    };
    if rotated {
        sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL",
        )
        .bind(family)
        .execute(&mut *tx)
        .await?;
        tracing::warn!(%family, %user, "refresh token reuse: family revoked");
        return Ok(Refreshed::ReuseDetected);
    }
    if !live {
        return Ok(Refreshed::Invalid);
    }
    sqlx::query("UPDATE refresh_tokens SET rotated_at = now() WHERE token_hash = $1")
        .bind(digest(token))
        .execute(&mut *tx)
        .await?;
    let token = insert(tx, family, user, ttl).await?;
    Ok(Refreshed::Rotated { user, token })
}

/// Revokes the family of `token` (logout).
///
/// # Errors
/// Database errors.
pub async fn revoke(tx: &mut TenantTransaction, token: &str) -> AppResult<()> {
    sqlx::query(
        "UPDATE refresh_tokens SET revoked_at = now() WHERE revoked_at IS NULL AND family_id = \
         (SELECT family_id FROM refresh_tokens WHERE token_hash = $1)",
    )
    .bind(digest(token))
    .execute(&mut *tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_name_their_tenant_and_are_unguessable() {
        let tenant = Uuid::now_v7();
        let a = mint(tenant);
        assert_eq!(tenant_of(&a), Some(tenant));
        assert_ne!(a, mint(tenant));
        assert_eq!(tenant_of("rt.not-a-uuid.x"), None);
        assert_eq!(tenant_of("garbage"), None);
        assert_ne!(digest(&a), digest(&mint(tenant)));
    }
}
