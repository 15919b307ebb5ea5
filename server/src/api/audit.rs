//! `GET /api/v1/audit-events` (PRODUCT.md §9): the organization's audit log, newest first, a
//! page at a time, for an API Client with `audit:read`. The query's rules are shared with the
//! console's CSV export (`crate::audit_export`).

use super::rfc3339;
use super::{ApiError, ApiErrorBody, Caller};
use crate::AppState;
use axum::Json;
use axum::extract::{RawQuery, State};
use domain::audit::{AuditEventView, AuditFilter, MAX_PAGE};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How many events a page holds when `limit` is not given.
const DEFAULT_PAGE: i64 = 50;

/// What a reader of the log asked for, once checked.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct AuditQuery {
    pub filter: AuditFilter,
    pub cursor: Option<i64>,
    pub limit: Option<i64>,
}

impl AuditQuery {
    /// Parses `action`, `actor`, `cursor` and `limit`; anything else, or a value given twice,
    /// is named in the error.
    pub(crate) fn parse(raw: Option<&str>) -> Result<AuditQuery, String> {
        let (mut action, mut actor, mut cursor, mut limit) = (None, None, None, None);
        for (key, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            let slot = match key.as_ref() {
                "action" => &mut action,
                "actor" => &mut actor,
                "cursor" => &mut cursor,
                "limit" => &mut limit,
                other => {
                    let shown: String = other.chars().take(64).collect();
                    return Err(format!("unknown query parameter: {}", shown.escape_debug()));
                }
            };
            if slot.replace(value.into_owned()).is_some() {
                return Err(format!("{key} is given more than once"));
            }
        }
        let filter = AuditFilter::parse(action.as_deref(), actor.as_deref())?;
        let cursor = services::audit::parse_cursor(cursor.as_deref())?;
        let limit = match limit.as_deref().map(str::trim) {
            None => None,
            Some(n) => match n.parse::<i64>() {
                Ok(n) if (1..=MAX_PAGE).contains(&n) => Some(n),
                _ => return Err(format!("limit must be a whole number from 1 to {MAX_PAGE}")),
            },
        };
        Ok(AuditQuery {
            filter,
            cursor,
            limit,
        })
    }
}

/// Who acted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditActorBody {
    /// `user`, `api_client` or `cli`.
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    pub name: String,
}

/// What the event is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditTargetBody {
    /// `api_client`, `restricted_access_token`, `member`, `invite`, `organization`,
    /// `signing_key` or `session`.
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    pub name: String,
}

/// One event of the audit log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditEventBody {
    pub id: String,
    /// RFC 3339 (UTC).
    pub time: String,
    pub actor: AuditActorBody,
    /// The client address of the request that made the change (`null` for the CLI).
    pub client_ip: Option<String>,
    /// For example `api_client.created` (PRODUCT.md §9 lists them all).
    pub action: String,
    pub target: AuditTargetBody,
    /// Field name → `{"from", "to"}` (only `to` on creation). Never a secret.
    #[schema(value_type = Object)]
    pub changes: serde_json::Map<String, serde_json::Value>,
}

impl From<AuditEventView> for AuditEventBody {
    fn from(e: AuditEventView) -> Self {
        AuditEventBody {
            id: e.id,
            time: rfc3339(e.at),
            actor: AuditActorBody {
                kind: e.actor.kind.as_str().to_string(),
                id: e.actor.id,
                name: e.actor.name,
            },
            client_ip: e.client_ip,
            action: e.action.as_str().to_string(),
            target: AuditTargetBody {
                kind: e.target.kind,
                id: e.target.id,
                name: e.target.name,
            },
            changes: e.changes,
        }
    }
}

/// A page of the audit log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditEventList {
    /// Newest first.
    pub data: Vec<AuditEventBody>,
    /// Pass it as `cursor` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

/// The audit log
///
/// Every change to credentials, members, invites, API access and signing keys, and every
/// sign-in and failed sign-in, newest first. Needs `audit:read`.
#[utoipa::path(
    get,
    path = "/api/v1/audit-events",
    tag = "Audit log",
    params(
        ("limit" = Option<i64>, Query, description = "Events per page, 1 to 200 (default 50)"),
        ("cursor" = Option<String>, Query, description = "The `next_cursor` of the previous page"),
        ("action" = Option<String>, Query, description = "Only this action, e.g. `api_client.deleted`"),
        ("actor" = Option<String>, Query, description = "Only this actor's events (its `id`)"),
    ),
    responses(
        (status = 200, description = "A page of events", body = AuditEventList),
        (status = 400, description = "`invalid_request`: an unknown parameter, action or cursor, or a limit out of range", body = ApiErrorBody),
        (status = 401, description = "No token, or `invalid_token`", body = ApiErrorBody),
        (status = 403, description = "`insufficient_scope`: the token lacks `audit:read`", body = ApiErrorBody),
    )
)]
pub(super) async fn list_audit_events(
    State(state): State<AppState>,
    Caller(caller): Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<AuditEventList>, ApiError> {
    let query = AuditQuery::parse(raw.as_deref()).map_err(ApiError::bad_request)?;
    let page = state
        .services
        .audit_page(
            caller.audit_reader()?,
            &query.filter,
            query.cursor,
            query.limit.unwrap_or(DEFAULT_PAGE),
        )
        .await?;
    Ok(Json(AuditEventList {
        data: page.data.into_iter().map(AuditEventBody::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::audit::AuditAction;

    #[test]
    fn queries_name_what_is_wrong() {
        assert_eq!(AuditQuery::parse(None), Ok(AuditQuery::default()));
        let q = AuditQuery::parse(Some("action=member.removed&limit=10&cursor=77")).unwrap();
        assert_eq!(q.filter.action, Some(AuditAction::MemberRemoved));
        assert_eq!((q.cursor, q.limit), (Some(77), Some(10)));
        for (raw, says) in [
            ("limit=0", "limit must be"),
            ("limit=201", "limit must be"),
            ("limit=ten", "limit must be"),
            ("cursor=abc", "not a cursor"),
            ("action=api_client.exploded", "unknown action"),
            ("actor=%27%3B--", "not an actor id"),
            ("sort=desc", "unknown query parameter: sort"),
            ("limit=1&limit=2", "more than once"),
        ] {
            let err = AuditQuery::parse(Some(raw)).unwrap_err();
            assert!(err.contains(says), "{raw}: {err}");
        }
    }
}
