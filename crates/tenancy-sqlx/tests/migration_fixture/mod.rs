//! The schema-per-tenant fixture of the migration tests: tenant schemas `tenant_<n>` holding
//! projects, tasks (FK to projects) and comments (uuid keys), and a target with the shared tables
//! keyed by `(tenant_id, id)`. Also used by the CLI tests (included by path).

// Each test binary uses part of this fixture.
#![allow(dead_code)]

use std::fmt::Write as _;

use sqlx::PgPool;
use tenancy_core::Catalog;

pub(crate) type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// The tables of one tenant schema (Phase 1: no tenant column needed inside a schema).
const TENANT_TABLES: &str = "
CREATE TABLE {s}.projects (id bigserial PRIMARY KEY, name text NOT NULL,
    budget numeric(12,2), tags text[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT '2025-01-01 00:00:00+00');
CREATE TABLE {s}.tasks (id bigserial PRIMARY KEY, project_id bigint NOT NULL REFERENCES {s}.projects (id),
    title text NOT NULL, done boolean NOT NULL DEFAULT false, due date, meta jsonb);
CREATE TABLE {s}.comments (id uuid PRIMARY KEY, task_id bigint NOT NULL REFERENCES {s}.tasks (id),
    body text NOT NULL, score double precision);
";

/// Rows for tenant `n`: sizes vary by tenant; text with quotes, tabs, newlines, backslashes and
/// NULLs so COPY's escaping is exercised.
const TENANT_ROWS: &str = "
INSERT INTO {s}.projects (name, budget, tags)
  SELECT 'project ' || p || E' of {n} \\t ''quoted'' \\\\ x', CASE WHEN p % 3 = 0 THEN NULL ELSE p * 1000.25 END,
         ARRAY['a' || p, 'b,c']
  FROM generate_series(1, 2 + {n} % 5) p;
INSERT INTO {s}.tasks (project_id, title, done, due, meta)
  SELECT 1 + k % (2 + {n} % 5), E'task ' || k || E'\\nline two', k % 3 = 0,
         DATE '2025-01-01' + k, CASE WHEN k % 4 = 0 THEN NULL ELSE jsonb_build_object('k', k, 'tenant', {n}) END
  FROM generate_series(1, 10 + {n} % 40) k;
INSERT INTO {s}.comments (id, task_id, body, score)
  SELECT md5('{n}/' || c)::uuid, 1 + c % (10 + {n} % 40), 'comment ' || c, c / 7.0
  FROM generate_series(1, 5 + {n} % 30) c;
";

/// The shared tables (Phase 2): the tenant column in every key, FKs include it.
pub(crate) const TARGET_TABLES: &str = "
CREATE TABLE projects (tenant_id bigint NOT NULL, id bigserial NOT NULL, name text NOT NULL,
    budget numeric(12,2), tags text[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT '2025-01-01 00:00:00+00', PRIMARY KEY (tenant_id, id));
CREATE TABLE tasks (tenant_id bigint NOT NULL, id bigserial NOT NULL, project_id bigint NOT NULL,
    title text NOT NULL, done boolean NOT NULL DEFAULT false, due date, meta jsonb,
    PRIMARY KEY (tenant_id, id), FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id));
CREATE TABLE comments (tenant_id bigint NOT NULL, id uuid NOT NULL, task_id bigint NOT NULL,
    body text NOT NULL, score double precision, PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, task_id) REFERENCES tasks (tenant_id, id));
";

/// Creates tenant schemas `tenant_1` .. `tenant_<n>` with their rows.
pub(crate) async fn seed_source(pool: &PgPool, tenants: i64) -> TestResult {
    for chunk in (1..=tenants).collect::<Vec<_>>().chunks(20) {
        let mut sql = String::new();
        for n in chunk {
            let s = format!("tenant_{n}");
            writeln!(sql, "CREATE SCHEMA {s};")?;
            sql.push_str(&TENANT_TABLES.replace("{s}", &s));
            sql.push_str(
                &TENANT_ROWS
                    .replace("{s}", &s)
                    .replace("{n}", &n.to_string()),
            );
        }
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(pool)
            .await?;
    }
    Ok(())
}

/// Creates the shared tables in the target.
pub(crate) async fn seed_target(pool: &PgPool) -> TestResult {
    sqlx::raw_sql(TARGET_TABLES).execute(pool).await?;
    Ok(())
}

/// The catalog of the shared tables.
pub(crate) fn catalog() -> Catalog {
    Catalog::builder()
        .tenant_table("projects")
        .tenant_table("tasks")
        .tenant_table("comments")
        .build()
        .expect("the fixture catalog is valid")
}

/// The catalog as TOML, for the CLI.
pub(crate) const CATALOG_TOML: &str = "
default_tenant_column = \"tenant_id\"
[tables.projects]
[tables.tasks]
[tables.comments]
";

/// Total rows in all tenant schemas.
pub(crate) async fn source_rows(pool: &PgPool, tenants: i64) -> TestResult<i64> {
    let mut total = 0;
    for n in 1..=tenants {
        let count: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT (SELECT count(*) FROM tenant_{n}.projects) + (SELECT count(*) FROM tenant_{n}.tasks)
                  + (SELECT count(*) FROM tenant_{n}.comments)"
        )))
        .fetch_one(pool)
        .await?;
        total += count;
    }
    Ok(total)
}

/// Total rows in the shared tables.
pub(crate) async fn target_rows(pool: &PgPool) -> TestResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM projects) + (SELECT count(*) FROM tasks) + (SELECT count(*) FROM comments)",
    )
    .fetch_one(pool)
    .await?)
}

/// Rows in the shared tables that occur more than once per `(tenant_id, id)` — always 0 with the
/// primary keys in place, counted anyway so a test would notice a dropped key.
pub(crate) async fn target_duplicates(pool: &PgPool) -> TestResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT coalesce(sum(n - 1), 0)::bigint FROM (
           SELECT count(*) AS n FROM projects GROUP BY tenant_id, id
           UNION ALL SELECT count(*) FROM tasks GROUP BY tenant_id, id
           UNION ALL SELECT count(*) FROM comments GROUP BY tenant_id, id) d",
    )
    .fetch_one(pool)
    .await?)
}
