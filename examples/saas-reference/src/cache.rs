//! A read-through cache whose keys always carry the tenant in scope.
//!
//! Keys are `saas:<tenant>:<name>`, built from `tenancy_core::context::current()`: code cannot
//! name another tenant's entry, and without a tenant in scope there is no key at all (fail
//! closed). Redis (`REDIS_URL`) is shared by every replica; otherwise an in-process cache is used.
//! The cache is best-effort: a Redis failure is logged and treated as a miss.

use std::sync::Arc;
use std::time::{Duration, Instant};

use redis::AsyncCommands as _;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Time to live of cached entries.
pub const TTL: Duration = Duration::from_secs(60);

/// The cache backend.
#[derive(Clone)]
pub enum Cache {
    /// Per-process, bounded.
    Memory(Arc<quick_cache::sync::Cache<String, (Arc<str>, Instant)>>),
    /// Redis, shared by every replica.
    Redis(redis::aio::ConnectionManager),
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Memory(_) => "Cache::Memory",
            Self::Redis(_) => "Cache::Redis",
        })
    }
}

/// The tenant-prefixed key of `name` for the tenant in scope.
///
/// # Errors
/// When no tenant is in scope.
pub fn key(name: &str) -> Result<String, tenancy_core::Error> {
    let tenant = tenancy_core::context::current()?;
    Ok(format!("saas:{tenant}:{name}"))
}

impl Cache {
    /// An in-process cache of at most `capacity` entries.
    #[must_use]
    pub fn memory(capacity: usize) -> Self {
        Self::Memory(Arc::new(quick_cache::sync::Cache::new(capacity)))
    }

    /// A Redis cache at `url` (connects now, reconnects on its own later).
    ///
    /// # Errors
    /// When Redis cannot be reached.
    pub async fn redis(url: &str) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)?;
        Ok(Self::Redis(
            redis::aio::ConnectionManager::new(client).await?,
        ))
    }

    /// The value cached under `name` for the tenant in scope.
    pub async fn get<T: DeserializeOwned>(&self, name: &str) -> Option<T> {
        let key = key(name).ok()?;
        let text: Option<String> = match self {
            Self::Memory(cache) => cache
                .get(&key)
                .filter(|(_, expires)| *expires > Instant::now())
                .map(|(text, _)| text.to_string()),
            Self::Redis(conn) => conn
                .clone()
                .get(&key)
                .await
                .inspect_err(|error| tracing::warn!(%error, "cache read failed"))
                .ok()
                .flatten(),
        };
        text.and_then(|text| serde_json::from_str(&text).ok())
    }

    /// Caches `value` under `name` for the tenant in scope.
    pub async fn put<T: Serialize>(&self, name: &str, value: &T) {
        let (Ok(key), Ok(text)) = (key(name), serde_json::to_string(value)) else {
            return;
        };
        match self {
            Self::Memory(cache) => cache.insert(key, (text.into(), Instant::now() + TTL)),
            Self::Redis(conn) => {
                let written: redis::RedisResult<()> =
                    conn.clone().set_ex(&key, text, TTL.as_secs()).await;
                if let Err(error) = written {
                    tracing::warn!(%error, "cache write failed");
                }
            }
        }
    }

    /// Drops `name` for the tenant in scope (call after every write to what it caches).
    pub async fn invalidate(&self, name: &str) {
        let Ok(key) = key(name) else {
            return;
        };
        match self {
            Self::Memory(cache) => {
                cache.remove(&key);
            }
            Self::Redis(conn) => {
                let deleted: redis::RedisResult<()> = conn.clone().del(&key).await;
                if let Err(error) = deleted {
                    tracing::warn!(%error, "cache invalidation failed");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tenancy_core::TenantId;
    use tenancy_core::context::scope;

    #[tokio::test]
    async fn entries_are_per_tenant_and_need_a_tenant() {
        let cache = Cache::memory(100);
        scope(TenantId::Int(1), cache.put("x", &1)).await;
        assert_eq!(
            scope(TenantId::Int(1), cache.get::<i32>("x")).await,
            Some(1)
        );
        assert_eq!(scope(TenantId::Int(2), cache.get::<i32>("x")).await, None);
        assert_eq!(cache.get::<i32>("x").await, None, "no tenant, no key");
        assert!(key("x").is_err());
        scope(TenantId::Int(1), cache.invalidate("x")).await;
        assert_eq!(scope(TenantId::Int(1), cache.get::<i32>("x")).await, None);
    }
}
