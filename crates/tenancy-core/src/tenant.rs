//! The tenant identity: one id type for integer, UUID and text tenant keys.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

use crate::error::Error;

/// The longest text tenant key accepted, in bytes.
pub const MAX_TEXT_KEY_LEN: usize = 255;

/// The identity of one tenant, as stored in the tenant column.
///
/// Tenant keys are integers (`bigint`), UUIDs or text in real schemas; one enum covers all three so
/// the rest of the SDK never handles tenant ids as loosely typed strings. Cloning is cheap (text keys
/// are reference counted), which matters because the id is copied into every task and statement.
///
/// `Display` prints the bare value (`42`, a hyphenated UUID, the text); [`TenantId::to_sql_literal`]
/// renders a correctly quoted SQL literal for explaining a rewrite. Statements never embed the id:
/// it is always bound as a parameter.
///
/// # Example
/// ```
/// use tenancy_core::TenantId;
///
/// let by_number: TenantId = "42".parse()?;
/// assert_eq!(by_number, TenantId::Int(42));
///
/// let by_slug = TenantId::from("acme");
/// assert_eq!(by_slug.to_sql_literal(), "'acme'");
/// assert_eq!(TenantId::from("o'hara").to_sql_literal(), "'o''hara'");
/// # Ok::<(), tenancy_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum TenantId {
    /// An integer key (`bigint`, `integer`).
    Int(i64),
    /// A UUID key.
    Uuid(Uuid),
    /// A text key (`text`, `varchar`), such as a slug.
    Text(Arc<str>),
}

/// The kind of tenant key a schema uses, for parsing external input without guessing.
///
/// # Example
/// ```
/// use tenancy_core::{TenantId, TenantKeyKind};
///
/// // "42" is a text key here, not an integer.
/// let id = TenantId::parse_as("42", TenantKeyKind::Text)?;
/// assert_eq!(id, TenantId::from("42"));
/// assert!(TenantId::parse_as("x", TenantKeyKind::Int).is_err());
/// # Ok::<(), tenancy_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TenantKeyKind {
    /// Integer keys.
    Int,
    /// UUID keys.
    Uuid,
    /// Text keys.
    Text,
}

impl TenantId {
    /// Parses `value` as a tenant key of the given kind.
    ///
    /// # Errors
    /// [`Error::InvalidTenantId`] when `value` is not a valid key of that kind.
    pub fn parse_as(value: &str, kind: TenantKeyKind) -> Result<Self, Error> {
        let invalid = |reason| Error::InvalidTenantId {
            value: value.to_owned(),
            reason,
        };
        match kind {
            TenantKeyKind::Int => value
                .parse::<i64>()
                .map(Self::Int)
                .map_err(|_| invalid("expected a 64-bit integer")),
            TenantKeyKind::Uuid => Uuid::parse_str(value)
                .map(Self::Uuid)
                .map_err(|_| invalid("expected a UUID")),
            TenantKeyKind::Text => {
                if value.is_empty() {
                    Err(invalid("a text tenant key cannot be empty"))
                } else if value.len() > MAX_TEXT_KEY_LEN {
                    Err(invalid("a text tenant key is at most 255 bytes"))
                } else if value.contains('\0') {
                    Err(invalid("a text tenant key cannot contain NUL"))
                } else {
                    Ok(Self::Text(Arc::from(value)))
                }
            }
        }
    }

    /// The kind of this key.
    ///
    /// # Example
    /// ```
    /// use tenancy_core::{TenantId, TenantKeyKind};
    /// assert_eq!(TenantId::Int(7).kind(), TenantKeyKind::Int);
    /// ```
    #[must_use]
    pub fn kind(&self) -> TenantKeyKind {
        match self {
            Self::Int(_) => TenantKeyKind::Int,
            Self::Uuid(_) => TenantKeyKind::Uuid,
            Self::Text(_) => TenantKeyKind::Text,
        }
    }

    /// Renders the id as a SQL literal: a bare integer, or a single-quoted string with quotes doubled.
    ///
    /// Only for explaining and debugging rewrites; statements sent to a database bind the id.
    ///
    /// # Example
    /// ```
    /// use tenancy_core::TenantId;
    /// assert_eq!(TenantId::Int(-3).to_sql_literal(), "-3");
    /// ```
    #[must_use]
    pub fn to_sql_literal(&self) -> String {
        match self {
            Self::Int(n) => n.to_string(),
            Self::Uuid(u) => format!("'{u}'"),
            Self::Text(s) => format!("'{}'", s.replace('\'', "''")),
        }
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Int(n) => write!(f, "{n}"),
            Self::Uuid(u) => write!(f, "{u}"),
            Self::Text(s) => f.write_str(s),
        }
    }
}

/// Infers the kind: an integer, else a UUID, else text. Use [`TenantId::parse_as`] when the
/// schema's key kind is known.
impl FromStr for TenantId {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_as(s, TenantKeyKind::Int)
            .or_else(|_| Self::parse_as(s, TenantKeyKind::Uuid))
            .or_else(|_| Self::parse_as(s, TenantKeyKind::Text))
    }
}

impl From<i64> for TenantId {
    fn from(n: i64) -> Self {
        Self::Int(n)
    }
}

impl From<i32> for TenantId {
    fn from(n: i32) -> Self {
        Self::Int(n.into())
    }
}

impl From<Uuid> for TenantId {
    fn from(u: Uuid) -> Self {
        Self::Uuid(u)
    }
}

impl From<&str> for TenantId {
    fn from(s: &str) -> Self {
        Self::Text(Arc::from(s))
    }
}

impl From<String> for TenantId {
    fn from(s: String) -> Self {
        Self::Text(Arc::from(s))
    }
}

/// Integers serialize as JSON numbers, UUIDs and text as strings.
impl Serialize for TenantId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Int(n) => serializer.serialize_i64(*n),
            Self::Uuid(u) => u.serialize(serializer),
            Self::Text(s) => serializer.serialize_str(s),
        }
    }
}

/// A number becomes [`TenantId::Int`]; a string is inferred as by `FromStr`.
impl<'de> Deserialize<'de> for TenantId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Int(i64),
            Text(String),
        }
        match Raw::deserialize(deserializer)? {
            Raw::Int(n) => Ok(Self::Int(n)),
            Raw::Text(s) => s.parse().map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_str_infers_int_then_uuid_then_text() {
        assert_eq!("17".parse::<TenantId>().ok(), Some(TenantId::Int(17)));
        let u = "67e55044-10b1-426f-9247-bb680e5fe0c8";
        assert_eq!(
            u.parse::<TenantId>().ok(),
            Uuid::parse_str(u).ok().map(TenantId::Uuid)
        );
        assert_eq!(
            "acme".parse::<TenantId>().ok(),
            Some(TenantId::from("acme"))
        );
        assert!("".parse::<TenantId>().is_err());
    }

    #[test]
    fn text_keys_are_bounded_and_nul_free() {
        let long = "a".repeat(MAX_TEXT_KEY_LEN + 1);
        assert!(TenantId::parse_as(&long, TenantKeyKind::Text).is_err());
        assert!(TenantId::parse_as("a\0b", TenantKeyKind::Text).is_err());
        assert!(TenantId::parse_as(&long[1..], TenantKeyKind::Text).is_ok());
    }

    #[test]
    fn literals_are_quoted_safely() {
        assert_eq!(
            TenantId::from("x'; drop table t; --").to_sql_literal(),
            "'x''; drop table t; --'"
        );
        assert_eq!(
            TenantId::Int(i64::MIN).to_sql_literal(),
            i64::MIN.to_string()
        );
    }

    #[test]
    fn serde_round_trips_each_kind() -> Result<(), serde_json::Error> {
        for id in [
            TenantId::Int(5),
            TenantId::Uuid(Uuid::nil()),
            TenantId::from("acme"),
        ] {
            let json = serde_json::to_string(&id)?;
            assert_eq!(serde_json::from_str::<TenantId>(&json)?, id);
        }
        assert_eq!(serde_json::to_string(&TenantId::Int(5))?, "5");
        Ok(())
    }
}
