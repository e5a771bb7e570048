//! An error occurrence as it is kept, so support can look it up by its
//! `error_id`.

/// One error occurrence, kept so support can look it up by `error_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorRecord {
    pub error_id: String,
    pub cause: String,
    pub code: String,
    pub status: i64,
    pub description: String,
    pub debug: Option<String>,
    pub endpoint: String,
    pub client_id: Option<String>,
    pub created_at: i64,
}

/// How many occurrences of one cause were kept in one span of time (a
/// bucket: `bucket_start` up to `bucket_start` + the bucket's length), for
/// the admin console's counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorCount {
    /// Unix seconds, a multiple of the bucket's length.
    pub bucket_start: i64,
    pub code: String,
    pub cause: String,
    pub count: i64,
}
