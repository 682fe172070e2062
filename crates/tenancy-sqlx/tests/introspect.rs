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
