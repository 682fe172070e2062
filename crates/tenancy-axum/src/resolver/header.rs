//! Resolver that reads the tenant from a request header (`X-Tenant` by default).
//!
//! The header must appear exactly once: two values could be read differently by two layers, so
//! they are refused as malformed. The key is 1–255 ASCII letters, digits, `-`, `_` or `.`.
//!
//! # Example
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use axum::{Router, body::Body, routing::get};
//! use tenancy_axum::{Tenant, TenantLayer, resolver::HeaderResolver};
//! use tower::ServiceExt;
//!
//! let app = Router::new()
//!     .route("/", get(|Tenant(id): Tenant| async move { id.to_string() }))
//!     .layer(TenantLayer::new(HeaderResolver::default()));
//!
//! let request = http::Request::get("/").header("x-tenant", "42").body(Body::empty())?;
//! let response = app.clone().oneshot(request).await?;
//! assert_eq!(response.status(), 200);
//!
//! let response = app.oneshot(http::Request::get("/").body(Body::empty())?).await?;
//! assert_eq!(response.status(), 400); // no X-Tenant header
//! # Ok(())
//! # }
//! ```

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use http::HeaderName;
use http::request::Parts;

use super::{ResolveTenant, Resolving, check_key};
use crate::lookup::{ParseKey, ResolveKey};
use crate::rejection::Rejection;

/// Reads the tenant key from one header and maps it with a [`ResolveKey`].
///
/// # Example
/// ```
/// use tenancy_axum::resolver::{HeaderResolver, ResolveTenant};
/// use tenancy_core::TenantId;
///
/// let resolver = HeaderResolver::new(http::HeaderName::from_static("x-org"));
/// let (mut parts, ()) = http::Request::get("/").header("x-org", "7").body(())?.into_parts();
/// assert_eq!(resolver.resolve(&mut parts).now(), Some(Ok(TenantId::Int(7))));
/// # Ok::<(), http::Error>(())
/// ```
#[derive(Clone)]
pub struct HeaderResolver {
    name: HeaderName,
    origin: Cow<'static, str>,
    keys: Arc<dyn ResolveKey>,
}

impl HeaderResolver {
    /// Reads header `name`; keys are parsed as ids ([`ParseKey::infer`]) until
    /// [`HeaderResolver::keys`] says otherwise.
    #[must_use]
    pub fn new(name: HeaderName) -> Self {
        let origin = Cow::Owned(format!("header {name}"));
        Self {
            name,
            origin,
            keys: Arc::new(ParseKey::infer()),
        }
    }

    /// Maps the header value with `keys`, e.g. a [`CachedLookup`](crate::lookup::CachedLookup)
    /// from slugs to ids.
    ///
    /// # Example
    /// ```
    /// use tenancy_axum::lookup::ParseKey;
    /// use tenancy_axum::resolver::HeaderResolver;
    /// use tenancy_core::TenantKeyKind;
    /// let by_uuid = HeaderResolver::default().keys(ParseKey::new(TenantKeyKind::Uuid));
    /// # let _ = by_uuid;
    /// ```
    #[must_use]
    pub fn keys(mut self, keys: impl ResolveKey) -> Self {
        self.keys = Arc::new(keys);
        self
    }
}

impl Default for HeaderResolver {
    /// Reads `X-Tenant`.
    fn default() -> Self {
        Self::new(HeaderName::from_static("x-tenant"))
    }
}

impl fmt::Debug for HeaderResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HeaderResolver")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl ResolveTenant for HeaderResolver {
    fn resolve(&self, parts: &mut Parts) -> Resolving {
        let mut values = parts.headers.get_all(&self.name).iter();
        let (Some(value), None) = (values.next(), values.next()) else {
            return Resolving::ready(Err(if parts.headers.contains_key(&self.name) {
                Rejection::malformed(self.origin.clone(), "the header must appear once")
            } else {
                Rejection::missing(self.origin.clone())
            }));
        };
        let checked = value
            .to_str()
            .map_err(|_| "the tenant key is not ASCII")
            .and_then(|key| check_key(key, tenancy_core::MAX_TEXT_KEY_LEN).map(|()| key));
        match checked {
            Ok(key) => self.keys.resolve_key(key),
            Err(reason) => Resolving::ready(Err(Rejection::malformed(self.origin.clone(), reason))),
        }
    }
}
