//! `GET /api/v1/admin/audit`: the most recent audit entries.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Query, State};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::error::{ApiError, ApiErrorBody};
use super::state::ControlState;
use crate::audit::{AuditEntry, RECENT_CAPACITY};
use crate::auth::hex;

/// Entries listed when `limit` is absent.
const DEFAULT_LIMIT: usize = 100;

/// One audit entry as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryView {
    /// Position in the audit chain, from 1.
    pub seq: u64,
    /// When the request finished, UTC epoch nanoseconds.
    pub at_nanos: i64,
    /// The same instant in IST.
    pub at: String,
    /// The principal's name, or `anonymous`.
    pub who: String,
    /// The principal's role; absent when anonymous.
    pub role: Option<String>,
    /// The HTTP method.
    pub method: String,
    /// The route template.
    pub path: String,
    /// The HTTP status answered.
    pub status: u16,
    /// `ok`, `refused` or `error`.
    pub outcome: String,
    /// The previous entry's hash, hex.
    pub prev_hash: String,
    /// This entry's hash, hex.
    pub hash: String,
}

impl From<&AuditEntry> for AuditEntryView {
    fn from(e: &AuditEntry) -> Self {
        AuditEntryView {
            seq: e.seq,
            at_nanos: e.at.nanos(),
            at: e.at.to_string(),
            who: e.who.clone(),
            role: e.role.map(|r| r.as_str().to_owned()),
            method: e.method.clone(),
            path: e.path.clone(),
            status: e.status,
            outcome: e.outcome.as_str().to_owned(),
            prev_hash: hex::encode(&e.prev_hash),
            hash: hex::encode(&e.hash),
        }
    }
}

/// Recent audit entries, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditList {
    pub entries: Vec<AuditEntryView>,
}

/// The most recent audit entries (mutating requests: who, when, what, result), newest first. The
/// daemon keeps the last 1000 in memory; `traderd audit verify` checks the whole chain offline.
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "admin", operation_id = "list_audit",
    params(("limit" = Option<usize>, Query, description = "1 to 1000 entries (default 100).", example = 20)),
    responses(
        (status = 200, description = "The entries, newest first.", body = AuditList),
        (status = 400, description = "A bad `limit` or an unknown parameter.", body = ApiErrorBody),
    ))]
pub async fn list(
    State(state): State<ControlState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<AuditList>, ApiError> {
    let limit = parse_limit(&query)?;
    let entries = state.audit.recent(limit).await;
    Ok(Json(AuditList { entries: entries.iter().map(AuditEntryView::from).collect() }))
}

fn parse_limit(query: &HashMap<String, String>) -> Result<usize, ApiError> {
    let mut fields = BTreeMap::new();
    let limit = match query.get("limit") {
        None => DEFAULT_LIMIT,
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=RECENT_CAPACITY).contains(&n) => n,
            _ => {
                fields
                    .insert("limit".to_owned(), format!("`{text}` is not a whole number from 1 to {RECENT_CAPACITY}"));
                DEFAULT_LIMIT
            }
        },
    };
    for key in query.keys().filter(|k| k.as_str() != "limit") {
        fields.insert(key.clone(), "is not a known parameter".to_owned());
    }
    if fields.is_empty() {
        Ok(limit)
    } else {
        Err(ApiError::invalid(fields))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn limit_defaults_and_is_bounded() {
        assert_eq!(parse_limit(&query(&[])).unwrap(), 100);
        assert_eq!(parse_limit(&query(&[("limit", "1")])).unwrap(), 1);
        assert_eq!(parse_limit(&query(&[("limit", "1000")])).unwrap(), 1000);
        for bad in ["0", "1001", "-1", "ten"] {
            assert!(parse_limit(&query(&[("limit", bad)])).is_err(), "{bad}");
        }
        assert!(parse_limit(&query(&[("lim", "5")])).is_err());
    }
}
