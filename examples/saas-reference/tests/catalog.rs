//! Drift checks: `deploy/catalog.toml` (what `tenancy distribute` reads in the deployment),
//! `db::catalog()` (what the app's rewriter uses) and the migrated schema must describe the same
//! tables and tenant columns. Adding a table to one place only fails here.

use std::collections::BTreeMap;

use saas_reference::db;
use tenancy_core::{Catalog, TableRole};
use tenancy_testing::TestDatabase;

/// `schema.table` → the tenant column, or `None` for a reference table.
fn described(catalog: &Catalog) -> BTreeMap<String, Option<String>> {
    catalog
        .tables()
        .map(|(name, role)| {
            let column = match role {
                TableRole::Tenant { column } => Some(column.clone()),
                _ => None,
            };
            (format!("{}.{}", name.schema(), name.name()), column)
        })
        .collect()
}

fn deployed() -> anyhow::Result<Catalog> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/catalog.toml");
    Ok(Catalog::from_toml_str(&std::fs::read_to_string(path)?)?)
}

#[test]
fn the_deployed_catalog_matches_the_apps() -> anyhow::Result<()> {
    let (deployed, app) = (deployed()?, db::catalog()?);
    assert_eq!(
        deployed.default_tenant_column(),
        app.default_tenant_column()
    );
    assert_eq!(
        described(&deployed),
        described(&app),
        "deploy/catalog.toml and db::catalog() disagree"
    );
    Ok(())
}

#[tokio::test]
async fn the_catalog_covers_every_migrated_table() -> anyhow::Result<()> {
    let database = TestDatabase::builder().max_connections(2).create().await?;
    db::MIGRATOR.run(database.pool()).await?;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_schema || '.' || table_name FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' \
           AND table_name <> '_sqlx_migrations' ORDER BY 1",
    )
    .fetch_all(database.pool())
    .await?;
    let catalog = described(&db::catalog()?);
    assert_eq!(
        tables,
        catalog.keys().cloned().collect::<Vec<_>>(),
        "migrated tables vs db::catalog()"
    );
    for (table, column) in &catalog {
        let Some(column) = column else { continue };
        let (_, name) = table.split_once('.').unwrap_or_default();
        let exists: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name = $1 AND column_name = $2 \
               AND is_nullable = 'NO')",
        )
        .bind(name)
        .bind(column)
        .fetch_one(database.pool())
        .await?;
        assert!(exists, "{table} has no NOT NULL tenant column {column}");
    }
    Ok(())
}
