//! Names as PostgreSQL resolves them: identifier folding, the CTE names visible at a point, the
//! name a FROM item exposes, and what a table name denotes in the catalog.

use std::borrow::Cow;
use std::rc::Rc;

use sqlparser::ast::{Ident, ObjectName, ObjectNamePart, Query, TableAlias};

use super::Judge;
use crate::catalog::{Catalog, DEFAULT_SCHEMA, TableName, TableRole, is_system_schema};
use crate::error::Error;

/// Folds an identifier like PostgreSQL: unquoted ASCII letters to lower case, quoted as written.
pub(super) fn fold(ident: &Ident) -> Cow<'_, str> {
    if ident.quote_style.is_none() && ident.value.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(ident.value.to_ascii_lowercase())
    } else {
        Cow::Borrowed(&ident.value)
    }
}

/// The CTE names visible at one point of a statement, innermost WITH first.
///
/// Shared between the queries that see the same names, so entering a query costs no copy.
#[derive(Clone, Default)]
pub(super) struct Ctes(Option<Rc<Link>>);

struct Link {
    names: Vec<String>,
    outer: Ctes,
}

impl Ctes {
    /// These names plus `names` (folded), which shadow the outer ones.
    pub(super) fn with(&self, names: Vec<String>) -> Self {
        if names.is_empty() {
            return self.clone();
        }
        Self(Some(Rc::new(Link {
            names,
            outer: self.clone(),
        })))
    }

    fn contains(&self, name: &str) -> bool {
        let mut link = self.0.as_deref();
        while let Some(current) = link {
            if current.names.iter().any(|n| n == name) {
                return true;
            }
            link = current.outer.0.as_deref();
        }
        false
    }
}

/// The names `query`'s own WITH declares, folded.
pub(super) fn declared(query: &Query) -> Vec<String> {
    query.with.as_ref().map_or_else(Vec::new, |with| {
        with.cte_tables
            .iter()
            .map(|cte| fold(&cte.alias.name).into_owned())
            .collect()
    })
}

/// The CTE names visible in `query`'s body: the outer ones and every name of its own WITH.
pub(super) fn inside(query: &Query, outer: &Ctes) -> Ctes {
    outer.with(declared(query))
}

/// The name a table exposes to the rest of its query: its alias, else the last part of its name
/// (`app.events` exposes `events`), folded.
pub(super) fn exposed(name: &ObjectName, alias: Option<&TableAlias>) -> Option<String> {
    match alias {
        Some(alias) => Some(fold(&alias.name).into_owned()),
        None => last_part(name).map(|ident| fold(ident).into_owned()),
    }
}

fn last_part(name: &ObjectName) -> Option<&Ident> {
    name.0.last().and_then(ObjectNamePart::as_ident)
}

/// What a table name in a statement denotes.
pub(super) enum Resolved<'c> {
    /// A CTE of an enclosing WITH.
    Cte,
    /// A reference table or a system catalog: never filtered.
    Reference,
    /// A tenant table.
    Tenant(Tenant<'c>),
}

/// A tenant table and its tenant column (folded), as the catalog lists them.
#[derive(Clone, Copy)]
pub(super) struct Tenant<'c> {
    pub(super) table: &'c TableName,
    pub(super) column: &'c str,
}

impl<'c> Judge<'c> {
    /// Resolves a table name; a one-part name that a visible CTE declares is that CTE unless
    /// `target` (the table a DML statement writes is never a CTE).
    pub(super) fn resolve(
        &self,
        name: &ObjectName,
        ctes: &Ctes,
        target: bool,
    ) -> Result<Resolved<'c>, Error> {
        let parts: Vec<&Ident> = name.0.iter().filter_map(ObjectNamePart::as_ident).collect();
        let (schema, table) = match parts.as_slice() {
            [table] if parts.len() == name.0.len() => {
                let table = fold(table);
                if !target && ctes.contains(&table) {
                    return Ok(Resolved::Cte);
                }
                // PostgreSQL searches pg_catalog before the search path, and every relation
                // there is named `pg_...`.
                let schema = if table.starts_with("pg_") {
                    "pg_catalog"
                } else {
                    DEFAULT_SCHEMA
                };
                (Cow::Borrowed(schema), table)
            }
            [schema, table] if parts.len() == name.0.len() => (fold(schema), fold(table)),
            _ => {
                return Err(self.refuse(
                    None,
                    &format!("the table name {name} cannot be resolved (name tables as `table` or `schema.table`)"),
                ));
            }
        };
        lookup(self.catalog, &schema, &table)
    }
}

fn lookup<'c>(catalog: &'c Catalog, schema: &str, table: &str) -> Result<Resolved<'c>, Error> {
    match catalog.entry(schema, table) {
        Some(listed) => Ok(match &listed.role {
            TableRole::Tenant { column } => Resolved::Tenant(Tenant {
                table: &listed.name,
                column,
            }),
            TableRole::Reference => Resolved::Reference,
        }),
        None if is_system_schema(schema) => Ok(Resolved::Reference),
        None => Err(Error::UnknownTable {
            table: TableName::new(schema, table),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_lowers_unquoted_ascii_only() {
        assert_eq!(fold(&Ident::new("Tasks")), "tasks");
        assert_eq!(fold(&Ident::new("ÉTÉ")), "ÉtÉ");
        assert_eq!(fold(&Ident::with_quote('"', "Tasks")), "Tasks");
    }

    #[test]
    fn inner_cte_names_shadow_and_outer_ones_stay_visible() {
        let outer = Ctes::default().with(vec!["a".into()]);
        let inner = outer.with(vec!["b".into()]);
        assert!(inner.contains("a") && inner.contains("b"));
        assert!(!outer.contains("b"));
        assert!(!Ctes::default().contains("a"));
    }
}
