//! A bounded TTL cache in front of a [`TenantLookup`], with single-flight and negative caching.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use quick_cache::sync::{Cache, EntryAction, EntryResult};
use tenancy_core::TenantId;
use tokio::sync::Semaphore;
use tokio::time::Instant;

use super::{ResolveKey, TenantLookup};
use crate::rejection::Rejection;
use crate::resolver::{Resolution, Resolving};

/// Sizes and lifetimes of a [`CachedLookup`].
///
/// | setting | default | why |
/// |---|---|---|
/// | `capacity` | 100,000 keys | memory stays bounded whatever keys clients send (about 100 bytes a key) |
/// | `ttl` | 5 minutes | how long a renamed or deleted tenant can still be served under its old key |
/// | `negative_ttl` | 30 seconds | how long an unknown key is answered 404 without asking again |
/// | `max_concurrent_lookups` | 32 | lookups in flight at once, so a flood of distinct unknown keys queues instead of exhausting the database pool |
///
/// # Example
/// ```
/// use std::time::Duration;
/// use tenancy_axum::lookup::CacheConfig;
///
/// let config = CacheConfig::default()
///     .capacity(1_000_000)
///     .ttl(Duration::from_secs(60))
///     .negative_ttl(Duration::from_secs(5))
///     .max_concurrent_lookups(8);
/// assert_eq!(config.get_capacity(), 1_000_000);
/// ```
#[derive(Clone, Debug)]
pub struct CacheConfig {
    capacity: usize,
    ttl: Duration,
    negative_ttl: Duration,
    max_concurrent_lookups: usize,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            capacity: 100_000,
            ttl: Duration::from_secs(300),
            negative_ttl: Duration::from_secs(30),
            max_concurrent_lookups: 32,
        }
    }
}

impl CacheConfig {
    /// The most keys kept (known and unknown together); at least 1.
    #[must_use]
    pub fn capacity(mut self, keys: usize) -> Self {
        self.capacity = keys.max(1);
        self
    }

    /// How long a found tenant is served from the cache.
    #[must_use]
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// How long an unknown key is remembered as unknown.
    #[must_use]
    pub fn negative_ttl(mut self, ttl: Duration) -> Self {
        self.negative_ttl = ttl;
        self
    }

    /// The most lookups running at once; at least 1.
    #[must_use]
    pub fn max_concurrent_lookups(mut self, n: usize) -> Self {
        self.max_concurrent_lookups = n.max(1);
        self
    }

    /// The configured capacity, in keys.
    #[must_use]
    pub fn get_capacity(&self) -> usize {
        self.capacity
    }
}

#[derive(Clone)]
struct Entry {
    tenant: Option<TenantId>,
    expires: Instant,
}

impl Entry {
    fn resolution(&self) -> Resolution {
        self.tenant.clone().ok_or(Rejection::Unknown)
    }
}

/// Maps external keys to tenant ids through a [`TenantLookup`], remembering the answers.
///
/// - **Bounded**: at most [`CacheConfig::capacity`] keys, evicted by recency and frequency, so a
///   million tenants — or a million junk keys — cost a fixed amount of memory.
/// - **TTL**: found tenants expire after `ttl`, unknown keys after `negative_ttl`.
/// - **Single-flight**: concurrent misses for one key wait for a single lookup.
/// - **Negative caching**: an unknown key is answered 404 from the cache until it expires.
/// - **Failures** ([`LookupError`](super::LookupError)) are not cached and answer 503.
///
/// A hit completes without awaiting or allocating. Clones share the cache.
///
/// # Example
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use tenancy_axum::Rejection;
/// use tenancy_axum::lookup::{CachedLookup, LookupError, ResolveKey};
///
/// let calls = Arc::new(AtomicUsize::new(0));
/// let counted = calls.clone();
/// let lookup = CachedLookup::new(move |_slug: String| {
///     counted.fetch_add(1, Ordering::SeqCst);
///     async { Ok::<_, LookupError>(None) }
/// });
/// assert_eq!(lookup.resolve_key("ghost").await, Err(Rejection::Unknown));
/// assert_eq!(lookup.resolve_key("ghost").await, Err(Rejection::Unknown));
/// assert_eq!(calls.load(Ordering::SeqCst), 1); // the second answer came from the cache
/// # }
/// ```
pub struct CachedLookup<L> {
    inner: Arc<Inner<L>>,
}

struct Inner<L> {
    lookup: L,
    cache: Cache<String, Entry>,
    permits: Semaphore,
    config: CacheConfig,
}

impl<L> Clone for CachedLookup<L> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<L> fmt::Debug for CachedLookup<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedLookup")
            .field("config", &self.inner.config)
            .field("len", &self.inner.cache.len())
            .finish_non_exhaustive()
    }
}

impl<L: TenantLookup> CachedLookup<L> {
    /// Caches `lookup` with the [default configuration](CacheConfig).
    ///
    /// # Example
    /// ```
    /// use tenancy_axum::lookup::{CachedLookup, LookupError};
    /// let lookup = CachedLookup::new(|_: String| async { Ok::<_, LookupError>(None) });
    /// assert!(lookup.is_empty());
    /// ```
    pub fn new(lookup: L) -> Self {
        Self::with_config(lookup, CacheConfig::default())
    }

    /// Caches `lookup` with `config`.
    ///
    /// # Example
    /// ```
    /// use tenancy_axum::lookup::{CacheConfig, CachedLookup, LookupError};
    /// let lookup = CachedLookup::with_config(
    ///     |_: String| async { Ok::<_, LookupError>(None) },
    ///     CacheConfig::default().capacity(10),
    /// );
    /// assert_eq!(lookup.len(), 0);
    /// ```
    pub fn with_config(lookup: L, config: CacheConfig) -> Self {
        Self {
            inner: Arc::new(Inner {
                lookup,
                cache: Cache::new(config.capacity),
                permits: Semaphore::new(config.max_concurrent_lookups),
                config,
            }),
        }
    }
}

impl<L> CachedLookup<L> {
    /// Forgets `key`, e.g. after the tenant was renamed or deleted.
    ///
    /// # Example
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use tenancy_axum::lookup::{CachedLookup, LookupError, ResolveKey};
    /// let lookup = CachedLookup::new(|_: String| async { Ok::<_, LookupError>(None) });
    /// let _ = lookup.resolve_key("gone").await;
    /// lookup.invalidate("gone");
    /// assert!(lookup.is_empty());
    /// # }
    /// ```
    pub fn invalidate(&self, key: &str) {
        self.inner.cache.remove(key);
    }

    /// The number of keys cached (known and unknown, expired or not yet evicted).
    #[must_use]
    pub fn len(&self) -> usize {
        self.inner.cache.len()
    }

    /// Whether nothing is cached.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.inner.cache.is_empty()
    }

    /// The configuration in force.
    #[must_use]
    pub fn config(&self) -> &CacheConfig {
        &self.inner.config
    }
}

impl<L: TenantLookup> Inner<L> {
    /// The slow path: wait for a concurrent load of `key`, or load it ourselves.
    async fn load(&self, key: String) -> Resolution {
        let now = Instant::now();
        let fresh = |_: &String, entry: &mut Entry| {
            if entry.expires > now {
                EntryAction::Retain(entry.resolution())
            } else {
                EntryAction::ReplaceWithGuard
            }
        };
        // The placeholder guard is what makes this single-flight: while we hold it, every other
        // caller for `key` waits in `entry_async` and then reads what we insert.
        let guard = match self.cache.entry_async(&key, fresh).await {
            EntryResult::Retained(resolution) => return resolution,
            EntryResult::Vacant(guard) | EntryResult::Replaced(guard, _) => guard,
            EntryResult::Removed(..) | EntryResult::Timeout => return Err(Rejection::Unavailable),
        };
        let Ok(_permit) = self.permits.acquire().await else {
            return Err(Rejection::Unavailable);
        };
        match self.lookup.lookup(key).await {
            Ok(tenant) => {
                let ttl = if tenant.is_some() {
                    self.config.ttl
                } else {
                    self.config.negative_ttl
                };
                let entry = Entry {
                    tenant,
                    expires: Instant::now() + ttl,
                };
                let resolution = entry.resolution();
                // Err only when the entry was evicted meanwhile; the answer is still right.
                let _ = guard.insert(entry);
                resolution
            }
            Err(error) => {
                // Dropping the guard unblocks one waiter, which retries the lookup itself.
                tracing::warn!(%error, "tenant lookup failed; answering 503");
                Err(Rejection::Unavailable)
            }
        }
    }
}

impl<L: TenantLookup> ResolveKey for CachedLookup<L> {
    fn resolve_key(&self, key: &str) -> Resolving {
        if let Some(entry) = self.inner.cache.get(key)
            && entry.expires > Instant::now()
        {
            return Resolving::ready(entry.resolution());
        }
        let inner = Arc::clone(&self.inner);
        let key = key.to_owned();
        Resolving::from_future(async move { inner.load(key).await })
    }
}
