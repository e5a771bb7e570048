"""A schemathesis check for the run with the read-only admin token: no
write (any method but GET and HEAD) may succeed. Loaded with
SCHEMATHESIS_HOOKS by crates/latchkey/tests/e2e/openapi.rs."""

import schemathesis


@schemathesis.check
def read_only_token_cannot_write(ctx, response, case):
    """With admin_readonly_token, every write is refused."""
    method = case.method.upper()
    if method not in ("GET", "HEAD") and 200 <= response.status_code < 300:
        raise AssertionError(
            f"{method} {case.formatted_path} answered {response.status_code} "
            "to the read-only admin token: only reads may succeed with it"
        )
