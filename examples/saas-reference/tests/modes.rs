//! The binary's modes: `migrate` needs PostgreSQL only, `RUN_MIGRATIONS` is honoured at start-up,
//! and `worker` serves its metrics on `METRICS_ADDR`.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use axum::http::StatusCode;
use common::{app, slug};
use saas_reference::jobs::Job;
use saas_reference::{AppState, Config, Mode};
use serde_json::json;
use tenancy_core::TenantId;
use tenancy_core::context::scope;
use tenancy_testing::TestDatabase;

fn config(vars: &[(&str, &str)]) -> anyhow::Result<Config> {
    let env: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Config::from_lookup(|name| env.get(name).cloned())
}

async fn migrated(database: &TestDatabase) -> anyhow::Result<bool> {
    Ok(
        sqlx::query_scalar("SELECT to_regclass('public.projects') IS NOT NULL")
            .fetch_one(database.pool())
            .await?,
    )
}

#[tokio::test]
async fn migrate_needs_only_postgres() -> anyhow::Result<()> {
    let database = TestDatabase::builder().max_connections(2).create().await?;
    assert!(!migrated(&database).await?);
    // Nothing listens on port 1: touching Redis or RabbitMQ would fail the run.
    let config = config(&[
        ("DATABASE_URL", database.url()),
        ("REDIS_URL", "redis://127.0.0.1:1"),
        ("AMQP_URL", "amqp://guest:guest@127.0.0.1:1/%2f"),
        ("RUN_MIGRATIONS", "false"),
    ])?;
    saas_reference::run_until(config, Mode::Migrate, std::future::pending()).await?;
    assert!(migrated(&database).await?);
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(database.pool())
        .await?;
    assert_eq!(
        u64::try_from(applied)?,
        u64::try_from(saas_reference::db::MIGRATOR.iter().count())?
    );
    Ok(())
}

#[tokio::test]
async fn start_up_migrates_only_when_run_migrations_is_on() -> anyhow::Result<()> {
    for off in ["false", "0"] {
        let database = TestDatabase::builder().max_connections(2).create().await?;
        AppState::connect(config(&[
            ("DATABASE_URL", database.url()),
            ("RUN_MIGRATIONS", off),
        ])?)
        .await?;
        assert!(!migrated(&database).await?, "RUN_MIGRATIONS={off}");
    }
    let database = TestDatabase::builder().max_connections(2).create().await?;
    AppState::connect(config(&[("DATABASE_URL", database.url())])?).await?;
    assert!(migrated(&database).await?, "on by default");
    Ok(())
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// The value of an un-labelled or fully labelled sample in a Prometheus text exposition.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn the_worker_serves_metrics_on_metrics_addr() -> anyhow::Result<()> {
    let app = app().await?;
    let acme = app.signup(&slug("acme")).await?;
    let invited = app
        .post(
            "/v1/invitations",
            &acme.access,
            json!({"email": "w@example.com"}),
        )
        .await?;
    assert_eq!(invited.status, StatusCode::CREATED, "{}", invited.body);
    // A job that fails every time: retried once, then dead-lettered.
    let bogus = Job::InvitationEmail {
        invitation_id: uuid::Uuid::now_v7(),
        email: "q@example.com".into(),
        accept_url: "http://localhost:8080/v1/invitations/inv.x.y/accept".into(),
    };
    scope(TenantId::Uuid(acme.id), app.state.jobs.enqueue(&bogus)).await?;

    let addr = format!("127.0.0.1:{}", free_port()?);
    let config = config(&[
        ("DATABASE_URL", app.db.url()),
        ("METRICS_ADDR", &addr),
        ("JOB_MAX_ATTEMPTS", "2"),
        ("ARGON2_MEMORY_KIB", "64"),
    ])?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = tokio::spawn(saas_reference::run_until(config, Mode::Worker, async {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();
    let mut text = String::new();
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let Ok(response) = client.get(format!("http://{addr}/metrics")).send().await else {
            continue;
        };
        assert_eq!(response.status(), reqwest::StatusCode::OK);
        text = response.text().await?;
        if sample(
            &text,
            r#"saas_jobs_dead_lettered_total{kind="invitation_email"}"#,
        ) == Some(1.0)
        {
            break;
        }
    }
    let ok = r#"saas_jobs_total{kind="invitation_email",outcome="ok"}"#;
    let failed = r#"saas_jobs_total{kind="invitation_email",outcome="error"}"#;
    let retried = r#"saas_jobs_retried_total{kind="invitation_email"}"#;
    let dead = r#"saas_jobs_dead_lettered_total{kind="invitation_email"}"#;
    assert_eq!(sample(&text, ok), Some(1.0), "{text}");
    assert_eq!(sample(&text, failed), Some(2.0), "{text}");
    assert_eq!(sample(&text, retried), Some(1.0), "{text}");
    assert_eq!(sample(&text, dead), Some(1.0), "{text}");
    assert_eq!(sample(&text, "saas_job_queue_depth"), Some(0.0), "{text}");
    assert!(
        sample(&text, "saas_db_pool_connections").is_some_and(|n| n >= 1.0),
        "{text}"
    );
    assert!(
        !text.contains(&acme.id.to_string()),
        "no tenant ids in labels"
    );

    let _ = stop.send(());
    worker.await??;
    assert!(
        client
            .get(format!("http://{addr}/metrics"))
            .send()
            .await
            .is_err(),
        "the metrics server stops with the worker"
    );
    Ok(())
}
