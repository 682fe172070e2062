//! Expressions, function calls, names and literals.

use std::fmt;

use sqlparser::ast::{
    BinaryOperator, CastKind, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments,
    Ident, InTarget, ObjectName, ObjectNamePart, Query, UnaryOperator, Value, ValueWithSpan,
};

use crate::rewrite::shape::plain_function;

use super::*;

/// A dotted name.
pub(super) fn object_name(out: &mut String, name: &ObjectName) -> fmt::Result {
    for (i, part) in name.0.iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        match part {
            ObjectNamePart::Identifier(part) => ident(out, part)?,
            ObjectNamePart::Function(_) => display(out, part)?,
        }
    }
    Ok(())
}

/// An identifier, quoted as written; a quote char inside a quoted identifier goes through
/// `Display`, which doubles it.
pub(super) fn ident(out: &mut String, ident: &Ident) -> fmt::Result {
    let Ident {
        value,
        quote_style,
        span: _,
    } = ident;
    match *quote_style {
        None => out.push_str(value),
        Some('[') => {
            out.push('[');
            out.push_str(value);
            out.push(']');
        }
        Some(quote) if !value.contains(quote) => {
            out.push(quote);
            out.push_str(value);
            out.push(quote);
        }
        Some(_) => display(out, ident)?,
    }
    Ok(())
}

/// A literal: numbers, quote-free strings, booleans, NULL and placeholders by hand.
pub(super) fn value(out: &mut String, value: &ValueWithSpan) -> fmt::Result {
    match &value.value {
        Value::Number(digits, long) => {
            out.push_str(digits);
            if *long {
                out.push('L');
            }
        }
        // A quote inside goes through `Display`, which decides how to escape it.
        Value::SingleQuotedString(text) if !text.contains('\'') => {
            out.push('\'');
            out.push_str(text);
            out.push('\'');
        }
        Value::Boolean(true) => out.push_str("true"),
        Value::Boolean(false) => out.push_str("false"),
        Value::Null => out.push_str("NULL"),
        Value::Placeholder(name) => out.push_str(name),
        _ => display(out, value)?,
    }
    Ok(())
}

/// An expression: the common kinds and plain function calls by hand, CASE and the rest through
/// `Display`.
pub(super) fn expr(out: &mut String, e: &Expr) -> fmt::Result {
    match e {
        Expr::Identifier(name) => ident(out, name),
        Expr::CompoundIdentifier(parts) => {
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    out.push('.');
                }
                ident(out, part)?;
            }
            Ok(())
        }
        Expr::Value(v) => value(out, v),
        Expr::BinaryOp { left, op, right } => {
            expr(out, left)?;
            out.push(' ');
            binary_operator(out, op)?;
            out.push(' ');
            expr(out, right)
        }
        Expr::UnaryOp { op, expr: operand } => unary(out, e, *op, operand),
        Expr::Nested(inner) => {
            out.push('(');
            expr(out, inner)?;
            out.push(')');
            Ok(())
        }
        Expr::IsNull(inner) => postfix(out, inner, " IS NULL"),
        Expr::IsNotNull(inner) => postfix(out, inner, " IS NOT NULL"),
        Expr::IsTrue(inner) => postfix(out, inner, " IS TRUE"),
        Expr::IsNotTrue(inner) => postfix(out, inner, " IS NOT TRUE"),
        Expr::IsFalse(inner) => postfix(out, inner, " IS FALSE"),
        Expr::IsNotFalse(inner) => postfix(out, inner, " IS NOT FALSE"),
        Expr::IsUnknown(inner) => postfix(out, inner, " IS UNKNOWN"),
        Expr::IsNotUnknown(inner) => postfix(out, inner, " IS NOT UNKNOWN"),
        Expr::IsDistinctFrom(left, right) => {
            expr(out, left)?;
            out.push_str(" IS DISTINCT FROM ");
            expr(out, right)
        }
        Expr::IsNotDistinctFrom(left, right) => {
            expr(out, left)?;
            out.push_str(" IS NOT DISTINCT FROM ");
            expr(out, right)
        }
        Expr::Between {
            expr: operand,
            negated,
            low,
            high,
        } => {
            expr(out, operand)?;
            out.push_str(if *negated {
                " NOT BETWEEN "
            } else {
                " BETWEEN "
            });
            expr(out, low)?;
            out.push_str(" AND ");
            expr(out, high)
        }
        Expr::In {
            expr: operand,
            target,
            negated,
            global,
        } => {
            expr(out, operand)?;
            out.push(' ');
            if *global {
                out.push_str("GLOBAL ");
            }
            out.push_str(if *negated { "NOT IN " } else { "IN " });
            match target {
                InTarget::List(list) => {
                    out.push('(');
                    comma_separated(out, list, expr)?;
                    out.push(')');
                    Ok(())
                }
                InTarget::Subquery(subquery) => parenthesized_query(out, subquery),
                _ => display(out, target),
            }
        }
        Expr::Like {
            negated,
            any,
            expr: operand,
            pattern,
            escape_char: None,
        } => like(out, "LIKE ", *negated, *any, operand, pattern),
        Expr::ILike {
            negated,
            any,
            expr: operand,
            pattern,
            escape_char: None,
        } => like(out, "ILIKE ", *negated, *any, operand, pattern),
        Expr::AnyOp {
            left,
            compare_op,
            right,
            is_some,
        } => quantified(
            out,
            left,
            compare_op,
            if *is_some { "SOME" } else { "ANY" },
            right,
        ),
        Expr::AllOp {
            left,
            compare_op,
            right,
        } => quantified(out, left, compare_op, "ALL", right),
        Expr::Subquery(subquery) => parenthesized_query(out, subquery),
        Expr::Exists { subquery, negated } => {
            out.push_str(if *negated { "NOT EXISTS " } else { "EXISTS " });
            parenthesized_query(out, subquery)
        }
        Expr::Tuple(exprs) => {
            out.push('(');
            comma_separated(out, exprs, expr)?;
            out.push(')');
            Ok(())
        }
        Expr::Cast {
            kind: CastKind::DoubleColon,
            expr: operand,
            data_type,
            // `Display` leaves the format out of the `::` form.
            format: _,
        } => {
            expr(out, operand)?;
            out.push_str("::");
            display(out, data_type)
        }
        Expr::Function(called) if plain_function(called) => function(out, called),
        // Other functions, other casts, CASE and the rest.
        _ => display(out, e),
    }
}

/// A function call that [`plain_function`] accepted: `name(arg, ...)`, or a bare `name` when it
/// was written without parentheses (`current_timestamp`).
pub(super) fn function(out: &mut String, function: &Function) -> fmt::Result {
    object_name(out, &function.name)?;
    match &function.args {
        FunctionArguments::None => Ok(()),
        FunctionArguments::List(list) => {
            out.push('(');
            comma_separated(out, &list.args, function_arg)?;
            out.push(')');
            Ok(())
        }
        FunctionArguments::Subquery(_) => display(out, function),
    }
}

/// An unnamed function argument: an expression or `*`; any other kind through `Display`.
pub(super) fn function_arg(out: &mut String, arg: &FunctionArg) -> fmt::Result {
    match arg {
        FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => expr(out, e),
        FunctionArg::Unnamed(FunctionArgExpr::Wildcard) => {
            out.push('*');
            Ok(())
        }
        _ => display(out, arg),
    }
}

/// `operand` followed by a fixed suffix such as ` IS NULL`.
pub(super) fn postfix(out: &mut String, operand: &Expr, suffix: &str) -> fmt::Result {
    expr(out, operand)?;
    out.push_str(suffix);
    Ok(())
}

/// `(query)`.
pub(super) fn parenthesized_query(out: &mut String, subquery: &Query) -> fmt::Result {
    out.push('(');
    query(out, subquery)?;
    out.push(')');
    Ok(())
}

/// `NOT`, `+` and `-`; the other prefix and postfix operators go through `Display`.
pub(super) fn unary(
    out: &mut String,
    whole: &Expr,
    op: UnaryOperator,
    operand: &Expr,
) -> fmt::Result {
    match op {
        UnaryOperator::Not => {
            out.push_str("NOT ");
            expr(out, operand)
        }
        UnaryOperator::Plus => {
            out.push('+');
            expr(out, operand)
        }
        UnaryOperator::Minus => {
            out.push('-');
            // `--` would start a comment: a space goes before an operand that starts with an
            // operator char, as sqlparser decides from the operand's first rendered char.
            let mark = out.len();
            expr(out, operand)?;
            if out[mark..]
                .chars()
                .next()
                .is_some_and(|c| OPERATOR_CHARS.contains(c))
            {
                out.insert(mark, ' ');
            }
            Ok(())
        }
        _ => display(out, whole),
    }
}

/// `expr [NOT] LIKE [ANY] pattern` without ESCAPE (ILIKE alike).
pub(super) fn like(
    out: &mut String,
    keyword: &str,
    negated: bool,
    any: bool,
    operand: &Expr,
    pattern: &Expr,
) -> fmt::Result {
    expr(out, operand)?;
    out.push_str(if negated { " NOT " } else { " " });
    out.push_str(keyword);
    if any {
        out.push_str("ANY ");
    }
    expr(out, pattern)
}

/// `left op ANY(right)` / `SOME` / `ALL`; a subquery brings its own parentheses.
pub(super) fn quantified(
    out: &mut String,
    left: &Expr,
    op: &BinaryOperator,
    quantifier: &str,
    right: &Expr,
) -> fmt::Result {
    expr(out, left)?;
    out.push(' ');
    binary_operator(out, op)?;
    out.push(' ');
    out.push_str(quantifier);
    if matches!(right, Expr::Subquery(_)) {
        expr(out, right)
    } else {
        out.push('(');
        expr(out, right)?;
        out.push(')');
        Ok(())
    }
}

/// The common operators by hand, the rest through `Display`.
pub(super) fn binary_operator(out: &mut String, op: &BinaryOperator) -> fmt::Result {
    out.push_str(match op {
        BinaryOperator::Eq => "=",
        BinaryOperator::NotEq => "<>",
        BinaryOperator::Lt => "<",
        BinaryOperator::LtEq => "<=",
        BinaryOperator::Gt => ">",
        BinaryOperator::GtEq => ">=",
        BinaryOperator::And => "AND",
        BinaryOperator::Or => "OR",
        BinaryOperator::Plus => "+",
        BinaryOperator::Minus => "-",
        BinaryOperator::Multiply => "*",
        BinaryOperator::Divide => "/",
        BinaryOperator::Modulo => "%",
        BinaryOperator::StringConcat => "||",
        BinaryOperator::PGRegexMatch => "~",
        BinaryOperator::PGRegexIMatch => "~*",
        BinaryOperator::PGRegexNotMatch => "!~",
        BinaryOperator::PGRegexNotIMatch => "!~*",
        BinaryOperator::Arrow => "->",
        BinaryOperator::LongArrow => "->>",
        BinaryOperator::HashArrow => "#>",
        BinaryOperator::HashLongArrow => "#>>",
        BinaryOperator::AtArrow => "@>",
        BinaryOperator::ArrowAt => "<@",
        BinaryOperator::PGOverlap => "&&",
        BinaryOperator::Question => "?",
        BinaryOperator::QuestionAnd => "?&",
        BinaryOperator::QuestionPipe => "?|",
        _ => return display(out, op),
    });
    Ok(())
}
