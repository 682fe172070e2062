//! The most important attacks of `rewrite_attacks.rs` on a real PostgreSQL: each works when sent
//! as written (the control), and the rewritten statement, bound for tenant 1, neither returns
//! tenant 2's rows nor changes them. Leaks the rewriter lets through today are `#[ignore]`d with
//! the reason (`cargo test --test rewrite_attacks_postgres -- --ignored` shows them failing).
//!
//! Uses `DATABASE_URL` or `postgres://postgres@127.0.0.1:5432/postgres`, in a scratch database
//! that is dropped afterwards.

use std::future::Future;

mod scratch;

use scratch::Scratch;

use sqlx::postgres::PgConnection;
use sqlx::{AssertSqlSafe, Connection, Executor, PgPool, Row};
use tenancy_core::{Catalog, Rewriter, TenantId};

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type TestResult = Result<(), BoxError>;

const SECRET: &str = "SECRET-of-tenant-2";

const CATALOG: &str = r#"
default_tenant_column = "tenant_id"
[tables.projects]
[tables.tasks]
[tables.plans]
reference = true
"#;

const SCHEMA: &str = "
CREATE TABLE projects (id bigint PRIMARY KEY, tenant_id bigint NOT NULL, name text NOT NULL);
CREATE TABLE tasks (id bigint PRIMARY KEY, tenant_id bigint NOT NULL, title text NOT NULL);
CREATE TABLE plans (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO plans VALUES (1, 'free'), (2, 'pro');
INSERT INTO projects VALUES (1, 1, 'one'), (2, 2, 'SECRET-of-tenant-2'), (5, 1, 'five');
INSERT INTO tasks VALUES (1, 1, 'mine'), (2, 2, 'SECRET-of-tenant-2'), (3, 2, 'SECRET-of-tenant-2');
";

/// Tenant 2's rows as one text, to see whether a statement changed them.
const TENANT_2: &str = "SELECT coalesce(string_agg(x, '|' ORDER BY x), '') FROM (
    SELECT t::text AS x FROM tasks t WHERE tenant_id = 2
    UNION ALL SELECT p::text FROM projects p WHERE tenant_id = 2) s";

/// Every column of every row as text (NULLs and non-text columns as empty).
async fn texts(
    conn: &mut PgConnection,
    sql: &str,
    args: &[&str],
    tenant: Option<i64>,
) -> Result<String, sqlx::Error> {
    let mut query = sqlx::query(AssertSqlSafe(sql.to_owned()));
    for arg in args {
        query = query.bind(*arg);
    }
    if let Some(tenant) = tenant {
        query = query.bind(tenant);
    }
    let rows = query.fetch_all(conn).await?;
    let mut out = String::new();
    for row in &rows {
        for i in 0..row.len() {
            if let Ok(Some(text)) = row.try_get::<Option<String>, _>(i) {
                out.push_str(&text);
                out.push('\n');
            }
        }
    }
    Ok(out)
}

/// Runs `sql` raw and rewritten for tenant 1 (each in a rolled-back transaction) and returns
/// (raw output, raw changed tenant 2, rewritten output, rewritten changed tenant 2).
async fn raw_and_rewritten(
    pool: &PgPool,
    rewriter: &Rewriter,
    sql: &str,
) -> Result<(String, bool, String, bool), BoxError> {
    let (raw, raw_changed) = in_rollback(pool, sql, None).await?;
    let bound = rewriter.rewrite(sql)?.bind(&TenantId::Int(1), 0)?;
    let tenant = bound.tenant_param().map(|_| 1_i64);
    let (scoped, scoped_changed) = in_rollback(pool, bound.sql(), tenant).await?;
    Ok((raw, raw_changed, scoped, scoped_changed))
}

/// Runs `sql` in a transaction that is rolled back; returns its output and whether tenant 2's
/// rows changed inside it.
async fn in_rollback(
    pool: &PgPool,
    sql: &str,
    tenant: Option<i64>,
) -> Result<(String, bool), sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let mut tx = conn.begin().await?;
    let before: String = sqlx::query_scalar(TENANT_2).fetch_one(&mut *tx).await?;
    let out = texts(&mut tx, sql, &[], tenant).await?;
    let after: String = sqlx::query_scalar(TENANT_2).fetch_one(&mut *tx).await?;
    tx.rollback().await?;
    Ok((out, before != after))
}

/// Creates a scratch database with two tenants, runs `body`, drops the database.
async fn with_scratch<F, Fut>(name: &str, body: F) -> TestResult
where
    F: FnOnce(PgPool, Rewriter) -> Fut,
    Fut: Future<Output = TestResult> + Send + 'static,
{
    let scratch = Scratch::create(&format!("tenancy_attacks_{name}"), 2).await?;
    let pool = scratch.pool.clone();
    let setup = async {
        pool.execute(SCHEMA).await?;
        Ok::<_, BoxError>(Rewriter::new(Catalog::from_toml_str(CATALOG)?))
    }
    .await;
    // The body runs as its own task so that a failed assertion (a panic) still drops the database.
    let result = match setup {
        Ok(rewriter) => match tokio::spawn(body(pool.clone(), rewriter)).await {
            Ok(result) => result.map_err(|e| e.to_string()),
            Err(panic) => Err(format!("{name}: {panic}")),
        },
        Err(error) => Err(error.to_string()),
    };
    drop(pool);
    scratch.drop().await?;
    result.map_err(Into::into)
}

/// Attacks that reach tenant 2 when sent as written: rewritten, they read and change only
/// tenant 1's rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scoped_attacks_do_not_reach_tenant_2() -> TestResult {
    with_scratch("scoped", |pool, rewriter| async move {
        // (statement, the raw statement reads the secret, the raw statement changes tenant 2)
        let cases: &[(&str, bool, bool)] = &[
            ("select title from tasks where id = 2 or true", true, false),
            ("table tasks", true, false),
            ("select (select string_agg(title, ',') from tasks)", true, false),
            ("with tasks as (select 1 as id) delete from tasks where id = 2", false, true),
            ("with tasks as (select 1 as id) update tasks set title = 'x' where id = 2", false, true),
            ("with x as (update tasks set title = 'x' returning title) select * from x", false, true),
            ("select * from plans p natural left join tasks", false, false),
            ("select t.title from plans p left join tasks t on true", true, false),
            ("select t.title from tasks t right join plans q on true", true, false),
            ("select t.title from plans p full join tasks t on true", true, false),
            ("select j.title from (tasks t join projects p on true) as j", true, false),
            ("select b from tasks as t(a, b, c)", false, false),
            ("select count(*) filter (where exists (select 1 from projects)) from tasks", false, false),
            ("select id from tasks limit (select count(*) from projects)", false, false),
            ("select (array[(select title from tasks t2 where t2.id = 2)])[1]", true, false),
            ("insert into tasks (id, tenant_id, title) values (2, 1, 'x') on conflict (id) do update set title = tasks.title || '!' returning title", true, true),
            ("update tasks set title = t2.title || '!' from tasks t2 where t2.id = 2 returning tasks.title", true, true),
            ("delete from tasks using tasks t2 where t2.id = 2 returning t2.title", true, true),
            ("merge into tasks t using (select 2 as id) s on t.id = s.id when matched then update set title = 'PWNED'", false, true),
            ("merge into tasks t using projects p on t.id = p.id when matched then update set title = p.name || '!'", false, true),
            ("insert into tasks (id, tenant_id, title) select id + 100, tenant_id, name from projects returning title", true, true),
            ("select title from tasks where title = '\\'') OR 1=1 --'", false, false),
            ("select jsonb_agg(t)::text from tasks t", true, false),
            ("select row_to_json(t)::text from tasks t", true, false),
        ];
        for &(sql, reads, changes) in cases {
            let (raw, raw_changed, scoped, scoped_changed) =
                raw_and_rewritten(&pool, &rewriter, sql).await.map_err(|e| format!("{sql}: {e}"))?;
            if reads {
                assert!(raw.contains(SECRET), "control: {sql} read {raw:?}");
            }
            assert_eq!(raw_changed, changes, "control: {sql} changed tenant 2");
            assert!(!scoped.contains(SECRET), "{sql} leaked {scoped:?}");
            assert!(!scoped_changed, "{sql} changed tenant 2's rows");
        }
        // A forged tenant in a write: `bind` refuses it, and the text sent anyway (a caller
        // that skips `bind`) fails in SQL.
        let forged = rewriter
            .rewrite("insert into tasks (id, title, tenant_id) values (9, 'x', 2) returning title")?;
        assert!(matches!(
            forged.bind(&TenantId::Int(1), 0),
            Err(tenancy_core::Error::TenantMismatch { .. })
        ));
        let mut conn = pool.acquire().await?;
        let failed = texts(&mut conn, &forged.to_string(), &[], Some(1)).await;
        assert!(failed.is_err(), "forged tenant written: {failed:?}");
        Ok(())
    })
    .await
}

/// Statements that touch no tenant table go to PostgreSQL as written: PostgreSQL must read them
/// exactly as sqlparser did (nested comments, dollar quotes, backslashes in standard strings).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pass_through_text_means_what_the_rewriter_checked() -> TestResult {
    with_scratch("lexical", |pool, rewriter| async move {
        for sql in [
            "select 1::text /* /* */ , (select string_agg(title, ',') from tasks) */",
            "select name from plans /* /* */ union all select title from tasks -- */",
            "select $a$ ' $a$ , (select 1)::text from plans",
            "select 'a\\' as x, name from plans where name <> '\\'",
            "select name from plans where name = 'a\n;select * from tasks --'",
        ] {
            let rewritten = rewriter.rewrite(sql)?;
            assert_eq!(rewritten.tenant_param(), None, "{sql}");
            let mut conn = pool.acquire().await?;
            let out = texts(&mut conn, &rewritten.to_string(), &[], None).await?;
            assert!(!out.contains(SECRET), "{sql} leaked {out:?}");
        }
        Ok(())
    })
    .await
}

/// `EXPLAIN (ANALYSE)` is PostgreSQL's other spelling of `EXPLAIN (ANALYZE)`: run for tenant 1 it
/// would report `Rows Removed by Filter: 2`, tenant 2's row count (the control shows it counts).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_analyse_does_not_count_other_tenants() -> TestResult {
    with_scratch("explain", |pool, rewriter| async move {
        let sql = "explain (analyse, costs off, timing off) select * from tasks";
        let mut conn = pool.acquire().await?;
        let raw = texts(&mut conn, sql, &[], None).await?;
        assert!(raw.contains("rows=3"), "control: {raw}");
        // Refused like EXPLAIN ANALYZE: the counts would include tenant 2's rows.
        match rewriter.rewrite(sql) {
            Err(tenancy_core::Error::Refused {
                kind: tenancy_core::RefusalKind::SideChannel,
                ..
            }) => Ok(()),
            other => Err(format!("{sql} was not refused as a side channel: {other:?}").into()),
        }
    })
    .await
}

/// PostgreSQL reads `$4294967297` as `$1` (`atol` into an `int`): the rewriter numbers the tenant
/// `$4294967298`, which PostgreSQL reads as `$2`, a parameter the statement itself uses. A client
/// that binds the parameters PostgreSQL reports (here 'x' and 2) picks the tenant.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_placeholder_cannot_choose_the_tenant() -> TestResult {
    with_scratch("placeholder", |pool, rewriter| async move {
        let sql =
            "SELECT title FROM tasks WHERE $2::bigint IS NOT NULL OR $4294967297::text IS NULL";
        let rewritten = match rewriter.rewrite(sql) {
            Err(_) => return Ok(()),
            Ok(rewritten) => rewritten.to_string(),
        };
        let mut conn = pool.acquire().await?;
        let out = texts(&mut conn, &rewritten, &["x", "2"], None).await;
        // sqlx binds text; PostgreSQL infers $2 as bigint from the cast and the predicate.
        let out = match out {
            Ok(out) => out,
            Err(_) => {
                let mut query = sqlx::query(AssertSqlSafe(rewritten.clone()));
                query = query.bind("x").bind(2_i64);
                let rows = query.fetch_all(&mut *conn).await?;
                rows.iter()
                    .filter_map(|r| r.try_get::<Option<String>, _>(0).ok().flatten())
                    .collect::<Vec<_>>()
                    .join("\n")
            }
        };
        assert!(!out.contains(SECRET), "{rewritten} returned {out}");
        Ok(())
    })
    .await
}

/// `SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY` outlives the statement: the next
/// tenant's transactions on this pooled connection are read-only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_characteristics_do_not_outlive_the_statement() -> TestResult {
    with_scratch("session", |pool, rewriter| async move {
        let sql = "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY";
        let rewritten = match rewriter.rewrite(sql) {
            Err(_) => return Ok(()),
            Ok(rewritten) => rewritten.to_string(),
        };
        let mut conn = pool.acquire().await?;
        conn.execute(AssertSqlSafe(rewritten)).await?;
        let read_only: String = sqlx::query_scalar("SHOW default_transaction_read_only")
            .fetch_one(&mut *conn)
            .await?;
        assert_eq!(read_only, "off", "the session default changed");
        Ok(())
    })
    .await
}
