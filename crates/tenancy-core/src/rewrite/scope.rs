//! The walker's state: catalog lookups, the CTE names in scope, and what was scoped.

use std::borrow::Cow;

use sqlparser::ast::{Expr, Ident, ObjectName, ObjectNamePart, TableAlias};

use super::TenantLiteral;
use super::predicate;
use crate::catalog::{
    Catalog, DEFAULT_SCHEMA, TableName, TableRole, is_system_schema, needs_quotes,
};
use crate::error::Error;

/// What a table reference in a statement turned out to be, borrowing from the catalog.
pub(super) enum Resolved<'c> {
    /// A CTE of an enclosing `WITH` (only unqualified names can be).
    Cte,
    /// A reference table: never filtered.
    Reference,
    /// A tenant table and the (folded) tenant column that scopes it.
    Tenant {
        table: &'c TableName,
        column: &'c str,
    },
}

/// State shared by every part of one rewrite.
pub(super) struct Scope<'a> {
    catalog: &'a Catalog,
    tenant: Expr,
    /// Query keywords (`SELECT`, `VALUES`, `TABLE`) whose query body the walker has not entered
    /// yet. At zero no expression can hold a query, so searching expressions is skipped; a
    /// miscount could only hide a subquery, which the verification pass refuses.
    unwalked_queries: usize,
    /// CTE names visible at the current point, innermost last.
    ctes: Vec<String>,
    /// How many tenant table references were scoped; the verification pass must find as many.
    pub(super) scoped: usize,
    /// How often the tenant value was written into the statement; zero means bind nothing.
    pub(super) tenant_uses: usize,
    /// Tenant values the statement spelled as literals, for `check_tenant`.
    pub(super) literals: Vec<TenantLiteral>,
    /// The last tenant column written into a predicate and whether it needs quotes: most
    /// statements name one column many times, and deciding costs a keyword lookup.
    last_column: Option<(&'a str, bool)>,
}

impl<'a> Scope<'a> {
    pub(super) fn new(catalog: &'a Catalog, tenant: Expr, query_keywords: usize) -> Self {
        Self {
            unwalked_queries: query_keywords,
            catalog,
            tenant,
            ctes: Vec::new(),
            scoped: 0,
            tenant_uses: 0,
            literals: Vec::new(),
            last_column: None,
        }
    }

    pub(super) fn catalog(&self) -> &'a Catalog {
        self.catalog
    }

    /// Records that the walker entered a query body (`SELECT`, `VALUES` or `TABLE`).
    pub(super) fn enter_query_body(&mut self) {
        self.unwalked_queries = self.unwalked_queries.saturating_sub(1);
    }

    /// Whether a query body the walker has not entered may still be in the statement.
    pub(super) fn queries_remain(&self) -> bool {
        self.unwalked_queries > 0
    }

    /// The tenant value expression (`$N` or a literal), to be written into the statement.
    pub(super) fn tenant_value(&mut self) -> Expr {
        self.tenant_uses += 1;
        self.tenant.clone()
    }

    /// Resolves a table reference in a `FROM`-like position, where CTE names shadow tables.
    pub(super) fn resolve(&self, name: &ObjectName) -> Result<Resolved<'a>, Error> {
        if let [ObjectNamePart::Identifier(ident)] = name.0.as_slice() {
            let folded = fold(ident);
            if self.ctes.iter().rev().any(|cte| **cte == *folded) {
                return Ok(Resolved::Cte);
            }
        }
        self.resolve_table(name)
    }

    /// Resolves the target of `INSERT`/`UPDATE`/`DELETE`/`MERGE`, which is never a CTE.
    pub(super) fn resolve_table(&self, name: &ObjectName) -> Result<Resolved<'a>, Error> {
        resolve_in_catalog(self.catalog, name)
    }

    /// Makes `names` visible as CTEs until [`Scope::leave_ctes`] with the returned mark.
    pub(super) fn enter_ctes<'n>(&mut self, names: impl IntoIterator<Item = &'n String>) -> usize {
        let mark = self.ctes.len();
        self.ctes.extend(names.into_iter().cloned());
        mark
    }

    pub(super) fn leave_ctes(&mut self, mark: usize) {
        self.ctes.truncate(mark);
    }

    /// `<qualifier>.<column> = <tenant>` for a table reference, counting it as scoped.
    pub(super) fn predicate(&mut self, qualifier: Ident, column: &'a str) -> Expr {
        self.scoped += 1;
        let tenant = self.tenant_value();
        let quoted = match self.last_column {
            Some((last, quoted)) if last == column => quoted,
            _ => {
                let quoted = needs_quotes(column);
                self.last_column = Some((column, quoted));
                quoted
            }
        };
        predicate::tenant_equals(qualifier, predicate::quoted_if(column, quoted), tenant)
    }

    /// Records that the statement writes to a tenant table it has just scoped.
    pub(super) fn count_target(&mut self) {
        self.scoped += 1;
    }
}

/// Looks `name` up in the catalog, failing closed for unknown tables.
pub(super) fn resolve_in_catalog<'c>(
    catalog: &'c Catalog,
    name: &ObjectName,
) -> Result<Resolved<'c>, Error> {
    let (schema, table) = name_parts(name)?;
    match catalog.entry(&schema, &table) {
        Some((table, TableRole::Tenant { column })) => Ok(Resolved::Tenant { table, column }),
        Some((_, TableRole::Reference)) => Ok(Resolved::Reference),
        None if is_system_schema(&schema) => Ok(Resolved::Reference),
        None => Err(Error::UnknownTable {
            table: TableName::new(schema, table),
        }),
    }
}

/// The catalog name of a one- or two-part object name, folded like PostgreSQL.
pub(super) fn table_name(name: &ObjectName) -> Result<TableName, Error> {
    let (schema, table) = name_parts(name)?;
    Ok(TableName::new(schema, table))
}

/// The folded (schema, table) of a one- or two-part object name, borrowing where folding
/// changes nothing.
fn name_parts(name: &ObjectName) -> Result<(Cow<'_, str>, Cow<'_, str>), Error> {
    match name.0.as_slice() {
        [table] => Ok((Cow::Borrowed(DEFAULT_SCHEMA), name_part(name, table)?)),
        [schema, table] => Ok((name_part(name, schema)?, name_part(name, table)?)),
        _ => Err(unsupported_name(name)),
    }
}

fn name_part<'n>(name: &ObjectName, part: &'n ObjectNamePart) -> Result<Cow<'n, str>, Error> {
    match part {
        ObjectNamePart::Identifier(ident) => Ok(fold(ident)),
        ObjectNamePart::Function(_) => Err(unsupported_name(name)),
    }
}

fn unsupported_name(name: &ObjectName) -> Error {
    Error::Refused {
        kind: "statement".into(),
        table: None,
        reason: format!(
            "the table name {name} is not supported: name tables as `table` or `schema.table`"
        ),
    }
}

/// Folds an identifier the way PostgreSQL does in a UTF-8 database: unquoted ASCII letters to
/// lower case (`ÉTÉ` becomes `ÉtÉ`), quoted as written. Borrows when nothing changes (the common
/// all-lower-case name).
pub(super) fn fold(ident: &Ident) -> Cow<'_, str> {
    let value = ident.value.as_str();
    if ident.quote_style.is_some() || !value.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Borrowed(value)
    } else {
        Cow::Owned(value.to_ascii_lowercase())
    }
}

/// The name PostgreSQL exposes for a table reference: its alias, else the bare table name.
pub(super) fn exposed_name(name: &ObjectName, alias: Option<&TableAlias>) -> Ident {
    if let Some(alias) = alias {
        return alias.name.clone();
    }
    match name.0.last() {
        Some(ObjectNamePart::Identifier(ident)) => ident.clone(),
        // `table_name` already refused anything else; keep a harmless fallback.
        _ => Ident::new(name.to_string()),
    }
}
