//! Query levels: WITH (CTE scope, RECURSIVE, data-modifying CTEs), set operations, SELECT,
//! VALUES and `TABLE t`.

use sqlparser::ast::helpers::attached_token::AttachedToken;
use sqlparser::ast::{
    GroupByExpr, Ident, ObjectName, Query, Select, SelectFlavor, SelectItem, SetExpr, Table,
    TableFactor, TableWithJoins, WildcardAdditionalOptions,
};

use super::from::max_predicates;
use super::limits;
use super::predicate::conjoin;
use super::scope::{Resolved, Scope, fold};
use super::statement::refused;
use crate::error::{Error, RefusalKind};

impl Scope<'_> {
    /// Scopes a whole query, with its CTEs visible to its body and nested subqueries.
    pub(super) fn query(&mut self, query: &mut Query) -> Result<(), Error> {
        let mut mark = None;
        if let Some(with) = &mut query.with {
            if with.cte_tables.len() > limits::MAX_CTES {
                return Err(limits::too_many_ctes(self.sql()));
            }
            let recursive = with.recursive;
            let names: Vec<String> = with
                .cte_tables
                .iter()
                .map(|c| fold(&c.alias.name).into_owned())
                .collect();
            for (i, cte) in with.cte_tables.iter_mut().enumerate() {
                // A plain CTE sees only the CTEs before it; a RECURSIVE list sees all of them.
                let visible = if recursive { &names[..] } else { &names[..i] };
                let inner = self.enter_ctes(visible);
                let result = self.query(&mut cte.query);
                self.leave_ctes(inner);
                result?;
            }
            mark = Some(self.enter_ctes(&names));
        }
        let result = self.query_rest(query);
        if let Some(mark) = mark {
            self.leave_ctes(mark);
        }
        result
    }

    fn query_rest(&mut self, query: &mut Query) -> Result<(), Error> {
        if !query.pipe_operators.is_empty() {
            return Err(refused(
                "SELECT",
                RefusalKind::Shape,
                None,
                "pipe operators are not PostgreSQL",
            ));
        }
        self.set_expr(&mut query.body)?;
        self.subqueries(&mut query.order_by)?;
        self.subqueries(&mut query.limit_clause)?;
        self.subqueries(&mut query.fetch)
    }

    fn set_expr(&mut self, body: &mut SetExpr) -> Result<(), Error> {
        match body {
            SetExpr::Select(select) => self.select(select),
            SetExpr::Query(query) => self.query(query),
            SetExpr::SetOperation { .. } => self.set_operation(body),
            SetExpr::Values(values) => {
                self.enter_query_body();
                self.subqueries(values)
            }
            SetExpr::Insert(statement)
            | SetExpr::Update(statement)
            | SetExpr::Delete(statement)
            | SetExpr::Merge(statement) => self.statement(statement),
            SetExpr::Table(table) => match self.table_command(table)? {
                Some(select) => {
                    *body = SetExpr::Select(Box::new(select));
                    self.set_expr(body)
                }
                None => {
                    self.enter_query_body();
                    Ok(())
                }
            },
        }
    }

    /// Walks a chain of set operations left to right. Chains are left-deep (`a UNION b UNION c`
    /// nests to the left), so the left spine is followed in a loop: recursion per arm would
    /// overflow a small thread stack long before `limits.rs` refuses the statement.
    fn set_operation(&mut self, body: &mut SetExpr) -> Result<(), Error> {
        let mut rights = Vec::new();
        let mut leftmost = body;
        while let SetExpr::SetOperation { left, right, .. } = leftmost {
            rights.push(right);
            leftmost = left;
        }
        self.set_expr(leftmost)?;
        rights
            .into_iter()
            .rev()
            .try_for_each(|right| self.set_expr(right))
    }

    /// `TABLE t` over a tenant table becomes `SELECT * FROM t`, which is then scoped like any
    /// SELECT; over a CTE or reference table it stays as written.
    fn table_command(&self, table: &Table) -> Result<Option<Select>, Error> {
        let Some(table_name) = &table.table_name else {
            return Err(refused(
                "TABLE",
                RefusalKind::Shape,
                None,
                "TABLE needs a table name",
            ));
        };
        let parts: Vec<Ident> = table
            .schema_name
            .iter()
            .chain(std::iter::once(table_name))
            .cloned()
            .collect();
        let name = ObjectName::from(parts);
        Ok(match self.resolve(&name)? {
            Resolved::Tenant { .. } => Some(select_star(table_factor(name), None)),
            Resolved::Cte | Resolved::Reference => None,
        })
    }

    fn select(&mut self, select: &mut Select) -> Result<(), Error> {
        self.enter_query_body();
        if select.into.is_some() {
            return Err(refused(
                "SELECT INTO",
                RefusalKind::Shape,
                None,
                "it creates a table; create tables in migrations and use INSERT ... SELECT",
            ));
        }
        // FROM is placed by `from.rs`; every other clause is searched for subqueries while FROM
        // is out of the way, so no clause can be forgotten.
        let mut from = std::mem::take(&mut select.from);
        let result = self.select_parts(select, &mut from);
        select.from = from;
        result
    }

    fn select_parts(
        &mut self,
        select: &mut Select,
        from: &mut [TableWithJoins],
    ) -> Result<(), Error> {
        let mut preds = Vec::with_capacity(max_predicates(from));
        for item in from.iter_mut() {
            self.table_with_joins(item, false, &mut preds)?;
        }
        self.subqueries(select)?;
        select.selection = conjoin(select.selection.take(), preds);
        Ok(())
    }
}

/// A plain reference to a table.
pub(super) fn table_factor(name: ObjectName) -> TableFactor {
    TableFactor::Table {
        name,
        alias: None,
        args: None,
        with_hints: Vec::new(),
        version: None,
        with_ordinality: false,
        partitions: Vec::new(),
        json_path: None,
        sample: None,
        index_directives: Vec::new(),
        inheritance: None,
    }
}

/// `SELECT * FROM <relation> [WHERE <selection>]`.
pub(super) fn select_star(
    relation: TableFactor,
    selection: Option<sqlparser::ast::Expr>,
) -> Select {
    Select {
        select_token: AttachedToken::empty(),
        optimizer_hints: Vec::new(),
        distinct: None,
        select_modifiers: None,
        top: None,
        top_before_distinct: false,
        projection: vec![SelectItem::Wildcard(WildcardAdditionalOptions::default())],
        exclude: None,
        into: None,
        from: vec![TableWithJoins {
            relation,
            joins: Vec::new(),
        }],
        lateral_views: Vec::new(),
        prewhere: None,
        selection,
        connect_by: Vec::new(),
        group_by: GroupByExpr::Expressions(Vec::new(), Vec::new()),
        cluster_by: Vec::new(),
        distribute_by: Vec::new(),
        sort_by: Vec::new(),
        having: None,
        named_window: Vec::new(),
        qualify: None,
        window_before_qualify: false,
        value_table_mode: None,
        flavor: SelectFlavor::Standard,
    }
}

/// A query whose body is `body` and that has no other clause.
pub(super) fn query_of(body: SetExpr) -> Query {
    Query {
        with: None,
        body: Box::new(body),
        order_by: None,
        limit_clause: None,
        fetch: None,
        locks: Vec::new(),
        for_clause: None,
        settings: None,
        format_clause: None,
        pipe_operators: Vec::new(),
    }
}
