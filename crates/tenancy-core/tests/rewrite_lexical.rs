//! Lexical safety: the rewriter reads the text the way PostgreSQL does, or refuses it.
//!
//! Where sqlparser and PostgreSQL disagree about what is SQL and what is a string, a comment or
//! a name, the rewriter would scope one statement and PostgreSQL run another; and a statement the
//! rewriter sees no tenant table in goes out as the caller's exact text. The inputs below are
//! the tricky spellings (quotes, backslashes, dollar quotes, comments inside operators, `U&`,
//! unicode). Those the rewriter accepts are run on a real PostgreSQL for tenant 1 over a table
//! holding rows of tenants 1 and 2: no row of tenant 2 may come back. The control runs the
//! original texts unscoped and must see tenant 2's row, so the detector is proven to fire.
//!
//! Uses `DATABASE_URL` or `postgres://postgres@127.0.0.1:5432/postgres`, in a scratch database
//! that is dropped afterwards.

mod scratch;

use scratch::Scratch;

use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, Executor, PgPool, Row, ValueRef};
use tenancy_core::{Catalog, Error, RefusalKind, Rewriter};

type TestResult = Result<(), scratch::BoxError>;

/// What only tenant 2's row holds; any value containing it is a leak.
const SECRET: &str = "secret";

fn rewriter() -> Rewriter {
    let catalog = Catalog::builder()
        .tenant_table("tasks")
        .build()
        .expect("test catalog is valid");
    Rewriter::new(catalog)
}

/// Spellings both read alike: accepted, and scoped (or passed through) correctly.
const ACCEPTED: [&str; 22] = [
    // A backslash is an ordinary character in a standard string.
    "SELECT '\\' AS a, title FROM tasks --'",
    "SELECT N'\\' AS a, title FROM tasks --'",
    // Escape strings: `\'` is a quote inside the string.
    "SELECT E'\\'' AS a, title FROM tasks",
    "SELECT E'\\\\' AS a, title FROM tasks --'",
    "SELECT e'it\\'s' AS a, title FROM tasks",
    // `$$` inside names is part of the name, not a dollar quote.
    "SELECT 1 AS a$$, (SELECT string_agg(title, ',') FROM tasks) AS b$$",
    // ... also after a non-ASCII character, which PostgreSQL takes as part of a name.
    "SELECT 1 AS x\u{a0}$$, (SELECT string_agg(title, ',') FROM tasks) AS y$$",
    // Dollar quotes, tagged and not, holding quotes, placeholders and comment starts.
    "SELECT $q$ ' -- /* $1 $q$ AS a, title FROM tasks",
    "SELECT $$it's$$ AS a, title FROM tasks",
    "SELECT $_$x$_$ AS a, $ä$ y $ä$ AS b, title FROM tasks",
    // Nested block comments hide everything up to the matching end in both.
    "SELECT title FROM tasks /* a /* b */ UNION ALL SELECT title FROM tasks */",
    "SELECT 1 /* /* */ , (SELECT string_agg(title, ',') FROM tasks) */ AS one",
    // A comment start right after an operator character is a comment in both.
    "SELECT 1 *-- c\n 2 AS two, title FROM tasks",
    "SELECT 1 */* c */ 2 AS two, title FROM tasks",
    // Line comments end at a carriage return in both, but not at a form feed.
    "SELECT title FROM tasks -- c\r WHERE id > 0",
    "SELECT 1 AS one -- c\u{c}, (SELECT string_agg(title, ',') FROM tasks)",
    // Strings that look like comments or quotes.
    "SELECT '--' AS a, '/*' AS b, '''' AS c, title FROM tasks",
    "SELECT \"a\"\"b\" FROM (SELECT title AS \"a\"\"b\" FROM tasks) AS s",
    // Unicode strings: PostgreSQL decodes the escapes, sqlparser prints them back escaped.
    "SELECT U&'d\\0061t\\0027' AS a, title FROM tasks",
    "SELECT U&'\\005C' AS a, title FROM tasks --'",
    // Bit, hex and unicode names.
    "SELECT B'101' AS b, X'ff' AS x, title AS \"tïtle\" FROM tasks",
    // `$01` is `$1` to PostgreSQL; the tenant becomes `$2`.
    "SELECT title FROM tasks WHERE id > $01",
];

/// Spellings PostgreSQL reads differently than sqlparser: refused, with what to write instead.
const REFUSED: [(&str, RefusalKind, &str); 8] = [
    // PostgreSQL: the identifier `title`; sqlparser: `U & "title"`.
    (
        "SELECT U&\"t\\0069tle\" FROM tasks",
        RefusalKind::Shape,
        "U&\"...\" identifiers",
    ),
    (
        "SELECT u&\"title\" FROM tasks",
        RefusalKind::Shape,
        "U&\"...\" identifiers",
    ),
    // sqlparser ignores UESCAPE and decodes with `\`.
    (
        "SELECT U&'d!0061t' UESCAPE '!' AS a, title FROM tasks",
        RefusalKind::Shape,
        "UESCAPE",
    ),
    // PostgreSQL: `$1` then `$`; sqlparser: a string tagged `1`.
    (
        "SELECT $1$ FROM tasks $1$",
        RefusalKind::Shape,
        "dollar-quote tag",
    ),
    // PostgreSQL: `?` then a comment; sqlparser: `?-` and `-x`.
    (
        "SELECT 1 ?--x\n + 2, title FROM tasks",
        RefusalKind::Shape,
        "starts a comment",
    ),
    // PostgreSQL: `#` then a comment; sqlparser: an operator `#--`.
    (
        "SELECT 2 #--x\n + 3 AS n, title FROM tasks",
        RefusalKind::Shape,
        "starts a comment",
    ),
    (
        "SELECT 2 |/* x */ 3 AS n, title FROM tasks",
        RefusalKind::Shape,
        "starts a comment",
    ),
    // An escape that decodes to NUL, which PostgreSQL cannot hold in text (sqlparser prints
    // the NUL byte raw; in `E'...'` strings it already fails to tokenize one).
    (
        "SELECT U&'a\\0000b' AS a, title FROM tasks",
        RefusalKind::Shape,
        "NUL byte",
    ),
];

/// Placeholders PostgreSQL does not have, and text it cannot receive.
const PARSE_ERRORS: [(&str, &str); 7] = [
    ("SELECT title FROM tasks WHERE id = $0", "$1 to $65535"),
    ("SELECT title FROM tasks WHERE id = $65536", "$1 to $65535"),
    (
        "SELECT title FROM tasks WHERE id = $99999999999999999999",
        "$1 to $65535",
    ),
    ("SELECT $1abc FROM tasks", "$1 to $65535"),
    ("SELECT title FROM tasks WHERE title = 'a\0b'", "NUL byte"),
    ("SELECT title FROM tasks\0 UNION SELECT 1", "NUL byte"),
    ("SELECT E'a\\0b' AS a, title FROM tasks", "string literal"),
];

#[test]
fn spellings_postgresql_reads_differently_are_refused_with_a_remedy() {
    for (sql, expected_kind, phrase) in REFUSED {
        match rewriter().rewrite(sql) {
            Err(Error::Refused { kind, reason, .. }) => {
                assert_eq!(kind, expected_kind, "{sql:?}");
                assert!(reason.contains(phrase), "{sql:?}: {reason}");
            }
            other => panic!("{sql:?} gave {other:?}"),
        }
    }
    for (sql, phrase) in PARSE_ERRORS {
        match rewriter().rewrite(sql) {
            Err(error @ Error::Parse { .. }) => {
                assert!(error.to_string().contains(phrase), "{sql:?}: {error}");
            }
            other => panic!("{sql:?} gave {other:?}"),
        }
    }
}

#[test]
fn the_tenant_parameter_never_collides_with_one_postgresql_reads() {
    let rewritten = rewriter()
        .rewrite("SELECT title FROM tasks WHERE id > $01")
        .expect("accepted");
    assert_eq!(rewritten.tenant_param(), Some(2));
    match rewriter().rewrite("SELECT title FROM tasks WHERE id = $65535") {
        Err(Error::Refused {
            kind: RefusalKind::TooLarge,
            reason,
            ..
        }) => assert!(reason.contains("$65535"), "{reason}"),
        other => panic!("{other:?}"),
    }
    let highest = rewriter()
        .rewrite("SELECT title FROM tasks WHERE id = $65534")
        .expect("accepted");
    assert_eq!(highest.tenant_param(), Some(65_535));
}

/// Every value of every row, as PostgreSQL's text output (the simple protocol returns text).
fn values(rows: &[PgRow]) -> Result<Vec<String>, sqlx::Error> {
    let mut out = Vec::new();
    for row in rows {
        for i in 0..row.len() {
            let raw = row.try_get_raw(i)?;
            if !raw.is_null() {
                out.push(raw.as_str().map_err(sqlx::Error::Decode)?.to_owned());
            }
        }
    }
    Ok(out)
}

/// Runs `sql` as PostgreSQL receives it, binding tenant 1 to parameter `tenant_param` (and 0 to
/// the statement's own parameters) through PREPARE/EXECUTE, so results come back as text.
async fn run_for_tenant_1(
    pool: &PgPool,
    sql: &str,
    tenant_param: Option<usize>,
) -> Result<Vec<String>, sqlx::Error> {
    let script = match tenant_param {
        None => sql.to_owned(),
        Some(n) => {
            let mut arguments = vec!["0"; n - 1];
            arguments.push("1");
            format!("PREPARE q AS {sql};\nEXECUTE q({});", arguments.join(", "))
        }
    };
    let mut conn = pool.acquire().await?;
    let rows = sqlx::raw_sql(AssertSqlSafe(script))
        .fetch_all(&mut *conn)
        .await;
    let _ = sqlx::raw_sql("DEALLOCATE ALL").execute(&mut *conn).await;
    values(&rows?)
}

async fn check(pool: &PgPool) -> TestResult {
    pool.execute(
        "CREATE TABLE tasks (id int, tenant_id bigint NOT NULL, title text);
         INSERT INTO tasks VALUES (1, 1, 'mine'), (2, 2, 'secret');",
    )
    .await?;
    let rewriter = rewriter();
    let mut leaked_unscoped = 0;
    for sql in ACCEPTED {
        let rewritten = rewriter
            .rewrite(sql)
            .map_err(|e| format!("{sql:?} was refused: {e}"))?;
        let values = run_for_tenant_1(pool, &rewritten.to_string(), rewritten.tenant_param())
            .await
            .map_err(|e| format!("{sql:?} -> {rewritten}: {e}"))?;
        assert!(
            !values.iter().any(|v| v.contains(SECRET)),
            "{sql:?} -> {rewritten} returned another tenant's row: {values:?}"
        );
        // The control: the original text, unscoped, does reach tenant 2's row where it reads
        // the table at all.
        let original = run_for_tenant_1(pool, sql, sql.contains("$01").then_some(1)).await?;
        if original.iter().any(|v| v.contains(SECRET)) {
            leaked_unscoped += 1;
        }
    }
    assert!(
        leaked_unscoped >= ACCEPTED.len() - 2,
        "the detector must fire on unscoped text: {leaked_unscoped}"
    );
    // What PostgreSQL makes of the refused spellings: each reads tenant 2's row or fails,
    // where sqlparser would have seen something else.
    let u_ident = run_for_tenant_1(pool, REFUSED[0].0, None).await?;
    assert!(u_ident.iter().any(|v| v.contains(SECRET)), "{u_ident:?}");
    let uescape = run_for_tenant_1(pool, REFUSED[2].0, None).await?;
    assert!(uescape.contains(&"dat".to_owned()), "{uescape:?}");
    let hash = run_for_tenant_1(pool, REFUSED[5].0, None).await?;
    assert!(hash.contains(&"1".to_owned()), "2 # 3 is 1: {hash:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tricky_spellings_never_return_another_tenants_rows() -> TestResult {
    let scratch = Scratch::create("tenancy_rewrite_lexical", 1).await?;
    let result = check(&scratch.pool).await;
    scratch.drop().await?;
    result
}
