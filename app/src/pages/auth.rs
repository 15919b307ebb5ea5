//! The pages before the console: `/setup`, `/login`, `/signup` and `/invite/...`. Each is a
//! server-rendered form that works before (or without) the WASM, which then enhances it.

use crate::api::auth::{AcceptInvite, SetUp, SignIn, SignUp, get_invite};
use crate::components::field::{Field, FormAlert};
use crate::components::rpc_form::RpcForm;
use crate::csrf::CsrfField;
use crate::error::{Submission, field_error, general_error};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use server_fn::ServerFn;

#[component]
pub(crate) fn AuthLayout(
    title: &'static str,
    subtitle: &'static str,
    children: Children,
) -> impl IntoView {
    view! {
        <Title text=format!("{title} · Portcullis")/>
        <main class="auth-page">
            <div class="auth-card">
                <p class="brand">"Portcullis"</p>
                <h1>{title}</h1>
                <p class="muted">{subtitle}</p>
                {children()}
            </div>
        </main>
    }
}

fn errors_of(outcome: Signal<Submission<()>>, field: &'static str) -> Signal<Option<String>> {
    Signal::derive(move || field_error(&outcome.get(), field))
}

/// Your name, Email, Password, Organization name: the fields of setup and sign-up.
#[component]
fn AccountFields(outcome: Signal<Submission<()>>) -> impl IntoView {
    view! {
        <FormAlert message=Signal::derive(move || general_error(&outcome.get()))/>
        <CsrfField/>
        <Field label="Your name" name="name" autocomplete="name" error=errors_of(outcome, "name")/>
        <Field label="Email" name="email" kind="email" autocomplete="email" error=errors_of(outcome, "email")/>
        <Field
            label="Password"
            name="password"
            kind="password"
            autocomplete="new-password"
            error=errors_of(outcome, "password")
        />
        <p class="hint">"12 to 128 characters."</p>
        <Field
            label="Organization name"
            name="organization_name"
            autocomplete="organization"
            error=errors_of(outcome, "organization_name")
        />
    }
}

/// The setup and sign-up form, posted to the server function at `path`; `outcome` is its
/// refusal, when the browser posted it without the WASM and came back.
#[component]
fn AccountForm(path: &'static str, outcome: Submission<()>) -> impl IntoView {
    let outcome = Signal::derive(move || outcome.clone());
    view! {
        <RpcForm>
            <form method="post" action=path novalidate=true class="stack">
                <AccountFields outcome/>
                <button type="submit" class="btn btn-primary">"Create account"</button>
            </form>
        </RpcForm>
    }
}

#[component]
pub fn SetupPage() -> impl IntoView {
    let outcome = ServerAction::<SetUp>::new().value().get_untracked();
    view! {
        <AuthLayout title="Set up Portcullis" subtitle="Create the first account and its organization.">
            <AccountForm path=SetUp::PATH outcome/>
        </AuthLayout>
    }
}

#[component]
pub fn SignupPage() -> impl IntoView {
    let outcome = ServerAction::<SignUp>::new().value().get_untracked();
    view! {
        <AuthLayout title="Create your organization" subtitle="You will be its first Admin.">
            <AccountForm path=SignUp::PATH outcome/>
            <p class="muted">"Already have an account? " <a href="/login">"Sign in"</a></p>
        </AuthLayout>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let action = ServerAction::<SignIn>::new();
    let outcome = Signal::derive(move || action.value().get());
    view! {
        <AuthLayout title="Sign in" subtitle="Sign in to manage your API credentials.">
            <RpcForm>
                <ActionForm action=action attr:novalidate=true attr:class="stack">
                    <FormAlert message=Signal::derive(move || general_error(&outcome.get()))/>
                    <CsrfField/>
                    {move || query.read().get("next").map(|next| view! { <input type="hidden" name="next" value=next/> })}
                    <Field label="Email" name="email" kind="email" autocomplete="username" error=errors_of(outcome, "email")/>
                    <Field
                        label="Password"
                        name="password"
                        kind="password"
                        autocomplete="current-password"
                        error=errors_of(outcome, "password")
                    />
                    <button type="submit" class="btn btn-primary">
                        "Sign in"
                    </button>
                </ActionForm>
            </RpcForm>
        </AuthLayout>
    }
}

#[component]
pub fn InvitePage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let invite = Resource::new(token, get_invite);
    let action = ServerAction::<AcceptInvite>::new();
    let outcome = Signal::derive(move || action.value().get());
    view! {
        <AuthLayout title="Join your team" subtitle="Choose your name and a password to join.">
            <Suspense fallback=|| view! { <p class="muted">"Loading the invite…"</p> }>
                {Suspend::new(async move {
                    match invite.await {
                        Ok(preview) => view! {
                            <p class="invite-summary">
                                "You were invited to " <strong>{preview.organization_name}</strong>
                                " as " <strong>{preview.role.as_str()}</strong> " with "
                                <strong>{preview.email}</strong> "."
                            </p>
                            <RpcForm>
                                <ActionForm action=action attr:novalidate=true attr:class="stack">
                                    <FormAlert message=Signal::derive(move || general_error(&outcome.get()))/>
                                    <CsrfField/>
                                    <input type="hidden" name="token" value=token()/>
                                    <Field label="Your name" name="name" autocomplete="name" error=errors_of(outcome, "name")/>
                                    <Field
                                        label="Password"
                                        name="password"
                                        kind="password"
                                        autocomplete="new-password"
                                        error=errors_of(outcome, "password")
                                    />
                                    <p class="hint">"12 to 128 characters."</p>
                                    <button type="submit" class="btn btn-primary">
                                        "Join"
                                    </button>
                                </ActionForm>
                            </RpcForm>
                        }
                        .into_any(),
                        Err(_) => view! {
                            <div class="alert alert-error" role="alert">
                                "This invite link is invalid, already used, or expired. Ask an Admin for a new one."
                            </div>
                        }
                        .into_any(),
                    }
                })}
            </Suspense>
        </AuthLayout>
    }
}
