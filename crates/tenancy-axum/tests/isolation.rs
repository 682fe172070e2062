//! 10,000 concurrent requests for random tenants: each sees only its own tenant, in the handler
//! and in a task it spawns, while requests interleave on a multi-threaded runtime.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use rand::RngExt;
use tenancy_axum::lookup::{CachedLookup, LookupError};
use tenancy_axum::resolver::{HeaderResolver, PathPrefixResolver};
use tenancy_axum::{Tenant, TenantLayer};
use tenancy_core::TenantId;
use tower::{Layer, ServiceExt};

const REQUESTS: usize = 10_000;
const TENANTS: u64 = 500;

/// Answers `<extractor tenant>|<current() after a yield>|<current() in a spawned task>`.
async fn whoami(Tenant(tenant): Tenant) -> String {
    // Give other requests the chance to run on this thread between the reads.
    let pause = Duration::from_micros(rand::rng().random_range(0..200));
    tokio::time::sleep(pause).await;
    let after_yield = tenancy_core::current().map_or_else(|e| e.to_string(), |t| t.to_string());
    let spawned = tenancy_core::spawn(async {
        tokio::task::yield_now().await;
        tenancy_core::current().map_or_else(|e| e.to_string(), |t| t.to_string())
    })
    .await
    .unwrap_or_else(|e| e.to_string());
    format!("{tenant}|{after_yield}|{spawned}")
}

async fn run_concurrently(app: Router, uri_for: fn(u64) -> (String, Option<String>)) {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..REQUESTS {
        let tenant = rand::rng().random_range(1..=TENANTS);
        let (uri, header) = uri_for(tenant);
        let app = app.clone();
        // Plain `tokio::spawn`: the request task itself starts with no tenant.
        tasks.spawn(async move {
            let mut request = http::Request::get(uri);
            if let Some(header) = header {
                request = request.header("x-tenant", header);
            }
            let request = request.body(Body::empty()).expect("request");
            let response = app.oneshot(request).await.expect("infallible");
            assert_eq!(response.status(), 200);
            let body = axum::body::to_bytes(response.into_body(), 1024)
                .await
                .expect("body");
            (tenant, String::from_utf8(body.to_vec()).expect("utf-8"))
        });
    }
    let mut seen = 0;
    while let Some(result) = tasks.join_next().await {
        let (tenant, body) = result.expect("request task");
        assert_eq!(body, format!("{tenant}|{tenant}|{tenant}"));
        seen += 1;
    }
    assert_eq!(seen, REQUESTS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_thousand_concurrent_requests_each_see_only_their_tenant() {
    let app = Router::new()
        .route("/", get(whoami))
        .layer(TenantLayer::new(HeaderResolver::default()));
    run_concurrently(app, |t| ("/".to_owned(), Some(t.to_string()))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_holds_with_slug_lookups_and_a_layer_outside_the_router() {
    // Slugs `t<n>` map to ids `n` through the cache; lookups sleep so misses really are pending.
    let slugs = CachedLookup::new(|slug: String| async move {
        tokio::time::sleep(Duration::from_millis(1)).await;
        Ok::<_, LookupError>(
            slug.strip_prefix('t')
                .and_then(|n| n.parse::<i64>().ok())
                .map(TenantId::Int),
        )
    });
    let router = Router::new().route("/", get(whoami));
    let app = Router::new().fallback_service(
        TenantLayer::new(PathPrefixResolver::new("/org").keys(slugs)).layer(router),
    );
    run_concurrently(app, |t| (format!("/org/t{t}/"), None)).await;
}
