//! Prints the rewrite benchmark's ratio table from criterion's saved estimates.
//!
//! ```text
//! cargo bench -p tenancy-benches
//! cargo run -p tenancy-benches --bin bench-report [CRITERION_DIR]
//! ```
//!
//! `CRITERION_DIR` defaults to `$CARGO_TARGET_DIR/criterion`, else `target/criterion`. Exit codes:
//! 0 every target met, 1 a target missed, 2 estimates missing or unreadable.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Cold rewrite may cost at most this many times a bare parse.
const COLD_PER_PARSE: f64 = 1.3;
/// A cached rewrite may take at most this many nanoseconds.
const CACHED_NS: f64 = 200.0;
/// A cached rewrite may cost at most this fraction of a `SELECT 1` round trip.
const CACHED_PER_ROUND_TRIP: f64 = 0.005;

fn main() -> ExitCode {
    let dir = std::env::args()
        .nth(1)
        .map_or_else(default_dir, PathBuf::from);
    match report(&dir) {
        Ok((text, met)) => {
            print!("{text}");
            if met {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("bench-report: {e}");
            ExitCode::from(2)
        }
    }
}

fn default_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| PathBuf::from("target"), PathBuf::from)
        .join("criterion")
}

/// The median estimate of one benchmark, in nanoseconds.
fn median_ns(dir: &Path, group: &str, function: &str) -> Result<f64, String> {
    let path = dir.join(group).join(function).join("new/estimates.json");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "cannot read {}: {e}; run `cargo bench -p tenancy-benches` first",
            path.display()
        )
    })?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    json["median"]["point_estimate"]
        .as_f64()
        .ok_or_else(|| format!("{}: no median.point_estimate", path.display()))
}

/// The statement shapes measured: every group with a `cold` benchmark, in name order.
fn shapes(dir: &Path) -> Result<Vec<String>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        format!(
            "cannot read {}: {e}; run `cargo bench -p tenancy-benches` first",
            dir.display()
        )
    })?;
    let mut shapes: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().join("cold/new/estimates.json").is_file())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    shapes.sort();
    if shapes.is_empty() {
        return Err(format!("no rewrite benchmarks under {}", dir.display()));
    }
    Ok(shapes)
}

fn report(dir: &Path) -> Result<(String, bool), String> {
    let round_trip = median_ns(dir, "round_trip", "select_1").ok();
    let mut met = true;
    let mut out = String::new();
    let mark = |ok: bool| if ok { "✓" } else { "✗" };

    let _ = writeln!(out, "{}\n", machine());
    let _ = writeln!(
        out,
        "| shape | parse | cold rewrite | cold / parse | cached rewrite | cached / round trip |"
    );
    let _ = writeln!(out, "| --- | ---: | ---: | ---: | ---: | ---: |");
    for shape in shapes(dir)? {
        let parse = median_ns(dir, &shape, "parse")?;
        let cold = median_ns(dir, &shape, "cold")?;
        let cached = median_ns(dir, &shape, "cached")?;
        let cold_ok = cold <= COLD_PER_PARSE * parse;
        let cached_ok = cached <= CACHED_NS;
        let share = round_trip.map(|rt| cached / rt);
        let share_ok = share.is_none_or(|s| s <= CACHED_PER_ROUND_TRIP);
        met &= cold_ok && cached_ok && share_ok;
        let share_text = share.map_or_else(
            || "not measured".to_owned(),
            |s| format!("{:.3} % {}", s * 100.0, mark(share_ok)),
        );
        let _ = writeln!(
            out,
            "| {shape} | {} | {} | {:.2}× {} | {} {} | {share_text} |",
            duration(parse),
            duration(cold),
            cold / parse,
            mark(cold_ok),
            duration(cached),
            mark(cached_ok),
        );
    }
    let _ = writeln!(
        out,
        "\n`SELECT 1` round trip (sqlx, one connection): {}",
        round_trip.map_or_else(|| "not measured (no database)".to_owned(), duration)
    );
    let _ = writeln!(
        out,
        "\nTargets: cold rewrite ≤ {COLD_PER_PARSE}× parse; cached rewrite ≤ {CACHED_NS} ns and ≤ {} % \
         of the round trip. All met: {}.",
        CACHED_PER_ROUND_TRIP * 100.0,
        if met { "yes" } else { "no" }
    );
    Ok((out, met))
}

fn duration(ns: f64) -> String {
    if ns >= 1_000_000.0 {
        format!("{:.2} ms", ns / 1_000_000.0)
    } else if ns >= 1_000.0 {
        format!("{:.2} µs", ns / 1_000.0)
    } else {
        format!("{ns:.1} ns")
    }
}

/// CPU count, CPU model and today's date, as the performance record needs them.
fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    format!("Machine: {cpus} CPUs, {model}; measured {} (UTC).", today())
}

/// Today's date as `YYYY-MM-DD`, from the system clock (civil-from-days, proleptic Gregorian).
fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0) + 719_468;
    let era = days.div_euclid(146_097);
    let doe = days.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}
