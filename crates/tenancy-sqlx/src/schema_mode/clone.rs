//! Cloning a tenant schema: structure always, rows on request.
//!
//! Definitions are read with `search_path` set to the source schema, so PostgreSQL renders
//! references to the source's own objects unqualified; they are then executed with `search_path`
//! set to the target, where the same names resolve to the copies. Objects in other schemas (a
//! shared `public.plans`) stay qualified and keep pointing at the shared object.

use sqlx::postgres::PgConnection;
use sqlx::{AssertSqlSafe, PgPool};
use tenancy_core::catalog::quote_identifier;

use super::{SchemaName, schema_exists};
use crate::error::Error;

/// What [`SchemaTenancy::clone_schema`](super::SchemaTenancy::clone_schema) copies.
///
/// # Example
/// ```
/// use tenancy_sqlx::schema_mode::CloneOptions;
/// let with_rows = CloneOptions { data: true };
/// assert!(!CloneOptions::default().data);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CloneOptions {
    /// Copy the rows too (and move sequences to the source's position).
    pub data: bool,
}

/// One piece of DDL read from the source, in creation order.
struct Definitions {
    tables: Vec<String>,
    sequences: Vec<String>,
    owned_sequences: Vec<(String, String, String)>,
    defaults: Vec<(String, String, String)>,
    foreign_keys: Vec<(String, String, String)>,
    views: Vec<(String, String)>,
    functions: Vec<String>,
    triggers: Vec<String>,
}

pub(super) async fn clone_schema(
    pool: &PgPool,
    from: &SchemaName,
    to: &SchemaName,
    options: CloneOptions,
) -> Result<(), Error> {
    let mut tx = pool.begin().await?;
    if !schema_exists(&mut tx, from).await? {
        return Err(Error::UnknownSchema(from.clone()));
    }
    if schema_exists(&mut tx, to).await? {
        return Err(Error::SchemaExists(to.clone()));
    }
    set_search_path(&mut tx, from).await?;
    let defs = read_definitions(&mut tx, from).await?;
    execute(&mut tx, &format!("CREATE SCHEMA {to}")).await?;
    set_search_path(&mut tx, to).await?;
    // Function bodies may name tables that do not exist yet.
    execute(&mut tx, "SET LOCAL check_function_bodies = off").await?;
    for function in &defs.functions {
        // pg_get_functiondef always qualifies the function's own name; the source schema is a
        // validated plain identifier, so its rendering is exactly `<from>.`.
        let header = format!("FUNCTION {from}.");
        let procedure = format!("PROCEDURE {from}.");
        let definition = function
            .replacen(&header, &format!("FUNCTION {to}."), 1)
            .replacen(&procedure, &format!("PROCEDURE {to}."), 1);
        execute(&mut tx, &definition).await?;
    }

    for sequence in &defs.sequences {
        let name = quote_identifier(sequence);
        execute(&mut tx, &format!("CREATE SEQUENCE {to}.{name}")).await?;
        // Same increment, bounds and cycling as the source.
        let (increment, min, max, cycle): (i64, i64, i64, bool) = sqlx::query_as(
            "SELECT increment_by, min_value, max_value, cycle FROM pg_sequences \
             WHERE schemaname = $1 AND sequencename = $2",
        )
        .bind(from.as_str())
        .bind(sequence)
        .fetch_one(&mut *tx)
        .await?;
        let cycle = if cycle { "CYCLE" } else { "NO CYCLE" };
        execute(
            &mut tx,
            &format!("ALTER SEQUENCE {to}.{name} INCREMENT BY {increment} MINVALUE {min} MAXVALUE {max} {cycle}"),
        )
        .await?;
    }
    for table in &defs.tables {
        let name = quote_identifier(table);
        execute(
            &mut tx,
            &format!("CREATE TABLE {to}.{name} (LIKE {from}.{name} INCLUDING ALL)"),
        )
        .await?;
    }
    // LIKE copies defaults bound to the source's sequences; point them at the copies.
    for (table, column, expression) in &defs.defaults {
        execute(
            &mut tx,
            &format!(
                "ALTER TABLE {to}.{} ALTER COLUMN {} SET DEFAULT {expression}",
                quote_identifier(table),
                quote_identifier(column)
            ),
        )
        .await?;
    }
    for (sequence, table, column) in &defs.owned_sequences {
        execute(
            &mut tx,
            &format!(
                "ALTER SEQUENCE {to}.{} OWNED BY {to}.{}.{}",
                quote_identifier(sequence),
                quote_identifier(table),
                quote_identifier(column)
            ),
        )
        .await?;
    }
    if options.data {
        copy_rows(&mut tx, from, to, &defs).await?;
    }
    for (table, constraint, definition) in &defs.foreign_keys {
        execute(
            &mut tx,
            &format!(
                "ALTER TABLE {to}.{} ADD CONSTRAINT {} {definition}",
                quote_identifier(table),
                quote_identifier(constraint)
            ),
        )
        .await?;
    }
    for (view, definition) in &defs.views {
        execute(
            &mut tx,
            &format!(
                "CREATE VIEW {to}.{} AS {definition}",
                quote_identifier(view)
            ),
        )
        .await?;
    }
    for trigger in &defs.triggers {
        execute(&mut tx, trigger).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn set_search_path(conn: &mut PgConnection, schema: &SchemaName) -> Result<(), Error> {
    sqlx::query("SELECT set_config('search_path', $1, true)")
        .bind(schema.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

async fn execute(conn: &mut PgConnection, sql: &str) -> Result<(), Error> {
    sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
        .execute(conn)
        .await?;
    Ok(())
}

async fn read_definitions(
    conn: &mut PgConnection,
    from: &SchemaName,
) -> Result<Definitions, Error> {
    let schema = from.as_str();
    let tables = sqlx::query_scalar(
        "SELECT relname::text FROM pg_class WHERE relnamespace = $1::regnamespace \
         AND relkind IN ('r', 'p') AND NOT relispartition ORDER BY oid",
    )
    .bind(schema)
    .fetch_all(&mut *conn)
    .await?;
    // Identity sequences (dependency type 'i') come with LIKE ... INCLUDING IDENTITY.
    let sequences = sqlx::query_scalar(
        "SELECT s.relname::text FROM pg_class s WHERE s.relnamespace = $1::regnamespace \
         AND s.relkind = 'S' AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = s.oid \
         AND d.classid = 'pg_class'::regclass AND d.deptype = 'i') ORDER BY s.oid",
    )
    .bind(schema)
    .fetch_all(&mut *conn)
    .await?;
    let owned_sequences = sqlx::query_as(
        "SELECT s.relname::text, t.relname::text, a.attname::text FROM pg_class s \
         JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass \
              AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'a' \
         JOIN pg_class t ON t.oid = d.refobjid \
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid \
         WHERE s.relkind = 'S' AND s.relnamespace = $1::regnamespace ORDER BY s.oid",
    )
    .bind(schema)
    .fetch_all(&mut *conn)
    .await?;
    let defaults = sqlx::query_as(
        "SELECT t.relname::text, a.attname::text, pg_get_expr(ad.adbin, ad.adrelid) \
         FROM pg_attrdef ad JOIN pg_class t ON t.oid = ad.adrelid \
         JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum \
         WHERE t.relnamespace = $1::regnamespace AND EXISTS (SELECT 1 FROM pg_depend d \
               JOIN pg_class s ON s.oid = d.refobjid AND s.relkind = 'S' \
               WHERE d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid \
               AND s.relnamespace = $1::regnamespace) ORDER BY t.oid, a.attnum",
    )
    .bind(schema)
    .fetch_all(&mut *conn)
    .await?;
    let foreign_keys = sqlx::query_as(
        "SELECT t.relname::text, c.conname::text, pg_get_constraintdef(c.oid) FROM pg_constraint c \
         JOIN pg_class t ON t.oid = c.conrelid WHERE c.contype = 'f' \
         AND t.relnamespace = $1::regnamespace ORDER BY c.oid",
    )
    .bind(schema)
    .fetch_all(&mut *conn)
    .await?;
    let views = sqlx::query_as(
        "SELECT relname::text, pg_get_viewdef(oid) FROM pg_class \
         WHERE relnamespace = $1::regnamespace AND relkind = 'v' ORDER BY oid",
    )
    .bind(schema)
    .fetch_all(&mut *conn)
    .await?;
    let functions = sqlx::query_scalar(
        "SELECT pg_get_functiondef(p.oid) FROM pg_proc p WHERE p.pronamespace = $1::regnamespace \
         AND p.prokind IN ('f', 'p') AND NOT EXISTS (SELECT 1 FROM pg_depend d \
         WHERE d.objid = p.oid AND d.classid = 'pg_proc'::regclass AND d.deptype = 'e') ORDER BY p.oid",
    )
    .bind(schema)
    .fetch_all(&mut *conn)
    .await?;
    let triggers = sqlx::query_scalar(
        "SELECT pg_get_triggerdef(tg.oid, true) FROM pg_trigger tg JOIN pg_class t ON t.oid = tg.tgrelid \
         WHERE NOT tg.tgisinternal AND t.relnamespace = $1::regnamespace ORDER BY tg.oid",
    )
    .bind(schema)
    .fetch_all(&mut *conn)
    .await?;
    Ok(Definitions {
        tables,
        sequences,
        owned_sequences,
        defaults,
        foreign_keys,
        views,
        functions,
        triggers,
    })
}

async fn copy_rows(
    conn: &mut PgConnection,
    from: &SchemaName,
    to: &SchemaName,
    defs: &Definitions,
) -> Result<(), Error> {
    for table in &defs.tables {
        // Generated columns cannot be written; identity columns keep their values.
        let columns: Vec<String> = sqlx::query_scalar(
            "SELECT quote_ident(attname) FROM pg_attribute WHERE attrelid = $1::regclass \
             AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum",
        )
        .bind(format!("{from}.{}", quote_identifier(table)))
        .fetch_all(&mut *conn)
        .await?;
        let columns = columns.join(", ");
        let name = quote_identifier(table);
        execute(
            conn,
            &format!(
                "INSERT INTO {to}.{name} ({columns}) OVERRIDING SYSTEM VALUE \
                 SELECT {columns} FROM {from}.{name}"
            ),
        )
        .await?;
    }
    let sequences: Vec<String> = sqlx::query_scalar(
        "SELECT quote_ident(relname) FROM pg_class WHERE relnamespace = $1::regnamespace AND relkind = 'S'",
    )
    .bind(from.as_str())
    .fetch_all(&mut *conn)
    .await?;
    for sequence in sequences {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT setval($1::regclass, last_value, is_called) FROM {from}.{sequence}"
        )))
        .bind(format!("{to}.{sequence}"))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
