//! The write guard: a tenant value the statement writes itself, checked in SQL.
//!
//! A statement may write the tenant column itself (`INSERT ... (tenant_id) VALUES ($1)`, `UPDATE
//! ... SET tenant_id = 7`). The rewriter cannot know the value, so the SQL checks it:
//!
//! ```sql
//! NULLIF($N, CASE WHEN (e) = $N THEN NULL
//!                 WHEN CAST('tenant mismatch on public.tasks: ' || COALESCE(CAST((e) AS TEXT), 'NULL')
//!                           || ' is not ' || CAST($N AS TEXT) AS INT) IS NULL THEN $N END)
//! ```
//!
//! - **What is written is the tenant parameter**, never `e`: `NULLIF(a, b)` is `a` or NULL, so no
//!   value of `e` can write another tenant. `e` is evaluated once on the way to a match, so a
//!   volatile expression cannot pass the check and write a different value.
//! - **A mismatch fails the statement**: the second arm casts a text that is never a number, and
//!   PostgreSQL reports SQLSTATE 22P02 with the message, which [`mismatch_from_database`] turns
//!   into [`Error::TenantMismatch`]. The text depends on `e` and `$N`, so the planner cannot fold
//!   the failing cast while either is a parameter; when both are constants, the first arm folds
//!   first and `CASE` stops there.
//! - **Types come from the statement**: only the tenant column's own expression changes, and the
//!   result has the tenant parameter's type, so untyped literals and parameters elsewhere in the
//!   row keep their column types. An untyped `e` takes the tenant parameter's type from `=`.
//! - **Citus routes it**: Citus evaluates a `NULLIF` without column references on the coordinator
//!   as one expression (honouring `CASE`), which leaves the constant tenant to route by.

use sqlparser::ast::helpers::attached_token::AttachedToken;
use sqlparser::ast::{
    BinaryOperator, CaseWhen, CastKind, DataType, Expr, Function, FunctionArg, FunctionArgExpr,
    FunctionArgumentList, FunctionArguments, Ident, ObjectName, Value,
};

use crate::catalog::TableName;
use crate::error::Error;
use crate::tenant::TenantId;

/// The prefix of the guard's failure text, as PostgreSQL reports it inside its own message.
const MISMATCH: &str = "tenant mismatch on ";
/// Separates the written value from the expected tenant in the failure text.
const IS_NOT: &str = " is not ";

/// `value`, written to `table`'s tenant column, guarded so that the statement writes `tenant`
/// or fails.
pub(super) fn tenant_guard(value: Expr, tenant: &Expr, table: &TableName) -> Expr {
    let e = nested(value);
    let text = |s: String| Expr::Value(Value::SingleQuotedString(s).with_empty_span());
    let as_text = |expr: Expr| Expr::Cast {
        kind: CastKind::Cast,
        expr: Box::new(expr),
        data_type: DataType::Text,
        format: None,
    };
    let concat = |l: Expr, r: Expr| Expr::BinaryOp {
        left: Box::new(l),
        op: BinaryOperator::StringConcat,
        right: Box::new(r),
    };
    let shown = call(
        "COALESCE",
        vec![as_text(e.clone()), text("NULL".to_owned())],
    );
    let message = concat(
        concat(
            concat(text(format!("{MISMATCH}{table}: ")), shown),
            text(IS_NOT.to_owned()),
        ),
        as_text(tenant.clone()),
    );
    let fails = Expr::IsNull(Box::new(Expr::Cast {
        kind: CastKind::Cast,
        expr: Box::new(message),
        data_type: DataType::Int(None),
        format: None,
    }));
    let matches = Expr::BinaryOp {
        left: Box::new(e),
        op: BinaryOperator::Eq,
        right: Box::new(tenant.clone()),
    };
    let null = Expr::Value(Value::Null.with_empty_span());
    let check = Expr::Case {
        case_token: AttachedToken::empty(),
        end_token: AttachedToken::empty(),
        operand: None,
        conditions: vec![
            CaseWhen {
                condition: matches,
                result: null,
            },
            CaseWhen {
                condition: fails,
                result: tenant.clone(),
            },
        ],
        else_result: None,
    };
    call("NULLIF", vec![tenant.clone(), check])
}

/// `name(args...)`.
fn call(name: &str, args: Vec<Expr>) -> Expr {
    Expr::Function(Function {
        name: ObjectName::from(vec![Ident::new(name)]),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args: args
                .into_iter()
                .map(|arg| FunctionArg::Unnamed(FunctionArgExpr::Expr(arg)))
                .collect(),
            clauses: Vec::new(),
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: Vec::new(),
    })
}

fn nested(expr: Expr) -> Expr {
    match expr {
        Expr::Nested(_) | Expr::Value(_) | Expr::Identifier(_) | Expr::CompoundIdentifier(_) => {
            expr
        }
        other => Expr::Nested(Box::new(other)),
    }
}

/// The [`Error::TenantMismatch`] that a database error message reports, when the message is the
/// failure of a write guard; `None` for any other message.
///
/// Executors call this on database errors (SQLSTATE 22P02) so a guarded write that names another
/// tenant fails with the same error as one the rewriter catches before sending.
///
/// # Example
/// ```
/// use tenancy_core::{Error, TenantId, rewrite::mismatch_from_database};
///
/// let message = r#"invalid input syntax for type integer: "tenant mismatch on public.tasks: 8 is not 7""#;
/// match mismatch_from_database(message, &TenantId::Int(7)) {
///     Some(Error::TenantMismatch { table, expected, found }) => {
///         assert_eq!((table.to_string(), expected.as_str(), found.as_str()), ("public.tasks".into(), "7", "8"));
///     }
///     other => panic!("{other:?}"),
/// }
/// assert!(mismatch_from_database("division by zero", &TenantId::Int(7)).is_none());
/// ```
#[must_use]
pub fn mismatch_from_database(message: &str, expected: &TenantId) -> Option<Error> {
    let start = message.find(MISMATCH)? + MISMATCH.len();
    let rest = &message[start..];
    let (table, rest) = rest.split_once(": ")?;
    let expected_text = expected.to_string();
    let tail = format!("{IS_NOT}{expected_text}");
    let found = rest.trim_end_matches('"').strip_suffix(tail.as_str())?;
    Some(Error::TenantMismatch {
        table: TableName::parse(table).ok()?,
        expected: expected_text,
        found: found.to_owned(),
    })
}
