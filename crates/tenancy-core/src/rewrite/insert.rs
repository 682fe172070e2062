//! INSERT: fill in the tenant column, check an explicit one, and scope ON CONFLICT DO UPDATE.

use std::ops::ControlFlow;

use sqlparser::ast::{
    BinaryOperator, Expr, GroupByExpr, Ident, Insert, ObjectName, OnConflictAction, OnInsert,
    Parens, Query, Select, SelectItem, SelectItemQualifiedWildcardKind, SetExpr, TableAlias,
    TableFactor, TableObject, Values, WildcardAdditionalOptions, visit_expressions,
};

use super::TenantLiteral;
use super::guard::tenant_guard;
use super::predicate::{conjoin, is_default_keyword, literal_text, tenant_equals};
use super::query::{query_of, select_star};
use super::scope::{Resolved, Scope, TenantColumn, exposed_name, fold};
use super::statement::refused;
use crate::catalog::TableName;
use crate::error::{Error, RefusalKind};

impl Scope<'_> {
    pub(super) fn insert(&mut self, insert: &mut Insert) -> Result<(), Error> {
        let TableObject::TableName(name) = &insert.table else {
            return Err(refused(
                "INSERT",
                RefusalKind::Shape,
                None,
                "inserting into a table function is not supported",
            ));
        };
        let resolved = self.resolve_table(name)?;
        let qualifier = insert
            .table_alias
            .as_ref()
            .map_or_else(|| exposed_name(name, None), |a| a.alias.clone());
        if let Some(source) = &mut insert.source {
            self.query(source)?;
        }
        self.subqueries(&mut insert.returning)?;
        self.subqueries(&mut insert.on)?;
        let Resolved::Tenant { table, column } = resolved else {
            return Ok(());
        };
        if !insert.assignments.is_empty() || insert.insert_alias.is_some() || insert.or.is_some() {
            return Err(refused(
                "INSERT",
                RefusalKind::Shape,
                Some(table.clone()),
                "this INSERT form is not PostgreSQL; use INSERT INTO t (columns) VALUES (...)",
            ));
        }
        self.count_target();
        self.fill_tenant(insert, table, column)?;
        self.on_conflict(&mut insert.on, qualifier, table, column)
    }

    fn fill_tenant(
        &mut self,
        insert: &mut Insert,
        table: &TableName,
        column: TenantColumn<'_>,
    ) -> Result<(), Error> {
        if insert.columns.is_empty() {
            if insert.source.is_none() {
                // DEFAULT VALUES becomes (tenant column) VALUES (tenant).
                insert.columns.push(ObjectName::from(vec![column.ident()]));
                let tenant = self.tenant_value();
                insert.source = Some(Box::new(values_query(vec![vec![tenant]])));
                return Ok(());
            }
            return Err(refused(
                "INSERT",
                RefusalKind::Shape,
                Some(table.clone()),
                "name the columns (INSERT INTO t (a, b) ...) so the tenant column can be filled in",
            ));
        }
        let Some(source) = insert.source.as_mut() else {
            return Err(refused(
                "INSERT",
                RefusalKind::Shape,
                Some(table.clone()),
                "an INSERT needs VALUES or a query",
            ));
        };
        match column_position(&insert.columns, column.name) {
            None => {
                insert.columns.push(ObjectName::from(vec![column.ident()]));
                self.append_tenant(source);
                Ok(())
            }
            Some(i) => self.check_source_column(source, i, table),
        }
    }

    /// Adds the tenant as the last value of every row the source produces.
    fn append_tenant(&mut self, source: &mut Query) {
        match &mut *source.body {
            SetExpr::Values(values) => {
                for row in &mut values.rows {
                    let tenant = self.tenant_value();
                    row.content.push(tenant);
                }
            }
            SetExpr::Select(select) => {
                let tenant = match source_tenant_column(select, &self.tenant_expr()) {
                    Some(column) => column,
                    None => self.tenant_value(),
                };
                select.projection.push(SelectItem::UnnamedExpr(tenant));
            }
            body => {
                // Set operations and other bodies: SELECT s.*, <tenant> FROM (<body>) AS s.
                let inner = std::mem::replace(body, SetExpr::Values(empty_values()));
                let derived = TableFactor::Derived {
                    lateral: false,
                    subquery: Box::new(query_of(inner)),
                    alias: Some(TableAlias {
                        explicit: true,
                        name: Ident::new("s"),
                        columns: Vec::new(),
                        at: None,
                    }),
                    sample: None,
                };
                let mut select = select_star(derived, None);
                select.projection = vec![
                    SelectItem::QualifiedWildcard(
                        SelectItemQualifiedWildcardKind::ObjectName(ObjectName::from(vec![
                            Ident::new("s"),
                        ])),
                        WildcardAdditionalOptions::default(),
                    ),
                    SelectItem::UnnamedExpr(self.tenant_value()),
                ];
                *body = SetExpr::Select(Box::new(select));
            }
        }
    }

    /// The statement names the tenant column itself: check each value it supplies.
    fn check_source_column(
        &mut self,
        source: &mut Query,
        index: usize,
        table: &TableName,
    ) -> Result<(), Error> {
        match &mut *source.body {
            SetExpr::Values(values) => {
                for row in &mut values.rows {
                    if let Some(value) = row.content.get_mut(index) {
                        self.explicit_tenant(value, table);
                    }
                }
                Ok(())
            }
            SetExpr::Select(select)
                if select.projection.iter().all(|item| {
                    matches!(
                        item,
                        SelectItem::UnnamedExpr(_) | SelectItem::ExprWithAlias { .. }
                    )
                }) =>
            {
                match select.projection.get_mut(index) {
                    Some(
                        SelectItem::UnnamedExpr(value)
                        | SelectItem::ExprWithAlias { expr: value, .. },
                    ) => {
                        self.explicit_tenant(value, table);
                        Ok(())
                    }
                    _ => Err(explicit_source_refusal(table)),
                }
            }
            _ => Err(explicit_source_refusal(table)),
        }
    }

    /// A tenant value written by the statement: DEFAULT becomes the tenant; anything else is
    /// guarded in SQL (see `guard.rs`), and a literal is also recorded so that
    /// [`Rewritten::bind`](super::Rewritten::bind) refuses a mismatch before sending.
    pub(super) fn explicit_tenant(&mut self, value: &mut Expr, table: &TableName) {
        if is_default_keyword(value) {
            *value = self.tenant_value();
            return;
        }
        if *value == self.tenant_expr() {
            // Explain mode, and the statement spells the very tenant literal: nothing to check.
            return;
        }
        if let Some(text) = literal_text(value) {
            self.literals.push(TenantLiteral {
                table: table.clone(),
                value: text,
            });
        }
        let tenant = self.tenant_value();
        let written = std::mem::replace(
            value,
            Expr::Value(sqlparser::ast::Value::Null.with_empty_span()),
        );
        *value = tenant_guard(written, &tenant, table);
    }

    fn on_conflict(
        &mut self,
        on: &mut Option<OnInsert>,
        qualifier: Ident,
        table: &TableName,
        column: TenantColumn<'_>,
    ) -> Result<(), Error> {
        match on {
            None => Ok(()),
            Some(OnInsert::OnConflict(conflict)) => match &mut conflict.action {
                OnConflictAction::DoNothing => Ok(()),
                OnConflictAction::DoUpdate(update) => {
                    if update
                        .assignments
                        .iter()
                        .any(|a| assigned_columns(&a.target).any(|c| c == column.name))
                    {
                        return Err(refused(
                            "INSERT ... ON CONFLICT DO UPDATE",
                            RefusalKind::TenantWrite,
                            Some(table.clone()),
                            "it may not SET the tenant column; rows never move between tenants",
                        ));
                    }
                    // Only ever update the current tenant's conflicting row. The proposed row
                    // holds the current tenant (filled in, guarded, or a literal `check_tenant`
                    // verifies), so comparing with EXCLUDED says the same as comparing with the
                    // tenant parameter, and Citus can push it down: a parameter in this WHERE
                    // of an INSERT ... SELECT reaches the workers untyped.
                    let excluded =
                        Expr::CompoundIdentifier(vec![Ident::new("EXCLUDED"), column.ident()]);
                    let own = tenant_equals(qualifier, column.ident(), excluded);
                    update.selection = conjoin(update.selection.take(), vec![own]);
                    Ok(())
                }
            },
            Some(OnInsert::DuplicateKeyUpdate(_)) => Err(refused(
                "INSERT ... ON DUPLICATE KEY UPDATE",
                RefusalKind::Shape,
                Some(table.clone()),
                "this is MySQL syntax; use ON CONFLICT ... DO UPDATE",
            )),
            Some(_) => Err(refused(
                "INSERT",
                RefusalKind::Shape,
                Some(table.clone()),
                "this ON clause is not supported; use ON CONFLICT",
            )),
        }
    }
}

/// For `INSERT ... SELECT` from tenant tables: the first tenant column that the SELECT's WHERE
/// (already scoped) holds to the tenant, as `<table>.<column>`, when the SELECT yields one row per
/// source row (no grouping, aggregate or DISTINCT).
///
/// Writing that column says the same as writing the tenant, and it is what Citus needs to push
/// the INSERT ... SELECT down to the shards: it routes by the source's distribution column, not by
/// a parameter.
fn source_tenant_column(select: &Select, tenant: &Expr) -> Option<Expr> {
    let grouped = !matches!(&select.group_by, GroupByExpr::Expressions(e, m) if e.is_empty() && m.is_empty())
        || select.having.is_some()
        || select.distinct.is_some();
    let calls_functions = visit_expressions(&select.projection, |expr| match expr {
        Expr::Function(function) if function.over.is_none() => ControlFlow::Break(()),
        _ => ControlFlow::Continue(()),
    })
    .is_break();
    if grouped || calls_functions {
        return None;
    }
    // The predicates the walker added are the top-level conjuncts after the original WHERE; the
    // leftmost is the first table of the FROM list.
    let mut conjunct = select.selection.as_ref()?;
    let mut first = None;
    loop {
        let (rest, last) = match conjunct {
            Expr::BinaryOp {
                left,
                op: BinaryOperator::And,
                right,
            } => (Some(&**left), &**right),
            other => (None, other),
        };
        if let Expr::BinaryOp {
            left,
            op: BinaryOperator::Eq,
            right,
        } = last
            && **right == *tenant
            && matches!(&**left, Expr::CompoundIdentifier(parts) if parts.len() == 2)
        {
            first = Some(&**left);
        }
        match rest {
            Some(rest) => conjunct = rest,
            None => return first.cloned(),
        }
    }
}

fn explicit_source_refusal(table: &TableName) -> Error {
    refused(
        "INSERT",
        RefusalKind::TenantWrite,
        Some(table.clone()),
        "the tenant column comes from a query the rewriter cannot check; omit the tenant column \
         and the SDK fills it in",
    )
}

/// Where `column` is in an INSERT column list.
pub(super) fn column_position(columns: &[ObjectName], column: &str) -> Option<usize> {
    columns
        .iter()
        .position(|c| last_ident(c).is_some_and(|i| fold(i) == column))
}

fn last_ident(name: &ObjectName) -> Option<&Ident> {
    name.0.last().and_then(|part| part.as_ident())
}

/// The folded column names an assignment target writes.
pub(super) fn assigned_columns(
    target: &sqlparser::ast::AssignmentTarget,
) -> impl Iterator<Item = String> + '_ {
    let names: &[ObjectName] = match target {
        sqlparser::ast::AssignmentTarget::ColumnName(name) => std::slice::from_ref(name),
        sqlparser::ast::AssignmentTarget::Tuple(names) => names,
    };
    names
        .iter()
        .filter_map(|n| last_ident(n).map(|ident| fold(ident).into_owned()))
}

fn empty_values() -> Values {
    Values {
        explicit_row: false,
        value_keyword: false,
        rows: Vec::new(),
    }
}

/// `VALUES (row), ...` as a query.
pub(super) fn values_query(rows: Vec<Vec<Expr>>) -> Query {
    query_of(SetExpr::Values(Values {
        explicit_row: false,
        value_keyword: false,
        rows: rows.into_iter().map(Parens::with_empty_span).collect(),
    }))
}
