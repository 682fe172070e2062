//! The migration plan: which tenant schemas exist, how each of their tables maps onto a shared
//! table, and every difference that would lose or corrupt data if the copy started anyway.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use sqlx::{PgPool, Row};
use tenancy_core::catalog::quote_identifier;
use tenancy_core::{Catalog, TableName, TableRole, TenantId, TenantKeyKind};

use crate::error::Error;
use crate::schema_mode::SchemaName;

/// Where the tenant schemas are and how their names map to tenant ids.
///
/// A schema `<prefix><suffix>` belongs to the tenant whose id is `<suffix>`, read as
/// `tenant_kind` (or inferred: an integer, else a UUID, else text).
///
/// # Example
/// ```
/// use tenancy_sqlx::migration::SourceLayout;
/// use tenancy_sqlx::core::{TenantId, TenantKeyKind};
///
/// let layout = SourceLayout::new("tenant_").tenant_kind(TenantKeyKind::Int).target_schema("public");
/// assert_eq!(layout.tenant_of("tenant_42")?, Some(TenantId::Int(42)));
/// assert_eq!(layout.tenant_of("billing")?, None);
/// # Ok::<(), tenancy_sqlx::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct SourceLayout {
    prefix: String,
    tenant_kind: Option<TenantKeyKind>,
    target_schema: String,
}

impl SourceLayout {
    /// Tenant schemas start with `prefix`; shared tables live in `public` of the target.
    #[must_use]
    pub fn new(prefix: &str) -> Self {
        Self {
            prefix: prefix.to_owned(),
            tenant_kind: None,
            target_schema: "public".to_owned(),
        }
    }

    /// How to read the schema suffix as a tenant id.
    #[must_use]
    pub fn tenant_kind(mut self, kind: TenantKeyKind) -> Self {
        self.tenant_kind = Some(kind);
        self
    }

    /// The target schema of the shared tables (default `public`).
    #[must_use]
    pub fn target_schema(mut self, schema: &str) -> Self {
        schema.clone_into(&mut self.target_schema);
        self
    }

    /// The schema prefix.
    #[must_use]
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The tenant a schema belongs to, `None` when the name does not start with the prefix.
    ///
    /// # Errors
    /// [`tenancy_core::Error::InvalidTenantId`] when the suffix is not a valid id of the kind.
    pub fn tenant_of(&self, schema: &str) -> Result<Option<TenantId>, Error> {
        let Some(suffix) = schema.strip_prefix(&self.prefix) else {
            return Ok(None);
        };
        let tenant = match self.tenant_kind {
            Some(kind) => TenantId::parse_as(suffix, kind)?,
            None => suffix.parse()?,
        };
        Ok(Some(tenant))
    }
}

/// A column: its name and its type as `format_type` prints it (e.g. `character varying(40)`).
///
/// # Example
/// ```
/// use tenancy_sqlx::migration::Column;
/// let c = Column { name: "id".into(), type_name: "bigint".into() };
/// assert_eq!(c.to_string(), "id bigint");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The column name.
    pub name: String,
    /// The SQL type.
    pub type_name: String,
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.name, self.type_name)
    }
}

/// One tenant schema and the tenant it belongs to.
///
/// # Example
/// ```
/// use tenancy_sqlx::migration::TenantSchema;
/// use tenancy_sqlx::{core::TenantId, schema_mode::SchemaName};
/// let t = TenantSchema { tenant: TenantId::Int(1), schema: SchemaName::new("tenant_1")? };
/// assert_eq!(t.to_string(), "tenant 1 (tenant_1)");
/// # Ok::<(), tenancy_sqlx::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantSchema {
    /// The tenant.
    pub tenant: TenantId,
    /// Its schema in the source database.
    pub schema: SchemaName,
}

impl fmt::Display for TenantSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tenant {} ({})", self.tenant, self.schema)
    }
}

/// How one table of every tenant schema maps onto its shared table.
///
/// # Example
/// ```no_run
/// # fn show(plan: &tenancy_sqlx::migration::MigrationPlan) {
/// for table in &plan.tables {
///     println!("{} -> {} by {}", table.name, table.target, table.tenant_column);
/// }
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct TablePlan {
    /// The table's name inside each tenant schema.
    pub name: String,
    /// The shared table.
    pub target: TableName,
    /// The target's tenant column.
    pub tenant_column: String,
    /// The target tenant column's type.
    pub tenant_column_type: String,
    /// The columns copied (source order, generated columns left out).
    pub columns: Vec<Column>,
    /// The source primary key, in key order: batches are ranges of it.
    pub key: Vec<Column>,
}

/// Something in the way of a faithful copy, found by [`plan_migration`].
///
/// # Example
/// ```
/// use tenancy_sqlx::migration::Difference;
/// let d = Difference::MissingColumn { table: "tasks".into(), column: "due".into() };
/// assert!(d.is_blocking());
/// assert!(d.to_string().contains("ALTER TABLE"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Difference {
    /// The table is not a tenant table in the catalog.
    NotInCatalog {
        /// The table.
        table: String,
    },
    /// The shared table does not exist in the target.
    MissingTable {
        /// The table.
        table: String,
    },
    /// A source column has no counterpart in the shared table.
    MissingColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// A column has different types on the two sides.
    TypeMismatch {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// The source type.
        source: String,
        /// The target type.
        target: String,
    },
    /// The shared table has a `NOT NULL` column without default that the source lacks.
    RequiredTargetColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// The shared table has a column the source lacks, nullable or with a default (a warning).
    ExtraTargetColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// The source table has no primary key: it cannot be copied in resumable ranges.
    NoPrimaryKey {
        /// The table.
        table: String,
    },
    /// The shared table has no unique key on (tenant column, source key): changes cannot be
    /// applied idempotently.
    NoCompositeKey {
        /// The table.
        table: String,
        /// The key needed.
        key: String,
    },
    /// One tenant schema's table differs from the others (a missed schema migration).
    SchemaDrift {
        /// The schema.
        schema: String,
        /// The table.
        table: String,
        /// How it differs.
        detail: String,
    },
}

impl Difference {
    /// Whether the copy must not start until this is fixed (everything but extra target columns).
    #[must_use]
    pub fn is_blocking(&self) -> bool {
        !matches!(self, Self::ExtraTargetColumn { .. })
    }
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotInCatalog { table } => write!(
                f,
                "{table}: not a tenant table in the catalog; add [tables.{table}] to it"
            ),
            Self::MissingTable { table } => write!(
                f,
                "{table}: the shared table does not exist in the target; create it (with the \
                 tenant column) before copying"
            ),
            Self::MissingColumn { table, column } => write!(
                f,
                "{table}.{column}: missing in the shared table; ALTER TABLE {table} ADD COLUMN \
                 {column} ... in the target"
            ),
            Self::TypeMismatch {
                table,
                column,
                source,
                target,
            } => write!(
                f,
                "{table}.{column}: type {source} in the tenant schemas but {target} in the \
                 shared table; ALTER TABLE {table} ALTER COLUMN {column} TYPE {source} in the target"
            ),
            Self::RequiredTargetColumn { table, column } => write!(
                f,
                "{table}.{column}: NOT NULL without default in the shared table and absent in the \
                 tenant schemas; give it a default or make it nullable"
            ),
            Self::ExtraTargetColumn { table, column } => write!(
                f,
                "{table}.{column}: only in the shared table; copied rows get its default (warning)"
            ),
            Self::NoPrimaryKey { table } => write!(
                f,
                "{table}: no primary key in the tenant schemas; add one so the copy can resume"
            ),
            Self::NoCompositeKey { table, key } => write!(
                f,
                "{table}: the shared table needs a primary key or unique constraint on ({key}) so \
                 changes apply idempotently"
            ),
            Self::SchemaDrift {
                schema,
                table,
                detail,
            } => write!(
                f,
                "{schema}.{table}: differs from the other tenant schemas ({detail}); run the \
                 missing schema migrations first (tenancy schemas migrate)"
            ),
        }
    }
}

/// What [`plan_migration`] found: the tenants, the table mappings (in foreign-key order: parents
/// first) and the differences. `Display` prints the plan as `tenancy migrate --dry-run` shows it.
///
/// # Example
/// ```no_run
/// use tenancy_sqlx::migration::{plan_migration, SourceLayout};
/// use tenancy_sqlx::core::Catalog;
///
/// # async fn run(source: sqlx::PgPool, target: sqlx::PgPool) -> Result<(), tenancy_sqlx::Error> {
/// let catalog = Catalog::builder().tenant_table("projects").tenant_table("tasks").build()?;
/// let plan = plan_migration(&source, &target, &catalog, &SourceLayout::new("tenant_")).await?;
/// print!("{plan}");
/// plan.ensure_ready()?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct MigrationPlan {
    /// The tenant schemas, in name order.
    pub tenants: Vec<TenantSchema>,
    /// The table mappings, parents before children.
    pub tables: Vec<TablePlan>,
    /// Everything in the way, blocking or not.
    pub differences: Vec<Difference>,
}

impl MigrationPlan {
    /// Whether no difference blocks the copy.
    #[must_use]
    pub fn is_ready(&self) -> bool {
        !self.differences.iter().any(Difference::is_blocking)
    }

    /// Fails when a difference blocks the copy.
    ///
    /// # Errors
    /// [`Error::MigrationBlocked`] with the rendered plan.
    pub fn ensure_ready(&self) -> Result<(), Error> {
        if self.is_ready() {
            return Ok(());
        }
        Err(Error::MigrationBlocked {
            blockers: self.differences.iter().filter(|d| d.is_blocking()).count(),
            report: self.to_string(),
        })
    }

    /// The tenant with this id.
    #[must_use]
    pub fn tenant(&self, tenant: &TenantId) -> Option<&TenantSchema> {
        self.tenants.iter().find(|t| &t.tenant == tenant)
    }
}

impl fmt::Display for MigrationPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} tenant schemas -> {} shared tables",
            self.tenants.len(),
            self.tables.len()
        )?;
        for table in &self.tables {
            let cols: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
            let key: Vec<&str> = table.key.iter().map(|c| c.name.as_str()).collect();
            writeln!(
                f,
                "  <schema>.{} -> {} ({}, +{}) key ({}, {})",
                table.name,
                table.target,
                cols.join(", "),
                table.tenant_column,
                table.tenant_column,
                key.join(", ")
            )?;
        }
        if self.differences.is_empty() {
            writeln!(f, "no differences: ready to copy")
        } else {
            for d in &self.differences {
                let tag = if d.is_blocking() {
                    "BLOCKER"
                } else {
                    "warning"
                };
                writeln!(f, "  {tag}: {d}")?;
            }
            let blockers = self.differences.iter().filter(|d| d.is_blocking()).count();
            writeln!(f, "{blockers} blocker(s)")
        }
    }
}

/// One table as found in one schema.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Shape {
    columns: Vec<Column>,
    key: Vec<Column>,
    generated: BTreeSet<String>,
}

const SHAPES: &str = "
SELECT n.nspname::text AS schema, c.relname::text AS table, a.attname::text AS column,
       format_type(a.atttypid, a.atttypmod) AS type, a.attgenerated <> '' AS generated,
       a.attnotnull AND a.atthasdef = false AS required,
       coalesce(array_position(pk.conkey, a.attnum), 0)::int4 AS key_position
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_constraint pk ON pk.conrelid = c.oid AND pk.contype = 'p'
WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY($1)
ORDER BY 1, 2, a.attnum";

async fn shapes(
    pool: &PgPool,
    schemas: &[String],
) -> Result<BTreeMap<(String, String), (Shape, Vec<String>)>, Error> {
    let rows = sqlx::query(SHAPES).bind(schemas).fetch_all(pool).await?;
    let mut out: BTreeMap<(String, String), (Shape, Vec<String>)> = BTreeMap::new();
    let mut keys: BTreeMap<(String, String), Vec<(i32, Column)>> = BTreeMap::new();
    for row in rows {
        let id = (row.try_get("schema")?, row.try_get("table")?);
        let column = Column {
            name: row.try_get("column")?,
            type_name: row.try_get("type")?,
        };
        let entry = out.entry(id.clone()).or_default();
        if row.try_get::<bool, _>("generated")? {
            entry.0.generated.insert(column.name.clone());
        } else {
            if row.try_get::<bool, _>("required")? {
                entry.1.push(column.name.clone());
            }
            entry.0.columns.push(column.clone());
        }
        let position: i32 = row.try_get("key_position")?;
        if position > 0 {
            keys.entry(id).or_default().push((position, column));
        }
    }
    for (id, mut key) in keys {
        key.sort_by_key(|(p, _)| *p);
        if let Some(entry) = out.get_mut(&id) {
            entry.0.key = key.into_iter().map(|(_, c)| c).collect();
        }
    }
    Ok(out)
}

/// Tables of `schema` in foreign-key order (referenced tables first); cycles fall back to name
/// order for the tables involved.
async fn fk_order(pool: &PgPool, schema: &str, tables: &[String]) -> Result<Vec<String>, Error> {
    let edges: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c
         JOIN pg_class r ON r.oid = c.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace
         WHERE c.contype = 'f' AND n.nspname = $1 AND c.conrelid <> c.confrelid",
    )
    .bind(schema)
    .fetch_all(pool)
    .await?;
    let short = |q: &str| {
        q.rsplit('.')
            .next()
            .unwrap_or(q)
            .trim_matches('"')
            .to_owned()
    };
    let mut parents: BTreeMap<String, BTreeSet<String>> = tables
        .iter()
        .map(|t| (t.clone(), BTreeSet::new()))
        .collect();
    for (child, parent) in &edges {
        let (child, parent) = (short(child), short(parent));
        if parents.contains_key(&parent)
            && let Some(set) = parents.get_mut(&child)
        {
            set.insert(parent);
        }
    }
    let mut order = Vec::with_capacity(tables.len());
    while !parents.is_empty() {
        let ready: Vec<String> = parents
            .iter()
            .filter(|(_, ps)| ps.iter().all(|p| order.contains(p)))
            .map(|(t, _)| t.clone())
            .collect();
        let next = if ready.is_empty() {
            parents.keys().take(1).cloned().collect()
        } else {
            ready
        };
        for t in next {
            parents.remove(&t);
            order.push(t);
        }
    }
    Ok(order)
}

/// Builds the plan: finds the tenant schemas in `source`, maps each of their tables to the shared
/// table of the same name in `target` (the catalog names its tenant column), and lists every
/// difference. Nothing is changed in either database.
///
/// # Errors
/// Database errors; invalid tenant ids in schema names.
///
/// # Example
/// See [`MigrationPlan`].
pub async fn plan_migration(
    source: &PgPool,
    target: &PgPool,
    catalog: &Catalog,
    layout: &SourceLayout,
) -> Result<MigrationPlan, Error> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT nspname::text FROM pg_namespace WHERE starts_with(nspname, $1) ORDER BY 1",
    )
    .bind(layout.prefix())
    .fetch_all(source)
    .await?;
    let mut tenants = Vec::new();
    for name in &names {
        // Schemas whose names are not safe identifiers are not tenant schemas.
        let Ok(schema) = SchemaName::new(name) else {
            continue;
        };
        if let Some(tenant) = layout.tenant_of(name)? {
            tenants.push(TenantSchema { tenant, schema });
        }
    }
    let schemas: Vec<String> = tenants.iter().map(|t| t.schema.to_string()).collect();
    let source_shapes = shapes(source, &schemas).await?;
    let mut differences = Vec::new();

    // The first schema holding a table defines it; every other schema must match.
    let mut reference: BTreeMap<String, (String, Shape)> = BTreeMap::new();
    for ((schema, table), (shape, _)) in &source_shapes {
        match reference.get(table) {
            None => {
                reference.insert(table.clone(), (schema.clone(), shape.clone()));
            }
            Some((first, expected)) if expected != shape => {
                differences.push(Difference::SchemaDrift {
                    schema: schema.clone(),
                    table: table.clone(),
                    detail: format!("columns or key differ from {first}.{table}"),
                });
            }
            Some(_) => {}
        }
    }
    for t in &tenants {
        for table in reference.keys() {
            if !source_shapes.contains_key(&(t.schema.to_string(), table.clone())) {
                differences.push(Difference::SchemaDrift {
                    schema: t.schema.to_string(),
                    table: table.clone(),
                    detail: "the table is missing".to_owned(),
                });
            }
        }
    }

    let target_shapes = shapes(target, std::slice::from_ref(&layout.target_schema)).await?;
    let unique_keys = unique_keys(target, &layout.target_schema).await?;
    let mut tables = Vec::new();
    for (table, (_, shape)) in &reference {
        let name = TableName::new(layout.target_schema.clone(), table.clone());
        let tenant_column = match catalog.role(&name) {
            Some(TableRole::Tenant { column }) => column.clone(),
            _ => {
                differences.push(Difference::NotInCatalog {
                    table: table.clone(),
                });
                continue;
            }
        };
        if shape.key.is_empty() {
            differences.push(Difference::NoPrimaryKey {
                table: table.clone(),
            });
        }
        let Some((target_shape, required)) =
            target_shapes.get(&(layout.target_schema.clone(), table.clone()))
        else {
            differences.push(Difference::MissingTable {
                table: table.clone(),
            });
            continue;
        };
        compare_columns(
            table,
            shape,
            target_shape,
            required,
            &tenant_column,
            &mut differences,
        );
        let mut wanted: Vec<String> = shape.key.iter().map(|c| c.name.clone()).collect();
        wanted.push(tenant_column.clone());
        wanted.sort();
        let has_key = unique_keys
            .get(table)
            .is_some_and(|keys| keys.contains(&wanted));
        if !shape.key.is_empty() && !has_key {
            let key: Vec<&str> = std::iter::once(tenant_column.as_str())
                .chain(shape.key.iter().map(|c| c.name.as_str()))
                .collect();
            differences.push(Difference::NoCompositeKey {
                table: table.clone(),
                key: key.join(", "),
            });
        }
        let tenant_column_type = target_shape
            .columns
            .iter()
            .find(|c| c.name == tenant_column)
            .map(|c| c.type_name.clone())
            .unwrap_or_default();
        tables.push(TablePlan {
            name: table.clone(),
            target: name,
            tenant_column,
            tenant_column_type,
            columns: shape.columns.clone(),
            key: shape.key.clone(),
        });
    }
    if let Some(first) = tenants.first() {
        let names: Vec<String> = tables.iter().map(|t| t.name.clone()).collect();
        let order = fk_order(source, first.schema.as_str(), &names).await?;
        tables.sort_by_key(|t| order.iter().position(|n| *n == t.name));
    }
    Ok(MigrationPlan {
        tenants,
        tables,
        differences,
    })
}

fn compare_columns(
    table: &str,
    source: &Shape,
    target: &Shape,
    required: &[String],
    tenant_column: &str,
    differences: &mut Vec<Difference>,
) {
    for column in &source.columns {
        match target.columns.iter().find(|c| c.name == column.name) {
            None => differences.push(Difference::MissingColumn {
                table: table.to_owned(),
                column: column.name.clone(),
            }),
            Some(t) if t.type_name != column.type_name => {
                differences.push(Difference::TypeMismatch {
                    table: table.to_owned(),
                    column: column.name.clone(),
                    source: column.type_name.clone(),
                    target: t.type_name.clone(),
                });
            }
            Some(_) => {}
        }
    }
    if !target.columns.iter().any(|c| c.name == tenant_column) {
        differences.push(Difference::MissingColumn {
            table: table.to_owned(),
            column: tenant_column.to_owned(),
        });
    }
    for column in &target.columns {
        if column.name == tenant_column || source.columns.iter().any(|c| c.name == column.name) {
            continue;
        }
        let (table, column) = (table.to_owned(), column.name.clone());
        if required.contains(&column) {
            differences.push(Difference::RequiredTargetColumn { table, column });
        } else {
            differences.push(Difference::ExtraTargetColumn { table, column });
        }
    }
}

/// Every primary key and unique constraint/index of the target's tables, as sorted column lists.
async fn unique_keys(
    pool: &PgPool,
    schema: &str,
) -> Result<BTreeMap<String, Vec<Vec<String>>>, Error> {
    let rows: Vec<(String, Vec<String>)> = sqlx::query_as(
        "SELECT c.relname::text, array_agg(a.attname::text ORDER BY a.attname)
         FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(i.indkey)
         WHERE n.nspname = $1 AND i.indisunique AND i.indpred IS NULL
         GROUP BY c.relname, i.indexrelid",
    )
    .bind(schema)
    .fetch_all(pool)
    .await?;
    let mut out: BTreeMap<String, Vec<Vec<String>>> = BTreeMap::new();
    for (table, columns) in rows {
        out.entry(table).or_default().push(columns);
    }
    Ok(out)
}

impl TablePlan {
    /// The copied columns, quoted and comma-separated.
    pub(crate) fn column_list(&self) -> String {
        list(self.columns.iter().map(|c| quote_identifier(&c.name)))
    }

    /// The key columns, quoted and comma-separated.
    pub(crate) fn key_list(&self) -> String {
        list(self.key.iter().map(|c| quote_identifier(&c.name)))
    }

    /// The source table in `schema`.
    pub(crate) fn source_in(&self, schema: &SchemaName) -> String {
        format!("{schema}.{}", quote_identifier(&self.name))
    }

    /// The shared table, qualified and quoted.
    pub(crate) fn target_sql(&self) -> String {
        format!(
            "{}.{}",
            quote_identifier(self.target.schema()),
            quote_identifier(self.target.name())
        )
    }

    /// The quoted tenant column.
    pub(crate) fn tenant_sql(&self) -> String {
        quote_identifier(&self.tenant_column)
    }

    /// A key value (its text forms) as a row literal with casts, for `(key) > (...)`.
    pub(crate) fn key_literal(&self, values: &[String]) -> String {
        list(
            self.key
                .iter()
                .zip(values)
                .map(|(c, v)| format!("{}::{}", string_literal(v), c.type_name)),
        )
    }
}

/// A SQL string literal (standard_conforming_strings: only `'` needs doubling).
pub(crate) fn string_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The tenant as a literal of the tenant column's type.
pub(crate) fn tenant_literal(tenant: &TenantId, type_name: &str) -> String {
    format!("{}::{type_name}", string_literal(&tenant.to_string()))
}

pub(crate) fn list(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_literals_are_quoted_and_cast() {
        let table = TablePlan {
            name: "t".into(),
            target: TableName::new("public", "t"),
            tenant_column: "tenant_id".into(),
            tenant_column_type: "bigint".into(),
            columns: vec![],
            key: vec![
                Column {
                    name: "a".into(),
                    type_name: "text".into(),
                },
                Column {
                    name: "b".into(),
                    type_name: "bigint".into(),
                },
            ],
        };
        assert_eq!(
            table.key_literal(&["o'x".into(), "5".into()]),
            "'o''x'::text, '5'::bigint"
        );
        assert_eq!(
            tenant_literal(&TenantId::from("a'b"), "text"),
            "'a''b'::text"
        );
    }

    #[test]
    fn extra_nullable_target_columns_only_warn() {
        let d = Difference::ExtraTargetColumn {
            table: "t".into(),
            column: "c".into(),
        };
        assert!(!d.is_blocking());
        assert!(Difference::NoPrimaryKey { table: "t".into() }.is_blocking());
    }
}
