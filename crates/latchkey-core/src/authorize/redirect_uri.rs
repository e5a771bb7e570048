//! Redirect URI checks (RFC 6749 §3.1.2.3, OIDC Core §3.1.2.1): exact string
//! match against the registration. On a mismatch, say what kind of
//! difference it is, without revealing the registered URIs.

use crate::Occurrence;
use crate::catalogue::{
    NO_REDIRECT_URI_REGISTERED, REDIRECT_URI_MALFORMED, REDIRECT_URI_MISMATCH, REDIRECT_URI_MISSING,
};

/// The registered URI to use: the requested one when it matches exactly,
/// or the only registered one when none was sent.
pub fn choose(requested: Option<&str>, registered: &[String]) -> Result<String, Occurrence> {
    if registered.is_empty() {
        return Err(NO_REDIRECT_URI_REGISTERED.occur());
    }
    let Some(requested) = requested else {
        return match registered {
            [only] => Ok(only.clone()),
            _ => Err(REDIRECT_URI_MISSING
                .with_detail("the client has several redirect URIs; send one of them")),
        };
    };
    let parsed = match url::Url::parse(requested) {
        Ok(u) if u.fragment().is_none() => u,
        Ok(_) => return Err(REDIRECT_URI_MALFORMED.with_detail("it must not contain a fragment")),
        Err(e) => {
            return Err(REDIRECT_URI_MALFORMED.with_detail(format!("not an absolute URI ({e})")));
        }
    };
    if registered.iter().any(|r| r == requested) {
        return Ok(requested.to_string());
    }
    Err(REDIRECT_URI_MISMATCH.with_detail(mismatch_kind(&parsed, requested, registered)))
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
}
