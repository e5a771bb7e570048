//! What `/metrics` exposes, in one place: every family described (`# HELP`),
//! latencies as histograms (buckets add up across nodes, where summaries'
//! quantiles cannot, and they do not fall to zero after idle), build
//! information, requests in flight and the process's own figures.

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Seconds: from a cache hit to an outage's cut-off.
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The version, and the commit when the build knew it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub const COMMIT: &str = match option_env!("LATCHKEY_COMMIT") {
    Some(c) => c,
    None => "unknown",
};

/// Install the recorder; `None` when another is installed already (tests
/// that build several apps in one process).
pub fn install() -> Option<PrometheusHandle> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
        .ok()?
        .install_recorder()
        .ok()?;
    describe();
    PROCESS.describe();
    metrics::gauge!("latchkey_build_info", "version" => VERSION, "commit" => COMMIT).set(1.0);
    Some(handle)
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "latchkey_http_requests_total",
        "Requests answered, by endpoint, method and status"
    );
    describe_histogram!(
        "latchkey_http_request_duration_seconds",
        Unit::Seconds,
        "Time from a request's arrival to its answer, by endpoint"
    );
    describe_counter!(
        "latchkey_errors_total",
        "Errors answered, by wire code and cause (see /errors)"
    );
    describe_counter!(
        "latchkey_error_records_dropped_total",
        "Error occurrences not kept because the writer was behind"
    );
    describe_histogram!(
        "latchkey_password_verify_seconds",
        Unit::Seconds,
        "Time one Argon2id password verification takes"
    );
    describe_gauge!(
        "latchkey_http_requests_in_flight",
        "Requests being answered by this node now"
    );
    describe_gauge!(
        "latchkey_build_info",
        "Always 1; the labels name the version and commit of this node"
    );
}

/// Figures read at scrape time: requests in flight and the process's.
pub fn refresh(in_flight: usize) {
    #[allow(clippy::cast_precision_loss)]
    metrics::gauge!("latchkey_http_requests_in_flight").set(in_flight as f64);
    PROCESS.collect();
}

/// `process_*`: resident memory, CPU seconds, open files, start time.
static PROCESS: std::sync::LazyLock<metrics_process::Collector> =
    std::sync::LazyLock::new(metrics_process::Collector::default);
