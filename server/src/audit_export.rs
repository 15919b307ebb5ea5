//! `GET /audit-log.csv`: the console's **Export CSV** (PRODUCT.md §9). For an Admin's session,
//! the organization's audit log (with the page's filters) as CSV, newest first, streamed a page
//! of rows at a time: the answer is never held in memory whole, whatever the log's size.

use crate::AppState;
use crate::api::AuditQuery;
use crate::api::rfc3339;
use app::ssr::cookie_value;
use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::audit::{AuditEventView, AuditFilter};
use services::{Principal, ServiceError};

pub const PATH: &str = "/audit-log.csv";

/// Rows read from the database per step of the stream.
const ROWS_PER_READ: i64 = 1_000;

const HEADER: &str = "time,action,actor_type,actor_id,actor_name,client_ip,target_type,target_id,target_name,changes\r\n";

pub async fn export(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let principal = match signed_in(&state, &headers).await {
        Ok(Some(principal)) => principal,
        Ok(None) => return refuse(StatusCode::UNAUTHORIZED, "Sign in to export the audit log."),
        Err(err) => {
            tracing::warn!(error = %err, "audit export: session lookup failed");
            return refuse(StatusCode::SERVICE_UNAVAILABLE, "Try again in a moment.");
        }
    };
    if principal.audit_reader().is_err() {
        return refuse(
            StatusCode::FORBIDDEN,
            "Only Admins can export the audit log.",
        );
    }
    let query = match AuditQuery::parse(raw.as_deref()) {
        Ok(query) => query,
        Err(message) => return refuse(StatusCode::BAD_REQUEST, &message),
    };
    let body = Body::from_stream(rows(state, principal, query.filter));
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"audit-log.csv\""),
    );
    response
}

pub(crate) async fn signed_in(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<Principal>, ServiceError> {
    let Some(token) = cookie_value(headers, state.cookies.session()) else {
        return Ok(None);
    };
    state
        .services
        .principal_for_session(&token, state.services.now())
        .await
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message.to_string(),
    )
        .into_response()
}

/// Where the stream is: before the header, reading from a position, or done.
enum Step {
    Header,
    From(Option<i64>),
    Done,
}

/// The CSV, a read of rows at a time. A database error mid-way ends the stream with an error,
/// which aborts the answer: a truncated file must not look complete.
fn rows(
    state: AppState,
    principal: Principal,
    filter: AuditFilter,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> {
    futures::stream::unfold(Step::Header, move |step| {
        let (state, principal, filter) = (state.clone(), principal.clone(), filter.clone());
        async move {
            let cursor = match step {
                Step::Header => {
                    return Some((Ok(Bytes::from_static(HEADER.as_bytes())), Step::From(None)));
                }
                Step::From(cursor) => cursor,
                Step::Done => return None,
            };
            let reader = principal.audit_reader().ok()?;
            match state
                .services
                .audit_rows(reader, &filter, cursor, ROWS_PER_READ)
                .await
            {
                Ok(rows) if rows.is_empty() => None,
                Ok(rows) => {
                    let next = if (rows.len() as i64) < ROWS_PER_READ {
                        Step::Done
                    } else {
                        Step::From(rows.last().map(|r| r.seq))
                    };
                    let mut chunk = String::with_capacity(rows.len() * 200);
                    for row in &rows {
                        write_row(&mut chunk, &row.event);
                    }
                    Some((Ok(Bytes::from(chunk)), next))
                }
                Err(err) => {
                    tracing::warn!(error = %err, "audit export stopped");
                    Some((
                        Err(std::io::Error::other("the audit log could not be read")),
                        Step::Done,
                    ))
                }
            }
        }
    })
}

fn write_row(out: &mut String, e: &AuditEventView) {
    let changes = serde_json::Value::Object(e.changes.clone()).to_string();
    let time = rfc3339(e.at);
    let fields = [
        time.as_str(),
        e.action.as_str(),
        e.actor.kind.as_str(),
        &e.actor.id,
        &e.actor.name,
        e.client_ip.as_deref().unwrap_or_default(),
        &e.target.kind,
        &e.target.id,
        &e.target.name,
        &changes,
    ];
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_field(out, field);
    }
    out.push_str("\r\n");
}

/// One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. A value that a
/// spreadsheet would run as a formula (`= + - @`, tab, carriage return first) is prefixed with
/// `'` so it stays text.
fn push_field(out: &mut String, value: &str) {
    let formula = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = formula || value.contains([',', '"', '\n', '\r']);
    if quote {
        out.push('"');
    }
    if formula {
        out.push('\'');
    }
    for c in value.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    if quote {
        out.push('"');
    }
}

#[cfg(test)]
mod tests {
    use super::push_field;

    fn field(value: &str) -> String {
        let mut out = String::new();
        push_field(&mut out, value);
        out
    }

    #[test]
    fn fields_are_quoted_and_formulas_defused() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("@SUM(A1)"), "\"'@SUM(A1)\"");
        assert_eq!(field(""), "");
    }
}
