//! `set_config(...)` anywhere in an expression: a way to change session state that `SET` checks
//! do not see.

use sqlparser::ast::{Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Value};

use super::super::statement::refused;
use crate::error::{Error, RefusalKind};

/// Refuses a `set_config` call unless it names, as a literal, a setting that does not decide
/// which rows the session sees.
pub(super) fn check(expr: &Expr) -> Result<(), Error> {
    match set_config_target(expr) {
        Some(Some(setting)) if !guarded(&setting) => Ok(()),
        Some(_) => Err(refused(
            "set_config",
            RefusalKind::SessionState,
            None,
            "set_config may change tenancy settings or search_path, which the SDK manages; \
             only literal names of other settings are allowed",
        )),
        None => Ok(()),
    }
}

/// For a `set_config(...)` call: `Some(Some(name))` when the setting is a string literal,
/// `Some(None)` when it is computed; `None` for any other expression.
fn set_config_target(expr: &Expr) -> Option<Option<String>> {
    let Expr::Function(function) = expr else {
        return None;
    };
    let called = function.name.0.last()?.as_ident()?;
    if !called.value.eq_ignore_ascii_case("set_config") {
        return None;
    }
    let FunctionArguments::List(list) = &function.args else {
        return Some(None);
    };
    let first = match list.args.first() {
        Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Value(v)))) => match &v.value {
            Value::SingleQuotedString(s) => Some(s.clone()),
            _ => None,
        },
        _ => None,
    };
    Some(first)
}

fn guarded(setting: &str) -> bool {
    let setting = setting.trim().to_ascii_lowercase();
    setting.starts_with("tenancy.") || setting == "search_path" || setting == "role"
}
