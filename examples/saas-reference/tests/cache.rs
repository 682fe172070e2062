//! Cache keys are per tenant: with Redis, a tenant's reads fill only its own keys, writes
//! invalidate them, and another tenant never hits them.

mod common;

use axum::http::StatusCode;
use common::{app_with, id_of, slug};
use redis::AsyncCommands as _;
use saas_reference::cache::Cache;
use serde_json::json;

const REDIS_URL: &str = "redis://127.0.0.1:6379";

#[tokio::test]
async fn redis_keys_are_tenant_prefixed_and_invalidated() -> anyhow::Result<()> {
    let app = app_with(&[("REDIS_URL", REDIS_URL)]).await?;
    assert!(matches!(app.state.cache, Cache::Redis(_)));
    let a = app.signup(&slug("alpha")).await?;
    let b = app.signup(&slug("bravo")).await?;
    let project = id_of(
        &app.post("/v1/projects", &a.access, json!({"name": "cached"}))
            .await?,
    )?;
    let mut redis = redis::Client::open(REDIS_URL)?
        .get_multiplexed_async_connection()
        .await?;
    let a_key = format!("saas:{}:project:{project}", a.id);
    let b_key = format!("saas:{}:project:{project}", b.id);

    assert_eq!(
        app.get(&format!("/v1/projects/{project}"), &a.access)
            .await?
            .status,
        StatusCode::OK
    );
    let cached: Option<String> = redis.get(&a_key).await?;
    assert!(
        cached.is_some_and(|v| v.contains("cached")),
        "A's read fills A's key"
    );

    assert_eq!(
        app.get(&format!("/v1/projects/{project}"), &b.access)
            .await?
            .status,
        StatusCode::NOT_FOUND
    );
    assert!(
        !redis.exists::<_, bool>(&b_key).await?,
        "B's miss stores nothing"
    );
    let ours: Vec<String> = redis.keys(format!("saas:{}:*", b.id)).await?;
    assert!(ours.is_empty(), "{ours:?}");

    app.patch(
        &format!("/v1/projects/{project}"),
        &a.access,
        json!({"name": "renamed"}),
    )
    .await?;
    assert!(
        !redis.exists::<_, bool>(&a_key).await?,
        "a write invalidates"
    );
    assert_eq!(
        app.get(&format!("/v1/projects/{project}"), &a.access)
            .await?
            .body["name"],
        "renamed"
    );
    let _: () = redis.del(&a_key).await?;
    Ok(())
}

#[tokio::test]
async fn in_process_cache_is_the_default_and_per_tenant() -> anyhow::Result<()> {
    let app = app_with(&[]).await?;
    assert!(matches!(app.state.cache, Cache::Memory(_)));
    let a = app.signup(&slug("alpha")).await?;
    let b = app.signup(&slug("bravo")).await?;
    let project = id_of(
        &app.post("/v1/projects", &a.access, json!({"name": "p"}))
            .await?,
    )?;
    assert_eq!(
        app.get(&format!("/v1/projects/{project}"), &a.access)
            .await?
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get(&format!("/v1/projects/{project}"), &b.access)
            .await?
            .status,
        StatusCode::NOT_FOUND
    );
    app.patch(
        &format!("/v1/projects/{project}"),
        &a.access,
        json!({"name": "q"}),
    )
    .await?;
    assert_eq!(
        app.get(&format!("/v1/projects/{project}"), &a.access)
            .await?
            .body["name"],
        "q"
    );
    Ok(())
}
