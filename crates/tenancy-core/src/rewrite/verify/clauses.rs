//! The shapes the verifier accepts inside a clause: top-level conjuncts, the tenant predicate
//! `<exposed>.<column> = <tenant>`, and the write guard `NULLIF(<tenant>, ...)`.

use sqlparser::ast::{
    BinaryOperator, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, ObjectNamePart,
};

use super::names::fold;

/// The top-level conjuncts of a filter: the operands of its chain of `AND`s.
///
/// Parentheses end the chain, so a predicate counts only where the rewriter puts it: next to
/// the parenthesised original condition, `(a OR b) AND t.tenant_id = $2`, never inside it.
/// Iterative, so a long chain cannot exhaust the stack.
pub(super) fn conjuncts(filter: Option<&Expr>) -> Vec<&Expr> {
    let mut found = Vec::new();
    let mut pending: Vec<&Expr> = filter.into_iter().collect();
    while let Some(expr) = pending.pop() {
        match expr {
            Expr::BinaryOp {
                left,
                op: BinaryOperator::And,
                right,
            } => {
                pending.push(right);
                pending.push(left);
            }
            other => found.push(other),
        }
    }
    found
}

/// Whether `expr` is `<qualifier>.<column>` with both parts folded equal to the given names.
pub(super) fn is_column(expr: &Expr, qualifier: &str, column: &str) -> bool {
    match expr {
        Expr::CompoundIdentifier(parts) => match parts.as_slice() {
            [q, c] => fold(q) == qualifier && fold(c) == column,
            _ => false,
        },
        _ => false,
    }
}

/// Whether `conjunct` is `<exposed>.<column> = <value>` where `value` accepts the right side.
pub(super) fn equates(
    conjunct: &Expr,
    exposed: &str,
    column: &str,
    value: impl Fn(&Expr) -> bool,
) -> bool {
    matches!(conjunct, Expr::BinaryOp { left, op: BinaryOperator::Eq, right }
        if is_column(left, exposed, column) && value(right))
}

/// Whether some top-level conjunct of `filter` is `<exposed>.<column> = <tenant>`.
pub(super) fn constrains(
    filter: Option<&Expr>,
    exposed: &str,
    column: &str,
    tenant: &Expr,
) -> bool {
    conjuncts(filter)
        .into_iter()
        .any(|c| equates(c, exposed, column, |right| right == tenant))
}

/// Whether `expr` is the write guard `NULLIF(<tenant>, <check>)`: `NULLIF(a, b)` yields `a` or
/// NULL, so whatever `<check>` is, the guard never writes another tenant. Only the keyword form
/// counts: a quoted or qualified name would call a function of that name instead.
pub(super) fn is_guard(expr: &Expr, tenant: &Expr) -> bool {
    let Expr::Function(function) = expr else {
        return false;
    };
    let [ObjectNamePart::Identifier(name)] = function.name.0.as_slice() else {
        return false;
    };
    let FunctionArguments::List(list) = &function.args else {
        return false;
    };
    let plain = name.quote_style.is_none()
        && name.value.eq_ignore_ascii_case("nullif")
        && !function.uses_odbc_syntax
        && matches!(function.parameters, FunctionArguments::None)
        && function.filter.is_none()
        && function.null_treatment.is_none()
        && function.over.is_none()
        && function.within_group.is_empty()
        && list.duplicate_treatment.is_none()
        && list.clauses.is_empty();
    plain
        && matches!(list.args.as_slice(), [
            FunctionArg::Unnamed(FunctionArgExpr::Expr(first)),
            FunctionArg::Unnamed(FunctionArgExpr::Expr(_)),
        ] if first == tenant)
}

/// Whether `value`, written to a tenant column, is the tenant or guarded against it.
pub(super) fn is_tenant_or_guard(value: &Expr, tenant: &Expr) -> bool {
    value == tenant || is_guard(value, tenant)
}
