//! An unmodified, strictly typed OpenID Connect client (the `openidconnect`
//! crate) signs in against Latchkey: discovery, the authorization URL, the
//! login and consent forms, code exchange with PKCE, ID token verification,
//! userinfo, refresh and revocation.

use crate::authorize::{Browser, hidden, location, query_of};
use crate::support::{Db, Server};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreUserInfoClaims,
};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
};
use reqwest::Method;
use serde_json::json;

/// The client library's HTTP calls, made with reqwest.
pub(crate) async fn http(
    request: openidconnect::HttpRequest,
) -> Result<openidconnect::HttpResponse, reqwest::Error> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let (parts, body) = request.into_parts();
    let response = client
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body)
        .send()
        .await?;
    let mut builder = openidconnect::http::Response::builder().status(response.status());
    for (k, v) in response.headers() {
        builder = builder.header(k, v);
    }
    let body = response.bytes().await?.to_vec();
    Ok(builder.body(body).unwrap_or_default())
}

async fn openidconnect_crate_signs_in(db: Db) {
    let s = Server::start(db).await;
    let cb = "http://127.0.0.1:9/cb";
    let r = s
        .admin(Method::POST, "/clients")
        .json(&json!({
            "client_id": "rp", "client_secret": "rp-secret-0123456789abcdef", "client_name": "Relying Party",
            "redirect_uris": [cb], "grant_types": ["authorization_code", "refresh_token"],
            "scope": "openid email profile", "skip_consent": false
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    s.admin(Method::POST, "/users")
        .json(&json!({"username": "alice", "password": "correct horse battery",
                      "claims": {"email": "alice@example.com", "email_verified": true, "name": "Alice"}}))
        .send()
        .await
        .unwrap();

    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(s.base.clone()).unwrap(), &http)
            .await
            .expect("the client library accepts our discovery document and JWKS");
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new("rp".into()),
        Some(ClientSecret::new("rp-secret-0123456789abcdef".into())),
    )
    .set_redirect_uri(RedirectUrl::new(cb.into()).unwrap());

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .url();

    // The person signs in and consents through the HTML forms.
    let mut b = Browser::new(&s);
    let login = location(&b.get(auth_url.as_str()).await);
    let html = b.get(&login).await.text().await.unwrap();
    let r = b
        .post(
            "/login",
            &[
                ("i", &hidden(&html, "i")),
                ("csrf", &hidden(&html, "csrf")),
                ("username", "alice"),
                ("password", "correct horse battery"),
            ],
        )
        .await;
    let consent = location(&r);
    let html = b.get(&consent).await.text().await.unwrap();
    let r = b
        .post(
            "/consent",
            &[
                ("i", &hidden(&html, "i")),
                ("csrf", &hidden(&html, "csrf")),
                ("action", "allow"),
            ],
        )
        .await;
    let q = query_of(&location(&r));
    assert_eq!(&q["state"], csrf.secret());
    assert_eq!(q["iss"], s.base);

    let tokens = client
        .exchange_code(AuthorizationCode::new(q["code"].clone()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("code exchange");
    let id_token = tokens.id_token().expect("an ID token");
    let claims = id_token
        .claims(&client.id_token_verifier(), &nonce)
        .expect("a valid ID token");
    // Scope claims come from /userinfo (OIDC Core §5.4), not the ID token.
    assert!(claims.auth_time().is_some());
    let sub = claims.subject().to_string();
    assert_ne!(sub, "alice");

    // id_token_hint: the signed-in user's own ID token lets prompt=none
    // through; a forged one is refused on the redirect channel.
    let silent = format!(
        "{}/authorize?client_id=rp&response_type=code&scope=openid+email+profile&redirect_uri={}&prompt=none&id_token_hint={}",
        s.base,
        url::form_urlencoded::byte_serialize(cb.as_bytes()).collect::<String>(),
        id_token
    );
    let q = query_of(&location(&b.get(&silent).await));
    assert!(q.contains_key("code"), "{q:?}");
    let forged = silent.replace("id_token_hint=", "id_token_hint=x");
    let q = query_of(&location(&b.get(&forged).await));
    assert_eq!(q["error"], "invalid_request");
    assert!(q["error_uri"].ends_with("#id_token_hint_invalid"), "{q:?}");

    let info: CoreUserInfoClaims = client
        .user_info(tokens.access_token().clone(), None)
        .unwrap()
        .request_async(&http)
        .await
        .expect("userinfo");
    assert_eq!(info.subject().as_str(), sub);
    assert_eq!(info.email().map(|e| e.as_str()), Some("alice@example.com"));

    let refresh = tokens.refresh_token().expect("a refresh token").clone();
    let refreshed = client
        .exchange_refresh_token(&refresh)
        .unwrap()
        .request_async(&http)
        .await
        .expect("refresh");
    let new_refresh = refreshed
        .refresh_token()
        .expect("a rotated refresh token")
        .clone();
    assert_ne!(new_refresh.secret(), refresh.secret());

    // The library revokes only over https (RFC 7009 §2), so this one
    // request is made by hand.
    let r = s
        .http
        .post(s.url("/revoke"))
        .basic_auth("rp", Some("rp-secret-0123456789abcdef"))
        .form(&[
            ("token", new_refresh.secret().as_str()),
            ("token_type_hint", "refresh_token"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let again = client
        .exchange_refresh_token(&new_refresh)
        .unwrap()
        .request_async(&http)
        .await;
    assert!(again.is_err(), "a revoked refresh token must not work");
}

crate::both!(openidconnect_crate_signs_in);
