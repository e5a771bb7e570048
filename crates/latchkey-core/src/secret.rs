//! A value that must never reach a log line: client secrets, assertions,
//! passwords, codes and tokens. `{:?}` prints `[redacted]`, there is no
//! `Display`, and reading it takes an explicit [`Secret::expose`], so a
//! secret shows where it is used. Its memory is zeroed when it is dropped.

use zeroize::Zeroize;

/// A secret value. Equality is for tests and bookkeeping; a presented
/// secret is checked against a stored one in constant time elsewhere.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret<T: Zeroize>(T);

impl<T: Zeroize> Secret<T> {
    pub fn new(value: T) -> Self {
        Secret(value)
    }

    /// The value itself, to use (never to log).
    pub fn expose(&self) -> &T {
        &self.0
    }

    /// The value, taken out of the wrapper.
    pub fn into_exposed(mut self) -> T
    where
        T: Default,
    {
        std::mem::take(&mut self.0)
    }
}

impl Secret<String> {
    /// The text, to use (never to log).
    pub fn expose_str(&self) -> &str {
        &self.0
    }
}

impl<T: Zeroize> From<T> for Secret<T> {
    fn from(value: T) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret<String> {
    fn from(value: &str) -> Self {
        Secret(value.to_string())
    }
}

impl<T: Zeroize> Drop for Secret<T> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl<T: Zeroize> std::fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Serialized as the value itself: for answers that carry a secret to its
/// owner (a token response), never for logs.
impl<T: Zeroize + serde::Serialize> serde::Serialize for Secret<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_value_and_serialization_keeps_it() {
        let s = Secret::new("hunter2-secret".to_string());
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(format!("{:?}", Some(s.clone())), "Some([redacted])");
        assert_eq!(s.expose_str(), "hunter2-secret");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"hunter2-secret\"");
        assert_eq!(s.into_exposed(), "hunter2-secret");
    }

    /// Every type that carries a client secret, assertion, password, code
    /// or token keeps it out of `{:?}`.
    #[test]
    fn types_holding_secrets_do_not_show_them_in_debug() {
        use crate::authorize::RawParams;
        use crate::client_auth::{Attempt, Credentials, classify};
        use crate::token::TokenResponse;
        const SECRET: &str = "Zq8-very-secret-value";
        let assert_hidden = |what: &str, text: String| {
            assert!(!text.contains(SECRET), "{what} shows the secret: {text}");
            assert!(text.contains("[redacted]"), "{what}: {text}");
        };

        let creds = Credentials {
            authorization: Some(format!("Bearer {SECRET}").into()),
            client_id: Some("app".into()),
            client_secret: Some(SECRET.into()),
            client_assertion_type: None,
            client_assertion: Some(SECRET.into()),
        };
        assert_hidden("Credentials", format!("{creds:?}"));

        let post = classify(&Credentials {
            client_id: Some("app".into()),
            client_secret: Some(SECRET.into()),
            ..Default::default()
        })
        .unwrap();
        assert!(matches!(post, Attempt::Post { .. }));
        assert_hidden("Attempt::Post", format!("{post:?}"));

        let jwt = format!("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhcHAifQ.{SECRET}");
        let assertion = classify(&Credentials {
            client_assertion_type: Some(crate::client_auth::JWT_BEARER_ASSERTION.into()),
            client_assertion: Some(jwt.as_str().into()),
            ..Default::default()
        })
        .unwrap();
        assert!(matches!(assertion, Attempt::Assertion(_)));
        assert_hidden("Attempt::Assertion", format!("{assertion:?}"));

        let response = TokenResponse {
            access_token: SECRET.into(),
            token_type: "Bearer",
            expires_in: 900,
            scope: "openid".into(),
            refresh_token: Some(SECRET.into()),
            id_token: Some(SECRET.into()),
            issued_token_type: None,
            sub: Some("alice".into()),
            grant_id: None,
            sid: None,
        };
        assert_hidden("TokenResponse", format!("{response:?}"));
        // The wire answer still carries the tokens.
        let wire = serde_json::to_value(&response).unwrap();
        assert_eq!(wire["access_token"], SECRET);
        assert_eq!(wire["refresh_token"], SECRET);
        assert_eq!(wire["id_token"], SECRET);
        assert!(wire.get("sub").is_none());

        let requested = crate::registration::Requested {
            metadata: Default::default(),
            client_secret: Some(SECRET.into()),
        };
        assert_hidden("registration::Requested", format!("{requested:?}"));

        let upstream = crate::upstream::UpstreamConfig {
            id: "corp".into(),
            name: "Corp".into(),
            issuer: "https://id.corp.example".into(),
            client_id: "lk".into(),
            client_secret: SECRET.into(),
            scopes: vec!["openid".into()],
            link_by_email: false,
        };
        assert_hidden("UpstreamConfig", format!("{upstream:?}"));

        let mut pairs = vec![("grant_type".to_string(), "password".to_string())];
        for name in crate::authorize::params::SECRET_PARAMETERS {
            pairs.push((name.to_string(), SECRET.to_string()));
        }
        // Verified access tokens are the keys of a key set's cache.
        let cache = crate::cache::Cache::<u32>::new(4);
        let generation = cache.get(SECRET).unwrap_err();
        cache.put(generation, SECRET, &1);
        let text = format!("{cache:?}");
        assert!(
            !text.contains(SECRET) && text.contains("entries: 1"),
            "{text}"
        );

        let params = RawParams::from_pairs(pairs);
        let text = format!("{params:?}");
        assert_hidden("RawParams", text.clone());
        assert!(text.contains("grant_type"), "{text}");
    }
}
