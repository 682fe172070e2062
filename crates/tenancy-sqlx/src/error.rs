//! The error type of `tenancy-sqlx`.

/// Everything that can go wrong in `tenancy-sqlx`.
///
/// Statements run through sqlx's `Executor` trait must fail with `sqlx::Error`; there a tenancy
/// error travels as `sqlx::Error::Configuration` and [`Error::from_sqlx`] gets it back.
///
/// # Example
/// ```
/// use tenancy_sqlx::Error;
///
/// let err = Error::from(tenancy_sqlx::core::Error::NoTenant);
/// assert!(err.to_string().contains("no tenant in scope"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The tenant context or the rewriter refused the statement.
    #[error(transparent)]
    Scope(#[from] tenancy_core::Error),

    /// The statement binds a different number of arguments than its placeholders need.
    #[error(
        "the statement's highest placeholder is ${expected} but {found} arguments are bound; \
         bind exactly one value per placeholder (the SDK appends the tenant as ${})", expected + 1
    )]
    ArgumentCount {
        /// The highest placeholder in the original statement.
        expected: usize,
        /// How many arguments were bound.
        found: usize,
    },

    /// The database or the driver failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl Error {
    /// Recovers a tenancy error from the `sqlx::Error` an `Executor` call returned, if it is one.
    ///
    /// # Example
    /// ```
    /// use tenancy_sqlx::Error;
    ///
    /// let sqlx_err: sqlx::Error = Error::from(tenancy_sqlx::core::Error::NoTenant).into();
    /// assert!(matches!(
    ///     Error::from_sqlx(&sqlx_err),
    ///     Some(Error::Scope(tenancy_sqlx::core::Error::NoTenant))
    /// ));
    /// ```
    #[must_use]
    pub fn from_sqlx(error: &sqlx::Error) -> Option<&Self> {
        match error {
            sqlx::Error::Configuration(source) => source.downcast_ref::<Self>(),
            _ => None,
        }
    }
}

impl From<Error> for sqlx::Error {
    fn from(error: Error) -> Self {
        match error {
            Error::Database(inner) => inner,
            other => sqlx::Error::Configuration(Box::new(other)),
        }
    }
}

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
