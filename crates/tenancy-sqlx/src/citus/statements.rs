//! Finding statements that would change a row's tenant: on Citus the tenant column is the
//! distribution column, and "modifying the partition value of rows is not allowed".
//!
//! The rewriter refuses these at run time under a tenant scope; here they are found ahead of
//! time, in SQL taken from the application's sources (for instance what `tenancy lint` reads),
//! including statements run unscoped by admin code, which the rewriter never sees.

use std::ops::ControlFlow;

use sqlparser::ast::{
    Assignment, AssignmentTarget, Expr, Ident, MergeAction, MergeUpdateKind, ObjectName,
    OnConflictAction, OnInsert, Statement, TableFactor, TableObject, visit_statements,
    visit_statements_mut,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use tenancy_core::{Catalog, TableName, TableRole};

use super::report::{Finding, FindingKind, Severity};

/// A statement to check, with where it came from (a file and line, a function name...).
///
/// # Example
/// ```
/// use tenancy_sqlx::citus::SourceStatement;
/// let s = SourceStatement::new("src/tasks.rs:42", "UPDATE tasks SET done = true WHERE id = $1");
/// assert_eq!(s.origin, "src/tasks.rs:42");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceStatement {
    /// Where the statement was found; shown in findings.
    pub origin: String,
    /// The SQL text.
    pub sql: String,
}

impl SourceStatement {
    /// A statement from `origin`.
    #[must_use]
    pub fn new(origin: impl Into<String>, sql: impl Into<String>) -> Self {
        Self {
            origin: origin.into(),
            sql: sql.into(),
        }
    }
}

/// Every statement in `statements` that assigns a tenant table's tenant column a value other
/// than itself — `UPDATE ... SET`, `INSERT ... ON CONFLICT DO UPDATE SET`, `MERGE ... UPDATE SET`,
/// at any nesting level (CTEs included). Statements that do not parse become
/// [`FindingKind::UncheckedStatement`] warnings.
///
/// # Example
/// ```
/// use tenancy_sqlx::citus::{distribution_column_updates, FindingKind, SourceStatement};
/// use tenancy_sqlx::core::Catalog;
///
/// let catalog = Catalog::builder().tenant_table("tasks").build()?;
/// let found = distribution_column_updates(&catalog, &[
///     SourceStatement::new("a.sql:1", "UPDATE tasks SET tenant_id = 2, title = 'x' WHERE id = 1"),
///     SourceStatement::new("a.sql:2", "UPDATE tasks SET title = 'y' WHERE id = 1"),
/// ]);
/// assert_eq!(found.len(), 1);
/// assert_eq!(found[0].kind, FindingKind::UpdatesTenantColumn);
/// assert!(found[0].advice.as_deref().unwrap_or("").contains("UPDATE tasks SET title = 'x' WHERE id = 1"));
/// # Ok::<(), tenancy_sqlx::core::Error>(())
/// ```
#[must_use]
pub fn distribution_column_updates(
    catalog: &Catalog,
    statements: &[SourceStatement],
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for statement in statements {
        match Parser::parse_sql(&PostgreSqlDialect {}, &statement.sql) {
            Ok(parsed) => findings.extend(check(catalog, statement, parsed)),
            Err(e) => findings.push(
                Finding::new(
                    Severity::Warning,
                    FindingKind::UncheckedStatement,
                    None,
                    format!("{}: not checked, cannot parse it: {e}", statement.origin),
                )
                .with_advice("check by hand that it never assigns a tenant column"),
            ),
        }
    }
    findings
}

fn check(catalog: &Catalog, source: &SourceStatement, parsed: Vec<Statement>) -> Vec<Finding> {
    let mut hits: Vec<(TableName, String)> = Vec::new();
    let _ = visit_statements(&parsed, |statement| {
        for (table, column, assignments, alias) in writes(catalog, statement) {
            if assignments
                .iter()
                .any(|a| moves_tenant(a, &column, &table, alias.as_ref()))
            {
                hits.push((table, column));
            }
        }
        ControlFlow::<()>::Continue(())
    });
    if hits.is_empty() {
        return Vec::new();
    }
    let corrected = without_tenant_assignments(catalog, parsed);
    hits.into_iter()
        .map(|(table, column)| {
            let advice = match &corrected {
                Some(sql) => format!(
                    "rows never change tenant; drop the assignment: {sql} (to move a row to \
                     another tenant, DELETE it and INSERT it under the new tenant)"
                ),
                None => "rows never change tenant: DELETE the row and INSERT it under the new \
                         tenant instead"
                    .to_owned(),
            };
            Finding::new(
                Severity::Blocker,
                FindingKind::UpdatesTenantColumn,
                Some(table.clone()),
                format!(
                    "{}: the statement sets {column} of {table}, the distribution column on \
                     Citus (\"modifying the partition value of rows is not allowed\"): {}",
                    source.origin,
                    source.sql.trim()
                ),
            )
            .with_advice(advice)
        })
        .collect()
}

/// The assignments a statement makes to tenant tables: (table, tenant column, assignments,
/// the name the target is exposed as).
fn writes<'a>(
    catalog: &Catalog,
    statement: &'a Statement,
) -> Vec<(TableName, String, &'a [Assignment], Option<Ident>)> {
    let mut out = Vec::new();
    match statement {
        Statement::Update(update) => {
            if let Some((table, column, exposed)) = tenant_target(catalog, &update.table.relation) {
                out.push((table, column, update.assignments.as_slice(), exposed));
            }
        }
        Statement::Insert(insert) => {
            if let (TableObject::TableName(name), Some(OnInsert::OnConflict(conflict))) =
                (&insert.table, &insert.on)
                && let OnConflictAction::DoUpdate(update) = &conflict.action
                && let Some((table, column)) = tenant_table(catalog, name)
            {
                out.push((table, column, update.assignments.as_slice(), None));
            }
        }
        Statement::Merge(merge) => {
            if let Some((table, column, exposed)) = tenant_target(catalog, &merge.table) {
                for clause in &merge.clauses {
                    if let MergeAction::Update(update) = &clause.action
                        && let MergeUpdateKind::Set(assignments) = &update.kind
                    {
                        out.push((
                            table.clone(),
                            column.clone(),
                            assignments.as_slice(),
                            exposed.clone(),
                        ));
                    }
                }
            }
        }
        _ => {}
    }
    out
}

fn tenant_target(
    catalog: &Catalog,
    factor: &TableFactor,
) -> Option<(TableName, String, Option<Ident>)> {
    let TableFactor::Table { name, alias, .. } = factor else {
        return None;
    };
    let (table, column) = tenant_table(catalog, name)?;
    let exposed = alias
        .as_ref()
        .map(|a| a.name.clone())
        .or_else(|| name.0.last().and_then(|p| p.as_ident().cloned()));
    Some((table, column, exposed))
}

fn tenant_table(catalog: &Catalog, name: &ObjectName) -> Option<(TableName, String)> {
    let parts: Vec<String> = name
        .0
        .iter()
        .map(|p| p.as_ident().map(fold))
        .collect::<Option<_>>()?;
    let table = match parts.as_slice() {
        [table] => TableName::new("public", table.clone()),
        [schema, table] => TableName::new(schema.clone(), table.clone()),
        _ => return None,
    };
    match catalog.role(&table)? {
        TableRole::Tenant { column } => Some((table, column.clone())),
        _ => None,
    }
}

/// Whether the assignment gives `column` a value other than the column itself.
fn moves_tenant(
    assignment: &Assignment,
    column: &str,
    table: &TableName,
    exposed: Option<&Ident>,
) -> bool {
    let assigns_it = match &assignment.target {
        AssignmentTarget::ColumnName(name) => last_is(name, column),
        AssignmentTarget::Tuple(names) => names.iter().any(|n| last_is(n, column)),
    };
    if !assigns_it {
        return false;
    }
    if matches!(assignment.target, AssignmentTarget::Tuple(_)) {
        return true;
    }
    !is_same_column(&assignment.value, column, table, exposed)
}

fn is_same_column(value: &Expr, column: &str, table: &TableName, exposed: Option<&Ident>) -> bool {
    match value {
        Expr::Identifier(ident) => fold(ident) == column,
        Expr::CompoundIdentifier(parts) => match parts.as_slice() {
            [qualifier, ident] => {
                fold(ident) == column
                    && (Some(fold(qualifier)) == exposed.map(fold)
                        || fold(qualifier) == table.name())
            }
            _ => false,
        },
        Expr::Nested(inner) => is_same_column(inner, column, table, exposed),
        _ => false,
    }
}

fn last_is(name: &ObjectName, column: &str) -> bool {
    name.0
        .last()
        .and_then(|p| p.as_ident())
        .is_some_and(|ident| fold(ident) == column)
}

/// The statement with every single-column tenant assignment removed, if that leaves every
/// UPDATE with something to set.
fn without_tenant_assignments(catalog: &Catalog, mut parsed: Vec<Statement>) -> Option<String> {
    let mut emptied = false;
    let _ = visit_statements_mut(&mut parsed, |statement| {
        let (target, assignments) = match statement {
            Statement::Update(update) => (
                tenant_target(catalog, &update.table.relation).map(|(_, c, _)| c),
                &mut update.assignments,
            ),
            _ => return ControlFlow::<()>::Continue(()),
        };
        if let Some(column) = target {
            assignments.retain(
                |a| !matches!(&a.target, AssignmentTarget::ColumnName(n) if last_is(n, &column)),
            );
            emptied |= assignments.is_empty();
        }
        ControlFlow::Continue(())
    });
    // ON CONFLICT and MERGE fixes are not rendered: dropping their assignment can change which
    // branch runs, which deserves a person's look.
    let untouched_kinds = parsed
        .iter()
        .any(|s| matches!(s, Statement::Insert(_) | Statement::Merge(_)));
    if emptied || untouched_kinds {
        return None;
    }
    Some(
        parsed
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; "),
    )
}

/// PostgreSQL folding: unquoted identifiers are lower-cased.
fn fold(ident: &Ident) -> String {
    if ident.quote_style.is_some() {
        ident.value.clone()
    } else {
        ident.value.to_lowercase()
    }
}
