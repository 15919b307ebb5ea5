//! What the Settings pages list, loaded on the server for the page the URL opens and serialized
//! into it, then reloaded in the browser after each change.
//!
//! Each page is an island and makes these resources once, at its top, outside any closure: the
//! browser hydrates an island's resources in the order the server made them.

use crate::api::audit::{audit_actor_list, audit_log};
use crate::api::credentials::list_credentials;
use crate::api::members::list_members;
use crate::error::AppError;
use domain::audit::{ActorView, AuditLogView};
use domain::models::{CredentialsPage, MembersPage};
use leptos::prelude::*;

/// A list: `None` while its page is not the one open.
pub type Loaded<T> = Resource<Option<Result<T, AppError>>>;

/// The audit log's filters: an action, an actor (empty: any) and the cursor of the page shown
/// (empty: the newest).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AuditFilter {
    pub action: String,
    pub actor: String,
    pub cursor: String,
}

#[derive(Clone, Copy)]
pub struct SettingsData {
    pub members: Loaded<MembersPage>,
    /// Counts the changes made on the Members page: each one reloads the list.
    pub members_changes: RwSignal<usize>,
    pub credentials: Loaded<CredentialsPage>,
    pub credentials_changes: RwSignal<usize>,
    pub audit_filter: RwSignal<AuditFilter>,
    pub audit_log: Loaded<AuditLogView>,
    /// The actors of the log, for its filter: a load of its own that no filter changes.
    pub audit_actors: Loaded<Vec<ActorView>>,
}

impl SettingsData {
    /// Makes the resources of the page `open` (the others stay empty) and provides them to it.
    /// Call it once, at the top of the page's island, outside any closure.
    pub fn provide(open: &'static str) {
        let is_open = move |page: &str| open == page;
        let members_changes = RwSignal::new(0);
        let credentials_changes = RwSignal::new(0);
        let audit_filter = RwSignal::new(AuditFilter::default());
        let data = SettingsData {
            members: Resource::new(
                move || (is_open("members"), members_changes.get()),
                |(open, _)| async move {
                    if open {
                        Some(list_members().await)
                    } else {
                        None
                    }
                },
            ),
            members_changes,
            credentials: Resource::new(
                move || (is_open("api"), credentials_changes.get()),
                |(open, _)| async move {
                    if open {
                        Some(list_credentials(String::new()).await)
                    } else {
                        None
                    }
                },
            ),
            credentials_changes,
            audit_filter,
            audit_log: Resource::new(
                move || is_open("audit").then(|| audit_filter.get()),
                |filter| async move {
                    match filter {
                        Some(f) => Some(audit_log(f.action, f.actor, f.cursor).await),
                        None => None,
                    }
                },
            ),
            audit_actors: Resource::new(
                move || is_open("audit"),
                |open| async move {
                    if open {
                        Some(audit_actor_list().await)
                    } else {
                        None
                    }
                },
            ),
        };
        provide_context(data);
    }

    pub fn get() -> SettingsData {
        expect_context::<SettingsData>()
    }
}

/// Keeps `changes` at `count()` (the sum of a page's action versions), so that each completed
/// change reloads the list. A page mounted again starts its actions at zero: that reloads too.
pub fn reload_on_change(
    changes: RwSignal<usize>,
    count: impl Fn() -> usize + Send + Sync + 'static,
) {
    Effect::new(move |_| {
        let now = count();
        if changes.get_untracked() != now {
            changes.set(now);
        }
    });
}
