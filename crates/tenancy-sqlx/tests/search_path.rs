//! Names resolve the way the rewriter assumes: a table in a `$user` schema or a temporary table
//! must not stand in, unseen, for the table the rewriter checked.

mod common;

use std::str::FromStr;

use common::{TestResult, catalog, database};
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use tenancy_core::{TenantId, context, unscoped};
use tenancy_sqlx::{Error, TenantPool};
use tenancy_testing::TestDatabase;

/// A login role with a schema of its own name holding a `plans` table: under PostgreSQL's default
/// `search_path` (`"$user", public`) it shadows `public.plans`, a reference table.
async fn role_with_shadowing_schema(db: &TestDatabase) -> TestResult<String> {
    let role = format!(
        "tenancy_shadow_{}_{}",
        std::process::id(),
        rand::random::<u32>()
    );
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE ROLE {role} LOGIN NOSUPERUSER;
         GRANT USAGE ON SCHEMA public TO {role};
         GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role};
         CREATE SCHEMA {role} AUTHORIZATION {role};
         CREATE TABLE {role}.plans (id bigint PRIMARY KEY, name text NOT NULL);
         INSERT INTO {role}.plans VALUES (1, 'shadow');
         GRANT SELECT ON {role}.plans TO {role};"
    )))
    .execute(db.pool())
    .await?;
    Ok(role)
}

async fn plan_names(pool: &TenantPool) -> Result<Vec<String>, sqlx::Error> {
    context::scope(
        TenantId::Int(1),
        sqlx::query_scalar("SELECT name FROM plans ORDER BY id").fetch_all(pool),
    )
    .await
}

#[tokio::test]
async fn a_user_schema_does_not_shadow_a_reference_table() -> TestResult {
    let db = database().await?;
    let role = role_with_shadowing_schema(&db).await?;
    let options = PgConnectOptions::from_str(db.url())?.username(&role);

    // Control: a pool built with PostgreSQL's defaults reads the shadow, and `check` says so.
    let own = PgPoolOptions::new()
        .max_connections(2)
        .connect_with(options.clone())
        .await?;
    let unchecked = TenantPool::new(own.clone(), catalog());
    assert_eq!(plan_names(&unchecked).await?, vec!["shadow".to_owned()]);
    let err = unchecked
        .check()
        .await
        .expect_err("the default search_path must be reported");
    assert!(
        matches!(&err, Error::SearchPath { found } if found == "\"$user\", public"),
        "{err:?}"
    );

    let built =
        TenantPool::connect_with(PgPoolOptions::new().max_connections(2), options, catalog())
            .await?;
    assert_eq!(
        plan_names(&built).await?,
        vec!["free".to_owned(), "pro".to_owned()]
    );
    built.check().await?;

    own.close().await;
    drop(built);
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA {role} CASCADE; DROP OWNED BY {role}; DROP ROLE {role};"
    )))
    .execute(db.pool())
    .await?;
    db.cleanup().await?;
    Ok(())
}

/// Creates a temporary `tasks` on the pool's only connection (admin work, through the one door)
/// and returns what tenant 1 then reads as task 1.
async fn task_one_after_a_temporary_tasks(pool: &TenantPool) -> TestResult<Vec<String>> {
    unscoped("test: a temporary table on a pooled connection", async {
        sqlx::raw_sql(
            "CREATE TEMP TABLE tasks (tenant_id bigint, id bigint, project_id bigint,
                                      title text, done boolean);
             INSERT INTO pg_temp.tasks VALUES (1, 1, 1, 'temporary', false)",
        )
        .execute(pool)
        .await
    })
    .await?;
    Ok(context::scope(
        TenantId::Int(1),
        sqlx::query_scalar("SELECT title FROM tasks WHERE id = 1").fetch_all(pool),
    )
    .await?)
}

#[tokio::test]
async fn a_temporary_table_does_not_shadow_a_tenant_table() -> TestResult {
    let db = database().await?;
    let one_connection = || PgPoolOptions::new().max_connections(1);
    let options = PgConnectOptions::from_str(db.url())?;

    // Control: with temporary tables searched first, tenant 1 would read the temporary table.
    let own: PgPool = one_connection().connect_with(options.clone()).await?;
    let unchecked = TenantPool::new(own.clone(), catalog());
    assert_eq!(
        task_one_after_a_temporary_tasks(&unchecked).await?,
        vec!["temporary".to_owned()]
    );

    let built = TenantPool::connect_with(one_connection(), options.clone(), catalog()).await?;
    assert_eq!(
        task_one_after_a_temporary_tasks(&built).await?,
        vec!["task 1 of 1".to_owned()]
    );

    // Row-level-security mode pins the search path in the statement it pays per transaction,
    // so even a pool built with the defaults resolves like the rewriter there.
    let own_rls: PgPool = one_connection().connect_with(options).await?;
    let rls = TenantPool::new(own_rls.clone(), catalog()).with_row_level_security(true);
    assert_eq!(
        task_one_after_a_temporary_tasks(&rls).await?,
        vec!["task 1 of 1".to_owned()]
    );

    own.close().await;
    own_rls.close().await;
    drop(built);
    db.cleanup().await?;
    Ok(())
}
