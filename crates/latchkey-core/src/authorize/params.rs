//! Raw request parameters: form or query pairs, kept with duplicates so a
//! repeated parameter can be refused (RFC 6749 §3.1), and with empty values
//! treated as absent (RFC 6749 §3.1: "parameters sent without a value MUST
//! be treated as if they were omitted").

use std::collections::HashMap;

/// A parameter that appeared more than once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repeated;

/// Parameters of one request, in arrival order. `{:?}` shows the values
/// of [`SECRET_PARAMETERS`] as `[redacted]`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RawParams {
    pairs: Vec<(String, String)>,
}

/// Parameters that may be given more than once: `resource` (RFC 8707 §2).
/// [`RawParams::first_repeated`] passes over them; [`RawParams::all`]
/// reads them.
pub const REPEATABLE: &[&str] = &["resource"];

/// Parameters whose values authenticate or grant something: passwords,
/// client secrets and assertions, codes and tokens.
pub const SECRET_PARAMETERS: &[&str] = &[
    "password",
    "client_secret",
    "client_assertion",
    "code",
    "code_verifier",
    "refresh_token",
    "access_token",
    "id_token",
    "id_token_hint",
    "token",
    "recovery_code",
    "csrf",
];

impl std::fmt::Debug for RawParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = self.pairs.iter().map(|(k, v)| {
            let value = if SECRET_PARAMETERS.contains(&k.as_str()) {
                "[redacted]"
            } else {
                v.as_str()
            };
            (k, value)
        });
        f.debug_struct("RawParams")
            .field("pairs", &shown.collect::<Vec<_>>())
            .finish()
    }
}

impl RawParams {
    /// From `application/x-www-form-urlencoded` text (a query string or body).
    pub fn parse(encoded: &str) -> RawParams {
        RawParams {
            pairs: url::form_urlencoded::parse(encoded.as_bytes())
                .into_owned()
                .filter(|(_, v)| !v.is_empty())
                .collect(),
        }
    }

    pub fn from_pairs(pairs: Vec<(String, String)>) -> RawParams {
        RawParams {
            pairs: pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect(),
        }
    }

    /// The value of a parameter given once; `Err(Repeated)` when it was repeated.
    pub fn single(&self, name: &str) -> Result<Option<&str>, Repeated> {
        let mut found = None;
        for (k, v) in &self.pairs {
            if k == name {
                if found.is_some() {
                    return Err(Repeated);
                }
                found = Some(v.as_str());
            }
        }
        Ok(found)
    }

    /// Every value of a parameter, in arrival order (for the
    /// [`REPEATABLE`] ones).
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first parameter (in arrival order) that appears more than once,
    /// if any, [`REPEATABLE`] ones aside. Counted in one pass: the request is unauthenticated and may
    /// carry thousands of distinct names.
    pub fn first_repeated(&self) -> Option<&str> {
        let mut counts: HashMap<&str, usize> = HashMap::with_capacity(self.pairs.len());
        for (k, _) in &self.pairs {
            if !REPEATABLE.contains(&k.as_str()) {
                *counts.entry(k.as_str()).or_default() += 1;
            }
        }
        self.pairs
            .iter()
            .map(|(k, _)| k.as_str())
            .find(|k| counts.get(k).is_some_and(|n| *n > 1))
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_is_absent_and_repeats_are_seen() {
        let p = RawParams::parse("a=1&b=&c=x%20y&a=2");
        assert_eq!(p.single("b"), Ok(None));
        assert_eq!(p.single("c"), Ok(Some("x y")));
        assert_eq!(p.single("a"), Err(Repeated));
        assert_eq!(p.first_repeated(), Some("a"));
        assert_eq!(RawParams::parse("x=1&y=2").first_repeated(), None);
    }

    #[test]
    fn resource_may_repeat_and_is_read_whole() {
        let p = RawParams::parse("resource=a&x=1&resource=b");
        assert_eq!(p.first_repeated(), None);
        assert_eq!(p.all("resource").collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(p.single("resource"), Err(Repeated));
    }

    #[test]
    fn first_repeated_names_the_earliest_name_that_repeats() {
        // `b` repeats first, but `a` arrived first: `a` is named.
        let p = RawParams::parse("a=1&b=1&b=2&c=1&a=2");
        assert_eq!(p.first_repeated(), Some("a"));
        // An empty value is absent, so it does not make a repeat.
        assert_eq!(RawParams::parse("a=1&a=&b=2").first_repeated(), None);
    }

    #[test]
    fn first_repeated_among_many_distinct_names() {
        let mut query: Vec<String> = (0..20_000).map(|i| format!("p{i}=v")).collect();
        assert_eq!(RawParams::parse(&query.join("&")).first_repeated(), None);
        query.push("p19999=w".into());
        query.push("p7=w".into());
        assert_eq!(
            RawParams::parse(&query.join("&")).first_repeated(),
            Some("p7")
        );
    }
}
