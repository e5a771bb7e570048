//! Passkeys on the password reset page (`/recover/reset`): recovery never
//! lowers what a sign-in needs, so a user with passkeys confirms the new
//! password with one of them (a user with an authenticator app too may
//! give its code instead). The ceremony is the second-factor one of
//! `latchkey_core::passkey`, bound to this browser and this link.

use super::language::View;
use super::respond::Failure;
use super::signin::passkey;
use crate::app::App;
use latchkey_core::Occurrence;
use latchkey_core::authorize::RawParams;
use latchkey_core::catalogue::{PASSKEY_CANCELLED, PASSKEY_RP_MISMATCH};
use latchkey_core::error::docs::escape_html as esc;
use latchkey_core::journey::login::PasskeyAnswer;
use latchkey_core::passkey::Started;

/// What binds a reset page's ceremony: this browser and this link (keyed
/// hashes only).
pub fn binding(app: &App, browser: &str, link_hash: &str) -> String {
    app.secrets
        .hash(&format!("passkey-binding:recovery:{browser}:{link_hash}"))
}

/// A ceremony for the user's passkeys; `None` when passkeys are off or
/// the user has none.
pub async fn start(app: &App, sub: &str, binding: &str) -> Result<Option<Started>, Failure> {
    let Some(rp) = app.passkeys.as_ref() else {
        return Ok(None);
    };
    rp.start_second_factor(
        app.store.as_ref(),
        &app.secrets,
        sub,
        binding,
        latchkey_core::now_unix(),
    )
    .await
    .map_err(Failure::page)
}

/// The page's words about the passkey, and its button (shown by the
/// script). `with_code`: the user may give an authenticator code instead.
pub fn section(view: &View, with_code: bool) -> (String, String) {
    let lang = view.lang;
    let text = if with_code {
        "passkey-recovery-or-code"
    } else {
        "passkey-recovery-explain"
    };
    let words = format!("<p id=\"reset-passkey-note\">{}</p>", esc(&lang.t(text)));
    let button = format!(
        "<button type=\"submit\" class=\"{class}\" id=\"reset-passkey\" data-passkey-start hidden>{label}</button>",
        class = if with_code { "" } else { "primary" },
        label = esc(&lang.t("passkey-recovery-button")),
    );
    (words, button)
}

/// The reset form with `inner` as its visible part, as a passkey form.
pub fn form(started: &Started, hidden: &str, inner: &str) -> String {
    format!(
        "{}<script src=\"/assets/passkey.js\"></script>",
        passkey::form(started, "get", "/recover/reset", hidden, false, inner)
    )
}

/// Whether the form brings a passkey answer (the script's `action`).
pub fn answered(form: &RawParams) -> bool {
    form.single("action").ok().flatten() == Some("passkey")
}

/// Check the passkey answer of the reset form. `Ok(Err)` is a refusal to
/// show on the page (the link stays usable).
pub async fn verify(
    app: &App,
    sub: &str,
    binding: &str,
    form: &RawParams,
) -> Result<Result<(), Occurrence>, Failure> {
    if !answered(form) {
        return Ok(Err(PASSKEY_CANCELLED.with_detail(
            "the reset form carries no passkey answer, and this account's passkey is needed",
        )));
    }
    let answer = PasskeyAnswer::read(form);
    let outcome =
        match (passkey::answered(&answer), app.passkeys.as_ref()) {
            (Some(occ), _) => Err(occ),
            (None, None) => Err(PASSKEY_RP_MISMATCH
                .with_detail("passkeys are off: the issuer's host is an IP address")),
            (None, Some(rp)) => rp
                .finish_second_factor(
                    app.store.as_ref(),
                    &app.secrets,
                    answer.ceremony,
                    binding,
                    sub,
                    answer.credential,
                    latchkey_core::now_unix(),
                )
                .await
                .map(|_| ()),
        };
    match outcome {
        Ok(()) => Ok(Ok(())),
        Err(occ) if passkey::is_refusal(&occ) => Ok(Err(occ)),
        Err(occ) => Err(Failure::page(occ)),
    }
}

/// The alert for a refused passkey on the reset page: the sign-in pages'
/// sentences speak of the password, which is what is being replaced here,
/// so the page says what to do instead (except for the operator's
/// setting, said as everywhere).
pub fn alert(app: &App, view: &View, occ: &Occurrence) -> String {
    tracing::info!(error_id = %occ.error_id, cause = occ.cause.id, detail = %occ.description(), "passkey refused on the reset page");
    let text = if occ.is(&PASSKEY_RP_MISMATCH) {
        occ.cause.page_text_in(view.lang)
    } else {
        view.lang.t("passkey-recovery-refused")
    };
    format!(
        "<p class=\"error\" role=\"alert\" id=\"page-error\" data-cause=\"{id}\">{text} \
<a href=\"{issuer}/errors/{code}#{id}\">{id}</a></p>",
        text = esc(&text),
        issuer = esc(&app.config.issuer),
        code = occ.cause.code.as_str(),
        id = occ.cause.id,
    )
}
