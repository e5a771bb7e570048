//! Resource indicators (RFC 8707): resources the operator registers through
//! the admin API and the CLI; `resource` at /authorize, /par and /token
//! giving access tokens whose `aud` is the resource and whose scope is what
//! it accepts; a refresh narrowing to one resource of the grant;
//! client_credentials; every refusal with its own cause.

use crate::authorize::{Browser, hidden, location, query_of};
use crate::request_objects::{CB, PASSWORD, assert_redirect, register, sign_in};
use crate::support::{Db, READONLY, Server, assert_json_error};
use reqwest::Method;
use serde_json::{Value, json};

/// Extra form fields of a token request.
type Form<'a> = &'a [(&'a str, &'a str)];

pub(crate) const API: &str = "https://api.example/";
pub(crate) const BILLING: &str = "https://billing.example/v1";
const SECRET: &str = "app-secret-0123456789abcdef";

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

pub(crate) async fn resource(s: &Server, body: Value) {
    let r = s
        .admin(Method::POST, "/resources")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
}

/// Two resources (`API` accepts api:read and api:write, `BILLING`
/// billing:read and only the client `app`), one for another client only,
/// and the client `app` (skips consent, refresh tokens) with alice.
async fn setup(db: Db) -> Server {
    let s = Server::start(db).await;
    resource(
        &s,
        json!({"resource": API, "name": "Example API", "scope": "api:read api:write"}),
    )
    .await;
    resource(
        &s,
        json!({"resource": BILLING, "name": "Billing", "scope": "billing:read",
               "allowed_clients": ["app"]}),
    )
    .await;
    resource(
        &s,
        json!({"resource": "https://other.example/", "name": "Other",
               "scope": "api:read", "allowed_clients": ["someone-else"]}),
    )
    .await;
    register(
        &s,
        json!({"client_id": "app",
               "scope": "openid email offline_access api:read api:write billing:read other",
               "grant_types": ["authorization_code", "refresh_token", "client_credentials"]}),
    )
    .await;
    s
}

fn authorize_url(extra: &str) -> String {
    format!(
        "/authorize?client_id=app&response_type=code&redirect_uri={}&state=st4te{extra}",
        enc(CB)
    )
}

/// An authorization in a browser already signed in (single sign-on, the
/// client skips consent): the query of the redirect back.
async fn again(b: &mut Browser<'_>, url: &str) -> std::collections::BTreeMap<String, String> {
    let r = b.get(url).await;
    let back = location(&r);
    assert!(back.starts_with(CB), "{back}");
    query_of(&back)
}

async fn token(s: &Server, form: &[(&str, &str)]) -> reqwest::Response {
    s.http
        .post(s.url("/token"))
        .basic_auth("app", Some(SECRET))
        .form(form)
        .send()
        .await
        .unwrap()
}

async fn redeem(s: &Server, code: &str, extra: &[(&str, &str)]) -> reqwest::Response {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", CB),
    ];
    form.extend_from_slice(extra);
    token(s, &form).await
}

async fn introspect(s: &Server, token: &str) -> Value {
    s.http
        .post(s.url("/introspect"))
        .basic_auth("app", Some(SECRET))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The admin API registers, shows (by the percent-encoded identifier),
/// lists, changes and deletes resources; bad input is refused with the
/// admin error object naming the attribute; the read-only token only
/// reads. The CLI does the same on the same database.
async fn admin_api_and_cli_manage_resources(db: Db) {
    let s = Server::start(db).await;
    let r = s
        .admin(Method::POST, "/resources")
        .json(
            &json!({"resource": API, "name": "Example API", "scope": "api:read api:write",
                      "allowed_clients": ["app"]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let created: Value = r.json().await.unwrap();
    assert_eq!(created["resource"], API);
    assert_eq!(created["scope"], "api:read api:write");
    assert_eq!(created["allowed_clients"], json!(["app"]));
    assert!(created["created_at"].as_i64().unwrap() > 0);

    let path = format!("/resources/{}", enc(API));
    let shown: Value = s
        .admin(Method::GET, &path)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(shown, created);
    let r = s
        .http
        .get(s.url(&format!("/admin/v1{path}")))
        .bearer_auth(READONLY)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = s
        .http
        .patch(s.url(&format!("/admin/v1{path}")))
        .bearer_auth(READONLY)
        .json(&json!({"name": "Changed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(
        r.json::<Value>().await.unwrap()["errorCode"],
        "request_forbidden"
    );

    let r = s
        .admin(Method::PATCH, &path)
        .json(&json!({"scope": "api:read", "allowed_clients": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let updated: Value = r.json().await.unwrap();
    assert_eq!(
        (
            &updated["scope"],
            &updated["name"],
            &updated["allowed_clients"]
        ),
        (&json!("api:read"), &json!("Example API"), &json!([]))
    );

    // Bad input: the attribute at fault, in errorCauses.
    let cases = [
        (
            json!({"resource": "/api", "name": "x"}),
            400,
            "invalid_resource_attributes",
            "resource",
        ),
        (
            json!({"resource": "https://a.example/#x", "name": "x"}),
            400,
            "invalid_resource_attributes",
            "resource",
        ),
        (
            json!({"resource": "https://a.example/"}),
            400,
            "invalid_resource_attributes",
            "name",
        ),
        (
            json!({"resource": "https://a.example/", "name": "x", "scope": "a  b"}),
            400,
            "invalid_resource_attributes",
            "scope",
        ),
        (
            json!({"resource": "https://a.example/", "name": "x", "allowed_clients": "app"}),
            400,
            "invalid_resource_attributes",
            "allowed_clients",
        ),
        (
            json!({"resource": "https://a.example/", "name": "x", "colour": "red"}),
            400,
            "invalid_resource_attributes",
            "colour",
        ),
        (
            json!({"resource": API, "name": "again"}),
            409,
            "resource_exists",
            "resource",
        ),
    ];
    for (body, status, code, field) in cases {
        let r = s
            .admin(Method::POST, "/resources")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status, "{body}");
        let e: Value = r.json().await.unwrap();
        assert_eq!(e["errorCode"], code, "{body}: {e}");
        let causes = e["errorCauses"].as_array().unwrap();
        assert!(causes.iter().any(|c| c["field"] == field), "{body}: {e}");
    }
    let r = s
        .admin(Method::PATCH, &path)
        .json(&json!({"resource": "https://elsewhere.example/"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    // The CLI, on the same database.
    let (code, out, err) = s.run(&[
        "resource",
        "create",
        BILLING,
        "--name",
        "Billing",
        "--scope",
        "billing:read",
        "--allowed-client",
        "app",
    ]);
    assert_eq!(code, 0, "{err}");
    let made: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(made["allowed_clients"], json!(["app"]));
    let (code, out, _) = s.run(&["resource", "list"]);
    assert_eq!(code, 0);
    let listed: Value = serde_json::from_str(&out).unwrap();
    let ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["resource"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [API, BILLING]);
    let (code, out, _) = s.run(&["resource", "update", BILLING, "--any-client"]);
    assert_eq!(code, 0);
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap()["allowed_clients"],
        json!([])
    );
    let (code, out, _) = s.run(&["resource", "show", BILLING]);
    assert_eq!(code, 0);
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap()["name"],
        "Billing"
    );
    let (code, _, err) = s.run(&["resource", "create", "relative", "--name", "x"]);
    assert_ne!(code, 0);
    assert!(err.contains("invalid_resource_attributes"), "{err}");
    let (code, _, _) = s.run(&["resource", "delete", BILLING]);
    assert_eq!(code, 0);
    let (code, _, err) = s.run(&["resource", "show", BILLING]);
    assert_ne!(code, 0);
    assert!(err.contains("resource_not_found"), "{err}");

    let r = s.admin(Method::DELETE, &path).send().await.unwrap();
    assert_eq!(r.status(), 204);
    let r = s.admin(Method::GET, &path).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.json::<Value>().await.unwrap()["errorCode"],
        "resource_not_found"
    );
}

/// The code flow naming two resources: the code's token is for the first
/// (its scope what that one accepts), the ID token as always; a refresh
/// naming the second gets a token for it; one naming a resource outside
/// the grant, or a scope the named one does not accept, is refused.
/// /introspect reports the audience; /userinfo refuses a resource's token.
async fn code_flow_and_refresh_name_resources(db: Db) {
    let s = setup(db).await;
    let mut b = Browser::new(&s);
    let url = authorize_url(&format!(
        "&scope={}&resource={}&resource={}",
        enc("openid email offline_access api:read billing:read"),
        enc(API),
        enc(BILLING)
    ));
    let q = sign_in(&mut b, &url).await;
    let r = redeem(&s, &q["code"], &[]).await;
    assert_eq!(r.status(), 200);
    let t: Value = r.json().await.unwrap();
    assert_eq!(t["scope"], "api:read", "{t}");
    let at = payload(t["access_token"].as_str().unwrap());
    assert_eq!(
        (&at["aud"], &at["scope"]),
        (&json!(API), &json!("api:read"))
    );
    let id = payload(t["id_token"].as_str().unwrap());
    assert_eq!(id["aud"], "app");
    let access = t["access_token"].as_str().unwrap().to_string();
    let refresh = t["refresh_token"].as_str().unwrap().to_string();

    let seen = introspect(&s, &access).await;
    assert_eq!(
        (&seen["active"], &seen["aud"], &seen["scope"]),
        (&json!(true), &json!(API), &json!("api:read"))
    );
    let r = s
        .http
        .get(s.url("/userinfo"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let challenge = r.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(challenge.contains("invalid_token"), "{challenge}");

    // This server is a resource of every grant: a token for /userinfo,
    // with the OpenID scopes.
    let r = token(
        &s,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("resource", &s.base),
        ],
    )
    .await;
    assert_eq!(r.status(), 200);
    let t: Value = r.json().await.unwrap();
    let mine = t["access_token"].as_str().unwrap().to_string();
    let at = payload(&mine);
    assert_eq!(
        (&at["aud"], &at["scope"]),
        (&json!(s.base), &json!("openid email offline_access"))
    );
    let r = s
        .http
        .get(s.url("/userinfo"))
        .bearer_auth(&mine)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let refresh = t["refresh_token"].as_str().unwrap().to_string();

    // Narrowed to the other resource of the grant.
    let r = token(
        &s,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("resource", BILLING),
        ],
    )
    .await;
    assert_eq!(r.status(), 200);
    let t: Value = r.json().await.unwrap();
    let at = payload(t["access_token"].as_str().unwrap());
    assert_eq!(
        (&at["aud"], &at["scope"], &t["scope"]),
        (
            &json!(BILLING),
            &json!("billing:read"),
            &json!("billing:read")
        )
    );
    assert!(t["id_token"].is_string());
    let refresh = t["refresh_token"].as_str().unwrap().to_string();

    // Another registered resource, but not in the grant.
    let r = token(
        &s,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("resource", "https://other.example/"),
        ],
    )
    .await;
    assert_json_error(r, 400, "invalid_target", "resource_not_granted").await;
    let r = token(
        &s,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("resource", API),
            ("resource", BILLING),
        ],
    )
    .await;
    assert_json_error(r, 400, "invalid_target", "resource_too_many").await;
    let r = token(
        &s,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("resource", BILLING),
            ("scope", "openid api:read"),
        ],
    )
    .await;
    assert_json_error(r, 400, "invalid_scope", "scope_not_accepted_by_resource").await;
    // Narrowed in scope and resource at once; the refresh token keeps the
    // whole grant.
    let r = token(
        &s,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("resource", API),
            ("scope", "openid api:read"),
        ],
    )
    .await;
    assert_eq!(r.status(), 200);
    let t: Value = r.json().await.unwrap();
    let at = payload(t["access_token"].as_str().unwrap());
    assert_eq!(
        (&at["aud"], &at["scope"]),
        (&json!(API), &json!("api:read"))
    );
    let refresh = t["refresh_token"].as_str().unwrap().to_string();
    let r = token(
        &s,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("resource", BILLING),
        ],
    )
    .await;
    assert_eq!(r.status(), 200);

    // A code redeemed naming its second resource; and one naming a
    // resource its request did not.
    let q = again(&mut b, &url).await;
    let t: Value = redeem(&s, &q["code"], &[("resource", BILLING)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(payload(t["access_token"].as_str().unwrap())["aud"], BILLING);
    let q = again(
        &mut b,
        &authorize_url(&format!("&scope=openid&resource={}", enc(API))),
    )
    .await;
    let r = redeem(&s, &q["code"], &[("resource", BILLING)]).await;
    assert_json_error(r, 400, "invalid_target", "resource_not_granted").await;

    // Without resources, as before: a token for this server, for /userinfo.
    let q = again(&mut b, &authorize_url("&scope=openid+email")).await;
    let t: Value = redeem(&s, &q["code"], &[]).await.json().await.unwrap();
    let access = t["access_token"].as_str().unwrap();
    assert_eq!(payload(access)["aud"], s.base);
    let r = s
        .http
        .get(s.url("/userinfo"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

/// Each refusal of `resource` at /authorize goes back to the client with
/// its cause; at /par as JSON. A pushed request naming a resource gets a
/// token for it.
async fn authorize_and_par_refuse_each_cause(db: Db) {
    let s = setup(db).await;
    let mut b = Browser::new(&s);
    let many: String = (0..11)
        .map(|i| format!("&resource={}", enc(&format!("https://{i}.example/"))))
        .collect();
    let cases = [
        (
            format!("&scope=openid&resource={}", enc("/api")),
            "invalid_target",
            "resource_not_absolute",
        ),
        (
            format!("&scope=openid&resource={}", enc("https://api.example/#x")),
            "invalid_target",
            "resource_has_fragment",
        ),
        (
            format!("&scope=openid&resource={}", enc("https://unknown.example/")),
            "invalid_target",
            "resource_unknown",
        ),
        (
            format!("&scope=openid&resource={}", enc("https://api.example")),
            "invalid_target",
            "resource_unknown",
        ),
        (
            format!("&scope=openid&resource={}", enc("https://other.example/")),
            "invalid_target",
            "resource_client_not_allowed",
        ),
        (
            format!("&scope=openid{many}"),
            "invalid_target",
            "resource_too_many",
        ),
        (
            format!(
                "&scope={}&resource={}",
                enc("openid billing:read"),
                enc(API)
            ),
            "invalid_scope",
            "scope_not_accepted_by_resource",
        ),
    ];
    for (extra, code, cause) in &cases {
        let r = b.get(&authorize_url(extra)).await;
        assert_redirect(&s, &r, code, cause, "st4te");
    }

    let par = |form: Vec<(&'static str, String)>| {
        let mut all = vec![
            ("response_type", "code".to_string()),
            ("redirect_uri", CB.to_string()),
            ("state", "st4te".to_string()),
        ];
        all.extend(form);
        s.http
            .post(s.url("/par"))
            .basic_auth("app", Some(SECRET))
            .form(&all)
            .send()
    };
    let r = par(vec![
        ("scope", "openid".into()),
        ("resource", "https://other.example/".into()),
    ])
    .await
    .unwrap();
    assert_json_error(r, 400, "invalid_target", "resource_client_not_allowed").await;
    let r = par(vec![
        ("scope", "openid api:write".into()),
        ("resource", API.into()),
    ])
    .await
    .unwrap();
    assert_eq!(r.status(), 201);
    let uri = r.json::<Value>().await.unwrap()["request_uri"]
        .as_str()
        .unwrap()
        .to_string();
    let q = sign_in(
        &mut b,
        &format!("/authorize?client_id=app&request_uri={}", enc(&uri)),
    )
    .await;
    let t: Value = redeem(&s, &q["code"], &[]).await.json().await.unwrap();
    let at = payload(t["access_token"].as_str().unwrap());
    assert_eq!(
        (&at["aud"], &at["scope"]),
        (&json!(API), &json!("api:write"))
    );
}

/// client_credentials naming a resource: its `aud`, the client's scopes it
/// accepts; each refusal with its cause.
async fn client_credentials_name_a_resource(db: Db) {
    let s = setup(db).await;
    let r = token(
        &s,
        &[("grant_type", "client_credentials"), ("resource", API)],
    )
    .await;
    assert_eq!(r.status(), 200);
    let t: Value = r.json().await.unwrap();
    let at = payload(t["access_token"].as_str().unwrap());
    assert_eq!(
        (&at["aud"], &at["scope"], &t["scope"]),
        (
            &json!(API),
            &json!("api:read api:write"),
            &json!("api:read api:write")
        )
    );
    let r = token(
        &s,
        &[
            ("grant_type", "client_credentials"),
            ("resource", BILLING),
            ("scope", "billing:read"),
        ],
    )
    .await;
    assert_eq!(r.status(), 200);
    let t: Value = r.json().await.unwrap();
    assert_eq!(payload(t["access_token"].as_str().unwrap())["aud"], BILLING);
    assert_eq!(
        introspect(&s, t["access_token"].as_str().unwrap()).await["aud"],
        BILLING
    );

    let cases: [(Form, &str, &str); 6] = [
        (
            &[("resource", "https://unknown.example/")],
            "invalid_target",
            "resource_unknown",
        ),
        (
            &[("resource", "https://other.example/")],
            "invalid_target",
            "resource_client_not_allowed",
        ),
        (
            &[("resource", "api")],
            "invalid_target",
            "resource_not_absolute",
        ),
        (
            &[("resource", "https://api.example/#x")],
            "invalid_target",
            "resource_has_fragment",
        ),
        (
            &[("resource", API), ("resource", BILLING)],
            "invalid_target",
            "resource_too_many",
        ),
        (
            &[("resource", API), ("scope", "api:read billing:read")],
            "invalid_scope",
            "scope_not_accepted_by_resource",
        ),
    ];
    for (extra, code, cause) in cases {
        let mut form = vec![("grant_type", "client_credentials")];
        form.extend_from_slice(extra);
        let r = token(&s, &form).await;
        assert_json_error(r, 400, code, cause).await;
    }
    // A device grant holds the resources its /device_authorization
    // request named: naming another is refused.
    let device = "urn:ietf:params:oauth:grant-type:device_code";
    crate::device::tv(&s, "tv", &[device], "openid").await;
    let started = crate::device::start(&s, "tv", "openid").await;
    let dana = crate::device::user(&s, "dana").await;
    crate::device::approve(&s, &started, &dana).await;
    let r = s
        .http
        .post(s.url("/token"))
        .form(&[
            ("grant_type", device),
            ("client_id", "tv"),
            ("device_code", crate::device::code(&started)),
            ("resource", API),
        ])
        .send()
        .await
        .unwrap();
    assert_json_error(r, 400, "invalid_target", "resource_not_granted").await;

    // Without a resource: a token for this server, as before.
    let t: Value = token(&s, &[("grant_type", "client_credentials")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(payload(t["access_token"].as_str().unwrap())["aud"], s.base);
}

/// A client that asks for consent: the page names the APIs the app will
/// reach, by their registered names, in English and in German; the
/// consent remembers the APIs allowed, so asking again for them needs no
/// page, while another API does.
async fn the_consent_page_names_the_apis() {
    let s = setup(Db::Sqlite).await;
    let r = s
        .admin(Method::POST, "/clients")
        .json(
            &json!({"client_id": "third", "client_secret": SECRET, "client_name": "Third App",
                      "redirect_uris": [CB], "scope": "openid api:read", "skip_consent": false}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let mut b = Browser::new(&s);
    let url = format!(
        "/authorize?client_id=third&response_type=code&redirect_uri={}&state=st4te&scope={}&resource={}",
        enc(CB),
        enc("openid api:read"),
        enc(API)
    );
    let login = location(&b.get(&url).await);
    let html = b.get(&login).await.text().await.unwrap();
    let r = crate::authorize::submit_login(&mut b, &html, "alice", PASSWORD).await;
    let consent = location(&r);
    assert!(consent.starts_with("/consent?i="), "{consent}");
    let html = b.get(&consent).await.text().await.unwrap();
    assert!(html.contains("Use Example API on your behalf"), "{html}");
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
    assert!(query_of(&location(&r)).contains_key("code"));
    // The consent remembers the API: asked again, even silently, the
    // code comes back without the page.
    for again in [url.clone(), format!("{url}&prompt=none")] {
        let back = location(&b.get(&again).await);
        assert!(back.starts_with(CB), "{back}");
        assert!(query_of(&back).contains_key("code"), "{back}");
    }
    // Asked to confirm again, in German.
    let r = b.get(&format!("{url}&ui_locales=de&prompt=consent")).await;
    let consent = location(&r);
    assert!(consent.starts_with("/consent?i="), "{consent}");
    let html = b.get(&consent).await.text().await.unwrap();
    assert!(html.contains("Example API in Ihrem Namen nutzen"), "{html}");
    // Another API was never allowed: silently, consent_required.
    resource(
        &s,
        json!({"resource": "https://orders.example/", "name": "Orders", "scope": "api:read"}),
    )
    .await;
    let silent = format!(
        "/authorize?client_id=third&response_type=code&redirect_uri={}&state=st4te&scope={}&resource={}&prompt=none",
        enc(CB),
        enc("openid api:read"),
        enc("https://orders.example/")
    );
    let back = location(&b.get(&silent).await);
    assert_eq!(
        query_of(&back).get("error").map(String::as_str),
        Some("consent_required"),
        "{back}"
    );
}

/// Token exchange takes a registered resource that allows the client as
/// its target; the new token carries the scopes that resource accepts.
async fn token_exchange_targets_a_registered_resource() {
    let s = setup(Db::Sqlite).await;
    let r = s
        .admin(Method::PATCH, "/clients/app")
        .json(
            &json!({"grant_types": ["authorization_code", "refresh_token", "client_credentials",
                                      "urn:ietf:params:oauth:grant-type:token-exchange"]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let mut b = Browser::new(&s);
    let q = sign_in(
        &mut b,
        &authorize_url(&format!("&scope={}", enc("openid api:read billing:read"))),
    )
    .await;
    let t: Value = redeem(&s, &q["code"], &[]).await.json().await.unwrap();
    let subject = t["access_token"].as_str().unwrap();
    let exchange = |resource: &'static str| {
        let form = vec![
            (
                "grant_type",
                "urn:ietf:params:oauth:grant-type:token-exchange",
            ),
            ("subject_token", subject),
            (
                "subject_token_type",
                "urn:ietf:params:oauth:token-type:access_token",
            ),
            ("resource", resource),
        ];
        let s = &s;
        async move { token(s, &form).await }
    };
    let r = exchange(BILLING).await;
    assert_eq!(r.status(), 200);
    let t: Value = r.json().await.unwrap();
    let at = payload(t["access_token"].as_str().unwrap());
    assert_eq!(
        (&at["aud"], &at["scope"]),
        (&json!(BILLING), &json!("billing:read"))
    );
    let r = exchange("https://other.example/").await;
    assert_json_error(r, 400, "invalid_target", "exchange_target_not_allowed").await;
}

/// A request object names resources as an array of strings (or one as a
/// string); they are checked and kept as if sent as parameters.
async fn a_request_object_names_resources() {
    use crate::request_objects::ClientKey;
    let s = Server::start(Db::Sqlite).await;
    resource(
        &s,
        json!({"resource": API, "name": "Example API", "scope": "api:read"}),
    )
    .await;
    resource(
        &s,
        json!({"resource": BILLING, "name": "Billing", "scope": "billing:read"}),
    )
    .await;
    let key = ClientKey::new();
    register(
        &s,
        json!({"client_id": "app", "jwks": {"keys": [key.jwk]}, "request_object_signing_alg": "ES256",
               "scope": "openid api:read billing:read"}),
    )
    .await;
    let object = |resource: Value| {
        let now = latchkey_core::now_unix();
        key.sign(
            &json!({"iss": "app", "aud": s.base, "client_id": "app", "response_type": "code",
            "scope": "openid api:read billing:read", "redirect_uri": CB, "state": "inside",
            "iat": now, "exp": now + 60, "resource": resource}),
        )
    };
    let mut b = Browser::new(&s);
    let url = format!(
        "/authorize?client_id=app&request={}",
        object(json!([API, BILLING]))
    );
    let q = sign_in(&mut b, &url).await;
    let t: Value = redeem(&s, &q["code"], &[("resource", BILLING)])
        .await
        .json()
        .await
        .unwrap();
    let at = payload(t["access_token"].as_str().unwrap());
    assert_eq!(
        (&at["aud"], &at["scope"]),
        (&json!(BILLING), &json!("billing:read"))
    );
    let url = format!(
        "/authorize?client_id=app&request={}",
        object(json!("https://unknown.example/"))
    );
    let r = b.get(&url).await;
    assert_redirect(&s, &r, "invalid_target", "resource_unknown", "inside");
}

#[tokio::test]
async fn request_object_resources() {
    a_request_object_names_resources().await;
}

crate::both!(
    admin_api_and_cli_manage_resources,
    code_flow_and_refresh_name_resources,
    authorize_and_par_refuse_each_cause,
    client_credentials_name_a_resource,
);

#[tokio::test]
async fn consent_page_names_the_apis() {
    the_consent_page_names_the_apis().await;
}

#[tokio::test]
async fn token_exchange_resource() {
    token_exchange_targets_a_registered_resource().await;
}
