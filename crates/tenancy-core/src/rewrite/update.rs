//! UPDATE: scope the target and every FROM table in WHERE; keep rows in their tenant.

use sqlparser::ast::{Assignment, Expr, Ident, TableFactor, Update, UpdateTableFromKind};

use super::from::max_predicates;
use super::insert::assigned_columns;
use super::predicate::conjoin;
use super::scope::{Resolved, Scope, TenantColumn, exposed_name, fold};
use super::statement::refused;
use crate::catalog::TableName;
use crate::error::{Error, RefusalKind};

/// A DML target that is a tenant table: how it is named in the statement and scoped.
pub(super) struct Target<'c> {
    pub(super) table: &'c TableName,
    pub(super) column: TenantColumn<'c>,
    pub(super) qualifier: Ident,
}

impl<'a> Scope<'a> {
    pub(super) fn update(&mut self, update: &mut Update) -> Result<(), Error> {
        if !update.table.joins.is_empty() {
            return Err(refused(
                "UPDATE",
                RefusalKind::Shape,
                None,
                "UPDATE of a join is not PostgreSQL",
            ));
        }
        let target = self.target("UPDATE", &update.table.relation)?;
        if let Some(target) = &target {
            // Scoping subqueries never turns a value into a literal or the column itself, so the
            // values can be judged before they are scoped.
            self.check_assignments("UPDATE", &mut update.assignments, target)?;
        }
        let from_tables = match &update.from {
            Some(UpdateTableFromKind::BeforeSet(items) | UpdateTableFromKind::AfterSet(items)) => {
                max_predicates(items)
            }
            None => 0,
        };
        let mut preds = Vec::with_capacity(1 + from_tables);
        if let Some(target) = target {
            preds.push(self.predicate(target.qualifier, target.column));
        }
        if let Some(UpdateTableFromKind::BeforeSet(items) | UpdateTableFromKind::AfterSet(items)) =
            &mut update.from
        {
            for item in items {
                self.table_with_joins(item, false, &mut preds)?;
            }
        }
        self.assignment_subqueries(&mut update.assignments)?;
        self.subqueries(&mut update.selection)?;
        self.subqueries(&mut update.returning)?;
        update.selection = conjoin(update.selection.take(), preds);
        Ok(())
    }

    /// Resolves the table a DML statement writes (never a CTE); `None` for a reference table.
    pub(super) fn target(
        &self,
        kind: &str,
        factor: &TableFactor,
    ) -> Result<Option<Target<'a>>, Error> {
        let TableFactor::Table {
            name,
            alias,
            args: None,
            ..
        } = factor
        else {
            return Err(refused(
                kind,
                RefusalKind::Shape,
                None,
                "the target must be a plain table",
            ));
        };
        Ok(match self.resolve_table(name)? {
            Resolved::Tenant { table, column } => Some(Target {
                table,
                column,
                qualifier: exposed_name(name, alias.as_ref()),
            }),
            Resolved::Reference | Resolved::Cte => None,
        })
    }

    /// `SET <tenant column> = ...` keeps the tenant: set to itself, or to a value guarded in SQL
    /// like an explicit `INSERT` value (the statement then writes the tenant or fails).
    pub(super) fn check_assignments(
        &mut self,
        kind: &str,
        assignments: &mut [Assignment],
        target: &Target<'_>,
    ) -> Result<(), Error> {
        for assignment in assignments {
            if !assigned_columns(&assignment.target).any(|c| c == target.column.name) {
                continue;
            }
            if !matches!(
                assignment.target,
                sqlparser::ast::AssignmentTarget::ColumnName(_)
            ) {
                return Err(refused(
                    kind,
                    RefusalKind::TenantWrite,
                    Some(target.table.clone()),
                    &format!(
                        "it sets the tenant column {} inside a tuple assignment; set it on its \
                         own, or leave it out: rows never move between tenants",
                        target.column.name
                    ),
                ));
            }
            if !is_same_column(&assignment.value, target) {
                self.explicit_tenant(&mut assignment.value, target.table);
            }
        }
        Ok(())
    }
}

/// `col` or `<target>.col`: the tenant column assigned to itself.
fn is_same_column(value: &Expr, target: &Target<'_>) -> bool {
    match value {
        Expr::Identifier(ident) => fold(ident) == target.column.name,
        Expr::CompoundIdentifier(parts) => match parts.as_slice() {
            [qualifier, ident] => {
                fold(qualifier) == fold(&target.qualifier) && fold(ident) == target.column.name
            }
            _ => false,
        },
        Expr::Nested(inner) => is_same_column(inner, target),
        _ => false,
    }
}
