//! Writes keep their types and their meaning: typed columns written with untyped literals and
//! untyped parameters (prepared without declared types, as ActiveRecord and node-postgres do) run
//! the same rewritten as original, and a written tenant value is checked once.
//!
//! Each case runs twice on one database holding two tenants' rows, in a transaction rolled back
//! afterwards: the original statement (the tenant column defaulting to the tenant, as on a
//! database of its own) and the rewritten one (the tenant bound as a `bigint`, as the SDK binds
//! it). The tenant's rows after each must be equal, and other tenants' rows untouched.

use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::{AssertSqlSafe, Connection, PgConnection};
use tenancy_core::rewrite::mismatch_from_database;
use tenancy_core::{Catalog, Error, Rewriter, TenantId};
use tenancy_testing::TestDatabase;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const TENANT: i64 = 7;
const OTHER: i64 = 8;

const SCHEMA: &str = r"
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN positive AS int CHECK (VALUE > 0);
CREATE TABLE items (
    tenant_id bigint NOT NULL, id int NOT NULL DEFAULT 0, d date, ts timestamptz, u uuid,
    ip inet, n numeric(10, 2), j jsonb, arr int[], m mood, p positive, note text,
    PRIMARY KEY (tenant_id, id));
INSERT INTO items (tenant_id, id, d, j, note) VALUES
    (7, 1, '2024-01-01', '{}', 'mine'), (7, 2, '2024-01-02', '[]', 'mine too'),
    (8, 1, '2024-06-01', '{}', 'theirs'), (8, 3, '2024-06-03', '{}', 'theirs too');
";

/// A statement and its own parameters, sent as untyped text. `TENANT` in a parameter stands for
/// the tenant's own id.
struct Case {
    sql: &'static str,
    params: &'static [&'static str],
}

const CASES: &[Case] = &[
    Case {
        sql: "INSERT INTO items (id, d, ts, u, ip, n, j, arr, m, p, note, tenant_id) VALUES \
              ($1, '2024-01-31', '2024-01-31 10:00:00+02', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', \
              '10.0.0.1/32', '12.50', '{\"a\": [1, 2]}', '{1,2,3}', 'happy', 5, $2, $3) RETURNING *",
        params: &["10", "typed", "TENANT"],
    },
    Case {
        sql: "INSERT INTO items (id, d, ts, u, ip, n, j, arr, m, p) VALUES \
              ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING d, ts, u, ip, n, j, arr, m, p",
        params: &[
            "11",
            "2024-02-29",
            "2024-02-29T23:59:59Z",
            "b1eebc99-9c0b-4ef8-bb6d-6bb9bd380a12",
            "192.168.0.0/16",
            "3.14159",
            "{\"k\": null}",
            "{4,5}",
            "sad",
            "9",
        ],
    },
    Case {
        sql: "INSERT INTO items (tenant_id, id, d, note) VALUES ($1, 12, '2024-03-01', 'a'), \
              (DEFAULT, 13, DEFAULT, 'b'), ($1, 14, $2, $3) RETURNING id, d, note",
        params: &["TENANT", "2024-03-02", "c"],
    },
    Case {
        sql: "INSERT INTO items DEFAULT VALUES RETURNING id",
        params: &[],
    },
    Case {
        sql: "INSERT INTO items (id, d, j, tenant_id) SELECT id + 100, d + 1, j || '{\"copied\": true}', \
              tenant_id FROM items WHERE note LIKE 'mine%' RETURNING id, d, j",
        params: &[],
    },
    Case {
        sql: "INSERT INTO items (id, d, n) SELECT id + 200, '2025-01-01', '1.5' FROM items RETURNING id, d, n",
        params: &[],
    },
    Case {
        sql: "INSERT INTO items (tenant_id, id, d, j) VALUES ($1, 1, '2030-01-01', '{\"up\": 1}') \
              ON CONFLICT (tenant_id, id) DO UPDATE SET d = EXCLUDED.d, j = items.j || EXCLUDED.j, \
              ts = '2024-05-05 05:05:05+00' RETURNING id, d, j, ts",
        params: &["TENANT"],
    },
    Case {
        sql: "UPDATE items SET d = '2024-12-24', n = $1, arr = '{9}', m = 'ok', tenant_id = $2 \
              WHERE id = 1",
        params: &["99.99", "TENANT"],
    },
    Case {
        sql: "MERGE INTO items i USING (VALUES (2, DATE '2024-04-04'), (40, DATE '2024-04-05')) \
              AS s(id, d) ON i.id = s.id WHEN MATCHED THEN UPDATE SET d = s.d, note = 'merged' \
              WHEN NOT MATCHED THEN INSERT (id, d, note, tenant_id) VALUES (s.id, s.d, 'new', $1)",
        params: &["TENANT"],
    },
];

fn catalog() -> Result<Catalog, Error> {
    Catalog::builder().tenant_table("items").build()
}

/// `PREPARE p (unknown, ...) AS sql; EXECUTE p('a', ...)`, then the tenant's rows as JSON, in a
/// transaction that is rolled back. `tenant_param` adds the tenant as a last `bigint` parameter.
async fn run(
    conn: &mut PgConnection,
    sql: &str,
    params: &[&str],
    tenant_param: Option<usize>,
    setup: &str,
) -> Result<(String, String, String), sqlx::Error> {
    let mut types = vec!["unknown"; params.len()];
    let mut args: Vec<String> = params
        .iter()
        .map(|p| match *p {
            "TENANT" => format!("'{TENANT}'"),
            other => format!("'{}'", other.replace('\'', "''")),
        })
        .collect();
    if tenant_param.is_some() {
        types.push("bigint");
        args.push(TENANT.to_string());
    }
    // Prepared statements outlive transactions: each run prepares its own.
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let name = format!("typed_{}", RUNS.fetch_add(1, Ordering::Relaxed));
    let mut tx = conn.begin().await?;
    if !setup.is_empty() {
        sqlx::raw_sql(AssertSqlSafe(setup.to_owned()))
            .execute(&mut *tx)
            .await?;
    }
    let types = if types.is_empty() {
        String::new()
    } else {
        format!("({})", types.join(", "))
    };
    sqlx::raw_sql(AssertSqlSafe(format!("PREPARE {name} {types} AS {sql}")))
        .execute(&mut *tx)
        .await?;
    let args = if args.is_empty() {
        String::new()
    } else {
        format!("({})", args.join(", "))
    };
    let rows = sqlx::raw_sql(AssertSqlSafe(format!("EXECUTE {name}{args}")))
        .fetch_all(&mut *tx)
        .await?;
    let returned = format!("{} rows returned", rows.len());
    let rows = |filter: &str| {
        format!(
            "SELECT coalesce(jsonb_agg(to_jsonb(i) ORDER BY id), '[]')::text FROM items i \
             WHERE {filter}"
        )
    };
    let own: String = sqlx::query_scalar(AssertSqlSafe(rows(&format!("tenant_id = {TENANT}"))))
        .fetch_one(&mut *tx)
        .await?;
    let others: String = sqlx::query_scalar(AssertSqlSafe(rows(&format!("tenant_id <> {TENANT}"))))
        .fetch_one(&mut *tx)
        .await?;
    tx.rollback().await?;
    Ok((returned, own, others))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_columns_and_untyped_parameters_write_the_same_rows() -> Result<(), BoxError> {
    let db = TestDatabase::create().await?;
    sqlx::raw_sql(SCHEMA).execute(db.pool()).await?;
    let rewriter = Rewriter::new(catalog()?);
    let mut conn = db.pool().acquire().await?;
    let untouched: String = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT jsonb_agg(to_jsonb(i) ORDER BY id)::text FROM items i WHERE tenant_id = {OTHER}"
    )))
    .fetch_one(db.pool())
    .await?;
    let mut failures = Vec::new();
    for case in CASES {
        let rewritten = rewriter.rewrite(case.sql)?;
        let bound = rewritten.bind(&TenantId::Int(TENANT), case.params.len())?;
        // The original runs where the tenant column defaults to the tenant and only the tenant's
        // rows exist: what a correctly scoped statement must do on the shared table.
        let isolate = format!(
            "ALTER TABLE items ALTER COLUMN tenant_id SET DEFAULT {TENANT}; \
             DELETE FROM items WHERE tenant_id <> {TENANT};"
        );
        let original = run(&mut conn, case.sql, case.params, None, &isolate).await;
        let scoped = run(
            &mut conn,
            bound.sql(),
            case.params,
            bound.tenant_param(),
            "",
        )
        .await;
        match (original, scoped) {
            (Ok((o_ret, o_rows, _)), Ok((s_ret, s_rows, s_others))) => {
                if o_rows != s_rows || o_ret != s_ret {
                    failures.push(format!(
                        "{}\n  original: {o_ret} {o_rows}\n  scoped:   {s_ret} {s_rows}",
                        case.sql
                    ));
                }
                if s_others != untouched {
                    failures.push(format!("{}: another tenant's rows changed", case.sql));
                }
            }
            (original, scoped) => failures.push(format!(
                "{}\n  original: {original:?}\n  scoped:   {scoped:?}\n  sent: {}",
                case.sql,
                bound.sql()
            )),
        }
    }
    drop(conn);
    db.cleanup().await?;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    Ok(())
}

/// Another tenant's id, bound or written by the statement, fails with a message the SDK maps to
/// `TenantMismatch`, and writes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_written_tenant_that_differs_fails_as_a_mismatch() -> Result<(), BoxError> {
    let db = TestDatabase::create().await?;
    sqlx::raw_sql(SCHEMA).execute(db.pool()).await?;
    let rewriter = Rewriter::new(catalog()?);
    let mut conn = db.pool().acquire().await?;
    for (sql, params) in [
        (
            "INSERT INTO items (id, d, tenant_id) VALUES (50, '2024-01-01', $1)",
            &["8"][..],
        ),
        ("UPDATE items SET tenant_id = $1 WHERE id = 1", &["8"][..]),
        (
            "INSERT INTO items (tenant_id, id) VALUES ($1, 1) ON CONFLICT (tenant_id, id) DO UPDATE SET note = 'x'",
            &["8"][..],
        ),
        (
            "INSERT INTO items (tenant_id, id) VALUES ($1, 51)",
            &[""][..],
        ),
    ] {
        let bound = rewriter
            .rewrite(sql)?
            .bind(&TenantId::Int(TENANT), params.len())?;
        let error = run(&mut conn, bound.sql(), params, bound.tenant_param(), "")
            .await
            .err()
            .ok_or_else(|| format!("{sql} with {params:?} ran for tenant {TENANT}"))?;
        let message = error
            .as_database_error()
            .map(|e| (e.code().map(|c| c.into_owned()), e.message().to_owned()));
        let Some((Some(code), message)) = message else {
            return Err(format!("{sql}: not a database error: {error}").into());
        };
        assert_eq!(code, "22P02", "{sql}: {message}");
        // An empty string is not a bigint: it fails before the guard, as the original would.
        if params == [""] {
            continue;
        }
        match mismatch_from_database(&message, &TenantId::Int(TENANT)) {
            Some(Error::TenantMismatch {
                table,
                expected,
                found,
            }) => {
                assert_eq!(
                    (table.to_string(), expected, found),
                    ("public.items".to_owned(), "7".to_owned(), "8".to_owned())
                );
            }
            other => panic!("{sql}: {message} mapped to {other:?}"),
        }
    }
    // A literal tenant: refused before sending, and guarded in the text for other drivers.
    let literal = rewriter.rewrite("INSERT INTO items (id, tenant_id) VALUES (52, 8)")?;
    assert!(matches!(
        literal.bind(&TenantId::Int(TENANT), 0),
        Err(Error::TenantMismatch { .. })
    ));
    let text = literal.to_string();
    let error = run(&mut conn, &text, &[], Some(1), "")
        .await
        .err()
        .ok_or("the literal was written for another tenant")?;
    assert!(error.to_string().contains("tenant mismatch"), "{error}");
    drop(conn);
    db.cleanup().await?;
    Ok(())
}

/// A volatile tenant expression is evaluated once: it either matches and the tenant is written,
/// or the statement fails; it never passes the check and writes another value.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_volatile_tenant_expression_never_writes_another_tenant() -> Result<(), BoxError> {
    let db = TestDatabase::create().await?;
    sqlx::raw_sql(SCHEMA).execute(db.pool()).await?;
    let rewriter = Rewriter::new(catalog()?);
    let sql = "INSERT INTO items (id, tenant_id) VALUES ($1, 7 + floor(random() * 2)::int)";
    let bound = rewriter.rewrite(sql)?.bind(&TenantId::Int(TENANT), 1)?;
    let (mut written, mut failed) = (0, 0);
    for id in 100..160 {
        let result = sqlx::query(AssertSqlSafe(bound.sql().to_owned()))
            .bind(id)
            .bind(TENANT)
            .execute(db.pool())
            .await;
        match result {
            Ok(_) => written += 1,
            Err(e) if e.to_string().contains("tenant mismatch") => failed += 1,
            Err(e) => return Err(e.into()),
        }
    }
    let foreign: i64 =
        sqlx::query_scalar("SELECT count(*) FROM items WHERE id >= 100 AND tenant_id <> 7")
            .fetch_one(db.pool())
            .await?;
    db.cleanup().await?;
    assert_eq!(
        foreign, 0,
        "a volatile value passed the check and wrote another tenant"
    );
    assert!(
        written > 0 && failed > 0,
        "written {written}, failed {failed}"
    );
    Ok(())
}
