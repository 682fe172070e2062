//! FROM lists and joins: which clause must filter each tenant table reference, and the names the
//! relations of one FROM scope expose.
//!
//! A table no outer join makes nullable is filtered by the clause of its statement (a SELECT's
//! WHERE). A table on the nullable side of an outer join is filtered by the ON of the innermost
//! join that makes it nullable (LEFT: its right operand; RIGHT: everything before it in the same
//! join list). Where no clause keeps the join's meaning (FULL joins, outer joins without ON,
//! aliased join groups, column alias lists) only a filtered derived table is accepted, which is
//! judged as a query level of its own.

use std::collections::HashSet;
use std::fmt;

use sqlparser::ast::{
    Expr, Join, JoinConstraint, JoinOperator, ObjectName, Select, TableFactor, TableWithJoins,
    visit_relations,
};

use super::Judge;
use super::clauses::constrains;
use super::names::{Ctes, Resolved, Tenant, exposed};
use crate::error::Error;

/// Relation names already judged as table factors or DML targets; any other relation that
/// names a tenant table is refused.
pub(super) type Judged = HashSet<*const ObjectName>;

/// The clause that must filter the tenant tables of a join operand, or why none may.
#[derive(Clone, Copy)]
pub(super) enum Filter<'q> {
    /// This clause (absent: no predicate at all), described for messages.
    Clause {
        expr: Option<&'q Expr>,
        name: &'static str,
    },
    /// A tenant table here cannot be filtered in place; the reason completes "`t` is ...".
    Refused(&'static str),
}

impl<'q> Filter<'q> {
    pub(super) fn clause(expr: Option<&'q Expr>, name: &'static str) -> Self {
        Self::Clause { expr, name }
    }
}

/// Where a FROM scope is, for messages: "the SELECT at query level 2".
#[derive(Clone, Copy)]
pub(super) struct Place {
    pub(super) statement: &'static str,
    pub(super) level: usize,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the {} at query level {}", self.statement, self.level)
    }
}

/// One reference to a tenant table and the clause that must constrain it.
pub(super) struct Reference<'q, 'c> {
    pub(super) tenant: Tenant<'c>,
    pub(super) exposed: String,
    pub(super) filter: Option<&'q Expr>,
    clause: &'static str,
}

/// The tenant table references of one FROM scope and every name its relations expose.
#[derive(Default)]
pub(super) struct Relations<'q, 'c> {
    pub(super) references: Vec<Reference<'q, 'c>>,
    pub(super) exposed: Vec<String>,
}

impl<'q, 'c> Relations<'q, 'c> {
    /// Records a tenant table reference filtered by `filter`.
    pub(super) fn reference(
        &mut self,
        judge: &Judge<'c>,
        tenant: Tenant<'c>,
        exposed: String,
        filter: Filter<'q>,
    ) -> Result<(), Error> {
        match filter {
            Filter::Clause { expr, name } => {
                self.references.push(Reference {
                    tenant,
                    exposed,
                    filter: expr,
                    clause: name,
                });
                Ok(())
            }
            Filter::Refused(why) => Err(judge.refuse(
                Some(tenant.table),
                &format!("`{exposed}` is {why}, where only a filtered derived table is safe"),
            )),
        }
    }

    /// Whether exactly one relation of this scope exposes `name`.
    pub(super) fn unique(&self, name: &str) -> bool {
        self.exposed.iter().filter(|n| *n == name).count() == 1
    }
}

impl<'c> Judge<'c> {
    /// The tenant table references of a SELECT's FROM, filtered by its WHERE unless a join
    /// makes them nullable.
    pub(super) fn select_relations<'q>(
        &self,
        select: &'q Select,
        ctes: &Ctes,
        judged: &mut Judged,
    ) -> Result<Relations<'q, 'c>, Error> {
        let mut relations = Relations::default();
        let filter = Filter::clause(select.selection.as_ref(), "its SELECT's WHERE");
        for item in &select.from {
            self.join_list(item, filter, ctes, &mut relations, judged)?;
        }
        Ok(relations)
    }

    /// Requires every reference to be constrained by its own clause, under a name no other
    /// relation of the scope exposes.
    pub(super) fn check(&self, relations: &Relations<'_, 'c>, place: Place) -> Result<(), Error> {
        for r in &relations.references {
            if !relations.unique(&r.exposed) {
                return Err(self.refuse(
                    Some(r.tenant.table),
                    &format!(
                        "more than one relation in {place} is named `{}`, so no predicate can \
                         name it alone",
                        r.exposed
                    ),
                ));
            }
            if !constrains(r.filter, &r.exposed, r.tenant.column, self.tenant) {
                return Err(self.refuse(
                    Some(r.tenant.table),
                    &format!(
                        "`{exposed}` in {place} needs `{exposed}.{column} = {tenant}` as a \
                         top-level conjunct of {clause}",
                        exposed = r.exposed,
                        column = r.tenant.column,
                        tenant = self.tenant,
                        clause = r.clause,
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Collects the references of one FROM item; `up` filters the operands no join of this
    /// item makes nullable.
    pub(super) fn join_list<'q>(
        &self,
        item: &'q TableWithJoins,
        up: Filter<'q>,
        ctes: &Ctes,
        relations: &mut Relations<'q, 'c>,
        judged: &mut Judged,
    ) -> Result<(), Error> {
        let filters = operand_filters(&item.joins, up);
        let operands =
            std::iter::once(&item.relation).chain(item.joins.iter().map(|j| &j.relation));
        for (factor, filter) in operands.zip(filters) {
            self.factor(factor, filter, ctes, relations, judged)?;
        }
        Ok(())
    }

    /// Collects the references of one table factor.
    pub(super) fn factor<'q>(
        &self,
        factor: &'q TableFactor,
        filter: Filter<'q>,
        ctes: &Ctes,
        relations: &mut Relations<'q, 'c>,
        judged: &mut Judged,
    ) -> Result<(), Error> {
        match factor {
            TableFactor::Table {
                name,
                alias,
                args: None,
                ..
            } => {
                judged.insert(std::ptr::from_ref(name));
                // Resolving first refuses names that are not `table` or `schema.table`.
                let resolved = self.resolve(name, ctes, false)?;
                let exposed = exposed(name, alias.as_ref()).unwrap_or_default();
                relations.exposed.push(exposed.clone());
                let Resolved::Tenant(tenant) = resolved else {
                    return Ok(());
                };
                if alias.as_ref().is_some_and(|a| !a.columns.is_empty()) {
                    // `t AS x (tenant_id, ...)` may give the tenant column's name to another column.
                    return relations.reference(
                        self,
                        tenant,
                        exposed,
                        Filter::Refused("renamed by a column alias list"),
                    );
                }
                relations.reference(self, tenant, exposed, filter)
            }
            // A set-returning function such as generate_series: not a table.
            TableFactor::Table {
                name,
                alias,
                args: Some(_),
                ..
            } => {
                judged.insert(std::ptr::from_ref(name));
                relations.exposed.extend(exposed(name, alias.as_ref()));
                Ok(())
            }
            TableFactor::Function { name, alias, .. } => {
                relations.exposed.extend(exposed(name, alias.as_ref()));
                Ok(())
            }
            // Queries inside are judged as query levels of their own.
            TableFactor::Derived { alias, .. }
            | TableFactor::TableFunction { alias, .. }
            | TableFactor::UNNEST { alias, .. } => {
                relations.exposed.extend(alias_name(alias.as_ref()));
                Ok(())
            }
            TableFactor::NestedJoin {
                table_with_joins,
                alias: None,
            } => self.join_list(table_with_joins, filter, ctes, relations, judged),
            // The alias hides the group's tables, so no clause outside can name them.
            TableFactor::NestedJoin {
                table_with_joins,
                alias: Some(alias),
            } => {
                let hidden = Filter::Refused("inside an aliased join group");
                self.join_list(table_with_joins, hidden, ctes, relations, judged)?;
                relations.exposed.extend(alias_name(Some(alias)));
                Ok(())
            }
            hiding => self.hiding_factor(hiding, ctes, relations),
        }
    }

    /// JSON_TABLE, XMLTABLE, PIVOT and the other factors that can hold a table the verifier
    /// does not judge: refused when a tenant table is anywhere inside.
    fn hiding_factor(
        &self,
        factor: &TableFactor,
        ctes: &Ctes,
        relations: &mut Relations<'_, 'c>,
    ) -> Result<(), Error> {
        let mut found = Ok(None);
        let _ = visit_relations(factor, |name| match self.resolve(name, ctes, false) {
            Ok(Resolved::Tenant(tenant)) => {
                found = Ok(Some(tenant));
                std::ops::ControlFlow::Break(())
            }
            Ok(_) => std::ops::ControlFlow::Continue(()),
            Err(error) => {
                found = Err(error);
                std::ops::ControlFlow::Break(())
            }
        });
        if let Some(tenant) = found? {
            return Err(self.refuse(
                Some(tenant.table),
                &format!("{} is not supported", construct(factor)),
            ));
        }
        relations.exposed.extend(alias_name(factor_alias(factor)));
        Ok(())
    }
}

fn alias_name(alias: Option<&sqlparser::ast::TableAlias>) -> Option<String> {
    alias.map(|a| super::names::fold(&a.name).into_owned())
}

fn factor_alias(factor: &TableFactor) -> Option<&sqlparser::ast::TableAlias> {
    match factor {
        TableFactor::JsonTable { alias, .. }
        | TableFactor::OpenJsonTable { alias, .. }
        | TableFactor::XmlTable { alias, .. }
        | TableFactor::Pivot { alias, .. }
        | TableFactor::Unpivot { alias, .. }
        | TableFactor::MatchRecognize { alias, .. }
        | TableFactor::SemanticView { alias, .. } => alias.as_ref(),
        _ => None,
    }
}

fn construct(factor: &TableFactor) -> &'static str {
    match factor {
        TableFactor::JsonTable { .. } => "JSON_TABLE",
        TableFactor::OpenJsonTable { .. } => "OPENJSON",
        TableFactor::XmlTable { .. } => "XMLTABLE",
        TableFactor::Pivot { .. } => "PIVOT",
        TableFactor::Unpivot { .. } | TableFactor::UnpivotExpr { .. } => "UNPIVOT",
        TableFactor::MatchRecognize { .. } => "MATCH_RECOGNIZE",
        TableFactor::SemanticView { .. } => "SEMANTIC_VIEW",
        _ => "this table factor",
    }
}

/// The filter of each operand of a join list (the first relation, then each join's), from the
/// join operators alone.
fn operand_filters<'q>(joins: &'q [Join], up: Filter<'q>) -> Vec<Filter<'q>> {
    let mut filters: Vec<Option<Filter<'q>>> = vec![None; joins.len() + 1];
    for (j, join) in joins.iter().enumerate() {
        let (before, after) = filters.split_at_mut(j + 1);
        let nullable = match constraint(&join.join_operator) {
            Some(JoinConstraint::On(on)) => {
                Filter::clause(Some(on), "the ON of the outer join that makes it nullable")
            }
            _ => Filter::Refused("on the nullable side of an outer join without ON"),
        };
        match &join.join_operator {
            JoinOperator::Join(_) | JoinOperator::Inner(_) | JoinOperator::CrossJoin(_) => {}
            JoinOperator::Left(_) | JoinOperator::LeftOuter(_) => after[0] = Some(nullable),
            JoinOperator::Right(_) | JoinOperator::RightOuter(_) => {
                fill(before, nullable);
            }
            JoinOperator::FullOuter(_) => {
                let full = Filter::Refused("an operand of a FULL join");
                after[0] = Some(full);
                fill(before, full);
            }
            _ => {
                // A join PostgreSQL does not have: nothing in this list can be filtered.
                let unknown = Filter::Refused("an operand of a join PostgreSQL does not have");
                return vec![unknown; joins.len() + 1];
            }
        }
    }
    filters.into_iter().map(|f| f.unwrap_or(up)).collect()
}

/// Gives `filter` to the operands no earlier join made nullable.
fn fill<'q>(operands: &mut [Option<Filter<'q>>], filter: Filter<'q>) {
    for operand in operands.iter_mut().filter(|o| o.is_none()) {
        *operand = Some(filter);
    }
}

fn constraint(op: &JoinOperator) -> Option<&JoinConstraint> {
    match op {
        JoinOperator::Join(c)
        | JoinOperator::Inner(c)
        | JoinOperator::Left(c)
        | JoinOperator::LeftOuter(c)
        | JoinOperator::Right(c)
        | JoinOperator::RightOuter(c)
        | JoinOperator::FullOuter(c)
        | JoinOperator::CrossJoin(c) => Some(c),
        _ => None,
    }
}
