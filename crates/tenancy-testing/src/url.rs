//! Database URL surgery: point a server URL at another database, and hide passwords in messages.

use crate::error::{Error, Result};

/// Returns `server_url` with its database replaced by `database`, keeping user, host and query.
///
/// # Errors
/// [`Error::InvalidUrl`] when the URL has no `scheme://` part or `database` is not a plain name.
pub(crate) fn with_database(server_url: &str, database: &str) -> Result<String> {
    if database.is_empty()
        || !database
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(invalid(server_url, "database names must be [A-Za-z0-9_]+"));
    }
    let (scheme, rest) = server_url
        .split_once("://")
        .ok_or_else(|| invalid(server_url, "expected postgres://..."))?;
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let query = tail.find('?').map_or("", |at| &tail[at..]);
    Ok(format!("{scheme}://{authority}/{database}{query}"))
}

/// `url` with the password (if any) replaced by `***`, for error messages and logs.
pub(crate) fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((user_info, host)) if user_info.contains(':') => {
            let user = user_info.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}{tail}")
        }
        _ => url.to_owned(),
    }
}

fn invalid(url: &str, reason: &'static str) -> Error {
    Error::InvalidUrl {
        url: redact(url),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_is_replaced_or_added() -> Result<()> {
        let cases = [
            (
                "postgres://postgres@127.0.0.1:5432",
                "postgres://postgres@127.0.0.1:5432/t1",
            ),
            ("postgres://u:p@h:1/app", "postgres://u:p@h:1/t1"),
            (
                "postgres://u@h/app?sslmode=disable",
                "postgres://u@h/t1?sslmode=disable",
            ),
            (
                "postgres://u@h?application_name=x",
                "postgres://u@h/t1?application_name=x",
            ),
            (
                "postgresql:///app?host=/run/postgresql",
                "postgresql:///t1?host=/run/postgresql",
            ),
        ];
        for (server, expected) in cases {
            assert_eq!(with_database(server, "t1")?, expected, "from {server}");
        }
        Ok(())
    }

    #[test]
    fn bad_urls_and_names_are_refused() {
        assert!(with_database("localhost:5432", "t1").is_err());
        assert!(with_database("postgres://h", "t1; drop").is_err());
        assert!(with_database("postgres://h", "").is_err());
    }

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact("postgres://u:secret@h:1/db"),
            "postgres://u:***@h:1/db"
        );
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        let err = with_database("postgres://u:secret@h:1/db", "bad name").map(drop);
        assert!(err.is_err_and(|e| !e.to_string().contains("secret")));
    }
}
