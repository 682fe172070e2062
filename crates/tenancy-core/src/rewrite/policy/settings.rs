//! Session state: `SET`, `RESET`, `set_config` and `DISCARD` change the session every later
//! statement runs in, so each setting they name must be allowed; `SHOW` and `current_setting`
//! only read the session's own settings and are allowed.
//!
//! Setting names compare the way PostgreSQL compares them: case-insensitively, whole. A quoted
//! `"tenancy.tenant_id"` and the two-part `tenancy . tenant_id` both name `tenancy.tenant_id`, and
//! `"TimeZone"` is `timezone`; a spelling this module does not expect can only miss the
//! allow-list and be refused, never slip past a deny-list.

use sqlparser::ast::{
    Expr, FunctionArg, FunctionArgExpr, ObjectName, Reset, Set, Value, ValueWithSpan,
};

use super::Policy;
use crate::error::{Error, RefusalKind};
use crate::rewrite::statement::statement_keywords;

/// Settings allowed without the catalog: they bound how long a statement, lock wait or idle
/// transaction may last, or label the connection, and change no row a statement sees or writes.
pub(crate) const DEFAULT_ALLOWED: [&str; 4] = [
    "application_name",
    "idle_in_transaction_session_timeout",
    "lock_timeout",
    "statement_timeout",
];

const SDK_MANAGED: &str = "decides which rows this session may see; the SDK manages it (use \
                           tenancy scopes, or `unscoped` for audited admin work)";
const ROLES: &str = "switching roles can bypass row-level security; connect as the right role \
                     instead";
const ROLE_SETTING: &str = "decides the session's role, and roles can bypass row-level security; \
                            connect as the right role instead";
const READS_TEXT: &str = "changes how PostgreSQL reads the text of later statements, so they \
                          could mean something other than what the rewriter checked; keep the \
                          server's setting";

/// Why the setting `name` (ASCII-lower-cased) may never be allowed, not even by the catalog: a
/// predicate of the setting ("decides which rows ...").
pub(crate) fn never_allowed_setting(name: &str) -> Option<&'static str> {
    let why = match name {
        _ if name.starts_with("tenancy.") => SDK_MANAGED,
        "search_path" => SDK_MANAGED,
        "role" | "session_authorization" => ROLE_SETTING,
        "standard_conforming_strings"
        | "backslash_quote"
        | "escape_string_warning"
        | "client_encoding"
        | "transform_null_equals"
        | "array_nulls" => READS_TEXT,
        "row_security" => "switches row-level security, the SDK's second line of defence",
        "session_replication_role" => "switches off triggers and foreign keys",
        "local_preload_libraries" | "session_preload_libraries" => {
            "loads code into sessions the rewriter cannot see"
        }
        _ if name.starts_with("citus.") => {
            "changes how Citus routes and runs statements across tenants' shards; set Citus \
             options in the server configuration"
        }
        _ => return None,
    };
    Some(why)
}

/// The setting an `ObjectName` names, the way PostgreSQL looks it up: parts joined by dots
/// (quoted or not, spaced or not), compared case-insensitively.
fn setting_name(name: &ObjectName) -> String {
    let mut joined = String::new();
    for (i, part) in name.0.iter().enumerate() {
        if i > 0 {
            joined.push('.');
        }
        match part.as_ident() {
            Some(ident) => joined.push_str(&ident.value),
            // Not a plain name: keep its text, which matches no allowed setting.
            None => joined.push_str(&part.to_string()),
        }
    }
    joined.to_ascii_lowercase()
}

impl Policy<'_> {
    /// `SET ...`: every setting it names must be allowed.
    pub(super) fn set(&self, set: &Set) -> Result<(), Error> {
        match set {
            Set::SingleAssignment { variable, .. } => self.setting("SET", variable),
            Set::ParenthesizedAssignments { variables, .. } => variables
                .iter()
                .try_for_each(|name| self.setting("SET", name)),
            Set::MultipleAssignments { assignments } => assignments
                .iter()
                .try_for_each(|assignment| self.setting("SET", &assignment.name)),
            Set::SetTimeZone { .. } => self.named_setting("SET", "timezone"),
            Set::SetNames { .. } | Set::SetNamesDefault {} => {
                self.named_setting("SET", "client_encoding")
            }
            Set::SetRole { .. } | Set::SetSessionAuthorization(_) => {
                Err(self.refused_as("SET ROLE", RefusalKind::SessionState, ROLES))
            }
            // Isolation level, read-only mode or a snapshot for this transaction: what the
            // statements see is still scoped row by row.
            Set::SetTransaction { session: false, .. } => Ok(()),
            Set::SetTransaction { session: true, .. } => Err(self.refused_as(
                "SET SESSION CHARACTERISTICS",
                RefusalKind::SessionState,
                "it changes the defaults of every later transaction on this pooled connection, \
                 which the next tenant inherits; use SET TRANSACTION, which lasts one transaction",
            )),
            Set::SetSessionParam(_) => Err(self.refused_as(
                "SET",
                RefusalKind::SessionState,
                "this is not a PostgreSQL setting; send PostgreSQL `SET name = value`",
            )),
        }
    }

    /// `RESET ...`: the setting must be allowed; `RESET ALL` would reset the SDK's settings too.
    pub(super) fn reset(&self, reset: &Reset) -> Result<(), Error> {
        match reset {
            Reset::ConfigurationParameter(name) => self.setting("RESET", name),
            Reset::SessionAuthorization => self.named_setting("RESET", "session_authorization"),
            Reset::ALL => Err(self.refused_as(
                "RESET",
                RefusalKind::SessionState,
                "it would also reset the tenancy settings; reset individual settings instead",
            )),
        }
    }

    /// `DISCARD ...` drops session state the SDK relies on (settings, prepared statements).
    pub(super) fn discard(&self) -> Error {
        self.refused_as(
            &statement_keywords(self.sql),
            RefusalKind::SessionState,
            "it drops session state the SDK manages (settings, prepared statements, temporary \
             tables); run it outside a tenant scope with `unscoped` if it is admin work",
        )
    }

    fn setting(&self, statement: &str, name: &ObjectName) -> Result<(), Error> {
        self.named_setting(statement, &setting_name(name))
    }

    /// Refuses changing the setting `name` (lower-cased) in `statement` unless it is allowed.
    fn named_setting(&self, statement: &str, name: &str) -> Result<(), Error> {
        if DEFAULT_ALLOWED.contains(&name) || self.catalog.allows_setting(name) {
            return Ok(());
        }
        let reason = match never_allowed_setting(name) {
            Some(why) => format!("`{name}` {why}"),
            None => format!(
                "setting `{name}` is not on the allow-list; if changing it is harmless for your \
                 application, allow it with `Catalog::builder().allow_setting({name:?})` or \
                 `[allow] settings = [{name:?}]`"
            ),
        };
        Err(self.refused_as(statement, RefusalKind::SessionState, &reason))
    }
}

/// `set_config(name, value, is_local)`: allowed only for a setting named by a string literal that
/// is allowed; a computed name could be any setting.
pub(super) fn check_set_config(
    policy: &Policy<'_>,
    args: Option<&[FunctionArg]>,
) -> Result<(), Error> {
    let literal = match args.and_then(<[FunctionArg]>::first) {
        Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Value(ValueWithSpan {
            value: Value::SingleQuotedString(name),
            ..
        })))) => Some(name.to_ascii_lowercase()),
        _ => None,
    };
    match literal {
        Some(name) => policy.named_setting(&policy.keywords(), &name),
        None => Err(policy.refused(
            RefusalKind::SessionState,
            None,
            "set_config with a computed setting name could change any setting, including the \
             ones the SDK manages; name an allowed setting as a string literal",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::ast::{Ident, ObjectNamePart};

    fn name(parts: &[(&str, bool)]) -> ObjectName {
        ObjectName(
            parts
                .iter()
                .map(|(value, quoted)| {
                    ObjectNamePart::Identifier(if *quoted {
                        Ident::with_quote('"', *value)
                    } else {
                        Ident::new(*value)
                    })
                })
                .collect(),
        )
    }

    #[test]
    fn setting_names_compare_like_postgres() {
        let expected = "tenancy.tenant_id";
        assert_eq!(
            setting_name(&name(&[("tenancy.tenant_id", true)])),
            expected
        );
        assert_eq!(
            setting_name(&name(&[("Tenancy", false), ("Tenant_ID", false)])),
            expected
        );
        assert_eq!(
            setting_name(&name(&[("TENANCY.TENANT_ID", true)])),
            expected
        );
        assert_eq!(setting_name(&name(&[("TimeZone", true)])), "timezone");
    }

    #[test]
    fn defaults_are_sorted_and_allowable() {
        assert!(DEFAULT_ALLOWED.is_sorted());
        for name in DEFAULT_ALLOWED {
            assert_eq!(never_allowed_setting(name), None, "{name}");
        }
        for name in [
            "tenancy.anything",
            "citus.x",
            "search_path",
            "client_encoding",
        ] {
            assert!(never_allowed_setting(name).is_some(), "{name}");
        }
    }
}
