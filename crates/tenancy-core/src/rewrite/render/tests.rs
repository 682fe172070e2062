//! The renderer against sqlparser's `Display`, statement by statement.

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
