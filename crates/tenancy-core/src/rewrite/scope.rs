//! The walker's state: catalog lookups, the CTE names in scope, and what was scoped.

use std::borrow::Cow;

use sqlparser::ast::{Expr, Ident, ObjectName, ObjectNamePart, TableAlias};

use super::TenantLiteral;
use super::policy;
use super::predicate;
use crate::catalog::{Catalog, DEFAULT_SCHEMA, Listed, TableName, TableRole};
use crate::error::Error;

/// What a table reference in a statement turned out to be, borrowing from the catalog.
pub(super) enum Resolved<'c> {
    /// A CTE of an enclosing `WITH` (only unqualified names can be).
    Cte,
    /// A reference table: never filtered.
    Reference,
    /// A tenant table and the tenant column that scopes it.
    Tenant {
        table: &'c TableName,
        column: TenantColumn<'c>,
    },
}

/// A tenant table's tenant column as the catalog lists it.
#[derive(Clone, Copy)]
pub(super) struct TenantColumn<'c> {
    /// The folded name, for comparing with the statement's column names.
    pub(super) name: &'c str,
    /// Whether the name must be written in double quotes (decided when the catalog was built).
    quoted: bool,
}

impl TenantColumn<'_> {
    /// The column as an identifier to write into the statement.
    pub(super) fn ident(self) -> Ident {
        predicate::quoted_if(self.name, self.quoted)
    }
}

/// State shared by every part of one rewrite.
pub(super) struct Scope<'a> {
    catalog: &'a Catalog,
    /// The statement's text, to name it in refusals.
    sql: &'a str,
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
}

impl<'a> Scope<'a> {
    pub(super) fn new(
        catalog: &'a Catalog,
        sql: &'a str,
        tenant: Expr,
        query_keywords: usize,
    ) -> Self {
        Self {
            sql,
            unwalked_queries: query_keywords,
            catalog,
            tenant,
            ctes: Vec::new(),
            scoped: 0,
            tenant_uses: 0,
            literals: Vec::new(),
        }
    }

    pub(super) fn catalog(&self) -> &'a Catalog {
        self.catalog
    }

    /// The text of the statement being rewritten.
    pub(super) fn sql(&self) -> &'a str {
        self.sql
    }

    /// Records that the walker entered a query body (`SELECT`, `VALUES` or `TABLE`).
    pub(super) fn enter_query_body(&mut self) {
        self.unwalked_queries = self.unwalked_queries.saturating_sub(1);
    }

    /// Whether a query body the walker has not entered may still be in the statement.
    pub(super) fn queries_remain(&self) -> bool {
        self.unwalked_queries > 0
    }

    /// The tenant value expression, to compare with (not counted as a use).
    pub(super) fn tenant_expr(&self) -> Expr {
        self.tenant.clone()
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
    pub(super) fn predicate(&mut self, qualifier: Ident, column: TenantColumn<'_>) -> Expr {
        self.scoped += 1;
        let tenant = self.tenant_value();
        predicate::tenant_equals(qualifier, column.ident(), tenant)
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
    let qualifier = (name.0.len() == 2).then_some(&*schema);
    if let Some(system) = policy::system_relation(qualifier, &table) {
        // Resolved the way PostgreSQL does (an unqualified `pg_` name is pg_catalog's); the
        // policy pass refused it already unless listed or allowed, and the walker agrees.
        return match catalog.entry(system.schema(), system.name()) {
            Some(listed) => Ok(resolved(listed)),
            None => {
                policy::require_allowed(catalog, "statement", system).map(|()| Resolved::Reference)
            }
        };
    }
    match catalog.entry(&schema, &table) {
        Some(listed) => Ok(resolved(listed)),
        None => Err(Error::UnknownTable {
            table: TableName::new(schema, table),
        }),
    }
}

fn resolved(listed: &Listed) -> Resolved<'_> {
    match listed {
        Listed {
            name,
            role: TableRole::Tenant { column },
            quote_column,
        } => Resolved::Tenant {
            table: name,
            column: TenantColumn {
                name: column,
                quoted: *quote_column,
            },
        },
        Listed {
            role: TableRole::Reference,
            ..
        } => Resolved::Reference,
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
        statement: "statement".into(),
        kind: crate::error::RefusalKind::Shape,
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
