//! The PostgreSQL-backed job queue on Citus: `migrate` distributes every tenant table but keeps
//! `jobs` on the coordinator, where the worker's `FOR UPDATE SKIP LOCKED` claim runs.
//!
//! Runs when `CITUS_URL` names a Citus coordinator; prints that it was skipped otherwise.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::{app_on, slug};
use saas_reference::jobs::{JobQueue, worker};
use serde_json::json;
use tenancy_testing::TestDatabase;
use tokio::sync::watch;

#[tokio::test]
async fn the_postgres_queue_works_on_citus() -> anyhow::Result<()> {
    let Some(db) = TestDatabase::builder()
        .citus()
        .max_connections(2)
        .create_or_skip("the_postgres_queue_works_on_citus")
        .await?
    else {
        return Ok(());
    };
    let app = app_on(db, &[]).await?;
    assert!(matches!(app.state.jobs, JobQueue::Postgres(_)));
    let pool = app.db.pool().clone();
    let placement = |table: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "SELECT citus_table_type FROM citus_tables WHERE table_name = $1::regclass",
            )
            .bind(table)
            .fetch_optional(&pool)
            .await
        }
    };
    assert_eq!(
        placement("organizations").await?.as_deref(),
        Some("distributed")
    );
    assert_eq!(placement("projects").await?.as_deref(), Some("distributed"));
    assert_eq!(
        placement("tenant_slugs").await?.as_deref(),
        Some("reference")
    );
    assert_eq!(placement("jobs").await?, None, "the queue stays local");

    let (stop, stopped) = watch::channel(false);
    let running = tokio::spawn(worker::work(app.state.clone(), stopped));
    let a = app.signup(&slug("alpha")).await?;
    let b = app.signup(&slug("bravo")).await?;
    for (tenant, email) in [(&a, "x@a.io"), (&b, "y@b.io")] {
        let invited = app
            .post("/v1/invitations", &tenant.access, json!({"email": email}))
            .await?;
        assert_eq!(invited.status, StatusCode::CREATED, "{}", invited.body);
    }
    let mut emailed = false;
    for _ in 0..100 {
        let a_sent =
            app.get("/v1/invitations", &a.access).await?.body["items"][0]["emailed"] == true;
        let b_sent =
            app.get("/v1/invitations", &b.access).await?.body["items"][0]["emailed"] == true;
        if a_sent && b_sent {
            emailed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.send_replace(true);
    running.await??;
    assert!(
        emailed,
        "both tenants' jobs were claimed and run in their own scope"
    );
    Ok(())
}
