//! Mutation test of the verifier: the walker's output for every corpus statement is accepted, and
//! every way of breaking it on purpose is refused.
//!
//! Each corpus statement is rewritten with the public [`Rewriter`], parsed back, and mutated the
//! way a walker bug would: a tenant predicate dropped, moved to another clause or query level
//! (including from an outer join's ON to WHERE and back), given another qualifier, joined by OR
//! instead of AND, or compared with another value; a written tenant value replaced. Every
//! mutant, rendered as text, must be refused by [`Rewriter::verify`] as unverified. A mutant
//! that renders exactly like the original is skipped. No database is needed.

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use sqlparser::ast::{
    Assignment, AssignmentTarget, BinaryOperator, Expr, FunctionArg, FunctionArgExpr,
    FunctionArguments, Ident, JoinConstraint, JoinOperator, MergeAction, MergeInsertKind,
    MergeUpdateKind, ObjectName, ObjectNamePart, OnConflictAction, OnInsert, Query, Select,
    SelectItem, SetExpr, Statement, TableFactor, TableObject, TableWithJoins, UpdateTableFromKind,
    Value, Visit, VisitMut, Visitor, VisitorMut,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use tenancy_core::{Catalog, Error, RefusalKind, Rewriter, TableName, TableRole};
use tenancy_tests::corpus::{CASES, Expect};
use tenancy_tests::schema::catalog;

/// Shapes the corpus does not exercise but the walker produces: nested join groups, RIGHT and
/// FULL joins, column alias lists, INSERT forms, MERGE with a tenant source, upserts with an alias.
const EXTRA: &[&str] = &[
    "SELECT * FROM projects p LEFT JOIN (tasks t JOIN comments c ON c.task_id = t.id) ON t.project_id = p.id",
    "SELECT * FROM projects p LEFT JOIN (tasks t LEFT JOIN comments c ON c.task_id = t.id) ON t.project_id = p.id",
    "SELECT * FROM tasks t LEFT JOIN comments c ON c.task_id = t.id RIGHT JOIN users u ON u.id = t.assignee_id",
    "SELECT * FROM (tasks t JOIN comments c ON c.task_id = t.id) AS j",
    "SELECT * FROM tasks t (a, b) JOIN users u ON u.id = t.b",
    "SELECT * FROM tasks FULL JOIN comments USING (id) LEFT JOIN users u ON u.id = 1",
    "SELECT t.id FROM tasks t WHERE t.id IN (SELECT c.task_id FROM comments c WHERE c.id IN (SELECT id FROM tags))",
    "INSERT INTO tags DEFAULT VALUES",
    "INSERT INTO tags (id, name) SELECT id, title FROM tasks UNION SELECT id, name FROM users",
    "INSERT INTO tags AS g (id, name) VALUES (1, 'x') ON CONFLICT (tenant_id, id) DO UPDATE SET name = g.name || '!'",
    "INSERT INTO tags (tenant_id, id, name) SELECT $1, id, title FROM tasks",
    "UPDATE tags SET tenant_id = $1, name = 'x' WHERE id = 2",
    "UPDATE tags SET tenant_id = tenant_id WHERE id = 2",
    "MERGE INTO tags g USING tasks t ON g.id = t.id WHEN MATCHED THEN UPDATE SET name = t.title WHEN NOT MATCHED THEN INSERT (id, name) VALUES (t.id, t.title)",
    "MERGE INTO tags g USING (SELECT * FROM tasks WHERE priority > 1) s ON g.id = s.id WHEN NOT MATCHED THEN INSERT (id, name) VALUES (s.id, s.title)",
    "WITH x AS (DELETE FROM comments WHERE id = 1 RETURNING task_id) UPDATE tasks SET priority = 0 FROM x WHERE tasks.id = x.task_id RETURNING (SELECT count(*) FROM tags)",
    "SELECT u.id FROM users u, LATERAL (SELECT * FROM tasks t WHERE t.assignee_id = u.id) x",
    "SELECT * FROM tasks t JOIN projects p ON p.id = t.project_id RIGHT JOIN comments c ON c.task_id = t.id LEFT JOIN accounts a ON a.id = c.tenant_id",
    "SELECT * FROM tasks t FULL JOIN (projects p LEFT JOIN comments c ON c.task_id = p.id) ON p.id = t.project_id",
    "SELECT * FROM tasks t LEFT JOIN projects p USING (id) RIGHT JOIN users u ON u.id = t.assignee_id",
    "VALUES ((SELECT 1 FROM tasks LIMIT 1)) UNION TABLE tasks",
    "INSERT INTO tags (name) TABLE projects",
    "INSERT INTO tags (id) (SELECT id FROM projects)",
    "INSERT INTO tags (id) VALUES (1) ON CONFLICT ON CONSTRAINT tags_pkey DO UPDATE SET name = 'x' WHERE tags.name <> 'x'",
    "MERGE INTO tags g USING projects AS p (a, b) ON g.id = p.a WHEN NOT MATCHED THEN INSERT (id) VALUES (p.a)",
    "MERGE INTO tags g USING (projects p JOIN comments c ON c.task_id = p.id) ON g.id = p.id WHEN MATCHED THEN DELETE",
    "UPDATE tags SET name = 'a' FROM projects p LEFT JOIN comments c ON c.task_id = p.id WHERE p.id = tags.id",
    "DELETE FROM tags USING projects p FULL JOIN comments c ON c.task_id = p.id",
];

#[test]
fn the_verifier_refuses_every_mutant_of_the_walkers_output() -> Result<(), Error> {
    let rewriter = Rewriter::new(catalog()?);
    let mut tally = Tally::default();
    let sources = CASES
        .iter()
        .filter(|case| case.expect != Expect::TenantMismatch)
        .map(|case| (case.sql, case.expect))
        .chain(EXTRA.iter().map(|sql| (*sql, Expect::Same)));
    for (sql, expect) in sources {
        let rewritten = match (rewriter.rewrite(sql), expect) {
            (Ok(rewritten), _) => rewritten,
            // The differential test runs these: a refusal here is the verifier refusing the
            // walker's output (or a walker refusal the differential test also reports).
            (Err(error), Expect::Same) => {
                tally.refused_originals.push(format!("{sql}: {error}"));
                continue;
            }
            (Err(_), _) => continue,
        };
        let text = rewritten.to_string();
        let Some(param) = rewritten.tenant_param() else {
            // Nothing tenant-scoped: nothing to mutate.
            continue;
        };
        rewriter.verify(&text, param)?;
        tally.statements += 1;
        let statement = parse(&text);
        for (operator, mutant) in mutants(rewriter.catalog(), &statement, param) {
            let rendered = mutant.to_string();
            if rendered == text {
                continue;
            }
            let verdict = rewriter.verify(&rendered, param);
            tally.judge(operator, &text, &rendered, verdict);
        }
    }
    tally.report();
    assert!(
        tally.refused_originals.is_empty(),
        "statements that must rewrite were refused: {:#?}",
        tally.refused_originals
    );
    assert!(
        tally.escaped.is_empty(),
        "{} mutants were not refused:\n{}",
        tally.escaped.len(),
        tally.escaped.join("\n")
    );
    for operator in OPERATORS {
        assert!(
            tally
                .per_operator
                .get(operator)
                .is_some_and(|(n, _)| *n > 0),
            "operator {operator} made no mutant: the test would not notice it breaking"
        );
    }
    Ok(())
}

#[derive(Default)]
struct Tally {
    statements: usize,
    per_operator: BTreeMap<&'static str, (usize, usize)>,
    escaped: Vec<String>,
    refused_originals: Vec<String>,
}

impl Tally {
    fn judge(
        &mut self,
        operator: &'static str,
        original: &str,
        mutant: &str,
        verdict: Result<(), Error>,
    ) {
        let counts = self.per_operator.entry(operator).or_default();
        counts.0 += 1;
        match verdict {
            Err(Error::Refused {
                kind: RefusalKind::Unverified,
                ..
            }) => counts.1 += 1,
            other => self.escaped.push(format!(
                "[{operator}] {mutant}\n    from {original}\n    gave {other:?}"
            )),
        }
    }

    fn report(&self) {
        let (mutants, refused) = self
            .per_operator
            .values()
            .fold((0, 0), |(m, r), (n, k)| (m + n, r + k));
        println!(
            "{mutants} mutants of {} statements, {refused} refused",
            self.statements
        );
        for (operator, (n, k)) in &self.per_operator {
            println!("  {operator}: {n} mutants, {k} refused");
        }
    }
}

const OPERATORS: [&str; 9] = [
    "drop predicate",
    "move predicate",
    "other qualifier",
    "OR instead of AND",
    "other placeholder",
    "literal tenant",
    "write: literal",
    "write: other placeholder",
    "write: guard of another value",
];

fn parse(sql: &str) -> Statement {
    let mut statements = Parser::parse_sql(&PostgreSqlDialect {}, sql)
        .unwrap_or_else(|e| panic!("rewritten text does not parse: {e}: {sql}"));
    assert_eq!(statements.len(), 1, "{sql}");
    statements.remove(0)
}

/// Every mutant of `statement` whose tenant is `$param`, named by its operator.
fn mutants(
    catalog: &Catalog,
    statement: &Statement,
    param: usize,
) -> Vec<(&'static str, Statement)> {
    let tenant = placeholder(param);
    let other = placeholder(param + 1);
    let is_predicate = |e: &Expr| tenant_predicate(e, &tenant);
    let mut out = Vec::new();
    let predicates = count_expr_sites(statement, &is_predicate);
    for k in 0..predicates {
        out.push((
            "drop predicate",
            edit_expr(statement, k, &is_predicate, |e| *e = truth()),
        ));
        out.push((
            "other placeholder",
            edit_expr(statement, k, &is_predicate, |e| set_right(e, other.clone())),
        ));
        out.push((
            "literal tenant",
            edit_expr(statement, k, &is_predicate, |e| set_right(e, number("0"))),
        ));
        for name in exposed_names(statement) {
            let renamed =
                |e: &Expr| is_predicate(e) && qualifier(e).is_some_and(|q| fold(q) != fold(&name));
            let mut rename = |e: &mut Expr| set_qualifier(e, name.clone());
            out.push((
                "other qualifier",
                edit_expr_with(statement, k, &renamed, &mut rename),
            ));
        }
        out.extend(
            moves(statement, k, &is_predicate)
                .into_iter()
                .map(|m| ("move predicate", m)),
        );
    }
    let joined = |e: &Expr| {
        matches!(e, Expr::BinaryOp { left, op: BinaryOperator::And, right }
            if is_predicate(left) || is_predicate(right))
    };
    for k in 0..count_expr_sites(statement, &joined) {
        out.push((
            "OR instead of AND",
            edit_expr(statement, k, &joined, |e| {
                if let Expr::BinaryOp { op, .. } = e {
                    *op = BinaryOperator::Or;
                }
            }),
        ));
    }
    let writes = count_writes(catalog, statement);
    for k in 0..writes {
        out.push((
            "write: literal",
            edit_write(catalog, statement, k, |v| *v = number("42")),
        ));
        out.push((
            "write: other placeholder",
            edit_write(catalog, statement, k, |v| *v = other.clone()),
        ));
        out.push((
            "write: guard of another value",
            edit_write(catalog, statement, k, |v| {
                set_first_argument(v, number("42"));
            }),
        ));
    }
    out
}

// --- expressions

fn placeholder(n: usize) -> Expr {
    Expr::Value(Value::Placeholder(format!("${n}")).with_empty_span())
}

fn number(text: &str) -> Expr {
    Expr::Value(Value::Number(text.to_owned(), false).with_empty_span())
}

fn truth() -> Expr {
    Expr::Value(Value::Boolean(true).with_empty_span())
}

fn sentinel() -> Expr {
    Expr::Identifier(Ident::new("mutation_removed_predicate"))
}

fn fold(ident: &Ident) -> String {
    match ident.quote_style {
        Some(_) => ident.value.clone(),
        None => ident.value.to_ascii_lowercase(),
    }
}

/// `<q>.<c> = <tenant>` or `<q>.<c> = EXCLUDED.<c>`: a predicate the rewriter wrote.
fn tenant_predicate(expr: &Expr, tenant: &Expr) -> bool {
    let Expr::BinaryOp {
        left,
        op: BinaryOperator::Eq,
        right,
    } = expr
    else {
        return false;
    };
    let qualified = matches!(&**left, Expr::CompoundIdentifier(parts) if parts.len() == 2);
    let excluded = matches!(&**right, Expr::CompoundIdentifier(parts)
        if parts.len() == 2 && fold(&parts[0]) == "excluded");
    qualified && (**right == *tenant || excluded)
}

fn qualifier(expr: &Expr) -> Option<&Ident> {
    match expr {
        Expr::BinaryOp { left, .. } => match &**left {
            Expr::CompoundIdentifier(parts) => parts.first(),
            _ => None,
        },
        _ => None,
    }
}

fn set_qualifier(expr: &mut Expr, name: Ident) {
    if let Expr::BinaryOp { left, .. } = expr
        && let Expr::CompoundIdentifier(parts) = &mut **left
        && let Some(first) = parts.first_mut()
    {
        *first = name;
    }
}

fn set_right(expr: &mut Expr, value: Expr) {
    if let Expr::BinaryOp { right, .. } = expr {
        **right = value;
    }
}

/// `NULLIF(t, x)` becomes `NULLIF(value, x)`; anything else becomes `NULLIF(value, <itself>)`.
fn set_first_argument(expr: &mut Expr, value: Expr) {
    if let Expr::Function(function) = expr
        && function.name.to_string().eq_ignore_ascii_case("nullif")
        && let FunctionArguments::List(list) = &mut function.args
        && let Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(first))) = list.args.first_mut()
    {
        *first = value;
        return;
    }
    let written = std::mem::replace(expr, truth());
    let guard = format!("NULLIF({value}, {written})");
    *expr = Parser::new(&PostgreSqlDialect {})
        .try_with_sql(&guard)
        .and_then(|mut p| p.parse_expr())
        .unwrap_or_else(|e| panic!("{guard}: {e}"));
}

/// Calls `edit` on the `target`-th expression (in visit order) that `site` accepts.
struct ExprSites<'a> {
    site: &'a dyn Fn(&Expr) -> bool,
    edit: &'a mut dyn FnMut(&mut Expr),
    target: usize,
    seen: usize,
}

impl VisitorMut for ExprSites<'_> {
    type Break = ();

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if !(self.site)(expr) {
            return ControlFlow::Continue(());
        }
        self.seen += 1;
        if self.seen - 1 == self.target {
            (self.edit)(expr);
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }
}

fn count_expr_sites(statement: &Statement, site: &dyn Fn(&Expr) -> bool) -> usize {
    let mut copy = statement.clone();
    let mut visitor = ExprSites {
        site,
        edit: &mut |_| {},
        target: usize::MAX,
        seen: 0,
    };
    let _ = VisitMut::visit(&mut copy, &mut visitor);
    visitor.seen
}

fn edit_expr(
    statement: &Statement,
    target: usize,
    site: &dyn Fn(&Expr) -> bool,
    mut edit: impl FnMut(&mut Expr),
) -> Statement {
    edit_expr_with(statement, target, site, &mut edit)
}

fn edit_expr_with(
    statement: &Statement,
    target: usize,
    site: &dyn Fn(&Expr) -> bool,
    edit: &mut dyn FnMut(&mut Expr),
) -> Statement {
    let mut copy = statement.clone();
    let _ = VisitMut::visit(
        &mut copy,
        &mut ExprSites {
            site,
            edit,
            target,
            seen: 0,
        },
    );
    copy
}

/// Every name a FROM item, target or CTE exposes, and one that names nothing.
fn exposed_names(statement: &Statement) -> Vec<Ident> {
    struct Names(Vec<Ident>);
    impl Visitor for Names {
        type Break = ();
        fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
            let alias = match factor {
                TableFactor::Table { name, alias, .. } => alias
                    .as_ref()
                    .map(|a| a.name.clone())
                    .or_else(|| name.0.last().and_then(ObjectNamePart::as_ident).cloned()),
                TableFactor::Derived { alias, .. } | TableFactor::NestedJoin { alias, .. } => {
                    alias.as_ref().map(|a| a.name.clone())
                }
                _ => None,
            };
            self.0.extend(alias);
            ControlFlow::Continue(())
        }
        fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
            if let Some(with) = &query.with {
                self.0
                    .extend(with.cte_tables.iter().map(|c| c.alias.name.clone()));
            }
            ControlFlow::Continue(())
        }
        fn pre_visit_statement(&mut self, statement: &Statement) -> ControlFlow<()> {
            if let Statement::Insert(insert) = statement {
                self.0
                    .extend(insert.table_alias.as_ref().map(|a| a.alias.clone()));
                if let TableObject::TableName(name) = &insert.table {
                    self.0
                        .extend(name.0.last().and_then(ObjectNamePart::as_ident).cloned());
                }
            }
            ControlFlow::Continue(())
        }
    }
    let mut names = Names(vec![Ident::new("nowhere")]);
    let _ = Visit::visit(statement, &mut names);
    let mut unique: Vec<Ident> = Vec::new();
    for name in names.0 {
        if !unique.iter().any(|u| fold(u) == fold(&name)) {
            unique.push(name);
        }
    }
    unique
}

// --- moving a predicate to another clause

/// The clauses a tenant predicate can be in, as places to add a conjunct.
enum Slot<'a> {
    Optional(&'a mut Option<Expr>),
    Required(&'a mut Expr),
}

impl Slot<'_> {
    fn holds_sentinel(&self) -> bool {
        let expr = match self {
            Slot::Optional(e) => e.as_ref(),
            Slot::Required(e) => Some(&**e),
        };
        let mut pending: Vec<&Expr> = expr.into_iter().collect();
        while let Some(e) = pending.pop() {
            match e {
                Expr::BinaryOp {
                    left,
                    op: BinaryOperator::And,
                    right,
                } => {
                    pending.push(left);
                    pending.push(right);
                }
                other if *other == sentinel() => return true,
                _ => {}
            }
        }
        false
    }

    fn add(self, predicate: &Expr) {
        let and = |existing: Expr| Expr::BinaryOp {
            left: Box::new(match existing {
                Expr::Nested(_) => existing,
                other => Expr::Nested(Box::new(other)),
            }),
            op: BinaryOperator::And,
            right: Box::new(predicate.clone()),
        };
        match self {
            Slot::Optional(slot) => *slot = Some(slot.take().map_or(predicate.clone(), and)),
            Slot::Required(slot) => *slot = and(std::mem::replace(slot, truth())),
        }
    }
}

/// Calls `edit` on the `target`-th clause slot (in visit order).
struct Slots<'a> {
    edit: &'a mut dyn FnMut(Slot<'_>),
    target: usize,
    seen: usize,
}

impl Slots<'_> {
    fn offer(&mut self, slot: Slot<'_>) {
        if self.seen == self.target {
            (self.edit)(slot);
        }
        self.seen += 1;
    }

    fn joins(&mut self, item: &mut TableWithJoins) {
        self.factor(&mut item.relation);
        for join in &mut item.joins {
            self.factor(&mut join.relation);
            let constraint = match &mut join.join_operator {
                JoinOperator::Join(c)
                | JoinOperator::Inner(c)
                | JoinOperator::Left(c)
                | JoinOperator::LeftOuter(c)
                | JoinOperator::Right(c)
                | JoinOperator::RightOuter(c)
                | JoinOperator::FullOuter(c) => Some(c),
                _ => None,
            };
            if let Some(JoinConstraint::On(on)) = constraint {
                self.offer(Slot::Required(on));
            }
        }
    }

    fn factor(&mut self, factor: &mut TableFactor) {
        if let TableFactor::NestedJoin {
            table_with_joins, ..
        } = factor
        {
            self.joins(table_with_joins);
        }
    }
}

impl VisitorMut for Slots<'_> {
    type Break = ();

    fn pre_visit_select(&mut self, select: &mut Select) -> ControlFlow<()> {
        self.offer(Slot::Optional(&mut select.selection));
        for item in &mut select.from {
            self.joins(item);
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_statement(&mut self, statement: &mut Statement) -> ControlFlow<()> {
        match statement {
            Statement::Update(update) => {
                self.offer(Slot::Optional(&mut update.selection));
                if let Some(
                    UpdateTableFromKind::BeforeSet(items) | UpdateTableFromKind::AfterSet(items),
                ) = &mut update.from
                {
                    items.iter_mut().for_each(|item| self.joins(item));
                }
            }
            Statement::Delete(delete) => {
                self.offer(Slot::Optional(&mut delete.selection));
                delete
                    .using
                    .iter_mut()
                    .flatten()
                    .for_each(|item| self.joins(item));
            }
            Statement::Merge(merge) => self.offer(Slot::Required(&mut merge.on)),
            Statement::Insert(insert) => {
                if let Some(OnInsert::OnConflict(conflict)) = &mut insert.on
                    && let OnConflictAction::DoUpdate(update) = &mut conflict.action
                {
                    self.offer(Slot::Optional(&mut update.selection));
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

/// The `k`-th predicate removed from its clause and added to each other clause in turn.
fn moves(statement: &Statement, k: usize, is_predicate: &dyn Fn(&Expr) -> bool) -> Vec<Statement> {
    let mut predicate = None;
    let removed = edit_expr(statement, k, is_predicate, |e| {
        predicate = Some(std::mem::replace(e, sentinel()));
    });
    let Some(predicate) = predicate else {
        return Vec::new();
    };
    let mut counter = removed.clone();
    let mut slots = Slots {
        edit: &mut |_| {},
        target: usize::MAX,
        seen: 0,
    };
    let _ = VisitMut::visit(&mut counter, &mut slots);
    let is_sentinel = |e: &Expr| *e == sentinel();
    (0..slots.seen)
        .filter_map(|j| {
            let mut moved = removed.clone();
            let mut own = false;
            let _ = VisitMut::visit(
                &mut moved,
                &mut Slots {
                    edit: &mut |slot| {
                        if slot.holds_sentinel() {
                            own = true;
                        } else {
                            slot.add(&predicate);
                        }
                    },
                    target: j,
                    seen: 0,
                },
            );
            (!own).then(|| edit_expr(&moved, 0, &is_sentinel, |e| *e = truth()))
        })
        .collect()
}

// --- written tenant values

/// The tenant column of `name` if it is a tenant table.
fn tenant_column(catalog: &Catalog, name: &ObjectName) -> Option<String> {
    let table = TableName::parse(&name.to_string()).ok()?;
    match catalog.role(&table)? {
        TableRole::Tenant { column } => Some(column.clone()),
        _ => None,
    }
}

fn position(columns: &[ObjectName], column: &str) -> Option<usize> {
    columns.iter().position(
        |c| matches!(c.0.as_slice(), [ObjectNamePart::Identifier(i)] if fold(i) == column),
    )
}

/// The values one statement writes to a tenant column.
fn written<'a>(catalog: &Catalog, statement: &'a mut Statement) -> Vec<&'a mut Expr> {
    let mut values = Vec::new();
    match statement {
        Statement::Insert(insert) => {
            let TableObject::TableName(name) = &insert.table else {
                return values;
            };
            let Some(column) = tenant_column(catalog, name) else {
                return values;
            };
            let Some(i) = position(&insert.columns, &column) else {
                return values;
            };
            let width = insert.columns.len();
            let Some(source) = insert.source.as_mut() else {
                return values;
            };
            match &mut *source.body {
                SetExpr::Values(rows) => {
                    values.extend(rows.rows.iter_mut().filter_map(|r| r.content.get_mut(i)));
                }
                SetExpr::Select(select) => {
                    let plain = select.projection[..=i.min(select.projection.len() - 1)]
                        .iter()
                        .all(|item| {
                            matches!(
                                item,
                                SelectItem::UnnamedExpr(_) | SelectItem::ExprWithAlias { .. }
                            )
                        });
                    let index = if plain {
                        i
                    } else {
                        select.projection.len() + i - width
                    };
                    if let Some(
                        SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. },
                    ) = select.projection.get_mut(index)
                    {
                        values.push(e);
                    }
                }
                _ => {}
            }
        }
        Statement::Update(update) => {
            let TableFactor::Table { name, .. } = &update.table.relation else {
                return values;
            };
            if let Some(column) = tenant_column(catalog, name) {
                values.extend(assigned(&mut update.assignments, &column));
            }
        }
        Statement::Merge(merge) => {
            let TableFactor::Table { name, .. } = &merge.table else {
                return values;
            };
            let Some(column) = tenant_column(catalog, name) else {
                return values;
            };
            for clause in &mut merge.clauses {
                match &mut clause.action {
                    MergeAction::Update(update) => {
                        if let MergeUpdateKind::Set(assignments) = &mut update.kind {
                            values.extend(assigned(assignments, &column));
                        }
                    }
                    MergeAction::Insert(insert) => {
                        if let (Some(i), MergeInsertKind::Values(rows)) =
                            (position(&insert.columns, &column), &mut insert.kind)
                        {
                            values
                                .extend(rows.rows.iter_mut().filter_map(|r| r.content.get_mut(i)));
                        }
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
    values
}

fn assigned<'a>(
    assignments: &'a mut [Assignment],
    column: &str,
) -> impl Iterator<Item = &'a mut Expr> {
    assignments.iter_mut().filter_map(move |a| match &a.target {
        AssignmentTarget::ColumnName(name)
            if matches!(name.0.as_slice(), [ObjectNamePart::Identifier(i)] if fold(i) == column) =>
        {
            Some(&mut a.value)
        }
        _ => None,
    })
}

struct Writes<'a> {
    catalog: &'a Catalog,
    edit: &'a mut dyn FnMut(&mut Expr),
    target: usize,
    seen: usize,
}

impl VisitorMut for Writes<'_> {
    type Break = ();

    fn pre_visit_statement(&mut self, statement: &mut Statement) -> ControlFlow<()> {
        for value in written(self.catalog, statement) {
            if self.seen == self.target {
                (self.edit)(value);
            }
            self.seen += 1;
        }
        ControlFlow::Continue(())
    }
}

fn count_writes(catalog: &Catalog, statement: &Statement) -> usize {
    let mut copy = statement.clone();
    let mut writes = Writes {
        catalog,
        edit: &mut |_| {},
        target: usize::MAX,
        seen: 0,
    };
    let _ = VisitMut::visit(&mut copy, &mut writes);
    writes.seen
}

fn edit_write(
    catalog: &Catalog,
    statement: &Statement,
    target: usize,
    mut edit: impl FnMut(&mut Expr),
) -> Statement {
    let mut copy = statement.clone();
    let _ = VisitMut::visit(
        &mut copy,
        &mut Writes {
            catalog,
            edit: &mut edit,
            target,
            seen: 0,
        },
    );
    copy
}
