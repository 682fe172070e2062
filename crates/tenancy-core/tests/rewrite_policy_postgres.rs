//! The policy pass on a real PostgreSQL: attacks that read another tenant's rows out of the
//! rewriter's sight work when sent as written and are refused by the rewriter; ordinary
//! application SQL, rewritten, runs.
//!
//! Uses `DATABASE_URL` or `postgres://postgres@127.0.0.1:5432/postgres`, in a scratch database
//! (and a scratch role) that are dropped afterwards.

mod app_sql;

use std::time::{SystemTime, UNIX_EPOCH};

mod scratch;

use scratch::Scratch;

use sqlx::postgres::PgConnection;
use sqlx::{AssertSqlSafe, Connection, Executor, PgPool, Row};
use tenancy_core::{Catalog, Error, RefusalKind, Rewriter};

type TestResult = Result<(), scratch::BoxError>;

const SECRET: &str = "secret-of-tenant-2";

/// PostgreSQL tables matching `app_sql::CATALOG`.
const SCHEMA: &str = "
CREATE TABLE accounts (id bigint PRIMARY KEY, name text NOT NULL, settings jsonb NOT NULL DEFAULT '{}');
CREATE TABLE users (id bigserial PRIMARY KEY, tenant_id bigint NOT NULL, email text NOT NULL,
    name text, created_at timestamptz NOT NULL DEFAULT now(), UNIQUE (tenant_id, email));
CREATE TABLE projects (id bigserial PRIMARY KEY, tenant_id bigint NOT NULL, name text NOT NULL,
    archived boolean NOT NULL DEFAULT false, budget numeric(12, 2), period daterange);
CREATE TABLE tasks (id bigserial PRIMARY KEY, tenant_id bigint NOT NULL, project_id bigint,
    title text NOT NULL, body text, done boolean NOT NULL DEFAULT false,
    priority int NOT NULL DEFAULT 0, due date, tags text[] NOT NULL DEFAULT '{}',
    meta jsonb NOT NULL DEFAULT '{}', search tsvector,
    created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz,
    UNIQUE (tenant_id, title));
CREATE TABLE comments (id bigserial PRIMARY KEY, org_id bigint NOT NULL, task_id bigint NOT NULL,
    body text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE events (id bigserial PRIMARY KEY, tenant_id bigint NOT NULL, kind text NOT NULL,
    payload jsonb NOT NULL, at timestamptz NOT NULL DEFAULT now(), ip inet);
CREATE TABLE plans (id int PRIMARY KEY, name text NOT NULL, price numeric NOT NULL);
";

const SEED: &str = "
INSERT INTO accounts (id, name, settings) VALUES (1, 'one', '{\"plan_id\": 1}'), (2, 'two', '{}');
INSERT INTO plans (id, name, price) VALUES (1, 'basic', 10), (2, 'pro', 20);
INSERT INTO users (tenant_id, email, name) VALUES (1, 'admin@example.com', 'Ann'), (2, 'b@two.test', 'Bob');
INSERT INTO projects (tenant_id, name, period) VALUES (1, 'alpha', daterange(current_date - 1, current_date + 30)),
    (2, 'beta', NULL);
INSERT INTO tasks (tenant_id, project_id, title, body, tags, meta, due) VALUES
    (1, 1, 'fix bug', 'the bug needs a fix', '{urgent,new}', '{\"estimate\": 3, \"items\": [{\"name\": \"a\", \"qty\": 1}]}', current_date),
    (1, 1, 'write docs', NULL, '{}', '{}', current_date + 3),
    (2, 2, 'two-a', 'secret-of-tenant-2', '{}', '{}', NULL),
    (2, 2, 'two-b', 'secret-of-tenant-2', '{}', '{}', NULL),
    (2, 2, 'two-c', 'secret-of-tenant-2', '{}', '{}', NULL);
INSERT INTO comments (org_id, task_id, body) VALUES (1, 1, 'blocked on review'), (2, 3, 'secret-of-tenant-2');
INSERT INTO events (tenant_id, kind, payload, ip) VALUES (1, 'login', '{}', '10.1.2.3'), (2, 'login', '{}', '10.9.9.9');
";

/// Sends `sql` as written; returns the first column of every row as text.
async fn raw(conn: &mut PgConnection, sql: &str) -> Result<Vec<String>, sqlx::Error> {
    let rows = sqlx::query(AssertSqlSafe(sql.to_owned()))
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|row| {
            row.try_get::<Option<String>, _>(0)
                .map(Option::unwrap_or_default)
        })
        .collect()
}

fn assert_refused(rewriter: &Rewriter, sql: &str, expected: RefusalKind) {
    match rewriter.rewrite(sql) {
        Err(Error::Refused { kind, .. }) => assert_eq!(kind, expected, "{sql}"),
        other => panic!("{sql:?} gave {other:?}, expected a refusal"),
    }
}

/// Without the rewriter, tenant 1 reads tenant 2's rows through SQL text and statistics.
async fn attacks_leak_unrewritten_and_are_refused(
    pool: &PgPool,
    rewriter: &Rewriter,
) -> TestResult {
    let mut conn = pool.acquire().await?;
    let query_to_xml = "SELECT query_to_xml('select body from tasks', true, false, '')::text";
    let leaked = raw(&mut conn, query_to_xml).await?.concat();
    assert!(
        leaked.contains(SECRET),
        "control: query_to_xml read {leaked}"
    );
    assert_refused(rewriter, query_to_xml, RefusalKind::Function);

    let in_from = "SELECT x::text FROM tasks t, \
                   query_to_xml('select body from tasks', true, false, '') AS x WHERE t.id = 1";
    let leaked = raw(&mut conn, in_from).await?.concat();
    assert!(
        leaked.contains(SECRET),
        "control: query_to_xml in FROM read {leaked}"
    );
    assert_refused(rewriter, in_from, RefusalKind::Function);

    conn.execute("ANALYZE tasks").await?;
    let stats = "SELECT most_common_vals::text FROM pg_stats \
                 WHERE tablename = 'tasks' AND attname = 'body'";
    let leaked = raw(&mut conn, stats).await?.concat();
    assert!(leaked.contains(SECRET), "control: pg_stats showed {leaked}");
    assert_refused(rewriter, stats, RefusalKind::Relation);
    Ok(())
}

/// With row-level security on as well, `set_config` moves the session to another tenant and
/// `query_to_xml` escapes the rewriter's predicate: both are refused.
async fn rls_does_not_save_an_unchecked_statement(
    pool: &PgPool,
    rewriter: &Rewriter,
    role: &str,
) -> TestResult {
    pool.execute(AssertSqlSafe(format!(
        "CREATE ROLE {role} NOLOGIN;
         GRANT SELECT ON tasks TO {role};
         ALTER TABLE tasks ENABLE ROW LEVEL SECURITY;
         ALTER TABLE tasks FORCE ROW LEVEL SECURITY;
         CREATE POLICY tenant ON tasks
             USING (tenant_id = current_setting('tenancy.tenant_id', true)::bigint);"
    )))
    .await?;
    let mut conn = pool.acquire().await?;
    let mut tx = conn.begin().await?;
    tx.execute(AssertSqlSafe(format!("SET LOCAL ROLE {role}")))
        .await?;
    tx.execute("SELECT set_config('tenancy.tenant_id', '1', true)")
        .await?;
    let read = "SELECT query_to_xml('select body from tasks', true, false, '')::text";
    let own = raw(&mut tx, read).await?.concat();
    assert!(
        !own.contains(SECRET),
        "control: RLS should hide tenant 2: {own}"
    );
    let switch = "SELECT set_config('tenancy.tenant_id', '2', true)";
    raw(&mut tx, switch).await?;
    let leaked = raw(&mut tx, read).await?.concat();
    assert!(
        leaked.contains(SECRET),
        "control: after set_config: {leaked}"
    );
    tx.rollback().await?;
    assert_refused(rewriter, switch, RefusalKind::SessionState);
    assert_refused(
        rewriter,
        "SELECT t.title FROM set_config('tenancy.tenant_id', '2', true) AS s, tasks t",
        RefusalKind::SessionState,
    );
    assert_refused(rewriter, read, RefusalKind::Function);
    pool.execute("ALTER TABLE tasks DISABLE ROW LEVEL SECURITY; DROP POLICY tenant ON tasks")
        .await?;
    Ok(())
}

/// Every application statement, rewritten and bound for tenant 1, runs on PostgreSQL.
async fn application_sql_runs(pool: &PgPool, rewriter: &Rewriter) -> TestResult {
    let mut conn = pool.acquire().await?;
    let mut tx = conn.begin().await?;
    for original in app_sql::STATEMENTS {
        let rewritten = rewriter.rewrite(original)?;
        let bound = rewritten.bind(&tenancy_core::TenantId::Int(1), 0)?;
        let query = sqlx::query(AssertSqlSafe(bound.sql().to_owned()));
        let query = match bound.tenant_param() {
            Some(_) => query.bind(1_i64),
            None => query,
        };
        let rows = query
            .fetch_all(&mut *tx)
            .await
            .map_err(|e| format!("{original}\n  rewritten: {}\n  {e}", bound.sql()))?;
        for row in &rows {
            // Whatever a statement returns, it is never tenant 2's secret.
            for i in 0..row.len() {
                if let Ok(Some(text)) = row.try_get::<Option<String>, _>(i) {
                    assert!(!text.contains(SECRET), "{original} returned {text}");
                }
            }
        }
    }
    tx.rollback().await?;
    Ok(())
}

/// Allowed built-ins that PostgreSQL 15 lacks: keyword syntax (no `pg_proc` entry) or functions
/// of later releases.
const NOT_IN_PG_PROC_15: &[&str] = &[
    // grammar
    "array",
    "coalesce",
    "current_catalog",
    "current_date",
    "current_role",
    "current_time",
    "current_timestamp",
    "greatest",
    "grouping",
    "least",
    "localtime",
    "localtimestamp",
    "nullif",
    "row",
    "system_user",
    "trim",
    "user",
    "xmlconcat",
    // PostgreSQL 16
    "any_value",
    "array_sample",
    "array_shuffle",
    "date_add",
    "date_subtract",
    "json_agg_strict",
    "json_object_agg_strict",
    "json_object_agg_unique",
    "json_object_agg_unique_strict",
    "jsonb_agg_strict",
    "jsonb_object_agg_strict",
    "jsonb_object_agg_unique",
    "jsonb_object_agg_unique_strict",
    "pg_input_error_info",
    "pg_input_is_valid",
    "random_normal",
    "to_bin",
    "to_oct",
    // PostgreSQL 17
    "uuid_extract_timestamp",
    "uuid_extract_version",
    "xmltext",
];

/// Every function on the documented allow-list is a real `pg_catalog` function (or one of a
/// known few): a name PostgreSQL does not define would call whatever function of that name the
/// database has.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_allowed_builtin_is_a_pg_catalog_function() -> TestResult {
    let docs = include_str!("../../../docs/rewriter.md");
    let section = docs
        .split("<!-- allowed-functions:start -->")
        .nth(1)
        .and_then(|rest| rest.split("<!-- allowed-functions:end -->").next())
        .ok_or("docs/rewriter.md marks the allowed-functions list")?;
    let listed: Vec<String> = section
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    assert!(listed.len() > 300, "{} names", listed.len());
    let mut conn = PgConnection::connect(&scratch::server_url()).await?;
    let version: i32 = sqlx::query_scalar("SELECT current_setting('server_version_num')::int")
        .fetch_one(&mut conn)
        .await?;
    let missing: Vec<String> = sqlx::query_scalar(
        "SELECT n FROM unnest($1::text[]) AS n WHERE NOT EXISTS (SELECT 1 FROM pg_proc p \
         WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.proname = n) ORDER BY n",
    )
    .bind(&listed)
    .fetch_all(&mut conn)
    .await?;
    let unexpected: Vec<&String> = missing
        .iter()
        .filter(|name| !NOT_IN_PG_PROC_15.contains(&name.as_str()))
        .collect();
    assert!(unexpected.is_empty(), "not in pg_catalog: {unexpected:?}");
    if version < 160_000 {
        // On 15, the list of known absentees is exact: none of them is stale.
        let mut expected = NOT_IN_PG_PROC_15.to_vec();
        expected.sort_unstable();
        assert_eq!(missing, expected);
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policy_refuses_what_leaks_and_lets_application_sql_run() -> TestResult {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos();
    let role = format!("tenancy_policy_app_{}_{nanos}", std::process::id());
    let scratch = Scratch::create("tenancy_rewrite_policy", 2).await?;
    let pool = scratch.pool.clone();
    let result = async {
        pool.execute(SCHEMA).await?;
        pool.execute(SEED).await?;
        let rewriter = Rewriter::new(Catalog::from_toml_str(app_sql::CATALOG)?);
        application_sql_runs(&pool, &rewriter).await?;
        attacks_leak_unrewritten_and_are_refused(&pool, &rewriter).await?;
        rls_does_not_save_an_unchecked_statement(&pool, &rewriter, &role).await?;
        TestResult::Ok(())
    }
    .await;
    // The role owns objects in the database: drop the database first.
    scratch.drop().await?;
    PgConnection::connect(&scratch::server_url())
        .await?
        .execute(AssertSqlSafe(format!("DROP ROLE IF EXISTS {role}")))
        .await?;
    result
}
