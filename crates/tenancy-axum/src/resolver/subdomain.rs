//! Resolver that reads the tenant from the first label of the host: `acme.example.com` → `acme`.
//!
//! The host comes from the request URI's authority (HTTP/2, absolute-form requests) or else the
//! `Host` header. It is compared case-insensitively, with any port and a trailing dot removed.
//! These name no tenant (400 where a tenant is required, or a public route with
//! [`TenantLayer::optional`](crate::TenantLayer::optional)):
//! the base domain itself, reserved labels (`www` by default), IP addresses, and hosts outside
//! the base domain. A nested name (`a.b.example.com`) or a label that is not a DNS label is
//! malformed (400).
//!
//! # Example
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use axum::{Router, body::Body, routing::get};
//! use tenancy_axum::lookup::{CachedLookup, LookupError};
//! use tenancy_axum::{Tenant, TenantLayer, resolver::SubdomainResolver};
//! use tenancy_core::TenantId;
//! use tower::ServiceExt;
//!
//! // Slugs map to ids through a cached lookup (a SQL query in a real app).
//! let slugs = CachedLookup::new(|slug: String| async move {
//!     Ok::<_, LookupError>((slug == "acme").then_some(TenantId::Int(1)))
//! });
//! let app = Router::new()
//!     .route("/", get(|Tenant(id): Tenant| async move { id.to_string() }))
//!     .layer(TenantLayer::new(SubdomainResolver::new("example.com").keys(slugs)));
//!
//! let request = http::Request::get("/").header("host", "ACME.example.com:8443").body(Body::empty())?;
//! assert_eq!(app.clone().oneshot(request).await?.status(), 200);
//!
//! let request = http::Request::get("/").header("host", "nobody.example.com").body(Body::empty())?;
//! assert_eq!(app.oneshot(request).await?.status(), 404);
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::sync::Arc;

use http::header::HOST;
use http::request::Parts;

use super::{ResolveTenant, Resolving};
use crate::lookup::{ParseKey, ResolveKey};
use crate::rejection::Rejection;

const ORIGIN: &str = "subdomain";

/// Reads the tenant key from the subdomain of a base domain.
///
/// # Example
/// ```
/// use tenancy_axum::resolver::{ResolveTenant, SubdomainResolver};
/// use tenancy_core::TenantId;
///
/// let resolver = SubdomainResolver::new("example.com").reserve("api");
/// let mut parts = http::Request::get("/").header("host", "acme.example.com").body(())?.into_parts().0;
/// assert_eq!(resolver.resolve(&mut parts).now(), Some(Ok(TenantId::from("acme"))));
///
/// let mut parts = http::Request::get("/").header("host", "api.example.com").body(())?.into_parts().0;
/// assert!(resolver.resolve(&mut parts).now().is_some_and(|r| r.is_err()));
/// # Ok::<(), http::Error>(())
/// ```
#[derive(Clone)]
pub struct SubdomainResolver {
    /// Lower case, with a leading dot: `.example.com`.
    suffix: String,
    reserved: Vec<String>,
    keys: Arc<dyn ResolveKey>,
}

impl SubdomainResolver {
    /// Tenants are `<slug>.<base_domain>`; `www` is reserved; keys are parsed as ids until
    /// [`SubdomainResolver::keys`] says otherwise.
    #[must_use]
    pub fn new(base_domain: &str) -> Self {
        let base = base_domain.trim_matches('.').to_ascii_lowercase();
        Self {
            suffix: format!(".{base}"),
            reserved: vec!["www".to_owned()],
            keys: Arc::new(ParseKey::infer()),
        }
    }

    /// Treats `label` as naming no tenant (like `www`), e.g. `api` or `app`.
    #[must_use]
    pub fn reserve(mut self, label: &str) -> Self {
        self.reserved.push(label.to_ascii_lowercase());
        self
    }

    /// Maps the label with `keys`, typically a [`CachedLookup`](crate::lookup::CachedLookup).
    #[must_use]
    pub fn keys(mut self, keys: impl ResolveKey) -> Self {
        self.keys = Arc::new(keys);
        self
    }

    /// The tenant label of `host`, `Ok(None)` when the host names no tenant.
    fn label(&self, host: &str) -> Result<Option<String>, &'static str> {
        let host = strip_port(host).trim_end_matches('.').to_ascii_lowercase();
        if host.parse::<std::net::IpAddr>().is_ok() {
            return Ok(None);
        }
        let Some(label) = host.strip_suffix(self.suffix.as_str()) else {
            return Ok(None);
        };
        if label.contains('.') {
            return Err("only one subdomain level names a tenant");
        }
        if self.reserved.iter().any(|r| r == label) {
            return Ok(None);
        }
        if !is_dns_label(label) {
            return Err("a subdomain is 1-63 letters, digits or inner hyphens");
        }
        Ok(Some(label.to_owned()))
    }
}

/// Removes `:port`, and the brackets of an IPv6 literal so it parses as an address.
fn strip_port(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    host.rsplit_once(':').map_or(host, |(name, _port)| name)
}

fn is_dns_label(label: &str) -> bool {
    (1..=63).contains(&label.len())
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

impl fmt::Debug for SubdomainResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubdomainResolver")
            .field("base_domain", &&self.suffix[1..])
            .field("reserved", &self.reserved)
            .finish_non_exhaustive()
    }
}

impl ResolveTenant for SubdomainResolver {
    fn resolve(&self, parts: &mut Parts) -> Resolving {
        let host = match parts.uri.host() {
            Some(host) => Some(host),
            None => parts.headers.get(HOST).and_then(|h| h.to_str().ok()),
        };
        match host.map(|h| self.label(h)) {
            Some(Ok(Some(label))) => self.keys.resolve_key(&label),
            None | Some(Ok(None)) => Resolving::ready(Err(Rejection::missing(ORIGIN))),
            Some(Err(reason)) => Resolving::ready(Err(Rejection::malformed(ORIGIN, reason))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_normalised_before_matching() {
        let r = SubdomainResolver::new("Example.COM.");
        assert_eq!(r.label("acme.example.com"), Ok(Some("acme".into())));
        assert_eq!(r.label("ACME.Example.Com:8080"), Ok(Some("acme".into())));
        assert_eq!(r.label("acme.example.com."), Ok(Some("acme".into())));
        assert_eq!(r.label("example.com"), Ok(None));
        assert_eq!(r.label("www.example.com"), Ok(None));
        assert_eq!(r.label("127.0.0.1:3000"), Ok(None));
        assert_eq!(r.label("[::1]:3000"), Ok(None));
        assert_eq!(r.label("acme.other.com"), Ok(None));
        assert_eq!(r.label("notexample.com"), Ok(None));
        assert!(r.label("a.b.example.com").is_err());
        assert!(r.label("-acme.example.com").is_err());
        assert!(r.label("ac_me.example.com").is_err());
    }
}
