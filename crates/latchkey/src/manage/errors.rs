//! Error occurrences as kept by the store: one found by its `error_id`
//! (the record `GET /admin/v1/errors/{error_id}` shows), and counts per
//! code and cause over time (the admin console's table and chart).

use latchkey_core::Occurrence;
use latchkey_core::authorize::RawParams;
use latchkey_core::catalogue::{ADMIN_QUERY_INVALID, ERROR_ID_NOT_FOUND};
use latchkey_core::error::{ErrorCount, ErrorRecord};
use latchkey_core::store::Store;

pub async fn get(store: &dyn Store, error_id: &str) -> Result<ErrorRecord, Occurrence> {
    store
        .get_error(error_id)
        .await?
        .ok_or_else(|| ERROR_ID_NOT_FOUND.with_detail(format!("error_id {error_id}")))
}

/// A span of time the counts cover, in buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    /// The last 24 hours, by hour (the current hour last).
    Day,
    /// The last 7 days, by day (UTC; today last).
    Week,
}

impl Span {
    pub fn parse(s: &str) -> Option<Span> {
        match s {
            "day" => Some(Span::Day),
            "week" => Some(Span::Week),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Span::Day => "day",
            Span::Week => "week",
        }
    }

    /// Seconds per bucket, and how many buckets.
    pub fn buckets(self) -> (i64, usize) {
        match self {
            Span::Day => (3600, 24),
            Span::Week => (86_400, 7),
        }
    }
}

/// One cause's counts: per bucket (oldest first) and in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CauseCounts {
    pub code: String,
    pub cause: String,
    pub per_bucket: Vec<i64>,
    pub total: i64,
}

/// Counts over a span: the start of each bucket (Unix seconds, oldest
/// first) and a row per cause seen, most frequent first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counts {
    pub span: Span,
    pub starts: Vec<i64>,
    pub causes: Vec<CauseCounts>,
}

impl Counts {
    /// Every cause's count per bucket, added up.
    pub fn totals(&self) -> Vec<i64> {
        (0..self.starts.len())
            .map(|i| {
                self.causes
                    .iter()
                    .map(|c| c.per_bucket.get(i).copied().unwrap_or(0))
                    .sum()
            })
            .collect()
    }

    /// Arrange the store's counts into the span's buckets ending with the
    /// one holding `now`; counts outside them are left out.
    pub fn arrange(span: Span, now: i64, counts: &[ErrorCount]) -> Counts {
        let (length, n) = span.buckets();
        let last = now.div_euclid(length) * length;
        let first = last - length * (n as i64 - 1);
        let starts: Vec<i64> = (0..n as i64).map(|i| first + i * length).collect();
        let mut causes: Vec<CauseCounts> = Vec::new();
        for count in counts {
            let Ok(index) = usize::try_from((count.bucket_start - first).div_euclid(length)) else {
                continue;
            };
            if index >= n {
                continue;
            }
            let row = match causes
                .iter_mut()
                .position(|c| c.cause == count.cause && c.code == count.code)
            {
                Some(i) => i,
                None => {
                    causes.push(CauseCounts {
                        code: count.code.clone(),
                        cause: count.cause.clone(),
                        per_bucket: vec![0; n],
                        total: 0,
                    });
                    causes.len() - 1
                }
            };
            if let Some(c) = causes.get_mut(row) {
                if let Some(slot) = c.per_bucket.get_mut(index) {
                    *slot += count.count;
                }
                c.total += count.count;
            }
        }
        causes.sort_by(|a, b| {
            b.total
                .cmp(&a.total)
                .then_with(|| a.code.cmp(&b.code))
                .then_with(|| a.cause.cmp(&b.cause))
        });
        Counts {
            span,
            starts,
            causes,
        }
    }
}

/// The counts as `GET /admin/v1/errors` answers them.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[schema(as = ErrorCounts)]
pub struct CountsView {
    /// `day` (the last 24 hours, by hour) or `week` (the last 7 days, by
    /// day); UTC.
    #[schema(pattern = "^(day|week)$")]
    pub span: &'static str,
    /// The length of each bucket in seconds.
    pub bucket_seconds: i64,
    /// The start of each bucket (Unix seconds), oldest first; the last
    /// holds now.
    pub starts: Vec<i64>,
    /// Every cause's count per bucket, added up.
    pub totals: Vec<i64>,
    /// A row per cause seen, most frequent first.
    pub causes: Vec<CauseCountsView>,
}

/// One cause's counts over the span.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[schema(as = ErrorCauseCounts)]
pub struct CauseCountsView {
    /// The `error` code answered.
    pub code: String,
    /// The catalogue cause.
    pub cause: String,
    /// The count per bucket, as `starts`.
    pub per_bucket: Vec<i64>,
    pub total: i64,
    /// The cause's section of the error reference, when it is one of
    /// this version's causes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docs: Option<String>,
}

impl CountsView {
    pub fn of(counts: &Counts, issuer: &str) -> CountsView {
        CountsView {
            span: counts.span.as_str(),
            bucket_seconds: counts.span.buckets().0,
            starts: counts.starts.clone(),
            totals: counts.totals(),
            causes: counts
                .causes
                .iter()
                .map(|c| CauseCountsView {
                    code: c.code.clone(),
                    cause: c.cause.clone(),
                    per_bucket: c.per_bucket.clone(),
                    total: c.total,
                    docs: docs_url(issuer, &c.cause),
                })
                .collect(),
        }
    }
}

/// Where the error reference explains `cause`, when it is one of this
/// version's causes.
pub fn docs_url(issuer: &str, cause: &str) -> Option<String> {
    latchkey_core::error::docs::find(cause)
        .map(|c| format!("{issuer}{}", latchkey_core::error::docs::error_uri_path(c)))
}

/// The query of `GET /admin/v1/errors`: `span` (`day`, the default, or
/// `week`) and `client_id` (one client's errors only).
pub fn query(params: &RawParams) -> Result<(Span, Option<String>), Occurrence> {
    super::plain_query(params, &ADMIN_QUERY_INVALID)?;
    let invalid = |detail: String| ADMIN_QUERY_INVALID.with_detail(detail);
    let text = |name: &str| params.single(name).ok().flatten().map(str::trim);
    let span = match text("span") {
        None | Some("") => Span::Day,
        Some(v) => {
            Span::parse(v).ok_or_else(|| invalid(format!("span must be day or week, got {v:?}")))?
        }
    };
    let client = text("client_id")
        .filter(|v| !v.is_empty())
        .map(str::to_string);
    Ok((span, client))
}

/// The counts of the occurrences kept over `span` up to `now`, of every
/// client or of `client_id`.
pub async fn counts(
    store: &dyn Store,
    span: Span,
    now: i64,
    client_id: Option<&str>,
) -> Result<Counts, Occurrence> {
    let (length, n) = span.buckets();
    let since = (now.div_euclid(length) - (n as i64 - 1)) * length;
    let found = store.count_errors(since, length, client_id).await?;
    Ok(Counts::arrange(span, now, &found))
}

/// A bucket longer than any span of kept occurrences: one total per cause.
const WHOLE: i64 = 1 << 40;

/// Occurrences per cause (code, cause, count) since `since`, most frequent
/// first, of every client or of `client_id`.
pub async fn totals(
    store: &dyn Store,
    since: i64,
    client_id: Option<&str>,
) -> Result<Vec<(String, String, i64)>, Occurrence> {
    let found = store.count_errors(since, WHOLE, client_id).await?;
    let mut out: Vec<(String, String, i64)> = Vec::new();
    for c in found {
        match out
            .iter_mut()
            .find(|(code, cause, _)| *code == c.code && *cause == c.cause)
        {
            Some(row) => row.2 += c.count,
            None => out.push((c.code, c.cause, c.count)),
        }
    }
    out.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.1.cmp(&b.1)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(bucket_start: i64, cause: &str, count: i64) -> ErrorCount {
        ErrorCount {
            bucket_start,
            code: "invalid_request".into(),
            cause: cause.into(),
            count,
        }
    }

    #[test]
    fn counts_fall_into_the_spans_buckets_most_frequent_cause_first() {
        let now = 10 * 86_400 + 5 * 3600 + 17;
        let counts = Counts::arrange(
            Span::Day,
            now,
            &[
                count(now - 30 * 3600, "too_old", 9),
                count(10 * 86_400 - 18 * 3600, "a", 1),
                count(10 * 86_400 + 5 * 3600, "a", 2),
                count(10 * 86_400 + 5 * 3600, "b", 4),
            ],
        );
        assert_eq!(counts.starts.len(), 24);
        assert_eq!(counts.starts.last(), Some(&(10 * 86_400 + 5 * 3600)));
        assert_eq!(counts.starts.first(), Some(&(9 * 86_400 + 6 * 3600)));
        let names: Vec<&str> = counts.causes.iter().map(|c| c.cause.as_str()).collect();
        assert_eq!(names, ["b", "a"]);
        let a = &counts.causes[1];
        assert_eq!((a.total, a.per_bucket[0], a.per_bucket[23]), (3, 1, 2));
        assert_eq!(counts.totals()[23], 6);
        assert_eq!(counts.totals().iter().sum::<i64>(), 7);
    }

    #[test]
    fn spans_are_named() {
        for span in [Span::Day, Span::Week] {
            assert_eq!(Span::parse(span.as_str()), Some(span));
        }
        assert_eq!(Span::parse("year"), None);
        assert_eq!(Span::Week.buckets(), (86_400, 7));
    }
}
