//! The text of every message Latchkey sends, in one place so it can be
//! translated later. Each message has a plain-text part and a simple HTML
//! alternative with the same words; every value put into the HTML is
//! escaped.

use latchkey_core::error::docs::escape_html as esc;

/// A message ready for the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub subject: String,
    pub text: String,
    pub html: String,
}

fn html_page(paragraphs: &[String]) -> String {
    let body: String = paragraphs.iter().map(|p| format!("<p>{p}</p>")).collect();
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"></head>\
<body style=\"font-family: sans-serif; line-height: 1.5\">{body}</body></html>"
    )
}

fn minutes(seconds: i64) -> i64 {
    (seconds + 59) / 60
}

/// The forgotten-password link.
pub fn recovery(service: &str, username: &str, link: &str, ttl: i64) -> Message {
    let m = minutes(ttl);
    Message {
        subject: format!("Reset your {service} password"),
        text: format!(
            "Someone asked to reset the password of the {service} account {username}.\n\n\
To choose a new password, open this link within {m} minutes:\n\n{link}\n\n\
The link works once. If you did not ask for this, ignore this email: your password stays as it is.\n"
        ),
        html: html_page(&[
            format!(
                "Someone asked to reset the password of the {} account <strong>{}</strong>.",
                esc(service),
                esc(username)
            ),
            format!(
                "<a href=\"{link}\">Choose a new password</a> (within {m} minutes; the link works once).",
                link = esc(link)
            ),
            "If you did not ask for this, ignore this email: your password stays as it is."
                .to_string(),
        ]),
    }
}

/// The link that confirms an email address.
pub fn verification(service: &str, username: &str, link: &str) -> Message {
    Message {
        subject: format!("Confirm your email address for {service}"),
        text: format!(
            "This address was given for the {service} account {username}.\n\n\
To confirm it is yours, open this link:\n\n{link}\n\n\
If you do not know this account, ignore this email.\n"
        ),
        html: html_page(&[
            format!(
                "This address was given for the {} account <strong>{}</strong>.",
                esc(service),
                esc(username)
            ),
            format!("<a href=\"{}\">Confirm my email address</a>", esc(link)),
            "If you do not know this account, ignore this email.".to_string(),
        ]),
    }
}

/// The notice after a password was changed through recovery.
pub fn password_changed(service: &str, username: &str) -> Message {
    Message {
        subject: format!("Your {service} password was changed"),
        text: format!(
            "The password of the {service} account {username} was just changed with a recovery link, \
and every device signed in to it was signed out.\n\n\
If this was not you, ask for a new recovery link at once and contact the service's support.\n"
        ),
        html: html_page(&[
            format!(
                "The password of the {} account <strong>{}</strong> was just changed with a recovery link, \
and every device signed in to it was signed out.",
                esc(service),
                esc(username)
            ),
            "If this was not you, ask for a new recovery link at once and contact the service's support."
                .to_string(),
        ]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_parts_are_escaped() {
        let m = recovery(
            "Latchkey",
            "<b>eve</b>",
            "https://id.example/r?t=a&i=b",
            900,
        );
        assert!(m.html.contains("&lt;b&gt;eve&lt;/b&gt;"));
        assert!(m.html.contains("t=a&amp;i=b"));
        assert!(m.text.contains("https://id.example/r?t=a&i=b"));
        assert!(m.text.contains("15 minutes"));
    }
}
