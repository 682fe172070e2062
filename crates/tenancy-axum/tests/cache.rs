//! The cached lookup: single-flight, negative caching, TTL expiry, failures, concurrency bound.
//! Tokio's paused clock makes the timings exact.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{assert_ok, assert_problem, echo, get, send};
use tenancy_axum::Rejection;
use tenancy_axum::TenantLayer;
use tenancy_axum::lookup::{CacheConfig, CachedLookup, LookupError, ResolveKey, TenantLookup};
use tenancy_axum::resolver::HeaderResolver;
use tenancy_core::TenantId;
use tokio::time::{advance, sleep};
use tower::Layer;

/// A lookup that counts its calls, takes 50 ms, and knows `acme` (id from `next_id`).
#[derive(Clone, Default)]
struct Counting {
    calls: Arc<AtomicUsize>,
    next_id: Arc<AtomicUsize>,
}

impl Counting {
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl TenantLookup for Counting {
    async fn lookup(&self, key: String) -> Result<Option<TenantId>, LookupError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        sleep(Duration::from_millis(50)).await;
        let id = i64::try_from(self.next_id.load(Ordering::SeqCst)).map_err(LookupError::new)?;
        Ok((key == "acme").then_some(TenantId::Int(id)))
    }
}

fn config() -> CacheConfig {
    CacheConfig::default()
        .ttl(Duration::from_secs(60))
        .negative_ttl(Duration::from_secs(5))
}

#[tokio::test(start_paused = true)]
async fn concurrent_misses_for_one_key_make_one_lookup() {
    let counting = Counting::default();
    counting.next_id.store(1, Ordering::SeqCst);
    let svc = TenantLayer::new(
        HeaderResolver::default().keys(CachedLookup::with_config(counting.clone(), config())),
    )
    .layer(echo());
    let requests = (0..200).map(|_| send(svc.clone(), get("/", &[("x-tenant", "acme")])));
    for answer in futures_join_all(requests).await {
        assert_ok(&answer, "1", "/");
    }
    assert_eq!(counting.calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_flood_of_one_unknown_key_makes_one_lookup_until_the_negative_ttl() {
    let counting = Counting::default();
    let svc = TenantLayer::new(
        HeaderResolver::default().keys(CachedLookup::with_config(counting.clone(), config())),
    )
    .layer(echo());
    let flood = (0..500).map(|_| send(svc.clone(), get("/", &[("x-tenant", "ghost")])));
    for answer in futures_join_all(flood).await {
        assert_problem(&answer, 404, "urn:tenancy:problem:unknown-tenant");
    }
    assert_eq!(counting.calls(), 1);

    advance(Duration::from_secs(4)).await;
    assert_problem(
        &send(svc.clone(), get("/", &[("x-tenant", "ghost")])).await,
        404,
        "urn:tenancy:problem:unknown-tenant",
    );
    assert_eq!(counting.calls(), 1, "still negatively cached");

    advance(Duration::from_secs(2)).await;
    assert_problem(
        &send(svc, get("/", &[("x-tenant", "ghost")])).await,
        404,
        "urn:tenancy:problem:unknown-tenant",
    );
    assert_eq!(counting.calls(), 2, "negative entry expired after 5 s");
}

#[tokio::test(start_paused = true)]
async fn found_tenants_expire_after_the_ttl_and_are_looked_up_again() {
    let counting = Counting::default();
    counting.next_id.store(1, Ordering::SeqCst);
    let cache = CachedLookup::with_config(counting.clone(), config());
    assert_eq!(cache.resolve_key("acme").await, Ok(TenantId::Int(1)));
    // The tenant is re-keyed in the database; the cache keeps serving the old answer within TTL.
    counting.next_id.store(2, Ordering::SeqCst);
    advance(Duration::from_secs(59)).await;
    assert_eq!(
        cache.resolve_key("acme").now(),
        Some(Ok(TenantId::Int(1))),
        "a hit completes at once"
    );
    assert_eq!(counting.calls(), 1);

    advance(Duration::from_secs(2)).await;
    let expired = cache.resolve_key("acme");
    assert_eq!(expired.await, Ok(TenantId::Int(2)));
    assert_eq!(counting.calls(), 2);

    // Concurrent readers of an expired entry also share one reload.
    advance(Duration::from_secs(61)).await;
    let reloads = (0..50).map(|_| cache.resolve_key("acme"));
    assert!(
        futures_join_all(reloads)
            .await
            .iter()
            .all(|r| r == &Ok(TenantId::Int(2)))
    );
    assert_eq!(counting.calls(), 3);

    cache.invalidate("acme");
    assert_eq!(cache.resolve_key("acme").await, Ok(TenantId::Int(2)));
    assert_eq!(counting.calls(), 4);
}

#[tokio::test(start_paused = true)]
async fn failures_are_not_cached() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let cache = CachedLookup::new(move |_: String| {
        let n = counted.fetch_add(1, Ordering::SeqCst);
        async move {
            if n == 0 {
                Err(LookupError::new(std::io::Error::other("timeout")))
            } else {
                Ok(Some(TenantId::Int(7)))
            }
        }
    });
    assert_eq!(cache.resolve_key("acme").await, Err(Rejection::Unavailable));
    assert_eq!(cache.resolve_key("acme").await, Ok(TenantId::Int(7)));
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn distinct_misses_are_bounded_by_max_concurrent_lookups() {
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let (r, p) = (Arc::clone(&running), Arc::clone(&peak));
    let cache = CachedLookup::with_config(
        move |_: String| {
            let (r, p) = (Arc::clone(&r), Arc::clone(&p));
            async move {
                let now = r.fetch_add(1, Ordering::SeqCst) + 1;
                p.fetch_max(now, Ordering::SeqCst);
                sleep(Duration::from_millis(10)).await;
                r.fetch_sub(1, Ordering::SeqCst);
                Ok::<_, LookupError>(None)
            }
        },
        CacheConfig::default().max_concurrent_lookups(3),
    );
    let misses = (0..40).map(|i| cache.resolve_key(&format!("junk{i}")));
    assert!(
        futures_join_all(misses)
            .await
            .iter()
            .all(|r| r == &Err(Rejection::Unknown))
    );
    assert_eq!(peak.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn capacity_bounds_the_number_of_keys() {
    let cache = CachedLookup::with_config(
        |_: String| async { Ok::<_, LookupError>(None) },
        CacheConfig::default().capacity(1_000),
    );
    for i in 0..20_000 {
        let _ = cache.resolve_key(&format!("junk-{i}")).await;
    }
    assert!(cache.len() <= 1_000, "{} keys cached", cache.len());
    assert!(
        cache.len() >= 500,
        "the cache is used: {} keys",
        cache.len()
    );
}

/// Polls every future to completion on the current task (no extra dependency needed).
async fn futures_join_all<F: std::future::Future>(
    futures: impl IntoIterator<Item = F>,
) -> Vec<F::Output> {
    let mut set = Vec::new();
    for fut in futures {
        set.push(Box::pin(fut));
    }
    let mut outputs: Vec<Option<F::Output>> = set.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (fut, out) in set.iter_mut().zip(outputs.iter_mut()) {
            if out.is_none() {
                match fut.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => *out = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn single_flight_holds_across_threads() {
    let counting = Counting::default();
    counting.next_id.store(3, Ordering::SeqCst);
    let cache = CachedLookup::with_config(counting.clone(), config());
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..500 {
        let cache = cache.clone();
        tasks.spawn(async move { cache.resolve_key("acme").await });
    }
    while let Some(result) = tasks.join_next().await {
        assert_eq!(result.expect("task"), Ok(TenantId::Int(3)));
    }
    assert_eq!(counting.calls(), 1);
}
