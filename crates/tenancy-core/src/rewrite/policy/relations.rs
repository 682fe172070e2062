//! Relations: only the catalog's tables are readable. System catalogs and statistics views
//! describe every tenant's data (`pg_stats` holds sample values of every column, `pg_class` row
//! counts), so they are refused unless the catalog allows them by name.

use sqlparser::ast::ObjectName;

use super::Policy;
use crate::catalog::{Catalog, TableName, is_system_schema};
use crate::error::{Error, RefusalKind};
use crate::rewrite::scope::fold;
use crate::rewrite::statement::refused;

/// The system relation PostgreSQL resolves a folded name to, if it is one: a name in a system
/// schema, or an unqualified `pg_` name, which PostgreSQL looks up in `pg_catalog` before the
/// `search_path` (so `pg_stats` is `pg_catalog.pg_stats` even if `public.pg_stats` exists).
pub(in crate::rewrite) fn system_relation(schema: Option<&str>, table: &str) -> Option<TableName> {
    match schema {
        Some(schema) if is_system_schema(schema) => Some(TableName::new(schema, table)),
        None if table.starts_with("pg_") => Some(TableName::new("pg_catalog", table)),
        _ => None,
    }
}

/// Refuses reading the system relation `relation` in `statement` unless the catalog allows it.
pub(in crate::rewrite) fn require_allowed(
    catalog: &Catalog,
    statement: &str,
    relation: TableName,
) -> Result<(), Error> {
    if catalog.allows_relation(&relation) {
        return Ok(());
    }
    // Writing pg_settings is set_config by another name.
    let kind = if relation == TableName::new("pg_catalog", "pg_settings") {
        RefusalKind::SessionState
    } else {
        RefusalKind::Relation
    };
    let allow = relation.to_string();
    let reason = format!(
        "system catalogs and statistics views describe every tenant's data (pg_stats holds \
         sample values of every column); read your own tables instead (an unqualified `pg_` \
         name is always PostgreSQL's own), or if reading it is safe for your application, allow \
         it with `Catalog::builder().allow_relation({allow:?})` or `[allow] relations = \
         [{allow:?}]`"
    );
    Err(refused(statement, kind, Some(relation), &reason))
}

impl Policy<'_> {
    /// Checks a relation the statement reads or writes (not a function call in `FROM`).
    pub(super) fn relation(&self, name: &ObjectName) -> Result<(), Error> {
        let ident = |i: usize| name.0.get(i).and_then(|part| part.as_ident()).map(fold);
        let system = match name.0.len() {
            1 => ident(0).and_then(|table| system_relation(None, &table)),
            2 => match (ident(0), ident(1)) {
                (Some(schema), Some(table)) => system_relation(Some(&schema), &table),
                _ => None,
            },
            // Longer names are refused by the walker, which supports `schema.table` only.
            _ => None,
        };
        match system {
            Some(relation) => require_allowed(self.catalog, &self.keywords(), relation),
            None => Ok(()),
        }
    }
}
