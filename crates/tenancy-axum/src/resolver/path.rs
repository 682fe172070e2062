//! Resolver that reads the tenant from a path prefix, `/t/{key}/...`, and strips it.
//!
//! The inner service sees the path without the prefix (`/t/acme/projects?x=1` → `/projects?x=1`,
//! `/t/acme` → `/`), so routes are written once for every tenant. The removed prefix is kept in
//! the [`StrippedPrefix`] request extension for building links.
//!
//! To affect routing the layer must run *before* the router: wrap the whole axum `Router`
//! (`TenantLayer::new(..).layer(router)`) rather than `Router::layer`, which runs after routing.
//!
//! # Example
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use axum::{Router, body::Body, routing::get};
//! use tenancy_axum::{Tenant, TenantLayer, resolver::PathPrefixResolver};
//! use tower::{Layer, ServiceExt};
//!
//! let router = Router::new()
//!     .route("/projects", get(|Tenant(id): Tenant| async move { format!("projects of {id}") }));
//! let app = TenantLayer::new(PathPrefixResolver::new("/t")).layer(router);
//!
//! let request = http::Request::get("/t/42/projects").body(Body::empty())?;
//! let response = app.oneshot(request).await?;
//! assert_eq!(response.status(), 200);
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::sync::Arc;

use http::Uri;
use http::request::Parts;
use http::uri::PathAndQuery;

use super::{ResolveTenant, Resolving, check_key};
use crate::lookup::{ParseKey, ResolveKey};
use crate::rejection::Rejection;

const ORIGIN: &str = "path prefix";

/// The path prefix [`PathPrefixResolver`] removed, e.g. `/t/acme`, as a request extension.
///
/// # Example
/// ```
/// use tenancy_axum::resolver::{PathPrefixResolver, ResolveTenant, StrippedPrefix};
///
/// let mut parts = http::Request::get("/t/acme/x").body(())?.into_parts().0;
/// let _ = PathPrefixResolver::new("/t").resolve(&mut parts);
/// assert_eq!(parts.uri.path(), "/x");
/// assert_eq!(parts.extensions.get::<StrippedPrefix>().map(|p| p.0.as_str()), Some("/t/acme"));
/// # Ok::<(), http::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StrippedPrefix(pub String);

/// Reads the tenant key from the path segment after a fixed prefix and strips both.
///
/// # Example
/// ```
/// use tenancy_axum::resolver::{PathPrefixResolver, ResolveTenant};
/// use tenancy_core::TenantId;
///
/// let mut parts = http::Request::get("/orgs/acme/tasks?done=true").body(())?.into_parts().0;
/// let resolved = PathPrefixResolver::new("/orgs").resolve(&mut parts).now();
/// assert_eq!(resolved, Some(Ok(TenantId::from("acme"))));
/// assert_eq!(parts.uri, "/tasks?done=true");
/// # Ok::<(), http::Error>(())
/// ```
#[derive(Clone)]
pub struct PathPrefixResolver {
    /// With a leading and a trailing slash: `/t/`.
    prefix: String,
    keys: Arc<dyn ResolveKey>,
}

impl PathPrefixResolver {
    /// Tenants are named by the segment after `prefix` (e.g. `/t`); keys are parsed as ids
    /// until [`PathPrefixResolver::keys`] says otherwise.
    #[must_use]
    pub fn new(prefix: &str) -> Self {
        let trimmed = prefix.trim_matches('/');
        let prefix = if trimmed.is_empty() {
            "/".to_owned()
        } else {
            format!("/{trimmed}/")
        };
        Self {
            prefix,
            keys: Arc::new(ParseKey::infer()),
        }
    }

    /// Maps the segment with `keys`, typically a [`CachedLookup`](crate::lookup::CachedLookup).
    #[must_use]
    pub fn keys(mut self, keys: impl ResolveKey) -> Self {
        self.keys = Arc::new(keys);
        self
    }
}

impl fmt::Debug for PathPrefixResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PathPrefixResolver")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

/// `/rest?query` as a new URI with the scheme and authority of `uri`.
fn replace_path(uri: &Uri, rest: &str) -> Option<Uri> {
    let path_and_query = match uri.query() {
        Some(query) => format!("/{rest}?{query}"),
        None => format!("/{rest}"),
    };
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(PathAndQuery::try_from(path_and_query).ok()?);
    Uri::from_parts(parts).ok()
}

impl ResolveTenant for PathPrefixResolver {
    fn resolve(&self, parts: &mut Parts) -> Resolving {
        let Some(after) = parts.uri.path().strip_prefix(self.prefix.as_str()) else {
            return Resolving::ready(Err(Rejection::missing(ORIGIN)));
        };
        let (key, rest) = after.split_once('/').unwrap_or((after, ""));
        if let Err(reason) = check_key(key, tenancy_core::MAX_TEXT_KEY_LEN) {
            return Resolving::ready(Err(Rejection::malformed(ORIGIN, reason)));
        }
        let Some(uri) = replace_path(&parts.uri, rest) else {
            return Resolving::ready(Err(Rejection::malformed(
                ORIGIN,
                "the path is not a valid URI",
            )));
        };
        let stripped = format!("{}{key}", self.prefix);
        let resolving = self.keys.resolve_key(key);
        parts.uri = uri;
        parts.extensions.insert(StrippedPrefix(stripped));
        resolving
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strip(
        prefix: &str,
        uri: &'static str,
    ) -> (Option<Result<tenancy_core::TenantId, Rejection>>, Uri) {
        let mut parts = http::Request::get(uri)
            .body(())
            .map(|r| r.into_parts().0)
            .expect("request");
        let resolved = PathPrefixResolver::new(prefix).resolve(&mut parts).now();
        (resolved, parts.uri)
    }

    #[test]
    fn prefix_and_key_are_stripped_query_kept() {
        assert_eq!(strip("/t", "/t/7/a/b?q=1").1, "/a/b?q=1");
        assert_eq!(strip("t/", "/t/7").1, "/");
        assert_eq!(strip("/t", "/t/7/").1, "/");
        assert_eq!(strip("/t", "/t/7?x").1, "/?x");
        assert_eq!(
            strip("/t", "http://h.example/t/7/z").1,
            "http://h.example/z"
        );
    }

    #[test]
    fn other_paths_are_missing_and_bad_keys_malformed() {
        assert!(matches!(
            strip("/t", "/tx/7").0,
            Some(Err(Rejection::Missing { .. }))
        ));
        assert!(matches!(
            strip("/t", "/t").0,
            Some(Err(Rejection::Missing { .. }))
        ));
        assert!(matches!(
            strip("/t", "/t//x").0,
            Some(Err(Rejection::Malformed { .. }))
        ));
        assert!(matches!(
            strip("/t", "/t/a%20b/x").0,
            Some(Err(Rejection::Malformed { .. }))
        ));
        // A rejected request keeps its path.
        assert_eq!(strip("/t", "/t//x").1, "/t//x");
    }
}
