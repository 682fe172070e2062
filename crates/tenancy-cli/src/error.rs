//! The error type of the `tenancy` command and how each error maps to an exit code.

use std::path::PathBuf;
use std::process::ExitCode;

/// Everything that stops a command.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    /// The rewriter refused the statement (exit 1).
    // Boxed: the core error is large and every fallible function here returns this enum.
    #[error("{0}")]
    Refused(Box<tenancy_core::Error>),

    /// A file or stdin could not be read (exit 2).
    #[error("cannot read {}: {source}; check the path and its permissions", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The result could not be written (exit 2).
    #[error("cannot write to standard output: {0}")]
    Write(#[source] std::io::Error),

    /// The catalog file is not a valid catalog (exit 2).
    #[error("catalog {}: {source}", path.display())]
    Catalog {
        path: PathBuf,
        #[source]
        source: Box<tenancy_core::Error>,
    },

    /// The database refused or failed an operation (exit 1).
    #[error("{0}")]
    Database(Box<tenancy_sqlx::Error>),

    /// The input is unusable for another reason (exit 2).
    #[error("{0}")]
    Input(String),
}

impl Error {
    /// A refusal by the rewriter.
    pub(crate) fn refused(error: tenancy_core::Error) -> Self {
        Self::Refused(Box::new(error))
    }

    /// The exit code documented for this error.
    pub(crate) fn exit_code(&self) -> ExitCode {
        match self {
            Self::Refused(_) | Self::Database(_) => ExitCode::from(1),
            Self::Read { .. } | Self::Write(_) | Self::Catalog { .. } | Self::Input(_) => {
                ExitCode::from(2)
            }
        }
    }

    /// The message on one line, as the CLI contract requires.
    pub(crate) fn one_line(&self) -> String {
        one_line(&self.to_string())
    }
}

impl From<tenancy_sqlx::Error> for Error {
    fn from(error: tenancy_sqlx::Error) -> Self {
        Self::Database(Box::new(error))
    }
}

/// Collapses every run of whitespace (including newlines) into one space.
pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn messages_are_flattened_to_one_line() {
        assert_eq!(one_line("a\n  b\r\n\tc "), "a b c");
    }
}
