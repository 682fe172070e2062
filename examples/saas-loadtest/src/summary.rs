//! The short summary printed after goose's report: requests/s and latency percentiles of the
//! steady-state mix, with sign-ups apart because they hash a password (argon2) on purpose.

use std::fmt;

use goose::metrics::{GooseMetrics, GooseRequestMetricAggregate};
use serde::Serialize;

/// Requests/s and percentiles of one group of requests.
#[derive(Debug, Default, Serialize)]
pub(crate) struct Group {
    /// Completed requests, successful or not.
    pub(crate) requests: usize,
    /// Requests that failed (transport error or unexpected status).
    pub(crate) failures: usize,
    /// `requests` divided by the measured duration.
    pub(crate) requests_per_second: f64,
    /// Latency percentiles in milliseconds; goose's buckets hold times to within 1/64.
    pub(crate) p50_ms: f64,
    pub(crate) p95_ms: f64,
    pub(crate) p99_ms: f64,
    pub(crate) max_ms: f64,
}

/// The whole run.
#[derive(Debug, Serialize)]
pub(crate) struct Summary {
    /// Seconds goose measured (after the ramp-up, unless `--no-reset-metrics`).
    pub(crate) duration_s: usize,
    /// The most users running at once.
    pub(crate) users: usize,
    /// Every request but sign-ups.
    pub(crate) mix: Group,
    /// Sign-ups measured in the same window (usually none: they run before metrics reset).
    pub(crate) signup: Group,
}

impl Summary {
    /// Merges goose's per-request timing buckets into the two groups.
    pub(crate) fn from_metrics(metrics: &GooseMetrics) -> Self {
        let (signup, mix): (Vec<_>, Vec<_>) = metrics
            .requests
            .values()
            .partition(|aggregate| aggregate.path.contains("/v1/signup"));
        Self {
            duration_s: metrics.duration,
            users: metrics.maximum_users,
            mix: Group::of(&mix, metrics.duration),
            signup: Group::of(&signup, metrics.duration),
        }
    }
}

impl Group {
    fn of(aggregates: &[&GooseRequestMetricAggregate], duration_s: usize) -> Self {
        let mut buckets: Vec<(u64, usize)> = aggregates
            .iter()
            .flat_map(|a| a.raw_data.times_us.iter().map(|(us, n)| (*us, *n)))
            .collect();
        buckets.sort_unstable();
        let requests: usize = buckets.iter().map(|(_, n)| n).sum();
        let max_us = aggregates
            .iter()
            .map(|a| a.raw_data.maximum_time_us)
            .max()
            .unwrap_or(0);
        Self {
            requests,
            failures: aggregates.iter().map(|a| a.fail_count).sum(),
            requests_per_second: if duration_s == 0 {
                0.0
            } else {
                requests as f64 / duration_s as f64
            },
            p50_ms: percentile(&buckets, requests, 0.50),
            p95_ms: percentile(&buckets, requests, 0.95),
            p99_ms: percentile(&buckets, requests, 0.99),
            max_ms: max_us as f64 / 1000.0,
        }
    }
}

/// The time (ms) within which `fraction` of the `total` counted times finished; `buckets` are
/// `(lowest time in µs, count)`, fastest first.
fn percentile(buckets: &[(u64, usize)], total: usize, fraction: f64) -> f64 {
    if total == 0 {
        return 0.0;
    }
    let rank = ((total as f64) * fraction).ceil().max(1.0) as usize;
    let mut seen = 0;
    for (us, count) in buckets {
        seen += count;
        if seen >= rank {
            return *us as f64 / 1000.0;
        }
    }
    buckets.last().map_or(0.0, |(us, _)| *us as f64 / 1000.0)
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "\n=== saas-loadtest summary ({} users, {} s measured) ===",
            self.users, self.duration_s
        )?;
        writeln!(
            f,
            "| group  | requests | failures |  req/s | p50 ms | p95 ms | p99 ms | max ms |"
        )?;
        writeln!(
            f,
            "|--------|---------:|---------:|-------:|-------:|-------:|-------:|-------:|"
        )?;
        for (name, group) in [("mix", &self.mix), ("signup", &self.signup)] {
            writeln!(
                f,
                "| {name:<6} | {:>8} | {:>8} | {:>6.1} | {:>6.2} | {:>6.2} | {:>6.2} | {:>6.1} |",
                group.requests,
                group.failures,
                group.requests_per_second,
                group.p50_ms,
                group.p95_ms,
                group.p99_ms,
                group.max_ms
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn percentiles_walk_the_cumulative_counts() {
        // 90 requests at 1 ms, 9 at 10 ms, 1 at 100 ms.
        let buckets = [(1_000, 90), (10_000, 9), (100_000, 1)];
        assert_eq!(percentile(&buckets, 100, 0.50), 1.0);
        assert_eq!(percentile(&buckets, 100, 0.90), 1.0);
        assert_eq!(percentile(&buckets, 100, 0.95), 10.0);
        assert_eq!(percentile(&buckets, 100, 0.99), 10.0);
        assert_eq!(percentile(&buckets, 100, 1.0), 100.0);
        assert_eq!(percentile(&[], 0, 0.5), 0.0);
    }
}
