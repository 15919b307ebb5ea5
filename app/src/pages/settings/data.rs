//! What the API page lists, loaded on the server and serialized into the page, then reloaded
//! in the browser after each change.
//!
//! The API page is an island and makes this resource once, at its top, outside any closure:
//! the browser hydrates an island's resources in the order the server made them.

use crate::api::credentials::list_credentials;
use crate::error::AppError;
use domain::models::CredentialsPage;
use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct SettingsData {
    pub credentials: Resource<Result<CredentialsPage, AppError>>,
    /// Counts the changes made on the page: each one reloads the list.
    pub credentials_changes: RwSignal<usize>,
}

impl SettingsData {
    /// Makes the resource and provides it to the page. Call it once, at the top of the page's
    /// island, outside any closure.
    pub fn provide() {
        let credentials_changes = RwSignal::new(0);
        let data = SettingsData {
            credentials: Resource::new(
                move || credentials_changes.get(),
                |_| list_credentials(String::new()),
            ),
            credentials_changes,
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
