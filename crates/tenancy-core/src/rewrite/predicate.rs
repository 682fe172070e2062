//! Building the expressions the rewriter adds: tenant predicates and conjunctions.

use sqlparser::ast::{BinaryOperator, CastKind, DataType, Expr, Ident, UnaryOperator, Value};

use super::{TenantValue, literal};
use crate::tenant::TenantId;

impl TenantValue<'_> {
    /// The tenant as an expression: `$N`, or a literal built as a syntax node (never by pasting text).
    ///
    /// A UUID literal is cast, so that a value the write guard returns keeps the column's type
    /// (an untyped literal there would be resolved as `text`).
    pub(super) fn to_expr(&self) -> Expr {
        let value = match self {
            Self::Placeholder(n) => Value::Placeholder(placeholder(*n)),
            Self::Literal(TenantId::Int(n)) => Value::Number(n.to_string(), false),
            Self::Literal(TenantId::Uuid(u)) => {
                return Expr::Cast {
                    kind: CastKind::Cast,
                    expr: Box::new(Expr::Value(
                        Value::SingleQuotedString(u.to_string()).with_empty_span(),
                    )),
                    data_type: DataType::Uuid,
                    format: None,
                };
            }
            Self::Literal(TenantId::Text(s)) if literal::misprinted(s, '\'') => {
                Value::EscapedStringLiteral(s.to_string())
            }
            Self::Literal(TenantId::Text(s)) => Value::SingleQuotedString(s.to_string()),
        };
        Expr::Value(value.with_empty_span())
    }
}

/// `$n`, written digit by digit (this runs once per rewrite; `format!` costs ten times more).
fn placeholder(n: usize) -> String {
    let mut digits = [0u8; 20];
    let mut rest = n;
    let mut len = 0;
    loop {
        // `rest % 10` is a single decimal digit.
        digits[len] = b'0' + u8::try_from(rest % 10).unwrap_or_default();
        len += 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let mut text = String::with_capacity(len + 1);
    text.push('$');
    text.extend(digits[..len].iter().rev().map(|&d| char::from(d)));
    text
}

/// `column` as an identifier, in double quotes when `quoted`.
pub(super) fn quoted_if(column: &str, quoted: bool) -> Ident {
    if quoted {
        Ident::with_quote('"', column)
    } else {
        Ident::new(column)
    }
}

/// `<qualifier>.<column> = <tenant>`.
pub(super) fn tenant_equals(qualifier: Ident, column: Ident, tenant: Expr) -> Expr {
    Expr::BinaryOp {
        left: Box::new(Expr::CompoundIdentifier(vec![qualifier, column])),
        op: BinaryOperator::Eq,
        right: Box::new(tenant),
    }
}

/// ANDs `preds` onto `existing`, parenthesising the existing condition so its `OR`s keep their
/// meaning: `(a OR b) AND t.tenant_id = $2`.
pub(super) fn conjoin(existing: Option<Expr>, preds: Vec<Expr>) -> Option<Expr> {
    let mut preds = preds.into_iter();
    let mut acc = match existing {
        Some(expr) => parenthesise(expr),
        None => preds.next()?,
    };
    for pred in preds {
        acc = and(acc, pred);
    }
    Some(acc)
}

fn and(left: Expr, right: Expr) -> Expr {
    Expr::BinaryOp {
        left: Box::new(left),
        op: BinaryOperator::And,
        right: Box::new(right),
    }
}

fn parenthesise(expr: Expr) -> Expr {
    match expr {
        Expr::Nested(_) => expr,
        other => Expr::Nested(Box::new(other)),
    }
}

/// The text of a tenant value written as a plain literal (`42`, `-1`, `'acme'`), if it is one.
pub(super) fn literal_text(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => Some(n.clone()),
            Value::SingleQuotedString(s) => Some(s.clone()),
            _ => None,
        },
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => match &**expr {
            Expr::Value(v) => match &v.value {
                Value::Number(n, _) => Some(format!("-{n}")),
                _ => None,
            },
            _ => None,
        },
        Expr::Nested(inner) => literal_text(inner),
        _ => None,
    }
}

/// Whether `expr` is the `DEFAULT` keyword of a `VALUES` row.
pub(super) fn is_default_keyword(expr: &Expr) -> bool {
    matches!(expr, Expr::Identifier(ident)
        if ident.quote_style.is_none() && ident.value.eq_ignore_ascii_case("default"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::needs_quotes;

    #[test]
    fn placeholders_are_written_in_decimal() {
        for n in [1, 9, 10, 42, 100, 65_535, usize::MAX] {
            assert_eq!(placeholder(n), format!("${n}"));
        }
    }

    #[test]
    fn only_identifiers_that_need_it_are_quoted() {
        let column_ident = |column: &str| quoted_if(column, needs_quotes(column));
        assert_eq!(column_ident("tenant_id").to_string(), "tenant_id");
        assert_eq!(column_ident("id").to_string(), "id");
        assert_eq!(column_ident("user").to_string(), "\"user\"");
        assert_eq!(column_ident("Org").to_string(), "\"Org\"");
        assert_eq!(column_ident("a b").to_string(), "\"a b\"");
    }
}
