//! The facts the readiness checker needs, read from `pg_catalog` in a few queries.

use sqlx::PgPool;
use tenancy_core::TableName;

use crate::error::Error;

/// A column as the checker sees it.
#[derive(Debug, Clone)]
pub(crate) struct Column {
    pub(crate) type_name: String,
    pub(crate) not_null: bool,
}

/// A primary key, unique constraint, exclusion constraint or unique index.
#[derive(Debug, Clone)]
pub(crate) struct Key {
    pub(crate) name: String,
    /// `p`, `u`, `x` (constraints) or `i` (a unique index without a constraint).
    pub(crate) kind: char,
    /// Column names; expression parts are absent.
    pub(crate) columns: Vec<String>,
    /// `pg_get_indexdef` of the backing index, for recreating it with the tenant column.
    pub(crate) index_definition: String,
}

/// A column filled from a sequence (serial, identity or `DEFAULT nextval(...)`).
#[derive(Debug, Clone)]
pub(crate) struct SequenceColumn {
    pub(crate) column: String,
    pub(crate) type_name: String,
}

/// A foreign key between two tables.
#[derive(Debug, Clone)]
pub(crate) struct ForeignKey {
    pub(crate) name: String,
    pub(crate) child: TableName,
    pub(crate) child_columns: Vec<String>,
    pub(crate) parent: TableName,
    pub(crate) parent_columns: Vec<String>,
    /// `confdeltype` / `confupdtype`: a, r, c, n, d.
    pub(crate) on_delete: String,
    pub(crate) on_update: String,
}

/// Whether `table` exists (a table or partitioned table).
pub(crate) async fn table_exists(pool: &PgPool, table: &TableName) -> Result<bool, Error> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p'))",
    )
    .bind(table.schema())
    .bind(table.name())
    .fetch_one(pool)
    .await?)
}

/// The column `name` of `table`, if it has one.
pub(crate) async fn column(
    pool: &PgPool,
    table: &TableName,
    name: &str,
) -> Result<Option<Column>, Error> {
    let row: Option<(String, bool)> = sqlx::query_as(
        "SELECT format_type(a.atttypid, a.atttypmod), a.attnotnull FROM pg_attribute a \
         WHERE a.attrelid = to_regclass($1) AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped",
    )
    .bind(table.to_string())
    .bind(name)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(type_name, not_null)| Column {
        type_name,
        not_null,
    }))
}

/// Every uniqueness-enforcing key of `table`.
pub(crate) async fn keys(pool: &PgPool, table: &TableName) -> Result<Vec<Key>, Error> {
    let rows: Vec<(String, String, Vec<String>, String)> = sqlx::query_as(
        "SELECT i.relname::text, \
                coalesce(c.contype::text, 'i'), \
                array(SELECT a.attname::text FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(num, pos) \
                      JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.num \
                      ORDER BY k.pos), \
                pg_get_indexdef(x.indexrelid) \
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid \
         LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid \
                                   AND c.contype IN ('p', 'u', 'x') \
         WHERE x.indrelid = to_regclass($1) AND (x.indisunique OR c.contype = 'x') \
         ORDER BY 1",
    )
    .bind(table.to_string())
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(name, kind, columns, index_definition)| Key {
            // A constraint is named like its index, which is how PostgreSQL creates them.
            name,
            kind: kind.chars().next().unwrap_or('i'),
            columns,
            index_definition,
        })
        .collect())
}

/// Columns of `table` filled from a sequence.
pub(crate) async fn sequence_columns(
    pool: &PgPool,
    table: &TableName,
) -> Result<Vec<SequenceColumn>, Error> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a \
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
         WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped \
           AND (a.attidentity <> '' OR pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%') \
         ORDER BY a.attnum",
    )
    .bind(table.to_string())
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(column, type_name)| SequenceColumn { column, type_name })
        .collect())
}

/// Every foreign key in the database that starts or ends at one of `tables`.
pub(crate) async fn foreign_keys(
    pool: &PgPool,
    tables: &[TableName],
) -> Result<Vec<ForeignKey>, Error> {
    let names: Vec<String> = tables.iter().map(ToString::to_string).collect();
    let rows: Vec<ForeignKeyRow> = sqlx::query_as(
        "WITH wanted AS (SELECT to_regclass(t) AS oid FROM unnest($1::text[]) t) \
         SELECT c.conname::text, \
                cn.nspname::text, cc.relname::text, \
                array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(num, pos) \
                      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.num ORDER BY k.pos), \
                pn.nspname::text, pc.relname::text, \
                array(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(num, pos) \
                      JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.num ORDER BY k.pos), \
                c.confdeltype::text, c.confupdtype::text \
         FROM pg_constraint c \
         JOIN pg_class cc ON cc.oid = c.conrelid JOIN pg_namespace cn ON cn.oid = cc.relnamespace \
         JOIN pg_class pc ON pc.oid = c.confrelid JOIN pg_namespace pn ON pn.oid = pc.relnamespace \
         WHERE c.contype = 'f' AND c.conparentid = 0 \
           AND (c.conrelid IN (SELECT oid FROM wanted) OR c.confrelid IN (SELECT oid FROM wanted)) \
         ORDER BY 2, 3, 1",
    )
    .bind(names)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(name, cs, cn, child_columns, ps, pn, parent_columns, on_delete, on_update)| {
                ForeignKey {
                    name,
                    child: TableName::new(cs, cn),
                    child_columns,
                    parent: TableName::new(ps, pn),
                    parent_columns,
                    on_delete,
                    on_update,
                }
            },
        )
        .collect())
}

type ForeignKeyRow = (
    String,
    String,
    String,
    Vec<String>,
    String,
    String,
    Vec<String>,
    String,
    String,
);
