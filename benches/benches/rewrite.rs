//! The rewriter's cost, per statement shape, next to what it must stay small against: parsing the
//! same SQL with sqlparser (the floor of any rewrite) and a `SELECT 1` round trip to PostgreSQL
//! (the floor of running any statement).
//!
//! Run with `cargo bench -p tenancy-benches`, then `cargo run -p tenancy-benches --bin bench-report`
//! for the ratio table recorded in `docs/performance.md`. The round trip uses `DATABASE_URL`, else
//! `postgres://postgres@127.0.0.1:5432/postgres`, and is skipped with a message when neither answers.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlx::Connection;
use tenancy_core::{Catalog, Rewriter};

const CATALOG: &str = r#"
default_tenant_column = "tenant_id"
[tables.accounts]
tenant_column = "id"
[tables.projects]
[tables.tasks]
[tables.comments]
tenant_column = "org_id"
[tables.plans]
reference = true
"#;

/// The statement shapes of the benchmark, by name. The names are the criterion group names the
/// report reads back.
const SHAPES: [(&str, &str); 5] = [
    (
        "point_select",
        "SELECT id, title, done FROM tasks WHERE id = $1",
    ),
    (
        "two_table_join",
        "SELECT t.id, t.title, p.name FROM tasks t JOIN projects p ON p.id = t.project_id \
         WHERE NOT t.done AND p.id = $1 ORDER BY t.id LIMIT 50",
    ),
    (
        "subquery_cte",
        "WITH recent AS (SELECT id, project_id FROM tasks WHERE created_at > $1) \
         SELECT p.name, (SELECT count(*) FROM comments c WHERE c.task_id IN \
         (SELECT r.id FROM recent r WHERE r.project_id = p.id)) AS comments \
         FROM projects p WHERE EXISTS (SELECT 1 FROM recent r WHERE r.project_id = p.id)",
    ),
    (
        "insert",
        "INSERT INTO tasks (project_id, title, done) VALUES ($1, $2, false) RETURNING id",
    ),
    (
        "update",
        "UPDATE tasks SET done = true, title = $2 WHERE id = $1 \
         AND project_id IN (SELECT id FROM projects WHERE name = $3)",
    ),
];

fn rewriter() -> Rewriter {
    match Catalog::from_toml_str(CATALOG) {
        Ok(catalog) => Rewriter::new(catalog),
        Err(e) => panic!("the benchmark catalog is invalid: {e}"),
    }
}

fn rewrite_shapes(c: &mut Criterion) {
    let rewriter = rewriter();
    for (shape, sql) in SHAPES {
        // A refused statement would benchmark the error path: stop instead.
        if let Err(e) = rewriter.rewrite(sql) {
            panic!("benchmark statement {shape} is refused: {e}");
        }
        let mut group = c.benchmark_group(shape);
        group.bench_function("parse", |b| {
            b.iter(|| Parser::parse_sql(&PostgreSqlDialect {}, black_box(sql)));
        });
        group.bench_function("cold", |b| {
            b.iter(|| rewriter.rewrite_uncached(black_box(sql)));
        });
        group.bench_function("cached", |b| {
            b.iter(|| rewriter.rewrite(black_box(sql)));
        });
        group.finish();
    }
}

fn database_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

fn round_trip(c: &mut Criterion) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => panic!("cannot start a Tokio runtime: {e}"),
    };
    let url = database_url();
    let connected = runtime.block_on(async {
        tokio::time::timeout(Duration::from_secs(5), sqlx::PgConnection::connect(&url)).await
    });
    let mut conn = match connected {
        Ok(Ok(conn)) => conn,
        Ok(Err(e)) => return eprintln!("round trip skipped: cannot connect to {url}: {e}"),
        Err(_) => return eprintln!("round trip skipped: {url} did not answer within 5 s"),
    };
    let mut group = c.benchmark_group("round_trip");
    group.bench_function("select_1", |b| {
        // One connection, no pool: the floor of any statement's latency.
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    if let Err(e) = sqlx::query("SELECT 1").fetch_one(&mut conn).await {
                        panic!("SELECT 1 failed mid-benchmark: {e}");
                    }
                }
                start.elapsed()
            })
        });
    });
    group.finish();
}

/// Rounds and iterations per round of the interleaved comparison.
const ROUNDS: usize = 200;
const BATCH: u32 = 200;

/// Cold rewrite / bare parse per shape, measured interleaved: each round times a batch of parses
/// and a batch of cold rewrites back to back, so a change of machine load hits both alike; the
/// median of the per-round ratios is printed. Criterion's separate medians drift with load.
fn interleaved(_: &mut Criterion) {
    let rewriter = rewriter();
    println!("\ncold rewrite / parse, interleaved ({ROUNDS} rounds x {BATCH}, median of rounds):");
    for (shape, sql) in SHAPES {
        let mut ratios = Vec::with_capacity(ROUNDS);
        for _ in 0..ROUNDS {
            let started = Instant::now();
            for _ in 0..BATCH {
                let _ = black_box(Parser::parse_sql(&PostgreSqlDialect {}, black_box(sql)));
            }
            let parse = started.elapsed();
            let started = Instant::now();
            for _ in 0..BATCH {
                let _ = black_box(rewriter.rewrite_uncached(black_box(sql)));
            }
            ratios.push(started.elapsed().as_secs_f64() / parse.as_secs_f64());
        }
        ratios.sort_by(f64::total_cmp);
        let median = ratios.get(ROUNDS / 2).copied().unwrap_or(f64::NAN);
        println!("{shape:<16} {median:.3}");
    }
}

criterion_group!(benches, rewrite_shapes, round_trip, interleaved);
criterion_main!(benches);
