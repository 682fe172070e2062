//! The access tokens this service issues: HS256 JWTs bound to one tenant, user and role.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Principal;
use crate::domain::members::Role;

/// The issuer of our own tokens.
pub const ISSUER: &str = "saas-reference";

/// Claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    /// Always [`ISSUER`].
    pub iss: String,
    /// The user id.
    pub sub: Uuid,
    /// The tenant the token is bound to.
    pub tid: Uuid,
    /// The user's role in the tenant when the token was issued.
    pub role: Role,
    /// Issued at (seconds since the epoch).
    pub iat: u64,
    /// Expires at (seconds since the epoch).
    pub exp: u64,
}

/// Issues and verifies access tokens with one HS256 key.
#[derive(Clone)]
pub struct AccessTokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    ttl: Duration,
}

impl std::fmt::Debug for AccessTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessTokens")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl AccessTokens {
    /// Tokens signed with `secret`, valid for `ttl`.
    #[must_use]
    pub fn new(secret: &[u8], ttl: Duration) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            ttl,
        }
    }

    /// Lifetime of issued tokens.
    #[must_use]
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// A signed token for `principal`.
    ///
    /// # Errors
    /// Only if signing fails (it does not with an HMAC key).
    pub fn issue(&self, principal: &Principal) -> anyhow::Result<String> {
        let iat = now();
        let claims = AccessClaims {
            iss: ISSUER.to_owned(),
            sub: principal.user,
            tid: principal.tenant,
            role: principal.role,
            iat,
            exp: iat + self.ttl.as_secs(),
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// The principal of a valid token: HS256 only (no `none`, no algorithm confusion), our
    /// issuer, not expired.
    #[must_use]
    pub fn verify(&self, token: &str) -> Option<Principal> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        validation.leeway = 5;
        let data = jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &validation).ok()?;
        Some(Principal {
            tenant: data.claims.tid,
            user: data.claims.sub,
            role: data.claims.role,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal() -> Principal {
        Principal {
            tenant: Uuid::now_v7(),
            user: Uuid::now_v7(),
            role: Role::Admin,
        }
    }

    #[test]
    fn issued_tokens_verify_only_with_the_same_key() -> anyhow::Result<()> {
        let tokens = AccessTokens::new(&[7; 32], Duration::from_secs(60));
        let p = principal();
        let token = tokens.issue(&p)?;
        assert_eq!(tokens.verify(&token), Some(p));
        let other = AccessTokens::new(&[8; 32], Duration::from_secs(60));
        assert_eq!(other.verify(&token), None);
        Ok(())
    }

    #[test]
    fn expired_tokens_are_refused() -> anyhow::Result<()> {
        let tokens = AccessTokens::new(&[7; 32], Duration::from_secs(0));
        let mut claims = serde_json::to_value(AccessClaims {
            iss: ISSUER.into(),
            sub: Uuid::now_v7(),
            tid: Uuid::now_v7(),
            role: Role::Owner,
            iat: 1,
            exp: 2,
        })?;
        claims["exp"] = 2.into();
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(&[7; 32]),
        )?;
        assert_eq!(tokens.verify(&token), None);
        Ok(())
    }
}
