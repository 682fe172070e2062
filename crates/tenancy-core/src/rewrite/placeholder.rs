//! Rule 6: the tenant is `$N` with N one past the highest placeholder already in the statement.

use std::ops::ControlFlow;

use sqlparser::ast::{Statement, Value, ValueWithSpan, Visit, Visitor};

/// The first placeholder number the statement does not use (`$1` when it has none).
///
/// Only real placeholders count: `'$1'` inside a string literal is a string, not a parameter,
/// because this reads the parsed tree rather than the text.
pub(super) fn next_free(statement: &Statement) -> usize {
    let mut highest = Highest(0);
    let _ = statement.visit(&mut highest);
    highest.0 + 1
}

struct Highest(usize);

impl Visitor for Highest {
    type Break = ();

    fn pre_visit_value(&mut self, value: &ValueWithSpan) -> ControlFlow<()> {
        if let Value::Placeholder(text) = &value.value
            && let Some(n) = text.strip_prefix('$').and_then(|d| d.parse::<usize>().ok())
        {
            self.0 = self.0.max(n);
        }
        ControlFlow::Continue(())
    }
}
