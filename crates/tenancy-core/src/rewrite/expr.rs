//! Subqueries inside expressions: WHERE, HAVING, the select list, ORDER BY, GROUP BY, JOIN ON,
//! function arguments (`ARRAY(SELECT ...)`), IN/EXISTS/ANY/ALL, scalar subqueries, CASE, VALUES.
//!
//! Instead of matching every expression variant by hand, sqlparser's derived `VisitorMut` finds each
//! outermost query below a node; the walker rewrites that query with the current CTE scope and
//! the visitor skips what is nested inside it (the walker already handled it): the rewritten
//! query's body is parked while the visitor passes over it and put back right after. Once the
//! walker has entered every query body the statement's keywords announce, the search stops.

use std::mem;
use std::ops::ControlFlow;

use sqlparser::ast::{Assignment, Query, SetExpr, Values, VisitMut, VisitorMut, With};

use super::scope::Scope;
use crate::error::Error;

impl Scope<'_> {
    /// The values of `SET a = ...` (the targets are column names and hold no query).
    pub(super) fn assignment_subqueries(
        &mut self,
        assignments: &mut [Assignment],
    ) -> Result<(), Error> {
        assignments
            .iter_mut()
            .try_for_each(|Assignment { target: _, value }| self.subqueries(value))
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
