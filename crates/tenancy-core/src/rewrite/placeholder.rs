//! Rule 6: the tenant is `$N` with N one past the highest placeholder already in the statement.
//!
//! The same pass notes whether any query sits inside an expression, so the walker can skip
//! searching expressions for subqueries in the common statement that has none.

use std::ops::ControlFlow;

use sqlparser::ast::{Expr, Query, Statement, Value, ValueWithSpan, Visit, Visitor};

/// What one read-only pass over the parsed statement found.
pub(super) struct Survey {
    /// The first placeholder number the statement does not use (`$1` when it has none).
    pub(super) next_free: usize,
    /// Whether a query appears inside an expression (scalar, IN, EXISTS, ARRAY(...), ...).
    pub(super) expression_subqueries: bool,
}

/// Surveys `statement`. Only real placeholders count: `'$1'` inside a string literal is a string,
/// because this reads the parsed tree rather than the text.
pub(super) fn survey(statement: &Statement) -> Survey {
    let mut visitor = Surveyor {
        highest: 0,
        expr_depth: 0,
        expression_subqueries: false,
    };
    let _ = statement.visit(&mut visitor);
    Survey {
        next_free: visitor.highest + 1,
        expression_subqueries: visitor.expression_subqueries,
    }
}

struct Surveyor {
    highest: usize,
    expr_depth: usize,
    expression_subqueries: bool,
}

impl Visitor for Surveyor {
    type Break = ();

    fn pre_visit_value(&mut self, value: &ValueWithSpan) -> ControlFlow<()> {
        if let Value::Placeholder(text) = &value.value
            && let Some(n) = text.strip_prefix('$').and_then(|d| d.parse::<usize>().ok())
        {
            self.highest = self.highest.max(n);
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, _expr: &Expr) -> ControlFlow<()> {
        self.expr_depth += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, _expr: &Expr) -> ControlFlow<()> {
        self.expr_depth -= 1;
        ControlFlow::Continue(())
    }

    fn pre_visit_query(&mut self, _query: &Query) -> ControlFlow<()> {
        if self.expr_depth > 0 {
            self.expression_subqueries = true;
        }
        ControlFlow::Continue(())
    }
}
