//! Building a catalog from a live PostgreSQL database.

mod common;

use common::{TestResult, database};
use tenancy_core::{TableName, TableRole};
use tenancy_sqlx::introspect::{Introspection, catalog_from_database};

#[tokio::test]
async fn tenant_columns_reference_tables_and_the_tenant_table_are_found() -> TestResult {
    let db = database().await?;
    sqlx::raw_sql("CREATE TABLE accounts (id bigint PRIMARY KEY, name text); CREATE TABLE \"Audit\" (tenant_id bigint)")
        .execute(db.pool())
        .await?;
    let role = |catalog: &tenancy_core::Catalog, t: &str| {
        TableName::parse(t).map(|name| catalog.role(&name).cloned())
    };
    let tenant = Some(TableRole::Tenant {
        column: "tenant_id".into(),
    });

    let strict = catalog_from_database(db.pool(), &Introspection::new("tenant_id")).await?;
    assert_eq!(role(&strict, "tasks")?, tenant);
    assert_eq!(role(&strict, "\"Audit\"")?, tenant);
    assert_eq!(
        role(&strict, "plans")?,
        None,
        "tables without the column are not guessed"
    );

    let full = catalog_from_database(
        db.pool(),
        &Introspection::new("tenant_id")
            .tenant_table("accounts", "id")
            .other_tables_are_reference(true),
    )
    .await?;
    assert_eq!(
        role(&full, "accounts")?,
        Some(TableRole::Tenant {
            column: "id".into()
        })
    );
    assert_eq!(role(&full, "plans")?, Some(TableRole::Reference));
    assert_eq!(role(&full, "projects")?, tenant);

    let missing = catalog_from_database(
        db.pool(),
        &Introspection::new("tenant_id").tenant_table("orgs", "id"),
    )
    .await;
    assert!(missing.is_err());
    db.cleanup().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn citus_metadata_decides_tenant_and_reference_tables() -> TestResult {
    let Some(db) = tenancy_testing::TestDatabase::builder()
        .citus()
        .max_connections(2)
        .create_or_skip("citus_metadata_decides_tenant_and_reference_tables")
        .await?
    else {
        return Ok(());
    };
    // One statement per round trip: a multi-statement string is one transaction, and Citus
    // refuses to mix parallel shard DDL with a later reference-table foreign key in it.
    for statement in [
        "CREATE TABLE accounts (id bigint PRIMARY KEY)",
        "SELECT create_distributed_table('accounts', 'id')",
        "CREATE TABLE tasks (tenant_id bigint NOT NULL, id bigint NOT NULL, title text, \
           PRIMARY KEY (tenant_id, id))",
        "SELECT create_distributed_table('tasks', 'tenant_id', colocate_with => 'accounts')",
        "CREATE TABLE plans (id bigint PRIMARY KEY, name text)",
        "SELECT create_reference_table('plans')",
        "CREATE TABLE notes (tenant_id bigint, plan_id bigint REFERENCES plans (id), body text)",
    ] {
        sqlx::raw_sql(statement).execute(db.pool()).await?;
    }
    // The premise: Citus turned `notes` into a Citus local table, which shares partmethod 'n'
    // with reference tables and differs only in its replication model.
    let kinds: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT logicalrelid::text, partmethod::text, repmodel::text FROM pg_dist_partition \
         WHERE logicalrelid IN ('notes'::regclass, 'plans'::regclass) ORDER BY 1",
    )
    .fetch_all(db.pool())
    .await?;
    assert_eq!(
        kinds,
        [
            ("notes".to_owned(), "n".to_owned(), "s".to_owned()),
            ("plans".to_owned(), "n".to_owned(), "t".to_owned()),
        ]
    );

    let catalog = catalog_from_database(db.pool(), &Introspection::new("tenant_id")).await?;
    let role = |t: &str| TableName::parse(t).map(|name| catalog.role(&name).cloned());
    let by = |column: &str| {
        Some(TableRole::Tenant {
            column: column.into(),
        })
    };
    assert_eq!(role("tasks")?, by("tenant_id"));
    assert_eq!(
        role("accounts")?,
        by("id"),
        "the distribution column scopes the table, whatever its name"
    );
    assert_eq!(role("plans")?, Some(TableRole::Reference));
    let notes = role("notes")?;
    assert_ne!(
        notes,
        Some(TableRole::Reference),
        "a Citus local table holds tenant rows; treating it as shared would leak them"
    );
    assert!(
        notes.is_none() || notes == by("tenant_id"),
        "notes: {notes:?}"
    );
    db.cleanup().await?;
    Ok(())
}
