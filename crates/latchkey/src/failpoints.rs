//! Fault injection (cargo feature `failpoints`, for tests only): the
//! `FAILPOINTS` variable (`point=action;point=action`, actions as the `fail`
//! crate reads them, e.g. `return`, `1*return`, `sleep(100)`) arms named
//! points: `authorize.issue_code`, `token.issue`, `store.read`,
//! `store.write`, `respond.location` (a redirect whose `Location` header
//! cannot be built), `signin.session` (a new sign-in session, before it is
//! stored). An armed point fails as an internal error; `sleep(ms)` holds
//! the request there.

/// Arm the points named in `FAILPOINTS` (with `arm` false, only refuse
/// the variable where it cannot work). Without the feature the variable is
/// refused, so a deployment cannot believe faults are being injected. The
/// server arms them once it has started, so that its start-up's own
/// reads and writes are not the ones a test means to fail.
pub fn configure(spec: Option<&str>, arm: bool) -> Result<(), String> {
    let Some(spec) = spec.filter(|s| !s.trim().is_empty()) else {
        return Ok(());
    };
    if !cfg!(feature = "failpoints") {
        return Err(
            "FAILPOINTS is set, but this binary was built without the `failpoints` feature".into(),
        );
    }
    if !arm {
        return Ok(());
    }
    for entry in spec.split(';').filter(|e| !e.trim().is_empty()) {
        let (name, actions) = entry
            .split_once('=')
            .ok_or_else(|| format!("FAILPOINTS entry {entry:?} is not point=action"))?;
        fail::cfg(name.trim(), actions.trim())
            .map_err(|e| format!("FAILPOINTS entry {entry:?}: {e}"))?;
    }
    Ok(())
}
