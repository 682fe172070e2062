//! Renders a statement as SQL text by hand, for speed.
//!
//! sqlparser's `Display` goes through `core::fmt` for every node: a `Formatter`, dynamic
//! dispatch, and pretty-printing wrappers that do nothing in the plain `{}` form. This renderer
//! writes the common node kinds straight into a `String` and hands every other node, whole, to
//! its `Display` impl. For each node it handles, it writes exactly the bytes sqlparser's
//! non-alternate `Display` writes, so the text is the same either way; debug builds check that
//! on every rewrite (`statement::render`), and the tests here check it for a broad list of
//! statements. The text is what PostgreSQL runs, so any difference (a dropped parenthesis, a
//! missing space) is a bug, never a style choice.
//!
//! Which nodes are plain is decided by the predicates in `shape.rs`, shared with the verifier's
//! fast path, and by destructuring structs without `..` here, so a field added by a sqlparser
//! upgrade fails to compile instead of being left out of the text.

use std::fmt::{self, Display, Write as _};

use sqlparser::ast::{
    Assignment, AssignmentTarget, BinaryOperator, CastKind, Cte, CteAsMaterialized, Delete,
    Distinct, Expr, FromTable, Function, FunctionArg, FunctionArgExpr, FunctionArguments,
    GroupByExpr, Ident, InTarget, Insert, Join, JoinConstraint, JoinOperator, LimitClause,
    ObjectName, ObjectNamePart, Offset, OffsetRows, OrderBy, OrderByExpr, OrderByKind,
    OrderByOptions, OrderBySort, Query, Select, SelectFlavor, SelectItem,
    SelectItemQualifiedWildcardKind, SetExpr, SetOperator, SetQuantifier, Statement, TableAlias,
    TableFactor, TableInheritance, TableObject, TableWithJoins, UnaryOperator, Update, Value,
    ValueWithSpan, Values, WildcardAdditionalOptions, With,
};

use super::shape::{
    plain_alias, plain_function, plain_limit, plain_order_by, plain_select, plain_update,
    plain_with,
};

/// The chars sqlparser's tokenizer treats as operator chars (`OPERATOR_CHARS`, crate-private):
/// a prefix `-` or `!` gets a space before an operand that starts with one of them.
const OPERATOR_CHARS: &str = "+-*/<>=~!@%#^&|";

/// Appends `statement` to `out`, byte for byte as `statement.to_string()` writes it.
///
/// Fails only when a `Display` fallback fails.
pub(super) fn statement(out: &mut String, statement: &Statement) -> fmt::Result {
    match statement {
        Statement::Query(query) => self::query(out, query),
        Statement::Update(update)
            if plain_update(update) && update.or.is_none() && update.on_cluster.is_none() =>
        {
            self::update(out, update)
        }
        Statement::Delete(delete) if plain_delete(delete) => self::delete(out, delete),
        Statement::Insert(insert) if plain_insert(insert) => self::insert(out, insert),
        _ => display(out, statement),
    }
}

/// The fallback for every node not written by hand: sqlparser's own `Display`.
fn display(out: &mut String, node: &impl Display) -> fmt::Result {
    #[cfg(test)]
    FALLBACKS.with(|count| count.set(count.get() + 1));
    write!(out, "{node}")
}

#[cfg(test)]
thread_local! {
    /// How often [`display`] ran on this thread, for the tests.
    static FALLBACKS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Writes `items` separated by `", "`.
fn comma_separated<T>(
    out: &mut String,
    items: &[T],
    mut each: impl FnMut(&mut String, &T) -> fmt::Result,
) -> fmt::Result {
    let mut items = items.iter();
    if let Some(first) = items.next() {
        each(out, first)?;
    }
    for item in items {
        out.push_str(", ");
        each(out, item)?;
    }
    Ok(())
}

/// `UPDATE` that [`plain_update`] accepted, without `OR` (SQLite) and `ON CLUSTER`.
fn update(out: &mut String, update: &Update) -> fmt::Result {
    out.push_str("UPDATE ");
    table_with_joins(out, &update.table)?;
    if !update.assignments.is_empty() {
        out.push_str(" SET ");
        comma_separated(out, &update.assignments, assignment)?;
    }
    if let Some(selection) = &update.selection {
        out.push_str(" WHERE ");
        expr(out, selection)?;
    }
    returning(out, update.returning.as_deref())
}

/// `column = value` or `(a, b) = value` in an UPDATE's SET list.
fn assignment(out: &mut String, assignment: &Assignment) -> fmt::Result {
    let Assignment { target, value } = assignment;
    match target {
        AssignmentTarget::ColumnName(column) => object_name(out, column)?,
        AssignmentTarget::Tuple(columns) => {
            out.push('(');
            comma_separated(out, columns, object_name)?;
            out.push(')');
        }
    }
    out.push_str(" = ");
    expr(out, value)
}

/// ` RETURNING items`, when present.
fn returning(out: &mut String, items: Option<&[SelectItem]>) -> fmt::Result {
    match items {
        Some(items) => {
            out.push_str(" RETURNING ");
            comma_separated(out, items, select_item)
        }
        None => Ok(()),
    }
}

/// A DELETE whose only clauses are FROM, USING, WHERE and RETURNING.
fn plain_delete(delete: &Delete) -> bool {
    let Delete {
        delete_token: _,
        optimizer_hints,
        tables,
        from: _,
        on_cluster,
        using: _,
        selection: _,
        returning: _,
        output,
        order_by,
        limit,
        settings,
    } = delete;
    optimizer_hints.is_empty()
        && tables.is_empty()
        && on_cluster.is_none()
        && output.is_none()
        && order_by.is_empty()
        && limit.is_none()
        && settings.is_none()
}

/// A DELETE that [`plain_delete`] accepted.
fn delete(out: &mut String, delete: &Delete) -> fmt::Result {
    out.push_str("DELETE");
    match &delete.from {
        FromTable::WithFromKeyword(from) => {
            out.push_str(" FROM ");
            comma_separated(out, from, table_with_joins)?;
        }
        FromTable::WithoutKeyword(from) => {
            out.push(' ');
            comma_separated(out, from, table_with_joins)?;
        }
    }
    if let Some(using) = &delete.using {
        out.push_str(" USING ");
        comma_separated(out, using, table_with_joins)?;
    }
    if let Some(selection) = &delete.selection {
        out.push_str(" WHERE ");
        expr(out, selection)?;
    }
    returning(out, delete.returning.as_deref())
}

/// An `INSERT [INTO] table [AS alias] [(columns)] query [ON CONFLICT ...] [RETURNING ...]`.
fn plain_insert(insert: &Insert) -> bool {
    let Insert {
        insert_token: _,
        optimizer_hints,
        or,
        ignore,
        into: _,
        table,
        table_alias: _,
        columns: _,
        by_name,
        overwrite,
        source,
        assignments,
        partitioned,
        after_columns,
        overriding,
        has_table_keyword,
        on: _,
        returning: _,
        output,
        replace_into,
        priority,
        insert_alias,
        settings,
        format_clause,
        multi_table_insert_type,
        multi_table_into_clauses,
        multi_table_when_clauses,
        multi_table_else_clause,
    } = insert;
    optimizer_hints.is_empty()
        && or.is_none()
        && !*ignore
        && matches!(table, TableObject::TableName(_))
        && !*by_name
        && !*overwrite
        && source.is_some()
        && assignments.is_empty()
        && partitioned.is_none()
        && after_columns.is_empty()
        && overriding.is_none()
        && !*has_table_keyword
        && output.is_none()
        && !*replace_into
        && priority.is_none()
        && insert_alias.is_none()
        && settings.is_none()
        && format_clause.is_none()
        && multi_table_insert_type.is_none()
        && multi_table_into_clauses.is_empty()
        && multi_table_when_clauses.is_empty()
        && multi_table_else_clause.is_none()
}

/// An INSERT that [`plain_insert`] accepted.
fn insert(out: &mut String, insert: &Insert) -> fmt::Result {
    out.push_str("INSERT");
    if insert.into {
        out.push_str(" INTO");
    }
    // sqlparser writes " <table> " only when the table (with its alias) renders non-empty.
    let mark = out.len();
    out.push(' ');
    match &insert.table {
        TableObject::TableName(name) => object_name(out, name)?,
        table => display(out, table)?,
    }
    if let Some(alias) = &insert.table_alias {
        out.push(' ');
        if alias.explicit {
            out.push_str("AS ");
        }
        ident(out, &alias.alias)?;
    }
    if out.len() == mark + 1 {
        out.truncate(mark);
    } else {
        out.push(' ');
    }
    if !insert.columns.is_empty() {
        out.push('(');
        comma_separated(out, &insert.columns, object_name)?;
        out.push_str(") ");
    }
    if let Some(source) = &insert.source {
        query(out, source)?;
    }
    if let Some(on) = &insert.on {
        // Writes its own leading space.
        display(out, on)?;
    }
    returning(out, insert.returning.as_deref())
}

/// A query: the plain parts by hand, FETCH, locks and the dialect clauses through `Display`.
fn query(out: &mut String, query: &Query) -> fmt::Result {
    let Query {
        with,
        body,
        order_by,
        limit_clause,
        fetch,
        locks,
        for_clause,
        settings,
        format_clause,
        pipe_operators,
    } = query;
    if let Some(with) = with {
        if plain_with(with) {
            self::with(out, with)?;
        } else {
            display(out, with)?;
        }
        out.push(' ');
    }
    set_expr(out, body)?;
    if let Some(order_by) = order_by {
        out.push(' ');
        if plain_order_by(order_by) {
            self::order_by(out, order_by)?;
        } else {
            display(out, order_by)?;
        }
    }
    if let Some(limit_clause) = limit_clause {
        // Both forms write their own leading space.
        if plain_limit(limit_clause) {
            limit(out, limit_clause)?;
        } else {
            display(out, limit_clause)?;
        }
    }
    if let Some(settings) = settings {
        out.push_str(" SETTINGS ");
        comma_separated(out, settings, display)?;
    }
    if let Some(fetch) = fetch {
        out.push(' ');
        display(out, fetch)?;
    }
    for lock in locks {
        out.push(' ');
        display(out, lock)?;
    }
    if let Some(for_clause) = for_clause {
        out.push(' ');
        display(out, for_clause)?;
    }
    if let Some(format_clause) = format_clause {
        out.push(' ');
        display(out, format_clause)?;
    }
    for pipe_operator in pipe_operators {
        out.push_str(" |> ");
        display(out, pipe_operator)?;
    }
    Ok(())
}

/// A WITH that [`plain_with`] accepted.
fn with(out: &mut String, with: &With) -> fmt::Result {
    let With {
        with_token: _,
        recursive,
        cte_tables,
    } = with;
    out.push_str("WITH ");
    if *recursive {
        out.push_str("RECURSIVE ");
    }
    comma_separated(out, cte_tables, cte)
}

/// `name [(columns)] AS [[NOT] MATERIALIZED] (query)`.
fn cte(out: &mut String, cte: &Cte) -> fmt::Result {
    let Cte {
        alias,
        query,
        from,
        materialized,
        closing_paren_token: _,
    } = cte;
    table_alias(out, alias)?;
    out.push_str(match materialized {
        None => " AS (",
        Some(CteAsMaterialized::Materialized) => " AS MATERIALIZED (",
        Some(CteAsMaterialized::NotMaterialized) => " AS NOT MATERIALIZED (",
    });
    self::query(out, query)?;
    out.push(')');
    if let Some(from) = from {
        out.push_str(" FROM ");
        ident(out, from)?;
    }
    Ok(())
}

/// An ORDER BY that [`plain_order_by`] accepted.
fn order_by(out: &mut String, order_by: &OrderBy) -> fmt::Result {
    match &order_by.kind {
        OrderByKind::Expressions(exprs) => {
            out.push_str("ORDER BY ");
            comma_separated(out, exprs, order_by_expr)
        }
        OrderByKind::All(_) => display(out, order_by),
    }
}

/// One ORDER BY item; `USING <operator>` options go through `Display`.
fn order_by_expr(out: &mut String, order: &OrderByExpr) -> fmt::Result {
    let OrderByExpr {
        expr,
        options,
        with_fill,
    } = order;
    self::expr(out, expr)?;
    let OrderByOptions { sort, nulls_first } = options;
    if let Some(OrderBySort::Using(_)) = sort {
        display(out, options)?;
    } else {
        match sort {
            Some(OrderBySort::Asc) => out.push_str(" ASC"),
            Some(OrderBySort::Desc) => out.push_str(" DESC"),
            Some(OrderBySort::Using(_)) | None => {}
        }
        match nulls_first {
            Some(true) => out.push_str(" NULLS FIRST"),
            Some(false) => out.push_str(" NULLS LAST"),
            None => {}
        }
    }
    if let Some(with_fill) = with_fill {
        out.push(' ');
        display(out, with_fill)?;
    }
    Ok(())
}

/// A LIMIT clause that [`plain_limit`] accepted.
fn limit(out: &mut String, limit_clause: &LimitClause) -> fmt::Result {
    let LimitClause::LimitOffset {
        limit,
        offset,
        limit_by,
    } = limit_clause
    else {
        return display(out, limit_clause);
    };
    if !limit_by.is_empty() {
        return display(out, limit_clause);
    }
    if let Some(limit) = limit {
        out.push_str(" LIMIT ");
        expr(out, limit)?;
    }
    if let Some(Offset { value, rows }) = offset {
        out.push_str(" OFFSET ");
        expr(out, value)?;
        out.push_str(match rows {
            OffsetRows::None => "",
            OffsetRows::Row => " ROW",
            OffsetRows::Rows => " ROWS",
        });
    }
    Ok(())
}

/// A query body: plain SELECTs, parenthesized queries, set operations and VALUES by hand.
fn set_expr(out: &mut String, body: &SetExpr) -> fmt::Result {
    match body {
        SetExpr::Select(select)
            if plain_select(select) && select.flavor == SelectFlavor::Standard =>
        {
            self::select(out, select)
        }
        SetExpr::Query(query) => {
            out.push('(');
            self::query(out, query)?;
            out.push(')');
            Ok(())
        }
        SetExpr::SetOperation {
            left,
            op,
            set_quantifier,
            right,
        } => {
            set_expr(out, left)?;
            out.push_str(match op {
                SetOperator::Union => " UNION",
                SetOperator::Except => " EXCEPT",
                SetOperator::Intersect => " INTERSECT",
                SetOperator::Minus => " MINUS",
            });
            out.push_str(match set_quantifier {
                SetQuantifier::All => " ALL",
                SetQuantifier::Distinct => " DISTINCT",
                SetQuantifier::ByName => " BY NAME",
                SetQuantifier::AllByName => " ALL BY NAME",
                SetQuantifier::DistinctByName => " DISTINCT BY NAME",
                SetQuantifier::None => "",
            });
            out.push(' ');
            set_expr(out, right)
        }
        SetExpr::Values(values) => self::values(out, values),
        _ => display(out, body),
    }
}

/// `VALUES (...), (...)`.
fn values(out: &mut String, values: &Values) -> fmt::Result {
    let Values {
        explicit_row,
        value_keyword,
        rows,
    } = values;
    out.push_str(if *value_keyword { "VALUE" } else { "VALUES" });
    let prefix = if *explicit_row { "ROW(" } else { "(" };
    for (i, row) in rows.iter().enumerate() {
        out.push_str(if i == 0 { " " } else { ", " });
        out.push_str(prefix);
        comma_separated(out, &row.content, expr)?;
        out.push(')');
    }
    Ok(())
}

/// A standard-flavor SELECT that [`plain_select`] accepted: the clauses it rules out are empty.
fn select(out: &mut String, select: &Select) -> fmt::Result {
    out.push_str("SELECT");
    match &select.distinct {
        None => {}
        Some(Distinct::Distinct) => out.push_str(" DISTINCT"),
        Some(Distinct::All) => out.push_str(" ALL"),
        Some(distinct @ Distinct::On(_)) => {
            out.push(' ');
            display(out, distinct)?;
        }
    }
    if !select.projection.is_empty() {
        out.push(' ');
        comma_separated(out, &select.projection, select_item)?;
    }
    if !select.from.is_empty() {
        out.push_str(" FROM ");
        comma_separated(out, &select.from, table_with_joins)?;
    }
    if let Some(selection) = &select.selection {
        out.push_str(" WHERE ");
        expr(out, selection)?;
    }
    match &select.group_by {
        GroupByExpr::Expressions(exprs, _) if exprs.is_empty() => {}
        GroupByExpr::Expressions(exprs, modifiers) if modifiers.is_empty() => {
            out.push_str(" GROUP BY ");
            comma_separated(out, exprs, expr)?;
        }
        group_by => {
            out.push(' ');
            display(out, group_by)?;
        }
    }
    if let Some(having) = &select.having {
        out.push_str(" HAVING ");
        expr(out, having)?;
    }
    Ok(())
}

/// A select-list item; wildcards with dialect options go through `Display`.
fn select_item(out: &mut String, item: &SelectItem) -> fmt::Result {
    match item {
        SelectItem::UnnamedExpr(e) => expr(out, e),
        SelectItem::ExprWithAlias { expr: e, alias } => {
            expr(out, e)?;
            out.push_str(" AS ");
            ident(out, alias)
        }
        SelectItem::ExprWithAliases { expr: e, aliases } => {
            expr(out, e)?;
            out.push_str(" AS (");
            comma_separated(out, aliases, ident)?;
            out.push(')');
            Ok(())
        }
        SelectItem::Wildcard(options) if no_wildcard_options(options) => {
            out.push('*');
            Ok(())
        }
        SelectItem::QualifiedWildcard(
            SelectItemQualifiedWildcardKind::ObjectName(name),
            options,
        ) if no_wildcard_options(options) => {
            object_name(out, name)?;
            out.push_str(".*");
            Ok(())
        }
        _ => display(out, item),
    }
}

/// A wildcard with none of the dialect options that `Display` writes after the `*`.
fn no_wildcard_options(options: &WildcardAdditionalOptions) -> bool {
    let WildcardAdditionalOptions {
        wildcard_token: _,
        opt_ilike,
        opt_exclude,
        opt_except,
        opt_replace,
        opt_rename,
        opt_alias,
    } = options;
    opt_ilike.is_none()
        && opt_exclude.is_none()
        && opt_except.is_none()
        && opt_replace.is_none()
        && opt_rename.is_none()
        && opt_alias.is_none()
}

/// A FROM item and its joins.
fn table_with_joins(out: &mut String, item: &TableWithJoins) -> fmt::Result {
    let TableWithJoins { relation, joins } = item;
    factor(out, relation)?;
    for join in joins {
        out.push(' ');
        self::join(out, join)?;
    }
    Ok(())
}

/// A join of the common kinds (ON, USING, NATURAL or no constraint); others via `Display`.
fn join(out: &mut String, join: &Join) -> fmt::Result {
    let Join {
        relation,
        global,
        join_operator,
    } = join;
    let (keyword, constraint) = match join_operator {
        JoinOperator::Join(c) => ("JOIN ", c),
        JoinOperator::Inner(c) => ("INNER JOIN ", c),
        JoinOperator::Left(c) => ("LEFT JOIN ", c),
        JoinOperator::LeftOuter(c) => ("LEFT OUTER JOIN ", c),
        JoinOperator::Right(c) => ("RIGHT JOIN ", c),
        JoinOperator::RightOuter(c) => ("RIGHT OUTER JOIN ", c),
        JoinOperator::FullOuter(c) => ("FULL JOIN ", c),
        // CROSS JOIN never writes NATURAL.
        JoinOperator::CrossJoin(c) if !matches!(c, JoinConstraint::Natural) => ("CROSS JOIN ", c),
        _ => return display(out, join),
    };
    if *global {
        return display(out, join);
    }
    if matches!(constraint, JoinConstraint::Natural) {
        out.push_str("NATURAL ");
    }
    out.push_str(keyword);
    factor(out, relation)?;
    match constraint {
        JoinConstraint::On(condition) => {
            out.push_str(" ON ");
            expr(out, condition)
        }
        JoinConstraint::Using(columns) => {
            out.push_str(" USING(");
            comma_separated(out, columns, object_name)?;
            out.push(')');
            Ok(())
        }
        JoinConstraint::UsingAlias(columns, alias) => {
            out.push_str(" USING(");
            comma_separated(out, columns, object_name)?;
            out.push_str(") AS ");
            ident(out, alias)
        }
        JoinConstraint::Natural | JoinConstraint::None => Ok(()),
    }
}

/// A plain table or derived table; every other table factor goes through `Display`.
fn factor(out: &mut String, factor: &TableFactor) -> fmt::Result {
    match factor {
        TableFactor::Table {
            name,
            alias,
            args: None,
            with_hints,
            version: None,
            with_ordinality,
            partitions,
            json_path: None,
            sample: None,
            index_directives,
            inheritance,
        } if with_hints.is_empty()
            && partitions.is_empty()
            && index_directives.is_empty()
            && plain_alias(alias.as_ref()) =>
        {
            match inheritance {
                None => object_name(out, name)?,
                Some(TableInheritance::Only {
                    parenthesized: false,
                }) => {
                    out.push_str("ONLY ");
                    object_name(out, name)?;
                }
                Some(TableInheritance::Only {
                    parenthesized: true,
                }) => {
                    out.push_str("ONLY (");
                    object_name(out, name)?;
                    out.push(')');
                }
                Some(TableInheritance::IncludeDescendants) => {
                    object_name(out, name)?;
                    out.push_str(" *");
                }
            }
            if *with_ordinality {
                out.push_str(" WITH ORDINALITY");
            }
            if let Some(alias) = alias {
                out.push(' ');
                table_alias(out, alias)?;
            }
            Ok(())
        }
        TableFactor::Derived {
            lateral,
            subquery,
            alias,
            sample: None,
        } if plain_alias(alias.as_ref()) => {
            out.push_str(if *lateral { "LATERAL (" } else { "(" });
            query(out, subquery)?;
            out.push(')');
            if let Some(alias) = alias {
                out.push(' ');
                table_alias(out, alias)?;
            }
            Ok(())
        }
        _ => display(out, factor),
    }
}

/// An alias that [`plain_alias`] accepted: its columns have no types.
fn table_alias(out: &mut String, alias: &TableAlias) -> fmt::Result {
    let TableAlias {
        explicit,
        name,
        columns,
        at,
    } = alias;
    if *explicit {
        out.push_str("AS ");
    }
    ident(out, name)?;
    if !columns.is_empty() {
        out.push_str(" (");
        comma_separated(out, columns, |out, column| match &column.data_type {
            None => ident(out, &column.name),
            Some(_) => display(out, column),
        })?;
        out.push(')');
    }
    if let Some(at) = at {
        out.push_str(" AT ");
        ident(out, at)?;
    }
    Ok(())
}

/// A dotted name.
fn object_name(out: &mut String, name: &ObjectName) -> fmt::Result {
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
fn ident(out: &mut String, ident: &Ident) -> fmt::Result {
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
fn value(out: &mut String, value: &ValueWithSpan) -> fmt::Result {
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
fn expr(out: &mut String, e: &Expr) -> fmt::Result {
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
fn function(out: &mut String, function: &Function) -> fmt::Result {
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
fn function_arg(out: &mut String, arg: &FunctionArg) -> fmt::Result {
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
fn postfix(out: &mut String, operand: &Expr, suffix: &str) -> fmt::Result {
    expr(out, operand)?;
    out.push_str(suffix);
    Ok(())
}

/// `(query)`.
fn parenthesized_query(out: &mut String, subquery: &Query) -> fmt::Result {
    out.push('(');
    query(out, subquery)?;
    out.push(')');
    Ok(())
}

/// `NOT`, `+` and `-`; the other prefix and postfix operators go through `Display`.
fn unary(out: &mut String, whole: &Expr, op: UnaryOperator, operand: &Expr) -> fmt::Result {
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
fn like(
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
fn quantified(
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
fn binary_operator(out: &mut String, op: &BinaryOperator) -> fmt::Result {
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

#[cfg(test)]
mod tests {
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::parser::Parser;

    use super::FALLBACKS;

    /// Renders `sql` by hand and through `Display`: both texts and the number of fallbacks.
    fn both(sql: &str) -> Result<(String, String, usize), String> {
        let statements =
            Parser::parse_sql(&PostgreSqlDialect {}, sql).map_err(|e| format!("{sql}: {e}"))?;
        let [statement] = statements.as_slice() else {
            return Err(format!("{sql}: not one statement"));
        };
        FALLBACKS.with(|f| f.set(0));
        let mut hand = String::new();
        super::statement(&mut hand, statement).map_err(|e| format!("{sql}: {e}"))?;
        let fallbacks = FALLBACKS.with(std::cell::Cell::get);
        Ok((hand, statement.to_string(), fallbacks))
    }

    /// Statements made only of node kinds the renderer writes by hand.
    const PLAIN: &[&str] = &[
        "SELECT 1",
        "SELECT a, b, c FROM t",
        "SELECT t.a, s.t.b FROM s.t",
        "SELECT * FROM t",
        "SELECT t.* FROM t",
        "SELECT s.t.* FROM s.t",
        "SELECT a AS x, b y FROM t AS u",
        "SELECT a FROM t u WHERE u.a = 1",
        "SELECT DISTINCT a FROM t",
        "SELECT ALL a FROM t",
        "SELECT a FROM t WHERE a = 1 AND b = 2 OR c = 3",
        "SELECT a FROM t WHERE (a = 1 OR b = 2) AND c = 3",
        "SELECT a FROM t WHERE a = 1 AND (b = 2 OR (c = 3 AND (d = 4 OR e = 5)))",
        "SELECT a FROM t WHERE ((a = 1))",
        "SELECT a FROM t WHERE NOT a AND NOT (b OR c)",
        "SELECT a FROM t WHERE a <> 1 AND b != 2 AND c < 3 AND d <= 4 AND e > 5 AND f >= 6",
        "SELECT a + b - c * d / e % f, a || b FROM t",
        "SELECT -1, - 2, -a, -(-a), - -a, - - -a, - +a, -(+a), +a, -'x', 1 - -1, 2 * -$1 FROM t",
        "SELECT a FROM t WHERE a IN (1, 2, 3) AND b NOT IN ('x', 'y')",
        "SELECT a FROM t WHERE a IN (SELECT b FROM u WHERE u.c = t.c)",
        "SELECT a FROM t WHERE a NOT IN (SELECT b FROM u)",
        "SELECT a FROM t WHERE EXISTS (SELECT 1 FROM u) AND NOT EXISTS (SELECT 1 FROM v)",
        "SELECT (SELECT max(b) FROM u) AS m FROM t",
        "SELECT a FROM t WHERE a = ANY(SELECT b FROM u) AND c > ALL(SELECT d FROM v)",
        "SELECT a FROM t WHERE a = ANY($1) AND b <> ALL(ARRAY[1, 2]) AND c = SOME(SELECT 1)",
        "SELECT a FROM t WHERE a IS NULL AND b IS NOT NULL",
        "SELECT a FROM t WHERE a IS TRUE OR a IS NOT TRUE OR a IS FALSE OR a IS NOT FALSE",
        "SELECT a FROM t WHERE a IS UNKNOWN OR a IS NOT UNKNOWN",
        "SELECT a FROM t WHERE a IS DISTINCT FROM b AND c IS NOT DISTINCT FROM d",
        "SELECT a FROM t WHERE a BETWEEN 1 AND 10 AND b NOT BETWEEN $1 AND $2",
        "SELECT a FROM t WHERE (a, b) = (1, 2) AND (c, d) IN ((1, 2), (3, 4))",
        "SELECT a FROM t WHERE a LIKE 'x%' AND b NOT LIKE '%y' AND c ILIKE $1 AND d NOT ILIKE 'z'",
        "SELECT a FROM t WHERE a ~ 'x' AND b ~* 'y' AND c !~ 'z' AND d !~* 'w'",
        "SELECT a->'k', a->>'k', a#>'{k}', a#>>'{k}' FROM t WHERE a @> '{}' AND b <@ c",
        "SELECT a FROM t WHERE a && b AND a ? 'k' AND a ?| b AND a ?& b",
        "SELECT a FROM t WHERE a = $1 AND b = $2 AND c = $10",
        "SELECT 'it''s', 'plain', '' FROM t",
        "SELECT 1.5, 1e10, -0.5, TRUE, false, NULL FROM t",
        "SELECT $1::uuid, a::text, (a + 1)::bigint FROM t",
        "SELECT \"Weird Name\", \"quo\"\"te\", \"ünï\", ünïcödé FROM \"T\".\"Tab le\"",
        "SELECT a FROM t ORDER BY a",
        "SELECT a FROM t ORDER BY a ASC, b DESC, c NULLS FIRST, d DESC NULLS LAST, e ASC NULLS LAST",
        "SELECT a FROM t LIMIT 10",
        "SELECT a FROM t LIMIT $1 OFFSET $2",
        "SELECT a FROM t OFFSET 5",
        "SELECT a FROM t OFFSET 5 ROWS",
        "SELECT a FROM t ORDER BY a DESC LIMIT 10 OFFSET 20",
        "SELECT a, b FROM t GROUP BY a, b HAVING a > 1",
        "SELECT a FROM t GROUP BY a",
        "SELECT a FROM t JOIN u ON u.id = t.id",
        "SELECT a FROM t INNER JOIN u ON u.id = t.id",
        "SELECT a FROM t LEFT JOIN u ON u.id = t.id LEFT OUTER JOIN v ON v.id = u.id",
        "SELECT a FROM t RIGHT JOIN u ON u.id = t.id RIGHT OUTER JOIN v ON TRUE",
        "SELECT a FROM t FULL JOIN u ON u.id = t.id FULL OUTER JOIN v ON v.a = t.a",
        "SELECT a FROM t CROSS JOIN u",
        "SELECT a FROM t JOIN u USING (id) JOIN v USING (id, b)",
        "SELECT a FROM t NATURAL JOIN u NATURAL LEFT JOIN v NATURAL FULL JOIN w",
        "SELECT a FROM t, u, v WHERE t.id = u.id",
        "SELECT a FROM t AS x (a, b) JOIN u AS y (c) ON x.a = y.c",
        "SELECT a FROM (SELECT a FROM t) AS s",
        "SELECT a FROM (SELECT a FROM t) s (b)",
        "SELECT a FROM t, LATERAL (SELECT b FROM u WHERE u.a = t.a) AS l",
        "SELECT a FROM t JOIN LATERAL (SELECT b FROM u) l ON TRUE",
        "SELECT a FROM ONLY t",
        "SELECT a FROM t *",
        "WITH c AS (SELECT a FROM t) SELECT a FROM c",
        "WITH c (x, y) AS (SELECT a, b FROM t), d AS (SELECT x FROM c) SELECT * FROM d",
        "WITH RECURSIVE r (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT n FROM r",
        "WITH c AS MATERIALIZED (SELECT 1), d AS NOT MATERIALIZED (SELECT 2) SELECT * FROM c, d",
        "SELECT a FROM t UNION SELECT a FROM u",
        "SELECT a FROM t UNION ALL SELECT a FROM u UNION DISTINCT SELECT a FROM v",
        "SELECT a FROM t INTERSECT SELECT a FROM u INTERSECT ALL SELECT a FROM v",
        "SELECT a FROM t EXCEPT SELECT a FROM u EXCEPT ALL SELECT a FROM v",
        "(SELECT a FROM t) UNION (SELECT a FROM u ORDER BY a LIMIT 1) ORDER BY 1",
        "SELECT a FROM t UNION (SELECT a FROM u INTERSECT SELECT a FROM v)",
        "VALUES (1, 'a'), (2, 'b')",
        "SELECT * FROM (VALUES (1), (2)) AS v (n)",
        "UPDATE t SET a = 1",
        "UPDATE t SET a = $1, b = b + 1 WHERE id = $2",
        "UPDATE t AS x SET a = NULL WHERE x.id IN (SELECT id FROM u WHERE u.b = $1)",
        "UPDATE t SET (a, b) = (1, 2) WHERE id = 1 RETURNING id, a AS x",
        "UPDATE t SET a = 1 RETURNING *",
        "UPDATE ONLY t SET a = 1 WHERE NOT (a = 1 OR b = 2)",
        "DELETE FROM t",
        "DELETE FROM t WHERE id = $1",
        "DELETE FROM t AS x USING u, v WHERE x.id = u.id AND u.v = v.id RETURNING x.id",
        "DELETE FROM t WHERE a IN (SELECT b FROM u) RETURNING *",
        "INSERT INTO t (a, b) VALUES ($1, $2)",
        "INSERT INTO t VALUES (1, 'x'), (2, 'y') RETURNING id",
        "INSERT INTO t AS x (a) VALUES (1)",
        "INSERT INTO s.t (a, b) SELECT a, b FROM u WHERE u.c = $1",
        "INSERT INTO t (a) WITH c AS (SELECT 1) SELECT * FROM c",
        "SELECT count(*), count(id), max(a + 1), lower(title) FROM t",
        "SELECT coalesce(a, b, 'x'), now(), f(), current_timestamp, CURRENT_DATE FROM t",
        "SELECT upper(lower(btrim(a))), round(avg(b), 2) FROM t GROUP BY a HAVING count(*) > 1",
        "SELECT a FROM t WHERE lower(a) = lower($1) AND length(b) BETWEEN 1 AND 10",
        "SELECT coalesce((SELECT max(b) FROM u WHERE u.a = t.a), 0) FROM t",
        "SELECT f(EXISTS (SELECT 1 FROM u)), g(a IN (SELECT b FROM u)), h((a, b)) FROM t",
        "SELECT pg_catalog.lower(a), \"Quoted\"(b), s.\"F n\"(c) FROM t",
        "SELECT -abs(a), - f(-a), NOT is_ok(a), f(a) IS NULL FROM t",
        "SELECT a FROM t ORDER BY lower(a) DESC LIMIT greatest($1, 1)",
        "SELECT a FROM t JOIN u ON lower(u.a) = lower(t.a) WHERE t.b > now()",
        "UPDATE t SET at = now(), n = coalesce(n, 0) + 1 WHERE id = $1 RETURNING lower(a)",
        "INSERT INTO t (a, b) VALUES (gen_random_uuid(), now())",
        "DELETE FROM t WHERE created_at < now() AND id = ANY(f($1))",
    ];

    /// Statements with node kinds that go to `Display`, alone or inside hand-written ones.
    const FALLBACK: &[&str] = &[
        "SELECT count(DISTINCT a), count(ALL a), lower(a) FROM t",
        "SELECT count(*) FILTER (WHERE a > 1), count(*) FROM t",
        "SELECT string_agg(x, ',' ORDER BY y), array_agg(DISTINCT x ORDER BY x) FROM t",
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY a) FROM t",
        "SELECT make_interval(days => 1), f(a := 1), f(t.*) FROM t",
        "SELECT ARRAY(SELECT 1), sum(a) OVER w FROM t WINDOW w AS (ORDER BY a)",
        "SELECT CAST(a AS TEXT), CASE WHEN a THEN 1 ELSE 2 END, CASE a WHEN 1 THEN 'x' END FROM t",
        "SELECT row_number() OVER (PARTITION BY a ORDER BY b) FROM t",
        "SELECT sum(a) FILTER (WHERE b) FROM t WINDOW w AS (ORDER BY a)",
        "SELECT a FROM t FOR UPDATE",
        "SELECT a FROM t WHERE id = $1 FOR UPDATE SKIP LOCKED",
        "SELECT a FROM t FOR SHARE OF t NOWAIT FOR UPDATE",
        "SELECT DISTINCT ON (a) a, b FROM t ORDER BY a, b",
        "SELECT a FROM t FETCH FIRST 10 ROWS ONLY",
        "SELECT a FROM t ORDER BY a USING <",
        "SELECT a FROM t WHERE a LIKE 'x!%' ESCAPE '!'",
        "SELECT E'a\\nb', $$dollar$$, B'101', X'ff', U&'\\0041' FROM t",
        "SELECT 'it''s' || E'it\\'s' FROM t",
        "SELECT ~a, !!a, |/a, @a FROM t",
        "SELECT a FROM t WHERE a @@ b AND c << d AND e OPERATOR(pg_catalog.+) f",
        "SELECT a FROM generate_series(1, 10) AS g (a)",
        "SELECT a FROM t, unnest(t.arr) WITH ORDINALITY AS u (x, n)",
        "SELECT a FROM t TABLESAMPLE BERNOULLI (10)",
        "SELECT a FROM t WHERE a = ANY(ARRAY[1, 2]) AND b IN (SELECT unnest($1::int[]))",
        "SELECT a FROM t WHERE x AT TIME ZONE 'UTC' > now() - INTERVAL '1 day'",
        "SELECT EXTRACT(YEAR FROM a), SUBSTRING(a FROM 1 FOR 2), TRIM(a), POSITION('x' IN a) FROM t",
        "SELECT a COLLATE \"C\", a IS JSON, a[1], (a).b FROM t",
        "SELECT a FROM t GROUP BY ROLLUP (a, b)",
        "SELECT a FROM t GROUP BY GROUPING SETS ((a), (b))",
        "SELECT a INTO u FROM t",
        "SELECT a FROM t WHERE a = (SELECT b FROM u FOR UPDATE)",
        "INSERT INTO t (a) VALUES (1) ON CONFLICT (a) DO UPDATE SET b = excluded.b WHERE t.c = 1",
        "INSERT INTO t (a) VALUES (1) ON CONFLICT DO NOTHING RETURNING *",
        "INSERT INTO t DEFAULT VALUES",
        "INSERT INTO t (a) OVERRIDING SYSTEM VALUE VALUES (1)",
        "UPDATE t SET a = u.a FROM u WHERE u.id = t.id",
        "SELECT - @a, - ~a, - |/a, -(a)::int, -a::int, - -b[1] FROM t",
        "MERGE INTO t USING u ON t.id = u.id WHEN MATCHED THEN UPDATE SET a = u.a",
        "EXPLAIN SELECT a FROM t",
        "SET search_path = public",
        "TRUNCATE t",
        "CREATE TABLE t (a INT)",
        "SELECT \"a\"\"b\" FROM t",
    ];

    /// Every statement of `list` whose hand rendering differs from `Display`, with both texts.
    fn mismatches(list: &[&str]) -> Vec<String> {
        list.iter()
            .filter_map(|sql| match both(sql) {
                Ok((hand, displayed, _)) => (hand != displayed)
                    .then(|| format!("{sql}\n  hand:    {hand}\n  display: {displayed}")),
                Err(error) => Some(error),
            })
            .collect()
    }

    #[test]
    fn plain_statements_render_by_hand_exactly_as_display() {
        assert!(PLAIN.len() >= 60);
        let wrong = mismatches(PLAIN);
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn plain_statements_need_no_fallback() {
        // Only these plain statements contain a node that goes to `Display` (an ARRAY, a data
        // type, a quote inside a literal or an identifier).
        const EXPECTED: [&str; 4] = [
            "SELECT $1::uuid, a::text, (a + 1)::bigint FROM t",
            "SELECT a FROM t WHERE a = ANY($1) AND b <> ALL(ARRAY[1, 2]) AND c = SOME(SELECT 1)",
            "SELECT 'it''s', 'plain', '' FROM t",
            "SELECT \"Weird Name\", \"quo\"\"te\", \"ünï\", ünïcödé FROM \"T\".\"Tab le\"",
        ];
        let wrong: Vec<String> = PLAIN
            .iter()
            .filter_map(|sql| match both(sql) {
                Ok((_, _, fallbacks)) => (EXPECTED.contains(sql) != (fallbacks > 0))
                    .then(|| format!("{sql}: {fallbacks} fallbacks")),
                Err(error) => Some(error),
            })
            .collect();
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn function_calls_with_clauses_go_to_display() {
        // Each holds one call that `plain_function` must refuse (the renderer would drop its
        // DISTINCT, ORDER BY, FILTER, WITHIN GROUP, OVER, or would write its named argument or
        // qualified wildcard through `Display`).
        let calls = [
            "SELECT count(DISTINCT a) FROM t",
            "SELECT count(ALL a) FROM t",
            "SELECT count(*) FILTER (WHERE a > 1) FROM t",
            "SELECT string_agg(x, ',' ORDER BY y) FROM t",
            "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY a) FROM t",
            "SELECT row_number() OVER (ORDER BY a) FROM t",
            "SELECT make_interval(days => 1) FROM t",
            "SELECT f(t.*) FROM t",
        ];
        let wrong: Vec<String> = calls
            .iter()
            .filter_map(|sql| match both(sql) {
                Ok((hand, displayed, fallbacks)) => (hand != displayed || fallbacks == 0)
                    .then(|| format!("{sql}: {fallbacks} fallbacks, hand {hand}")),
                Err(error) => Some(error),
            })
            .collect();
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn fallback_statements_render_exactly_as_display() {
        let wrong = mismatches(FALLBACK);
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }
}
