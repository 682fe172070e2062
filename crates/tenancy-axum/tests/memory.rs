//! Memory of the lookup cache, measured with a counting allocator: bounded under a flood of a
//! million distinct keys, and the cost per key when a million tenants are all cached.
//! Run with `--nocapture` to see the numbers.

use std::alloc::System;

use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use tenancy_axum::lookup::{CacheConfig, CachedLookup, LookupError, ResolveKey};
use tenancy_core::TenantId;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const TENANTS: usize = 1_000_000;

fn live_bytes(region: &Region<'_, System>) -> i64 {
    let stats = region.change();
    i64::try_from(stats.bytes_allocated).unwrap_or(i64::MAX)
        - i64::try_from(stats.bytes_deallocated).unwrap_or(i64::MAX)
}

async fn fill(capacity: usize) -> (i64, usize) {
    let region = Region::new(GLOBAL);
    let cache = CachedLookup::with_config(
        |slug: String| async move { Ok::<_, LookupError>(Some(TenantId::from(slug))) },
        CacheConfig::default().capacity(capacity),
    );
    for i in 0..TENANTS {
        let _ = cache.resolve_key(&format!("tenant-{i:07}")).await;
    }
    let bytes = live_bytes(&region);
    let len = cache.len();
    drop(cache);
    (bytes, len)
}

#[tokio::test(flavor = "current_thread")]
async fn memory_is_bounded_with_a_million_tenants() {
    // Default capacity (100,000 keys) under a million distinct keys.
    let (bounded, len) = fill(CacheConfig::default().get_capacity()).await;
    println!(
        "capacity 100000, {TENANTS} keys sent: {len} cached, {:.1} MiB, {} B/key",
        bounded as f64 / 1048576.0,
        bounded / len as i64
    );
    assert!(len <= 100_000);
    assert!(bounded < 32 << 20, "bounded cache holds {bounded} bytes");

    // Every one of a million tenants cached.
    let (full, len) = fill(TENANTS).await;
    println!(
        "capacity {TENANTS}: {len} cached, {:.1} MiB, {} B/key",
        full as f64 / 1048576.0,
        full / len as i64
    );
    assert!(len > 900_000, "{len}");
    assert!(
        full < 320 << 20,
        "a million cached tenants hold {full} bytes"
    );
}
