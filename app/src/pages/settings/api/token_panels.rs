//! Add Restricted Access Token, Edit Restricted Access Token, and the dialog that shows a new
//! token once.

use super::fields::{BoundInput, LimitFields, LimitValues, general_error};
use super::lifecycle::{ReplaceSecret, previous_line};
use super::usage_chart::UsagePanel;
use super::{ApiPage, Kind};
use crate::api::credentials::{
    CreateRestrictedToken, RegenerateRestrictedToken, UpdateRestrictedToken,
};
use crate::components::copy::ShownOnceDialog;
use crate::components::slide_over::SlideOver;
use crate::error::AppError;
use domain::credentials::{AllowedIps, CredentialName, TokenStatus, form_date_of};
use domain::models::RestrictedTokenView;
use leptos::prelude::*;

#[derive(Clone, Copy)]
struct TokenValues {
    name: RwSignal<String>,
    ips: RwSignal<String>,
    expiration: RwSignal<String>,
    limits: LimitValues,
}

impl TokenValues {
    /// The server's rules but the date's, checked in the browser first.
    fn check(&self) -> Result<(), AppError> {
        CredentialName::parse(&self.name.get_untracked())?;
        AllowedIps::parse_list(&self.ips.get_untracked())?;
        self.limits.check()
    }
}

#[component]
fn TokenFields(values: TokenValues, outcome: Signal<Option<AppError>>) -> impl IntoView {
    view! {
        {general_error(outcome)}
        <BoundInput id="token-name" label="Token Name" field="name" value=values.name outcome/>
        <BoundInput
            id="token-ips"
            label="Allowed IP Addresses"
            field="allowed_ips"
            value=values.ips
            outcome
            placeholder="203.0.113.10, 198.51.100.0/24, 2001:db8::/32"
            hint="Comma-separated IPv4 or IPv6 addresses or CIDR ranges. Requests from anywhere else are refused."
        />
        <BoundInput
            id="token-expiration"
            label="Expiration date"
            field="expires_at"
            kind="date"
            value=values.expiration
            outcome
            hint="Optional. The token works through the end of this day (UTC)."
        />
        <LimitFields prefix="token" values=values.limits outcome disabled=false/>
    }
}

#[component]
pub(super) fn AddTokenPanel(page: ApiPage) -> impl IntoView {
    let values = TokenValues {
        name: RwSignal::new(String::new()),
        ips: RwSignal::new(String::new()),
        expiration: RwSignal::new(String::new()),
        limits: LimitValues::of(&Default::default()),
    };
    let outcome = Signal::derive(move || page.create_token.value().get().and_then(Result::err));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Err(refused) = values.check() {
            page.create_token.value().set(Some(Err(refused)));
            return;
        }
        page.create_token.dispatch(CreateRestrictedToken {
            name: values.name.get_untracked(),
            allowed_ips: values.ips.get_untracked(),
            expiration_date: values.expiration.get_untracked(),
            rate_limit_requests: values.limits.rate_requests.get_untracked(),
            rate_limit_per: values.limits.rate_per.get_untracked(),
            quota_requests: values.limits.quota_requests.get_untracked(),
            quota_per: values.limits.quota_per.get_untracked(),
        });
    };
    view! {
        <SlideOver title="Add Restricted Access Token" on_close=move |()| page.close()>
            <form class="stack" novalidate=true on:submit=submit>
                <TokenFields values outcome/>
                <div class="actions">
                    <button type="button" class="btn btn-ghost" on:click=move |_| page.close()>"Cancel"</button>
                    <button type="submit" class="btn btn-primary" disabled=move || page.create_token.pending().get()>
                        "Add"
                    </button>
                </div>
            </form>
        </SlideOver>
    }
}

#[component]
pub(super) fn EditTokenPanel(page: ApiPage, token: RestrictedTokenView) -> impl IntoView {
    let values = TokenValues {
        name: RwSignal::new(token.name.clone()),
        ips: RwSignal::new(token.allowed_ips.join(", ")),
        expiration: RwSignal::new(token.expires_at.map(form_date_of).unwrap_or_default()),
        limits: LimitValues::of(&token.limits),
    };
    let outcome = Signal::derive(move || page.update_token.value().get().and_then(Result::err));
    let id = token.id.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Err(refused) = values.check() {
            page.update_token.value().set(Some(Err(refused)));
            return;
        }
        page.update_token.dispatch(UpdateRestrictedToken {
            id: id.clone(),
            name: values.name.get_untracked(),
            allowed_ips: values.ips.get_untracked(),
            expiration_date: values.expiration.get_untracked(),
            rate_limit_requests: values.limits.rate_requests.get_untracked(),
            rate_limit_per: values.limits.rate_per.get_untracked(),
            quota_requests: values.limits.quota_requests.get_untracked(),
            quota_per: values.limits.quota_per.get_untracked(),
        });
    };
    let confirm = {
        let (id, name) = (token.id.clone(), token.name.clone());
        move |_| {
            page.confirm_delete
                .set(Some((Kind::RestrictedToken, id.clone(), name.clone())))
        }
    };
    let confirm_revoke = {
        let (id, name) = (token.id.clone(), token.name.clone());
        move |_| page.confirm_revoke.set(Some((id.clone(), name.clone())))
    };
    let regenerate = {
        let id = token.id.clone();
        move |keep_old_for_seconds: String| {
            page.regenerate_token.dispatch(RegenerateRestrictedToken {
                id: id.clone(),
                keep_old_for_seconds,
            });
        }
    };
    // A revoked token is kept for the record: it can be deleted, not changed.
    let revoked = token.status == TokenStatus::Revoked;
    let status_class = if token.status == TokenStatus::Active {
        "status status-ok"
    } else {
        "status status-bad"
    };
    let covered = Signal::derive(move || {
        page.confirm_delete.get().is_some() || page.confirm_revoke.get().is_some()
    });
    view! {
        <SlideOver title="Edit Restricted Access Token" on_close=move |()| page.close() covered>
            <form class="stack" novalidate=true on:submit=submit>
                <dl class="facts compact">
                    <dt>"Token"</dt>
                    <dd class="mono">
                        {format!("•••• {}", token.token_last_four)}
                        {previous_line(token.previous_token.clone())}
                    </dd>
                    <dt>"Status"</dt>
                    <dd><span class=status_class>{token.status.as_str()}</span></dd>
                    <dt>"Created"</dt>
                    <dd>{format!("{} by {}", domain::credentials::date_of(token.created_at), token.created_by)}</dd>
                </dl>
                {revoked.then(|| view! {
                    <p class="alert">"This token is revoked: it no longer works and cannot be changed. You can delete it."</p>
                })}
                <fieldset class="plain" disabled=revoked>
                    <TokenFields values outcome/>
                </fieldset>
                {(!revoked).then(|| view! {
                    <ReplaceSecret
                        prefix="token"
                        button="Regenerate token"
                        disabled=false
                        pending=page.regenerate_token.pending()
                        error=Signal::derive(move || page.regenerate_token.value().get().and_then(Result::err))
                        on_replace=regenerate.clone()
                    />
                })}
                <UsagePanel kind="restricted_access_token" id=token.id.clone()/>
                <div class="actions spread">
                    <div class="actions">
                        <button type="button" class="btn btn-danger-outline" on:click=confirm>"Delete"</button>
                        {(!revoked).then(|| view! {
                            <button type="button" class="btn btn-danger-outline" on:click=confirm_revoke.clone()>"Revoke"</button>
                        })}
                    </div>
                    <div class="actions">
                        <button type="button" class="btn btn-ghost" on:click=move |_| page.close()>"Cancel"</button>
                        {(!revoked).then(|| view! {
                            <button type="submit" class="btn btn-primary" disabled=move || page.update_token.pending().get()>
                                "Update"
                            </button>
                        })}
                    </div>
                </div>
            </form>
        </SlideOver>
    }
}

#[component]
pub(super) fn TokenCreatedDialog(page: ApiPage) -> impl IntoView {
    move || {
        page.create_token
            .value()
            .get()
            .and_then(Result::ok)
            .map(|created| {
                // The copy button is named "Copy value": "Token" would contain "ok" and collide
                // with the Ok button's name in accessible-name lookups.
                let values = vec![("Token", created.secret.into_exposed(), "value")];
                view! {
                    <ShownOnceDialog
                        title="Restricted Access Token Created"
                        secret_name="token"
                        values
                        on_close=move |()| page.create_token.value().set(None)
                    />
                }
            })
    }
}
