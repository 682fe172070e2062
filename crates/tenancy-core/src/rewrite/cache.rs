//! The bounded rewrite cache, keyed by (catalog generation, SQL text).

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use quick_cache::Equivalent;
use quick_cache::sync::Cache;

use super::Rewritten;

/// A bounded, thread-safe cache of rewritten statements, shareable between rewriters.
///
/// A hit hashes the borrowed SQL text (no allocation) and clones an `Arc`. Keys include the
/// catalog generation, so a rewriter over a new catalog can never be served an old rewrite.
///
/// # Example
/// ```
/// use tenancy_core::rewrite::RewriteCache;
/// let cache = RewriteCache::new(1_000);
/// assert!(cache.is_empty());
/// ```
pub struct RewriteCache {
    entries: Cache<Key, Arc<Rewritten>>,
}

/// The owned key stored in the cache.
#[derive(Clone, PartialEq, Eq)]
struct Key {
    generation: u64,
    sql: Box<str>,
}

/// The borrowed form used for lookups; hashes exactly like [`Key`].
struct KeyRef<'a> {
    generation: u64,
    sql: &'a str,
}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        KeyRef {
            generation: self.generation,
            sql: &self.sql,
        }
        .hash(state);
    }
}

impl Hash for KeyRef<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.generation.hash(state);
        self.sql.hash(state);
    }
}

impl Equivalent<Key> for KeyRef<'_> {
    fn equivalent(&self, key: &Key) -> bool {
        self.generation == key.generation && self.sql == &*key.sql
    }
}

impl RewriteCache {
    /// A cache holding at most `capacity` statements (at least one).
    ///
    /// # Example
    /// ```
    /// use std::sync::Arc;
    /// use tenancy_core::{Catalog, Rewriter, rewrite::RewriteCache};
    /// let cache = Arc::new(RewriteCache::new(100));
    /// let rewriter = Rewriter::with_cache(Catalog::builder().build()?, Arc::clone(&cache));
    /// rewriter.rewrite("SELECT 1")?;
    /// assert_eq!(cache.len(), 1);
    /// # Ok::<(), tenancy_core::Error>(())
    /// ```
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: Cache::new(capacity.max(1)),
        }
    }

    /// How many statements are cached.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is cached.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub(super) fn get(&self, generation: u64, sql: &str) -> Option<Arc<Rewritten>> {
        self.entries.get(&KeyRef { generation, sql })
    }

    pub(super) fn insert(&self, generation: u64, sql: &str, rewritten: Arc<Rewritten>) {
        let key = Key {
            generation,
            sql: sql.into(),
        };
        self.entries.insert(key, rewritten);
    }
}

impl fmt::Debug for RewriteCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RewriteCache")
            .field("len", &self.entries.len())
            .field("capacity", &self.entries.capacity())
            .finish()
    }
}
