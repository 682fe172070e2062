//! Keyset pagination: `?limit=&cursor=`, where the cursor is the last id of the previous page.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;

/// Largest page a client may ask for.
pub const MAX_LIMIT: i64 = 100;
const DEFAULT_LIMIT: i64 = 50;

/// The `limit` and `cursor` query parameters.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PageRequest {
    /// Items per page, 1..=100 (default 50).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<Uuid>,
}

impl PageRequest {
    /// The validated limit.
    ///
    /// # Errors
    /// 422 when outside 1..=100.
    pub fn limit(&self) -> Result<i64, AppError> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            Some(_) => Err(AppError::invalid("limit", "must be between 1 and 100")),
        }
    }
}

/// One page of items and the cursor of the next (absent on the last page).
#[derive(Debug, Serialize)]
pub struct Page<T> {
    /// The items, oldest first.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<Uuid>,
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` fetched rows: the extra row only says another page exists.
    pub fn from_rows(mut rows: Vec<T>, limit: i64, id: impl Fn(&T) -> Uuid) -> Self {
        let more = usize::try_from(limit).is_ok_and(|limit| rows.len() > limit);
        if more {
            rows.pop();
        }
        let next_cursor = if more { rows.last().map(id) } else { None };
        Self {
            items: rows,
            next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extra_row_becomes_a_cursor() {
        let ids: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
        let page = Page::from_rows(ids.clone(), 2, |id| *id);
        assert_eq!(page.items, ids[..2]);
        assert_eq!(page.next_cursor, Some(ids[1]));
        let last = Page::from_rows(ids[..2].to_vec(), 2, |id| *id);
        assert_eq!(last.next_cursor, None);
    }

    #[test]
    fn limits_are_bounded() {
        let req = |limit| PageRequest {
            limit,
            cursor: None,
        };
        assert_eq!(req(None).limit().ok(), Some(50));
        assert!(req(Some(0)).limit().is_err());
        assert!(req(Some(101)).limit().is_err());
    }
}
