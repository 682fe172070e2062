//! MERGE: the target is scoped in ON (so other tenants' rows never match), the source is scoped
//! as filtered derived tables (so other tenants' rows never arrive), inserts get the tenant
//! (from a tenant-table source's own tenant column, which Citus can route).

use sqlparser::ast::{
    Expr, Merge, MergeAction, MergeClauseKind, MergeInsertKind, ObjectName, TableFactor,
};

use super::insert::column_position;
use super::predicate::conjoin;
use super::scope::{Resolved, Scope, exposed_name};
use super::statement::refused;
use crate::error::{Error, RefusalKind};

impl Scope<'_> {
    pub(super) fn merge(&mut self, merge: &mut Merge) -> Result<(), Error> {
        let target = self.target("MERGE", &merge.table)?;
        let source_tenant = self.source_tenant(&merge.source)?;
        // Source rows outside the tenant must not reach WHEN NOT MATCHED THEN INSERT, so the
        // source is filtered at its tables, never in ON.
        self.factor(&mut merge.source, true, &mut Vec::new())?;
        self.subqueries(&mut merge.on)?;
        self.subqueries(&mut merge.clauses)?;
        self.subqueries(&mut merge.output)?;
        let Some(target) = target else {
            return Ok(());
        };
        for clause in &mut merge.clauses {
            if matches!(clause.clause_kind, MergeClauseKind::NotMatchedBySource) {
                return Err(refused(
                    "MERGE",
                    RefusalKind::TenantWrite,
                    Some(target.table.clone()),
                    "WHEN NOT MATCHED BY SOURCE would reach other tenants' rows; use a scoped \
                     UPDATE or DELETE instead",
                ));
            }
            match &mut clause.action {
                MergeAction::Update(update) => match &mut update.kind {
                    sqlparser::ast::MergeUpdateKind::Set(assignments) => {
                        self.check_assignments("MERGE", assignments, &target)?;
                    }
                    sqlparser::ast::MergeUpdateKind::Wildcard => {
                        return Err(wildcard_refusal(target.table));
                    }
                },
                MergeAction::Insert(insert) => {
                    let MergeInsertKind::Values(values) = &mut insert.kind else {
                        return Err(wildcard_refusal(target.table));
                    };
                    if insert.columns.is_empty() {
                        return Err(refused(
                            "MERGE",
                            RefusalKind::Shape,
                            Some(target.table.clone()),
                            "name the columns in WHEN NOT MATCHED THEN INSERT (a, b) so the \
                             tenant column can be filled in",
                        ));
                    }
                    match column_position(&insert.columns, target.column.name) {
                        None => {
                            insert
                                .columns
                                .push(ObjectName::from(vec![target.column.ident()]));
                            for row in &mut values.rows {
                                let tenant = match &source_tenant {
                                    Some(column) => column.clone(),
                                    None => self.tenant_value(),
                                };
                                row.content.push(tenant);
                            }
                        }
                        Some(i) => {
                            for row in &mut values.rows {
                                if let Some(value) = row.content.get_mut(i) {
                                    self.explicit_tenant(value, target.table);
                                }
                            }
                        }
                    }
                }
                MergeAction::Delete { .. } | MergeAction::DoNothing { .. } => {}
            }
        }
        let own = self.predicate(target.qualifier.clone(), target.column);
        let on = std::mem::replace(
            &mut *merge.on,
            sqlparser::ast::Expr::Value(sqlparser::ast::Value::Null.with_empty_span()),
        );
        if let Some(scoped) = conjoin(Some(on), vec![own]) {
            *merge.on = scoped;
        }
        Ok(())
    }
}

impl Scope<'_> {
    /// `<source>.<tenant column>` when the MERGE source is one tenant table whose columns keep
    /// their names. The source is filtered to the current tenant, so inserting this column says
    /// the same as inserting the tenant parameter, and it is what Citus needs to route the
    /// INSERT of a colocated MERGE (it refuses a parameter as the distribution column value).
    fn source_tenant(&self, source: &TableFactor) -> Result<Option<Expr>, Error> {
        let TableFactor::Table {
            name,
            alias,
            args: None,
            ..
        } = source
        else {
            return Ok(None);
        };
        if alias.as_ref().is_some_and(|a| !a.columns.is_empty()) {
            return Ok(None);
        }
        Ok(match self.resolve(name)? {
            Resolved::Tenant { column, .. } => Some(Expr::CompoundIdentifier(vec![
                exposed_name(name, alias.as_ref()),
                column.ident(),
            ])),
            Resolved::Cte | Resolved::Reference => None,
        })
    }
}

fn wildcard_refusal(table: &crate::catalog::TableName) -> Error {
    refused(
        "MERGE",
        RefusalKind::Shape,
        Some(table.clone()),
        "INSERT * / UPDATE * / INSERT ROW are not PostgreSQL; name the columns",
    )
}
