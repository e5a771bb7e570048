//! The words people read, in every language the pages speak.
//!
//! Each language is one Project Fluent file in `locales/` (`en.ftl`,
//! `de.ftl`), compiled into the binary. English is complete by definition
//! and the fallback for anything missing; the tests at the end keep every
//! language's keys equal. What developers read (`error_description`, the
//! docs) stays English.
//!
//! Which language a person gets: the `lang` switcher's choice made during
//! this sign-in, then the client's `ui_locales`, then an earlier choice,
//! then `Accept-Language`, then English ([`choose`]).

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::sync::LazyLock;

/// A language the pages are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    En,
    De,
}

/// A value put into a message: text, or a number (which picks the plural).
#[derive(Debug, Clone, Copy)]
pub enum Arg<'a> {
    Text(&'a str),
    Number(i64),
}

impl Lang {
    /// Every language, English first (the order of the switcher).
    pub const ALL: [Lang; 2] = [Lang::En, Lang::De];

    /// The BCP 47 tag (`ui_locales_supported`, `<html lang>`, the cookie).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
        }
    }

    /// The language's name in itself, for the switcher.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::De => "Deutsch",
        }
    }

    /// The language of a tag, by its primary subtag: `de-AT` is German.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or("");
        Lang::ALL
            .into_iter()
            .find(|l| l.tag().eq_ignore_ascii_case(primary))
    }

    /// The first language we speak in a space-separated list in order of
    /// preference (OIDC Core `ui_locales`).
    pub fn from_ui_locales(list: &str) -> Option<Lang> {
        list.split_ascii_whitespace().find_map(Lang::from_tag)
    }

    /// The best language of an `Accept-Language` header (RFC 9110
    /// §12.5.4): highest weight first, ties in the order given, `q=0`
    /// never.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(u16, Lang)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim();
            let weight = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1000), parse_weight);
            let (Some(weight), Some(lang)) = (weight, Lang::from_tag(tag)) else {
                continue;
            };
            if weight > 0 && best.is_none_or(|(w, _)| weight > w) {
                best = Some((weight, lang));
            }
        }
        best.map(|(_, lang)| lang)
    }

    /// A message in this language (English when this language lacks it,
    /// the key itself when English does too, which the tests forbid).
    pub fn t(self, id: &str) -> String {
        self.t_with(id, &[])
    }

    /// A message with its values filled in.
    pub fn t_with(self, id: &str, args: &[(&str, Arg<'_>)]) -> String {
        format(self, id, args)
            .or_else(|| format(Lang::En, id, args))
            .unwrap_or_else(|| id.to_string())
    }

    /// Whether this language has the message (the catalogue's causes are
    /// translated under `cause-<id>`).
    pub fn has(self, id: &str) -> bool {
        bundle(self).has_message(id)
    }
}

/// A `q` value as thousandths: `0.8` → 800. Malformed weights drop the tag.
fn parse_weight(q: &str) -> Option<u16> {
    let q = q.trim();
    let (whole, frac) = q.split_once('.').unwrap_or((q, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: u16 = match whole {
        "0" => 0,
        "1" => 1,
        _ => return None,
    };
    let frac: u16 = format!("{frac:0<3}").parse().ok()?;
    let w = whole * 1000 + frac;
    (w <= 1000).then_some(w)
}

/// The language for a page, from what the request carries (see the module
/// comment). `switched_at` is when the person last picked a language with
/// the switcher (the cookie), `started_at` when this sign-in began.
pub fn choose(
    cookie: Option<(Lang, i64)>,
    ui_locales: Option<&str>,
    started_at: Option<i64>,
    accept_language: Option<&str>,
) -> Lang {
    let requested = ui_locales.and_then(Lang::from_ui_locales);
    match (cookie, requested) {
        (Some((lang, at)), Some(_)) if started_at.is_some_and(|s| at >= s) => lang,
        (_, Some(lang)) => lang,
        (Some((lang, _)), None) => lang,
        (None, None) => accept_language
            .and_then(Lang::from_accept_language)
            .unwrap_or_default(),
    }
}

/// The language cookie's value: the tag and when it was chosen.
pub fn cookie_value(lang: Lang, now: i64) -> String {
    format!("{}.{now}", lang.tag())
}

/// Read a language cookie; anything else is no choice.
pub fn read_cookie(value: &str) -> Option<(Lang, i64)> {
    let (tag, at) = value.split_once('.')?;
    Some((Lang::from_tag(tag)?, at.parse().ok()?))
}

const SOURCES: [(Lang, &str); 2] = [
    (Lang::En, include_str!("../locales/en.ftl")),
    (Lang::De, include_str!("../locales/de.ftl")),
];

type Bundle = FluentBundle<FluentResource>;

static EN: LazyLock<Bundle> = LazyLock::new(|| build(Lang::En));
static DE: LazyLock<Bundle> = LazyLock::new(|| build(Lang::De));

fn bundle(lang: Lang) -> &'static Bundle {
    match lang {
        Lang::En => &EN,
        Lang::De => &DE,
    }
}

fn source(lang: Lang) -> &'static str {
    SOURCES
        .iter()
        .find(|(l, _)| *l == lang)
        .map_or("", |(_, t)| t)
}

/// One language's messages. A syntax error drops only the broken entries
/// (the tests keep the files free of them).
fn build(lang: Lang) -> Bundle {
    let resource = FluentResource::try_new(source(lang).to_string()).unwrap_or_else(|(res, _)| res);
    let id = lang
        .tag()
        .parse()
        .unwrap_or_else(|_| unic_langid::LanguageIdentifier::default());
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Pages escape the finished text; isolation marks would only show up
    // as stray characters in titles and mail subjects.
    bundle.set_use_isolating(false);
    let _ = bundle.add_resource(resource);
    bundle
}

fn format(lang: Lang, id: &str, args: &[(&str, Arg<'_>)]) -> Option<String> {
    let bundle = bundle(lang);
    let pattern = bundle.get_message(id)?.value()?;
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        let value = match value {
            Arg::Text(s) => FluentValue::from(*s),
            Arg::Number(n) => FluentValue::from(*n),
        };
        fluent_args.set(*name, value);
    }
    let mut errors = vec![];
    let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
    Some(text.into_owned())
}

/// Every message id of a language, in file order (for the tests and the
/// docs).
pub fn ids(lang: Lang) -> Vec<String> {
    let resource = FluentResource::try_new(source(lang).to_string()).unwrap_or_else(|(res, _)| res);
    resource
        .entries()
        .filter_map(|e| match e {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn every_file_parses_without_error() {
        for (lang, text) in SOURCES {
            if let Err((_, errors)) = FluentResource::try_new(text.to_string()) {
                panic!("{}.ftl: {errors:?}", lang.tag());
            }
        }
    }

    #[test]
    fn every_language_has_every_key_and_no_other() {
        let english = ids(Lang::En);
        assert!(english.len() > 50, "en.ftl looks empty");
        for lang in Lang::ALL {
            let mine = ids(lang);
            let missing: Vec<_> = english.iter().filter(|k| !mine.contains(k)).collect();
            let extra: Vec<_> = mine
                .iter()
                .filter(|k| !english.contains(k) && !k.starts_with("cause-"))
                .collect();
            assert!(missing.is_empty(), "{}.ftl lacks {missing:?}", lang.tag());
            assert!(extra.is_empty(), "{}.ftl has unknown {extra:?}", lang.tag());
            let mut sorted = mine.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted.len(), mine.len(), "{}.ftl repeats a key", lang.tag());
        }
    }

    #[test]
    fn every_message_formats_with_its_values() {
        // Numbers and text for every variable a message may use: formatting
        // must not report a missing variable or a broken selector.
        let args: &[(&str, Arg<'_>)] = &[
            ("client", Arg::Text("Shop")),
            ("user", Arg::Text("alice")),
            ("minutes", Arg::Number(2)),
            ("count", Arg::Number(3)),
            ("name", Arg::Text("Acme")),
            ("scope", Arg::Text("orders")),
            ("code", Arg::Text("ABCD-EFGH")),
            // The account page.
            ("email", Arg::Text("alice@example.com")),
            ("left", Arg::Number(9)),
            ("address", Arg::Text("192.0.2.1")),
            ("when", Arg::Text("2026-01-01 10:00 UTC")),
            ("allowed", Arg::Text("2026-01-01 10:00 UTC")),
            ("used", Arg::Text("not used yet")),
            // The emails.
            ("service", Arg::Text("Acme")),
            ("username", Arg::Text("alice")),
            // Passkeys on the account page.
            ("added", Arg::Text("2026-01-01 10:00 UTC")),
            // A session's device.
            ("browser", Arg::Text("Firefox")),
            ("system", Arg::Text("Linux")),
            // A claim asked for by name, on the consent page.
            ("claim", Arg::Text("email")),
            // An API the tokens will reach, on the consent page.
            ("resource", Arg::Text("Example API")),
        ];
        for lang in Lang::ALL {
            for id in ids(lang) {
                let bundle = bundle(lang);
                let pattern = bundle.get_message(&id).and_then(|m| m.value());
                let Some(pattern) = pattern else {
                    panic!("{}: {id} has no value", lang.tag())
                };
                let mut fluent_args = FluentArgs::new();
                for (n, v) in args {
                    match v {
                        Arg::Text(s) => fluent_args.set(*n, *s),
                        Arg::Number(x) => fluent_args.set(*n, *x),
                    }
                }
                let mut errors = vec![];
                let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
                assert!(errors.is_empty(), "{}: {id}: {errors:?}", lang.tag());
                assert!(!text.trim().is_empty(), "{}: {id} is empty", lang.tag());
            }
        }
    }

    #[test]
    fn plurals_follow_the_number() {
        let one = Lang::En.t_with("wait-minutes", &[("minutes", Arg::Number(1))]);
        let two = Lang::En.t_with("wait-minutes", &[("minutes", Arg::Number(2))]);
        assert_eq!((one.as_str(), two.as_str()), ("1 minute", "2 minutes"));
        let de = Lang::De.t_with("wait-minutes", &[("minutes", Arg::Number(2))]);
        assert_eq!(de, "2 Minuten");
        let left = |lang: Lang, n| lang.t_with("account-factor-on", &[("left", Arg::Number(n))]);
        assert!(left(Lang::En, 1).ends_with("One recovery code is left."));
        assert!(left(Lang::En, 9).ends_with("9 recovery codes are left."));
        assert!(left(Lang::De, 9).ends_with("9 Wiederherstellungscodes sind übrig."));
    }

    #[test]
    fn tags_and_lists_pick_a_language() {
        assert_eq!(Lang::from_tag("de-AT"), Some(Lang::De));
        assert_eq!(Lang::from_tag("EN_gb"), Some(Lang::En));
        assert_eq!(Lang::from_tag("fr"), None);
        assert_eq!(Lang::from_ui_locales("fr-CA de en"), Some(Lang::De));
        assert_eq!(Lang::from_ui_locales("fr"), None);
        assert_eq!(
            Lang::from_accept_language("fr;q=0.9, de;q=0.8, en;q=0.7"),
            Some(Lang::De)
        );
        assert_eq!(
            Lang::from_accept_language("en;q=0.5, de-CH"),
            Some(Lang::De)
        );
        assert_eq!(
            Lang::from_accept_language("de;q=0, en;q=0.1"),
            Some(Lang::En)
        );
        assert_eq!(Lang::from_accept_language("de;q=2, *"), None);
        assert_eq!(Lang::from_accept_language(""), None);
    }

    #[test]
    fn a_choice_during_the_sign_in_beats_ui_locales_and_an_older_one_does_not() {
        let started = Some(100);
        let accept = Some("de");
        // Nothing chosen: ui_locales, then Accept-Language, then English.
        assert_eq!(choose(None, Some("de"), started, None), Lang::De);
        assert_eq!(choose(None, None, started, accept), Lang::De);
        assert_eq!(choose(None, Some("fr"), started, None), Lang::En);
        // An earlier choice yields to the client's ui_locales...
        assert_eq!(
            choose(Some((Lang::En, 50)), Some("de"), started, None),
            Lang::De
        );
        // ...a choice made during this sign-in does not.
        assert_eq!(
            choose(Some((Lang::En, 150)), Some("de"), started, None),
            Lang::En
        );
        // Without ui_locales a choice beats Accept-Language.
        assert_eq!(
            choose(Some((Lang::En, 50)), None, started, accept),
            Lang::En
        );
        assert_eq!(choose(Some((Lang::De, 1)), None, None, None), Lang::De);
    }

    #[test]
    fn the_cookie_reads_back() {
        assert_eq!(
            read_cookie(&cookie_value(Lang::De, 42)),
            Some((Lang::De, 42))
        );
        assert_eq!(read_cookie("xx.1"), None);
        assert_eq!(read_cookie("de"), None);
        assert_eq!(read_cookie("de.x"), None);
    }

    #[test]
    fn a_missing_message_falls_back_to_english_then_its_key() {
        assert_eq!(Lang::De.t("no-such-key"), "no-such-key");
        assert!(!Lang::De.has("no-such-key"));
        assert!(Lang::De.has("sign-in"));
    }
}
