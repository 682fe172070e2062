//! Building a [`Catalog`] from a live database.
//!
//! On Citus the distribution metadata decides: tables distributed by a column are tenant tables
//! scoped by it, replicated reference tables are reference. Every other table (plain PostgreSQL,
//! or a Citus local table) is a tenant table when it has a column named like the tenant column; the tenant table itself (scoped by its key) must
//! be named, and tables without the column are reference tables only if you say so — a table
//! silently treated as shared would be a leak.

use sqlx::PgPool;
use tenancy_core::catalog::quote_identifier;
use tenancy_core::{Catalog, TableName};

use crate::error::Error;

/// What [`catalog_from_database`] looks for.
///
/// # Example
/// ```
/// use tenancy_sqlx::introspect::Introspection;
///
/// let options = Introspection::new("tenant_id")
///     .schemas(["public", "app"])
///     .tenant_table("organizations", "id")
///     .other_tables_are_reference(true);
/// assert_eq!(options.tenant_column(), "tenant_id");
/// ```
#[derive(Debug, Clone)]
pub struct Introspection {
    tenant_column: String,
    schemas: Vec<String>,
    tenant_table: Option<(String, String)>,
    other_tables_are_reference: bool,
}

impl Introspection {
    /// Looks in schema `public` for tables with `tenant_column`.
    #[must_use]
    pub fn new(tenant_column: &str) -> Self {
        Self {
            tenant_column: tenant_column.to_owned(),
            schemas: vec!["public".to_owned()],
            tenant_table: None,
            other_tables_are_reference: false,
        }
    }

    /// The schemas to look in.
    #[must_use]
    pub fn schemas<I, S>(mut self, schemas: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.schemas = schemas.into_iter().map(Into::into).collect();
        self
    }

    /// Names the tenant table itself and its key column.
    #[must_use]
    pub fn tenant_table(mut self, table: &str, key_column: &str) -> Self {
        self.tenant_table = Some((table.to_owned(), key_column.to_owned()));
        self
    }

    /// Whether tables without the tenant column become reference tables (default: left out, so
    /// the rewriter refuses them).
    #[must_use]
    pub fn other_tables_are_reference(mut self, yes: bool) -> Self {
        self.other_tables_are_reference = yes;
        self
    }

    /// The tenant column looked for.
    #[must_use]
    pub fn tenant_column(&self) -> &str {
        &self.tenant_column
    }
}

/// Reads the tables of a live database into a [`Catalog`].
///
/// # Errors
/// Database errors, or [`tenancy_core::Error::Catalog`] when the named tenant table is not found.
///
/// # Example
/// ```no_run
/// # async fn run(pool: sqlx::PgPool) -> Result<(), tenancy_sqlx::Error> {
/// use tenancy_sqlx::introspect::{catalog_from_database, Introspection};
/// let catalog = catalog_from_database(&pool, &Introspection::new("tenant_id")).await?;
/// println!("{} tables", catalog.len());
/// # Ok(()) }
/// ```
pub async fn catalog_from_database(
    pool: &PgPool,
    options: &Introspection,
) -> Result<Catalog, Error> {
    let tables: Vec<TableRow> = if has_citus(pool).await? {
        citus_tables(pool, &options.schemas, &options.tenant_column).await?
    } else {
        postgres_tables(pool, &options.schemas, &options.tenant_column).await?
    };
    let tenant_table = options
        .tenant_table
        .as_ref()
        .map(|(table, key)| TableName::parse(table).map(|name| (name, key)))
        .transpose()?;
    let mut builder =
        Catalog::builder().default_tenant_column(&quote_identifier(&options.tenant_column));
    let mut found_tenant_table = tenant_table.is_none();
    for (schema, name, column, reference) in tables {
        let table = TableName::new(schema, name);
        // Display quotes each part, so the builder's parser reads back exactly this name.
        let qualified = table.to_string();
        builder = match (&tenant_table, column) {
            (Some((tenant, key)), _) if *tenant == table => {
                found_tenant_table = true;
                builder.tenant_table_by(&qualified, &quote_identifier(key))
            }
            (_, Some(column)) => builder.tenant_table_by(&qualified, &quote_identifier(&column)),
            (_, None) if reference || options.other_tables_are_reference => {
                builder.reference_table(&qualified)
            }
            (_, None) => builder,
        };
    }
    if !found_tenant_table {
        return Err(tenancy_core::Error::Catalog(format!(
            "the tenant table {:?} was not found in schemas {:?}",
            options.tenant_table.as_ref().map(|(t, _)| t),
            options.schemas
        ))
        .into());
    }
    Ok(builder.build()?)
}

/// Schema, table, tenant column if scoped, and whether the database marks it as reference.
type TableRow = (String, String, Option<String>, bool);

async fn has_citus(pool: &PgPool) -> Result<bool, Error> {
    Ok(
        sqlx::query_scalar("SELECT to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL")
            .fetch_one(pool)
            .await?,
    )
}

/// Every table with the tenant column's name if it has one.
async fn postgres_tables(
    pool: &PgPool,
    schemas: &[String],
    tenant_column: &str,
) -> Result<Vec<TableRow>, Error> {
    Ok(sqlx::query_as(
        "SELECT n.nspname::text, c.relname::text, a.attname::text, false \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = $2 AND NOT a.attisdropped \
         WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY($1) \
         ORDER BY 1, 2",
    )
    .bind(schemas)
    .bind(tenant_column)
    .fetch_all(pool)
    .await?)
}

/// Citus metadata: distributed tables with their distribution column; reference tables
/// (replicated, `repmodel = 't'`) marked as such. Citus-managed local tables and single-shard
/// tables also have `partmethod = 'n'` but hold tenant rows like any local table, so for them
/// (and for tables Citus does not know) the tenant column is found by name, as on PostgreSQL.
async fn citus_tables(
    pool: &PgPool,
    schemas: &[String],
    tenant_column: &str,
) -> Result<Vec<TableRow>, Error> {
    Ok(sqlx::query_as(
        "SELECT n.nspname::text, c.relname::text, \
                CASE WHEN p.partmethod = 'h' THEN column_to_column_name(p.logicalrelid, p.partkey) \
                     WHEN p.repmodel = 't' THEN NULL ELSE a.attname::text END, \
                coalesce(p.partmethod = 'n' AND p.repmodel = 't', false) \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_dist_partition p ON p.logicalrelid = c.oid \
         LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = $2 AND NOT a.attisdropped \
         WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY($1) \
         ORDER BY 1, 2",
    )
    .bind(schemas)
    .bind(tenant_column)
    .fetch_all(pool)
    .await?)
}
