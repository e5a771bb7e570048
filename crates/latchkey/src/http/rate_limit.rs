//! The per-client request rate (`limits.client_rps`) at the
//! client-authenticated endpoints: /token, /par, /introspect, /revoke.
//!
//! Counted in the database, in one-second fixed windows, with the same
//! counter and window logic as login throttling
//! ([`latchkey_core::throttle::Window`]; the counter rows are keyed
//! `client:{client_id}` beside the `account:` and `address:` ones). So the
//! limit holds for the whole deployment, however many nodes share the
//! load. The price is one small write per request, paid only when the limit
//! is on. Only authenticated requests count: a caller cannot spend another
//! client's budget by naming its `client_id`.

use super::respond::Failure;
use crate::app::App;
use latchkey_core::catalogue::RATE_LIMITED;
use latchkey_core::throttle::Window;

/// Seconds per window: the limit is per second.
const WINDOW: i64 = 1;

/// Count this request for `client_id`; 429 `rate_limited` once the
/// client's requests in the current second exceed the limit.
pub async fn check_client(app: &App, client_id: &str) -> Result<(), Failure> {
    let rps = app.config.client_rps;
    if rps == 0 {
        return Ok(());
    }
    let now = latchkey_core::now_unix();
    let key = format!("client:{client_id}");
    let (count, start) = match app.store.record_login_failure(&key, now, WINDOW).await {
        Ok(counted) => counted,
        Err(e) => {
            // Fail open: a limiter that cannot count must not take the
            // requests down with it (the request itself meets the database
            // soon enough when it needs it).
            tracing::debug!(error = %e, client_id, "rate limit not counted");
            return Ok(());
        }
    };
    let window = Window {
        limit: rps,
        secs: WINDOW,
    };
    // `count` includes this request: it is refused when the earlier ones
    // already used the budget.
    match window.wait(count - 1, start, now) {
        None => Ok(()),
        Some(wait) => Err(Failure::json(
            RATE_LIMITED
                .with_detail(format!(
                    "more than {rps} requests in one second from this client"
                ))
                .retry_after(u64::try_from(wait).unwrap_or(1))
                .client(client_id),
        )),
    }
}
