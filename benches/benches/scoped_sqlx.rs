//! `TenantPool` against hand-scoped raw sqlx on the same statements, the same pool size and the
//! same database: the SDK's whole overhead per query (rewrite cache hit, extra bind, no extra
//! round trip), sequentially and with 8 concurrent tasks; and the row-level-security mode, which
//! adds a transaction per statement.
//!
//! Run with `cargo bench -p tenancy-benches --bench scoped_sqlx`; the last lines print the
//! throughput ratios (scoped / raw) recorded in `docs/performance.md`. Needs PostgreSQL
//! (tenancy-testing's resolution: `DATABASE_URL`, Docker, or 127.0.0.1:5432).

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::Criterion;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use tenancy_core::{Catalog, TenantId, TenantKeyKind, context};
use tenancy_sqlx::{TenantPool, rls};
use tenancy_testing::TestDatabase;
use tokio::runtime::Runtime;

const CONCURRENCY: u64 = 8;
const SCHEMA: &str = "
CREATE TABLE projects (tenant_id bigint, id bigint, name text, PRIMARY KEY (tenant_id, id));
CREATE TABLE tasks (tenant_id bigint, id bigint, project_id bigint, title text, done boolean,
                    PRIMARY KEY (tenant_id, id));
CREATE INDEX ON tasks (tenant_id, project_id);
INSERT INTO projects SELECT t, p, 'project ' || p FROM generate_series(1, 3) t, generate_series(1, 20) p;
INSERT INTO tasks SELECT t, k, 1 + k % 20, 'task ' || k, k % 3 = 0
  FROM generate_series(1, 3) t, generate_series(1, 2000) k;
ANALYZE;
";

/// (name, statement through the SDK, the same statement scoped by hand for raw sqlx)
const SHAPES: [(&str, &str, &str); 2] = [
    (
        "point_select",
        "SELECT id, title, done FROM tasks WHERE id = $1",
        "SELECT id, title, done FROM tasks WHERE id = $1 AND tenant_id = $2",
    ),
    (
        "two_table_join",
        "SELECT t.id, t.title, p.name FROM tasks t JOIN projects p ON p.id = t.project_id \
         WHERE t.project_id = $1 ORDER BY t.id LIMIT 20",
        "SELECT t.id, t.title, p.name FROM tasks t JOIN projects p ON p.id = t.project_id \
         WHERE t.project_id = $1 AND t.tenant_id = $2 AND p.tenant_id = $2 ORDER BY t.id LIMIT 20",
    ),
];

struct Setup {
    raw: PgPool,
    scoped: TenantPool,
    rls_scoped: TenantPool,
    app_role: String,
}

fn catalog() -> Catalog {
    match Catalog::builder()
        .tenant_table("projects")
        .tenant_table("tasks")
        .build()
    {
        Ok(c) => c,
        Err(e) => panic!("benchmark catalog: {e}"),
    }
}

async fn setup(db: &TestDatabase) -> Result<Setup, Box<dyn std::error::Error>> {
    sqlx::raw_sql(SCHEMA).execute(db.pool()).await?;
    let pool_of = |options: PgConnectOptions| {
        PgPoolOptions::new()
            .max_connections(u32::try_from(CONCURRENCY).unwrap_or(8))
            .connect_with(options)
    };
    // Raw and scoped share one pool: the same connections, server backends and statement
    // caches, so only the SDK's own work differs between them.
    let raw = pool_of(PgConnectOptions::from_str(db.url())?).await?;
    let scoped = TenantPool::new(raw.clone(), catalog());
    rls::apply(db.pool(), &catalog(), TenantKeyKind::Int).await?;
    let app_role = format!("tenancy_bench_{}", std::process::id());
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE ROLE {app_role} LOGIN; GRANT SELECT ON ALL TABLES IN SCHEMA public TO {app_role};"
    )))
    .execute(db.pool())
    .await?;
    let app = pool_of(PgConnectOptions::from_str(db.url())?.username(&app_role)).await?;
    let rls_scoped = TenantPool::new(app, catalog()).with_row_level_security(true);
    Ok(Setup {
        raw,
        scoped,
        rls_scoped,
        app_role,
    })
}

async fn raw_query(pool: &PgPool, sql: &'static str, arg: i64, tenant: i64) {
    let rows = sqlx::query(sql)
        .bind(arg)
        .bind(tenant)
        .fetch_all(pool)
        .await;
    assert!(
        matches!(rows, Ok(ref r) if !r.is_empty()),
        "raw query failed: {rows:?}"
    );
}

async fn scoped_query(pool: &TenantPool, sql: &'static str, arg: i64, tenant: i64) {
    let rows = context::scope(
        TenantId::Int(tenant),
        sqlx::query(sql).bind(arg).fetch_all(pool),
    )
    .await;
    assert!(
        matches!(rows, Ok(ref r) if !r.is_empty()),
        "scoped query failed: {rows:?}"
    );
}

/// Runs `iters` queries split over `tasks` concurrent tasks and returns the wall time.
async fn run<F, Fut>(iters: u64, tasks: u64, query: Arc<F>) -> Duration
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send,
{
    let started = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|task| {
            let query = Arc::clone(&query);
            tokio::spawn(async move {
                for i in (task..iters).step_by(usize::try_from(tasks).unwrap_or(1)) {
                    query(i).await;
                }
            })
        })
        .collect();
    for handle in handles {
        if let Err(e) = handle.await {
            panic!("benchmark task failed: {e}");
        }
    }
    started.elapsed()
}

fn bench(c: &mut Criterion, rt: &Runtime, setup: &Arc<Setup>) {
    for (shape, scoped_sql, raw_sql) in SHAPES {
        for (mode, tasks) in [("seq", 1), ("conc8", CONCURRENCY)] {
            let mut group = c.benchmark_group(format!("sqlx_{shape}_{mode}"));
            let s = Arc::clone(setup);
            group.bench_function("raw", |b| {
                b.to_async(rt).iter_custom(|iters| {
                    let s = Arc::clone(&s);
                    run(
                        iters,
                        tasks,
                        Arc::new(move |i: u64| {
                            let s = Arc::clone(&s);
                            async move { raw_query(&s.raw, raw_sql, key(i), tenant(i)).await }
                        }),
                    )
                });
            });
            for (variant, rls_on) in [("scoped", false), ("scoped_rls", true)] {
                let s = Arc::clone(setup);
                group.bench_function(variant, |b| {
                    b.to_async(rt).iter_custom(|iters| {
                        let s = Arc::clone(&s);
                        run(
                            iters,
                            tasks,
                            Arc::new(move |i: u64| {
                                let s = Arc::clone(&s);
                                async move {
                                    let pool = if rls_on { &s.rls_scoped } else { &s.scoped };
                                    scoped_query(pool, scoped_sql, key(i), tenant(i)).await;
                                }
                            }),
                        )
                    });
                });
            }
            group.finish();
        }
    }
}

/// Rounds and queries per round of the interleaved comparison.
const ROUNDS: usize = 120;
const BATCH: u64 = 200;

/// Throughput ratios (raw / raw, raw / scoped, raw / RLS) measured interleaved: each round runs a
/// batch of raw queries and a batch of the variant back to back, the order alternating every
/// round, so a change of machine load hits both alike; the result is the median of the per-round
/// ratios. Each variant is paired with raw on its own, so neither disturbs the other's rounds.
/// Raw against itself is the noise floor of the method: how far from 1.000 a ratio lands when
/// nothing differs. This is the number `docs/performance.md` records; criterion's separate
/// medians drift with load.
fn interleaved(
    rt: &Runtime,
    setup: &Arc<Setup>,
    scoped_sql: &'static str,
    raw_sql: &'static str,
    tasks: u64,
) -> (f64, f64, f64) {
    let time = |variant: usize| {
        let s = Arc::clone(setup);
        rt.block_on(run(
            BATCH,
            tasks,
            Arc::new(move |i: u64| {
                let s = Arc::clone(&s);
                async move {
                    match variant {
                        0 => raw_query(&s.raw, raw_sql, key(i), tenant(i)).await,
                        1 => scoped_query(&s.scoped, scoped_sql, key(i), tenant(i)).await,
                        _ => scoped_query(&s.rls_scoped, scoped_sql, key(i), tenant(i)).await,
                    }
                }
            }),
        ))
        .as_secs_f64()
    };
    let ratio = |variant: usize| {
        let mut ratios = Vec::with_capacity(ROUNDS);
        for round in 0..ROUNDS {
            let (raw, other) = if round % 2 == 0 {
                let raw = time(0);
                (raw, time(variant))
            } else {
                let other = time(variant);
                (time(0), other)
            };
            ratios.push(raw / other);
        }
        median(&mut ratios)
    };
    (ratio(0), ratio(1), ratio(2))
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

fn key(i: u64) -> i64 {
    i64::try_from(1 + i % 20).unwrap_or(1)
}

fn tenant(i: u64) -> i64 {
    i64::try_from(1 + (i / 7) % 3).unwrap_or(1)
}

fn median_ns(group: &str, function: &str) -> Option<f64> {
    let dir = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"),
        PathBuf::from,
    );
    let path = dir
        .join("criterion")
        .join(group)
        .join(function)
        .join("new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["median"]["point_estimate"].as_f64()
}

fn main() {
    // One thread drives every task: no cross-thread wake-ups whose latency varies more than the
    // SDK's work per query, and the client's CPU cost is fully on the measured path (the eight
    // concurrent tasks still keep eight server backends busy).
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => panic!("tokio runtime: {e}"),
    };
    let (db, setup) = match rt.block_on(async {
        let db = TestDatabase::create().await?;
        let setup = setup(&db).await?;
        Ok::<_, Box<dyn std::error::Error>>((db, setup))
    }) {
        Ok(parts) => parts,
        Err(e) => {
            eprintln!("scoped_sqlx benchmark skipped: no PostgreSQL ({e})");
            return;
        }
    };
    let setup = Arc::new(setup);
    let mut criterion = Criterion::default()
        .configure_from_args()
        .measurement_time(Duration::from_secs(4));
    bench(&mut criterion, &rt, &setup);
    criterion.final_summary();

    println!("\nthroughput ratio vs hand-scoped raw sqlx (1.00 = no overhead):");
    println!(
        "{:<32} {:>10} {:>10} {:>10} {:>8} {:>8}",
        "group", "raw", "scoped", "rls", "scoped", "rls"
    );
    for (shape, _, _) in SHAPES {
        for mode in ["seq", "conc8"] {
            let group = format!("sqlx_{shape}_{mode}");
            if let (Some(raw), Some(scoped), Some(rls)) = (
                median_ns(&group, "raw"),
                median_ns(&group, "scoped"),
                median_ns(&group, "scoped_rls"),
            ) {
                println!(
                    "{group:<32} {:>8.1}µs {:>8.1}µs {:>8.1}µs {:>8.3} {:>8.3}",
                    raw / 1e3,
                    scoped / 1e3,
                    rls / 1e3,
                    raw / scoped,
                    raw / rls
                );
            }
        }
    }
    println!(
        "\ninterleaved throughput ratio vs raw ({ROUNDS} rounds x {BATCH} queries, median of rounds):"
    );
    println!(
        "{:<32} {:>8} {:>8} {:>8}",
        "group", "raw/raw", "scoped", "rls"
    );
    for (shape, scoped_sql, raw_sql) in SHAPES {
        for (mode, tasks) in [("seq", 1), ("conc8", CONCURRENCY)] {
            let (noise, scoped, rls) = interleaved(&rt, &setup, scoped_sql, raw_sql, tasks);
            println!(
                "{:<32} {noise:>8.3} {scoped:>8.3} {rls:>8.3}",
                format!("sqlx_{shape}_{mode}")
            );
        }
    }
    let app_role = setup.app_role.clone();
    drop(setup);
    rt.block_on(async {
        let dropped = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP OWNED BY {app_role}; DROP ROLE {app_role};"
        )))
        .execute(db.pool())
        .await;
        if let Err(e) = dropped.map(|_| ()) {
            eprintln!("could not drop role {app_role}: {e}");
        }
        if let Err(e) = db.cleanup().await {
            eprintln!("could not drop the benchmark database: {e}");
        }
    });
}
