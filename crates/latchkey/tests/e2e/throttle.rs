//! Password guessing is bounded: attempts are counted before they are
//! checked (parallel guesses, on one node or several, cannot pass the
//! limit), per account and, much higher, per client address, which behind
//! a trusted proxy is the forwarded one. A right password is never refused
//! because of other accounts' failures from a shared address.

use crate::authorize::{Browser, hidden, location};
use crate::cluster::{CB, PASSWORD, START, web_client};
use crate::support::{Db, Server};

/// One sign-in form: (interaction, csrf, browser cookies).
struct LoginForm {
    i: String,
    csrf: String,
    cookies: String,
}

async fn login_form(s: &Server) -> LoginForm {
    let mut b = Browser::new(s);
    let login = location(&b.get(START).await);
    let html = b.get(&login).await.text().await.unwrap();
    LoginForm {
        i: hidden(&html, "i"),
        csrf: hidden(&html, "csrf"),
        cookies: b.cookie_header(),
    }
}

/// Submit `form` on `node` as `username`, from `forwarded_for` if given.
fn attempt(
    node: &Server,
    form: &LoginForm,
    username: &str,
    password: &str,
    forwarded_for: Option<&str>,
) -> reqwest::RequestBuilder {
    let mut req = node
        .http
        .post(node.url("/login"))
        .header("cookie", &form.cookies)
        .form(&[
            ("i", form.i.as_str()),
            ("csrf", form.csrf.as_str()),
            ("username", username),
            ("password", password),
            ("action", "login"),
        ]);
    if let Some(ip) = forwarded_for {
        req = req.header("x-forwarded-for", ip);
    }
    req
}

/// Password checks this node ran (the Argon2id histogram's count).
async fn verified(node: &Server) -> u64 {
    let text = node
        .http
        .get(node.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("latchkey_password_verify_seconds_count "))
        .map(|n| n.trim().parse().unwrap())
        .unwrap_or(0)
}

/// Fire `n` wrong passwords and then the right one at once, spread over
/// `nodes`; returns the statuses and how many passwords were checked.
async fn burst(nodes: &[&Server], form: &LoginForm, n: usize) -> (Vec<u16>, u64) {
    let mut tasks = Vec::new();
    for k in 0..=n {
        let node = nodes[k % nodes.len()];
        let password = if k == n { PASSWORD } else { "wrong password" };
        let req = attempt(node, form, "alice", password, None);
        tasks.push(tokio::spawn(async move {
            req.send().await.unwrap().status().as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    let mut checked = 0;
    for node in nodes {
        checked += verified(node).await;
    }
    (statuses, checked)
}

fn assert_bounded(statuses: &[u16], checked: u64, limit: usize) {
    let answered = statuses.iter().filter(|s| **s != 429).count();
    assert!(
        answered <= limit,
        "{answered} attempts were answered: {statuses:?}"
    );
    assert!(
        checked <= limit as u64,
        "{checked} passwords were checked: {statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| [401, 429, 303].contains(s)),
        "{statuses:?}"
    );
    assert!(statuses.contains(&429), "{statuses:?}");
}

/// 29 wrong passwords and the right one at once: at most the limit (5) are
/// checked; the rest wait with 429, and the right one among them does not
/// sign in.
async fn parallel_guesses_are_checked_at_most_the_limit(db: Db) {
    let s = Server::start(db).await;
    web_client(&s).await;
    let form = login_form(&s).await;
    let (statuses, checked) = burst(&[&s], &form, 29).await;
    assert_bounded(&statuses, checked, 5);
    if statuses.contains(&303) {
        // The right password was among the five checked: it signed in,
        // which clears the account's failures.
        return;
    }
    // The account now waits, even for the right password.
    let r = attempt(&s, &form, "alice", PASSWORD, None)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
}

/// The same over two nodes on one database: the limit is the
/// deployment's, not each node's.
#[tokio::test]
async fn parallel_guesses_over_two_nodes_are_checked_at_most_the_limit() {
    let a = Server::start(Db::Postgres).await;
    let b = a.join(&[]).await;
    web_client(&a).await;
    let form = login_form(&a).await;
    let (statuses, checked) = burst(&[&a, &b], &form, 29).await;
    assert_bounded(&statuses, checked, 5);
}

/// Behind a trusted proxy each forwarded address counts for itself, many
/// failures across accounts from one address answer its wrong passwords
/// 429, and still nobody with the right password is locked out by them.
async fn a_shared_address_cannot_lock_out_other_accounts(db: Db) {
    let s = Server::start_with(
        db,
        &[
            ("LATCHKEY_PROXY_TRUSTED", "127.0.0.1/32"),
            ("LATCHKEY_LIMITS_ADDRESS_FAILURES", "4"),
        ],
    )
    .await;
    web_client(&s).await;
    let form = login_form(&s).await;
    let attacker = Some("1.1.1.1, 203.0.113.7");
    // Guesses across accounts: each account is far from its own limit.
    for (k, name) in ["bob", "carol", "dave", "erin"].iter().enumerate() {
        let r = attempt(&s, &form, name, "guess", attacker)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "guess {k}");
    }
    // The address is over its limit: its next wrong password waits.
    let r = attempt(&s, &form, "frank", "guess", attacker)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let retry: i64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    let html = r.text().await.unwrap();
    assert!(html.contains("Many sign-ins from your network"), "{html}");
    assert!(
        !html.contains("<details>"),
        "no developer details for people"
    );
    // Another address behind the same proxy is not affected ...
    let r = attempt(&s, &form, "frank", "typo", Some("203.0.113.8"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // ... and a person at the attacker's address with the right password
    // signs in.
    let mine = login_form(&s).await;
    let r = attempt(&s, &mine, "alice", PASSWORD, Some("203.0.113.7"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with(CB), "{}", location(&r));
    // What the client wrote left of the proxy's entry was not believed.
    assert!(s.logs().contains("address=203.0.113.7"), "{}", s.logs());
    assert!(!s.logs().contains("address=1.1.1.1"));
}

/// Without `proxy.trusted` the forwarding headers are the client's own
/// words: a forged X-Forwarded-For escapes nothing.
async fn forwarding_headers_from_an_untrusted_peer_are_ignored(db: Db) {
    let s = Server::start_with(db, &[("LATCHKEY_LIMITS_ADDRESS_FAILURES", "2")]).await;
    web_client(&s).await;
    let form = login_form(&s).await;
    for (name, ip) in [("bob", "198.51.100.1"), ("carol", "198.51.100.2")] {
        let r = attempt(&s, &form, name, "guess", Some(ip))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    let r = attempt(&s, &form, "dave", "guess", Some("198.51.100.3"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
}

/// The throttled page says when to try again and how to get back to the
/// application, without developer details; the cause is in the log.
async fn the_throttled_page_is_for_people(db: Db) {
    let s = Server::start_with(db, &[("LATCHKEY_LIMITS_LOGIN_FAILURES", "1")]).await;
    web_client(&s).await;
    let form = login_form(&s).await;
    let r = attempt(&s, &form, "alice", "wrong", None)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = attempt(&s, &form, "alice", PASSWORD, None)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    let html = r.text().await.unwrap();
    assert!(html.contains("Try again in 15 minutes"), "{html}");
    assert!(html.contains("Cancel to go back to web"), "{html}");
    assert!(
        html.contains("value=\"cancel\""),
        "the way back is on the page"
    );
    assert!(!html.contains("<details>") && !html.contains("login_throttled"));
    let logs = s.logs();
    assert!(
        logs.contains("sign-in throttled") && logs.contains("login_throttled"),
        "{logs}"
    );
}

/// The throttle's rows name no account or address in clear: a password
/// typed into the username field does not stay readable.
async fn the_throttle_keeps_no_typed_name_in_clear(db: Db) {
    let s = Server::start(db).await;
    web_client(&s).await;
    let form = login_form(&s).await;
    let typed = "MySecretPassw0rd";
    let r = attempt(&s, &form, typed, "x", None).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let all = s.sql_count("SELECT COUNT(*) FROM login_failures").await;
    assert_eq!(all, 2, "one account and one address row");
    let clear = s
        .sql_count(&format!(
            "SELECT COUNT(*) FROM login_failures WHERE key LIKE '%{}%' OR key LIKE '%127.0.0.1%'",
            typed.to_lowercase()
        ))
        .await;
    assert_eq!(clear, 0);
}

crate::both!(
    parallel_guesses_are_checked_at_most_the_limit,
    a_shared_address_cannot_lock_out_other_accounts,
    forwarding_headers_from_an_untrusted_peer_are_ignored,
    the_throttled_page_is_for_people,
    the_throttle_keeps_no_typed_name_in_clear,
);
