//! Rows as comparable text, decoded from any statement's result columns.
//!
//! Statements with `RETURNING` and DML cannot be wrapped in `SELECT to_jsonb(r) FROM (...) r`, so
//! each column is decoded from its wire value: common types readably, anything else as its type
//! name plus the exact bytes (both databases run on the same server, so equal values have equal
//! binary encodings for built-in types).

use sqlx::postgres::{PgRow, PgValueRef, Postgres};
use sqlx::{Decode, Row, TypeInfo, ValueRef};

/// One row, one string per column, `NULL` for SQL NULL.
pub type TextRow = Vec<String>;

/// Decodes every column of `row`.
#[must_use]
pub fn row_to_text(row: &PgRow) -> TextRow {
    (0..row.len())
        .map(|i| match row.try_get_raw(i) {
            Ok(value) => cell(value),
            Err(e) => format!("<column {i}: {e}>"),
        })
        .collect()
}

/// Decodes and sorts rows, so results compare as multisets.
#[must_use]
pub fn sorted(rows: &[PgRow]) -> Vec<TextRow> {
    let mut out: Vec<TextRow> = rows.iter().map(row_to_text).collect();
    out.sort();
    out
}

fn cell(value: PgValueRef<'_>) -> String {
    if value.is_null() {
        return "NULL".to_owned();
    }
    let ty = value.type_info().name().to_owned();
    let bytes: String = value
        .as_bytes()
        .unwrap_or_default()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let readable = match ty.as_str() {
        "INT2" => text::<i16>(value),
        "INT4" => text::<i32>(value),
        "INT8" => text::<i64>(value),
        "BOOL" => text::<bool>(value),
        "FLOAT4" => text::<f32>(value),
        "FLOAT8" => text::<f64>(value),
        "TEXT" | "VARCHAR" | "NAME" | "BPCHAR" | "UNKNOWN" => text::<String>(value),
        "INT4[]" => text::<Vec<Option<i32>>>(value),
        "INT8[]" => text::<Vec<Option<i64>>>(value),
        "TEXT[]" => text::<Vec<Option<String>>>(value),
        _ => None,
    };
    readable.unwrap_or_else(|| format!("{ty}:0x{bytes}"))
}

fn text<'r, T: Decode<'r, Postgres> + std::fmt::Debug>(value: PgValueRef<'r>) -> Option<String> {
    T::decode(value).ok().map(|v| format!("{v:?}"))
}
