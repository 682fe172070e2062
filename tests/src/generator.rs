//! Random `SELECT`s over the test schema, for the property test.
//!
//! Every generated query has the same two columns: `tenants`, an array of the tenant column of
//! every table reference that can reach the output (each FROM item, derived tables and CTEs
//! included, and a scalar subquery when there is one), and `ids`, some of the rows' ids. A correct
//! rewrite for tenant `T` therefore returns only `tenants` arrays whose non-NULL elements are all
//! `T` — NULLs come from outer joins.
//!
//! Queries are built from a vector of numbers ([`build`]); proptest shrinks the numbers toward
//! zero, and choice 0 is always the simplest option, so failures shrink to small queries.

use std::fmt::Write as _;

use proptest::prelude::*;

/// A table the generator may use.
#[derive(Clone, Copy, Debug)]
pub struct GenTable {
    /// The name as written in SQL.
    pub sql_name: &'static str,
    /// The tenant column.
    pub tenant_column: &'static str,
    /// Integer columns usable in joins and predicates.
    pub ints: &'static [&'static str],
}

/// The tables of [`crate::schema`] with their integer columns.
pub const GEN_TABLES: [GenTable; 8] = [
    GenTable {
        sql_name: "tasks",
        tenant_column: "tenant_id",
        ints: &[
            "id",
            "project_id",
            "parent_id",
            "priority",
            "assignee_id",
            "estimate",
        ],
    },
    GenTable {
        sql_name: "projects",
        tenant_column: "tenant_id",
        ints: &["id", "owner_id", "budget"],
    },
    GenTable {
        sql_name: "users",
        tenant_column: "tenant_id",
        ints: &["id", "manager_id"],
    },
    GenTable {
        sql_name: "comments",
        tenant_column: "tenant_id",
        ints: &["id", "task_id", "author_id"],
    },
    GenTable {
        sql_name: "tags",
        tenant_column: "tenant_id",
        ints: &["id"],
    },
    GenTable {
        sql_name: "task_tags",
        tenant_column: "tenant_id",
        ints: &["task_id", "tag_id"],
    },
    GenTable {
        sql_name: "accounts",
        tenant_column: "id",
        ints: &["id", "plan_id"],
    },
    GenTable {
        sql_name: "app.\"Events\"",
        tenant_column: "tenant_id",
        ints: &["id", "task_id"],
    },
];

/// The strategy: choice numbers and the index of the tenant to run for.
pub fn choices() -> impl Strategy<Value = (Vec<u32>, usize)> {
    (prop::collection::vec(any::<u32>(), 48..96), 0..3_usize)
}

/// Reads choices; past the end it keeps answering 0 (the simplest option).
struct Chooser<'a> {
    numbers: &'a [u32],
    at: usize,
}

impl Chooser<'_> {
    fn pick(&mut self, n: usize) -> usize {
        let v = self.numbers.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        usize::try_from(v).unwrap_or(0) % n.max(1)
    }
    fn table(&mut self) -> GenTable {
        GEN_TABLES[self.pick(GEN_TABLES.len())]
    }
}

/// One FROM item in scope: its alias, tenant column and integer columns.
struct Alias {
    name: String,
    tenant: &'static str,
    ints: &'static [&'static str],
}

/// Builds one query from `numbers`.
#[must_use]
pub fn build(numbers: &[u32]) -> String {
    let mut ch = Chooser { numbers, at: 0 };
    let mut n = 0;
    let first = select(&mut ch, &mut n);
    match ch.pick(6) {
        0..=2 => first,
        3 => format!("WITH w AS ({first}) SELECT tenants, ids FROM w"),
        _ => {
            let second = select(&mut ch, &mut n);
            let op = ["UNION", "UNION ALL", "INTERSECT", "EXCEPT"][ch.pick(4)];
            format!("({first}) {op} ({second})")
        }
    }
}

/// A SELECT with 1-4 FROM items, optional WHERE and scalar subquery. `n` numbers aliases globally.
fn select(ch: &mut Chooser<'_>, n: &mut usize) -> String {
    let mut ctes = Vec::new();
    let mut aliases = Vec::new();
    let mut from = source(ch, n, &mut ctes, &mut aliases);
    // A comma starts a new join tree; ON clauses and LATERAL items may only see their own tree.
    let mut tree_start = 0;
    for _ in 0..ch.pick(4) {
        let prev = tree_start + ch.pick(aliases.len() - tree_start);
        let (prev_name, prev_col) = {
            let p: &Alias = &aliases[prev];
            (p.name.clone(), p.ints[ch.pick(p.ints.len())])
        };
        match ch.pick(7) {
            kind @ 0..=3 => {
                let item = source(ch, n, &mut ctes, &mut aliases);
                let (new, col) = aliases.last().map_or(("?".to_owned(), "id"), |a| {
                    (a.name.clone(), a.ints[ch.pick(a.ints.len())])
                });
                let join = ["JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN"][kind];
                let _ = write!(
                    from,
                    " {join} {item} ON {new}.{col} = {prev_name}.{prev_col}"
                );
            }
            4 => {
                let item = source(ch, n, &mut ctes, &mut aliases);
                let _ = write!(from, " CROSS JOIN {item}");
            }
            5 => {
                let item = source(ch, n, &mut ctes, &mut aliases);
                tree_start = aliases.len() - 1;
                let _ = write!(from, ", {item}");
            }
            _ => {
                let table = ch.table();
                *n += 1;
                let name = format!("a{n}");
                let col = table.ints[ch.pick(table.ints.len())];
                let cols = columns("x", table);
                let body = format!(
                    "SELECT {cols} FROM {} x WHERE x.{col} = {prev_name}.{prev_col}",
                    table.sql_name
                );
                let _ = if ch.pick(2) == 0 {
                    write!(from, " CROSS JOIN LATERAL ({body}) {name}")
                } else {
                    write!(from, " LEFT JOIN LATERAL ({body}) {name} ON true")
                };
                aliases.push(Alias {
                    name,
                    tenant: "tc",
                    ints: table.ints,
                });
            }
        }
    }
    let filter = if ch.pick(3) == 0 {
        String::new()
    } else {
        format!(" WHERE {}", predicate(ch, n, &aliases, 2))
    };
    let mut tenants: Vec<String> = aliases
        .iter()
        .map(|a| format!("{}.{}", a.name, a.tenant))
        .collect();
    if ch.pick(3) == 2 {
        let a = &aliases[ch.pick(aliases.len())];
        let table = ch.table();
        *n += 1;
        tenants.push(format!(
            "(SELECT max(s{n}.{}) FROM {} s{n} WHERE s{n}.{} = {}.{})",
            table.tenant_column,
            table.sql_name,
            table.ints[ch.pick(table.ints.len())],
            a.name,
            a.ints[ch.pick(a.ints.len())]
        ));
    }
    let ids: Vec<String> = aliases
        .iter()
        .map(|a| format!("{}.{}", a.name, a.ints[0]))
        .collect();
    let with = if ctes.is_empty() {
        String::new()
    } else {
        format!("WITH {} ", ctes.join(", "))
    };
    format!(
        "{with}SELECT ARRAY[{}]::bigint[] AS tenants, concat_ws(',', {}) AS ids FROM {from}{filter}",
        tenants.join(", "),
        ids.join(", ")
    )
}

/// A FROM item: a table, a derived table or a CTE reference; registers its alias.
fn source(
    ch: &mut Chooser<'_>,
    n: &mut usize,
    ctes: &mut Vec<String>,
    aliases: &mut Vec<Alias>,
) -> String {
    let table = ch.table();
    *n += 1;
    let name = format!("a{n}");
    let kind = ch.pick(5);
    let item = match kind {
        0..=2 => format!("{} {name}", table.sql_name),
        3 => {
            let inner = inner_filter(ch, table, "x");
            format!(
                "(SELECT {} FROM {} x{inner}) {name}",
                columns("x", table),
                table.sql_name
            )
        }
        _ => {
            let cte = format!("c{n}");
            let inner = inner_filter(ch, table, "x");
            ctes.push(format!(
                "{cte} AS (SELECT {} FROM {} x{inner})",
                columns("x", table),
                table.sql_name
            ));
            format!("{cte} {name}")
        }
    };
    let tenant = if kind <= 2 { table.tenant_column } else { "tc" };
    aliases.push(Alias {
        name,
        tenant,
        ints: table.ints,
    });
    item
}

/// `x.<tenant column> AS tc, x.<int>, ...`, the shape of derived tables and CTEs.
fn columns(alias: &str, table: GenTable) -> String {
    let mut cols = vec![format!("{alias}.{} AS tc", table.tenant_column)];
    cols.extend(
        table
            .ints
            .iter()
            .filter(|c| **c != table.tenant_column)
            .map(|c| format!("{alias}.{c}")),
    );
    if table.tenant_column == "id" {
        // The tenant table's key is both its tenant column and an id.
        cols.push(format!("{alias}.id"));
    }
    cols.join(", ")
}

fn inner_filter(ch: &mut Chooser<'_>, table: GenTable, alias: &str) -> String {
    match ch.pick(3) {
        0 => String::new(),
        1 => format!(
            " WHERE {alias}.{} > {}",
            table.ints[ch.pick(table.ints.len())],
            ch.pick(5)
        ),
        _ => format!(
            " WHERE {alias}.{} IS NOT NULL",
            table.ints[ch.pick(table.ints.len())]
        ),
    }
}

fn predicate(ch: &mut Chooser<'_>, n: &mut usize, aliases: &[Alias], depth: usize) -> String {
    let a = &aliases[ch.pick(aliases.len())];
    let col = format!("{}.{}", a.name, a.ints[ch.pick(a.ints.len())]);
    let options = if depth == 0 { 5 } else { 8 };
    match ch.pick(options) {
        0 => format!(
            "{col} {} {}",
            ["=", "<>", "<", ">", "<=", ">="][ch.pick(6)],
            ch.pick(6)
        ),
        1 => format!("{col} IS {}NULL", ["", "NOT "][ch.pick(2)]),
        2 => {
            let t = ch.table();
            *n += 1;
            let sub_col = t.ints[ch.pick(t.ints.len())];
            let inner = inner_filter(ch, t, &format!("s{n}"));
            format!(
                "{col} {}IN (SELECT s{n}.{sub_col} FROM {} s{n}{inner})",
                ["", "NOT "][ch.pick(2)],
                t.sql_name
            )
        }
        3 => {
            let t = ch.table();
            *n += 1;
            let sub_col = t.ints[ch.pick(t.ints.len())];
            format!(
                "{}EXISTS (SELECT 1 FROM {} s{n} WHERE s{n}.{sub_col} = {col})",
                ["", "NOT "][ch.pick(2)],
                t.sql_name
            )
        }
        4 => {
            let t = ch.table();
            *n += 1;
            let sub_col = t.ints[ch.pick(t.ints.len())];
            format!(
                "{col} = ANY (ARRAY(SELECT s{n}.{sub_col} FROM {} s{n}))",
                t.sql_name
            )
        }
        5 => format!(
            "({} OR {})",
            predicate(ch, n, aliases, depth - 1),
            predicate(ch, n, aliases, depth - 1)
        ),
        6 => format!(
            "({} AND {})",
            predicate(ch, n, aliases, depth - 1),
            predicate(ch, n, aliases, depth - 1)
        ),
        _ => format!("NOT ({})", predicate(ch, n, aliases, depth - 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_choices_give_the_simplest_query() {
        assert_eq!(
            build(&[]),
            "SELECT ARRAY[a1.tenant_id]::bigint[] AS tenants, concat_ws(',', a1.id) AS ids FROM tasks a1"
        );
    }

    #[test]
    fn choices_give_varied_queries() {
        let queries: std::collections::HashSet<String> = (0..200_u32)
            .map(|seed| {
                let numbers: Vec<u32> = (0..64)
                    .map(|i| seed.wrapping_mul(2_654_435_761).rotate_left(i) ^ i)
                    .collect();
                build(&numbers)
            })
            .collect();
        assert!(
            queries.len() > 150,
            "only {} distinct queries",
            queries.len()
        );
        assert!(queries.iter().any(|q| q.contains("LATERAL")));
        assert!(queries.iter().any(|q| q.contains("EXISTS")));
        assert!(queries.iter().any(|q| q.contains("FULL JOIN")));
        assert!(queries.iter().any(|q| q.contains("WITH ")));
    }
}
