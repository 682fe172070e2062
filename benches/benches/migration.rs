//! Schema-to-shared migration throughput against a raw `COPY ... TO STDOUT | COPY ... FROM STDIN`
//! of the same rows in the same run, and the per-tenant cutover pause with a writer active.
//!
//! Run with `cargo bench -p tenancy-benches --bench migration`; the last lines print the numbers
//! recorded in `docs/performance.md`. Needs PostgreSQL (tenancy-testing's resolution:
//! `DATABASE_URL`, Docker, or 127.0.0.1:5432). `MIGRATION_BENCH_TENANTS` (default 40) and
//! `MIGRATION_BENCH_TASKS` (rows per tenant, default 5000) size the data.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use sqlx::PgPool;
use tenancy_core::{Catalog, TenantKeyKind};
use tenancy_sqlx::migration::{
    self, CopyOptions, MigrationPlan, SourceLayout, apply_changes, copy_all, cutover, pipe_copy,
    plan_migration,
};
use tenancy_testing::TestDatabase;

type BenchResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const TENANT_TABLES: &str = "
CREATE SCHEMA {s};
CREATE TABLE {s}.projects (id bigserial PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE {s}.tasks (id bigserial PRIMARY KEY, project_id bigint NOT NULL, title text NOT NULL,
    done boolean NOT NULL DEFAULT false, due date, meta jsonb);
INSERT INTO {s}.projects (name) SELECT 'project ' || p FROM generate_series(1, 50) p;
INSERT INTO {s}.tasks (project_id, title, done, due, meta)
  SELECT 1 + k % 50, 'task number ' || k || ' with a realistic title', k % 3 = 0, DATE '2025-01-01' + k % 365,
         jsonb_build_object('priority', k % 5, 'labels', jsonb_build_array('a', 'b'))
  FROM generate_series(1, {tasks}) k;
";

const SHARED_TABLES: &str = "
CREATE TABLE projects (tenant_id bigint NOT NULL, id bigserial NOT NULL, name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (tenant_id, id));
CREATE TABLE tasks (tenant_id bigint NOT NULL, id bigserial NOT NULL, project_id bigint NOT NULL,
    title text NOT NULL, done boolean NOT NULL DEFAULT false, due date, meta jsonb,
    PRIMARY KEY (tenant_id, id));
";

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn seed(source: &PgPool, tenants: u64, tasks: u64) -> BenchResult {
    let mut sql = String::new();
    for n in 1..=tenants {
        let s = format!("tenant_{n}");
        sql.push_str(
            &TENANT_TABLES
                .replace("{s}", &s)
                .replace("{tasks}", &tasks.to_string()),
        );
        if n % 10 == 0 || n == tenants {
            sqlx::raw_sql(sqlx::AssertSqlSafe(std::mem::take(&mut sql)))
                .execute(source)
                .await?;
        }
    }
    sqlx::raw_sql("VACUUM ANALYZE").execute(source).await?;
    Ok(())
}

async fn reset(target: &PgPool) -> BenchResult {
    sqlx::raw_sql(
        "TRUNCATE projects, tasks;
         DO $$ BEGIN
           IF to_regclass('tenancy_migration.copy_checkpoint') IS NOT NULL THEN
             TRUNCATE tenancy_migration.copy_checkpoint;
           END IF;
         END $$;
         CHECKPOINT;",
    )
    .execute(target)
    .await?;
    Ok(())
}

/// The baseline: one `COPY (SELECT ...) TO STDOUT | COPY ... FROM STDIN` per tenant and table,
/// no batches, no checkpoints, no capture.
async fn raw_copy(plan: &MigrationPlan, source: &PgPool, target: &PgPool) -> BenchResult<u64> {
    let (mut from, mut into) = (source.acquire().await?, target.acquire().await?);
    let mut rows = 0;
    for tenant in &plan.tenants {
        for table in &plan.tables {
            let cols: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
            let cols = cols.join(", ");
            rows += pipe_copy(
                &mut from,
                &format!(
                    "COPY (SELECT {cols}, {} FROM {}.{}) TO STDOUT",
                    tenant.tenant, tenant.schema, table.name
                ),
                &mut into,
                &format!("COPY {} ({cols}, tenant_id) FROM STDIN", table.name),
            )
            .await?;
        }
    }
    Ok(rows)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

async fn cutover_pauses(
    plan: &MigrationPlan,
    source: &PgPool,
    target: &PgPool,
) -> BenchResult<Vec<Duration>> {
    apply_changes(plan, source, target, None, 1_000).await?;
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (source, stop) = (source.clone(), Arc::clone(&stop));
        let tenants = plan.tenants.len();
        tokio::spawn(async move {
            let mut i = 0_usize;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                let sql = format!(
                    "INSERT INTO tenant_{}.tasks (project_id, title) VALUES (1, 'live {i}')",
                    1 + i % tenants
                );
                // Writes to cut-over tenants are refused (TN001): expected, and ignored here.
                let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                    .execute(&source)
                    .await;
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut pauses = Vec::new();
    for tenant in plan.tenants.iter().take(20) {
        pauses.push(cutover(plan, source, target, &tenant.tenant).await?.blocked);
    }
    stop.store(true, Ordering::Relaxed);
    writer.await?;
    Ok(pauses)
}

async fn bench() -> BenchResult<String> {
    let tenants = env_number("MIGRATION_BENCH_TENANTS", 40);
    let tasks = env_number("MIGRATION_BENCH_TASKS", 5_000);
    let source = TestDatabase::builder().max_connections(8).create().await?;
    let target = TestDatabase::builder().max_connections(8).create().await?;
    seed(source.pool(), tenants, tasks).await?;
    sqlx::raw_sql(SHARED_TABLES).execute(target.pool()).await?;
    let catalog = Catalog::builder()
        .tenant_table("projects")
        .tenant_table("tasks")
        .build()?;
    let layout = SourceLayout::new("tenant_").tenant_kind(TenantKeyKind::Int);
    let plan = plan_migration(source.pool(), target.pool(), &catalog, &layout).await?;
    plan.ensure_ready()?;
    migration::install_target(target.pool()).await?;

    let (mut raw, mut serial, mut parallel) = (Vec::new(), Vec::new(), Vec::new());
    let mut total = 0;
    for _ in 0..3 {
        reset(target.pool()).await?;
        let started = Instant::now();
        total = raw_copy(&plan, source.pool(), target.pool()).await?;
        raw.push(total as f64 / started.elapsed().as_secs_f64());
        for (concurrency, out) in [(1, &mut serial), (4, &mut parallel)] {
            reset(target.pool()).await?;
            let options = CopyOptions::default()
                .batch_rows(10_000)
                .concurrency(concurrency);
            let started = Instant::now();
            let copied = copy_all(&plan, source.pool(), target.pool(), options, None).await?;
            let rows: u64 = copied.iter().map(|c| c.rows).sum();
            assert_eq!(rows, total, "the migration copied every row");
            out.push(rows as f64 / started.elapsed().as_secs_f64());
        }
    }
    let report = migration::verify_all(&plan, source.pool(), target.pool(), 4).await?;
    assert!(report.is_equal(), "{report}");
    let pauses = cutover_pauses(&plan, source.pool(), target.pool()).await?;
    let mut ms: Vec<f64> = pauses.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    ms.sort_by(f64::total_cmp);

    let (raw, serial, parallel) = (median(raw), median(serial), median(parallel));
    let mut out = String::new();
    writeln!(
        out,
        "migration: {tenants} tenant schemas, {total} rows (median of 3 runs)"
    )?;
    writeln!(
        out,
        "raw COPY TO STDOUT | COPY FROM STDIN, 1 stream: {raw:.0} rows/s"
    )?;
    writeln!(
        out,
        "tenancy migrate, 1 tenant at a time, 10k-row batches: {serial:.0} rows/s, ratio {:.2}",
        serial / raw
    )?;
    writeln!(
        out,
        "tenancy migrate, 4 tenants at once, 10k-row batches: {parallel:.0} rows/s, ratio {:.2}",
        parallel / raw
    )?;
    writeln!(
        out,
        "cutover write pause over {} tenants (writer active): min {:.1} ms, median {:.1} ms, max {:.1} ms",
        ms.len(),
        ms.first().copied().unwrap_or(0.0),
        median(ms.clone()),
        ms.last().copied().unwrap_or(0.0)
    )?;
    source.cleanup().await?;
    target.cleanup().await?;
    Ok(out)
}

fn main() -> BenchResult {
    // `cargo bench` passes `--bench`; a filter that excludes this benchmark skips it.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    if !args.is_empty() && !args.iter().any(|a| "migration".contains(a.as_str())) {
        return Ok(());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    print!("{}", runtime.block_on(bench())?);
    Ok(())
}
