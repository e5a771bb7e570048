//! The text of every message Latchkey sends, in the person's language
//! (the words are in the Fluent files, `mail-*`). Each message has a
//! plain-text part and a simple HTML alternative with the same words;
//! every value put into the HTML is escaped.

use latchkey_core::error::docs::escape_html as esc;
use latchkey_core::i18n::{Arg, Lang};

/// A message ready for the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// One paragraph of a message: words, or a link (its address in the
/// text part, a link with a label in the HTML one).
enum Part {
    Words { text: String, html: String },
    Link { href: String, label: String },
}

/// A message's words, in `lang`, with the service's name and the
/// account's username filled in (the username in bold in the HTML).
struct Words<'a> {
    lang: Lang,
    service: &'a str,
    username: &'a str,
}

impl Words<'_> {
    fn t(&self, id: &str, minutes: Option<i64>) -> String {
        let mut args = vec![
            ("service", Arg::Text(self.service)),
            ("username", Arg::Text(self.username)),
        ];
        if let Some(m) = minutes {
            args.push(("minutes", Arg::Number(m)));
        }
        self.lang.t_with(id, &args)
    }

    /// A paragraph naming the account. In the HTML the message's own
    /// words are escaped and the values put in after, the username in
    /// bold: each travels through the message as a private-use character
    /// no translation contains (like the pages' `pages::html`).
    fn about(&self, id: &str) -> Part {
        let (service, username) = ("\u{E000}", "\u{E001}");
        let marked = self.lang.t_with(
            id,
            &[
                ("service", Arg::Text(service)),
                ("username", Arg::Text(username)),
            ],
        );
        Part::Words {
            text: self.t(id, None),
            html: esc(&marked).replace(service, &esc(self.service)).replace(
                username,
                &format!("<strong>{}</strong>", esc(self.username)),
            ),
        }
    }

    fn plain(&self, id: &str, minutes: Option<i64>) -> Part {
        let text = self.t(id, minutes);
        Part::Words {
            html: esc(&text),
            text,
        }
    }

    fn message(&self, subject: &str, parts: &[Part]) -> Message {
        let text: Vec<&str> = parts
            .iter()
            .map(|p| match p {
                Part::Words { text, .. } => text.as_str(),
                Part::Link { href, .. } => href.as_str(),
            })
            .collect();
        let body: String = parts
            .iter()
            .map(|p| match p {
                Part::Words { html, .. } => format!("<p>{html}</p>"),
                Part::Link { href, label } => {
                    format!("<p><a href=\"{}\">{}</a></p>", esc(href), esc(label))
                }
            })
            .collect();
        Message {
            subject: self.t(subject, None),
            text: text.join("\n\n") + "\n",
            html: format!(
                "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"></head>\
<body style=\"font-family: sans-serif; line-height: 1.5\">{body}</body></html>",
                lang = self.lang.tag()
            ),
        }
    }
}

fn minutes(seconds: i64) -> i64 {
    (seconds + 59) / 60
}

/// Two sentences as one paragraph.
fn joined(a: Part, b: Part) -> Part {
    match (a, b) {
        (Part::Words { text: t1, html: h1 }, Part::Words { text: t2, html: h2 }) => Part::Words {
            text: format!("{t1} {t2}"),
            html: format!("{h1} {h2}"),
        },
        (a, _) => a,
    }
}

/// The forgotten-password link.
pub fn recovery(lang: Lang, service: &str, username: &str, link: &str, ttl: i64) -> Message {
    let w = Words {
        lang,
        service,
        username,
    };
    w.message(
        "mail-recovery-subject",
        &[
            w.about("mail-recovery-asked"),
            w.plain("mail-recovery-open", Some(minutes(ttl))),
            Part::Link {
                href: link.to_string(),
                label: w.t("mail-recovery-button", None),
            },
            joined(
                w.plain("mail-link-once", None),
                w.plain("mail-recovery-ignore", None),
            ),
        ],
    )
}

/// The link that confirms an email address.
pub fn verification(lang: Lang, service: &str, username: &str, link: &str) -> Message {
    let w = Words {
        lang,
        service,
        username,
    };
    w.message(
        "mail-verify-subject",
        &[
            w.about("mail-verify-given"),
            w.plain("mail-verify-open", None),
            Part::Link {
                href: link.to_string(),
                label: w.t("mail-verify-button", None),
            },
            w.plain("mail-verify-ignore", None),
        ],
    )
}

/// The notice after a password was changed through recovery.
pub fn password_changed(lang: Lang, service: &str, username: &str) -> Message {
    let w = Words {
        lang,
        service,
        username,
    };
    w.message(
        "mail-changed-subject",
        &[
            w.about("mail-changed-done"),
            w.plain("mail-changed-not-you", None),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_parts_are_escaped() {
        let m = recovery(
            Lang::En,
            "Latchkey",
            "<b>eve</b>",
            "https://id.example/r?t=a&i=b",
            900,
        );
        assert!(m.html.contains("&lt;b&gt;eve&lt;/b&gt;"));
        assert!(m.html.contains("<strong>&lt;b&gt;eve&lt;/b&gt;</strong>"));
        assert!(m.html.contains("t=a&amp;i=b"));
        assert!(m.text.contains("https://id.example/r?t=a&i=b"));
        assert!(m.text.contains("15 minutes"));
        assert!(!m.html.contains("<b>"));
    }

    #[test]
    fn each_message_speaks_the_language_asked_for() {
        let link = "https://id.example/x?t=a";
        let de = [
            recovery(Lang::De, "Acme", "alice", link, 60),
            verification(Lang::De, "Acme", "alice", link),
            password_changed(Lang::De, "Acme", "alice"),
        ];
        assert_eq!(de[0].subject, "Passwort für Acme zurücksetzen");
        assert!(de[0].text.contains("innerhalb von 1 Minute diesen Link"));
        assert!(de[0].html.contains(">Neues Passwort wählen</a>"));
        assert_eq!(de[1].subject, "Bestätigen Sie Ihre E-Mail-Adresse für Acme");
        assert_eq!(de[2].subject, "Ihr Passwort für Acme wurde geändert");
        for m in &de {
            assert!(m.html.contains("<html lang=\"de\">"));
            assert!(
                m.text.contains("Konto") || m.text.contains("Kontos"),
                "{m:?}"
            );
            assert!(!m.text.contains("account"), "{m:?}");
            assert!(m.html.contains("<strong>alice</strong>"), "{m:?}");
        }
        let en = password_changed(Lang::En, "Acme", "alice");
        assert_eq!(en.subject, "Your Acme password was changed");
        assert!(en.html.contains("<html lang=\"en\">"));
    }
}
