//! What runs out of the rewriter's sight: the allow-list.
//!
//! The walker scopes every reference to a tenant table, but PostgreSQL also runs what the
//! statement's syntax tree does not show: functions that execute SQL text (`query_to_xml`),
//! settings that change which rows a session sees (`set_config('tenancy.tenant_id', ...)`), and
//! system views that summarise every tenant's rows (`pg_stats`). This pass runs on every
//! statement before the walker and lets through only what it knows to be harmless:
//!
//! - `functions.rs`: built-ins that compute from their arguments; anything else only when the
//!   catalog allows it by name;
//! - `settings.rs`: `SET`/`RESET`/`set_config` of a few harmless settings, or ones the catalog
//!   allows; never the ones that decide what a session sees or how its text is read;
//! - `relations.rs`: system catalogs and statistics views only when the catalog allows them.
//!
//! It is a sqlparser [`Visitor`], so a function is checked wherever sqlparser puts one (select
//! list, `WHERE`, `FROM`, `LATERAL`, joins, DML sources, `RETURNING`, `ON CONFLICT`, `MERGE`,
//! `VALUES`, `ORDER BY`, windows, CTEs, `SET` values). Syntax sqlparser parses as its own
//! expression (`CAST`, `EXTRACT`, `SUBSTRING`, `TRIM`, `POSITION`, `AT TIME ZONE`, ...) is
//! built-in; only its arguments are checked, by the same visit.

mod functions;
mod relations;
mod settings;

use std::ops::ControlFlow;
use std::ptr;

use sqlparser::ast::{
    Expr, FunctionArg, FunctionArguments, Ident, ObjectName, Query, SetExpr, Statement,
    TableFactor, Visit, Visitor,
};

pub(crate) use functions::never_allowed_function;
pub(super) use relations::{require_allowed, system_relation};
pub(crate) use settings::never_allowed_setting;

use super::statement::{refused, statement_keywords};
use crate::catalog::{Catalog, TableName};
use crate::error::{Error, RefusalKind};

/// Refuses `statement` if it calls a function, changes a setting or reads a system relation that
/// is not allowed.
pub(super) fn check(catalog: &Catalog, sql: &str, statement: &Statement) -> Result<(), Error> {
    let mut policy = Policy {
        catalog,
        sql,
        function_in_from: None,
    };
    match statement.visit(&mut policy) {
        ControlFlow::Break(error) => Err(error),
        ControlFlow::Continue(()) => Ok(()),
    }
}

/// The visitor: the catalog for what it allows, the text for naming the statement in refusals.
struct Policy<'a> {
    catalog: &'a Catalog,
    sql: &'a str,
    /// The name of a function called in `FROM`, which sqlparser also reports as a relation.
    function_in_from: Option<*const ObjectName>,
}

impl Policy<'_> {
    /// The statement's first keyword (`SELECT`, `INSERT`, `WITH`, ...), computed only when
    /// refusing: a function or relation can be anywhere in the statement, and the keywords after
    /// the first may be a function's name (`SELECT COUNT`).
    fn keywords(&self) -> String {
        let mut keywords = statement_keywords(self.sql);
        keywords.truncate(keywords.find(' ').unwrap_or(keywords.len()));
        keywords
    }

    fn refused(&self, kind: RefusalKind, table: Option<TableName>, reason: &str) -> Error {
        refused(&self.keywords(), kind, table, reason)
    }

    fn refused_as(&self, statement: &str, kind: RefusalKind, reason: &str) -> Error {
        refused(statement, kind, None, reason)
    }
}

fn flow(result: Result<(), Error>) -> ControlFlow<Error> {
    match result {
        Ok(()) => ControlFlow::Continue(()),
        Err(error) => ControlFlow::Break(error),
    }
}

impl Visitor for Policy<'_> {
    type Break = Error;

    fn pre_visit_statement(&mut self, statement: &Statement) -> ControlFlow<Error> {
        flow(match statement {
            Statement::Set(set) => self.set(set),
            Statement::Reset(reset) => self.reset(&reset.reset),
            Statement::Discard { .. } => Err(self.discard()),
            _ => Ok(()),
        })
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<Error> {
        flow(match factor {
            TableFactor::Table {
                name,
                args: Some(args),
                ..
            } => {
                self.function_in_from = Some(ptr::from_ref(name));
                self.call(name, Some(&args.args))
            }
            TableFactor::Function { name, args, .. } => self.call(name, Some(args)),
            _ => Ok(()),
        })
    }

    fn pre_visit_relation(&mut self, relation: &ObjectName) -> ControlFlow<Error> {
        if self.function_in_from == Some(ptr::from_ref(relation)) {
            self.function_in_from = None;
            return ControlFlow::Continue(());
        }
        flow(self.relation(relation))
    }

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<Error> {
        flow(self.table_commands(&query.body))
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<Error> {
        match expr {
            Expr::Function(function) => flow(self.call(&function.name, arguments(&function.args))),
            _ => ControlFlow::Continue(()),
        }
    }
}

impl Policy<'_> {
    /// `TABLE name` bodies, whose names sqlparser keeps as text rather than as a relation.
    fn table_commands(&self, body: &SetExpr) -> Result<(), Error> {
        match body {
            SetExpr::SetOperation { left, right, .. } => {
                self.table_commands(left)?;
                self.table_commands(right)
            }
            SetExpr::Table(table) => match &table.table_name {
                Some(name) => {
                    let parts: Vec<Ident> = table
                        .schema_name
                        .iter()
                        .chain(Some(name))
                        .cloned()
                        .collect();
                    self.relation(&ObjectName::from(parts))
                }
                None => Ok(()),
            },
            _ => Ok(()),
        }
    }
}

/// A call's argument list; `None` for arguments given as a subquery (`ARRAY(SELECT ...)`).
fn arguments(args: &FunctionArguments) -> Option<&[FunctionArg]> {
    match args {
        FunctionArguments::None => Some(&[]),
        FunctionArguments::List(list) => Some(&list.args),
        FunctionArguments::Subquery(_) => None,
    }
}
