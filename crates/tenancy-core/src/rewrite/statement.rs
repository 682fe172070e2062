//! One statement in, one statement out: parsing, dispatch by statement kind, and refusals.

use std::ops::ControlFlow;
use std::sync::Arc;

use sqlparser::ast::{
    CopySource, Grant, GrantObjects, ObjectName, Revoke, Statement, visit_relations,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Token, Tokenizer};

use super::placeholder::{self, Survey};
use super::policy;
use super::scope::{Scope, table_name};
use super::{Rewritten, TenantValue, verify};
use super::{lexical, limits, literal};
use crate::catalog::{Catalog, TableName, TableRole};
use crate::error::{Error, RefusalKind};
use crate::tenant::TenantId;

/// Parses, scopes, verifies and renders `sql`; `literal` selects explain mode.
pub(super) fn rewrite(
    catalog: &Catalog,
    sql: &str,
    literal: Option<&TenantId>,
) -> Result<Rewritten, Error> {
    let (mut statements, survey) = parse(sql)?;
    let [statement] = statements.as_mut_slice() else {
        return Err(parse_error("expected one SQL statement", None));
    };
    policy::check(catalog, sql, statement)?;
    if survey.quotes_inside {
        literal::make_printable(statement)?;
    }
    let param = survey.next_free;
    let tenant = match literal {
        Some(tenant) => TenantValue::Literal(tenant),
        None => TenantValue::Placeholder(param),
    };
    let tenant_expr = tenant.to_expr();
    let mut scope = Scope::new(catalog, sql, tenant_expr.clone(), survey.query_keywords);
    scope.statement(statement)?;
    if scope.scoped == 0 {
        // Nothing tenant-scoped: hand back the caller's exact text, binding nothing.
        verify::verify(catalog, sql, statement, &tenant_expr)?;
        return Ok(Rewritten {
            sql: Arc::new(sql.to_owned()),
            tenant_param: None,
            literals: Vec::new(),
        });
    }
    let text = statement.to_string();
    let sent = read_back(sql, &text, statement)?;
    verify::verify(catalog, sql, &sent, &tenant_expr)?;
    let uses_tenant = scope.tenant_uses > 0;
    Ok(Rewritten {
        sql: Arc::new(text),
        tenant_param: (uses_tenant && literal.is_none()).then_some(param),
        literals: scope.literals,
    })
}

/// Parses the rendered `text` again and requires the same tree as the rewritten `statement`: the
/// verifier then judges what the database will be sent, and a printing bug in sqlparser (such as
/// the unescaped quote that `literal.rs` works around) cannot change its meaning unseen.
fn read_back(sql: &str, text: &str, statement: &Statement) -> Result<Statement, Error> {
    let unreadable = || {
        refused(
            &statement_keywords(sql),
            RefusalKind::Unprintable,
            None,
            "the rewritten statement does not read back as the statement the rewriter built; \
             please report it, and run the statement with `unscoped` meanwhile",
        )
    };
    // The input's limits hold the depth down; the output, a few levels deeper, is read with
    // sqlparser's default recursion limit. Its tokens must read the same in PostgreSQL too.
    let dialect = PostgreSqlDialect {};
    let mut tokens = Vec::with_capacity(text.len() / 3 + 8);
    Tokenizer::new(&dialect, text)
        .tokenize_with_location_into_buf(&mut tokens)
        .map_err(|_| unreadable())?;
    lexical::check_tokens(text, &tokens).map_err(|_| unreadable())?;
    let mut statements = Parser::new(&dialect)
        .with_tokens_with_locations(tokens)
        .parse_statements()
        .map_err(|_| unreadable())?;
    match statements.pop() {
        Some(sent) if statements.is_empty() && sent == *statement => Ok(sent),
        _ => Err(unreadable()),
    }
}

/// A parse error with the parser's own error as its source.
fn parse_error(message: &str, source: Option<ParserError>) -> Error {
    Error::Parse {
        message: one_line(message),
        source,
    }
}

/// Parses exactly one PostgreSQL statement, returned as a vector of one, and surveys its tokens
/// on the way (rule 6). Text that PostgreSQL would read differently (`lexical.rs`) or that
/// would build a syntax tree too deep for a small stack (`limits.rs`) is refused before the
/// parser runs.
fn parse(sql: &str) -> Result<(Vec<Statement>, Survey), Error> {
    limits::reserve_stack();
    limits::check_size(sql)?;
    lexical::check_text(sql)?;
    let dialect = PostgreSqlDialect {};
    let mut tokens = Vec::with_capacity(sql.len() / 3 + 8);
    let parsed = match Tokenizer::new(&dialect, sql).tokenize_with_location_into_buf(&mut tokens) {
        Ok(()) => {
            lexical::check_tokens(sql, &tokens)?;
            limits::check_tokens(sql, &tokens)?;
            let survey = placeholder::survey(&tokens)?;
            Parser::new(&dialect)
                .with_recursion_limit(limits::PARSER_RECURSION_LIMIT)
                .with_tokens_with_locations(tokens)
                .parse_statements()
                .map(|statements| (statements, survey))
        }
        Err(error) => Err(ParserError::from(error)),
    };
    match parsed {
        Ok((statements, survey)) if statements.len() == 1 => Ok((statements, survey)),
        Ok((statements, _)) => Err(parse_error(
            &format!(
                "expected exactly one SQL statement, found {}: send statements one at a time",
                statements.len()
            ),
            None,
        )),
        Err(ParserError::RecursionLimitExceeded) => Err(limits::parser_too_deep(sql)),
        Err(error) => {
            let (first, rest) = split_first_word(sql);
            // sqlparser accepts `TABLE t` only inside parentheses; PostgreSQL defines it as
            // exactly `SELECT * FROM t`, so spell it that way.
            if first.eq_ignore_ascii_case("TABLE") && !rest.trim().is_empty() {
                return parse(&format!("SELECT * FROM {rest}"));
            }
            // A statement kind sqlparser does not know (DO, REINDEX, CLUSTER, ...) is a refusal
            // of that kind, not a syntax error in the user's SQL.
            let keyword = first.to_ascii_uppercase();
            if let Some(reason) = unknown_statement_reason(&keyword) {
                return Err(refused(&keyword, RefusalKind::Statement, None, reason));
            }
            Err(parse_error(&error.to_string(), Some(error)))
        }
    }
}

/// Why a statement starting with `keyword` that sqlparser cannot parse is refused, when the
/// keyword starts a statement kind that is never safe under a tenant scope.
fn unknown_statement_reason(keyword: &str) -> Option<&'static str> {
    match keyword {
        "DO" => Some(
            "anonymous code blocks run SQL the rewriter cannot see; run the statements one by one",
        ),
        "REINDEX" | "CLUSTER" | "VACUUM" | "ANALYZE" | "CHECKPOINT" | "REFRESH" | "LOAD"
        | "IMPORT" | "SECURITY" | "REASSIGN" | "CREATE" | "ALTER" | "DROP" | "COMMENT"
        | "GRANT" | "REVOKE" | "COPY" | "TRUNCATE" | "LOCK" | "CALL" | "LISTEN" | "NOTIFY"
        | "UNLISTEN" | "DISCARD" | "PREPARE" | "EXECUTE" | "DEALLOCATE" | "DECLARE" | "FETCH"
        | "MOVE" | "CLOSE" => Some(
            "the rewriter does not support this statement kind; run it outside a tenant scope \
             with `unscoped` if it is admin work",
        ),
        _ => None,
    }
}

fn split_first_word(sql: &str) -> (&str, &str) {
    let trimmed = sql.trim_start();
    let end = trimmed
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(trimmed.len());
    trimmed.split_at(end)
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A refusal of `statement` (e.g. `TRUNCATE`) on `table`, with what to do instead.
pub(super) fn refused(
    statement: &str,
    kind: RefusalKind,
    table: Option<TableName>,
    reason: &str,
) -> Error {
    Error::Refused {
        statement: statement.to_owned(),
        kind,
        table,
        reason: reason.to_owned(),
    }
}

impl Scope<'_> {
    /// Scopes one statement (top level, inside EXPLAIN, or a data-modifying CTE).
    pub(super) fn statement(&mut self, statement: &mut Statement) -> Result<(), Error> {
        match statement {
            Statement::Query(query) => self.query(query),
            Statement::Insert(insert) => self.insert(insert),
            Statement::Update(update) => self.update(update),
            Statement::Delete(delete) => self.delete(delete),
            Statement::Merge(merge) => self.merge(merge),
            Statement::Explain {
                analyze, options, ..
            } if *analyze
                || options.iter().flatten().any(|option| {
                    // PostgreSQL takes the British spelling too.
                    option.name.value.eq_ignore_ascii_case("analyze")
                        || option.name.value.eq_ignore_ascii_case("analyse")
                }) =>
            {
                Err(refused(
                    "EXPLAIN ANALYZE",
                    RefusalKind::SideChannel,
                    None,
                    "its row counts include the rows the tenant filter removed, which tells one \
                     tenant about another's data; use EXPLAIN without ANALYZE, or run it with \
                     `unscoped`",
                ))
            }
            Statement::Explain { statement, .. } => self.statement(statement),
            Statement::StartTransaction {
                statements,
                exception,
                ..
            } if statements.is_empty() && exception.is_none() => Ok(()),
            // The policy pass has allowed every setting SET and RESET change.
            Statement::Commit { .. }
            | Statement::Rollback { .. }
            | Statement::Savepoint { .. }
            | Statement::ReleaseSavepoint { .. }
            | Statement::ShowVariable { .. }
            | Statement::Set(_)
            | Statement::Reset(_) => Ok(()),
            other => Err(refuse_statement(self.catalog(), self.sql(), other)),
        }
    }
}

/// Refuses a statement kind that is never provably safe under a tenant scope (TRUNCATE, COPY,
/// DDL, LOCK, CALL, ...), naming the kind and the first table it mentions.
fn refuse_statement(catalog: &Catalog, sql: &str, statement: &Statement) -> Error {
    let kind = statement_keywords(sql);
    let table = first_table(catalog, statement);
    let reason = match kind.split(' ').next().unwrap_or_default() {
        "TRUNCATE" => "it removes every tenant's rows; use DELETE, which is scoped",
        "COPY" => "COPY bypasses the rewriter; use INSERT or SELECT, which are scoped",
        "LOCK" => "locking a table blocks every tenant; lock rows with SELECT ... FOR UPDATE",
        "CALL" => "procedures run SQL the rewriter cannot see; call the statements directly",
        "CREATE" | "ALTER" | "DROP" | "COMMENT" | "GRANT" | "REVOKE" => {
            "schema changes belong in migrations run outside a tenant scope (use `unscoped`)"
        }
        _ => {
            "the rewriter cannot prove it safe under a tenant scope; run it outside a tenant \
              scope with `unscoped` if it is admin work"
        }
    };
    refused(&kind, RefusalKind::Statement, table, reason)
}

/// The statement's leading keywords as written, upper-cased, e.g. `CREATE INDEX`: up to three
/// unquoted keywords, stopping at the first name or at a word that starts the statement's body.
pub(super) fn statement_keywords(sql: &str) -> String {
    const STOP: [Keyword; 6] = [
        Keyword::IF,
        Keyword::ON,
        Keyword::ONLY,
        Keyword::TO,
        Keyword::FROM,
        Keyword::INTO,
    ];
    let mut words = Vec::new();
    let mut tokenizer_input = Tokenizer::new(&PostgreSqlDialect {}, sql);
    if let Ok(tokens) = tokenizer_input.tokenize() {
        for token in tokens {
            match token {
                Token::Whitespace(_) => {}
                Token::Word(word)
                    if word.quote_style.is_none()
                        && word.keyword != Keyword::NoKeyword
                        && !STOP.contains(&word.keyword)
                        && words.len() < 3 =>
                {
                    words.push(word.value.to_ascii_uppercase());
                }
                _ => break,
            }
        }
    }
    if words.is_empty() {
        "statement".to_owned()
    } else {
        words.join(" ")
    }
}

/// The first tenant table the statement names, else the first table at all.
fn first_table(catalog: &Catalog, statement: &Statement) -> Option<TableName> {
    let mut tables: Vec<TableName> = named_objects(statement)
        .into_iter()
        .filter_map(|n| table_name(n).ok())
        .collect();
    let _ = visit_relations(statement, |name| {
        tables.extend(table_name(name).ok());
        ControlFlow::<()>::Continue(())
    });
    let tenant = tables
        .iter()
        .find(|t| matches!(catalog.role(t), Some(TableRole::Tenant { .. })));
    tenant.or_else(|| tables.first()).cloned()
}

/// Tables named by statements whose names sqlparser does not report as relations.
fn named_objects(statement: &Statement) -> Vec<&ObjectName> {
    match statement {
        Statement::Drop { names, .. } => names.iter().collect(),
        Statement::Comment { object_name, .. } => vec![object_name],
        Statement::Copy {
            source: CopySource::Table { table_name, .. },
            ..
        } => vec![table_name],
        Statement::Grant(Grant {
            objects: Some(GrantObjects::Tables(tables)),
            ..
        })
        | Statement::Revoke(Revoke {
            objects: Some(GrantObjects::Tables(tables)),
            ..
        }) => tables.iter().collect(),
        _ => Vec::new(),
    }
}
