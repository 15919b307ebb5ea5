//! Settings › Organization › **Members**, rendered by the server. Each change is a form posted
//! by `RpcForm` (a role select or the credentials checkbox submits itself when changed); the
//! server function comes back here with a notice (`&notice=`). Removing asks first, in a
//! dialog that is a URL state (`&remove=USER_ID`), as is Invite member (`&dialog=invite`),
//! whose link is shown once, in the page, by `RpcForm`.

use crate::api::members::{InviteMember, RemoveMember, RevokeInvite, UpdateMember, list_members};
use crate::api::notice::Notice;
use crate::components::copy::CopyButton;
use crate::components::field::{Field, FormAlert};
use crate::components::modal::{ModalDialog, QueryButton};
use crate::components::rpc_form::{RevealForm, RpcForm};
use crate::csrf::CsrfField;
use crate::error::{field_error, general_error};
use domain::Role;
use domain::models::{Me, MemberView, MembersPage};
use leptos::prelude::*;
use server_fn::ServerFn;

#[component]
pub fn MembersSettings(
    me: Me,
    remove: Option<String>,
    notice: Option<String>,
    /// `invite`: the Invite member dialog is open.
    dialog: Option<String>,
) -> impl IntoView {
    let is_admin = me.permissions.can_manage_members();
    // Without JavaScript a refused change comes back in the URL; these read it.
    let refused = [
        ServerAction::<UpdateMember>::new()
            .value()
            .get_untracked()
            .and_then(|r| r.err()),
        ServerAction::<RemoveMember>::new()
            .value()
            .get_untracked()
            .and_then(|r| r.err()),
        ServerAction::<RevokeInvite>::new()
            .value()
            .get_untracked()
            .and_then(|r| r.err()),
    ]
    .into_iter()
    .flatten()
    .next()
    .map(|e| e.to_string());
    let notice = notice
        .as_deref()
        .and_then(|code| Notice::parse("members", code))
        .map(Notice::text);
    // A Suspense of its own: the console's renders what it holds, not what a Suspend in it
    // would resolve to later.
    let content = Suspend::new(async move {
        let page = match list_members().await {
            Ok(page) => page,
            Err(e) => {
                return view! { <div class="alert alert-error" role="alert">{e.to_string()}</div> }
                    .into_any();
            }
        };
        let confirm = remove
            .filter(|_| is_admin)
            .and_then(|id| page.members.iter().find(|m| m.user_id == id).cloned())
            .map(|member| view! { <RemoveDialog member/> });
        view! {
            <div class="settings-page">
                <div class="page-head">
                    <h3>"Members"</h3>
                    {is_admin.then(|| view! {
                        <QueryButton
                            query=super::settings_query("members", &[("dialog", "invite")])
                            label="Invite member"
                            class="btn btn-primary"
                            focus_key="invite-member".to_string()
                        />
                    })}
                </div>
                <RpcForm>
                    <div class="alert alert-error" role="alert" data-error-for="" hidden=refused.is_none()>
                        {refused.clone()}
                    </div>
                    {notice.map(|text| view! { <div class="alert alert-success" role="status">{text}</div> })}
                    <MembersTable page is_admin/>
                </RpcForm>
                {confirm}
                {(is_admin && dialog.as_deref() == Some("invite")).then(|| view! { <InviteDialogs/> })}
            </div>
        }
        .into_any()
    });
    view! { <Suspense fallback=|| view! { <p class="muted">"Loading members…"</p> }>{content}</Suspense> }
}

#[component]
fn MembersTable(page: MembersPage, is_admin: bool) -> impl IntoView {
    let rows = page
        .members
        .into_iter()
        .map(|m| view! { <MemberRow member=m is_admin/> })
        .collect_view();
    let invites = (is_admin && !page.invites.is_empty()).then(|| {
        let rows = page
            .invites
            .into_iter()
            .map(|i| {
                view! {
                    <tr>
                        <td data-label="Email">{i.email.clone()}</td>
                        <td data-label="Role">{i.role.as_str()}</td>
                        <td data-label="Manage API credentials">{if i.manage_credentials { "Yes" } else { "No" }}</td>
                        <td>
                            <form method="post" action=RevokeInvite::PATH>
                                <CsrfField/>
                                <input type="hidden" name="invite_id" value=i.id.clone()/>
                                <button
                                    type="submit"
                                    class="btn btn-ghost btn-small"
                                    aria-label=format!("Revoke invite for {}", i.email)
                                >
                                    "Revoke"
                                </button>
                            </form>
                        </td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <h4>"Pending invites"</h4>
            <table class="table card-rows">
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
        <table class="table members-table card-rows">
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

/// Without JavaScript, a change is sent with this button.
#[component]
fn SaveWithoutScript() -> impl IntoView {
    view! { <noscript><button type="submit" class="btn btn-small">"Save"</button></noscript> }
}

#[component]
fn MemberRow(member: MemberView, is_admin: bool) -> impl IntoView {
    let role = member.role;
    let flag = member.manage_credentials;
    let name = member.name.clone();
    if !is_admin {
        return view! {
            <tr>
                <td data-label="Name">{member.name}</td>
                <td data-label="Email">{member.email}</td>
                <td data-label="Role">{role.as_str()}</td>
                <td data-label="Manage API credentials">{if flag { "Yes" } else { "No" }}</td>
            </tr>
        }
        .into_any();
    }
    let id = member.user_id.clone();
    let (role_id, flag_id) = (format!("role-{id}"), format!("flag-{id}"));
    view! {
        <tr>
            <td data-label="Name">{member.name.clone()}</td>
            <td data-label="Email">{member.email.clone()}</td>
            <td data-label="Role">
                <form method="post" action=UpdateMember::PATH data-submit-on-change="">
                    <CsrfField/>
                    <input type="hidden" name="user_id" value=id.clone()/>
                    {flag.then(|| view! { <input type="hidden" name="manage_credentials" value="on"/> })}
                    <label class="visually-hidden" for=role_id.clone()>{format!("Role of {name}")}</label>
                    <select id=role_id name="role">
                        {Role::ALL
                            .into_iter()
                            .map(|r| view! { <option value=r.as_str() selected=r == role>{r.as_str()}</option> })
                            .collect_view()}
                    </select>
                    <SaveWithoutScript/>
                </form>
            </td>
            <td data-label="Manage API credentials">
                <form method="post" action=UpdateMember::PATH data-submit-on-change="">
                    <CsrfField/>
                    <input type="hidden" name="user_id" value=id.clone()/>
                    <input type="hidden" name="role" value=role.as_str()/>
                    <label class="visually-hidden" for=flag_id.clone()>
                        {format!("Manage API credentials for {name}")}
                    </label>
                    <input
                        type="checkbox"
                        id=flag_id
                        name="manage_credentials"
                        checked=flag
                        disabled=role == Role::Admin
                        title=(role == Role::Admin).then_some("Always on for Admins")
                    />
                    {(role != Role::Admin).then(|| view! { <SaveWithoutScript/> })}
                </form>
            </td>
            <td>
                <QueryButton
                    query=super::settings_query("members", &[("remove", &id)])
                    label="Remove"
                    class="btn btn-ghost btn-small"
                    aria_label=format!("Remove {}", member.name)
                    focus_key=format!("remove-{id}")
                />
            </td>
        </tr>
    }
    .into_any()
}

/// **Remove NAME?**: Cancel goes back to the page, Remove posts.
#[component]
fn RemoveDialog(member: MemberView) -> impl IntoView {
    view! {
        <ModalDialog title=format!("Remove {}?", member.name) opener=format!("remove-{}", member.user_id)>
            <p>
                {member.name.clone()} " (" {member.email.clone()} ") will lose access to "
                "this organization at once."
            </p>
            <RpcForm>
                <div class="alert alert-error" role="alert" data-error-for="" hidden=true></div>
                <div class="actions">
                    <QueryButton
                        query=super::settings_query("members", &[])
                        label="Cancel"
                        class="btn btn-ghost"
                        close=true
                    />
                    <form method="post" action=RemoveMember::PATH>
                        <CsrfField/>
                        <input type="hidden" name="user_id" value=member.user_id.clone()/>
                        <button type="submit" class="btn btn-danger">"Remove"</button>
                    </form>
                </div>
            </RpcForm>
        </ModalDialog>
    }
}

/// **Invite member**: the form, in a dialog that is a URL state (`&dialog=invite`), then the
/// link, shown once (so it never goes through a URL): `RpcForm` writes the answer into the
/// hidden **Invite created** dialog and shows it in the form's place. **Ok** goes back to the
/// page, the new invite in its table.
#[component]
fn InviteDialogs() -> impl IntoView {
    // Without JavaScript a refusal comes back in the URL (the button needs it, though: below).
    let outcome = ServerAction::<InviteMember>::new().value().get_untracked();
    let (email_error, role_error) = (
        field_error(&outcome, "email"),
        field_error(&outcome, "role"),
    );
    let general = general_error(&outcome);
    let back = || super::settings_query("members", &[]);
    view! {
        <ModalDialog title="Invite member".to_string() opener="invite-member".to_string()>
            <RpcForm>
                <RevealForm
                    id="invite-form"
                    action=InviteMember::PATH
                    reveal="invite-created"
                    needs_script="The invite link is shown only once, so inviting needs JavaScript."
                    back=back()
                    submit="Create invite"
                >
                    <FormAlert message=Signal::derive(move || general.clone())/>
                    <Field label="Email" name="email" kind="email" error=Signal::derive(move || email_error.clone())/>
                    <div class="field">
                        <label for="invite-role">"Role"</label>
                        <select id="invite-role" name="role" aria-describedby="invite-role-error">
                            <option value="Member" selected=true>"Member"</option>
                            <option value="Developer">"Developer"</option>
                            <option value="Admin">"Admin"</option>
                        </select>
                        <p class="field-error" id="invite-role-error" data-error-for="role" hidden=role_error.is_none()>
                            {role_error.clone()}
                        </p>
                    </div>
                    <div class="checkbox">
                        <input type="checkbox" id="invite-manage" name="manage_credentials" value="on"/>
                        <label for="invite-manage">"Manage API credentials"</label>
                    </div>
                </RevealForm>
            </RpcForm>
        </ModalDialog>
        <div id="invite-created" hidden=true>
            <ModalDialog title="Invite created".to_string() opener="invite-member".to_string()>
                <p>"Send this link to your colleague. It works once and expires in 7 days; it is not shown again."</p>
                <p class="invite-link"><a class="mono" data-reveal-href="" data-reveal-text=""></a></p>
                <div class="copy-row">
                    <label class="visually-hidden" for="invite-link">"Invite link"</label>
                    <input id="invite-link" type="text" readonly=true class="mono" data-reveal-value=""/>
                    <CopyButton target="invite-link".to_string()/>
                </div>
                <div class="actions">
                    <QueryButton query=back() label="Ok" class="btn btn-primary" close=true/>
                </div>
            </ModalDialog>
        </div>
    }
}
