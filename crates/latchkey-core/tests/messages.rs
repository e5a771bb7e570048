//! Every message the code asks for by a literal id exists in English (and
//! so, by the unit tests of `i18n`, in every language): a typo in an id
//! would otherwise show the id itself on a page.
//!
//! The calls read are `t("id")`, `t_with("id", …)` and `html(lang, "id",
//! …)`. Ids passed through a variable are covered by the tests of the code
//! that passes them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use latchkey_core::i18n::{Lang, ids};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The string literal at the start of `rest` (after blanks), if any.
fn literal(rest: &str) -> Option<&str> {
    let rest = rest.trim_start();
    let body = rest.strip_prefix('"')?;
    body.find('"').map(|end| &body[..end])
}

/// Message ids named literally in `source`.
fn used_ids(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    let bytes = source.as_bytes();
    for (needle, skip_first_arg) in [("t(", false), ("t_with(", false), ("html(", true)] {
        let mut from = 0;
        while let Some(at) = source[from..].find(needle) {
            let start = from + at;
            from = start + needle.len();
            // A call of that name, not the end of a longer one (`format(`).
            let before = start.checked_sub(1).map(|i| bytes[i]);
            if before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_') {
                continue;
            }
            let mut rest = &source[from..];
            if skip_first_arg {
                let Some(comma) = rest.find(',') else {
                    continue;
                };
                rest = &rest[comma + 1..];
            }
            if let Some(id) = literal(rest)
                && !id.is_empty()
                && id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                found.push(id.to_string());
            }
        }
    }
    found
}

#[test]
fn every_message_the_code_names_exists() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for krate in ["latchkey-core", "latchkey"] {
        rust_files(&crates.join(krate).join("src"), &mut files);
    }
    let english = ids(Lang::En);
    let mut used = 0;
    let mut missing = Vec::new();
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap();
        // Unit tests may name missing messages on purpose.
        let code = source.split("#[cfg(test)]").next().unwrap_or("");
        for id in used_ids(code) {
            used += 1;
            if !english.contains(&id) {
                missing.push(format!("{}: {id}", file.display()));
            }
        }
    }
    assert!(
        used > 50,
        "only {used} message ids found: is the scan broken?"
    );
    assert!(
        missing.is_empty(),
        "no such message in en.ftl: {missing:#?}"
    );
}

#[test]
fn the_scan_reads_each_call_form() {
    let source = r#"
        lang.t("a-b") t("c") x.t_with(
            "d-e", &[]) html(lang, "f", &[]) format("g") html(view.lang, "h-1", &x)
    "#;
    assert_eq!(used_ids(source), ["a-b", "c", "d-e", "f", "h-1"]);
}
