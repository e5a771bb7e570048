//! Passkeys (W3C WebAuthn Level 3): the relying party's ceremonies, free of
//! any page. Each ceremony is two calls: `start_*` keeps the state
//! server-side (the store, so any node can finish it) and returns the
//! options for `navigator.credentials.create()` / `.get()` with the id of
//! the ceremony; `finish_*` takes the state once and verifies the browser's
//! answer. A caller binds a ceremony to what started it (`binding`: the
//! sign-in in progress, or whatever a page chooses); a ceremony is only
//! finished with the same binding and user.
//!
//! - registration: a discoverable credential (resident key required), user
//!   verification required, no attestation asked;
//! - sign-in: a discoverable credential, no username; the user handle and
//!   credential id find the passkey;
//! - second factor: one of the user's passkeys after the password.
//!
//! The signature counter must grow (unless the authenticator keeps none):
//! a counter that does not is refused as `passkey_counter_regression`.

use crate::Occurrence;
use crate::catalogue::{
    INTERNAL_ERROR, PASSKEY_ATTESTATION_REFUSED, PASSKEY_CANCELLED, PASSKEY_COUNTER_REGRESSION,
    PASSKEY_INVALID, PASSKEY_RP_MISMATCH, PASSKEY_TIMEOUT, PASSKEY_UNKNOWN,
};
use crate::crypto::{Secrets, b64url, random_token};
use crate::passkey_record::{CeremonyKind, CeremonyRecord, PasskeyRecord};
use crate::secret::Secret;
use crate::store::{PasskeyStore, StoreError};
use crate::user::UserRecord;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, Passkey, PasskeyAuthentication, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential, Url, Uuid, Webauthn, WebauthnBuilder,
    WebauthnError,
};

/// Seconds the browser is given to answer (WebAuthn's `timeout`).
pub const TIMEOUT_SECS: i64 = 300;
/// Seconds a ceremony's state is kept: the browser's time, and a minute
/// for the form to come back.
pub const CEREMONY_TTL: i64 = TIMEOUT_SECS + 60;
/// The longest passkey name kept (characters).
pub const MAX_NAME: usize = 64;

/// `amr` (RFC 8176) of a sign-in with a passkey alone: proof of possession
/// of a key (`hwk`), the user's presence (`user`), and, since user
/// verification is required (a PIN or biometrics on the device, on top of
/// possessing it), multiple factors (`mfa`).
pub const AMR_PASSKEY: &[&str] = &["hwk", "user", "mfa"];
/// `amr` of a password followed by a passkey.
pub const AMR_PASSWORD_AND_PASSKEY: &[&str] = &["pwd", "hwk", "user", "mfa"];

/// The relying party: this server, as passkeys know it.
#[derive(Debug, Clone)]
pub struct RelyingParty {
    webauthn: Webauthn,
    rp_id: String,
}

/// A ceremony started: the id the page carries back (secret: it names the
/// stored state) and the options for the browser, as JSON.
#[derive(Debug)]
pub struct Started {
    pub id: Secret<String>,
    pub options: String,
}

/// Why the relying party cannot be set up: the RP ID is not the origin's
/// host or a parent domain of it (WebAuthn §5.1.3 step 8).
pub fn check_rp(rp_id: &str, origin: &str) -> Result<(), String> {
    RelyingParty::new(rp_id, rp_id, origin).map(|_| ())
}

impl RelyingParty {
    /// `origin` is the issuer's origin: the page address people use.
    pub fn new(rp_id: &str, rp_name: &str, origin: &str) -> Result<Self, String> {
        let origin =
            Url::parse(origin).map_err(|e| format!("the origin {origin} is not a URL: {e}"))?;
        if origin
            .host_str()
            .is_some_and(|h| h.parse::<std::net::IpAddr>().is_ok() || h.starts_with('['))
        {
            return Err(format!(
                "passkeys need a host name, and {} is an IP address: use a name (localhost for development) in the issuer",
                origin.host_str().unwrap_or_default()
            ));
        }
        let webauthn = WebauthnBuilder::new(rp_id, &origin)
            .map_err(|_| {
                format!(
                    "{rp_id} is neither the issuer's host ({}) nor a parent domain of it",
                    origin.host_str().unwrap_or_default()
                )
            })?
            .rp_name(rp_name)
            .timeout(std::time::Duration::from_secs(TIMEOUT_SECS as u64))
            .build()
            .map_err(|e| format!("the passkey relying party cannot be set up: {e}"))?;
        Ok(RelyingParty {
            webauthn,
            rp_id: rp_id.to_string(),
        })
    }

    pub fn rp_id(&self) -> &str {
        &self.rp_id
    }

    /// Start adding a passkey to `user`. The user's passkeys are excluded,
    /// so an authenticator that holds one already says so.
    pub async fn start_registration<S: PasskeyStore + ?Sized>(
        &self,
        store: &S,
        secrets: &Secrets,
        user: &UserRecord,
        binding: &str,
        now: i64,
    ) -> Result<Started, Occurrence> {
        let existing = store.list_passkeys(&user.sub).await?;
        let exclude = existing
            .iter()
            .filter_map(|p| crate::crypto::b64url_decode(&p.credential_id))
            .collect::<Vec<_>>();
        let display = user
            .claims
            .get("name")
            .and_then(|v| v.as_str())
            .unwrap_or(&user.username);
        let (options, state) = self
            .webauthn
            .start_passkey_registration(
                user_handle(&user.sub),
                &user.username,
                display,
                Some(exclude).filter(|e| !e.is_empty()),
            )
            .map_err(|e| {
                INTERNAL_ERROR
                    .occur()
                    .debug(format!("passkey registration: {e}"))
            })?;
        // A passkey is discoverable: the sign-in names nobody first
        // (webauthn-rs asks for "preferred"; WebAuthn §5.4.4).
        let mut options = serde_json::to_value(&options).map_err(internal)?;
        if let Some(sel) = options
            .get_mut("publicKey")
            .and_then(|p| p.get_mut("authenticatorSelection"))
            .and_then(|s| s.as_object_mut())
        {
            sel.insert("residentKey".into(), "required".into());
            sel.insert("requireResidentKey".into(), true.into());
        }
        let state = serde_json::to_string(&state).map_err(internal)?;
        let options = options.to_string();
        keep(
            store,
            secrets,
            CeremonyKind::Register,
            binding,
            Some(&user.sub),
            state,
            options,
            now,
        )
        .await
    }

    /// Finish adding a passkey: verify the browser's answer (`response`,
    /// the credential as JSON) and store it under `name`.
    #[allow(clippy::too_many_arguments)]
    pub async fn finish_registration<S: PasskeyStore + ?Sized>(
        &self,
        store: &S,
        secrets: &Secrets,
        ceremony: &str,
        binding: &str,
        sub: &str,
        response: &str,
        name: &str,
        now: i64,
    ) -> Result<PasskeyRecord, Occurrence> {
        let taken = take(
            store,
            secrets,
            ceremony,
            CeremonyKind::Register,
            binding,
            Some(sub),
            now,
        )
        .await?;
        let state: PasskeyRegistration = serde_json::from_str(&taken.state).map_err(internal)?;
        let reg: RegisterPublicKeyCredential = serde_json::from_str(response).map_err(|e| {
            PASSKEY_ATTESTATION_REFUSED
                .with_detail("the browser's answer is not a registration credential")
                .debug(e.to_string())
        })?;
        if reg.extensions.cred_props.as_ref().and_then(|p| p.rk) == Some(false) {
            return Err(PASSKEY_ATTESTATION_REFUSED
                .with_detail("the authenticator did not store the credential (not discoverable)"));
        }
        let passkey = self
            .webauthn
            .finish_passkey_registration(&reg, &state)
            .map_err(|e| refusal(e, &PASSKEY_ATTESTATION_REFUSED))?;
        let credential = serde_json::to_string(&passkey).map_err(internal)?;
        let record = PasskeyRecord {
            id: Uuid::new_v4().to_string(),
            sub: sub.to_string(),
            credential_id: b64url(passkey.cred_id().as_ref()),
            name: clean_name(name),
            sign_count: counter_of(&credential),
            credential,
            created_at: now,
            last_used_at: None,
        };
        match store.insert_passkey(&record).await {
            Ok(()) => Ok(record),
            Err(StoreError::Conflict(_)) => {
                Err(PASSKEY_ATTESTATION_REFUSED
                    .with_detail("this credential is registered already"))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Start a sign-in with a discoverable passkey: no user is named, so
    /// the browser may offer passkeys in the username field (conditional
    /// mediation) or in its own dialog.
    pub async fn start_sign_in<S: PasskeyStore + ?Sized>(
        &self,
        store: &S,
        secrets: &Secrets,
        binding: &str,
        now: i64,
    ) -> Result<Started, Occurrence> {
        let (mut options, state) =
            self.webauthn
                .start_discoverable_authentication()
                .map_err(|e| {
                    INTERNAL_ERROR
                        .occur()
                        .debug(format!("passkey sign-in: {e}"))
                })?;
        // The page chooses the mediation (conditional or modal) itself.
        options.mediation = None;
        let state = serde_json::to_string(&state).map_err(internal)?;
        let options = serde_json::to_string(&options).map_err(internal)?;
        keep(
            store,
            secrets,
            CeremonyKind::SignIn,
            binding,
            None,
            state,
            options,
            now,
        )
        .await
    }

    /// Finish a sign-in with a discoverable passkey: the passkey used (its
    /// `sub` is who signed in), its counter and last use recorded.
    pub async fn finish_sign_in<S: PasskeyStore + ?Sized>(
        &self,
        store: &S,
        secrets: &Secrets,
        ceremony: &str,
        binding: &str,
        response: &str,
        now: i64,
    ) -> Result<PasskeyRecord, Occurrence> {
        let taken = take(
            store,
            secrets,
            ceremony,
            CeremonyKind::SignIn,
            binding,
            None,
            now,
        )
        .await?;
        let state: DiscoverableAuthentication =
            serde_json::from_str(&taken.state).map_err(internal)?;
        let cred = assertion(response)?;
        let (handle, cred_id) = self
            .webauthn
            .identify_discoverable_authentication(&cred)
            .map_err(|e| {
                PASSKEY_INVALID
                    .with_detail("the answer names no user")
                    .debug(e.to_string())
            })?;
        let found = store
            .find_passkey(&b64url(cred_id))
            .await?
            .ok_or_else(|| PASSKEY_UNKNOWN.with_detail("no passkey has this credential id"))?;
        if user_handle(&found.sub) != handle {
            return Err(
                PASSKEY_UNKNOWN.with_detail("the credential's user handle is not its owner's")
            );
        }
        let passkey: Passkey = serde_json::from_str(&found.credential).map_err(internal)?;
        let result = self
            .webauthn
            .finish_discoverable_authentication_v2(&cred, state, &passkey)
            .map_err(|e| refusal(e, &PASSKEY_INVALID))?;
        used(store, found, passkey, &result, now).await
    }

    /// Start a passkey as the second factor of `sub`; `None` when the user
    /// has no passkey.
    pub async fn start_second_factor<S: PasskeyStore + ?Sized>(
        &self,
        store: &S,
        secrets: &Secrets,
        sub: &str,
        binding: &str,
        now: i64,
    ) -> Result<Option<Started>, Occurrence> {
        let records = store.list_passkeys(sub).await?;
        if records.is_empty() {
            return Ok(None);
        }
        let passkeys = records
            .iter()
            .map(|r| serde_json::from_str::<Passkey>(&r.credential))
            .collect::<Result<Vec<_>, _>>()
            .map_err(internal)?;
        let (options, state) = self
            .webauthn
            .start_passkey_authentication(&passkeys)
            .map_err(|e| {
                INTERNAL_ERROR
                    .occur()
                    .debug(format!("passkey second factor: {e}"))
            })?;
        let state = serde_json::to_string(&state).map_err(internal)?;
        let options = serde_json::to_string(&options).map_err(internal)?;
        keep(
            store,
            secrets,
            CeremonyKind::SecondFactor,
            binding,
            Some(sub),
            state,
            options,
            now,
        )
        .await
        .map(Some)
    }

    /// Finish a passkey as the second factor of `sub`.
    #[allow(clippy::too_many_arguments)]
    pub async fn finish_second_factor<S: PasskeyStore + ?Sized>(
        &self,
        store: &S,
        secrets: &Secrets,
        ceremony: &str,
        binding: &str,
        sub: &str,
        response: &str,
        now: i64,
    ) -> Result<PasskeyRecord, Occurrence> {
        let taken = take(
            store,
            secrets,
            ceremony,
            CeremonyKind::SecondFactor,
            binding,
            Some(sub),
            now,
        )
        .await?;
        let state: PasskeyAuthentication = serde_json::from_str(&taken.state).map_err(internal)?;
        let cred = assertion(response)?;
        let found = store
            .find_passkey(&b64url(cred.get_credential_id()))
            .await?
            .filter(|p| p.sub == sub)
            .ok_or_else(|| {
                PASSKEY_UNKNOWN.with_detail("the user has no passkey with this credential id")
            })?;
        let passkey: Passkey = serde_json::from_str(&found.credential).map_err(internal)?;
        let result = self
            .webauthn
            .finish_passkey_authentication(&cred, &state)
            .map_err(|e| refusal(e, &PASSKEY_INVALID))?;
        used(store, found, passkey, &result, now).await
    }
}

/// What the page's script reports when the browser refused a ceremony: the
/// name of the `DOMException` (WebAuthn §5.1.3, §5.1.4).
pub fn browser_error(name: &str) -> Occurrence {
    match name {
        "NotAllowedError" | "AbortError" => PASSKEY_CANCELLED
            .with_detail(format!("the browser reported {name}")),
        "TimeoutError" => PASSKEY_TIMEOUT.with_detail("the browser reported TimeoutError"),
        "SecurityError" => PASSKEY_RP_MISMATCH.with_detail(
            "the browser reported SecurityError: the RP ID is not this page's host or a parent domain of it",
        ),
        "InvalidStateError" => PASSKEY_ATTESTATION_REFUSED
            .with_detail("this authenticator already holds a passkey for this account"),
        "NotSupportedError" => PASSKEY_ATTESTATION_REFUSED
            .with_detail("the authenticator supports none of the algorithms or options asked for"),
        other => {
            let shown: String = other.chars().filter(char::is_ascii_alphanumeric).take(40).collect();
            PASSKEY_CANCELLED.with_detail(format!("the browser reported {shown}"))
        }
    }
}

/// The user handle of `sub` (WebAuthn's `user.id`): derived, so it holds
/// nothing personal and needs no column (16 bytes of SHA-256 of `sub`).
pub fn user_handle(sub: &str) -> Uuid {
    let digest = aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        format!("latchkey passkey user:{sub}").as_bytes(),
    );
    let mut bytes = [0u8; 16];
    for (b, d) in bytes.iter_mut().zip(digest.as_ref()) {
        *b = *d;
    }
    Uuid::from_bytes(bytes)
}

/// A name as kept: trimmed, at most [`MAX_NAME`] characters, "Passkey"
/// when empty.
pub fn clean_name(name: &str) -> String {
    let name: String = name
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME)
        .collect();
    if name.trim().is_empty() {
        "Passkey".to_string()
    } else {
        name.trim().to_string()
    }
}

fn internal(e: serde_json::Error) -> Occurrence {
    INTERNAL_ERROR.occur().debug(format!("passkey state: {e}"))
}

/// The browser's answer to a `.get()`.
fn assertion(response: &str) -> Result<PublicKeyCredential, Occurrence> {
    serde_json::from_str(response).map_err(|e| {
        PASSKEY_INVALID
            .with_detail("the browser's answer is not an assertion credential")
            .debug(e.to_string())
    })
}

/// A verification failure, by what it means for the person.
fn refusal(e: WebauthnError, otherwise: &'static crate::Cause) -> Occurrence {
    let occ =
        match e {
            WebauthnError::InvalidRPOrigin => PASSKEY_RP_MISMATCH
                .with_detail("the answer came from another origin than the issuer's"),
            WebauthnError::InvalidRPIDHash => {
                PASSKEY_RP_MISMATCH.with_detail("the credential was made for another RP ID")
            }
            WebauthnError::CredentialPossibleCompromise => PASSKEY_COUNTER_REGRESSION
                .with_detail("the signature counter is not above the one last seen"),
            WebauthnError::UserNotVerified => otherwise
                .with_detail("the authenticator did not verify the user (PIN or biometrics)"),
            WebauthnError::ChallengeNotFound | WebauthnError::MismatchedChallenge => {
                otherwise.with_detail("the answer is for another challenge")
            }
            _ => otherwise.with_detail("the answer did not verify"),
        };
    occ.debug(format!("webauthn: {e:?}"))
}

#[allow(clippy::too_many_arguments)]
async fn keep<S: PasskeyStore + ?Sized>(
    store: &S,
    secrets: &Secrets,
    kind: CeremonyKind,
    binding: &str,
    sub: Option<&str>,
    state: String,
    options: String,
    now: i64,
) -> Result<Started, Occurrence> {
    let id = random_token()?;
    store
        .insert_ceremony(&CeremonyRecord {
            id_hash: ceremony_hash(secrets, &id),
            kind,
            binding: binding.to_string(),
            sub: sub.map(str::to_string),
            state,
            created_at: now,
            expires_at: now + CEREMONY_TTL,
        })
        .await?;
    Ok(Started {
        id: Secret::new(id),
        options,
    })
}

fn ceremony_hash(secrets: &Secrets, id: &str) -> String {
    secrets.hash(&format!("passkey-ceremony:{id}"))
}

/// Take the ceremony `id` (once): unknown, used or expired is
/// `passkey_timeout`; another kind, binding or user is `passkey_invalid`.
async fn take<S: PasskeyStore + ?Sized>(
    store: &S,
    secrets: &Secrets,
    id: &str,
    kind: CeremonyKind,
    binding: &str,
    sub: Option<&str>,
    now: i64,
) -> Result<CeremonyRecord, Occurrence> {
    let taken = store
        .take_ceremony(&ceremony_hash(secrets, id), now)
        .await?
        .ok_or_else(|| {
            PASSKEY_TIMEOUT.with_detail("the passkey request is unknown, used already or expired")
        })?;
    let same_binding = {
        use subtle::ConstantTimeEq;
        bool::from(taken.binding.as_bytes().ct_eq(binding.as_bytes()))
    };
    if taken.kind != kind || !same_binding || taken.sub.as_deref() != sub {
        return Err(
            PASSKEY_INVALID.with_detail("the passkey request belongs to another page or user")
        );
    }
    Ok(taken)
}

/// The counter a serialised passkey holds.
fn counter_of(credential: &str) -> i64 {
    serde_json::from_str::<serde_json::Value>(credential)
        .ok()
        .and_then(|v| v.get("cred")?.get("counter")?.as_i64())
        .unwrap_or(0)
}

/// Record a verified use: the counter (conditionally, against a use on
/// another node meanwhile) and the time.
async fn used<S: PasskeyStore + ?Sized>(
    store: &S,
    mut found: PasskeyRecord,
    mut passkey: Passkey,
    result: &webauthn_rs::prelude::AuthenticationResult,
    now: i64,
) -> Result<PasskeyRecord, Occurrence> {
    if !result.user_verified() {
        return Err(PASSKEY_INVALID.with_detail("the authenticator did not verify the user"));
    }
    passkey.update_credential(result);
    let credential = serde_json::to_string(&passkey).map_err(internal)?;
    let count = i64::from(result.counter());
    if !store
        .record_passkey_use(&found.id, &credential, count, now)
        .await?
    {
        return Err(PASSKEY_COUNTER_REGRESSION.with_detail(format!(
            "the signature counter {count} is not above the one stored (another use got there first), or the passkey was removed"
        )));
    }
    found.credential = credential;
    found.sign_count = count;
    found.last_used_at = Some(now);
    Ok(found)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests;
