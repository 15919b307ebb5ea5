//! Settings › Organization › **Audit log** (PRODUCT.md §9): for Admins, the organization's
//! events newest first, filtered by action and by actor, a page at a time, and **Export CSV**
//! (a plain link to `/audit-log.csv` with the same filters; the server streams it).

use super::data::{AuditFilter, SettingsData};
use domain::audit::{AuditAction, AuditEventView, AuditLogView, shown_change, shown_time};
use domain::models::time_ago;
use leptos::prelude::*;

#[island]
pub fn AuditLogSettings() -> impl IntoView {
    SettingsData::provide("audit");
    let data = SettingsData::get();
    let filter = data.audit_filter;
    // A page opened again starts unfiltered, as its selects do.
    if filter.get_untracked() != AuditFilter::default() {
        filter.set(AuditFilter::default());
    }
    // The cursors of the newer pages before the one shown.
    let newer = RwSignal::new(Vec::<String>::new());
    let (log, actors) = (data.audit_log, data.audit_actors);
    // A new filter shows its newest page.
    let refilter = move |change: fn(&mut AuditFilter, String), value: String| {
        newer.set(Vec::new());
        filter.update(|f| {
            change(f, value);
            f.cursor.clear();
        });
    };
    let export_href = move || {
        filter.with(|f| {
            let mut query = Vec::new();
            // Both values come from the lists below: action names and ids (letters, digits,
            // `.`, `_`, `-`), which need no escaping in a query.
            if !f.action.is_empty() {
                query.push(format!("action={}", f.action));
            }
            if !f.actor.is_empty() {
                query.push(format!("actor={}", f.actor));
            }
            if query.is_empty() {
                "/audit-log.csv".to_string()
            } else {
                format!("/audit-log.csv?{}", query.join("&"))
            }
        })
    };
    view! {
        <div class="settings-page audit-page">
            <div class="page-head">
                <h3>"Audit log"</h3>
                <a class="btn btn-ghost" href=export_href download="audit-log.csv">"Export CSV"</a>
            </div>
            <p class="hint">
                "Every change to credentials, members, invites, API access and signing keys, and "
                "every sign-in, newest first. Nobody can change or delete an event."
            </p>
            <div class="filters">
                <label class="field-inline">
                    <span>"Action"</span>
                    <select on:change=move |ev| {
                        refilter(|f, v| f.action = v, event_target_value(&ev));
                    }>
                        <option value="">"All actions"</option>
                        {AuditAction::ALL
                            .into_iter()
                            .map(|a| view! { <option value=a.as_str()>{a.as_str()}</option> })
                            .collect_view()}
                    </select>
                </label>
                // The actors come from a load of their own that no filter changes, so the
                // list is rendered once on the server and the select is never replaced (it
                // keeps the focus while the table below reloads).
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        let actors = match actors.await {
                            Some(Ok(actors)) => actors,
                            _ => Vec::new(),
                        };
                        view! {
                            <label class="field-inline">
                                <span>"Actor"</span>
                                <select on:change=move |ev| {
                                    refilter(|f, v| f.actor = v, event_target_value(&ev));
                                }>
                                    <option value="">"All actors"</option>
                                    {actors
                                        .into_iter()
                                        .map(|a| {
                                            let selected = filter.with_untracked(|f| f.actor == a.id);
                                            view! {
                                                <option value=a.id.clone() selected=selected>
                                                    {format!("{} ({})", a.name, a.kind.as_str())}
                                                </option>
                                            }
                                        })
                                        .collect_view()}
                                </select>
                            </label>
                        }
                    })}
                </Transition>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading the audit log…"</p> }>
                {move || Suspend::new(async move {
                    match log.await {
                        None => ().into_any(),
                        Some(Ok(view)) => view! { <AuditTable view filter newer/> }.into_any(),
                        Some(Err(e)) => view! { <div class="alert alert-error" role="alert">{e.to_string()}</div> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn AuditTable(
    view: AuditLogView,
    filter: RwSignal<AuditFilter>,
    newer: RwSignal<Vec<String>>,
) -> impl IntoView {
    let now = view.now;
    let next = view.page.next_cursor.clone();
    if view.page.data.is_empty() {
        return view! { <p class="muted">"No events."</p> }.into_any();
    }
    let rows = view
        .page
        .data
        .into_iter()
        .map(|e| view! { <AuditRow event=e now/> })
        .collect_view();
    let has_newer = move || !newer.read().is_empty();
    let older = next.clone();
    view! {
        // Focusable so the keyboard can scroll it sideways when it is wider than the page.
        <div class="table-scroll" tabindex="0" role="region" aria-label="Audit events">
            <table class="table audit-table">
                <thead>
                    <tr>
                        <th>"Time"</th>
                        <th>"Actor"</th>
                        <th>"Action"</th>
                        <th>"Target"</th>
                        <th>"Changes"</th>
                        <th>"Client address"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <nav class="pager" aria-label="Audit log pages">
            <button
                type="button"
                class="btn btn-ghost btn-small"
                disabled=move || !has_newer()
                on:click=move |_| {
                    let previous = newer.try_update(|stack| stack.pop()).flatten();
                    filter.update(|f| f.cursor = previous.unwrap_or_default());
                }
            >
                "Newer"
            </button>
            <button
                type="button"
                class="btn btn-ghost btn-small"
                disabled=next.is_none()
                on:click=move |_| {
                    if let Some(older) = older.clone() {
                        newer.update(|stack| stack.push(filter.with_untracked(|f| f.cursor.clone())));
                        filter.update(|f| f.cursor = older);
                    }
                }
            >
                "Older"
            </button>
        </nav>
    }
    .into_any()
}

#[component]
fn AuditRow(event: AuditEventView, now: i64) -> impl IntoView {
    let changes = event
        .changes
        .iter()
        .map(|(field, change)| {
            view! {
                <li><span class="change-field">{field.clone()}</span>": "{shown_change(change)}</li>
            }
        })
        .collect_view();
    let exact = shown_time(event.at);
    view! {
        <tr>
            <td>
                <time title=exact.clone()>{time_ago(Some(event.at), now)}</time>
                <span class="visually-hidden">{format!(" ({exact})")}</span>
            </td>
            <td>
                {event.actor.name.clone()}
                <span class="muted">{format!(" ({})", event.actor.kind.as_str())}</span>
            </td>
            <td><code>{event.action.as_str()}</code></td>
            <td>
                {event.target.name.clone()}
                <span class="muted">{format!(" ({})", event.target.kind)}</span>
            </td>
            <td><ul class="changes">{changes}</ul></td>
            <td>{event.client_ip.clone().unwrap_or_else(|| "-".to_string())}</td>
        </tr>
    }
}
