//! The audit log's vocabulary (PRODUCT.md §9): who acted, what they did, to what, and the
//! filters a reader may ask for. The browser and the server share these.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What happened. The names are the contract of §9 and of the CSV export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuditAction {
    #[serde(rename = "api_client.created")]
    ApiClientCreated,
    #[serde(rename = "api_client.updated")]
    ApiClientUpdated,
    #[serde(rename = "api_client.deleted")]
    ApiClientDeleted,
    #[serde(rename = "api_client.disabled")]
    ApiClientDisabled,
    #[serde(rename = "api_client.enabled")]
    ApiClientEnabled,
    #[serde(rename = "api_client.secret_rotated")]
    ApiClientSecretRotated,
    #[serde(rename = "restricted_access_token.created")]
    TokenCreated,
    #[serde(rename = "restricted_access_token.updated")]
    TokenUpdated,
    #[serde(rename = "restricted_access_token.deleted")]
    TokenDeleted,
    #[serde(rename = "restricted_access_token.revoked")]
    TokenRevoked,
    #[serde(rename = "restricted_access_token.regenerated")]
    TokenRegenerated,
    #[serde(rename = "member.invited")]
    MemberInvited,
    #[serde(rename = "member.joined")]
    MemberJoined,
    #[serde(rename = "member.role_changed")]
    MemberRoleChanged,
    #[serde(rename = "member.removed")]
    MemberRemoved,
    #[serde(rename = "invite.revoked")]
    InviteRevoked,
    #[serde(rename = "organization.api_access_changed")]
    ApiAccessChanged,
    #[serde(rename = "signing_key.rotated")]
    SigningKeyRotated,
    #[serde(rename = "signing_key.revoked")]
    SigningKeyRevoked,
    #[serde(rename = "session.signed_in")]
    SignedIn,
    #[serde(rename = "session.sign_in_failed")]
    SignInFailed,
}

impl AuditAction {
    pub const ALL: [AuditAction; 21] = [
        AuditAction::ApiClientCreated,
        AuditAction::ApiClientUpdated,
        AuditAction::ApiClientDeleted,
        AuditAction::ApiClientDisabled,
        AuditAction::ApiClientEnabled,
        AuditAction::ApiClientSecretRotated,
        AuditAction::TokenCreated,
        AuditAction::TokenUpdated,
        AuditAction::TokenDeleted,
        AuditAction::TokenRevoked,
        AuditAction::TokenRegenerated,
        AuditAction::MemberInvited,
        AuditAction::MemberJoined,
        AuditAction::MemberRoleChanged,
        AuditAction::MemberRemoved,
        AuditAction::InviteRevoked,
        AuditAction::ApiAccessChanged,
        AuditAction::SigningKeyRotated,
        AuditAction::SigningKeyRevoked,
        AuditAction::SignedIn,
        AuditAction::SignInFailed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::ApiClientCreated => "api_client.created",
            AuditAction::ApiClientUpdated => "api_client.updated",
            AuditAction::ApiClientDeleted => "api_client.deleted",
            AuditAction::ApiClientDisabled => "api_client.disabled",
            AuditAction::ApiClientEnabled => "api_client.enabled",
            AuditAction::ApiClientSecretRotated => "api_client.secret_rotated",
            AuditAction::TokenCreated => "restricted_access_token.created",
            AuditAction::TokenUpdated => "restricted_access_token.updated",
            AuditAction::TokenDeleted => "restricted_access_token.deleted",
            AuditAction::TokenRevoked => "restricted_access_token.revoked",
            AuditAction::TokenRegenerated => "restricted_access_token.regenerated",
            AuditAction::MemberInvited => "member.invited",
            AuditAction::MemberJoined => "member.joined",
            AuditAction::MemberRoleChanged => "member.role_changed",
            AuditAction::MemberRemoved => "member.removed",
            AuditAction::InviteRevoked => "invite.revoked",
            AuditAction::ApiAccessChanged => "organization.api_access_changed",
            AuditAction::SigningKeyRotated => "signing_key.rotated",
            AuditAction::SigningKeyRevoked => "signing_key.revoked",
            AuditAction::SignedIn => "session.signed_in",
            AuditAction::SignInFailed => "session.sign_in_failed",
        }
    }

    pub fn parse(name: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.as_str() == name)
    }

    /// Instance-wide actions (the signing keys): every organization's log shows them.
    pub fn is_instance_wide(self) -> bool {
        matches!(
            self,
            AuditAction::SigningKeyRotated | AuditAction::SigningKeyRevoked
        )
    }
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who acted: a member in the console, an API Client through `/api/v1`, or the operator's
/// command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    User,
    ApiClient,
    Cli,
}

impl ActorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::User => "user",
            ActorKind::ApiClient => "api_client",
            ActorKind::Cli => "cli",
        }
    }

    pub fn parse(name: &str) -> Option<ActorKind> {
        [ActorKind::User, ActorKind::ApiClient, ActorKind::Cli]
            .into_iter()
            .find(|k| k.as_str() == name)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActorView {
    #[serde(rename = "type")]
    pub kind: ActorKind,
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetView {
    /// `api_client`, `restricted_access_token`, `member`, `invite`, `organization`,
    /// `signing_key` or `session`.
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    pub name: String,
}

/// One event of the log, as the console, the API and the CSV show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEventView {
    pub id: String,
    /// Unix seconds.
    pub at: i64,
    pub actor: ActorView,
    pub client_ip: Option<String>,
    pub action: AuditAction,
    pub target: TargetView,
    /// Field name → `{"from", "to"}` (only `to` on creation); never a secret.
    pub changes: serde_json::Map<String, serde_json::Value>,
}

/// The longest actor id a filter may name.
pub const MAX_ACTOR_ID: usize = 64;

/// What a reader of the log asks for: one action, one actor, both or neither.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    pub action: Option<AuditAction>,
    pub actor_id: Option<String>,
}

impl AuditFilter {
    /// The filter from its query values as typed (empty means any); a bad value is named.
    pub fn parse(action: Option<&str>, actor: Option<&str>) -> Result<AuditFilter, String> {
        let action = match action.map(str::trim).filter(|a| !a.is_empty()) {
            None => None,
            Some(name) => Some(
                AuditAction::parse(name)
                    .ok_or_else(|| format!("unknown action: {}", shown(name)))?,
            ),
        };
        let actor_id = match actor.map(str::trim).filter(|a| !a.is_empty()) {
            None => None,
            Some(id) if is_actor_id(id) => Some(id.to_string()),
            Some(id) => return Err(format!("not an actor id: {}", shown(id))),
        };
        Ok(AuditFilter { action, actor_id })
    }
}

/// Ids are ours (letters, digits, `-` and `_`); the CLI's actor is `cli`.
fn is_actor_id(id: &str) -> bool {
    id.len() <= MAX_ACTOR_ID
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}

/// A bad value as an error message may repeat it: at most 64 characters, control characters
/// escaped.
fn shown(value: &str) -> String {
    let cut: String = value.chars().take(64).collect();
    cut.escape_debug().to_string()
}

/// How many events a page of the log holds, at most.
pub const MAX_PAGE: i64 = 200;

/// A page of the log, newest first, and where the next one starts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditPage {
    pub data: Vec<AuditEventView>,
    pub next_cursor: Option<String>,
}

/// What the console's **Audit log** page shows: a page of events and the server's time. (Who
/// appears in the log, for the actor filter, is a load of its own: no filter changes it.)
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditLogView {
    pub page: AuditPage,
    pub now: i64,
}

/// An event's time as the console shows it: `YYYY-MM-DD HH:MM:SS UTC`.
pub fn shown_time(at: i64) -> String {
    let seconds = at.rem_euclid(86_400);
    format!(
        "{} {:02}:{:02}:{:02} UTC",
        crate::credentials::date_of(at),
        seconds / 3_600,
        seconds % 3_600 / 60,
        seconds % 60
    )
}

/// A changed field as the console shows it: `from → to`, or the value alone on creation.
pub fn shown_change(change: &serde_json::Value) -> String {
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::Null => "-".to_string(),
        serde_json::Value::String(s) if s.is_empty() => "-".to_string(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) if items.is_empty() => "-".to_string(),
        serde_json::Value::Array(items) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| i.to_string())
            })
            .collect::<Vec<_>>()
            .join(", "),
        serde_json::Value::Object(o) => match (o.get("requests"), o.get("per")) {
            (Some(n), Some(per)) => format!("{n} per {}", per.as_str().unwrap_or_default()),
            _ => v.to_string(),
        },
        other => other.to_string(),
    };
    match (change.get("from"), change.get("to")) {
        (Some(from), Some(to)) => format!("{} → {}", text(from), text(to)),
        (None, Some(to)) => text(to),
        _ => text(change),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_names_round_trip() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
            let json = serde_json::to_string(&action).unwrap();
            assert_eq!(json, format!("\"{}\"", action.as_str()));
        }
        assert_eq!(AuditAction::parse("api_client.exploded"), None);
    }

    #[test]
    fn times_and_changes_read_plainly() {
        assert_eq!(shown_time(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(shown_time(1_764_763_323), "2025-12-03 12:02:03 UTC");
        let change = serde_json::json!({"from": ["a", "b"], "to": []});
        assert_eq!(shown_change(&change), "a, b → -");
        let limit = serde_json::json!({"to": {"requests": 5, "per": "minute"}});
        assert_eq!(shown_change(&limit), "5 per minute");
        assert_eq!(
            shown_change(&serde_json::json!({"from": true, "to": false})),
            "true → false"
        );
    }

    #[test]
    fn filters_name_their_bad_value() {
        assert_eq!(
            AuditFilter::parse(None, Some("  ")),
            Ok(AuditFilter::default())
        );
        let f = AuditFilter::parse(Some("member.removed"), Some("cli")).unwrap();
        assert_eq!(f.action, Some(AuditAction::MemberRemoved));
        assert_eq!(f.actor_id.as_deref(), Some("cli"));
        let err = AuditFilter::parse(Some("drop table"), None).unwrap_err();
        assert_eq!(err, "unknown action: drop table");
        let err = AuditFilter::parse(None, Some("a'; --")).unwrap_err();
        assert!(err.starts_with("not an actor id: a"), "{err}");
        assert!(err.ends_with("; --"), "names the whole value: {err}");
        assert!(AuditFilter::parse(None, Some(&"a".repeat(65))).is_err());
        let err = AuditFilter::parse(Some("x\ny"), None).unwrap_err();
        assert!(err.contains("\\n"), "{err}");
    }
}
