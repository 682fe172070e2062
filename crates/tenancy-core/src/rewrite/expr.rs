//! Subqueries inside expressions: WHERE, HAVING, the select list, ORDER BY, GROUP BY, JOIN ON,
//! function arguments (`ARRAY(SELECT ...)`), IN/EXISTS/ANY/ALL, scalar subqueries, CASE, VALUES.
//!
//! Instead of matching every expression variant by hand, sqlparser's `VisitorMut` finds each
//! outermost query below a node; the walker rewrites that query with the current CTE scope and
//! the visitor skips what is nested inside it (the walker already handled it): the rewritten
//! query's body is parked while the visitor passes over it and put back right after. Once the
//! walker has entered every query body the statement's keywords announce, the search stops.

use std::mem;
use std::ops::ControlFlow;

use sqlparser::ast::{
    Assignment, Expr, InTarget, Query, SelectItem, SetExpr, Values, VisitMut, VisitorMut, With,
};

use super::scope::Scope;
use crate::error::Error;

impl Scope<'_> {
    /// Rewrites every outermost subquery inside `expr`, walking the common expression kinds by
    /// hand and handing any other kind to [`subqueries`](Self::subqueries).
    pub(super) fn expr_subqueries(&mut self, expr: &mut Expr) -> Result<(), Error> {
        if !self.queries_remain() {
            return Ok(());
        }
        match expr {
            Expr::Identifier(_) | Expr::CompoundIdentifier(_) | Expr::Value(_) => Ok(()),
            Expr::BinaryOp { left, op: _, right }
            | Expr::IsDistinctFrom(left, right)
            | Expr::IsNotDistinctFrom(left, right)
            | Expr::AnyOp {
                left,
                compare_op: _,
                right,
                is_some: _,
            }
            | Expr::AllOp {
                left,
                compare_op: _,
                right,
            } => {
                self.expr_subqueries(left)?;
                self.expr_subqueries(right)
            }
            Expr::UnaryOp { op: _, expr }
            | Expr::Nested(expr)
            | Expr::IsNull(expr)
            | Expr::IsNotNull(expr)
            | Expr::IsTrue(expr)
            | Expr::IsNotTrue(expr)
            | Expr::IsFalse(expr)
            | Expr::IsNotFalse(expr) => self.expr_subqueries(expr),
            Expr::Between {
                expr,
                negated: _,
                low,
                high,
            } => {
                self.expr_subqueries(expr)?;
                self.expr_subqueries(low)?;
                self.expr_subqueries(high)
            }
            Expr::In {
                expr: left,
                target: InTarget::List(list),
                negated: _,
                global: _,
            } => {
                self.expr_subqueries(left)?;
                list.iter_mut().try_for_each(|e| self.expr_subqueries(e))
            }
            Expr::In {
                expr: left,
                target: InTarget::Subquery(subquery),
                negated: _,
                global: _,
            } => {
                self.expr_subqueries(left)?;
                self.query(subquery)
            }
            Expr::Subquery(subquery)
            | Expr::Exists {
                subquery,
                negated: _,
            } => self.query(subquery),
            Expr::Tuple(list) => list.iter_mut().try_for_each(|e| self.expr_subqueries(e)),
            Expr::Function(function) if super::shape::plain_function(function) => {
                use sqlparser::ast::{FunctionArg, FunctionArgExpr, FunctionArguments};
                let FunctionArguments::List(list) = &mut function.args else {
                    return Ok(());
                };
                list.args.iter_mut().try_for_each(|arg| match arg {
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(arg)) => self.expr_subqueries(arg),
                    // `*`; plain_function admits no other kind.
                    _ => Ok(()),
                })
            }
            other => self.subqueries(other),
        }
    }

    /// [`expr_subqueries`](Self::expr_subqueries) for an optional clause (WHERE, HAVING).
    pub(super) fn option_subqueries(&mut self, expr: Option<&mut Expr>) -> Result<(), Error> {
        expr.map_or(Ok(()), |expr| self.expr_subqueries(expr))
    }

    /// The values of `SET a = ...` (the targets are column names and hold no query).
    pub(super) fn assignment_subqueries(
        &mut self,
        assignments: &mut [Assignment],
    ) -> Result<(), Error> {
        assignments
            .iter_mut()
            .try_for_each(|Assignment { target: _, value }| self.expr_subqueries(value))
    }

    /// A select list or RETURNING list; wildcards go to [`subqueries`](Self::subqueries).
    pub(super) fn item_subqueries(&mut self, items: &mut [SelectItem]) -> Result<(), Error> {
        items.iter_mut().try_for_each(|item| match item {
            SelectItem::UnnamedExpr(expr)
            | SelectItem::ExprWithAlias { expr, alias: _ }
            | SelectItem::ExprWithAliases { expr, aliases: _ } => self.expr_subqueries(expr),
            SelectItem::QualifiedWildcard(..) | SelectItem::Wildcard(_) => self.subqueries(item),
        })
    }

    /// Rewrites every outermost subquery anywhere inside `node`.
    pub(super) fn subqueries<T: VisitMut>(&mut self, node: &mut T) -> Result<(), Error> {
        if !self.queries_remain() {
            return Ok(());
        }
        let mut visitor = Subqueries {
            scope: self,
            depth: 0,
            parked: Vec::new(),
        };
        match node.visit(&mut visitor) {
            ControlFlow::Continue(()) | ControlFlow::Break(Stop::NoQueriesLeft) => Ok(()),
            ControlFlow::Break(Stop::Refused(error)) => Err(error),
        }
    }
}

/// Why the search ended early.
enum Stop {
    /// A subquery was refused.
    Refused(Error),
    /// Every query body of the statement has been entered: nothing is left to find.
    NoQueriesLeft,
}

struct Subqueries<'s, 'a> {
    scope: &'s mut Scope<'a>,
    /// How many queries enclose the visitor's position; only depth 0 is rewritten here.
    depth: usize,
    /// The WITH and body of rewritten queries while the visitor passes over them.
    parked: Vec<(Option<With>, Box<SetExpr>)>,
}

impl VisitorMut for Subqueries<'_, '_> {
    type Break = Stop;

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<Stop> {
        if self.depth == 0 {
            if let Err(error) = self.scope.query(query) {
                return ControlFlow::Break(Stop::Refused(error));
            }
            if !self.scope.queries_remain() {
                // Nothing is parked at depth 0 between two outermost queries.
                return ControlFlow::Break(Stop::NoQueriesLeft);
            }
            // Nothing below a rewritten query is rewritten here: let the visitor pass over an
            // empty body instead of walking the whole subquery again.
            let empty = Box::new(SetExpr::Values(Values {
                explicit_row: false,
                value_keyword: false,
                rows: Vec::new(),
            }));
            self.parked
                .push((query.with.take(), mem::replace(&mut query.body, empty)));
        }
        self.depth += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, query: &mut Query) -> ControlFlow<Stop> {
        self.depth -= 1;
        if self.depth == 0
            && let Some((with, body)) = self.parked.pop()
        {
            query.with = with;
            query.body = body;
        }
        ControlFlow::Continue(())
    }
}
