//! **Add Restricted Access Token** and **Edit Restricted Access Token**, rendered by the server,
//! and the dialogs that show a new token once.

use super::fields::{FormError, LimitFields, Refusal, TextField};
use super::lifecycle::{Confirm, ReplaceSecret, asking_button, previous_line};
use super::tables::status_class;
use super::usage_chart::UsagePanel;
use super::{Ask, Panel, here};
use crate::api::credentials::{
    CreateRestrictedToken, DeleteRestrictedToken, RegenerateRestrictedToken, RevokeRestrictedToken,
    UpdateRestrictedToken, credential_usage, get_restricted_token,
};
use crate::components::copy::ShownOnce;
use crate::components::modal::QueryButton;
use crate::components::rpc_form::{RevealForm, RpcForm};
use crate::components::slide_over::SlideOver;
use crate::csrf::CsrfField;
use domain::credentials::{Limits, TokenStatus, form_date_of};
use domain::models::{RestrictedTokenView, UsageView};
use leptos::prelude::*;
use server_fn::ServerFn;

#[component]
fn TokenFields(
    name: String,
    ips: String,
    expiration: String,
    limits: Limits,
    refusal: Refusal,
) -> impl IntoView {
    view! {
        <FormError refusal=refusal.clone()/>
        <TextField id="token-name" label="Token Name" name="name" field="name" value=name refusal=refusal.clone()/>
        <TextField
            id="token-ips"
            label="Allowed IP Addresses"
            name="allowed_ips"
            field="allowed_ips"
            value=ips
            refusal=refusal.clone()
            placeholder="203.0.113.10, 198.51.100.0/24, 2001:db8::/32"
            hint="Comma-separated IPv4 or IPv6 addresses or CIDR ranges. Requests from anywhere else are refused."
        />
        <TextField
            id="token-expiration"
            label="Expiration date"
            name="expiration_date"
            field="expires_at"
            kind="date"
            value=expiration
            refusal=refusal.clone()
            hint="Optional. The token works through the end of this day (UTC)."
        />
        <LimitFields prefix="token" limits refusal/>
    }
}

/// The dialog a new or regenerated token shows in. "Copy value": "Copy Token" would contain
/// "ok" and collide with the Ok button's name in accessible-name lookups.
fn token_dialog(
    id: &'static str,
    title: &'static str,
    secret_name: &'static str,
    opener: String,
) -> impl IntoView {
    view! {
        <ShownOnce id title secret_name values=vec![("Token", "secret", "value")] back=here(&[]) opener/>
    }
}

#[component]
pub(super) fn AddTokenPanel() -> impl IntoView {
    let refusal = ServerAction::<CreateRestrictedToken>::new()
        .value()
        .get_untracked()
        .and_then(Result::err);
    view! {
        <SlideOver title="Add Restricted Access Token" opener="add-new-button".to_string()>
            <RpcForm>
                <RevealForm
                    id="token-form"
                    action=CreateRestrictedToken::PATH
                    reveal="token-created"
                    needs_script="The token is shown only once, so adding one needs JavaScript."
                    back=here(&[])
                    submit="Add"
                >
                    <TokenFields
                        name=String::new()
                        ips=String::new()
                        expiration=String::new()
                        limits=Limits::default()
                        refusal
                    />
                </RevealForm>
            </RpcForm>
        </SlideOver>
        {token_dialog("token-created", "Restricted Access Token Created", "token", "add-new-button".to_string())}
    }
}

#[component]
pub(super) fn EditTokenPanel(
    id: String,
    /// The confirmation open over it.
    confirm: Option<Ask>,
) -> impl IntoView {
    let loaded = Suspend::new(async move {
        let (token, usage) = futures::join!(
            get_restricted_token(id.clone()),
            credential_usage("restricted_access_token".to_string(), id.clone())
        );
        match token {
            Ok(token) => view! { <EditToken token usage confirm/> }.into_any(),
            Err(e) => view! { <div class="alert alert-error" role="alert">{e.to_string()}</div> }
                .into_any(),
        }
    });
    view! { <Suspense fallback=|| ()>{loaded}</Suspense> }
}

#[component]
fn EditToken(
    token: RestrictedTokenView,
    usage: Result<UsageView, crate::error::AppError>,
    confirm: Option<Ask>,
) -> impl IntoView {
    let refusal = ServerAction::<UpdateRestrictedToken>::new()
        .value()
        .get_untracked()
        .and_then(Result::err);
    let id = token.id.clone();
    // A revoked token is kept for the record: it can be deleted, not changed.
    let revoked = token.status == TokenStatus::Revoked;
    let opener = format!("row-{id}");
    let name = token.name.clone();
    let confirm = match confirm {
        Some(Ask::Delete) => Some(view! {
            <Confirm ask=Ask::Delete name=name.clone() id=id.clone() panel=Panel::EditToken action=DeleteRestrictedToken::PATH>
                <p>
                    "The Restricted Access Token " <strong>{name.clone()}</strong>
                    " stops working at once. This cannot be undone."
                </p>
            </Confirm>
        }.into_any()),
        Some(Ask::Revoke) if !revoked => Some(view! {
            <Confirm ask=Ask::Revoke name=name.clone() id=id.clone() panel=Panel::EditToken action=RevokeRestrictedToken::PATH>
                <p>
                    "The Restricted Access Token " <strong>{name.clone()}</strong>
                    " stops working at once and for good. It stays listed as revoked and can "
                    "no longer be changed; you can still delete it."
                </p>
            </Confirm>
        }.into_any()),
        _ => None,
    };
    view! {
        <SlideOver title="Edit Restricted Access Token" opener=opener.clone()>
            <RpcForm>
                <dl class="facts compact">
                    <dt>"Token"</dt>
                    <dd class="mono">
                        {format!("•••• {}", token.token_last_four)}
                        {previous_line(token.previous_token.clone())}
                    </dd>
                    <dt>"Status"</dt>
                    <dd><span class=status_class(token.status == TokenStatus::Active)>{token.status.as_str()}</span></dd>
                    <dt>"Created"</dt>
                    <dd>{format!("{} by {}", domain::credentials::date_of(token.created_at), token.created_by)}</dd>
                </dl>
                {revoked.then(|| view! {
                    <p class="alert">"This token is revoked: it no longer works and cannot be changed. You can delete it."</p>
                })}
                <form id="token-form" method="post" action=UpdateRestrictedToken::PATH novalidate=true class="stack">
                    <CsrfField/>
                    <input type="hidden" name="id" value=id.clone()/>
                    <fieldset class="plain stack" disabled=revoked>
                        <TokenFields
                            name=token.name.clone()
                            ips=token.allowed_ips.join(", ")
                            expiration=token.expires_at.map(form_date_of).unwrap_or_default()
                            limits=token.limits
                            refusal
                        />
                    </fieldset>
                </form>
                {(!revoked).then(|| view! {
                    <ReplaceSecret
                        prefix="token"
                        button="Regenerate token"
                        action=RegenerateRestrictedToken::PATH
                        reveal="token-regenerated"
                        id=id.clone()
                        disabled=false
                    />
                })}
                <UsagePanel kind="restricted_access_token" usage/>
                <div class="actions spread">
                    <div class="actions">
                        {asking_button(Ask::Delete, Panel::EditToken, &id, false)}
                        {(!revoked).then(|| asking_button(Ask::Revoke, Panel::EditToken, &id, false))}
                    </div>
                    <div class="actions">
                        <QueryButton query=here(&[]) label="Cancel" class="btn btn-ghost" close=true/>
                        {(!revoked).then(|| view! {
                            <button type="submit" form="token-form" class="btn btn-primary">"Update"</button>
                        })}
                    </div>
                </div>
            </RpcForm>
        </SlideOver>
        {confirm}
        {token_dialog("token-regenerated", "Restricted Access Token Regenerated", "new token", opener)}
    }
}
