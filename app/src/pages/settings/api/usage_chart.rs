//! The Edit slide-overs' usage: the last use and a chart of the last 7 days (PRODUCT.md §9),
//! drawn as SVG by the server. Allowed requests are solid bars, refused ones outlined and
//! hatched, so the chart reads without colour; the table under it says the same in text.

use crate::error::AppError;
use domain::models::{DayUsage, UsageView, time_ago};
use leptos::prelude::*;

const WIDTH: f64 = 336.0;
const HEIGHT: f64 = 120.0;
const BAR: f64 = 18.0;

/// `kind`: `api_client` or `restricted_access_token`, for the heading's id.
#[component]
pub(super) fn UsagePanel(kind: &'static str, usage: Result<UsageView, AppError>) -> impl IntoView {
    view! {
        <section class="usage" aria-labelledby=format!("usage-{kind}")>
            <h3 id=format!("usage-{kind}")>"Usage, last 7 days"</h3>
            {match usage {
                Ok(usage) => view! { <UsageChart usage/> }.into_any(),
                Err(e) => view! { <p class="alert alert-error" role="alert">{e.to_string()}</p> }.into_any(),
            }}
        </section>
    }
}

fn day_label(day: &DayUsage) -> String {
    domain::credentials::date_of(day.day_start)
}

#[component]
fn UsageChart(usage: UsageView) -> impl IntoView {
    let now = usage.now;
    let days = usage.days();
    let (allowed, refused) = days
        .iter()
        .fold((0, 0), |(a, r), d| (a + d.allowed, r + d.refused));
    let most = days
        .iter()
        .map(|d| d.allowed.max(d.refused))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let step = WIDTH / days.len().max(1) as f64;
    let height = |n: i64| (n as f64 / most * (HEIGHT - 20.0)).max(if n > 0 { 1.0 } else { 0.0 });
    let bars = days
        .iter()
        .enumerate()
        .map(|(i, day)| {
            let x = i as f64 * step + 4.0;
            let (ha, hr) = (height(day.allowed), height(day.refused));
            let label = day_label(day);
            view! {
                <g>
                    <rect class="bar-allowed" x=x y=HEIGHT - 16.0 - ha width=BAR height=ha>
                        <title>{format!("{label}: {} allowed", day.allowed)}</title>
                    </rect>
                    <rect class="bar-refused" x=x + BAR + 2.0 y=HEIGHT - 16.0 - hr width=BAR height=hr>
                        <title>{format!("{label}: {} refused", day.refused)}</title>
                    </rect>
                    <text x=x + BAR y=HEIGHT - 3.0 text-anchor="middle">{label[5..].to_string()}</text>
                </g>
            }
        })
        .collect_view();
    let summary = format!("{allowed} allowed and {refused} refused requests in the last 7 days");
    let rows = days
        .iter()
        .map(|day| {
            view! {
                <tr>
                    <th scope="row">{day_label(day)}</th>
                    <td>{day.allowed}</td>
                    <td>{day.refused}</td>
                </tr>
            }
        })
        .collect_view();
    let last = match (usage.last_used_at, usage.last_used_ip.clone()) {
        (None, _) => "Never used".to_string(),
        (Some(at), Some(ip)) => format!("Last used {} from {ip}", time_ago(Some(at), now)),
        (Some(at), None) => format!("Last used {}", time_ago(Some(at), now)),
    };
    view! {
        <p class="usage-last">{last}</p>
        <svg
            class="usage-chart"
            role="img"
            aria-label=summary.clone()
            viewBox=format!("0 0 {WIDTH} {HEIGHT}")
            width="100%"
        >
            <defs>
                <pattern id="refused-hatch" width="4" height="4" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                    <line x1="0" y1="0" x2="0" y2="4" class="hatch"/>
                </pattern>
            </defs>
            {bars}
        </svg>
        <p class="legend">
            <span class="key key-allowed" aria-hidden="true"></span>" allowed "
            <span class="key key-refused" aria-hidden="true"></span>" refused"
        </p>
        <details class="usage-table">
            <summary>{format!("As a table: {summary}")}</summary>
            <table class="table compact">
                <thead>
                    <tr><th scope="col">"Day (UTC)"</th><th scope="col">"Allowed"</th><th scope="col">"Refused"</th></tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </details>
    }
}
