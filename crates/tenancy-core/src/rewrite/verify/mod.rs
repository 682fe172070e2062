//! The fail-closed safety net: an independent pass over the final statement.
//!
//! The walker scopes the positions it knows. This pass reaches every relation in the tree, counts
//! the references to tenant tables (CTE references excluded, with the same shadowing rules as
//! PostgreSQL) and compares the count with the number the walker scoped. A difference means a
//! table hid somewhere the walker does not handle, and the statement is refused rather than run
//! unscoped. The pass is a sqlparser `Visitor`; `plain.rs` walks the common node kinds by hand
//! for speed and hands every other node to sqlparser's derived visitor, and debug builds check
//! that both walks reach the same verdict on every statement.

use std::ops::ControlFlow;
use std::ptr;

use sqlparser::ast::{
    FromTable, ObjectName, ObjectNamePart, Query, SetExpr, Statement, TableFactor, TableObject,
    Visitor,
};

use super::scope::{Resolved, fold, resolve_in_catalog};
use super::statement::{refused, statement_keywords};
use crate::catalog::{Catalog, TableName};
use crate::error::{Error, RefusalKind};

/// Refuses `statement` unless it holds exactly `scoped` tenant table references.
pub(super) fn verify(
    catalog: &Catalog,
    sql: &str,
    statement: &Statement,
    scoped: usize,
) -> Result<(), Error> {
    use sqlparser::ast::Visit;
    let mut verifier = Verifier::new(catalog);
    let flow = statement.visit(&mut verifier);
    if let ControlFlow::Break(error) = flow {
        return Err(error);
    }
    if verifier.found == scoped {
        return Ok(());
    }
    let (table, construct) = verifier
        .suspect
        .or_else(|| verifier.first.map(|t| (t, "this statement shape")))
        .map_or((None, "this statement shape"), |(t, c)| {
            (Some(t.clone()), c)
        });
    let name = table
        .as_ref()
        .map_or_else(|| "every tenant table".to_owned(), ToString::to_string);
    Err(refused(
        &statement_keywords(sql),
        RefusalKind::Unverified,
        table,
        &format!(
            "cannot prove {name} is scoped: {construct} is not supported; rewrite the statement \
             without it or run it with `unscoped`"
        ),
    ))
}

/// CTE names declared by one WITH (or visible inside one CTE body).
struct Frame {
    owner: *const Query,
    names: Vec<String>,
    active: bool,
    /// For a CTE body: the WITH frame to re-activate when the body ends.
    suspends: Option<usize>,
}

struct Verifier<'c> {
    catalog: &'c Catalog,
    frames: Vec<Frame>,
    /// CTE bodies not yet entered: (body, frame of their WITH, names visible inside).
    cte_bodies: Vec<(*const Query, usize, Vec<String>)>,
    /// Table factors that are DML targets: they name real tables, never CTEs.
    targets: Vec<*const TableFactor>,
    /// Relation names already judged as table factors or INSERT targets.
    accounted: Vec<*const ObjectName>,
    factor_kinds: Vec<&'static str>,
    found: usize,
    first: Option<&'c TableName>,
    suspect: Option<(&'c TableName, &'static str)>,
}

impl<'c> Verifier<'c> {
    fn new(catalog: &'c Catalog) -> Self {
        Self {
            catalog,
            frames: Vec::new(),
            cte_bodies: Vec::new(),
            targets: Vec::new(),
            accounted: Vec::new(),
            factor_kinds: Vec::new(),
            found: 0,
            first: None,
            suspect: None,
        }
    }

    fn is_cte(&self, name: &ObjectName) -> bool {
        let [ObjectNamePart::Identifier(ident)] = name.0.as_slice() else {
            return false;
        };
        let folded = fold(ident);
        self.frames
            .iter()
            .any(|f| f.active && f.names.iter().any(|n| **n == *folded))
    }

    /// Counts one reference to a real table; `construct` names an unusual position.
    fn count(&mut self, name: &ObjectName, construct: Option<&'static str>) -> ControlFlow<Error> {
        match resolve_in_catalog(self.catalog, name) {
            Err(error) => ControlFlow::Break(error),
            Ok(Resolved::Tenant { table, .. }) => {
                self.found += 1;
                if let Some(construct) = construct {
                    self.suspect.get_or_insert((table, construct));
                }
                self.first.get_or_insert(table);
                ControlFlow::Continue(())
            }
            Ok(Resolved::Cte | Resolved::Reference) => ControlFlow::Continue(()),
        }
    }

    /// Counts the table a table factor names, unless the name is a CTE (the target of
    /// `UPDATE`/`DELETE`/`MERGE` never is).
    fn table(&mut self, name: &ObjectName, target: bool) -> ControlFlow<Error> {
        if !target && self.is_cte(name) {
            return ControlFlow::Continue(());
        }
        let construct = self.enclosing_construct();
        self.count(name, construct)
    }

    fn enclosing_construct(&self) -> Option<&'static str> {
        self.factor_kinds
            .iter()
            .rev()
            .find(|k| !k.is_empty())
            .copied()
    }

    /// `TABLE t` does not expose its name as a relation; judge it here.
    fn table_commands(&mut self, body: &SetExpr) -> ControlFlow<Error> {
        match body {
            SetExpr::SetOperation { left, right, .. } => {
                self.table_commands(left)?;
                self.table_commands(right)
            }
            SetExpr::Table(table) => {
                let Some(table_name) = &table.table_name else {
                    return ControlFlow::Continue(());
                };
                let name = ObjectName::from(
                    table
                        .schema_name
                        .iter()
                        .chain(Some(table_name))
                        .cloned()
                        .collect::<Vec<_>>(),
                );
                if self.is_cte(&name) {
                    return ControlFlow::Continue(());
                }
                self.count(&name, Some("TABLE"))
            }
            _ => ControlFlow::Continue(()),
        }
    }
}

fn factor_kind(factor: &TableFactor) -> &'static str {
    match factor {
        TableFactor::JsonTable { .. } => "JSON_TABLE",
        TableFactor::OpenJsonTable { .. } => "OPENJSON",
        TableFactor::XmlTable { .. } => "XMLTABLE",
        TableFactor::Pivot { .. } => "PIVOT",
        TableFactor::Unpivot { .. } | TableFactor::UnpivotExpr { .. } => "UNPIVOT",
        TableFactor::MatchRecognize { .. } => "MATCH_RECOGNIZE",
        TableFactor::SemanticView { .. } => "SEMANTIC_VIEW",
        _ => "",
    }
}

impl Visitor for Verifier<'_> {
    type Break = Error;

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<Error> {
        let me = ptr::from_ref(query);
        if let Some(i) = self.cte_bodies.iter().position(|(body, ..)| *body == me) {
            let (_, with_frame, names) = self.cte_bodies.swap_remove(i);
            self.frames[with_frame].active = false;
            self.frames.push(Frame {
                owner: me,
                names,
                active: true,
                suspends: Some(with_frame),
            });
        }
        if let Some(with) = &query.with {
            let names: Vec<String> = with
                .cte_tables
                .iter()
                .map(|c| fold(&c.alias.name).into_owned())
                .collect();
            let frame = self.frames.len();
            for (i, cte) in with.cte_tables.iter().enumerate() {
                let visible = if with.recursive {
                    names.clone()
                } else {
                    names[..i].to_vec()
                };
                self.cte_bodies
                    .push((ptr::from_ref(&*cte.query), frame, visible));
            }
            self.frames.push(Frame {
                owner: me,
                names,
                active: true,
                suspends: None,
            });
        }
        self.table_commands(&query.body)
    }

    fn post_visit_query(&mut self, query: &Query) -> ControlFlow<Error> {
        let me = ptr::from_ref(query);
        while self.frames.last().is_some_and(|f| f.owner == me) {
            if let Some(Some(with_frame)) = self.frames.pop().map(|f| f.suspends) {
                self.frames[with_frame].active = true;
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_statement(&mut self, statement: &Statement) -> ControlFlow<Error> {
        match statement {
            Statement::Insert(insert) => {
                if let TableObject::TableName(name) = &insert.table {
                    self.accounted.push(ptr::from_ref(name));
                    return self.count(name, None);
                }
            }
            Statement::Update(update) => self.targets.push(ptr::from_ref(&update.table.relation)),
            Statement::Delete(delete) => {
                let (FromTable::WithFromKeyword(from) | FromTable::WithoutKeyword(from)) =
                    &delete.from;
                self.targets
                    .extend(from.iter().map(|t| ptr::from_ref(&t.relation)));
            }
            Statement::Merge(merge) => self.targets.push(ptr::from_ref(&merge.table)),
            _ => {}
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<Error> {
        self.factor_kinds.push(factor_kind(factor));
        let TableFactor::Table { name, args, .. } = factor else {
            return ControlFlow::Continue(());
        };
        self.accounted.push(ptr::from_ref(name));
        if args.is_some() {
            // A set-returning function call, not a table.
            return ControlFlow::Continue(());
        }
        let target = self.targets.contains(&ptr::from_ref(factor));
        self.table(name, target)
    }

    fn post_visit_table_factor(&mut self, _factor: &TableFactor) -> ControlFlow<Error> {
        self.factor_kinds.pop();
        ControlFlow::Continue(())
    }

    fn pre_visit_relation(&mut self, relation: &ObjectName) -> ControlFlow<Error> {
        if self.accounted.contains(&ptr::from_ref(relation)) {
            return ControlFlow::Continue(());
        }
        // A relation outside any table factor: a position the walker never looks at.
        self.count(relation, Some("a table reference in this position"))
    }
}
