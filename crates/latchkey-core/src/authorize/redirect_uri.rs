//! Redirect URI checks (RFC 6749 §3.1.2.3, OIDC Core §3.1.2.1): exact string
//! match against the registration. On a mismatch, say what kind of
//! difference it is, without revealing the registered URIs.

use crate::Occurrence;
use crate::catalogue::{
    NO_REDIRECT_URI_REGISTERED, REDIRECT_URI_MALFORMED, REDIRECT_URI_MISMATCH,
    REDIRECT_URI_MISSING, REGISTERED_REDIRECT_URI_UNUSABLE,
};

/// Why `uri` cannot be sent as it is in a `Location` header, if it cannot:
/// the first character outside visible ASCII (a control character, a space
/// or a non-ASCII character), named by its code point. The URL parser drops
/// TAB, CR and LF and encodes the rest while checking, so the check is made
/// on the exact string, which is what is stored and sent.
pub fn unsendable(uri: &str) -> Option<String> {
    let (at, c) = uri.char_indices().find(|(_, c)| !matches!(c, '!'..='~'))?;
    let kind = match c {
        ' ' => "a space",
        c if c.is_control() => "a control character",
        c if c.is_whitespace() => "a space",
        _ => "a character outside ASCII",
    };
    Some(format!(
        "it contains U+{:04X} ({kind}) at byte {at}; such characters must be percent-encoded",
        u32::from(c)
    ))
}

/// The registered URI to use: the requested one when it matches exactly,
/// or the only registered one when none was sent.
pub fn choose(requested: Option<&str>, registered: &[String]) -> Result<String, Occurrence> {
    if registered.is_empty() {
        return Err(NO_REDIRECT_URI_REGISTERED.occur());
    }
    let Some(requested) = requested else {
        return match registered {
            [only] => sendable_registered(only),
            _ => Err(REDIRECT_URI_MISSING
                .with_detail("the client has several redirect URIs; send one of them")),
        };
    };
    if let Some(why) = unsendable(requested) {
        return Err(REDIRECT_URI_MALFORMED.with_detail(why));
    }
    let parsed = match url::Url::parse(requested) {
        Ok(u) if u.fragment().is_none() => u,
        Ok(_) => return Err(REDIRECT_URI_MALFORMED.with_detail("it must not contain a fragment")),
        Err(e) => {
            return Err(REDIRECT_URI_MALFORMED.with_detail(format!("not an absolute URI ({e})")));
        }
    };
    if let Some(r) = registered.iter().find(|r| *r == requested) {
        return sendable_registered(r);
    }
    Err(REDIRECT_URI_MISMATCH.with_detail(mismatch_kind(&parsed, requested, registered)))
}

/// A registered URI, unless it cannot be sent: a client stored before
/// registration checked the exact string may hold one. Refused on the page;
/// the URI itself is not shown.
pub fn sendable_registered(registered: &str) -> Result<String, Occurrence> {
    match unsendable(registered) {
        None => Ok(registered.to_string()),
        Some(why) => Err(REGISTERED_REDIRECT_URI_UNUSABLE.with_detail(why)),
    }
}

/// The closest kind of difference to any registered URI.
fn mismatch_kind(req: &url::Url, raw: &str, registered: &[String]) -> String {
    let mut best = "it differs from every registered redirect URI";
    let mut best_rank = 0;
    for r in registered.iter().filter_map(|r| url::Url::parse(r).ok()) {
        let (rank, kind) = if req.scheme() != r.scheme() {
            (1, "the scheme differs from the registered redirect URI")
        } else if req.host_str() != r.host_str() {
            (2, "the host differs from the registered redirect URI")
        } else if req.port_or_known_default() != r.port_or_known_default() {
            (3, "the port differs from the registered redirect URI")
        } else if req.path().trim_end_matches('/') == r.path().trim_end_matches('/')
            && req.path() != r.path()
        {
            (
                5,
                "a trailing slash differs from the registered redirect URI",
            )
        } else if req.path() != r.path() {
            (4, "the path differs from the registered redirect URI")
        } else if req.query() != r.query() {
            (6, "the query differs from the registered redirect URI")
        } else if raw != r.as_str() {
            (
                7,
                "the spelling differs from the registered redirect URI (matching is exact, character by character)",
            )
        } else {
            (0, best)
        };
        if rank > best_rank {
            best_rank = rank;
            best = kind;
        }
    }
    best.to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn reg(uris: &[&str]) -> Vec<String> {
        uris.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn exact_match_and_defaults() {
        let r = reg(&["https://app.example/cb"]);
        assert_eq!(
            choose(Some("https://app.example/cb"), &r).unwrap(),
            "https://app.example/cb"
        );
        assert_eq!(choose(None, &r).unwrap(), "https://app.example/cb");
        let two = reg(&["https://app.example/cb", "https://app.example/cb2"]);
        assert!(choose(None, &two).unwrap_err().is(&REDIRECT_URI_MISSING));
        assert!(
            choose(None, &[])
                .unwrap_err()
                .is(&NO_REDIRECT_URI_REGISTERED)
        );
    }

    #[test]
    fn mismatch_names_the_kind_without_listing_registered_uris() {
        let r = reg(&["https://app.example:8443/cb?x=1"]);
        let cases = [
            ("http://app.example:8443/cb?x=1", "scheme"),
            ("https://evil.example:8443/cb?x=1", "host"),
            ("https://app.example/cb?x=1", "port"),
            ("https://app.example:8443/other?x=1", "path"),
            ("https://app.example:8443/cb/?x=1", "trailing slash"),
            ("https://app.example:8443/cb?x=2", "query"),
        ];
        for (uri, kind) in cases {
            let occ = choose(Some(uri), &r).unwrap_err();
            assert!(occ.is(&REDIRECT_URI_MISMATCH));
            let d = occ.detail.clone().unwrap();
            assert!(d.contains(kind), "{uri}: {d}");
            assert!(
                !d.contains("app.example"),
                "must not list registered URIs: {d}"
            );
        }
        assert!(
            choose(Some("/relative"), &r)
                .unwrap_err()
                .is(&REDIRECT_URI_MALFORMED)
        );
        assert!(
            choose(Some("https://app.example/cb#x"), &r)
                .unwrap_err()
                .is(&REDIRECT_URI_MALFORMED)
        );
    }

    #[test]
    fn raw_control_characters_and_spaces_are_never_chosen() {
        let r = reg(&["https://app.example/cb"]);
        for (uri, named) in [
            (
                "https://app.example/cb\r\nX: 1",
                "U+000D (a control character) at byte 22",
            ),
            ("https://app.example/cb\t", "U+0009 (a control character)"),
            ("https://app.example/c b", "U+0020 (a space)"),
            (
                "https://app.example/cb\u{85}",
                "U+0085 (a control character)",
            ),
            (
                "https://app.example/caf\u{e9}",
                "U+00E9 (a character outside ASCII)",
            ),
        ] {
            let occ = choose(Some(uri), &r).unwrap_err();
            assert!(occ.is(&REDIRECT_URI_MALFORMED), "{uri:?}");
            let d = occ.detail.clone().unwrap();
            assert!(d.contains(named), "{uri:?}: {d}");
        }
        // A legacy registration holding one is not used, sent or not.
        let legacy = reg(&["https://app.example/cb\r\nX: 1"]);
        assert!(
            choose(None, &legacy)
                .unwrap_err()
                .is(&REGISTERED_REDIRECT_URI_UNUSABLE)
        );
        assert!(
            choose(Some("https://app.example/cb\r\nX: 1"), &legacy)
                .unwrap_err()
                .is(&REDIRECT_URI_MALFORMED)
        );
        assert_eq!(unsendable("https://app.example/cb?x=%20&y=~"), None);
    }
}
