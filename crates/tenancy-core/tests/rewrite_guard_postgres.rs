//! The runtime tenant guard (rule 4) on a real PostgreSQL.
//!
//! An INSERT that binds its own tenant value is rewritten so PostgreSQL checks the value against
//! the tenant parameter. PostgreSQL folds constant CASE arms at plan time, so both custom plans
//! (parameters as constants) and generic plans (parameters unknown) are exercised, for bigint,
//! uuid and text tenant columns, with a parameter and with a computed expression.
//!
//! Uses `DATABASE_URL` or `postgres://postgres@127.0.0.1:5432/postgres`, in a scratch database
//! that is dropped afterwards.

mod scratch;

use scratch::Scratch;

use sqlx::postgres::PgConnection;
use sqlx::{AssertSqlSafe, Executor, PgPool};
use tenancy_core::{Catalog, Rewriter};
use uuid::Uuid;

type TestResult = Result<(), scratch::BoxError>;

/// One tenant-key kind: the column type and how to bind a tenant value of it.
#[derive(Clone, Copy)]
enum Kind {
    Int,
    Uuid,
    Text,
}

impl Kind {
    fn table(self) -> &'static str {
        match self {
            Self::Int => "t_int",
            Self::Uuid => "t_uuid",
            Self::Text => "t_text",
        }
    }

    /// A computed expression of the bound value (not a plain parameter or literal).
    fn expression(self) -> &'static str {
        match self {
            Self::Int => "$2 + 0",
            Self::Uuid => "CAST(CAST($2 AS text) AS uuid)",
            Self::Text => "lower($2)",
        }
    }
}

/// Runs the rewritten INSERT binding `value` as the statement's tenant and `tenant` as `$N`.
async fn insert(
    conn: &mut PgConnection,
    sql: &str,
    kind: Kind,
    value: Option<u8>,
    tenant: u8,
) -> Result<(), sqlx::Error> {
    let query = sqlx::query(AssertSqlSafe(sql.to_owned())).bind("title");
    let query = match kind {
        Kind::Int => query.bind(value.map(i64::from)).bind(i64::from(tenant)),
        Kind::Uuid => query
            .bind(value.map(|v| Uuid::from_u128(v.into())))
            .bind(Uuid::from_u128(tenant.into())),
        Kind::Text => query
            .bind(value.map(|v| format!("tenant-{v}")))
            .bind(format!("tenant-{tenant}")),
    };
    query.execute(conn).await.map(|_| ())
}

async fn check_kind(pool: &PgPool, rewriter: &Rewriter, kind: Kind) -> TestResult {
    let table = kind.table();
    let statements = [
        format!("INSERT INTO {table} (title, tenant_id) VALUES ($1, $2)"),
        format!(
            "INSERT INTO {table} (title, tenant_id) VALUES ($1, {})",
            kind.expression()
        ),
    ];
    for plan_mode in ["force_custom_plan", "force_generic_plan"] {
        for original in &statements {
            let rewritten = rewriter.rewrite(original)?;
            assert_eq!(rewritten.tenant_param(), Some(3), "{original}");
            let mut conn = pool.acquire().await?;
            conn.execute(AssertSqlSafe(format!("SET plan_cache_mode = {plan_mode}")))
                .await?;
            // Repeat so a cached prepared statement is reused, as sqlx does in applications.
            for _ in 0..6 {
                insert(&mut conn, &rewritten.to_string(), kind, Some(7), 7).await?;
            }
            for bad in [Some(8), None] {
                let error = insert(&mut conn, &rewritten.to_string(), kind, bad, 7)
                    .await
                    .err()
                    .ok_or_else(|| {
                        format!("{table} {plan_mode}: {bad:?} was inserted for tenant 7")
                    })?;
                assert!(
                    error.to_string().contains("tenant mismatch"),
                    "{table} {plan_mode} {bad:?}: {error}"
                );
            }
        }
    }
    let foreign: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT count(*) FROM {table} WHERE tenant_id IS DISTINCT FROM {}",
        match kind {
            Kind::Int => "7".to_owned(),
            Kind::Uuid => format!("'{}'", Uuid::from_u128(7)),
            Kind::Text => "'tenant-7'".to_owned(),
        }
    )))
    .fetch_one(pool)
    .await?;
    assert_eq!(foreign, 0, "{table}: a row of another tenant was written");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guard_rejects_other_tenants_and_accepts_the_current_one() -> TestResult {
    let scratch = Scratch::create("tenancy_rewrite_guard", 2).await?;
    let pool = scratch.pool.clone();
    let result = async {
        pool.execute(
            "CREATE TABLE t_int (title text, tenant_id bigint NOT NULL);
             CREATE TABLE t_uuid (title text, tenant_id uuid NOT NULL);
             CREATE TABLE t_text (title text, tenant_id text NOT NULL);",
        )
        .await?;
        let catalog = Catalog::builder()
            .tenant_table("t_int")
            .tenant_table("t_uuid")
            .tenant_table("t_text")
            .build()?;
        let rewriter = Rewriter::new(catalog);
        for kind in [Kind::Int, Kind::Uuid, Kind::Text] {
            check_kind(&pool, &rewriter, kind).await?;
        }
        TestResult::Ok(())
    }
    .await;
    drop(pool);
    scratch.drop().await?;
    result
}
