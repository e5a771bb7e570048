//! The shape of the code, kept by a test: imports point down only.
//!
//! Every file of every crate under `crates/*/src` is read; each `crate::…`
//! and `super::…` path in it (outside comments) is resolved to the file it
//! names. Two rules:
//!
//! - No circle of more than two files in any crate: a strongly connected
//!   group of three or more files fails, naming them.
//! - In `latchkey-core`, each top-level module has a layer (foundation,
//!   data model, store interface, protocol) and may import only from its
//!   own layer or below.
//!
//! Test files (`tests.rs`, `*_tests.rs`) are left out: they may reach
//! anywhere.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layer of each top-level module of `latchkey-core`, bottom first.
const CORE_LAYERS: &[(&str, &[&str])] = &[
    (
        "foundation",
        &[
            "lib", "error", "crypto", "cache", "vtr", "throttle", "totp", "secret", "scope", "i18n",
        ],
    ),
    (
        "data model",
        &[
            "client",
            "user",
            "grant",
            "session",
            "request",
            "claims",
            "factors",
            "key_record",
            "upstream_record",
            "device",
            "audit",
            "passkey_record",
            "mail",
            "backchannel",
            "resource_record",
            "fapi2",
        ],
    ),
    ("store interface", &["store"]),
    (
        "protocol",
        &[
            "authorize",
            "keys",
            "token",
            "client_auth",
            "registration",
            "logout",
            "upstream",
            "journey",
            "passkey",
            "dpop",
            "resource",
        ],
    ),
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if name != "tests.rs" && !name.ends_with("_tests.rs") {
                out.push(path);
            }
        }
    }
}

/// The module path of a file: `src/a/b.rs` and `src/a/b/mod.rs` are
/// `["a", "b"]`; `lib.rs`/`main.rs` are `[]`.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap();
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// Code without comments (line comments and doc comments; block comments
/// are not used in this codebase), without string literals' contents, and
/// without unit tests: the item after each `#[cfg(test)]` (a `mod tests;`
/// line, or a braced block up to its closing brace) is left out.
fn code_of(text: &str) -> String {
    let mut out = String::new();
    // Some(depth) while skipping a test item: braces still open.
    let mut skipping: Option<(usize, bool)> = None;
    for line in text.lines() {
        let kept = strip_line(line);
        if let Some((depth, opened)) = skipping {
            let opens = kept.matches('{').count();
            let closes = kept.matches('}').count();
            let depth = (depth + opens).saturating_sub(closes);
            let opened = opened || opens > 0;
            let ends = if opened {
                depth == 0
            } else {
                kept.trim_end().ends_with(';')
            };
            skipping = if ends { None } else { Some((depth, opened)) };
            continue;
        }
        if line.trim() == "#[cfg(test)]" {
            skipping = Some((0, false));
            continue;
        }
        out.push_str(&kept);
        out.push('\n');
    }
    out
}

/// One line without its comment and its string literals' contents.
fn strip_line(line: &str) -> String {
    let mut in_str = false;
    let mut prev = ' ';
    let mut kept = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if !in_str && c == '/' && chars.peek() == Some(&'/') {
            break;
        }
        if c == '"' && prev != '\\' && !(prev == '\'' && chars.peek() == Some(&'\'')) {
            in_str = !in_str;
            kept.push(c);
        } else if !in_str {
            kept.push(c);
        }
        prev = c;
    }
    kept
}

/// Every path starting with `crate::` or `super::` in `code`, as segments
/// relative to the crate root (braced groups expanded one level deep).
fn paths(text: &str, here: &[String]) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    for start in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(at) = text[from..].find(start) {
            let pos = from + at;
            from = pos + start.len();
            // Only whole path starts (not `xcrate::`).
            if pos > 0 {
                let before = text[..pos].chars().last().unwrap();
                if before.is_alphanumeric() || before == '_' {
                    continue;
                }
            }
            let rest: String = text[pos..]
                .chars()
                .take_while(|c| {
                    c.is_alphanumeric()
                        || matches!(c, '_' | ':' | '{' | '}' | ',' | ' ' | '\n' | '*')
                })
                .collect();
            // Cut at the first brace group's end.
            let (head, group) = match rest.find('{') {
                Some(b) => {
                    let end = rest[b..].find('}').map_or(rest.len(), |e| b + e);
                    (rest[..b].to_string(), Some(rest[b + 1..end].to_string()))
                }
                None => (
                    rest.split(|c: char| c.is_whitespace() || c == ',')
                        .next()
                        .unwrap_or("")
                        .to_string(),
                    None,
                ),
            };
            let mut base: Vec<String> = Vec::new();
            let mut segs = head.split("::").filter(|s| !s.is_empty()).peekable();
            // Resolve the start.
            let mut module: Vec<String> = here.to_vec();
            for s in segs.by_ref() {
                match s {
                    "crate" => module.clear(),
                    "super" => {
                        module.pop();
                    }
                    other => {
                        base = module.clone();
                        base.push(other.to_string());
                        break;
                    }
                }
            }
            if base.is_empty() {
                base = module.clone();
            }
            for s in segs {
                base.push(s.trim().to_string());
            }
            match group {
                Some(g) => {
                    for item in g.split(',') {
                        let item = item.trim();
                        if item.is_empty() {
                            continue;
                        }
                        let mut p = base.clone();
                        p.extend(item.split("::").map(|s| s.trim().to_string()));
                        found.push(p);
                    }
                    found.push(base);
                }
                None => found.push(base),
            }
        }
    }
    found
}

struct Crate {
    name: String,
    /// Module path → file (relative to the workspace).
    modules: BTreeMap<Vec<String>, String>,
    edges: BTreeMap<String, BTreeSet<String>>,
}

fn read_crate(dir: &Path) -> Crate {
    let src = dir.join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let ws = workspace();
    let rel = |p: &Path| p.strip_prefix(&ws).unwrap().to_string_lossy().to_string();
    let mut modules = BTreeMap::new();
    for f in &files {
        modules.insert(module_of(&src, f), rel(f));
    }
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let here = module_of(&src, f);
        // `super` in `a/b.rs` means module `a`: the file's own module path
        // already ends in `b`, so popping once is right for both forms.
        let code = code_of(&std::fs::read_to_string(f).unwrap());
        let from = rel(f);
        for p in paths(&code, &here) {
            // The longest prefix naming a file.
            let mut best = None;
            for n in (0..=p.len()).rev() {
                if let Some(file) = modules.get(&p[..n]) {
                    best = Some(file.clone());
                    break;
                }
            }
            if let Some(to) = best
                && to != from
            {
                edges.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    Crate {
        name: dir.file_name().unwrap().to_string_lossy().to_string(),
        modules,
        edges,
    }
}

/// Strongly connected groups (Tarjan), each sorted.
fn groups(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct T<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<String, usize>,
        low: BTreeMap<String, usize>,
        stack: Vec<String>,
        on: BTreeSet<String>,
        next: usize,
        out: Vec<Vec<String>>,
    }
    fn visit(t: &mut T<'_>, v: &str) {
        t.index.insert(v.to_string(), t.next);
        t.low.insert(v.to_string(), t.next);
        t.next += 1;
        t.stack.push(v.to_string());
        t.on.insert(v.to_string());
        let targets: Vec<String> = t
            .edges
            .get(v)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default();
        for w in targets {
            if !t.index.contains_key(&w) {
                visit(t, &w);
                let lw = t.low[&w];
                let lv = t.low[v];
                t.low.insert(v.to_string(), lv.min(lw));
            } else if t.on.contains(&w) {
                let iw = t.index[&w];
                let lv = t.low[v];
                t.low.insert(v.to_string(), lv.min(iw));
            }
        }
        if t.low[v] == t.index[v] {
            let mut group = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(&w);
                let done = w == v;
                group.push(w);
                if done {
                    break;
                }
            }
            group.sort();
            t.out.push(group);
        }
    }
    let mut t = T {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    let nodes: Vec<String> = edges.keys().cloned().collect();
    for v in nodes {
        if !t.index.contains_key(&v) {
            visit(&mut t, &v);
        }
    }
    t.out
}

fn crates() -> Vec<Crate> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(workspace()).unwrap() {
        let dir = entry.unwrap().path();
        if dir.join("src").is_dir() {
            out.push(read_crate(&dir));
        }
    }
    assert!(out.len() >= 3, "the crates were not found");
    out
}

#[test]
fn no_circle_of_more_than_two_files() {
    let mut circles = Vec::new();
    for c in crates() {
        assert!(c.modules.len() > 3, "{} has no modules read", c.name);
        for g in groups(&c.edges) {
            if g.len() > 2 {
                let ties: Vec<String> = g
                    .iter()
                    .flat_map(|f| {
                        c.edges[f]
                            .iter()
                            .filter(|t| g.contains(t))
                            .map(move |t| format!("  {f} -> {t}"))
                    })
                    .collect();
                circles.push(format!(
                    "{} files import each other in a circle:\n{}",
                    g.len(),
                    ties.join("\n")
                ));
            }
        }
    }
    assert!(circles.is_empty(), "{}", circles.join("\n\n"));
}

#[test]
fn core_imports_point_down() {
    let core = crates()
        .into_iter()
        .find(|c| c.name == "latchkey-core")
        .unwrap();
    let layer_of = |file: &str| -> (usize, &'static str) {
        let rel = file.trim_start_matches("latchkey-core/src/");
        let top = rel
            .split('/')
            .next()
            .unwrap()
            .trim_end_matches(".rs")
            .to_string();
        for (i, (name, members)) in CORE_LAYERS.iter().enumerate() {
            if members.contains(&top.as_str()) {
                return (i, name);
            }
        }
        panic!("{file}: module `{top}` has no layer in CORE_LAYERS; give it one");
    };
    let mut upward = Vec::new();
    for (from, targets) in &core.edges {
        let (lf, nf) = layer_of(from);
        for to in targets {
            let (lt, nt) = layer_of(to);
            if lt > lf {
                upward.push(format!("  {from} ({nf}) -> {to} ({nt})"));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports that run back up a layer:\n{}",
        upward.join("\n")
    );
}

#[test]
fn unit_tests_are_left_out_and_code_after_them_is_read() {
    let text = "use crate::a::B;\n#[cfg(test)]\nmod tests {\n    use crate::c::D;\n    fn f() { g(\"}\"); }\n}\nuse crate::e::F; // crate::g\n#[cfg(test)]\nmod more;\nuse crate::h::I;\n";
    let code = code_of(text);
    assert!(
        code.contains("crate::a::B") && code.contains("crate::e::F"),
        "{code}"
    );
    assert!(code.contains("crate::h::I"), "{code}");
    assert!(
        !code.contains("crate::c::D") && !code.contains("crate::g"),
        "{code}"
    );
}

#[test]
fn the_reader_sees_imports() {
    // The reader itself: a known import must be seen, or the rules above
    // would pass on an empty graph.
    let core = crates()
        .into_iter()
        .find(|c| c.name == "latchkey-core")
        .unwrap();
    let journey = "latchkey-core/src/journey/arrive.rs";
    let seen = &core.edges[journey];
    assert!(
        seen.contains("latchkey-core/src/journey/decide.rs"),
        "{seen:?}"
    );
    assert!(seen.contains("latchkey-core/src/request.rs"), "{seen:?}");
}
