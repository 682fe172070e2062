//! The verifier: judges the statement that will be sent, independently of the walker.
//!
//! It shares nothing with the walker but the catalog. One pass of sqlparser's derived `Visitor`
//! reaches every query level (subqueries anywhere, CTE bodies, set-operation arms, derived
//! tables, DML sources) and every DML statement, keeping the CTE names visible at each point.
//! At each SELECT and each UPDATE, DELETE and MERGE it checks structurally that every tenant
//! table reference is constrained by `<exposed name>.<tenant column> = <tenant>` as a top-level
//! conjunct of the clause that filters it (`from.rs`, `dml.rs`); at each write to a tenant table
//! it checks the value written (`writes.rs`). Every relation name it did not judge as a table
//! factor or target is refused if it names a tenant table, so a position nobody thought of
//! fails closed.

mod clauses;
mod dml;
mod from;
mod names;
#[cfg(test)]
mod tests;
mod writes;

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::ptr;

use sqlparser::ast::{Expr, ObjectName, Query, Select, SetExpr, Statement, Visit, Visitor};

use super::statement::{refused, statement_keywords};
use crate::catalog::{Catalog, TableName};
use crate::error::{Error, RefusalKind};
use from::{Judged, Place};
use names::{Ctes, Resolved, declared};

/// Query levels (queries and DML statements nested in each other) the verifier follows before
/// it refuses the statement as too large.
const MAX_LEVELS: usize = 200;

/// Refuses `statement` unless every tenant table reference is constrained to `tenant` and every
/// tenant value written is `tenant` or guarded against it. `sql` only names the statement in
/// refusals.
pub(super) fn verify(
    catalog: &Catalog,
    sql: &str,
    statement: &Statement,
    tenant: &Expr,
) -> Result<(), Error> {
    let mut verifier = Verifier {
        judge: Judge {
            catalog,
            sql,
            tenant,
        },
        levels: Vec::new(),
        cte_bodies: HashMap::new(),
        judged: Judged::new(),
    };
    match statement.visit(&mut verifier) {
        ControlFlow::Continue(()) => Ok(()),
        ControlFlow::Break(error) => Err(error),
    }
}

/// What every check needs: the catalog, the tenant expression, and how to word a refusal.
struct Judge<'c> {
    catalog: &'c Catalog,
    sql: &'c str,
    tenant: &'c Expr,
}

impl Judge<'_> {
    /// An `Unverified` refusal: `detail` says what could not be proven, and where.
    fn refuse(&self, table: Option<&TableName>, detail: &str) -> Error {
        let subject = table.map_or_else(|| "the statement".to_owned(), ToString::to_string);
        refused(
            &statement_keywords(self.sql),
            RefusalKind::Unverified,
            table.cloned(),
            &format!(
                "cannot prove {subject} is scoped: {detail}; rewrite the statement without it or \
                 run it with `unscoped`"
            ),
        )
    }

    /// A SELECT level: every tenant table of its FROM constrained by its own clause.
    fn select(
        &self,
        select: &Select,
        ctes: &Ctes,
        level: usize,
        judged: &mut Judged,
    ) -> Result<(), Error> {
        let relations = self.select_relations(select, ctes, judged)?;
        self.check(
            &relations,
            Place {
                statement: "SELECT",
                level,
            },
        )
    }

    /// `TABLE t` reads the whole table: the rewriter spells it as a SELECT when `t` is a
    /// tenant table, so a tenant table here is unfiltered.
    fn table_commands(&self, body: &SetExpr, ctes: &Ctes) -> Result<(), Error> {
        let mut pending = vec![body];
        while let Some(set) = pending.pop() {
            match set {
                SetExpr::SetOperation { left, right, .. } => {
                    pending.push(right);
                    pending.push(left);
                }
                SetExpr::Table(table) => {
                    let Some(table_name) = &table.table_name else {
                        continue;
                    };
                    let parts = table.schema_name.iter().chain(Some(table_name));
                    let name = ObjectName::from(parts.cloned().collect::<Vec<_>>());
                    if let Resolved::Tenant(tenant) = self.resolve(&name, ctes, false)? {
                        return Err(self.refuse(
                            Some(tenant.table),
                            &format!("`TABLE {name}` reads it unfiltered"),
                        ));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// One query or DML statement the visitor is inside.
struct Level {
    /// The CTE names visible inside it.
    ctes: Ctes,
    /// The DML statement that is this query's body (`WITH ... UPDATE`, a data-modifying CTE):
    /// one level with its query, not a level of its own.
    body: Option<*const Statement>,
}

struct Verifier<'c> {
    judge: Judge<'c>,
    /// The enclosing queries and DML statements, innermost last.
    levels: Vec<Level>,
    /// CTE bodies not entered yet, with the names visible inside each.
    cte_bodies: HashMap<*const Query, Ctes>,
    judged: Judged,
}

impl Verifier<'_> {
    fn ctes(&self) -> Ctes {
        self.levels
            .last()
            .map(|level| level.ctes.clone())
            .unwrap_or_default()
    }

    /// Whether `statement` is the body of the innermost query, and so shares its level.
    fn is_query_body(&self, statement: &Statement) -> bool {
        self.levels
            .last()
            .is_some_and(|level| level.body == Some(ptr::from_ref(statement)))
    }

    /// Enters one level, refusing beyond [`MAX_LEVELS`].
    fn enter(&mut self, level: Level) -> Result<usize, Error> {
        if self.levels.len() >= MAX_LEVELS {
            return Err(refused(
                &statement_keywords(self.judge.sql),
                RefusalKind::TooLarge,
                None,
                &format!(
                    "it nests more than {MAX_LEVELS} queries; split it into smaller statements"
                ),
            ));
        }
        self.levels.push(level);
        Ok(self.levels.len())
    }
}

/// Whether `statement` is one the verifier enters as a level of its own.
fn is_dml(statement: &Statement) -> bool {
    matches!(
        statement,
        Statement::Insert(_) | Statement::Update(_) | Statement::Delete(_) | Statement::Merge(_)
    )
}

impl Visitor for Verifier<'_> {
    type Break = Error;

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<Error> {
        let outer = self
            .cte_bodies
            .remove(&ptr::from_ref(query))
            .unwrap_or_else(|| self.ctes());
        let names = declared(query);
        if let Some(with) = &query.with {
            for (i, cte) in with.cte_tables.iter().enumerate() {
                // A plain WITH's CTE sees the CTEs before it; a RECURSIVE one sees them all.
                let visible = if with.recursive {
                    names.clone()
                } else {
                    names[..i].to_vec()
                };
                self.cte_bodies
                    .insert(ptr::from_ref(&*cte.query), outer.with(visible));
            }
        }
        let inner = outer.with(names);
        let body = match &*query.body {
            SetExpr::Insert(statement)
            | SetExpr::Update(statement)
            | SetExpr::Delete(statement)
            | SetExpr::Merge(statement) => Some(ptr::from_ref(statement)),
            _ => None,
        };
        let result = self
            .enter(Level {
                ctes: inner.clone(),
                body,
            })
            .and_then(|_| self.judge.table_commands(&query.body, &inner));
        into_flow(result)
    }

    fn post_visit_query(&mut self, _query: &Query) -> ControlFlow<Error> {
        self.levels.pop();
        ControlFlow::Continue(())
    }

    fn pre_visit_select(&mut self, select: &Select) -> ControlFlow<Error> {
        let ctes = self.ctes();
        let level = self.levels.len();
        into_flow(self.judge.select(select, &ctes, level, &mut self.judged))
    }

    fn pre_visit_statement(&mut self, statement: &Statement) -> ControlFlow<Error> {
        if !is_dml(statement) {
            return ControlFlow::Continue(());
        }
        let ctes = self.ctes();
        let entered = if self.is_query_body(statement) {
            Ok(self.levels.len())
        } else {
            self.enter(Level {
                ctes: ctes.clone(),
                body: None,
            })
        };
        let result = entered.and_then(|level| {
            let (judge, judged) = (&self.judge, &mut self.judged);
            match statement {
                Statement::Insert(insert) => judge.insert(insert, &ctes, judged),
                Statement::Update(update) => judge.update(update, &ctes, level, judged),
                Statement::Delete(delete) => judge.delete(delete, &ctes, level, judged),
                Statement::Merge(merge) => judge.merge(merge, &ctes, level, judged),
                _ => Ok(()),
            }
        });
        into_flow(result)
    }

    fn post_visit_statement(&mut self, statement: &Statement) -> ControlFlow<Error> {
        if is_dml(statement) && !self.is_query_body(statement) {
            self.levels.pop();
        }
        ControlFlow::Continue(())
    }

    /// A relation no check judged: a position the verifier does not know, refused for a tenant
    /// table.
    fn pre_visit_relation(&mut self, relation: &ObjectName) -> ControlFlow<Error> {
        if self.judged.contains(&ptr::from_ref(relation)) {
            return ControlFlow::Continue(());
        }
        let result = match self.judge.resolve(relation, &self.ctes(), false) {
            Ok(Resolved::Tenant(tenant)) => Err(self.judge.refuse(
                Some(tenant.table),
                "a table reference in this position is not supported",
            )),
            Ok(Resolved::Cte | Resolved::Reference) => Ok(()),
            Err(error) => Err(error),
        };
        into_flow(result)
    }
}

fn into_flow(result: Result<(), Error>) -> ControlFlow<Error> {
    match result {
        Ok(()) => ControlFlow::Continue(()),
        Err(error) => ControlFlow::Break(error),
    }
}
