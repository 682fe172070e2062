//! No input takes the rewriter down: statements whose syntax tree would be too deep for a small
//! stack are refused before the parser builds it, in bounded time, and ordinary big statements
//! are still rewritten.
//!
//! Every case runs on a thread with a 2 MiB stack, the size of a tokio worker's: a stack overflow
//! aborts the whole test binary, so a regression cannot pass unnoticed. Test binaries are debug
//! builds, whose stack frames are the largest.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use tenancy_core::{Catalog, Error, RefusalKind, Rewriter, TenantId};

const STACK: usize = 2 * 1024 * 1024;

/// How long refusing the largest hostile statement (about 2 MB of text) may take in a debug
/// build on a busy machine: linear work, far from the seconds a quadratic pass would need.
const REFUSAL_TIME: Duration = Duration::from_secs(10);

fn rewriter() -> Rewriter {
    let catalog = Catalog::builder()
        .tenant_table("tasks")
        .reference_table("plans")
        .build()
        .expect("test catalog is valid");
    Rewriter::new(catalog)
}

/// Runs `f` on a thread with a 2 MiB stack and returns its result.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    on_stack(STACK, f)
}

/// Runs `f` on a thread with a stack of `size` bytes and returns its result.
fn on_stack<T: Send + 'static>(size: usize, f: impl FnOnce() -> T + Send + 'static) -> T {
    let handle = std::thread::Builder::new()
        .stack_size(size)
        .spawn(f)
        .expect("spawn a test thread");
    match handle.join() {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// Rewrites `sql` on a small stack, also re-parsing the output and comparing it with a second
/// parse: the verifier's re-parse of the rendered text costs about this much stack.
fn rewrite_small(sql: String) -> Result<String, Error> {
    rewrite_and_bind(sql, None)
}

/// [`rewrite_small`], then binds tenant 1 after `arguments` parameters when given.
fn rewrite_and_bind(sql: String, arguments: Option<usize>) -> Result<String, Error> {
    on_small_stack(move || {
        let rewritten = rewriter().rewrite_uncached(&sql)?;
        if let Some(arguments) = arguments {
            rewritten.bind(&TenantId::Int(1), arguments)?;
        }
        let out = rewritten.to_string();
        let dialect = PostgreSqlDialect {};
        let first = Parser::parse_sql(&dialect, &out);
        let second = Parser::parse_sql(&dialect, &out);
        assert!(first.is_ok() && first == second, "the output re-parses");
        Ok(out)
    })
}

fn join(n: usize, item: impl Fn(usize) -> String, separator: &str) -> String {
    (1..=n).map(item).collect::<Vec<_>>().join(separator)
}

/// Statement shapes whose syntax tree grows one level per repetition.
fn hostile(shape: &str, n: usize) -> String {
    match shape {
        "UNION chain" => join(n, |_| "SELECT id FROM tasks".into(), " UNION "),
        "INTERSECT chain" => join(n, |_| "SELECT id FROM tasks".into(), " INTERSECT "),
        "OR chain" => format!(
            "SELECT id FROM tasks WHERE {}",
            join(n, |i| format!("id = {i}"), " OR ")
        ),
        "AND chain" => format!(
            "SELECT id FROM tasks WHERE {}",
            join(n, |i| format!("id <> ${i}"), " AND ")
        ),
        "a + a + ..." => format!("SELECT {} FROM tasks", join(n, |_| "id".into(), " + ")),
        "string concat" => format!("SELECT {} FROM tasks", join(n, |_| "title".into(), " || ")),
        "casts" => format!("SELECT id{} FROM tasks", "::int".repeat(n)),
        "IS NULL chain" => format!("SELECT id{} FROM tasks", " IS NULL".repeat(n)),
        "COLLATE chain" => format!("SELECT title{} FROM tasks", " COLLATE \"C\"".repeat(n)),
        "AT TIME ZONE chain" => {
            format!("SELECT now(){} FROM tasks", " AT TIME ZONE 'UTC'".repeat(n))
        }
        "json arrows" => format!("SELECT doc{} FROM tasks", " -> 'k'".repeat(n)),
        "subscripts" => format!("SELECT tags{} FROM tasks", "[1]".repeat(n)),
        "NOT NOT NOT" => format!("SELECT id FROM tasks WHERE {}done", "NOT ".repeat(n)),
        "- - -" => format!("SELECT {}id FROM tasks", "- ".repeat(n)),
        // The rewriter adds one conjunct per reference: the output is deeper than the input.
        "comma-joined tables" => format!(
            "SELECT 1 FROM {}",
            join(n, |i| format!("tasks AS t{i}"), ", ")
        ),
        "JOIN chain" => format!(
            "SELECT 1 FROM tasks AS t0 {}",
            join(n, |i| format!("JOIN tasks AS t{i} ON t{i}.id = t0.id"), " ")
        ),
        "nested parentheses" => {
            format!("SELECT {}id{} FROM tasks", "(".repeat(n), ")".repeat(n))
        }
        "nested subqueries" => format!(
            "SELECT id FROM tasks WHERE id IN {}(1){}",
            "(SELECT id FROM tasks WHERE id IN ".repeat(n),
            ")".repeat(n)
        ),
        "nested derived tables" => format!(
            "SELECT id FROM {}tasks{}",
            "(SELECT id FROM ".repeat(n),
            ") AS s".repeat(n)
        ),
        "nested join groups" => format!(
            "SELECT tasks.id FROM {}tasks{}",
            (0..n)
                .map(|i| format!("(tasks AS a{i} JOIN "))
                .collect::<String>(),
            " ON true)".repeat(n)
        ),
        "nested CASE" => format!(
            "SELECT {}id{} FROM tasks",
            "CASE WHEN done THEN ".repeat(n),
            " END".repeat(n)
        ),
        "parenthesised OR groups" => format!(
            "SELECT id FROM tasks WHERE {}",
            join(n, |i| format!("(id = {i} OR id = -{i})"), " OR ")
        ),
        other => panic!("unknown shape {other}"),
    }
}

const SHAPES: [&str; 22] = [
    "UNION chain",
    "INTERSECT chain",
    "OR chain",
    "AND chain",
    "a + a + ...",
    "string concat",
    "casts",
    "IS NULL chain",
    "COLLATE chain",
    "AT TIME ZONE chain",
    "json arrows",
    "subscripts",
    "NOT NOT NOT",
    "- - -",
    "comma-joined tables",
    "JOIN chain",
    "nested parentheses",
    "nested subqueries",
    "nested derived tables",
    "nested join groups",
    "nested CASE",
    "parenthesised OR groups",
];

#[test]
fn hostile_shapes_are_refused_cleanly_at_every_size() {
    for shape in SHAPES {
        for n in [10, 100, 1_000, 10_000, 100_000] {
            let sql = hostile(shape, n);
            let started = Instant::now();
            let result = rewrite_small(sql);
            let elapsed = started.elapsed();
            assert!(elapsed < REFUSAL_TIME, "{shape} x{n} took {elapsed:?}");
            match result {
                // Small instances are ordinary statements.
                Ok(_) => assert!(n <= 100, "{shape} x{n} was accepted"),
                Err(Error::Refused {
                    kind: RefusalKind::TooLarge,
                    reason,
                    ..
                }) => assert!(reason.contains("= ANY($1)"), "{reason}"),
                // sqlparser reports its recursion limit inside prefix constructs as a syntax
                // error of its own.
                Err(Error::Parse { message, .. })
                    if ["NOT NOT NOT", "nested CASE", "- - -"].contains(&shape) && n > 10 =>
                {
                    assert!(!message.is_empty());
                }
                Err(other) => panic!("{shape} x{n}: {other:?}"),
            }
        }
    }
}

#[test]
fn the_refusal_says_what_to_do() {
    let sql = hostile("OR chain", 2_000);
    match rewrite_small(sql) {
        Err(error @ Error::Refused { .. }) => {
            let message = error.to_string();
            assert!(
                message.starts_with("SELECT refused: its syntax tree could be 4005 levels deep"),
                "{message}"
            );
            assert!(message.contains("= ANY($1)"), "{message}");
            assert!(!message.contains('\n'));
        }
        other => panic!("{other:?}"),
    }
    match rewrite_small(hostile("nested parentheses", 100)) {
        Err(Error::Refused {
            kind: RefusalKind::TooLarge,
            reason,
            ..
        }) => assert!(
            reason.contains("the parser's limit of 40 levels"),
            "{reason}"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn nesting_up_to_the_parsers_limit_survives_every_small_stack_size() {
    // Whether a debug build's parser overflows here depends on where the stack's end falls
    // relative to its stack-growing calls: with sqlparser's default margin, 45 nested join
    // groups overflowed 2 MiB and many sizes around it. Shapes just inside the parser's limit
    // are rewritten, those just beyond are refused after the parser went that deep.
    for size in (16..=64).map(|k| k * 64 * 1024) {
        for (shape, n) in [
            ("nested join groups", 36),
            ("nested join groups", 45),
            ("nested subqueries", 12),
            ("nested subqueries", 20),
            ("nested derived tables", 20),
            ("nested parentheses", 36),
            ("nested parentheses", 45),
        ] {
            let sql = hostile(shape, n);
            let result = on_stack(size, move || {
                rewriter().rewrite_uncached(&sql).map(|r| r.to_string())
            });
            match result {
                Ok(_)
                | Err(Error::Refused {
                    kind: RefusalKind::TooLarge,
                    ..
                }) => {}
                Err(other) => panic!("{shape} x{n} on {size} bytes: {other:?}"),
            }
        }
    }
}

/// Fuzz finding: 22 nested derived tables around a CTE whose `WHERE` the rewriter parenthesises
/// parsed within sqlparser's default recursion limit, but the output did not re-parse. The
/// input's limit now leaves room for what the rewriter adds at the leaves.
#[test]
fn regression_rewritten_output_nests_deeper_than_the_input_and_still_reparses() {
    for inner in [
        "SELECT id FROM tasks WHERE id IS NOT NULL OR id > 1",
        "SELECT a.id FROM tasks AS a FULL JOIN tasks AS b ON a.id = b.id",
        "WITH c AS (SELECT id FROM tasks WHERE id > 1) SELECT id FROM c",
    ] {
        for n in 0..=30 {
            let sql = format!(
                "{}{inner}{}",
                "SELECT id FROM (".repeat(n),
                ") AS q".repeat(n)
            );
            match rewrite_small(sql) {
                Ok(_)
                | Err(Error::Refused {
                    kind: RefusalKind::TooLarge,
                    ..
                }) => {}
                Err(other) => panic!("{inner} in {n} derived tables: {other:?}"),
            }
        }
    }
}

#[test]
fn the_deepest_accepted_chains_survive_the_whole_pipeline_on_a_small_stack() {
    // Just under the limit (the depth bound counts `=` and `OR` alike, plus the query level).
    for (shape, n) in [
        ("OR chain", 440),
        ("UNION chain", 880),
        ("casts", 880),
        ("a + a + ...", 880),
        ("json arrows", 880),
        ("comma-joined tables", 880),
        ("JOIN chain", 440),
    ] {
        let result = rewrite_small(hostile(shape, n));
        assert!(result.is_ok(), "{shape} x{n}: {result:?}");
    }
}

#[test]
fn ordinary_big_statements_are_rewritten() {
    let in_list = format!(
        "SELECT id FROM tasks WHERE id IN ({})",
        join(10_000, |i| format!("${i}"), ", ")
    );
    let mut insert = String::from("INSERT INTO tasks (title, done, due) VALUES ");
    for i in 1..=1_000 {
        let sep = if i == 1 { "" } else { ", " };
        let _ = write!(
            insert,
            "{sep}('task {i}', {}, '2024-01-01'::date + {i})",
            i % 2 == 0
        );
    }
    let and_chain = format!(
        "SELECT id FROM tasks WHERE {}",
        join(200, |i| format!("col{i} = ${i}"), " AND ")
    );
    let union_all = join(
        100,
        |i| format!("SELECT id, title FROM tasks WHERE id = {i}"),
        " UNION ALL ",
    );
    let case = format!(
        "SELECT CASE {} ELSE 'other' END FROM tasks",
        join(200, |i| format!("WHEN id = {i} THEN 'n{i}'"), " ")
    );
    let wide = format!(
        "SELECT {} FROM tasks",
        join(300, |i| format!("(c{i} + 1)::text AS c{i}"), ", ")
    );
    let values_in = format!(
        "SELECT id FROM tasks WHERE (id, title) IN ({})",
        join(2_000, |i| format!("({i}, 'x{i}')"), ", ")
    );
    for (name, sql, params) in [
        ("10,000-element IN list", in_list, 10_000),
        ("1,000-row INSERT", insert, 0),
        ("200-term AND chain", and_chain, 200),
        ("100 UNION ALL arms", union_all, 0),
        ("CASE with 200 WHEN arms", case, 0),
        ("300 computed columns", wide, 0),
        ("2,000-row IN of rows", values_in, 0),
    ] {
        let out = rewrite_and_bind(sql, Some(params)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let tenant = format!("${}", params + 1);
        assert!(out.contains(&tenant), "{name} is scoped: {}", &out[..200]);
    }
}

#[test]
fn text_beyond_the_size_limit_is_refused_without_parsing() {
    let sql = format!(
        "SELECT id FROM tasks WHERE title IN ({})",
        join(800_000, |i| format!("'{i:08}'"), ",")
    );
    assert!(sql.len() > 8 * 1024 * 1024);
    let started = Instant::now();
    match rewrite_small(sql) {
        Err(Error::Refused {
            kind: RefusalKind::TooLarge,
            statement,
            reason,
            ..
        }) => {
            assert_eq!(statement, "SELECT");
            assert!(reason.contains("bytes long"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(1));
}
