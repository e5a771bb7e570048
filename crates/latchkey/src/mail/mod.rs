//! Outgoing mail: a request only puts a message in the outbox (a store
//! table) and wakes this node's worker; the worker claims due messages for
//! a lease, sends them over SMTP (`lettre`, rustls), deletes each once
//! sent, and retries a failure later with exponential backoff, giving up
//! after [`latchkey_core::mail::MAX_ATTEMPTS`] with a warning. No request
//! waits for the SMTP server, and a node that dies mid-send leaves its
//! messages to another node when the lease ends.
//!
//! Single-use links (recovery, verification) are random tokens stored as
//! keyed hashes; only the message in the outbox holds the link, until it
//! is sent.

pub mod messages;
pub mod smtp;

use crate::config::{Config, MailConfig};
use latchkey_core::Occurrence;
use latchkey_core::crypto::{Secrets, random_token};
use latchkey_core::i18n::Lang;
use latchkey_core::mail::{
    CLAIM_LEASE, LinkPurpose, LinkRecord, OUTBOX_TTL, OutgoingMail, VERIFY_LINK_TTL, next_attempt,
};
use latchkey_core::store::Store;
use latchkey_core::user::UserRecord;
use messages::Message;
use std::sync::Arc;
use std::time::Duration;

/// How often a worker looks for due messages without being woken (retries,
/// and messages other nodes or the CLI queued).
const POLL_EVERY: Duration = Duration::from_secs(2);
/// Messages claimed at once: few enough that all of them are sent (each
/// within [`smtp::SEND_TIMEOUT`]) before the claim's lease runs out, so no
/// other node takes one of them while this one may still send it.
const BATCH: i64 = 3;
const _: () = assert!((BATCH as u64) * smtp::SEND_TIMEOUT.as_secs() < CLAIM_LEASE as u64);

/// `smtp.from` or a recipient as a mailbox (`addr` or `Name <addr>`).
pub fn mailbox(text: &str) -> Option<lettre::message::Mailbox> {
    text.parse().ok()
}

/// Put `message` for `to` in the outbox; it is dropped unsent after
/// `ttl` seconds (at most [`OUTBOX_TTL`]).
pub async fn enqueue(
    store: &dyn Store,
    to: &str,
    message: Message,
    ttl: i64,
) -> Result<(), Occurrence> {
    let now = latchkey_core::now_unix();
    let mail = OutgoingMail {
        id: uuid::Uuid::now_v7().to_string(),
        to: to.to_string(),
        subject: message.subject,
        text: message.text,
        html: message.html,
        attempts: 0,
        due_at: now,
        created_at: now,
        expires_at: now + ttl.clamp(1, OUTBOX_TTL),
    };
    store.enqueue_mail(&mail).await?;
    Ok(())
}

/// The stored form of a link's token.
pub fn link_hash(secrets: &Secrets, purpose: LinkPurpose, token: &str) -> String {
    secrets.hash(&format!("mail-link/{}/{token}", purpose.as_str()))
}

/// A new single-use link for `sub`; returns its token (kept only hashed).
pub async fn new_link(
    store: &dyn Store,
    secrets: &Secrets,
    purpose: LinkPurpose,
    sub: &str,
    email: Option<&str>,
    ttl: i64,
) -> Result<String, Occurrence> {
    let token = random_token()?;
    let now = latchkey_core::now_unix();
    store
        .insert_link(&LinkRecord {
            hash: link_hash(secrets, purpose, &token),
            purpose,
            sub: sub.to_string(),
            email: email.map(str::to_string),
            created_at: now,
            expires_at: now + ttl,
            used_at: None,
        })
        .await?;
    Ok(token)
}

/// The `email` claim, if it looks like an address we can send to.
pub fn address_of(user: &UserRecord) -> Option<&str> {
    user.claims
        .get("email")
        .and_then(serde_json::Value::as_str)
        .filter(|e| e.contains('@') && mailbox(e).is_some())
}

/// Whether the user's `email` still waits for verification.
pub fn awaits_verification(user: &UserRecord) -> bool {
    address_of(user).is_some() && latchkey_core::user::verified_email(&user.claims).is_none()
}

/// The language to write to a user in when no page asked: their
/// `locale` claim if we speak it, else English.
pub fn lang_of(user: &UserRecord) -> Lang {
    user.claims
        .get("locale")
        .and_then(serde_json::Value::as_str)
        .and_then(Lang::from_tag)
        .unwrap_or_default()
}

/// A link to one of the mail pages: the token, then the language the
/// message is written in (the page it opens speaks it too).
pub fn link(config: &Config, path: &str, token: &str, lang: Lang) -> String {
    format!("{}{path}?t={token}&lang={}", config.issuer, lang.tag())
}

/// Send the verification link, written in `lang`, to a user whose email
/// is not verified (with mail on). Returns whether a message was queued.
pub async fn send_verification(
    config: &Config,
    store: &dyn Store,
    secrets: &Secrets,
    user: &UserRecord,
    lang: Lang,
) -> Result<bool, Occurrence> {
    if config.mail.is_none() || !awaits_verification(user) {
        return Ok(false);
    }
    let Some(to) = address_of(user) else {
        return Ok(false);
    };
    let token = new_link(
        store,
        secrets,
        LinkPurpose::Verify,
        &user.sub,
        Some(to),
        VERIFY_LINK_TTL,
    )
    .await?;
    let link = link(config, "/verify-email", &token, lang);
    let message = messages::verification(lang, &config.ui_name, &user.username, &link);
    enqueue(store, to, message, OUTBOX_TTL).await?;
    tracing::info!(sub = %user.sub, "verification email queued");
    Ok(true)
}

/// Queue the password recovery message for `user` (the one `/recover`
/// sends): a single-use link to `/recover/reset`, living
/// `recovery.link_ttl`, written in `lang`; `i` names a sign-in to return
/// to afterwards (empty: none). `None` when mail is off or the user has
/// no address to send to; else the address written to.
pub async fn send_recovery(
    config: &Config,
    store: &dyn Store,
    secrets: &Secrets,
    user: &UserRecord,
    lang: Lang,
    i: &str,
) -> Result<Option<String>, Occurrence> {
    if config.mail.is_none() {
        return Ok(None);
    }
    let Some(to) = address_of(user) else {
        return Ok(None);
    };
    let ttl = config.recovery_link_ttl;
    let token = new_link(store, secrets, LinkPurpose::Recovery, &user.sub, None, ttl).await?;
    let mut link = link(config, "/recover/reset", &token, lang);
    if !i.is_empty() {
        link.push_str(&format!("&i={i}"));
    }
    let message = messages::recovery(lang, &config.ui_name, &user.username, &link, ttl);
    enqueue(store, to, message, ttl).await?;
    tracing::info!(sub = %user.sub, "recovery email queued");
    Ok(Some(to.to_string()))
}

/// After a user was created (admin API, CLI): the verification link, if
/// the new user's email is not verified and mail is on, in the language
/// of their `locale` claim ([`lang_of`]). A failure to queue it is logged,
/// not the creation's failure. Returns whether it was queued.
pub async fn verify_new_user(
    config: &Config,
    store: &dyn Store,
    secrets: &Secrets,
    created: &serde_json::Value,
) -> bool {
    if config.mail.is_none() {
        return false;
    }
    let Some(sub) = created.get("sub").and_then(serde_json::Value::as_str) else {
        return false;
    };
    let user = match store.get_user(sub).await {
        Ok(Some(user)) => user,
        Ok(None) => return false,
        Err(e) => {
            tracing::warn!(sub, error = %e, "could not queue the verification email");
            return false;
        }
    };
    match send_verification(config, store, secrets, &user, lang_of(&user)).await {
        Ok(queued) => queued,
        Err(occ) => {
            tracing::warn!(sub, error_id = %occ.error_id, "could not queue the verification email");
            false
        }
    }
}

/// The worker of this node: send due messages until the process ends.
/// `wake` is notified when a request queues a message.
pub async fn worker(store: Arc<dyn Store>, mail: MailConfig, wake: Arc<tokio::sync::Notify>) {
    let transport = match smtp::Transport::new(&mail) {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, host = %mail.host, "outgoing mail: cannot set up the SMTP transport; no mail will be sent");
            return;
        }
    };
    loop {
        drain(store.as_ref(), &transport).await;
        tokio::select! {
            () = wake.notified() => {},
            () = tokio::time::sleep(POLL_EVERY) => {},
        }
    }
}

/// Claim and send due messages, batch after batch, until none is due.
async fn drain(store: &dyn Store, transport: &smtp::Transport) {
    loop {
        let Ok(claim) = random_token() else { return };
        let now = latchkey_core::now_unix();
        let batch = match store
            .claim_mail(&claim, now, now + CLAIM_LEASE, BATCH)
            .await
        {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "outgoing mail: cannot read the outbox");
                return;
            }
        };
        if batch.is_empty() {
            return;
        }
        for mail in batch {
            send_one(store, transport, &claim, mail).await;
        }
    }
}

async fn send_one(store: &dyn Store, transport: &smtp::Transport, claim: &str, mail: OutgoingMail) {
    let result = transport.send(&mail).await;
    let now = latchkey_core::now_unix();
    let attempts = mail.attempts + 1;
    let outcome = match result {
        Ok(()) => {
            tracing::info!(mail_id = %mail.id, attempts, "mail sent");
            store.delete_mail(&mail.id, claim).await
        }
        Err(e) => match next_attempt(attempts, now).filter(|due| *due < mail.expires_at) {
            Some(due) if !e.permanent => {
                tracing::info!(mail_id = %mail.id, attempts, retry_in = due - now, error = %e.reason, "mail not sent yet; will retry");
                store.retry_mail(&mail.id, claim, due).await
            }
            _ => {
                // No link, no body, no secret: the id finds nothing more.
                tracing::warn!(mail_id = %mail.id, attempts, error = %e.reason, "mail given up: not sent");
                store.delete_mail(&mail.id, claim).await
            }
        },
    };
    if let Err(e) = outcome {
        tracing::warn!(mail_id = %mail.id, error = %e, "outgoing mail: cannot update the outbox");
    }
}
