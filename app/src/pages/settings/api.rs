use domain::models::Me;
use leptos::prelude::*;

/// The API page's frame. The credential tables and forms arrive with the credentials work;
/// without API access the page says so instead.
#[component]
pub fn ApiSettings(me: Me) -> impl IntoView {
    if !me.permissions.can_view_api_page() {
        return view! {
            <div class="settings-page">
                <h3>"API"</h3>
                <div class="alert" role="status">
                    "API access is not enabled for " {me.organization.name} "."
                </div>
            </div>
        }
        .into_any();
    }
    view! {
        <div class="settings-page">
            <h3>"API"</h3>
            <div class="banner" role="note">
                <h4>"Configure your API"</h4>
                <p>
                    "The recommended way in is an API Client using the secure OAuth 2.0 client "
                    "credentials flow, from your own backend. Restricted Access Tokens are for "
                    "front-end apps with no backend of their own."
                </p>
            </div>
        </div>
    }
    .into_any()
}
