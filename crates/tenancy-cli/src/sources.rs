//! Finding the statements a project runs: `.sql` files and sqlx offline query data.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::Error;
use crate::split::split_statements;

/// Directory names skipped while walking (never when named on the command line): version
/// control metadata and build output hold no source queries.
const SKIPPED_DIRS: [&str; 2] = [".git", "target"];

/// A file that holds statements.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Source {
    /// A `.sql` file with any number of statements.
    Sql(PathBuf),
    /// A sqlx offline query file (`.sqlx/query-<hash>.json`) with one statement in `query`.
    SqlxQuery(PathBuf),
}

impl Source {
    pub(crate) fn path(&self) -> &Path {
        match self {
            Self::Sql(path) | Self::SqlxQuery(path) => path,
        }
    }
}

/// Something found at a line of a source: a statement, or text that cannot even be split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Found {
    /// A statement to check.
    Statement { line: usize, sql: String },
    /// Text that cannot be tokenized, from this line on.
    Unsplittable { line: usize, reason: String },
}

/// Every source under `paths`, in a stable order; files named explicitly are taken as they are.
pub(crate) fn discover(paths: &[PathBuf]) -> Result<Vec<Source>, Error> {
    let mut sources = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|source| Error::Read {
            path: path.clone(),
            source,
        })?;
        if meta.is_dir() {
            walk(path, &mut sources)?;
        } else if is_json(path) {
            sources.push(Source::SqlxQuery(path.clone()));
        } else {
            sources.push(Source::Sql(path.clone()));
        }
    }
    Ok(sources)
}

fn walk(dir: &Path, sources: &mut Vec<Source>) -> Result<(), Error> {
    let read_error = |source| Error::Read {
        path: dir.to_owned(),
        source,
    };
    let mut entries = std::fs::read_dir(dir)
        .map_err(read_error)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(read_error)?;
    entries.sort();
    for path in entries {
        // symlink_metadata: a symlinked directory is not followed, so a link cycle cannot loop.
        let meta = std::fs::symlink_metadata(&path).map_err(|source| Error::Read {
            path: path.clone(),
            source,
        })?;
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if meta.is_dir() {
            if !SKIPPED_DIRS.contains(&name) {
                walk(&path, sources)?;
            }
        } else if has_extension(&path, "sql") {
            sources.push(Source::Sql(path));
        } else if is_sqlx_query_file(&path, name) {
            sources.push(Source::SqlxQuery(path));
        }
    }
    Ok(())
}

fn has_extension(path: &Path, ext: &str) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

fn is_json(path: &Path) -> bool {
    has_extension(path, "json")
}

fn is_sqlx_query_file(path: &Path, name: &str) -> bool {
    let in_sqlx_dir = path
        .parent()
        .and_then(Path::file_name)
        .is_some_and(|dir| dir == ".sqlx");
    in_sqlx_dir && name.starts_with("query-") && is_json(path)
}

/// The part of a sqlx offline query file the linter needs.
#[derive(Deserialize)]
struct SqlxQuery {
    query: String,
}

/// Reads the statements of one source.
pub(crate) fn read(source: &Source) -> Result<Vec<Found>, Error> {
    let path = source.path();
    let text = std::fs::read_to_string(path).map_err(|e| Error::Read {
        path: path.to_owned(),
        source: e,
    })?;
    match source {
        Source::Sql(_) => Ok(match split_statements(&text) {
            Ok(pieces) => pieces
                .into_iter()
                .map(|p| Found::Statement {
                    line: p.line,
                    sql: p.sql,
                })
                .collect(),
            Err(e) => vec![Found::Unsplittable {
                line: usize::try_from(e.location.line).unwrap_or(1).max(1),
                reason: format!("cannot parse SQL: {}", e.message),
            }],
        }),
        Source::SqlxQuery(_) => {
            let parsed: SqlxQuery = serde_json::from_str(&text).map_err(|e| {
                Error::Input(format!(
                    "{}: not a sqlx offline query file ({e}); expected a JSON object with a \
                     \"query\" string, as written by `cargo sqlx prepare`",
                    path.display()
                ))
            })?;
            Ok(vec![Found::Statement {
                line: query_line(&text),
                sql: parsed.query.trim().to_owned(),
            }])
        }
    }
}

/// The line of the `"query"` key, so a report points into the JSON file where the SQL is.
fn query_line(text: &str) -> usize {
    text.find("\"query\"")
        .map_or(1, |at| text[..at].matches('\n').count() + 1)
}
