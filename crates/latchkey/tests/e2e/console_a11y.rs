//! The accessibility check of console pages: axe-core (pinned in
//! `interop/node/package.json`, installed by `scripts/interop-install`)
//! is injected into the page through WebDriver and run there. WebDriver's
//! script execution is not subject to the page's Content-Security-Policy
//! (which allows no script at all on these pages): the check asserts the
//! policy is in force and that axe still ran. Any violation of impact
//! `serious` or `critical` fails the test, each printed with the elements
//! it concerns. Then the page is kept as screenshots at a desktop's
//! 1280 px and a phone's 390 px (`test-artifacts/console-{name}-*.png`).
//!
//! Every console page's test calls [`check`].

use crate::browser::Driver;
use reqwest::Method;
use serde_json::{Value, json};
use std::path::PathBuf;

fn axe_source() -> &'static str {
    static AXE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    AXE.get_or_init(|| {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../interop/node/node_modules/axe-core/axe.min.js");
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (scripts/interop-install installs it)",
                path.display()
            )
        })
    })
}

/// The violations of the page open in `driver` with impact `serious` or
/// `critical`, under axe-core's WCAG 2.x A and AA rules.
pub(crate) async fn violations(driver: &Driver) -> Vec<Value> {
    // An inline script the page's policy must refuse: the policy is on.
    let blocked = driver
        .script(
            "const s = document.createElement('script');
s.textContent = 'window.__inlineRan = true;';
document.head.appendChild(s);
return window.__inlineRan === true;",
        )
        .await;
    assert_eq!(
        blocked,
        json!(false),
        "the page runs inline scripts: no CSP?"
    );
    driver
        .script(&format!("{}\nreturn true;", axe_source()))
        .await;
    let loaded = driver.script("return typeof window.axe;").await;
    assert_eq!(loaded, json!("object"), "axe-core did not load in the page");
    let found = driver
        .script_async(
            "const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})
  .then(r => done(r.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({html: n.html, target: n.target, summary: n.failureSummary}))}))))
  .catch(e => done([{error: String(e)}]));",
        )
        .await;
    found.as_array().cloned().unwrap_or_default()
}

/// The console page open in `driver` has no serious or critical
/// accessibility violation (each is printed); screenshots of it at
/// 1280 px and 390 px wide as `console-{name}-1280.png`, `-390.png`.
pub(crate) async fn check(driver: &Driver, name: &str) {
    let found = violations(driver).await;
    if !found.is_empty() {
        for v in &found {
            eprintln!(
                "{name}: accessibility violation\n{}",
                serde_json::to_string_pretty(v).unwrap()
            );
        }
        panic!(
            "{name}: {} serious or critical accessibility violations",
            found.len()
        );
    }
    for width in [1280, 390] {
        driver
            .cmd(
                Method::POST,
                "/window/rect",
                Some(json!({"width": width, "height": 900})),
            )
            .await;
        driver
            .screenshot(&format!("console-{name}-{width}.png"))
            .await;
    }
    driver
        .cmd(
            Method::POST,
            "/window/rect",
            Some(json!({"width": 1000, "height": 900})),
        )
        .await;
}
