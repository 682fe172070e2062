//! The rewriter's grammar fuzzer, run by hand for a fixed time (not in CI):
//!
//! ```sh
//! FUZZ_SECONDS=600 cargo test -p tenancy-tests --release --test fuzz -- --ignored --nocapture
//! ```
//!
//! Cases are generated `SELECT`s with hostile mutations (`tenancy_tests::mutation`). Each is
//! rewritten on a thread with a 2 MiB stack. Properties: the rewriter never panics or overflows
//! the stack (an overflow aborts the process; the case being run is in `fuzz-last.sql` in the
//! temporary directory, and `FUZZ_SEED` replays the run); every refusal is a typed error with a
//! one-line message; every accepted statement re-parses as one statement; and, when a database
//! is reachable, the rewritten statement run for tenant `T` returns no other tenant's row.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlx::{AssertSqlSafe, Connection, Row};
use tenancy_core::{Error, Rewriter};
use tenancy_testing::TestDatabase;
use tenancy_tests::differential::BoxError;
use tenancy_tests::mutation::{Case, cases};
use tenancy_tests::schema::{self, TENANTS};

const STACK: usize = 2 * 1024 * 1024;

/// What one case came to.
#[derive(Debug)]
enum Outcome {
    Accepted {
        sql: String,
        tenant_param: Option<usize>,
    },
    Refused(String),
}

fn seconds() -> u64 {
    std::env::var("FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60)
}

fn seed() -> u64 {
    std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        })
}

/// Rewrites `sql` on a 2 MiB thread; a panic is a finding.
fn rewrite(rewriter: &std::sync::Arc<Rewriter>, sql: &str) -> Result<Outcome, String> {
    let rewriter = std::sync::Arc::clone(rewriter);
    let sql = sql.to_owned();
    let handle = std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || match rewriter.rewrite_uncached(&sql) {
            Ok(rewritten) => Outcome::Accepted {
                sql: rewritten.to_string(),
                tenant_param: rewritten.tenant_param(),
            },
            Err(error) => Outcome::Refused(kind(&error)),
        })
        .map_err(|e| e.to_string())?;
    handle.join().map_err(|panic| {
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default();
        format!("PANIC: {message}")
    })
}

/// The error's category for the summary; also checks the message is one non-empty line.
fn kind(error: &Error) -> String {
    let message = error.to_string();
    if message.trim().is_empty() || message.contains('\n') {
        return format!("BAD MESSAGE: {message:?}");
    }
    match error {
        Error::Refused { kind, .. } => format!("refused: {kind}"),
        Error::Parse { .. } => "parse error".to_owned(),
        Error::UnknownTable { .. } => "unknown table".to_owned(),
        other => format!("{other:?}").chars().take(40).collect(),
    }
}

/// What running an accepted statement on the database showed.
enum Run {
    /// The mutant uses placeholders of its own (nothing meaningful to bind), or PostgreSQL
    /// rejected it: expected of mutants.
    NotRun,
    /// It ran; with rows naming another tenant, a leak.
    Ran(Option<String>),
}

/// Runs an accepted statement for `tenant` in a rolled-back transaction; a row naming another
/// tenant in a `tenants` column is a leak.
async fn run(
    db: &TestDatabase,
    sql: &str,
    tenant_param: Option<usize>,
    tenant: i64,
) -> Result<Run, BoxError> {
    if tenant_param.is_some_and(|n| n != 1) {
        return Ok(Run::NotRun);
    }
    let mut conn = db.pool().acquire().await?;
    let mut tx = conn.begin().await?;
    sqlx::query("SET LOCAL statement_timeout = '2s'")
        .execute(&mut *tx)
        .await?;
    let mut query = sqlx::query(AssertSqlSafe(sql.to_owned()));
    if tenant_param.is_some() {
        query = query.bind(tenant);
    }
    let rows = query.fetch_all(&mut *tx).await;
    tx.rollback().await?;
    let Ok(rows) = rows else {
        return Ok(Run::NotRun);
    };
    for row in rows {
        let Ok(tenants) = row.try_get::<Vec<Option<i64>>, _>("tenants") else {
            continue;
        };
        if let Some(other) = tenants.iter().flatten().find(|t| **t != tenant) {
            return Ok(Run::Ran(Some(format!(
                "LEAK: tenant {tenant} saw tenant {other}: {tenants:?}"
            ))));
        }
    }
    Ok(Run::Ran(None))
}

#[test]
#[ignore = "fuzzer: runs for FUZZ_SECONDS (default 60) outside CI; see docs/rewriter.md"]
fn fuzz_the_rewriter() -> Result<(), BoxError> {
    let budget = Duration::from_secs(seconds());
    let seed = seed();
    println!("fuzz: {budget:?}, FUZZ_SEED={seed}");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let db = runtime.block_on(async {
        let db = TestDatabase::builder()
            .max_connections(2)
            .create()
            .await
            .ok()?;
        db.seed(&schema::seed(None)).await.ok()?;
        Some(db)
    });
    if db.is_none() {
        println!("fuzz: no database reachable; the leak property is not checked");
    }
    let rewriter = std::sync::Arc::new(Rewriter::new(schema::catalog()?));
    let mut seed_bytes = [0_u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    );
    let last = std::env::temp_dir().join("fuzz-last.sql");
    let strategy = cases();
    let started = Instant::now();
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    let mut findings = Vec::new();
    while started.elapsed() < budget {
        let case: Case = strategy
            .new_tree(&mut runner)
            .map_err(|e| e.to_string())?
            .current();
        let sql = case.sql();
        std::fs::write(&last, &sql)?;
        let finding = match rewrite(&rewriter, &sql) {
            Err(panic) => Some(panic),
            Ok(Outcome::Refused(kind)) => {
                let bad = kind.starts_with("BAD MESSAGE").then(|| kind.clone());
                *outcomes.entry(kind).or_default() += 1;
                bad
            }
            Ok(Outcome::Accepted {
                sql: out,
                tenant_param,
            }) => {
                *outcomes.entry("accepted".to_owned()).or_default() += 1;
                match Parser::parse_sql(&PostgreSqlDialect {}, &out) {
                    Ok(statements) if statements.len() == 1 => match &db {
                        Some(db) => match runtime.block_on(run(
                            db,
                            &out,
                            tenant_param,
                            TENANTS[case.tenant_index],
                        ))? {
                            Run::NotRun => None,
                            Run::Ran(leak) => {
                                *outcomes
                                    .entry("  ran on PostgreSQL".to_owned())
                                    .or_default() += 1;
                                leak
                            }
                        },
                        None => None,
                    },
                    Ok(statements) => Some(format!("re-parses as {} statements", statements.len())),
                    Err(e) => Some(format!("the output does not re-parse: {e}; output: {out}")),
                }
            }
        };
        if let Some(finding) = finding {
            println!("FINDING: {finding}\n  input: {sql:?}");
            findings.push((finding, sql));
        }
    }
    let total: usize = outcomes
        .iter()
        .filter(|(outcome, _)| !outcome.starts_with(' '))
        .map(|(_, count)| count)
        .sum();
    println!(
        "fuzz: {total} cases in {:.1?}, {} findings",
        started.elapsed(),
        findings.len()
    );
    for (outcome, count) in &outcomes {
        println!("  {outcome:<32} {count}");
    }
    if let Some(db) = db {
        runtime.block_on(db.cleanup())?;
    }
    let _ = std::fs::remove_file(&last);
    if findings.is_empty() {
        Ok(())
    } else {
        Err(format!("{} findings (inputs above)", findings.len()).into())
    }
}
