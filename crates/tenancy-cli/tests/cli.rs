//! The `tenancy` binary against its contract (docs/cli.md): stdout, stderr and exit codes, on real
//! files in temporary directories.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn catalog() -> PathBuf {
    fixtures().join("catalog.toml")
}

/// Runs `tenancy` with `args`, feeding `stdin`.
fn tenancy(args: &[&str], stdin: impl AsRef<[u8]>) -> Result<Output, std::io::Error> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tenancy"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    if let Some(mut input) = child.stdin.take() {
        // A command that fails before reading its input closes the pipe early; that is fine.
        match input.write_all(stdin.as_ref()) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(e),
            _ => {}
        }
    }
    child.wait_with_output()
}

/// `tenancy rewrite --catalog <fixture catalog> [extra...]` on `sql`.
fn rewrite(extra: &[&str], sql: impl AsRef<[u8]>) -> Result<Output, std::io::Error> {
    let catalog = catalog();
    let catalog = catalog.to_str().unwrap_or_default();
    let mut args = vec!["rewrite", "--catalog", catalog];
    args.extend_from_slice(extra);
    tenancy(&args, sql)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A refusal: the given exit code, nothing on stdout and exactly one line on stderr.
fn assert_refused(output: &Output, code: i32) -> String {
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(code), "stderr: {stderr}");
    assert!(
        output.stdout.is_empty(),
        "stdout must stay empty: {:?}",
        text(&output.stdout)
    );
    assert_eq!(stderr.lines().count(), 1, "one line on stderr: {stderr:?}");
    assert!(stderr.ends_with('\n'));
    stderr
}

fn assert_ok(output: &Output) -> String {
    assert_eq!(
        output.status.code(),
        Some(0),
        "stderr: {}",
        text(&output.stderr)
    );
    assert!(output.stderr.is_empty(), "stderr: {}", text(&output.stderr));
    text(&output.stdout)
}

#[test]
fn rewrite_scopes_a_tenant_table_with_the_next_placeholder() -> TestResult {
    let out = assert_ok(&rewrite(
        &[],
        "SELECT id FROM tasks WHERE project_id = $1;\n\n",
    )?);
    assert!(out.ends_with('\n'));
    assert!(out.contains("tenant_id = $2"), "{out}");
    assert!(!out.contains("$3"), "{out}");
    Ok(())
}

#[test]
fn rewrite_renders_a_quoted_literal_with_tenant() -> TestResult {
    let out = assert_ok(&rewrite(&["--tenant", "42"], "SELECT id FROM tasks")?);
    assert!(out.contains("tenant_id = 42"), "{out}");
    assert!(!out.contains('$'), "{out}");

    let forced = ["--tenant", "o'hara", "--tenant-kind", "text"];
    let out = assert_ok(&rewrite(&forced, "SELECT id FROM tasks")?);
    assert!(out.contains("tenant_id = 'o''hara'"), "{out}");

    let uuid = "67e55044-10b1-426f-9247-bb680e5fe0c8";
    let out = assert_ok(&rewrite(&["--tenant", uuid], "SELECT body FROM comments")?);
    assert!(
        out.contains(&format!("org_id = CAST('{uuid}' AS UUID)")),
        "{out}"
    );
    Ok(())
}

#[test]
fn rewrite_prints_statements_without_tenant_tables_unchanged() -> TestResult {
    for sql in [
        "SELECT 1 + 1;",
        "SELECT  name FROM plans  WHERE id = $1",
        "select now()",
    ] {
        let input = format!("{sql}  \n\n");
        assert_eq!(assert_ok(&rewrite(&[], &input)?), format!("{sql}\n"));
        assert_eq!(
            assert_ok(&rewrite(&["--tenant", "7"], &input)?),
            format!("{sql}\n")
        );
    }
    Ok(())
}

#[test]
fn rewrite_refusals_exit_1_with_one_line_and_no_output() -> TestResult {
    let truncate = assert_refused(&rewrite(&[], "TRUNCATE tasks;\n")?, 1);
    assert!(truncate.to_lowercase().contains("truncate"), "{truncate}");
    assert!(truncate.contains("tasks"), "{truncate}");

    let unknown = assert_refused(&rewrite(&[], "SELECT * FROM invoices")?, 1);
    assert!(unknown.contains("invoices"), "{unknown}");

    let parse = assert_refused(&rewrite(&[], "SELEC id FROM\n tasks")?, 1);
    assert!(parse.to_lowercase().contains("parse"), "{parse}");

    let forged = "INSERT INTO tasks (tenant_id, title) VALUES (7, 'x')";
    let mismatch = assert_refused(&rewrite(&["--tenant", "42"], forged)?, 1);
    assert!(mismatch.contains("tenant mismatch"), "{mismatch}");
    let same = assert_ok(&rewrite(&["--tenant", "7"], forged)?);
    assert!(same.contains("VALUES (7, 'x')"), "{same}");
    Ok(())
}

#[test]
fn rewrite_usage_and_input_errors_exit_2_with_no_output() -> TestResult {
    let dir = tempfile::tempdir()?;
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[tables.tasks]\nreference = true\ntenant_column = \"x\"\n",
    )?;
    let bad = bad.to_str().unwrap_or_default();
    let catalog = assert_refused(&tenancy(&["rewrite", "--catalog", bad], "SELECT 1")?, 2);
    assert!(catalog.contains("bad.toml"), "{catalog}");

    let missing = dir.path().join("missing.toml");
    let missing = missing.to_str().unwrap_or_default();
    assert_refused(&tenancy(&["rewrite", "--catalog", missing], "SELECT 1")?, 2);

    assert_refused(&rewrite(&[], " \n\t\n")?, 2);
    assert_refused(
        &rewrite(&["--tenant", "x", "--tenant-kind", "int"], "SELECT 1")?,
        2,
    );

    let no_catalog = tenancy(&["rewrite"], "SELECT 1")?;
    assert_eq!(no_catalog.status.code(), Some(2));
    assert!(no_catalog.stdout.is_empty());
    Ok(())
}

#[test]
fn rewrite_input_that_postgresql_cannot_read_is_an_error_with_no_output() -> TestResult {
    // Latin-1 `é` in a string: not UTF-8, so not text the rewriter (or PostgreSQL) reads.
    let latin1 = b"SELECT id FROM tasks WHERE title = 'caf\xe9'".as_slice();
    let utf8 = assert_refused(&rewrite(&[], latin1)?, 2);
    assert_eq!(
        utf8,
        "tenancy: standard input is not valid UTF-8 (invalid byte at offset 39): convert the \
         SQL to UTF-8, e.g. with `iconv -t UTF-8`\n"
    );

    let nul = assert_refused(
        &rewrite(&[], "SELECT id FROM tasks WHERE title = 'a\0b'")?,
        1,
    );
    assert!(nul.contains("NUL byte"), "{nul}");
    Ok(())
}

#[test]
fn every_command_has_help_that_documents_exit_codes() -> TestResult {
    for args in [&["--help"][..], &["rewrite", "--help"], &["lint", "--help"]] {
        let out = assert_ok(&tenancy(args, "")?);
        assert!(out.contains("Exit codes:"), "{args:?}: {out}");
        assert!(
            out.contains("--catalog") || args == ["--help"],
            "{args:?}: {out}"
        );
    }
    Ok(())
}

/// Copies the fixture tree into a temporary directory, so the test runs on files it owns.
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

fn lint(paths: &[&Path]) -> Result<Output, std::io::Error> {
    let catalog = catalog();
    let mut args = vec!["lint", "--catalog", catalog.to_str().unwrap_or_default()];
    args.extend(paths.iter().map(|p| p.to_str().unwrap_or_default()));
    tenancy(&args, "")
}

#[test]
fn lint_reports_each_refused_statement_with_file_and_line() -> TestResult {
    let dir = tempfile::tempdir()?;
    let root = dir.path().join("project");
    copy_tree(&fixtures().join("project"), &root)?;

    let output = lint(&[&root])?;
    let stdout = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{stdout}{}",
        text(&output.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();

    // (file, line, a word the reason must mention), in walk order.
    let expected = [
        (".sqlx/query-3d4e5f.json", 3, "drop"),
        ("queries/mixed.sql", 6, "truncate"),
        ("queries/mixed.sql", 9, "invoices"),
        ("reports/broken.sql", 2, "parse"),
    ];
    assert_eq!(lines.len(), expected.len() + 1, "{stdout}");
    for (line, (file, number, word)) in lines.iter().zip(expected) {
        let prefix = format!("{}:{number}: ", root.join(file).display());
        assert!(
            line.starts_with(&prefix),
            "{line:?} should start with {prefix:?}"
        );
        assert!(
            line.to_lowercase().contains(word),
            "{line:?} should mention {word}"
        );
    }
    assert_eq!(lines[expected.len()], "10 statements checked, 4 refused");
    Ok(())
}

#[test]
fn lint_passes_clean_files_and_explicit_paths() -> TestResult {
    let dir = tempfile::tempdir()?;
    let root = dir.path().join("project");
    copy_tree(&fixtures().join("project"), &root)?;

    let clean_sql = root.join("queries/clean.sql");
    let clean_json = root.join(".sqlx/query-0a1b2c.json");
    let output = lint(&[&clean_sql, &clean_json])?;
    assert_eq!(assert_ok(&output), "4 statements checked, 0 refused\n");
    Ok(())
}

#[test]
fn lint_io_and_format_errors_exit_2() -> TestResult {
    let dir = tempfile::tempdir()?;
    let missing = assert_refused(&lint(&[&dir.path().join("nowhere")])?, 2);
    assert!(missing.contains("nowhere"), "{missing}");

    let sqlx = dir.path().join(".sqlx");
    std::fs::create_dir_all(&sqlx)?;
    std::fs::write(sqlx.join("query-bad.json"), "{\"hash\": \"x\"}")?;
    let malformed = assert_refused(&lint(&[dir.path()])?, 2);
    assert!(malformed.contains("query-bad.json"), "{malformed}");

    let no_paths = tenancy(&["lint", "--catalog", "x.toml"], "")?;
    assert_eq!(no_paths.status.code(), Some(2));
    Ok(())
}

#[test]
fn the_readme_example_runs() -> TestResult {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let catalog = root.join("examples/catalog.toml");
    let sql = std::fs::read_to_string(root.join("examples/statements/tasks_by_project.sql"))?;
    let args = ["rewrite", "--catalog", catalog.to_str().unwrap_or_default()];
    let out = assert_ok(&tenancy(&args, &sql)?);
    assert!(out.contains("tenant_id = $2"), "{out}");
    let out = assert_ok(&tenancy(&[&args[..], &["--tenant", "42"]].concat(), &sql)?);
    assert!(out.contains("tenant_id = 42"), "{out}");
    Ok(())
}
