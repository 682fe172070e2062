//! Queries: WITH, set operations, SELECT, VALUES, FROM and joins, ORDER BY and LIMIT.

use std::fmt;

use sqlparser::ast::{
    Cte, CteAsMaterialized, Distinct, GroupByExpr, Join, JoinConstraint, JoinOperator, LimitClause,
    Offset, OffsetRows, OrderBy, OrderByExpr, OrderByKind, OrderByOptions, OrderBySort, Query,
    Select, SelectFlavor, SelectItem, SelectItemQualifiedWildcardKind, SetExpr, SetOperator,
    SetQuantifier, TableAlias, TableFactor, TableInheritance, TableWithJoins, Values,
    WildcardAdditionalOptions, With,
};

use crate::rewrite::shape::{plain_alias, plain_limit, plain_order_by, plain_select, plain_with};

use super::*;

/// A query: the plain parts by hand, FETCH, locks and the dialect clauses through `Display`.
pub(super) fn query(out: &mut String, query: &Query) -> fmt::Result {
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
pub(super) fn with(out: &mut String, with: &With) -> fmt::Result {
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
pub(super) fn cte(out: &mut String, cte: &Cte) -> fmt::Result {
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
pub(super) fn order_by(out: &mut String, order_by: &OrderBy) -> fmt::Result {
    match &order_by.kind {
        OrderByKind::Expressions(exprs) => {
            out.push_str("ORDER BY ");
            comma_separated(out, exprs, order_by_expr)
        }
        OrderByKind::All(_) => display(out, order_by),
    }
}

/// One ORDER BY item; `USING <operator>` options go through `Display`.
pub(super) fn order_by_expr(out: &mut String, order: &OrderByExpr) -> fmt::Result {
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
pub(super) fn limit(out: &mut String, limit_clause: &LimitClause) -> fmt::Result {
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
pub(super) fn set_expr(out: &mut String, body: &SetExpr) -> fmt::Result {
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
pub(super) fn values(out: &mut String, values: &Values) -> fmt::Result {
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
pub(super) fn select(out: &mut String, select: &Select) -> fmt::Result {
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
pub(super) fn select_item(out: &mut String, item: &SelectItem) -> fmt::Result {
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
pub(super) fn no_wildcard_options(options: &WildcardAdditionalOptions) -> bool {
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
pub(super) fn table_with_joins(out: &mut String, item: &TableWithJoins) -> fmt::Result {
    let TableWithJoins { relation, joins } = item;
    factor(out, relation)?;
    for join in joins {
        out.push(' ');
        self::join(out, join)?;
    }
    Ok(())
}

/// A join of the common kinds (ON, USING, NATURAL or no constraint); others via `Display`.
pub(super) fn join(out: &mut String, join: &Join) -> fmt::Result {
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
pub(super) fn factor(out: &mut String, factor: &TableFactor) -> fmt::Result {
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
pub(super) fn table_alias(out: &mut String, alias: &TableAlias) -> fmt::Result {
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
