//! External OIDC access tokens (the seed's Ory Hydra), verified with the provider's JWKS.
//!
//! Keys are fetched once and refetched when a token names an unknown `kid` (key rotation), at
//! most every few seconds so a flood of bogus `kid`s cannot hammer the provider.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use tokio::sync::RwLock;
use uuid::Uuid;

use crate::config::OidcConfig;

const MIN_REFRESH: Duration = Duration::from_secs(5);

/// Verified claims of an external token that matter here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalIdentity {
    /// The user id (`sub`; this app is Hydra's login provider, so subjects are user ids).
    pub user: Uuid,
    /// The tenant named by the configured tenant claim.
    pub tenant: Uuid,
}

/// A JWKS-backed verifier of RS256 tokens.
#[derive(Clone)]
pub struct OidcVerifier {
    config: OidcConfig,
    http: reqwest::Client,
    keys: Arc<RwLock<Keys>>,
}

#[derive(Default)]
struct Keys {
    by_kid: HashMap<String, DecodingKey>,
    fetched: Option<Instant>,
}

impl std::fmt::Debug for OidcVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcVerifier")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl OidcVerifier {
    /// A verifier for `config`; keys are fetched on first use.
    #[must_use]
    pub fn new(config: OidcConfig, http: reqwest::Client) -> Self {
        Self {
            config,
            http,
            keys: Arc::default(),
        }
    }

    async fn key(&self, kid: &str) -> Option<DecodingKey> {
        {
            let keys = self.keys.read().await;
            if let Some(key) = keys.by_kid.get(kid) {
                return Some(key.clone());
            }
            if keys.fetched.is_some_and(|at| at.elapsed() < MIN_REFRESH) {
                return None;
            }
        }
        let mut keys = self.keys.write().await;
        if keys.fetched.is_none_or(|at| at.elapsed() >= MIN_REFRESH) {
            keys.fetched = Some(Instant::now());
            match self.fetch().await {
                Ok(fresh) => keys.by_kid = fresh,
                Err(error) => {
                    tracing::warn!(error = format!("{error:#}"), url = %self.config.jwks_url, "JWKS fetch failed");
                }
            }
        }
        keys.by_kid.get(kid).cloned()
    }

    async fn fetch(&self) -> anyhow::Result<HashMap<String, DecodingKey>> {
        let set: JwkSet = self
            .http
            .get(&self.config.jwks_url)
            .timeout(Duration::from_secs(5))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(set
            .keys
            .iter()
            .filter_map(|jwk| Some((jwk.common.key_id.clone()?, DecodingKey::from_jwk(jwk).ok()?)))
            .collect())
    }

    /// The identity in a valid token: RS256 with a key from the JWKS, the configured issuer and
    /// audience, not expired, with a UUID `sub` and tenant claim.
    pub async fn verify(&self, token: &str) -> Option<ExternalIdentity> {
        let header = jsonwebtoken::decode_header(token).ok()?;
        if header.alg != Algorithm::RS256 {
            return None;
        }
        let key = self.key(header.kid.as_deref()?).await?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[&self.config.issuer]);
        match &self.config.audience {
            Some(audience) => validation.set_audience(&[audience]),
            None => validation.validate_aud = false,
        }
        validation.leeway = 5;
        let data = jsonwebtoken::decode::<serde_json::Map<String, serde_json::Value>>(
            token,
            &key,
            &validation,
        )
        .ok()?;
        let claims = data.claims;
        let user = claims.get("sub")?.as_str()?.parse().ok()?;
        // Hydra nests session claims under `ext` unless configured as top-level claims.
        let tenant = claims
            .get(&self.config.tenant_claim)
            .or_else(|| claims.get("ext")?.get(&self.config.tenant_claim))?
            .as_str()?
            .parse()
            .ok()?;
        Some(ExternalIdentity { user, tenant })
    }
}
