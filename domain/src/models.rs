//! The typed values that travel between the console in the browser and the server.

use crate::{Permissions, Role};
use serde::{Deserialize, Serialize};

/// The signed-in person as the console sees them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub organization: OrganizationView,
    pub permissions: Permissions,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationView {
    pub id: String,
    pub name: String,
    pub api_access: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub manage_credentials: bool,
    pub joined_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingInviteView {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub manage_credentials: bool,
    pub expires_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembersPage {
    pub members: Vec<MemberView>,
    pub invites: Vec<PendingInviteView>,
}

/// What the invite page shows before someone joins.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitePreview {
    pub email: String,
    pub organization_name: String,
    pub role: Role,
}

/// One API Client as the console and the public API show it. Never carries the secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiClientView {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub client_id: String,
    pub secret_last_four: String,
    pub allowed_origins: Vec<String>,
    pub scopes: Vec<String>,
    /// `custom` or an id of the operator's application types.
    #[serde(default)]
    pub application_type: String,
    pub status: crate::credentials::CredentialStatus,
    pub expires_at: Option<i64>,
    pub created_at: i64,
    pub created_by: String,
    #[serde(default)]
    pub limits: crate::credentials::Limits,
    /// When it last authenticated at the gate (Unix seconds); `None`: never.
    #[serde(default)]
    pub last_used_at: Option<i64>,
    /// The secret a rotation replaced, while it still works.
    #[serde(default)]
    pub previous_secret: Option<PreviousSecretView>,
    /// Where its logo is served (for members who may see it); `None`: no logo.
    #[serde(default)]
    pub logo_url: Option<String>,
}

/// Where an API Client's logo is served: `/logos/{id}`, with the moment it was set so a new
/// logo is not taken from a cache.
pub fn logo_url(id: &str, updated_at: i64) -> String {
    format!("/logos/{id}?v={updated_at}")
}

/// A secret or token replaced by a rotation and kept working until `expires_at`: its last four
/// characters and its end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviousSecretView {
    pub last_four: String,
    pub expires_at: i64,
}

/// One Restricted Access Token as the console and the public API show it. Never carries the
/// token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestrictedTokenView {
    pub id: String,
    pub name: String,
    pub token_last_four: String,
    pub allowed_ips: Vec<String>,
    pub expires_at: Option<i64>,
    pub status: crate::credentials::TokenStatus,
    pub created_at: i64,
    pub created_by: String,
    #[serde(default)]
    pub limits: crate::credentials::Limits,
    #[serde(default)]
    pub last_used_at: Option<i64>,
    /// The token a regeneration replaced, while it still works.
    #[serde(default)]
    pub previous_token: Option<PreviousSecretView>,
}

/// Everything the API page lists, each table sorted by name, case-insensitively.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialsPage {
    pub api_clients: Vec<ApiClientView>,
    /// Where the next page of API Clients starts (`None`: this was all).
    #[serde(default)]
    pub api_clients_next: Option<String>,
    pub restricted_tokens: Vec<RestrictedTokenView>,
    #[serde(default)]
    pub restricted_tokens_next: Option<String>,
    /// The application types an API Client may have.
    #[serde(default)]
    pub application_types: crate::credentials::ApplicationTypes,
    /// The scopes an API Client may be given: Portcullis's own and the operator's.
    pub scopes: crate::credentials::ScopeCatalog,
    /// The operator's API the credentials are for, when the operator named one.
    pub api_name: Option<String>,
    /// The server's time of this answer (Unix seconds), for "Last used 5 minutes ago".
    #[serde(default)]
    pub now: i64,
}

/// A credential's usage as the console shows it (PRODUCT.md §9).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageView {
    pub last_used_at: Option<i64>,
    pub last_used_ip: Option<String>,
    /// `(hour_start, allowed, refused)`, the last 168 hours, oldest first.
    pub hours: Vec<(i64, i64, i64)>,
    /// The server's time of this answer.
    pub now: i64,
    /// API Clients: `current` or `previous`, which secret last got a token.
    #[serde(default)]
    pub last_used_secret: Option<String>,
}

/// One UTC day of a credential's requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DayUsage {
    pub day_start: i64,
    pub allowed: i64,
    pub refused: i64,
}

impl UsageView {
    /// The hours summed by UTC day, oldest first (the first and last days may be partial).
    pub fn days(&self) -> Vec<DayUsage> {
        let mut days: Vec<DayUsage> = Vec::new();
        for &(hour, allowed, refused) in &self.hours {
            let day_start = hour - hour.rem_euclid(86_400);
            match days.last_mut() {
                Some(day) if day.day_start == day_start => {
                    day.allowed += allowed;
                    day.refused += refused;
                }
                _ => days.push(DayUsage {
                    day_start,
                    allowed,
                    refused,
                }),
            }
        }
        days
    }
}

/// How long ago `at` was, as the tables say it: `just now`, `5 minutes ago`, `3 hours ago`,
/// `2 days ago`; `-` for never.
pub fn time_ago(at: Option<i64>, now: i64) -> String {
    let Some(at) = at else {
        return "-".to_string();
    };
    let ago = (now - at).max(0);
    let (n, unit) = match ago {
        0..60 => return "just now".to_string(),
        60..3_600 => (ago / 60, "minute"),
        3_600..86_400 => (ago / 3_600, "hour"),
        _ => (ago / 86_400, "day"),
    };
    format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" })
}

/// The answer to creating an API Client: the only time the secret is shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedApiClient {
    pub client: ApiClientView,
    pub client_secret: crate::Secret,
}

/// The answer to creating a Restricted Access Token: the only time the token is shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedRestrictedToken {
    pub token: RestrictedTokenView,
    pub secret: crate::Secret,
}

#[cfg(test)]
mod tests {
    use super::time_ago;

    #[test]
    fn hours_sum_into_utc_days() {
        let usage = super::UsageView {
            hours: vec![
                (86_400 - 3_600, 1, 0),
                (86_400, 2, 1),
                (86_400 + 3_600, 3, 0),
            ],
            ..Default::default()
        };
        let days = usage.days();
        assert_eq!(days.len(), 2);
        assert_eq!((days[0].allowed, days[0].refused), (1, 0));
        assert_eq!(
            (days[1].day_start, days[1].allowed, days[1].refused),
            (86_400, 5, 1)
        );
    }

    #[test]
    fn times_ago_read_as_people_say_them() {
        assert_eq!(time_ago(None, 100), "-");
        assert_eq!(time_ago(Some(100), 130), "just now");
        assert_eq!(
            time_ago(Some(100), 90),
            "just now",
            "a clock a little behind"
        );
        assert_eq!(time_ago(Some(0), 60), "1 minute ago");
        assert_eq!(time_ago(Some(0), 5 * 60 + 59), "5 minutes ago");
        assert_eq!(time_ago(Some(0), 3_600), "1 hour ago");
        assert_eq!(time_ago(Some(0), 3 * 86_400), "3 days ago");
    }
}
