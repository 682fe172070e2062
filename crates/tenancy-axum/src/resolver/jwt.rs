//! Resolver that reads the tenant from a claim of an already verified token.
//!
//! Verifying the token (signature, expiry, audience) is the application's job, done by an
//! authentication layer that runs *before* the tenant layer and stores the verified claims in
//! the request extensions — as [`VerifiedClaims`], or as its own claims type read with
//! [`JwtClaimResolver::from_extension`]. No verified claims means 401; a verified token without
//! the claim also means 401, since that credential grants no tenant.
//!
//! # Example
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use axum::{Router, body::Body, routing::get};
//! use tenancy_axum::resolver::{JwtClaimResolver, VerifiedClaims};
//! use tenancy_axum::{Tenant, TenantLayer};
//! use tower::ServiceExt;
//!
//! let app = Router::new()
//!     .route("/", get(|Tenant(id): Tenant| async move { id.to_string() }))
//!     .layer(TenantLayer::new(JwtClaimResolver::new("tenant_id")));
//!
//! // What an authentication layer inserts after checking the signature.
//! let claims = serde_json::json!({"sub": "u1", "tenant_id": 42});
//! let mut request = http::Request::get("/").body(Body::empty())?;
//! request.extensions_mut().insert(VerifiedClaims::from_value(claims));
//! assert_eq!(app.clone().oneshot(request).await?.status(), 200);
//!
//! let anonymous = http::Request::get("/").body(Body::empty())?;
//! assert_eq!(app.oneshot(anonymous).await?.status(), 401);
//! # Ok(())
//! # }
//! ```

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use http::Extensions;
use http::request::Parts;

use super::{ResolveTenant, Resolving, check_key};
use crate::lookup::{ParseKey, ResolveKey};
use crate::rejection::Rejection;

/// The claims of a token the application has verified, as a request extension.
///
/// # Example
/// ```
/// use tenancy_axum::resolver::VerifiedClaims;
/// let claims = VerifiedClaims::from_value(serde_json::json!({"tenant": "acme"}));
/// assert_eq!(claims.0["tenant"], "acme");
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VerifiedClaims(pub serde_json::Map<String, serde_json::Value>);

impl VerifiedClaims {
    /// The claims of a decoded token payload; a payload that is not a JSON object has none.
    #[must_use]
    pub fn from_value(payload: serde_json::Value) -> Self {
        match payload {
            serde_json::Value::Object(map) => Self(map),
            _ => Self::default(),
        }
    }
}

/// What the claim reader found.
enum Claim {
    /// No verified credentials, or no tenant claim in them.
    Absent,
    /// A claim value that is neither a string nor an integer.
    Invalid,
    Key(String),
}

type ReadClaim = dyn Fn(&Extensions) -> Claim + Send + Sync;

/// Reads the tenant key from a verified claim and maps it with a [`ResolveKey`].
///
/// # Example
/// ```
/// use tenancy_axum::resolver::{JwtClaimResolver, ResolveTenant};
/// use tenancy_core::TenantId;
///
/// // The application's own claims type, inserted by its authentication layer.
/// #[derive(Clone)]
/// struct Claims { org: i64 }
///
/// let resolver = JwtClaimResolver::from_extension("org", |c: &Claims| Some(c.org.to_string()));
/// let mut parts = http::Request::get("/").body(())?.into_parts().0;
/// parts.extensions.insert(Claims { org: 9 });
/// assert_eq!(resolver.resolve(&mut parts).now(), Some(Ok(TenantId::Int(9))));
/// # Ok::<(), http::Error>(())
/// ```
#[derive(Clone)]
pub struct JwtClaimResolver {
    origin: Cow<'static, str>,
    read: Arc<ReadClaim>,
    keys: Arc<dyn ResolveKey>,
}

impl JwtClaimResolver {
    /// Reads claim `name` (a string, or an integer) from [`VerifiedClaims`]; keys are parsed
    /// as ids until [`JwtClaimResolver::keys`] says otherwise.
    #[must_use]
    pub fn new(name: &'static str) -> Self {
        let read = move |extensions: &Extensions| {
            let Some(claims) = extensions.get::<VerifiedClaims>() else {
                return Claim::Absent;
            };
            match claims.0.get(name) {
                None | Some(serde_json::Value::Null) => Claim::Absent,
                Some(serde_json::Value::String(s)) => Claim::Key(s.clone()),
                Some(serde_json::Value::Number(n)) if n.is_i64() => Claim::Key(n.to_string()),
                Some(_) => Claim::Invalid,
            }
        };
        Self::with_reader(name, read)
    }

    /// Reads the claim with `read` from the application's own verified claims type `C`.
    ///
    /// `name` labels the claim in rejection messages.
    #[must_use]
    pub fn from_extension<C, F>(name: &'static str, read: F) -> Self
    where
        C: Send + Sync + 'static,
        F: Fn(&C) -> Option<String> + Send + Sync + 'static,
    {
        Self::with_reader(name, move |extensions: &Extensions| {
            extensions
                .get::<C>()
                .and_then(&read)
                .map_or(Claim::Absent, Claim::Key)
        })
    }

    fn with_reader(
        name: &'static str,
        read: impl Fn(&Extensions) -> Claim + Send + Sync + 'static,
    ) -> Self {
        Self {
            origin: Cow::Owned(format!("JWT claim {name}")),
            read: Arc::new(read),
            keys: Arc::new(ParseKey::infer()),
        }
    }

    /// Maps the claim with `keys`, e.g. when tokens carry a slug rather than the id.
    #[must_use]
    pub fn keys(mut self, keys: impl ResolveKey) -> Self {
        self.keys = Arc::new(keys);
        self
    }
}

impl fmt::Debug for JwtClaimResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtClaimResolver")
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl ResolveTenant for JwtClaimResolver {
    fn resolve(&self, parts: &mut Parts) -> Resolving {
        let rejection = match (self.read)(&parts.extensions) {
            Claim::Key(key) => match check_key(&key, tenancy_core::MAX_TEXT_KEY_LEN) {
                Ok(()) => return self.keys.resolve_key(&key),
                Err(reason) => Rejection::malformed(self.origin.clone(), reason),
            },
            Claim::Absent => Rejection::unauthenticated(self.origin.clone()),
            Claim::Invalid => Rejection::malformed(
                self.origin.clone(),
                "the claim is not a string or an integer",
            ),
        };
        Resolving::ready(Err(rejection))
    }
}
