use super::data::{SettingsData, reload_on_change};
use crate::api::members::{InviteMember, RemoveMember, RevokeInvite, UpdateMember};
use crate::components::dialog::Dialog;
use crate::components::field::{Field, FormAlert};
use crate::csrf::CsrfField;
use crate::error::{AppError, field_error, general_error};
use domain::Role;
use domain::models::{Me, MemberView, MembersPage};
use leptos::prelude::*;

#[island]
pub fn MembersSettings(me: Me) -> impl IntoView {
    SettingsData::provide("members");
    let is_admin = me.permissions.can_manage_members();
    let update = ServerAction::<UpdateMember>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let invite = ServerAction::<InviteMember>::new();
    let revoke = ServerAction::<RevokeInvite>::new();
    let data = SettingsData::get();
    reload_on_change(data.members_changes, move || {
        update.version().get()
            + remove.version().get()
            + invite.version().get()
            + revoke.version().get()
    });
    let page = data.members;
    let show_invite_form = RwSignal::new(false);
    let to_remove = RwSignal::new(None::<MemberView>);

    // One line under the table for what the last change did.
    let notice = move || {
        let err = |v: Option<Result<_, AppError>>| v.and_then(|r| r.err());
        if let Some(e) = err(update.value().get().map(|r| r.map(|_| ())))
            .or_else(|| err(remove.value().get()))
            .or_else(|| err(revoke.value().get()))
        {
            return Some(
                view! { <div class="alert alert-error" role="alert">{e.to_string()}</div> }
                    .into_any(),
            );
        }
        if matches!(update.value().get(), Some(Ok(_))) {
            return Some(
                view! { <div class="alert alert-success" role="status">"Member updated"</div> }
                    .into_any(),
            );
        }
        if matches!(remove.value().get(), Some(Ok(()))) {
            return Some(
                view! { <div class="alert alert-success" role="status">"Member removed"</div> }
                    .into_any(),
            );
        }
        None
    };

    view! {
        <div class="settings-page">
            <div class="page-head">
                <h3>"Members"</h3>
                {is_admin.then(|| view! {
                    <button
                        type="button"
                        class="btn btn-primary"
                        aria-expanded=move || show_invite_form.get().to_string()
                        on:click=move |_| show_invite_form.update(|v| *v = !*v)
                    >
                        "Invite member"
                    </button>
                })}
            </div>
            <Show when=move || is_admin && show_invite_form.get()>
                <InviteDialogs invite on_done=move || show_invite_form.set(false)/>
            </Show>
            {notice}
            // While the invite dialog is up, the table behind it stays out of the way (and out
            // of the accessibility tree).
            <Show when=move || !show_invite_form.get()>
            <Transition fallback=|| view! { <p class="muted">"Loading members…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Some(Ok(page)) => view! { <MembersTable page is_admin update to_remove revoke/> }.into_any(),
                        Some(Err(e)) => view! { <div class="alert alert-error" role="alert">{e.to_string()}</div> }.into_any(),
                        None => ().into_any(),
                    }
                })}
            </Transition>
            </Show>
            {move || to_remove.get().map(|member| {
                let user_id = member.user_id.clone();
                view! {
                    <Dialog title=format!("Remove {}?", member.name) on_close=move |()| to_remove.set(None)>
                        <p>
                            {member.name.clone()} " (" {member.email.clone()} ") will lose access to "
                            "this organization at once."
                        </p>
                        <div class="actions">
                            <button type="button" class="btn btn-ghost" on:click=move |_| to_remove.set(None)>
                                "Cancel"
                            </button>
                            <button
                                type="button"
                                class="btn btn-danger"
                                on:click=move |_| {
                                    remove.dispatch(RemoveMember { user_id: user_id.clone() });
                                    to_remove.set(None);
                                }
                            >
                                "Remove"
                            </button>
                        </div>
                    </Dialog>
                }
            })}
        </div>
    }
    .into_any()
}

#[component]
fn MembersTable(
    page: MembersPage,
    is_admin: bool,
    update: ServerAction<UpdateMember>,
    to_remove: RwSignal<Option<MemberView>>,
    revoke: ServerAction<RevokeInvite>,
) -> impl IntoView {
    let rows = page
        .members
        .into_iter()
        .map(|m| view! { <MemberRow member=m is_admin update to_remove/> })
        .collect_view();
    let invites = (is_admin && !page.invites.is_empty()).then(|| {
        let rows = page
            .invites
            .into_iter()
            .map(|i| {
                let id = i.id.clone();
                view! {
                    <tr>
                        <td>{i.email.clone()}</td>
                        <td>{i.role.as_str()}</td>
                        <td>{if i.manage_credentials { "Yes" } else { "No" }}</td>
                        <td>
                            <button
                                type="button"
                                class="btn btn-ghost btn-small"
                                aria-label=format!("Revoke invite for {}", i.email)
                                on:click=move |_| {
                                    revoke.dispatch(RevokeInvite { invite_id: id.clone() });
                                }
                            >
                                "Revoke"
                            </button>
                        </td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <h4>"Pending invites"</h4>
            <table class="table">
                <thead>
                    <tr><th>"Email"</th><th>"Role"</th><th>"Manage API credentials"</th><th></th></tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        }
    });
    view! {
        // Focusable so the keyboard can scroll it sideways on a narrow screen.
        <div class="table-scroll" tabindex="0" role="region" aria-label="Members">
        <table class="table members-table">
            <thead>
                <tr>
                    <th>"Name"</th>
                    <th>"Email"</th>
                    <th>"Role"</th>
                    <th>"Manage API credentials"</th>
                    {is_admin.then(|| view! { <th><span class="visually-hidden">"Actions"</span></th> })}
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        </div>
        {invites}
    }
    .into_any()
}

#[component]
fn MemberRow(
    member: MemberView,
    is_admin: bool,
    update: ServerAction<UpdateMember>,
    to_remove: RwSignal<Option<MemberView>>,
) -> impl IntoView {
    let role = member.role;
    let flag = member.manage_credentials;
    let name = member.name.clone();
    if !is_admin {
        return view! {
            <tr>
                <td>{member.name}</td>
                <td>{member.email}</td>
                <td>{role.as_str()}</td>
                <td>{if flag { "Yes" } else { "No" }}</td>
            </tr>
        }
        .into_any();
    }
    let (id_a, id_b) = (member.user_id.clone(), member.user_id.clone());
    let for_remove = member.clone();
    let (role_id, flag_id) = (
        format!("role-{}", member.user_id),
        format!("flag-{}", member.user_id),
    );
    view! {
        <tr>
            <td>{member.name.clone()}</td>
            <td>{member.email.clone()}</td>
            <td>
                <label class="visually-hidden" for=role_id.clone()>{format!("Role of {name}")}</label>
                <select
                    id=role_id
                    on:change=move |ev| {
                        update.dispatch(UpdateMember {
                            user_id: id_a.clone(),
                            role: event_target_value(&ev),
                            manage_credentials: flag,
                        });
                    }
                >
                    {Role::ALL
                        .into_iter()
                        .map(|r| view! { <option value=r.as_str() selected=r == role>{r.as_str()}</option> })
                        .collect_view()}
                </select>
            </td>
            <td>
                <label class="visually-hidden" for=flag_id.clone()>
                    {format!("Manage API credentials for {name}")}
                </label>
                <input
                    type="checkbox"
                    id=flag_id
                    checked=flag
                    disabled=role == Role::Admin
                    title=(role == Role::Admin).then_some("Always on for Admins")
                    on:change=move |ev| {
                        update.dispatch(UpdateMember {
                            user_id: id_b.clone(),
                            role: role.as_str().to_string(),
                            manage_credentials: event_target_checked(&ev),
                        });
                    }
                />
            </td>
            <td>
                <button
                    type="button"
                    class="btn btn-ghost btn-small"
                    aria-label=format!("Remove {}", member.name)
                    on:click=move |_| to_remove.set(Some(for_remove.clone()))
                >
                    "Remove"
                </button>
            </td>
        </tr>
    }
    .into_any()
}

#[component]
fn InviteDialogs(
    invite: ServerAction<InviteMember>,
    on_done: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let outcome = Signal::derive(move || invite.value().get());
    let link = move || match invite.value().get() {
        Some(Ok(link)) => Some(link),
        _ => None,
    };
    let copied = RwSignal::new(false);
    let close = Callback::new(move |()| {
        invite.value().set(None);
        on_done();
    });
    view! {
        <Show when=move || link().is_none()>
            <Dialog title="Invite member".to_string() on_close=close>
                <ActionForm action=invite attr:novalidate=true attr:class="stack">
                    <CsrfField/>
                    <FormAlert message=Signal::derive(move || general_error(&outcome.get()))/>
                    <Field label="Email" name="email" kind="email" error=Signal::derive(move || field_error(&outcome.get(), "email"))/>
                    <div class="field">
                        <label for="invite-role">"Role"</label>
                        <select id="invite-role" name="role">
                            <option value="Member" selected=true>"Member"</option>
                            <option value="Developer">"Developer"</option>
                            <option value="Admin">"Admin"</option>
                        </select>
                        {move || field_error(&outcome.get(), "role").map(|m| view! { <p class="field-error">{m}</p> })}
                    </div>
                    <div class="checkbox">
                        <input type="checkbox" id="invite-manage" name="manage_credentials" value="on"/>
                        <label for="invite-manage">"Manage API credentials"</label>
                    </div>
                    <div class="actions">
                        <button type="button" class="btn btn-ghost" on:click=move |_| close.run(())>"Cancel"</button>
                        <button type="submit" class="btn btn-primary" disabled=move || invite.pending().get()>
                            "Create invite"
                        </button>
                    </div>
                </ActionForm>
            </Dialog>
        </Show>
        {move || link().map(|link| {
            let to_copy = link.clone();
            view! {
                <Dialog title="Invite created".to_string() on_close=close>
                    <p>"Send this link to your colleague. It works once and expires in 7 days; it is not shown again."</p>
                    <p class="invite-link"><a class="mono" href=link.clone()>{link.clone()}</a></p>
                    <div class="copy-row">
                        <label class="visually-hidden" for="invite-link">"Invite link"</label>
                        <input id="invite-link" type="text" readonly=true class="mono" value=link.clone()/>
                        <button
                            type="button"
                            class="btn"
                            on:click=move |_| {
                                crate::components::clipboard::copy(to_copy.clone());
                                copied.set(true);
                            }
                        >
                            {move || if copied.get() { "Copied" } else { "Copy" }}
                        </button>
                    </div>
                    <div class="actions">
                        <button type="button" class="btn btn-primary" on:click=move |_| close.run(())>
                            "Ok"
                        </button>
                    </div>
                </Dialog>
            }
        })}
    }
    .into_any()
}
