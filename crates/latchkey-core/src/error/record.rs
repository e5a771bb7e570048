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
