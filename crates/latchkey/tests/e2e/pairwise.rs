//! Pairwise subject identifiers (OIDC Core §8, §8.1): clients of one
//! sector see one stable `sub` for a user, clients of other sectors
//! another, and a client sees its own in the ID token, at /userinfo, in
//! introspection and in its access tokens; an `id_token_hint` carrying it
//! is understood at /authorize and /logout. The sector comes from the
//! redirect URIs' one host or from a `sector_identifier_uri`, which is
//! fetched (here from a server on 127.0.0.1) and must list every redirect
//! URI.

use crate::authorize::{Browser, location, query_of};
use crate::request_objects::PASSWORD;
use crate::support::{Db, Server, assert_json_error};
use reqwest::Method;
use serde_json::{Value, json};

const SECRET: &str = "pairwise-secret-0123456789abcdef";

fn enc(v: &str) -> String {
    url::form_urlencoded::byte_serialize(v.as_bytes()).collect()
}

fn payload(jwt: &str) -> Value {
    use base64::Engine;
    let part = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap(),
    )
    .unwrap()
}

async fn client(s: &Server, id: &str, extra: Value) -> reqwest::Response {
    let mut body = json!({"client_id": id, "client_secret": SECRET, "skip_consent": true,
        "grant_types": ["authorization_code", "refresh_token"], "scope": "openid email",
        "post_logout_redirect_uris": ["https://a.example/bye"]});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    s.admin(Method::POST, "/clients")
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// What one client sees of the signed-in user: the `sub` of the ID token,
/// of /userinfo, of the introspected access and refresh tokens, and of the
/// access token itself, after checking they all agree; plus the tokens.
struct Seen {
    sub: String,
    id_token: String,
    refresh_token: String,
}

async fn sees(s: &Server, b: &mut Browser<'_>, id: &str, cb: &str) -> Seen {
    let url = format!(
        "/authorize?client_id={id}&response_type=code&scope=openid+email&redirect_uri={}&state=st4te",
        enc(cb)
    );
    let r = b.get(&url).await;
    let mut back = location(&r);
    if back.starts_with("/login") {
        let html = b.get(&back).await.text().await.unwrap();
        let r = crate::authorize::submit_login(b, &html, "alice", PASSWORD).await;
        back = location(&r);
    }
    assert!(back.starts_with(cb), "{back}");
    let q = query_of(&back);
    let r = s
        .http
        .post(s.url("/token"))
        .basic_auth(id, Some(SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", q["code"].as_str()),
            ("redirect_uri", cb),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let t: Value = r.json().await.unwrap();
    let id_token = t["id_token"].as_str().unwrap().to_string();
    let access = t["access_token"].as_str().unwrap();
    let refresh_token = t["refresh_token"].as_str().unwrap().to_string();
    let sub = payload(&id_token)["sub"].as_str().unwrap().to_string();
    assert_eq!(payload(access)["sub"], sub, "the access token's sub");

    let info: Value = s
        .http
        .get(s.url("/userinfo"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["sub"], sub, "{info}");
    assert_eq!(info["email"], "alice@example.com", "{info}");
    for token in [access, refresh_token.as_str()] {
        let v: Value = s
            .http
            .post(s.url("/introspect"))
            .basic_auth(id, Some(SECRET))
            .form(&[("token", token)])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(v["active"], true, "{v}");
        assert_eq!(v["sub"], sub, "introspection: {v}");
    }
    Seen {
        sub,
        id_token,
        refresh_token,
    }
}

/// Sectors by redirect host and by sector_identifier_uri; the same user
/// seen by five clients; stability, refresh, and the hints.
async fn pairwise_subjects_per_sector(db: Db) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sector_host = listener.local_addr().unwrap();
    let app = axum::Router::new()
        .route(
            "/sector.json",
            axum::routing::get(|| async {
                axum::Json(json!(["https://a.example/cb3", "https://b.example/cb3"]))
            }),
        )
        .route(
            "/short.json",
            axum::routing::get(|| async { axum::Json(json!(["https://a.example/cb3"])) }),
        )
        .route(
            "/object.json",
            axum::routing::get(|| async { axum::Json(json!({"uris": []})) }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await });
    let sector = |path: &str| format!("http://{sector_host}{path}");

    let s = Server::start_with(
        db,
        &[
            ("LATCHKEY_FETCH_ALLOW_PRIVATE_NETWORKS", "true"),
            ("LATCHKEY_REGISTRATION_MODE", "open"),
        ],
    )
    .await;
    let d: Value = s
        .http
        .get(s.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(d["subject_types_supported"], json!(["public", "pairwise"]));

    let pairwise = |uris: Value| json!({"subject_type": "pairwise", "redirect_uris": uris});
    for (id, extra) in [
        ("a1", pairwise(json!(["https://a.example/cb"]))),
        ("a2", pairwise(json!(["https://a.example/cb2"]))),
        ("b1", pairwise(json!(["https://b.example/cb"]))),
        (
            "s1",
            json!({"subject_type": "pairwise", "sector_identifier_uri": sector("/sector.json"),
                   "redirect_uris": ["https://a.example/cb3", "https://b.example/cb3"]}),
        ),
        ("p1", json!({"redirect_uris": ["https://c.example/cb"]})),
    ] {
        let r = client(&s, id, extra).await;
        assert_eq!(r.status(), 201, "{id}: {}", r.text().await.unwrap());
    }
    let r = s
        .admin(Method::POST, "/users")
        .json(&json!({"username": "alice", "password": PASSWORD,
                      "claims": {"email": "alice@example.com"}}))
        .send()
        .await
        .unwrap();
    let local: Value = r.json().await.unwrap();
    let local = local["sub"].as_str().unwrap().to_string();

    // Refusals: two hosts and no sector; a sector document that misses a
    // redirect URI, or is no array; an unknown subject type. The admin API
    // and dynamic registration alike.
    let admin_refused = |extra: Value| {
        let s = &s;
        async move {
            let r = client(s, "x", extra).await;
            assert_eq!(r.status(), 400);
            let body: Value = r.json().await.unwrap();
            body["errorLink"].as_str().unwrap().to_string()
        }
    };
    let two = json!(["https://a.example/cb3", "https://b.example/cb3"]);
    let link = admin_refused(pairwise(two.clone())).await;
    assert!(link.ends_with("#pairwise_sector_ambiguous"), "{link}");
    let link = admin_refused(
        json!({"subject_type": "pairwise", "redirect_uris": two.clone(),
        "sector_identifier_uri": sector("/short.json")}),
    )
    .await;
    assert!(link.ends_with("#sector_identifier_invalid"), "{link}");
    let link = admin_refused(
        json!({"subject_type": "pairwise", "redirect_uris": two.clone(),
        "sector_identifier_uri": sector("/object.json")}),
    )
    .await;
    assert!(link.ends_with("#sector_identifier_invalid"), "{link}");
    let link =
        admin_refused(json!({"subject_type": "ppid", "redirect_uris": ["https://a.example/cb"]}))
            .await;
    assert!(link.ends_with("#subject_type_unsupported"), "{link}");
    let register = |body: Value| s.http.post(s.url("/register")).json(&body).send();
    let r = register(
        json!({"subject_type": "pairwise", "redirect_uris": two.clone(),
        "sector_identifier_uri": sector("/short.json")}),
    )
    .await
    .unwrap();
    let (_, body) = assert_json_error(
        r,
        400,
        "invalid_client_metadata",
        "sector_identifier_invalid",
    )
    .await;
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("https://b.example/cb3"),
        "the description names the missing URI: {body}"
    );
    let r = register(json!({"subject_type": "pairwise", "redirect_uris": two.clone()}))
        .await
        .unwrap();
    assert_json_error(
        r,
        400,
        "invalid_client_metadata",
        "pairwise_sector_ambiguous",
    )
    .await;
    let r = register(json!({"subject_type": "pairwise", "redirect_uris": two,
        "sector_identifier_uri": sector("/sector.json")}))
    .await
    .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());

    let mut b = Browser::new(&s);
    let a1 = sees(&s, &mut b, "a1", "https://a.example/cb").await;
    let a2 = sees(&s, &mut b, "a2", "https://a.example/cb2").await;
    let b1 = sees(&s, &mut b, "b1", "https://b.example/cb").await;
    let s1 = sees(&s, &mut b, "s1", "https://b.example/cb3").await;
    let p1 = sees(&s, &mut b, "p1", "https://c.example/cb").await;
    assert_eq!(a1.sub, a2.sub, "one sector, one sub");
    assert_ne!(a1.sub, b1.sub, "another sector, another sub");
    assert_ne!(s1.sub, a1.sub);
    assert_ne!(s1.sub, b1.sub, "the sector URI's host is the sector");
    assert_eq!(p1.sub, local, "a public client sees the user's own sub");
    for sub in [&a1.sub, &b1.sub, &s1.sub] {
        assert_ne!(sub, &local);
        assert_eq!(sub.len(), 43, "{sub}");
    }
    // Stable: the same sub on the next sign-in, and after a refresh.
    assert_eq!(
        sees(&s, &mut b, "a1", "https://a.example/cb").await.sub,
        a1.sub
    );
    let r = s
        .http
        .post(s.url("/token"))
        .basic_auth("a1", Some(SECRET))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", a1.refresh_token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let t: Value = r.json().await.unwrap();
    assert_eq!(payload(t["id_token"].as_str().unwrap())["sub"], a1.sub);
    let info: Value = s
        .http
        .get(s.url("/userinfo"))
        .bearer_auth(t["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["sub"], a1.sub);
    assert!(
        !t["access_token"].as_str().unwrap().contains(&local)
            && !payload(t["access_token"].as_str().unwrap())
                .to_string()
                .contains(&local),
        "the local sub is not readable in the access token"
    );

    // id_token_hint at /authorize: the pairwise sub names the signed-in user.
    let silent = format!(
        "/authorize?client_id=a1&response_type=code&scope=openid&redirect_uri={}&prompt=none&id_token_hint={}",
        enc("https://a.example/cb"),
        a1.id_token
    );
    let q = query_of(&location(&b.get(&silent).await));
    assert!(q.contains_key("code"), "{q:?}");
    // Another sector's hint names someone else for a1.
    let other = format!(
        "/authorize?client_id=a1&response_type=code&scope=openid&redirect_uri={}&prompt=none&id_token_hint={}",
        enc("https://a.example/cb"),
        b1.id_token
    );
    let q = query_of(&location(&b.get(&other).await));
    assert_eq!(q["error"], "account_selection_required", "{q:?}");

    // RP-initiated logout with the pairwise ID token: no confirmation.
    let r = b
        .get(&format!(
            "/logout?id_token_hint={}&post_logout_redirect_uri={}&state=bye",
            a1.id_token,
            enc("https://a.example/bye")
        ))
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    assert_eq!(location(&r), "https://a.example/bye?state=bye");
    // Signed out: the next request asks for a sign-in.
    let r = b
        .get(&format!(
            "/authorize?client_id=a1&response_type=code&scope=openid&redirect_uri={}&state=st4te",
            enc("https://a.example/cb")
        ))
        .await;
    assert!(location(&r).starts_with("/login"), "{}", location(&r));
}

crate::both!(pairwise_subjects_per_sector);
