//! Redirect URI checks (RFC 6749 §3.1.2.3, OIDC Core §3.1.2.1): exact string
//! match against the registration, with one exception: a native app's
//! loopback redirect URI matches on any port (RFC 8252 §7.3), since the app
//! listens on whatever port the system gives it. On a mismatch, say what
//! kind of difference it is, without revealing the registered URIs.

use crate::Occurrence;
use crate::catalogue::{
    NO_REDIRECT_URI_REGISTERED, REDIRECT_URI_MALFORMED, REDIRECT_URI_MISMATCH,
    REDIRECT_URI_MISSING, REGISTERED_REDIRECT_URI_UNUSABLE,
};
use crate::client::ClientMetadata;
pub use crate::client::unsendable;
pub use crate::error::render::RedirectUri;

/// The redirect URI to use: the requested one when it matches a registered
/// one exactly (or, for a native app, a loopback one but for the port), or
/// the only registered one when none was sent.
pub fn choose(requested: Option<&str>, client: &ClientMetadata) -> Result<RedirectUri, Occurrence> {
    let registered = client.redirect_uris.as_slice();
    if registered.is_empty() {
        return Err(NO_REDIRECT_URI_REGISTERED.occur());
    }
    let Some(requested) = requested else {
        return match registered {
            [only] => sendable_registered(only).map(RedirectUri::verified),
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
        return sendable_registered(r).map(RedirectUri::verified);
    }
    let native = client.is_native();
    if native
        && registered
            .iter()
            .any(|r| loopback_match(&parsed, requested, r))
    {
        // The requested URI, port included: it is where the app listens,
        // and what the token request must repeat (RFC 6749 §4.1.3).
        return Ok(RedirectUri::verified(requested.to_string()));
    }
    Err(REDIRECT_URI_MISMATCH.with_detail(mismatch_kind(&parsed, requested, registered, native)))
}

/// An `http` URI on a loopback host: `127.0.0.1`, `[::1]` (RFC 8252 §7.3)
/// or `localhost` (§8.3: discouraged, "functions similarly").
fn is_loopback_http(uri: &url::Url) -> bool {
    uri.scheme() == "http"
        && matches!(
            uri.host_str(),
            Some("127.0.0.1") | Some("[::1]") | Some("localhost")
        )
}

/// Whether `requested` (`raw`, already parsed) is the loopback URI
/// `registered` on some port: the same string once both ports are taken
/// out. Only a requested URI in normal form qualifies, so the string sent
/// back is one the comparison saw.
fn loopback_match(req: &url::Url, raw: &str, registered: &str) -> bool {
    let Ok(reg) = url::Url::parse(registered) else {
        return false;
    };
    let normal = req.as_str() == raw && reg.as_str() == registered;
    if !normal || !is_loopback_http(req) || !is_loopback_http(&reg) {
        return false;
    }
    let (mut req, mut reg) = (req.clone(), reg);
    req.set_port(None).is_ok() && reg.set_port(None).is_ok() && req.as_str() == reg.as_str()
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

/// The closest kind of difference to any registered URI. For a native
/// app, the port of a loopback URI is no difference.
fn mismatch_kind(req: &url::Url, raw: &str, registered: &[String], native: bool) -> String {
    let mut best = "it differs from every registered redirect URI";
    let mut best_rank = 0;
    for r in registered.iter().filter_map(|r| url::Url::parse(r).ok()) {
        let any_port = native && is_loopback_http(&r);
        let (rank, kind) = if req.scheme() != r.scheme() {
            (1, "the scheme differs from the registered redirect URI")
        } else if req.host_str() != r.host_str() {
            (2, "the host differs from the registered redirect URI")
        } else if !any_port && req.port_or_known_default() != r.port_or_known_default() {
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

    fn reg(uris: &[&str]) -> ClientMetadata {
        ClientMetadata {
            redirect_uris: uris.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    fn native(uris: &[&str]) -> ClientMetadata {
        ClientMetadata {
            application_type: "native".into(),
            token_endpoint_auth_method: "none".into(),
            ..reg(uris)
        }
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
            choose(None, &reg(&[]))
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
    fn native_loopback_uris_match_on_any_port() {
        for (registered, requested) in [
            (
                "http://127.0.0.1/callback",
                "http://127.0.0.1:53127/callback",
            ),
            ("http://127.0.0.1/callback", "http://127.0.0.1/callback"),
            (
                "http://127.0.0.1:8080/cb?x=1",
                "http://127.0.0.1:9999/cb?x=1",
            ),
            ("http://127.0.0.1:8080/cb", "http://127.0.0.1/cb"),
            ("http://[::1]/callback", "http://[::1]:61000/callback"),
            ("http://localhost/cb", "http://localhost:4000/cb"),
        ] {
            let chosen = choose(Some(requested), &native(&[registered]));
            assert_eq!(chosen.unwrap(), requested, "{registered} for {requested}");
            let confidential = ClientMetadata {
                token_endpoint_auth_method: "client_secret_basic".into(),
                ..native(&[registered])
            };
            assert_eq!(choose(Some(requested), &confidential).unwrap(), requested);
        }
        // Without a redirect_uri, the registered one as it is.
        assert_eq!(
            choose(None, &native(&["http://127.0.0.1/callback"])).unwrap(),
            "http://127.0.0.1/callback"
        );
        // Private-use schemes and claimed https URIs match exactly.
        let c = native(&["com.example.app:/cb", "https://app.example/cb"]);
        assert_eq!(
            choose(Some("com.example.app:/cb"), &c).unwrap(),
            "com.example.app:/cb"
        );
        assert_eq!(
            choose(Some("https://app.example/cb"), &c).unwrap(),
            "https://app.example/cb"
        );
    }

    #[test]
    fn only_the_port_of_a_native_loopback_uri_is_free() {
        let c = native(&["http://127.0.0.1/callback?app=1"]);
        for (uri, kind) in [
            ("http://127.0.0.1:5000/other?app=1", "path"),
            ("http://127.0.0.1:5000/callback/?app=1", "trailing slash"),
            ("http://127.0.0.1:5000/callback?app=2", "query"),
            ("http://127.0.0.1:5000/callback", "query"),
            ("http://[::1]:5000/callback?app=1", "host"),
            ("http://localhost:5000/callback?app=1", "host"),
            ("http://127.0.0.2:5000/callback?app=1", "host"),
            ("https://127.0.0.1:5000/callback?app=1", "scheme"),
            ("http://user@127.0.0.1:5000/callback?app=1", "spelling"),
            ("http://127.0.0.1:5000/x/../callback?app=1", "spelling"),
            ("http://127.0.0.1:80/callback?app=1", "spelling"),
        ] {
            let occ = choose(Some(uri), &c).unwrap_err();
            assert!(occ.is(&REDIRECT_URI_MISMATCH), "{uri}");
            let d = occ.detail.clone().unwrap();
            assert!(d.contains(kind), "{uri}: {d}");
        }
        // Other URIs of a native app keep their port.
        let c = native(&["https://app.example:8443/cb", "com.example.app:/cb"]);
        let occ = choose(Some("https://app.example:9443/cb"), &c).unwrap_err();
        assert!(occ.detail.clone().unwrap().contains("port"));
        assert!(
            choose(Some("com.example.app:/cb2"), &c)
                .unwrap_err()
                .is(&REDIRECT_URI_MISMATCH)
        );
    }

    #[test]
    fn web_clients_get_no_port_leniency() {
        for registered in [
            "http://127.0.0.1/callback",
            "http://[::1]/callback",
            "http://localhost/callback",
        ] {
            let c = reg(&[registered]);
            let requested = registered.replace("/callback", ":53127/callback");
            let occ = choose(Some(&requested), &c).unwrap_err();
            assert!(occ.is(&REDIRECT_URI_MISMATCH), "{requested}");
            assert!(occ.detail.clone().unwrap().contains("port"), "{requested}");
        }
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
