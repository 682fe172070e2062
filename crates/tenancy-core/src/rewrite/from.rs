//! FROM lists and joins: where each tenant table's predicate goes.
//!
//! A table that no outer join makes nullable is filtered in WHERE. A table on the nullable side
//! of an outer join is filtered in the ON of the innermost join that makes it nullable (LEFT: the
//! right side; RIGHT: everything on the left). Where neither keeps the join's meaning (FULL joins,
//! USING/NATURAL outer joins, aliased join groups, column alias lists) the table itself is replaced
//! by a filtered derived table `(SELECT * FROM t WHERE t.col = $N) AS t`.

use sqlparser::ast::{
    Expr, Join, JoinConstraint, JoinOperator, SetExpr, TableAlias, TableFactor, TableWithJoins,
    Value,
};

use super::predicate::conjoin;
use super::query::{query_of, select_star};
use super::scope::{Resolved, Scope, TenantColumn, exposed_name};
use super::statement::refused;
use crate::error::{Error, RefusalKind};

/// Where the predicates of one join operand go.
#[derive(Clone, Copy)]
enum Sink {
    /// To the caller: WHERE, or the ON chosen by an enclosing join.
    Up,
    /// Into the ON of join number `.0` of this list.
    On(usize),
    /// Replace each tenant table by a filtered derived table.
    Wrap,
}

impl<'a> Scope<'a> {
    /// Scopes one FROM item with its joins and pushes the predicates that belong to the caller
    /// onto `up`. With `wrap`, the caller has no place for predicates and every table is wrapped
    /// instead.
    pub(super) fn table_with_joins(
        &mut self,
        item: &mut TableWithJoins,
        wrap: bool,
        up: &mut Vec<Expr>,
    ) -> Result<(), Error> {
        if item.joins.is_empty() {
            // No join can make the table nullable: its predicates go to the caller.
            return self.factor(&mut item.relation, wrap, up);
        }
        let sinks = sinks(&item.joins)?;
        let mut on: Vec<Vec<Expr>> = vec![Vec::new(); item.joins.len()];
        for (position, sink) in sinks.into_iter().enumerate() {
            let factor = match position {
                0 => &mut item.relation,
                n => &mut item.joins[n - 1].relation,
            };
            match sink {
                Sink::Up => self.factor(factor, wrap, up)?,
                Sink::On(join) => self.factor(factor, false, &mut on[join])?,
                // Wrapped tables leave no predicate behind.
                Sink::Wrap => self.factor(factor, true, up)?,
            }
        }
        for (join, preds) in item.joins.iter_mut().zip(on) {
            if let Some(JoinConstraint::On(condition)) = constraint_mut(&mut join.join_operator) {
                self.subqueries(condition)?;
                and_into(condition, preds);
            }
        }
        Ok(())
    }

    /// Scopes one table factor; pushes the predicates for its never-nullable tenant tables onto
    /// `up`.
    pub(super) fn factor(
        &mut self,
        factor: &mut TableFactor,
        wrap: bool,
        up: &mut Vec<Expr>,
    ) -> Result<(), Error> {
        match factor {
            TableFactor::Table {
                name,
                alias,
                args: None,
                ..
            } => {
                let Resolved::Tenant { column, .. } = self.resolve(name)? else {
                    return Ok(());
                };
                // A column alias list may rename the tenant column: filter before renaming.
                let renames = alias.as_ref().is_some_and(|a| !a.columns.is_empty());
                if wrap || renames {
                    self.wrap_table(factor, column);
                } else {
                    let qualifier = exposed_name(name, alias.as_ref());
                    up.push(self.predicate(qualifier, column));
                }
                Ok(())
            }
            // A set-returning function such as generate_series: not a table, but its
            // arguments may hold subqueries.
            TableFactor::Table {
                args: Some(args), ..
            } => self.subqueries(args),
            TableFactor::Derived { subquery, .. } => self.query(subquery),
            TableFactor::Function { args, .. } => self.subqueries(args),
            TableFactor::TableFunction { expr, .. } => self.subqueries(expr),
            TableFactor::UNNEST { array_exprs, .. } => self.subqueries(array_exprs),
            // An aliased join group hides its tables' names from the enclosing query.
            TableFactor::NestedJoin {
                table_with_joins,
                alias,
            } => {
                let hidden = alias.is_some();
                self.table_with_joins(table_with_joins, wrap || hidden, up)
            }
            // JSON_TABLE, XMLTABLE and the other dialects' factors are deliberately left alone:
            // the verification pass refuses the statement if a tenant table hides inside.
            _ => Ok(()),
        }
    }

    /// Replaces a tenant table by `(SELECT * FROM t WHERE t.col = <tenant>) AS <alias or t>`,
    /// keeping its alias and column aliases outside so the enclosing query is unchanged.
    fn wrap_table(&mut self, factor: &mut TableFactor, column: TenantColumn<'a>) {
        let TableFactor::Table { name, alias, .. } = factor else {
            // Only tables are wrapped; anything else stays unscoped and the verification pass
            // refuses the statement.
            return;
        };
        let bare = exposed_name(name, None);
        let outer_alias = alias.take().unwrap_or_else(|| TableAlias {
            explicit: true,
            name: bare.clone(),
            columns: Vec::new(),
            at: None,
        });
        let predicate = self.predicate(bare, column);
        let table = std::mem::replace(factor, empty_factor());
        *factor = TableFactor::Derived {
            lateral: false,
            subquery: Box::new(query_of(SetExpr::Select(Box::new(select_star(
                table,
                Some(predicate),
            ))))),
            alias: Some(outer_alias),
            sample: None,
        };
    }
}

/// The most predicates FROM items can yield (one per table factor): the capacity that lets the
/// predicate list be allocated once, at its final size.
pub(super) fn max_predicates(items: &[TableWithJoins]) -> usize {
    items.iter().map(|item| 1 + item.joins.len()).sum()
}

/// A throw-away factor to move a table out of the tree with `mem::replace`.
fn empty_factor() -> TableFactor {
    TableFactor::UNNEST {
        alias: None,
        array_exprs: Vec::new(),
        with_offset: false,
        with_offset_alias: None,
        with_ordinality: false,
    }
}

/// ANDs `preds` onto a join condition in place.
fn and_into(condition: &mut Expr, preds: Vec<Expr>) {
    if preds.is_empty() {
        return;
    }
    let original = std::mem::replace(condition, Expr::Value(Value::Null.with_empty_span()));
    if let Some(scoped) = conjoin(Some(original), preds) {
        *condition = scoped;
    }
}

/// Decides, from the join operators alone, where each operand's predicates go.
fn sinks(joins: &[Join]) -> Result<Vec<Sink>, Error> {
    let mut sinks = vec![Sink::Up; joins.len() + 1];
    for (j, join) in joins.iter().enumerate() {
        let position = j + 1;
        let has_on = matches!(constraint(&join.join_operator), Some(JoinConstraint::On(_)));
        let nullable = if has_on { Sink::On(j) } else { Sink::Wrap };
        match &join.join_operator {
            JoinOperator::Join(_) | JoinOperator::Inner(_) | JoinOperator::CrossJoin(_) => {}
            JoinOperator::Left(_) | JoinOperator::LeftOuter(_) => sinks[position] = nullable,
            JoinOperator::Right(_) | JoinOperator::RightOuter(_) => {
                for sink in &mut sinks[..position] {
                    if matches!(sink, Sink::Up) {
                        *sink = nullable;
                    }
                }
            }
            JoinOperator::FullOuter(_) => {
                sinks[position] = Sink::Wrap;
                for sink in &mut sinks[..position] {
                    if matches!(sink, Sink::Up) {
                        *sink = Sink::Wrap;
                    }
                }
            }
            _ => {
                return Err(refused(
                    "SELECT",
                    RefusalKind::Shape,
                    None,
                    "this join kind is not PostgreSQL and cannot be scoped",
                ));
            }
        }
    }
    Ok(sinks)
}

pub(super) fn constraint(op: &JoinOperator) -> Option<&JoinConstraint> {
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

fn constraint_mut(op: &mut JoinOperator) -> Option<&mut JoinConstraint> {
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
