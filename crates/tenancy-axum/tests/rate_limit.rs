//! Per-tenant rate limiting: a flooding tenant gets 429s, the others are served in full.

mod common;

use std::time::Duration;

use common::{assert_problem, echo, get, send};
use tenancy_axum::TenantLayer;
use tenancy_axum::rate_limit::{Quota, TenantRateLimitLayer};
use tenancy_axum::resolver::HeaderResolver;
use tower::ServiceBuilder;

#[tokio::test(start_paused = true)]
async fn a_flooding_tenant_is_limited_and_the_others_are_not() {
    let svc = ServiceBuilder::new()
        .layer(TenantLayer::new(HeaderResolver::default()))
        .layer(TenantRateLimitLayer::new(Quota::per_second(10).burst(20)))
        .service(echo());

    let (mut flood_ok, mut flood_limited, mut others_ok) = (0, 0, 0);
    // Ten seconds: tenant 1 sends 100 requests a second, tenants 2..=5 send 5 a second each.
    for tick in 0..1_000 {
        let answer = send(svc.clone(), get("/", &[("x-tenant", "1")])).await;
        match answer.0.as_u16() {
            200 => flood_ok += 1,
            429 => {
                let doc = assert_problem(&answer, 429, "urn:tenancy:problem:rate-limited");
                let retry: u64 = answer.1["retry-after"]
                    .to_str()
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                assert_eq!(retry, 1, "{doc}");
                flood_limited += 1;
            }
            other => panic!("unexpected status {other}"),
        }
        if tick % 20 == 0 {
            for tenant in ["2", "3", "4", "5"] {
                let answer = send(svc.clone(), get("/", &[("x-tenant", tenant)])).await;
                assert_eq!(answer.0, 200, "tenant {tenant} must not be limited");
                others_ok += 1;
            }
        }
        tokio::time::advance(Duration::from_millis(10)).await;
    }
    assert_eq!(others_ok, 4 * 50);
    // Burst of 20 plus 10 a second for ~10 s; the rest is refused.
    assert!((115..=125).contains(&flood_ok), "flooder served {flood_ok}");
    assert_eq!(flood_ok + flood_limited, 1_000);
}

#[tokio::test]
async fn requests_without_a_tenant_are_not_limited() {
    let svc = ServiceBuilder::new()
        .layer(TenantLayer::new(HeaderResolver::default()).optional())
        .layer(TenantRateLimitLayer::new(Quota::per_minute(1)))
        .service(echo());
    for _ in 0..5 {
        assert_eq!(send(svc.clone(), get("/", &[])).await.0, 200);
    }
    assert_eq!(
        send(svc.clone(), get("/", &[("x-tenant", "9")])).await.0,
        200
    );
    assert_eq!(send(svc, get("/", &[("x-tenant", "9")])).await.0, 429);
}

#[tokio::test(start_paused = true)]
async fn retry_after_rounds_the_wait_up() {
    let svc = ServiceBuilder::new()
        .layer(TenantLayer::new(HeaderResolver::default()))
        .layer(TenantRateLimitLayer::new(Quota::per_minute(2).burst(1)))
        .service(echo());
    assert_eq!(
        send(svc.clone(), get("/", &[("x-tenant", "1")])).await.0,
        200
    );
    tokio::time::advance(Duration::from_millis(500)).await;
    let limited = send(svc.clone(), get("/", &[("x-tenant", "1")])).await;
    // One token per 30 s; 29.5 s to go, announced as 30.
    assert_eq!(limited.1["retry-after"], "30");
    tokio::time::advance(Duration::from_secs(30)).await;
    assert_eq!(send(svc, get("/", &[("x-tenant", "1")])).await.0, 200);
}
