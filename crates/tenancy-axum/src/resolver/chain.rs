//! Resolver that combines several sources, which must all agree.
//!
//! Typical: the token says which tenant the caller belongs to, and the URL (header, subdomain)
//! says which tenant the request is for. [`Chain`] resolves every source and accepts the request
//! only when every source that is present names the same tenant:
//!
//! 1. a [`required`](Chain::require) source that is absent rejects the request (401/400);
//! 2. a malformed key rejects it (400); a failed lookup answers 503;
//! 3. two sources naming different tenants — or one naming a tenant and another an unknown
//!    key — answer 403, so a caller of tenant A cannot probe which other keys exist;
//! 4. if every present source names an unknown key, 404; if none is present, the first
//!    source's "missing" rejection.
//!
//! # Example
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use axum::{Router, body::Body, routing::get};
//! use tenancy_axum::resolver::{Chain, HeaderResolver, JwtClaimResolver, VerifiedClaims};
//! use tenancy_axum::{Tenant, TenantLayer};
//! use tower::ServiceExt;
//!
//! let resolver = Chain::new()
//!     .require(JwtClaimResolver::new("tenant_id"))
//!     .optional(HeaderResolver::default());
//! let app = Router::new()
//!     .route("/", get(|Tenant(id): Tenant| async move { id.to_string() }))
//!     .layer(TenantLayer::new(resolver));
//!
//! let request = |header: &str| -> Result<http::Request<Body>, http::Error> {
//!     let mut request = http::Request::get("/").header("x-tenant", header).body(Body::empty())?;
//!     request.extensions_mut().insert(VerifiedClaims::from_value(serde_json::json!({"tenant_id": 1})));
//!     Ok(request)
//! };
//! assert_eq!(app.clone().oneshot(request("1")?).await?.status(), 200);
//! assert_eq!(app.oneshot(request("2")?).await?.status(), 403);
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::sync::Arc;

use http::request::Parts;

use tenancy_core::TenantId;

use super::{Resolution, ResolveTenant, Resolving};
use crate::rejection::Rejection;

/// Whether a source of a [`Chain`] must be present.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Need {
    Required,
    IfPresent,
}

/// Several resolvers that must agree on the tenant.
///
/// # Example
/// ```
/// use tenancy_axum::resolver::{Chain, HeaderResolver, ResolveTenant, SubdomainResolver};
/// use tenancy_core::TenantId;
///
/// // The header or the subdomain may name the tenant; if both do, they must agree.
/// let either = Chain::new()
///     .optional(HeaderResolver::default())
///     .optional(SubdomainResolver::new("example.com"));
/// let mut parts = http::Request::get("/").header("host", "7.example.com").body(())?.into_parts().0;
/// assert_eq!(either.resolve(&mut parts).now(), Some(Ok(TenantId::Int(7))));
/// # Ok::<(), http::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct Chain {
    sources: Vec<(Arc<dyn ResolveTenant>, Need)>,
}

impl Chain {
    /// A chain with no sources (which rejects every request as missing a tenant).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a source that must be present and agree.
    #[must_use]
    pub fn require(mut self, source: impl ResolveTenant) -> Self {
        self.sources.push((Arc::new(source), Need::Required));
        self
    }

    /// Adds a source that may be absent, and must agree when present.
    #[must_use]
    pub fn optional(mut self, source: impl ResolveTenant) -> Self {
        self.sources.push((Arc::new(source), Need::IfPresent));
        self
    }
}

impl fmt::Debug for Chain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Chain")
            .field("sources", &self.sources.len())
            .finish()
    }
}

/// How decisive a rejection is before agreement is checked (lower wins), `None` if it is not.
fn rank(rejection: &Rejection, need: Need) -> Option<u8> {
    match rejection {
        r if r.is_absent() => (need == Need::Required).then_some(0),
        Rejection::Malformed { .. } => Some(1),
        Rejection::Unavailable | Rejection::NotInstalled | Rejection::RateLimited { .. } => Some(2),
        Rejection::Disagreement => Some(3),
        Rejection::Unknown | Rejection::Missing { .. } | Rejection::Unauthenticated { .. } => None,
    }
}

/// Applies the agreement rules (see the module docs) to every source's result, in order.
fn combine(results: &[(Resolution, Need)]) -> Resolution {
    let decisive = results
        .iter()
        .filter_map(|(result, need)| {
            let rejection = result.as_ref().err()?;
            Some((rank(rejection, *need)?, rejection))
        })
        .min_by_key(|(rank, _)| *rank);
    if let Some((_, rejection)) = decisive {
        return Err(rejection.clone());
    }
    let mut found: Option<&TenantId> = None;
    let mut unknown = false;
    for (result, _) in results {
        match result {
            Ok(tenant) if found.is_some_and(|f| f != tenant) => {
                return Err(Rejection::Disagreement);
            }
            Ok(tenant) => found = Some(tenant),
            Err(Rejection::Unknown) => unknown = true,
            Err(_) => {}
        }
    }
    match (found, unknown) {
        (Some(_), true) => Err(Rejection::Disagreement),
        (Some(tenant), false) => Ok(tenant.clone()),
        (None, true) => Err(Rejection::Unknown),
        (None, false) => Err(results
            .iter()
            .find_map(|(result, _)| result.as_ref().err().filter(|r| r.is_absent()).cloned())
            .unwrap_or_else(|| Rejection::missing("tenant"))),
    }
}

impl ResolveTenant for Chain {
    fn resolve(&self, parts: &mut Parts) -> Resolving {
        let started: Vec<(Resolving, Need)> = self
            .sources
            .iter()
            .map(|(source, need)| (source.resolve(parts), *need))
            .collect();
        let mut ready = Vec::with_capacity(started.len());
        let mut pending = Vec::new();
        for (resolving, need) in started {
            match resolving.try_now() {
                Ok(resolution) if pending.is_empty() => ready.push((resolution, need)),
                Ok(resolution) => pending.push((Resolving::ready(resolution), need)),
                Err(resolving) => pending.push((resolving, need)),
            }
        }
        if pending.is_empty() {
            return Resolving::ready(combine(&ready));
        }
        Resolving::from_future(async move {
            for (resolving, need) in pending {
                ready.push((resolving.await, need));
            }
            combine(&ready)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use Need::{IfPresent, Required};

    fn t(n: i64) -> Resolution {
        Ok(TenantId::Int(n))
    }

    #[test]
    fn agreement_rules() {
        assert_eq!(combine(&[(t(1), Required), (t(1), IfPresent)]), t(1));
        assert_eq!(
            combine(&[(t(1), Required), (t(2), IfPresent)]),
            Err(Rejection::Disagreement)
        );
        assert_eq!(
            combine(&[(t(1), Required), (Err(Rejection::Unknown), IfPresent)]),
            Err(Rejection::Disagreement)
        );
        assert_eq!(
            combine(&[
                (Err(Rejection::Unknown), IfPresent),
                (Err(Rejection::Unknown), IfPresent)
            ]),
            Err(Rejection::Unknown)
        );
        assert_eq!(
            combine(&[(t(1), IfPresent), (Err(Rejection::missing("h")), IfPresent)]),
            t(1)
        );
        assert_eq!(
            combine(&[
                (Err(Rejection::unauthenticated("jwt")), Required),
                (t(1), IfPresent)
            ]),
            Err(Rejection::unauthenticated("jwt"))
        );
        assert_eq!(
            combine(&[
                (t(1), Required),
                (Err(Rejection::malformed("h", "x")), IfPresent)
            ]),
            Err(Rejection::malformed("h", "x"))
        );
        assert_eq!(
            combine(&[
                (Err(Rejection::missing("a")), IfPresent),
                (Err(Rejection::missing("b")), IfPresent)
            ]),
            Err(Rejection::missing("a"))
        );
        assert_eq!(combine(&[]), Err(Rejection::missing("tenant")));
    }
}
