//! Shared fixture: a database with two tenant tables, one reference table and three tenants
//! whose row ids collide.

// Each test binary uses part of this fixture.
#![allow(dead_code)]

use std::str::FromStr;

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use tenancy_core::Catalog;
use tenancy_testing::TestDatabase;

pub(crate) type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

pub(crate) const TENANTS: [i64; 3] = [1, 2, 3];

pub(crate) const SCHEMA: &str = "
CREATE TABLE plans (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE projects (tenant_id bigint NOT NULL, id bigint NOT NULL, name text NOT NULL,
                       PRIMARY KEY (tenant_id, id));
CREATE TABLE tasks (tenant_id bigint NOT NULL, id bigint NOT NULL, project_id bigint NOT NULL,
                    title text NOT NULL, done boolean NOT NULL DEFAULT false,
                    PRIMARY KEY (tenant_id, id),
                    FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id));
INSERT INTO plans VALUES (1, 'free'), (2, 'pro');
INSERT INTO projects SELECT t, p, 'project ' || p || ' of ' || t
  FROM generate_series(1, 3) t, generate_series(1, 2) p;
INSERT INTO tasks SELECT t, k, 1 + k % 2, 'task ' || k || ' of ' || t, k % 3 = 0
  FROM generate_series(1, 3) t, generate_series(1, 10) k;
";

pub(crate) fn catalog() -> Catalog {
    Catalog::builder()
        .tenant_table("projects")
        .tenant_table("tasks")
        .reference_table("plans")
        .build()
        .expect("the test catalog is valid")
}

pub(crate) async fn database() -> TestResult<TestDatabase> {
    let db = TestDatabase::create().await?;
    sqlx::raw_sql(SCHEMA).execute(db.pool()).await?;
    Ok(db)
}

/// A role that owns nothing and is neither superuser nor BYPASSRLS, as an app should connect.
pub(crate) struct AppRole {
    pub(crate) name: String,
    pub(crate) pool: PgPool,
    admin: PgPool,
}

impl AppRole {
    pub(crate) async fn create(db: &TestDatabase) -> TestResult<Self> {
        let name = format!(
            "tenancy_app_{}_{}",
            std::process::id(),
            rand::random::<u32>()
        );
        let admin = db.pool().clone();
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "CREATE ROLE {name} LOGIN NOSUPERUSER NOBYPASSRLS;
             GRANT USAGE ON SCHEMA public TO {name};
             GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {name};"
        )))
        .execute(&admin)
        .await?;
        let options = PgConnectOptions::from_str(db.url())?.username(&name);
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .connect_with(options)
            .await?;
        Ok(Self { name, pool, admin })
    }

    pub(crate) async fn drop_role(self) -> TestResult {
        self.pool.close().await;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP OWNED BY {0}; DROP ROLE {0};",
            self.name
        )))
        .execute(&self.admin)
        .await?;
        Ok(())
    }
}
