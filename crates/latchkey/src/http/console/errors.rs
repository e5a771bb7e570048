//! The console's errors (`/admin/errors`): an occurrence found by its
//! `error_id` (everything `GET /admin/v1/errors/{error_id}` shows), and the
//! counts of the occurrences kept, by code and cause, over the last 24
//! hours by hour or the last 7 days by day: a table, and a chart drawn as
//! SVG on the server (no script) of which the table is the accessible
//! equivalent. Each cause links to its section of the error docs.

use super::clients::{cause_link, client_path, failed, query_value, when};
use super::{Nav, gate, page};
use crate::app::App;
use crate::manage;
use crate::manage::errors::{Counts, Span};
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use latchkey_core::error::ErrorRecord;
use latchkey_core::error::docs::escape_html as esc;
use std::sync::Arc;

pub fn routes() -> Router<Arc<App>> {
    Router::new().route("/admin/errors", get(errors))
}

type Answer = Result<Response, Response>;

/// `GET /admin/errors?error_id=&span=day|week`
async fn errors(State(app): State<Arc<App>>, headers: HeaderMap, uri: axum::http::Uri) -> Answer {
    let admin = gate(&app, &headers, &uri).await?;
    let span = query_value(&uri, "span")
        .and_then(|s| Span::parse(&s))
        .unwrap_or(Span::Day);
    let wanted = query_value(&uri, "error_id")
        .map(|id| id.trim().to_string())
        .filter(|id| !id.is_empty());
    let store = app.store.as_ref();
    let mut status = StatusCode::OK;
    let lookup = match &wanted {
        None => Lookup::None,
        Some(id) => match manage::errors::get(store, id).await {
            Ok(record) => Lookup::Found(Box::new(record)),
            Err(occ) if occ.is(&latchkey_core::catalogue::ERROR_ID_NOT_FOUND) => {
                status = crate::http::respond::status_of(&occ);
                Lookup::Missing(id.clone())
            }
            Err(occ) => return Err(failed(occ)),
        },
    };
    let now = latchkey_core::now_unix();
    let counts = manage::errors::counts(store, span, now, None)
        .await
        .map_err(failed)?;
    let body = format!(
        "{}{}",
        lookup_html(&app, &lookup, wanted.as_deref().unwrap_or("")),
        counts_html(&app, &counts),
    );
    let mut res = page(&app, &admin, Nav::Errors, "Errors", &body);
    *res.status_mut() = status;
    Ok(res)
}

enum Lookup {
    None,
    Found(Box<ErrorRecord>),
    Missing(String),
}

fn lookup_html(app: &App, lookup: &Lookup, typed: &str) -> String {
    let result = match lookup {
        Lookup::None => String::new(),
        Lookup::Missing(id) => format!(
            "<p class=\"error\" role=\"alert\" id=\"lookup-missing\">No occurrence with error_id <code>{}</code> is kept \
(occurrences are kept for 14 days).</p>",
            esc(id)
        ),
        Lookup::Found(r) => {
            let client = r
                .client_id
                .as_deref()
                .map(|id| {
                    format!(
                        "<a href=\"{}\"><code>{}</code></a>",
                        esc(&client_path(id)),
                        esc(id)
                    )
                })
                .unwrap_or_else(|| "<span class=\"muted\">none</span>".to_string());
            format!(
                "<dl class=\"facts\" id=\"occurrence\"><dt>error_id</dt><dd><code>{id}</code></dd>\
<dt>error</dt><dd><code>{code}</code></dd><dt>cause</dt><dd>{cause}</dd>\
<dt>status</dt><dd>{status}</dd><dt>error_description</dt><dd>{desc}</dd>\
<dt>debug</dt><dd>{debug}</dd><dt>endpoint</dt><dd><code>{endpoint}</code></dd>\
<dt>client_id</dt><dd>{client}</dd><dt>created_at</dt><dd>{created} <span class=\"muted\">({at})</span></dd></dl>",
                id = esc(&r.error_id),
                code = esc(&r.code),
                cause = cause_link(app, &r.cause),
                status = r.status,
                desc = esc(&r.description),
                debug = r
                    .debug
                    .as_deref()
                    .map(|d| format!("<code>{}</code>", esc(d)))
                    .unwrap_or_else(|| "<span class=\"muted\">none</span>".to_string()),
                endpoint = esc(&r.endpoint),
                created = esc(&when(r.created_at)),
                at = r.created_at,
            )
        }
    };
    format!(
        "<section aria-labelledby=\"lookup-h\"><h2 id=\"lookup-h\">Find an occurrence</h2>\
<form method=\"get\" action=\"/admin/errors\" role=\"search\" class=\"search\">\
<label for=\"error_id\">error_id</label>\
<div class=\"inline\"><input type=\"text\" id=\"error_id\" name=\"error_id\" value=\"{typed}\" autocomplete=\"off\" spellcheck=\"false\">\
<button type=\"submit\">Find</button></div></form>{result}</section>",
        typed = esc(typed),
    )
}

/// A bucket's label: its hour (UTC) or its day.
fn bucket_label(span: Span, start: i64) -> String {
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp(start) else {
        return start.to_string();
    };
    match span {
        Span::Day => format!("{:02}:00", t.hour()),
        Span::Week => format!("{:02}-{:02}", u8::from(t.month()), t.day()),
    }
}

/// The chart's colours, one per cause shown (the rest are "other"), each
/// at least 3:1 against white.
const COLOURS: &[&str] = &["#0b5cad", "#b42318", "#067647", "#7a2e0e", "#6941c6"];
const OTHER_COLOUR: &str = "#57606a";

fn counts_html(app: &App, counts: &Counts) -> String {
    let span = counts.span;
    let (this_label, other, other_label) = match span {
        Span::Day => (
            "the last 24 hours, by hour (UTC)",
            "week",
            "the last 7 days",
        ),
        Span::Week => ("the last 7 days, by day (UTC)", "day", "the last 24 hours"),
    };
    let switch = format!(
        "<p>Counts over {this_label}. <a href=\"/admin/errors?span={other}\" id=\"span-switch\">Show {other_label}</a></p>"
    );
    if counts.causes.is_empty() {
        return format!(
            "<section aria-labelledby=\"counts-h\"><h2 id=\"counts-h\">Counts</h2>{switch}\
<p id=\"counts-none\">No errors were kept over {this_label}.</p></section>"
        );
    }
    format!(
        "<section aria-labelledby=\"counts-h\"><h2 id=\"counts-h\">Counts</h2>{switch}{chart}{table}</section>",
        chart = chart_svg(counts),
        table = counts_table(app, counts),
    )
}

fn counts_table(app: &App, counts: &Counts) -> String {
    let heads: String = counts
        .starts
        .iter()
        .map(|s| {
            format!(
                "<th scope=\"col\" class=\"num\">{}</th>",
                esc(&bucket_label(counts.span, *s))
            )
        })
        .collect();
    let rows: String = counts
        .causes
        .iter()
        .map(|c| {
            let cells: String = c
                .per_bucket
                .iter()
                .map(|n| format!("<td class=\"num\">{n}</td>"))
                .collect();
            format!(
                "<tr><td><code>{code}</code></td><th scope=\"row\">{cause}</th><td class=\"num total\">{total}</td>{cells}</tr>",
                code = esc(&c.code),
                cause = cause_link(app, &c.cause),
                total = c.total,
            )
        })
        .collect();
    let totals = counts.totals();
    let all: i64 = totals.iter().sum();
    let foot: String = totals
        .iter()
        .map(|n| format!("<td class=\"num\">{n}</td>"))
        .collect();
    format!(
        "<div class=\"table-wrap\" role=\"region\" aria-labelledby=\"counts-caption\" tabindex=\"0\">\
<table id=\"error-counts\"><caption id=\"counts-caption\">Errors by code and cause</caption>\
<thead><tr><th scope=\"col\">Error</th><th scope=\"col\">Cause</th><th scope=\"col\" class=\"num\">Total</th>{heads}</tr></thead>\
<tbody>{rows}</tbody><tfoot><tr><td></td><th scope=\"row\">All causes</th><td class=\"num total\" id=\"errors-total\">{all}</td>{foot}</tr></tfoot>\
</table></div>"
    )
}

/// Stacked bars, one per bucket, a colour per cause (the five most
/// frequent; the rest as "other"), with a legend. Drawn with presentation
/// attributes only, so the page policy needs no inline style.
fn chart_svg(counts: &Counts) -> String {
    const W: i64 = 720;
    const H: i64 = 240;
    const LEFT: i64 = 40;
    const BOTTOM: i64 = 28;
    const TOP: i64 = 12;
    let n = counts.starts.len().max(1) as i64;
    let totals = counts.totals();
    let max = totals.iter().copied().max().unwrap_or(0).max(1);
    let plot_h = H - TOP - BOTTOM;
    let slot = (W - LEFT) / n;
    let bar = (slot * 7 / 10).max(2);
    let shown = counts.causes.len().min(COLOURS.len());
    let mut bars = String::new();
    for (i, start) in counts.starts.iter().enumerate() {
        let x = LEFT + i as i64 * slot + (slot - bar) / 2;
        let mut y = H - BOTTOM;
        let label = bucket_label(counts.span, *start);
        let mut segments: Vec<(String, &str, i64)> = Vec::new();
        let mut other = 0;
        for (j, c) in counts.causes.iter().enumerate() {
            let value = c.per_bucket.get(i).copied().unwrap_or(0);
            match COLOURS.get(j) {
                Some(colour) if value > 0 => segments.push((c.cause.clone(), colour, value)),
                Some(_) => {}
                None => other += value,
            }
        }
        if other > 0 {
            segments.push(("other causes".into(), OTHER_COLOUR, other));
        }
        for (name, colour, value) in segments {
            let h = (value * plot_h / max).max(1);
            y -= h;
            bars.push_str(&format!(
                "<rect x=\"{x}\" y=\"{y}\" width=\"{bar}\" height=\"{h}\" fill=\"{colour}\"><title>{label}: {name} {value}</title></rect>",
                label = esc(&label),
                name = esc(&name),
            ));
        }
    }
    // Axis labels: every bucket for a week, every fourth hour for a day
    // (counted back from the current one).
    let every = if counts.span == Span::Day { 4 } else { 1 };
    let mut labels = String::new();
    let last = counts.starts.len().saturating_sub(1);
    for (i, start) in counts.starts.iter().enumerate() {
        if !(last - i).is_multiple_of(every) {
            continue;
        }
        let x = LEFT + i as i64 * slot + slot / 2;
        labels.push_str(&format!(
            "<text x=\"{x}\" y=\"{ty}\" text-anchor=\"middle\" font-size=\"12\" fill=\"#57606a\">{}</text>",
            esc(&bucket_label(counts.span, *start)),
            ty = H - 8,
        ));
    }
    let legend: String = counts
        .causes
        .iter()
        .take(shown)
        .zip(COLOURS)
        .map(|(c, colour)| (c.cause.as_str(), *colour))
        .chain(
            (counts.causes.len() > shown).then_some(("other causes", OTHER_COLOUR)),
        )
        .map(|(name, colour)| {
            format!(
                "<li><svg width=\"12\" height=\"12\" aria-hidden=\"true\" focusable=\"false\"><rect width=\"12\" height=\"12\" fill=\"{colour}\"/></svg> <code>{}</code></li>",
                esc(name)
            )
        })
        .collect();
    let all: i64 = totals.iter().sum();
    let peak_at = totals
        .iter()
        .enumerate()
        .max_by_key(|(i, v)| (**v, std::cmp::Reverse(*i)))
        .and_then(|(i, _)| counts.starts.get(i))
        .map(|s| bucket_label(counts.span, *s))
        .unwrap_or_default();
    let desc = format!(
        "{all} errors in all; the most ({max}) at {peak_at}. The table below gives every count."
    );
    format!(
        "<figure class=\"chart\"><svg viewBox=\"0 0 {W} {H}\" role=\"img\" aria-labelledby=\"chart-title chart-desc\" \
focusable=\"false\" preserveAspectRatio=\"xMidYMid meet\" id=\"error-chart\">\
<title id=\"chart-title\">Errors over time, by cause</title><desc id=\"chart-desc\">{desc}</desc>\
<line x1=\"{LEFT}\" y1=\"{base}\" x2=\"{W}\" y2=\"{base}\" stroke=\"#6e7781\"/>\
<text x=\"{lx}\" y=\"{top_y}\" text-anchor=\"end\" font-size=\"12\" fill=\"#57606a\">{max}</text>\
<text x=\"{lx}\" y=\"{base}\" text-anchor=\"end\" font-size=\"12\" fill=\"#57606a\">0</text>\
{bars}{labels}</svg><figcaption><ul class=\"legend\">{legend}</ul></figcaption></figure>",
        desc = esc(&desc),
        base = H - BOTTOM,
        lx = LEFT - 6,
        top_y = TOP + 10,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey_core::error::ErrorCount;

    fn counts() -> Counts {
        let now = 20 * 86_400 + 3 * 3600;
        let mut found = Vec::new();
        for (i, cause) in ["a", "b", "c", "d", "e", "f<g>"].iter().enumerate() {
            found.push(ErrorCount {
                bucket_start: now - (now % 3600) - i as i64 * 3600,
                code: "invalid_request".into(),
                cause: (*cause).into(),
                count: 10 - i as i64,
            });
        }
        Counts::arrange(Span::Day, now, &found)
    }

    #[test]
    fn the_chart_is_labelled_and_escaped_and_groups_the_rest_as_other() {
        let svg = chart_svg(&counts());
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("<title id=\"chart-title\">"));
        assert!(svg.contains("<desc id=\"chart-desc\">45 errors in all; the most (10) at 03:00."));
        assert!(svg.contains("other causes"));
        assert!(!svg.contains("f<g>"));
        assert!(!svg.contains("style="));
        assert_eq!(svg.matches("<rect x=").count(), 6);
    }

    #[test]
    fn buckets_are_labelled_by_hour_or_day() {
        assert_eq!(bucket_label(Span::Day, 86_400 + 7200), "02:00");
        assert_eq!(bucket_label(Span::Week, 86_400 * 31), "02-01");
    }
}
