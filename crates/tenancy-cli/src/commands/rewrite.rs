//! `tenancy rewrite`: one statement from stdin, scoped, to stdout.

use std::io::{Read, Write};
use std::process::ExitCode;

use tenancy_core::TenantId;

use crate::cli::RewriteArgs;
use crate::commands::load_rewriter;
use crate::error::Error;

/// Runs the command; nothing is written to stdout unless the rewrite succeeded.
pub(crate) fn run(args: &RewriteArgs) -> Result<ExitCode, Error> {
    let tenant = args
        .tenant
        .as_deref()
        .map(|value| parse_tenant(value, args))
        .transpose()?;
    let rewriter = load_rewriter(&args.catalog)?;

    let input = read_stdin()?;
    let sql = input.trim_end();
    if sql.trim_start().is_empty() {
        return Err(Error::Input(
            "no SQL statement on standard input: pipe one statement in, e.g. `< query.sql`".into(),
        ));
    }

    // The rewriter returns a statement that touches no tenant table exactly as given. With a
    // literal tenant it also checks tenant values the statement spells itself (forged tenants).
    let output = match tenant {
        None => rewriter.rewrite(sql).map(|r| r.to_string()),
        Some(tenant) => rewriter.rewrite_with_literal(sql, &tenant),
    }
    .map_err(Error::refused)?;

    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{output}")
        .and_then(|()| stdout.flush())
        .map_err(Error::Write)?;
    Ok(ExitCode::SUCCESS)
}

/// Reads all of standard input as UTF-8 text (the rewriter takes `&str`).
fn read_stdin() -> Result<String, Error> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|source| Error::Read {
            path: "standard input".into(),
            source,
        })?;
    String::from_utf8(bytes).map_err(|e| {
        Error::Input(format!(
            "standard input is not valid UTF-8 (invalid byte at offset {}): convert the SQL to \
             UTF-8, e.g. with `iconv -t UTF-8`",
            e.utf8_error().valid_up_to()
        ))
    })
}

fn parse_tenant(value: &str, args: &RewriteArgs) -> Result<TenantId, Error> {
    let parsed = match args.tenant_kind {
        Some(kind) => TenantId::parse_as(value, kind.into()),
        None => value.parse(),
    };
    parsed.map_err(|e| Error::Input(format!("--tenant: {e}")))
}
