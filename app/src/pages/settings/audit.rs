//! Settings › Organization › **Audit log** (PRODUCT.md §9): for Admins, the organization's
//! events newest first, filtered by action and by actor, a page at a time, and **Export CSV**
//! (a plain link to `/audit-log.csv` with the same filters; the server streams it). Rendered by
//! the server: the filters are a `GET` form (submitted when a select changes, by `RpcForm`;
//! without JavaScript by its **Filter** button) and the pages are links, so the URL holds the
//! filters and the page shown (`&action=&actor=&cursor=&newer=`).

use crate::api::audit::{audit_actor_list, audit_log};
use crate::components::rpc_form::RpcForm;
use domain::audit::{AuditAction, AuditEventView, AuditLogView, shown_change, shown_time};
use domain::models::time_ago;
use leptos::prelude::*;

/// The audit log's place in the URL: an action and an actor (empty: any), the cursor of the
/// page shown (empty: the newest) and the cursors of the newer pages before it, comma-separated
/// (for **Newer**). Cursors are digits; actions and actor ids need no escaping.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AuditQuery {
    pub action: String,
    pub actor: String,
    pub cursor: String,
    pub newer: String,
}

impl AuditQuery {
    fn filters(&self) -> Vec<String> {
        let mut query = Vec::new();
        if !self.action.is_empty() {
            query.push(format!("action={}", self.action));
        }
        if !self.actor.is_empty() {
            query.push(format!("actor={}", self.actor));
        }
        query
    }

    /// The page at `cursor` with the same filters, `newer` before it.
    fn page_href(&self, cursor: &str, newer: &str) -> String {
        let mut query = self.filters();
        if !cursor.is_empty() {
            query.push(format!("cursor={cursor}"));
        }
        if !newer.is_empty() {
            query.push(format!("newer={newer}"));
        }
        let mut href = super::settings_link("audit");
        for pair in query {
            href.push('&');
            href.push_str(&pair);
        }
        href
    }

    /// **Newer**: the last of the newer cursors, if any.
    fn newer_href(&self) -> Option<String> {
        if self.newer.is_empty() && self.cursor.is_empty() {
            return None;
        }
        let (rest, last) = self
            .newer
            .rsplit_once(',')
            .unwrap_or(("", self.newer.as_str()));
        Some(self.page_href(last, rest))
    }

    /// **Older**: the page at `next`, this one's cursor added to the newer ones.
    fn older_href(&self, next: &str) -> String {
        let newer = if self.newer.is_empty() && self.cursor.is_empty() {
            // The newest page's cursor is empty: one empty entry stands for it.
            ",".to_string()
        } else {
            format!("{},{}", self.newer, self.cursor)
        };
        self.page_href(next, newer.trim_start_matches(','))
    }

    fn export_href(&self) -> String {
        let query = self.filters();
        if query.is_empty() {
            "/audit-log.csv".to_string()
        } else {
            format!("/audit-log.csv?{}", query.join("&"))
        }
    }
}

#[component]
pub fn AuditLogSettings(query: AuditQuery) -> impl IntoView {
    // A Suspense of its own: the console's renders what it holds, not what a Suspend in it
    // would resolve to later.
    let content = Suspend::new(async move {
        let q = query.clone();
        let (log, actors) = futures::join!(
            audit_log(q.action.clone(), q.actor.clone(), q.cursor.clone()),
            audit_actor_list()
        );
        let actors = actors.unwrap_or_default();
        let actions = AuditAction::ALL
            .into_iter()
            .map(|a| view! { <option value=a.as_str() selected=a.as_str() == query.action>{a.as_str()}</option> })
            .collect_view();
        let actors = actors
            .into_iter()
            .map(|a| {
                view! {
                    <option value=a.id.clone() selected=a.id == query.actor>
                        {format!("{} ({})", a.name, a.kind.as_str())}
                    </option>
                }
            })
            .collect_view();
        let table = match log {
            Ok(view) => view! { <AuditTable view query=query.clone()/> }.into_any(),
            Err(e) => view! { <div class="alert alert-error" role="alert">{e.to_string()}</div> }
                .into_any(),
        };
        view! {
            <div class="settings-page audit-page">
                <div class="page-head">
                    <h3>"Audit log"</h3>
                    <a class="btn btn-ghost" href=query.export_href() download="audit-log.csv">"Export CSV"</a>
                </div>
                <p class="hint">
                    "Every change to credentials, members, invites, API access and signing keys, and "
                    "every sign-in, newest first. Nobody can change or delete an event."
                </p>
                <RpcForm>
                    <form method="get" action="/" class="filters" data-submit-on-change="">
                        <input type="hidden" name="settings-modal" value="open"/>
                        <input type="hidden" name="path" value="audit"/>
                        <label class="field-inline">
                            <span>"Action"</span>
                            <select name="action">
                                <option value="">"All actions"</option>
                                {actions}
                            </select>
                        </label>
                        <label class="field-inline">
                            <span>"Actor"</span>
                            <select name="actor">
                                <option value="">"All actors"</option>
                                {actors}
                            </select>
                        </label>
                        <noscript><button type="submit" class="btn btn-small">"Filter"</button></noscript>
                    </form>
                </RpcForm>
                {table}
            </div>
        }
    });
    view! { <Suspense fallback=|| view! { <p class="muted">"Loading the audit log…"</p> }>{content}</Suspense> }
}

#[component]
fn AuditTable(view: AuditLogView, query: AuditQuery) -> impl IntoView {
    let now = view.now;
    if view.page.data.is_empty() {
        return view! { <p class="muted">"No events."</p> }.into_any();
    }
    let rows = view
        .page
        .data
        .into_iter()
        .map(|e| view! { <AuditRow event=e now/> })
        .collect_view();
    let page_link = |label: &'static str, href: Option<String>| match href {
        Some(href) => view! { <a class="btn btn-ghost btn-small" href=href>{label}</a> }.into_any(),
        None => view! { <span class="btn btn-ghost btn-small" aria-disabled="true">{label}</span> }
            .into_any(),
    };
    let older = view
        .page
        .next_cursor
        .as_deref()
        .map(|next| query.older_href(next));
    view! {
        // Focusable so the keyboard can scroll it sideways when it is wider than the page.
        <div class="table-scroll" tabindex="0" role="region" aria-label="Audit events">
            <table class="table audit-table card-rows">
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
            {page_link("Newer", query.newer_href())}
            {page_link("Older", older)}
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
            <td data-label="Time">
                <time title=exact.clone()>{time_ago(Some(event.at), now)}</time>
                <span class="visually-hidden">{format!(" ({exact})")}</span>
            </td>
            // One element per cell: on a phone the cell is a grid (its label, then its value).
            <td data-label="Actor">
                <span>
                    {event.actor.name.clone()}
                    <span class="muted">{format!(" ({})", event.actor.kind.as_str())}</span>
                </span>
            </td>
            <td data-label="Action"><code>{breakable_after_dots(event.action.as_str())}</code></td>
            <td data-label="Target">
                <span>
                    {event.target.name.clone()}
                    <span class="muted">{format!(" ({})", event.target.kind)}</span>
                </span>
            </td>
            <td data-label="Changes"><ul class="changes">{changes}</ul></td>
            <td data-label="Client address">{event.client_ip.clone().unwrap_or_else(|| "-".to_string())}</td>
        </tr>
    }
}

/// An action's name (one long word, `restricted_access_token.created`) that may break after
/// each dot, so that the table fits the dialog at 1280 px.
fn breakable_after_dots(name: &str) -> impl IntoView + use<> {
    let mut parts = name.split_inclusive('.').map(str::to_string).peekable();
    let mut pieces = Vec::new();
    while let Some(part) = parts.next() {
        let more = parts.peek().is_some();
        pieces.push(view! { {part} {more.then(|| view! { <wbr/> })} });
    }
    pieces.collect_view()
}

#[cfg(test)]
mod tests {
    use super::AuditQuery;

    fn at(cursor: &str, newer: &str) -> AuditQuery {
        AuditQuery {
            action: "member.updated".into(),
            cursor: cursor.into(),
            newer: newer.into(),
            ..Default::default()
        }
    }

    #[test]
    fn older_then_newer_walks_back_to_the_same_pages() {
        let base = "/?settings-modal=open&path=audit&action=member.updated";
        let newest = at("", "");
        assert_eq!(newest.newer_href(), None);
        assert_eq!(newest.older_href("90"), format!("{base}&cursor=90"));
        // Second page: Newer goes back to the newest.
        let second = at("90", "");
        assert_eq!(second.newer_href(), Some(base.to_string()));
        assert_eq!(
            second.older_href("40"),
            format!("{base}&cursor=40&newer=90")
        );
        // Third page: Newer goes to the second, which knows the newest is before it.
        let third = at("40", "90");
        assert_eq!(third.newer_href(), Some(format!("{base}&cursor=90")));
        assert_eq!(
            third.older_href("10"),
            format!("{base}&cursor=10&newer=90,40")
        );
        let fourth = at("10", "90,40");
        assert_eq!(
            fourth.newer_href(),
            Some(format!("{base}&cursor=40&newer=90"))
        );
    }

    #[test]
    fn the_export_keeps_the_filters_only() {
        assert_eq!(
            at("40", "90").export_href(),
            "/audit-log.csv?action=member.updated"
        );
        assert_eq!(AuditQuery::default().export_href(), "/audit-log.csv");
    }

    /// Rendered to HTML as the server does (the `ssr` feature; a workspace test build has it).
    #[cfg(feature = "ssr")]
    #[test]
    fn an_action_may_break_after_each_dot_only() {
        use super::breakable_after_dots;
        use leptos::prelude::RenderHtml;
        let html = breakable_after_dots("restricted_access_token.created").to_html();
        assert_eq!(
            html.replace("<!>", ""),
            "restricted_access_token.<wbr>created"
        );
        let html = breakable_after_dots("member.role.changed").to_html();
        assert_eq!(html.replace("<!>", ""), "member.<wbr>role.<wbr>changed");
        assert_eq!(
            breakable_after_dots("plain").to_html().replace("<!>", ""),
            "plain"
        );
    }
}
