//! Jobs carry their tenant: over the PostgreSQL queue and over RabbitMQ (header → worker scope),
//! with retries and a dead-letter queue.

mod common;

use std::time::Duration;

use axum::http::{Method, StatusCode};
use common::{TestApp, app_with, slug};
use lapin::options::QueueDeclareOptions;
use lapin::types::FieldTable;
use saas_reference::jobs::{Job, JobQueue, worker};
use serde_json::json;
use tenancy_core::TenantId;
use tenancy_core::context::scope;
use tokio::sync::watch;

const AMQP_URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

async fn emailed(app: &TestApp, token: &str) -> anyhow::Result<Vec<bool>> {
    let list = app.get("/v1/invitations", token).await?;
    Ok(list.body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| i["emailed"] == true)
        .collect())
}

async fn wait_for(mut check: impl AsyncFnMut() -> anyhow::Result<bool>) -> anyhow::Result<()> {
    for _ in 0..100 {
        if check().await? {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("timed out")
}

/// Invitations of two tenants are emailed by one worker, each job in its own tenant's scope
/// (marking the invitation sent only works inside the right tenant).
async fn invitations_are_processed_in_their_tenant(app: &TestApp) -> anyhow::Result<()> {
    let (stop, stopped) = watch::channel(false);
    let worker = tokio::spawn(worker::work(app.state.clone(), stopped));
    let a = app.signup(&slug("alpha")).await?;
    let b = app.signup(&slug("bravo")).await?;
    for (tenant, email) in [(&a, "x@a.io"), (&b, "y@b.io"), (&b, "z@b.io")] {
        let invited = app
            .post("/v1/invitations", &tenant.access, json!({"email": email}))
            .await?;
        assert_eq!(invited.status, StatusCode::CREATED, "{}", invited.body);
    }
    wait_for(async || {
        Ok(emailed(app, &a.access).await? == [true]
            && emailed(app, &b.access).await? == [true, true])
    })
    .await?;
    let rollup = app
        .request(Method::POST, "/v1/usage/rollup", Some(&b.access), None, &[])
        .await?;
    assert_eq!(rollup.status, StatusCode::ACCEPTED);
    wait_for(async || Ok(app.get("/v1/usage", &b.access).await?.body["latest"]["members"] == 1))
        .await?;
    assert_eq!(
        app.get("/v1/usage", &a.access).await?.body["latest"],
        serde_json::Value::Null,
        "B's rollup is B's"
    );
    stop.send_replace(true);
    worker.await??;
    Ok(())
}

#[tokio::test]
async fn postgres_queue_restores_the_tenant() -> anyhow::Result<()> {
    let app = app_with(&[]).await?;
    assert!(matches!(app.state.jobs, JobQueue::Postgres(_)));
    invitations_are_processed_in_their_tenant(&app).await
}

#[tokio::test]
async fn postgres_queue_retries_then_dead_letters() -> anyhow::Result<()> {
    let app = app_with(&[("JOB_MAX_ATTEMPTS", "1")]).await?;
    let a = app.signup(&slug("alpha")).await?;
    // An invitation id that does not exist in this tenant: the job fails every time.
    let bogus = Job::InvitationEmail {
        invitation_id: uuid::Uuid::now_v7(),
        email: "q@q.io".into(),
        accept_url: "http://localhost:8080/v1/invitations/inv.x.y/accept".into(),
    };
    scope(TenantId::Uuid(a.id), app.state.jobs.enqueue(&bogus)).await?;
    let JobQueue::Postgres(queue) = &app.state.jobs else {
        anyhow::bail!("expected the PostgreSQL queue")
    };
    let claimed = queue
        .claim()
        .await?
        .ok_or_else(|| anyhow::anyhow!("nothing claimed"))?;
    assert_eq!(claimed.tenant, a.id);
    assert!(
        queue.claim().await?.is_none(),
        "a claimed job is locked/leased"
    );
    let outcome = scope(
        TenantId::Uuid(claimed.tenant),
        worker::run(&app.state, serde_json::from_value(claimed.job.clone())?),
    )
    .await;
    assert!(outcome.is_err());
    queue.finish(&claimed, outcome, 1).await?;
    let state: String = sqlx::query_scalar("SELECT state FROM jobs")
        .fetch_one(app.db.pool())
        .await?;
    assert_eq!(state, "dead");
    Ok(())
}

#[tokio::test]
async fn rabbitmq_carries_the_tenant_in_headers() -> anyhow::Result<()> {
    let queue = format!("test.jobs.{}", uuid::Uuid::new_v4().simple());
    let app = app_with(&[
        ("AMQP_URL", AMQP_URL),
        ("AMQP_QUEUE", &queue),
        ("JOB_MAX_ATTEMPTS", "2"),
    ])
    .await?;
    assert!(matches!(app.state.jobs, JobQueue::Rabbit(_)));
    invitations_are_processed_in_their_tenant(&app).await?;

    // A job that always fails is retried once through the retry queue, then dead-lettered.
    let a = app.signup(&slug("alpha")).await?;
    let (stop, stopped) = watch::channel(false);
    let worker = tokio::spawn(worker::work(app.state.clone(), stopped));
    let bogus = Job::InvitationEmail {
        invitation_id: uuid::Uuid::now_v7(),
        email: "q@q.io".into(),
        accept_url: "http://localhost:8080/v1/invitations/inv.x.y/accept".into(),
    };
    scope(TenantId::Uuid(a.id), app.state.jobs.enqueue(&bogus)).await?;
    let connection =
        lapin::Connection::connect(AMQP_URL, lapin::ConnectionProperties::default()).await?;
    let channel = connection.create_channel().await?;
    let passive = QueueDeclareOptions {
        passive: true,
        ..QueueDeclareOptions::default()
    };
    let dead = format!("{queue}.dead");
    wait_for(async || {
        Ok(channel
            .queue_declare(&dead, passive, FieldTable::default())
            .await?
            .message_count()
            == 1)
    })
    .await?;
    let failures = app
        .state
        .metrics
        .jobs
        .with_label_values(&["invitation_email", "error"])
        .get();
    assert_eq!(failures, 2, "first attempt and one retry");
    stop.send_replace(true);
    worker.await??;
    for name in [queue.clone(), format!("{queue}.retry"), dead] {
        channel
            .queue_delete(&name, lapin::options::QueueDeleteOptions::default())
            .await?;
    }
    Ok(())
}
