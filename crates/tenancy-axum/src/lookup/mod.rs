//! From the key a request carries (slug, domain, claim) to a [`TenantId`].
//!
//! - [`ResolveKey`] is what resolvers call with the raw key. [`ParseKey`] (the default) parses it
//!   as the id itself; [`CachedLookup`] maps it through your [`TenantLookup`].
//! - [`TenantLookup`] is the slow path you implement, usually one SQL query
//!   (`SELECT id FROM tenants WHERE slug = $1`). Closures `Fn(String) -> impl Future` implement it.
//! - [`CachedLookup`] puts a bounded TTL cache in front of it with single-flight (concurrent
//!   misses for one key make one call) and negative caching (unknown keys are remembered too).
//!
//! # Example
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use tenancy_axum::lookup::{CachedLookup, LookupError, ResolveKey};
//! use tenancy_core::TenantId;
//!
//! let slugs = CachedLookup::new(|slug: String| async move {
//!     Ok::<_, LookupError>(match slug.as_str() {
//!         "acme" => Some(TenantId::Int(1)),
//!         _ => None,
//!     })
//! });
//! assert_eq!(slugs.resolve_key("acme").await, Ok(TenantId::Int(1)));
//! // The second call is a cache hit, answered without awaiting.
//! assert_eq!(slugs.resolve_key("acme").now(), Some(Ok(TenantId::Int(1))));
//! # }
//! ```

mod cache;

use std::future::Future;
use std::sync::Arc;

use tenancy_core::{TenantId, TenantKeyKind};

use crate::rejection::Rejection;
use crate::resolver::Resolving;

pub use cache::{CacheConfig, CachedLookup};

/// A lookup failed for a reason other than "no such tenant" (database down, timeout).
///
/// Failures are not cached and answer 503, so the request can be retried.
///
/// # Example
/// ```
/// use tenancy_axum::lookup::LookupError;
/// let e = LookupError::new(std::io::Error::other("connection refused"));
/// assert_eq!(e.to_string(), "tenant lookup failed: connection refused");
/// ```
#[derive(Debug, thiserror::Error)]
#[error("tenant lookup failed: {0}")]
pub struct LookupError(#[source] Box<dyn std::error::Error + Send + Sync>);

impl LookupError {
    /// Wraps the underlying error.
    ///
    /// # Example
    /// ```
    /// let e = tenancy_axum::lookup::LookupError::new(std::fmt::Error);
    /// assert!(std::error::Error::source(&e).is_some());
    /// ```
    pub fn new(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self(source.into())
    }
}

/// Maps an external tenant key to its id: the slow path behind [`CachedLookup`].
///
/// `Ok(None)` means "no such tenant" (cached as a negative entry, answered 404); `Err` means the
/// lookup itself failed (not cached, answered 503).
///
/// # Example
/// ```
/// use tenancy_axum::lookup::{LookupError, TenantLookup};
/// use tenancy_core::TenantId;
///
/// struct Slugs(std::collections::HashMap<String, i64>);
///
/// impl TenantLookup for Slugs {
///     async fn lookup(&self, key: String) -> Result<Option<TenantId>, LookupError> {
///         Ok(self.0.get(&key).copied().map(TenantId::Int))
///     }
/// }
/// # let _ = tenancy_axum::lookup::CachedLookup::new(Slugs(Default::default()));
/// ```
pub trait TenantLookup: Send + Sync + 'static {
    /// Finds the tenant whose external key is `key`.
    fn lookup(
        &self,
        key: String,
    ) -> impl Future<Output = Result<Option<TenantId>, LookupError>> + Send;
}

impl<F, Fut> TenantLookup for F
where
    F: Fn(String) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Option<TenantId>, LookupError>> + Send,
{
    fn lookup(
        &self,
        key: String,
    ) -> impl Future<Output = Result<Option<TenantId>, LookupError>> + Send {
        self(key)
    }
}

/// Turns the raw key a resolver found into a tenant id.
///
/// Object safe, so resolvers hold any implementation as `Arc<dyn ResolveKey>`.
///
/// # Example
/// ```
/// use tenancy_axum::lookup::{ParseKey, ResolveKey};
/// use tenancy_core::{TenantId, TenantKeyKind};
///
/// let ints = ParseKey::new(TenantKeyKind::Int);
/// assert_eq!(ints.resolve_key("7").now(), Some(Ok(TenantId::Int(7))));
/// assert!(matches!(ints.resolve_key("seven").now(), Some(Err(_))));
/// ```
pub trait ResolveKey: Send + Sync + 'static {
    /// Resolves `key`; a known answer comes back complete (see [`Resolving::now`]).
    fn resolve_key(&self, key: &str) -> Resolving;
}

impl<K: ResolveKey + ?Sized> ResolveKey for Arc<K> {
    fn resolve_key(&self, key: &str) -> Resolving {
        (**self).resolve_key(key)
    }
}

/// Uses the key itself as the tenant id, parsed as one kind or inferred (integer, UUID, text).
///
/// A key that does not parse is [`Rejection::Malformed`]. No lookup happens, so a key that
/// parses is accepted as is: use it when ids are not secret and the data layer refuses unknown
/// tenants, or when the key comes from a verified token.
///
/// # Example
/// ```
/// use tenancy_axum::lookup::{ParseKey, ResolveKey};
/// use tenancy_core::TenantId;
///
/// let uuid = "67e55044-10b1-426f-9247-bb680e5fe0c8";
/// assert_eq!(ParseKey::infer().resolve_key(uuid).now(), Some(Ok(uuid.parse().expect("uuid"))));
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct ParseKey {
    kind: Option<TenantKeyKind>,
}

impl ParseKey {
    /// Parses keys as `kind`.
    ///
    /// # Example
    /// ```
    /// use tenancy_axum::lookup::{ParseKey, ResolveKey};
    /// use tenancy_core::{TenantId, TenantKeyKind};
    /// // With text keys, "42" stays text.
    /// let text = ParseKey::new(TenantKeyKind::Text);
    /// assert_eq!(text.resolve_key("42").now(), Some(Ok(TenantId::from("42"))));
    /// ```
    #[must_use]
    pub fn new(kind: TenantKeyKind) -> Self {
        Self { kind: Some(kind) }
    }

    /// Infers the kind as `TenantId::from_str` does: integer, else UUID, else text.
    ///
    /// # Example
    /// ```
    /// use tenancy_axum::lookup::{ParseKey, ResolveKey};
    /// use tenancy_core::TenantId;
    /// assert_eq!(ParseKey::infer().resolve_key("9").now(), Some(Ok(TenantId::Int(9))));
    /// ```
    #[must_use]
    pub fn infer() -> Self {
        Self { kind: None }
    }
}

impl ResolveKey for ParseKey {
    fn resolve_key(&self, key: &str) -> Resolving {
        let parsed = match self.kind {
            Some(kind) => TenantId::parse_as(key, kind),
            None => key.parse(),
        };
        Resolving::ready(
            parsed.map_err(|_| {
                Rejection::malformed("tenant key", "the key is not a valid tenant id")
            }),
        )
    }
}
