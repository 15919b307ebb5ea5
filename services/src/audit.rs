//! The audit log (PRODUCT.md §9): who acts (`Actor`), the events each change hands the store to
//! write in its own transaction (`Event`), and reading the log (`AuditReader`).
//!
//! What an event may say is built here, field by field, from values that are never secrets
//! (names, lists, scopes, limits, roles, key ids); digests, secrets and tokens have no way in.

use crate::{ServiceError, Services, secrets};
use domain::audit::{ActorKind, AuditAction, AuditFilter, AuditPage, MAX_PAGE};
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::net::IpAddr;
use store::NewAuditEvent;

/// Who is acting, and from where.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Actor<'a> {
    pub kind: ActorKind,
    pub id: &'a str,
    pub name: &'a str,
    pub address: Option<IpAddr>,
}

impl Actor<'static> {
    /// The operator's command line (`portcullis org api-access`, `portcullis keys ...`).
    pub const CLI: Actor<'static> = Actor {
        kind: ActorKind::Cli,
        id: "cli",
        name: "portcullis CLI",
        address: None,
    };
}

/// The changed fields of an event: name → `{"from", "to"}`, or `{"to"}` on creation.
#[derive(Clone, Debug, Default)]
pub(crate) struct Changes(Map<String, Value>);

impl Changes {
    pub fn new() -> Changes {
        Changes::default()
    }

    /// A field's value on creation.
    pub fn set(mut self, field: &str, to: impl Serialize) -> Changes {
        self.0.insert(field.into(), json!({ "to": to }));
        self
    }

    /// On creation (`before` is `None`) the value; on a change, the change if there is one.
    pub fn field<T: Serialize + PartialEq>(
        self,
        field: &str,
        before: Option<T>,
        after: T,
    ) -> Changes {
        match before {
            None => self.set(field, after),
            Some(before) => self.diff(field, before, after),
        }
    }

    /// A field's change, recorded only when it changed.
    pub fn diff<T: Serialize + PartialEq>(mut self, field: &str, from: T, to: T) -> Changes {
        if from != to {
            self.0
                .insert(field.into(), json!({ "from": from, "to": to }));
        }
        self
    }
}

/// The thing an event is about.
pub(crate) struct Target<'a> {
    pub kind: &'static str,
    pub id: &'a str,
    pub name: &'a str,
}

/// One event, ready for the store. `organization_id: None` is an instance-wide event (or a
/// failed sign-in for an email nobody has).
pub(crate) fn event(
    actor: Actor<'_>,
    organization_id: Option<&str>,
    action: AuditAction,
    target: Target<'_>,
    changes: Changes,
    now: i64,
) -> NewAuditEvent {
    NewAuditEvent {
        id: secrets::new_id(),
        organization_id: organization_id.map(str::to_string),
        at: now,
        actor_kind: actor.kind,
        actor_id: actor.id.to_string(),
        actor_name: actor.name.to_string(),
        client_ip: actor.address.map(|a| a.to_string()),
        action,
        target_type: target.kind,
        target_id: target.id.to_string(),
        target_name: target.name.to_string(),
        changes: Value::Object(changes.0).to_string(),
    }
}

/// The proof that its holder may read one organization's audit log: an Admin
/// (`Principal::audit_reader`) or an API Client with `audit:read` (`Caller::audit_reader`).
#[derive(Clone, Copy, Debug)]
pub struct AuditReader<'a> {
    organization_id: &'a str,
}

impl<'a> AuditReader<'a> {
    pub const SCOPE: domain::credentials::Scope = domain::credentials::Scope::AuditRead;

    pub(crate) fn new(organization_id: &'a str) -> AuditReader<'a> {
        AuditReader { organization_id }
    }

    pub fn organization_id(&self) -> &str {
        self.organization_id
    }
}

/// A cursor is the position of the last event of a page, written as decimal digits.
pub fn parse_cursor(cursor: Option<&str>) -> Result<Option<i64>, String> {
    match cursor.map(str::trim).filter(|c| !c.is_empty()) {
        None => Ok(None),
        Some(c) if c.len() <= 19 && c.bytes().all(|b| b.is_ascii_digit()) => c
            .parse()
            .map(Some)
            .map_err(|_| "not a cursor of this log".to_string()),
        Some(_) => Err("not a cursor of this log".to_string()),
    }
}

impl Services {
    /// A page of the log, newest first: at most `limit` (1 to 200) events after `cursor`.
    pub async fn audit_page(
        &self,
        reader: AuditReader<'_>,
        filter: &AuditFilter,
        cursor: Option<i64>,
        limit: i64,
    ) -> Result<AuditPage, ServiceError> {
        let limit = limit.clamp(1, MAX_PAGE);
        // One more than asked tells whether a next page exists.
        let mut rows = self
            .store()
            .list_audit_events(reader.organization_id(), filter, cursor, limit + 1)
            .await?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next_cursor = more
            .then(|| rows.last().map(|r| r.seq.to_string()))
            .flatten();
        Ok(AuditPage {
            data: rows.into_iter().map(|r| r.event).collect(),
            next_cursor,
        })
    }

    /// The raw rows of a page (with their positions), for the CSV export's stream.
    pub async fn audit_rows(
        &self,
        reader: AuditReader<'_>,
        filter: &AuditFilter,
        cursor: Option<i64>,
        limit: i64,
    ) -> Result<Vec<store::AuditEventRecord>, ServiceError> {
        Ok(self
            .store()
            .list_audit_events(reader.organization_id(), filter, cursor, limit)
            .await?)
    }

    /// Everyone who appears in the log, for the actor filter: (type, id, name).
    pub async fn audit_actors(
        &self,
        reader: AuditReader<'_>,
    ) -> Result<Vec<domain::audit::ActorView>, ServiceError> {
        Ok(self
            .store()
            .audit_actors(reader.organization_id())
            .await?
            .into_iter()
            .map(|a| domain::audit::ActorView {
                kind: a.kind,
                id: a.id,
                name: a.name,
            })
            .collect())
    }

    /// Retention: deletes the events older than `days` days.
    pub async fn prune_audit_events(&self, days: i64, now: i64) -> Result<u64, ServiceError> {
        Ok(self
            .store()
            .prune_audit_events(now - days * 24 * 60 * 60)
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_record_only_what_changed() {
        let changes = Changes::new()
            .diff("name", "a", "b")
            .diff("description", "same", "same")
            .set("scopes", ["credentials:read"]);
        let e = event(
            Actor::CLI,
            Some("org"),
            AuditAction::ApiClientUpdated,
            Target {
                kind: "api_client",
                id: "id",
                name: "b",
            },
            changes,
            7,
        );
        let parsed: Value = serde_json::from_str(&e.changes).unwrap();
        assert_eq!(
            parsed,
            json!({"name": {"from": "a", "to": "b"}, "scopes": {"to": ["credentials:read"]}})
        );
        assert_eq!(e.actor_id, "cli");
        assert_eq!(e.client_ip, None);
    }

    #[test]
    fn cursors_are_digits() {
        assert_eq!(parse_cursor(None), Ok(None));
        assert_eq!(parse_cursor(Some("")), Ok(None));
        assert_eq!(parse_cursor(Some("42")), Ok(Some(42)));
        for bad in ["-1", "4 2", "x", "99999999999999999999", "1e3"] {
            assert!(parse_cursor(Some(bad)).is_err(), "{bad}");
        }
    }
}
