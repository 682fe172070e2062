//! What a statement writes to a tenant column: the tenant, a guard against it, the column itself
//! (UPDATE), or the tenant column of a table filtered to the tenant in the same query.

use sqlparser::ast::{
    Assignment, AssignmentTarget, Expr, Ident, Insert, Merge, MergeAction, MergeClauseKind,
    MergeInsertKind, MergeUpdateKind, ObjectName, ObjectNamePart, OnConflictAction, OnInsert,
    Query, Select, SelectItem, SetExpr, TableFactor, TableObject, WildcardAdditionalOptions,
};

use super::Judge;
use super::clauses::{equates, is_column, is_tenant_or_guard};
use super::dml::Target;
use super::from::Judged;
use super::names::{Ctes, Resolved, Tenant, exposed, fold, inside};
use crate::error::Error;

impl<'c> Judge<'c> {
    /// Judges an INSERT into a tenant table: the tenant column is named and every value written
    /// to it is safe; ON CONFLICT DO UPDATE keeps to the tenant's own row.
    pub(super) fn insert(
        &self,
        insert: &Insert,
        ctes: &Ctes,
        judged: &mut Judged,
    ) -> Result<(), Error> {
        let TableObject::TableName(name) = &insert.table else {
            return Err(self.refuse(None, "INSERT into a function or a query is not PostgreSQL"));
        };
        judged.insert(std::ptr::from_ref(name));
        let Resolved::Tenant(tenant) = self.resolve(name, ctes, true)? else {
            return Ok(());
        };
        let refuse = |detail: &str| self.refuse(Some(tenant.table), detail);
        if !insert.assignments.is_empty()
            || insert.insert_alias.is_some()
            || insert.or.is_some()
            || insert.partitioned.is_some()
            || !insert.multi_table_into_clauses.is_empty()
            || !insert.multi_table_when_clauses.is_empty()
            || insert.multi_table_else_clause.is_some()
        {
            return Err(refuse("this INSERT form is not PostgreSQL"));
        }
        let position = self.tenant_position(&insert.columns, tenant)?;
        let Some(source) = &insert.source else {
            return Err(refuse(&format!(
                "the INSERT does not write its tenant column {}",
                tenant.column
            )));
        };
        self.inserted(source, position, insert.columns.len(), tenant, ctes)?;
        let target = Target {
            tenant,
            exposed: match &insert.table_alias {
                Some(alias) => fold(&alias.alias).into_owned(),
                None => exposed(name, None).unwrap_or_default(),
            },
        };
        self.on_conflict(insert.on.as_ref(), &target)
    }

    /// Where the tenant column is in an INSERT column list; naming it is required.
    fn tenant_position(&self, columns: &[ObjectName], tenant: Tenant<'c>) -> Result<usize, Error> {
        for (i, column) in columns.iter().enumerate() {
            match names_tenant_column(column, tenant.column) {
                Naming::Exactly => return Ok(i),
                Naming::Partly => {
                    return Err(self.refuse(
                        Some(tenant.table),
                        &format!("the INSERT names {column}, a part of the tenant column"),
                    ));
                }
                Naming::No => {}
            }
        }
        Err(self.refuse(
            Some(tenant.table),
            &format!(
                "the INSERT does not name the tenant column {} in its column list",
                tenant.column
            ),
        ))
    }

    /// Judges the values an INSERT source gives the tenant column, at `position` of `width`.
    fn inserted(
        &self,
        source: &Query,
        position: usize,
        width: usize,
        tenant: Tenant<'c>,
        ctes: &Ctes,
    ) -> Result<(), Error> {
        let refuse = |detail: String| Err(self.refuse(Some(tenant.table), &detail));
        match &*source.body {
            SetExpr::Values(values) => {
                for (n, row) in values.rows.iter().enumerate() {
                    match row.content.get(position) {
                        Some(value) if is_tenant_or_guard(value, self.tenant) => {}
                        _ => {
                            return refuse(format!(
                                "row {} of the VALUES writes {} to the tenant column {}, which is \
                                 neither `{}` nor guarded against it",
                                n + 1,
                                row.content
                                    .get(position)
                                    .map_or_else(|| "nothing".to_owned(), ToString::to_string),
                                tenant.column,
                                self.tenant,
                            ));
                        }
                    }
                }
                Ok(())
            }
            SetExpr::Select(select) => {
                let Some(value) = projected(&select.projection, position, width) else {
                    return refuse(format!(
                        "the SELECT list does not show which item is the tenant column {}",
                        tenant.column
                    ));
                };
                if is_tenant_or_guard(value, self.tenant)
                    || self.filtered_column(select, value, &inside(source, ctes))?
                {
                    return Ok(());
                }
                refuse(format!(
                    "the SELECT writes {value} to the tenant column {}, which is neither `{}`, \
                     guarded against it, nor the tenant column of a table that SELECT filters \
                     in its WHERE",
                    tenant.column, self.tenant
                ))
            }
            _ => refuse(format!(
                "the INSERT source does not show what it writes to the tenant column {}",
                tenant.column
            )),
        }
    }

    /// Whether `value` is `<q>.<tenant column of q>` for a tenant table `q` of `select`'s FROM
    /// that its WHERE constrains to the tenant (so every row holds the tenant there).
    fn filtered_column(&self, select: &Select, value: &Expr, ctes: &Ctes) -> Result<bool, Error> {
        let Expr::CompoundIdentifier(parts) = value else {
            return Ok(false);
        };
        let [qualifier, _] = parts.as_slice() else {
            return Ok(false);
        };
        let qualifier = fold(qualifier);
        let relations = self.select_relations(select, ctes, &mut Judged::new())?;
        let Some(source) = relations.references.iter().find(|r| r.exposed == qualifier) else {
            return Ok(false);
        };
        let in_where = matches!((source.filter, select.selection.as_ref()),
            (Some(filter), Some(selection)) if std::ptr::eq(filter, selection));
        Ok(in_where
            && relations.unique(&qualifier)
            && is_column(value, &qualifier, source.tenant.column)
            && super::clauses::constrains(
                source.filter,
                &source.exposed,
                source.tenant.column,
                self.tenant,
            ))
    }

    /// `ON CONFLICT DO UPDATE` may not set the tenant column and may only update the tenant's
    /// own row: its WHERE compares the target's tenant column with EXCLUDED's or the tenant.
    fn on_conflict(&self, on: Option<&OnInsert>, target: &Target<'c>) -> Result<(), Error> {
        let update = match on {
            None => return Ok(()),
            Some(OnInsert::OnConflict(conflict)) => match &conflict.action {
                OnConflictAction::DoNothing => return Ok(()),
                OnConflictAction::DoUpdate(update) => update,
            },
            Some(_) => {
                return Err(self.refuse(
                    Some(target.tenant.table),
                    "this ON clause is not PostgreSQL; use ON CONFLICT",
                ));
            }
        };
        let column = target.tenant.column;
        if target.exposed == "excluded" {
            // `excluded.col = EXCLUDED.col` would compare the target with itself.
            return Err(self.refuse(
                Some(target.tenant.table),
                "the INSERT target is named `excluded`, like the proposed row of ON CONFLICT",
            ));
        }
        if update
            .assignments
            .iter()
            .any(|a| !matches!(assigned(&a.target, column), Naming::No))
        {
            return Err(self.refuse(
                Some(target.tenant.table),
                &format!("ON CONFLICT DO UPDATE sets the tenant column {column}"),
            ));
        }
        let own_row = |right: &Expr| right == self.tenant || is_column(right, "excluded", column);
        let found = super::clauses::conjuncts(update.selection.as_ref())
            .into_iter()
            .any(|c| equates(c, &target.exposed, column, own_row));
        if found {
            return Ok(());
        }
        Err(self.refuse(
            Some(target.tenant.table),
            &format!(
                "ON CONFLICT DO UPDATE needs `{exposed}.{column} = EXCLUDED.{column}` as a \
                 top-level conjunct of its WHERE",
                exposed = target.exposed
            ),
        ))
    }

    /// `SET <tenant column> = v` of UPDATE and MERGE: `v` keeps the column, is the tenant, or
    /// is guarded against it; a tuple assignment may not touch the column.
    pub(super) fn assignments(
        &self,
        statement: &str,
        assignments: &[Assignment],
        target: &Target<'c>,
    ) -> Result<(), Error> {
        let column = target.tenant.column;
        for assignment in assignments {
            let safe = match assigned(&assignment.target, column) {
                Naming::No => true,
                Naming::Partly => false,
                Naming::Exactly => {
                    keeps_column(&assignment.value, &target.exposed, column)
                        || is_tenant_or_guard(&assignment.value, self.tenant)
                }
            };
            if !safe {
                return Err(self.refuse(
                    Some(target.tenant.table),
                    &format!(
                        "the {statement} sets the tenant column {column} with `{assignment}`, \
                         which is neither the column itself, `{}`, nor guarded against it",
                        self.tenant
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The WHEN clauses of a MERGE into a tenant table.
    pub(super) fn merge_clauses(
        &self,
        merge: &Merge,
        target: &Target<'c>,
        ctes: &Ctes,
    ) -> Result<(), Error> {
        let refuse = |detail: &str| Err(self.refuse(Some(target.tenant.table), detail));
        for clause in &merge.clauses {
            if matches!(clause.clause_kind, MergeClauseKind::NotMatchedBySource) {
                return refuse("WHEN NOT MATCHED BY SOURCE reaches other tenants' rows");
            }
            match &clause.action {
                MergeAction::Update(update) => match &update.kind {
                    MergeUpdateKind::Set(assignments) => {
                        self.assignments("MERGE", assignments, target)?;
                    }
                    MergeUpdateKind::Wildcard => return refuse("UPDATE SET * is not PostgreSQL"),
                },
                MergeAction::Insert(insert) => {
                    let MergeInsertKind::Values(values) = &insert.kind else {
                        return refuse("INSERT without a VALUES list hides the tenant column");
                    };
                    let position = self.tenant_position(&insert.columns, target.tenant)?;
                    for row in &values.rows {
                        let value = row.content.get(position);
                        let safe = value.is_some_and(|v| {
                            is_tenant_or_guard(v, self.tenant) || self.source_column(merge, v, ctes)
                        });
                        if !safe {
                            return refuse(&format!(
                                "WHEN NOT MATCHED THEN INSERT writes {} to the tenant column {}, \
                                 which is neither `{}`, guarded against it, nor the tenant column \
                                 of a source filtered to the tenant",
                                value.map_or_else(|| "nothing".to_owned(), ToString::to_string),
                                target.tenant.column,
                                self.tenant,
                            ));
                        }
                    }
                }
                MergeAction::Delete { .. } | MergeAction::DoNothing { .. } => {}
            }
        }
        Ok(())
    }

    /// Whether `value` is `<alias>.<col>` of a MERGE source `(SELECT * FROM t WHERE ... AND
    /// t.col = <tenant>) AS alias`, `col` being the tenant column of the tenant table `t`.
    fn source_column(&self, merge: &Merge, value: &Expr, ctes: &Ctes) -> bool {
        let TableFactor::Derived {
            subquery,
            alias: Some(alias),
            ..
        } = &merge.source
        else {
            return false;
        };
        let (SetExpr::Select(select), None) = (&*subquery.body, &subquery.with) else {
            return false;
        };
        let all_columns = matches!(select.projection.as_slice(),
            [SelectItem::Wildcard(options)] if *options == WildcardAdditionalOptions::default());
        if !alias.columns.is_empty() || !all_columns || select.from.len() != 1 {
            return false;
        }
        let Ok(relations) = self.select_relations(select, ctes, &mut Judged::new()) else {
            return false;
        };
        let [only] = relations.references.as_slice() else {
            return false;
        };
        relations.exposed.len() == 1
            && is_column(value, &fold(&alias.name), only.tenant.column)
            && super::clauses::constrains(
                select.selection.as_ref(),
                &only.exposed,
                only.tenant.column,
                self.tenant,
            )
    }
}

/// How a column name in a column list or an assignment names the tenant column.
enum Naming {
    /// Not at all.
    No,
    /// As the whole, unqualified column.
    Exactly,
    /// Qualified, or a field of it: never written by the rewriter, so refused.
    Partly,
}

fn names_tenant_column(name: &ObjectName, column: &str) -> Naming {
    let parts: Vec<Option<&Ident>> = name.0.iter().map(ObjectNamePart::as_ident).collect();
    match parts.as_slice() {
        [Some(only)] if fold(only) == column => Naming::Exactly,
        [_] => Naming::No,
        _ if parts.iter().any(|p| p.is_none_or(|p| fold(p) == column)) => Naming::Partly,
        _ => Naming::No,
    }
}

fn assigned(target: &AssignmentTarget, column: &str) -> Naming {
    match target {
        AssignmentTarget::ColumnName(name) => names_tenant_column(name, column),
        AssignmentTarget::Tuple(names) => {
            if names
                .iter()
                .any(|n| !matches!(names_tenant_column(n, column), Naming::No))
            {
                Naming::Partly
            } else {
                Naming::No
            }
        }
    }
}

/// `col`, `<target>.col` or either in parentheses: the tenant column assigned to itself.
fn keeps_column(value: &Expr, target: &str, column: &str) -> bool {
    match value {
        Expr::Identifier(ident) => fold(ident) == column,
        Expr::Nested(inner) => keeps_column(inner, target, column),
        other => is_column(other, target, column),
    }
}

/// The SELECT item that feeds INSERT column `position` of `width`. PostgreSQL requires as many
/// items as columns, so the position is known counting from the start before any wildcard, or
/// from the end after the last one (`SELECT s.*, $1` feeds the last column).
fn projected(projection: &[SelectItem], position: usize, width: usize) -> Option<&Expr> {
    let known_from_start = projection
        .iter()
        .take(position + 1)
        .all(|item| item_expr(item).is_some());
    if known_from_start {
        return projection.get(position).and_then(item_expr);
    }
    let from_end = width.checked_sub(position)?;
    let tail = projection.len().checked_sub(from_end)?;
    let after = &projection[tail..];
    if after.iter().all(|item| item_expr(item).is_some()) {
        after.first().and_then(item_expr)
    } else {
        None
    }
}

fn item_expr(item: &SelectItem) -> Option<&Expr> {
    match item {
        SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. } => Some(expr),
        _ => None,
    }
}
