//! The credential lists a page at a time (PRODUCT.md §10): `?name=` (a case-insensitive
//! substring), `?limit=` (1 to 500, 100 by default) and `?cursor=` (opaque: where the page
//! before ended), for the console and `/api/v1` alike.

use crate::credentials::{api_client_view, restricted_token_view};
use crate::principal::CredentialViewer;
use crate::{ServiceError, Services};
use domain::CredentialId;
use domain::FieldError;
use domain::models::{ApiClientView, RestrictedTokenView};
use store::{PageKey, PageQuery};

pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 500;

/// A list request, checked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListQuery {
    /// Lowercased; `None` keeps every row.
    name: Option<String>,
    after: Option<PageKey>,
    limit: Option<i64>,
}

/// A page of a list and the cursor of the next one (`None` on the last page).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed<T> {
    pub data: Vec<T>,
    pub next_cursor: Option<String>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A cursor: the last row's time, id and name key (hex), dot-separated.
pub fn cursor_of(key: &PageKey) -> String {
    format!(
        "{}.{}.{}",
        key.created_at,
        key.id,
        hex(key.name_key.as_bytes())
    )
}

fn parse_cursor(cursor: &str) -> Option<PageKey> {
    let mut parts = cursor.splitn(3, '.');
    let created_at = parts.next()?.parse().ok()?;
    let id = parts.next()?;
    let name = unhex(parts.next()?)?;
    let id_ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    (id_ok && name.len() <= 4 * domain::credentials::CredentialName::MAX_CHARS).then_some(())?;
    Some(PageKey {
        name_key: String::from_utf8(name).ok()?,
        created_at,
        id: id.to_string(),
    })
}

/// A parameter's value, trimmed; `None` when not given or empty.
fn given(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

impl ListQuery {
    /// Parses the three parameters as given (`None` or empty: not given).
    pub fn parse(
        name: Option<&str>,
        limit: Option<&str>,
        cursor: Option<&str>,
    ) -> Result<ListQuery, FieldError> {
        let name = match given(name) {
            None => None,
            Some(name) if name.chars().count() > domain::credentials::CredentialName::MAX_CHARS => {
                return Err(FieldError::new(
                    "name",
                    format!(
                        "A name filter is at most {} characters",
                        domain::credentials::CredentialName::MAX_CHARS
                    ),
                ));
            }
            Some(name) => Some(store::name_key(name)),
        };
        let limit = match given(limit) {
            None => None,
            Some(limit) => match limit.parse::<i64>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => Some(n),
                _ => {
                    return Err(FieldError::new(
                        "limit",
                        format!("limit is a whole number from 1 to {MAX_LIMIT}"),
                    ));
                }
            },
        };
        let after = match given(cursor) {
            None => None,
            Some(cursor) => Some(parse_cursor(cursor).ok_or_else(|| {
                FieldError::new("cursor", "cursor is not one this list answered")
            })?),
        };
        Ok(ListQuery { name, after, limit })
    }

    /// The first page of rows whose name contains `name`.
    pub fn named(name: &str) -> Result<ListQuery, FieldError> {
        ListQuery::parse(Some(name), None, None)
    }

    fn store_query(&self) -> PageQuery<'_> {
        PageQuery {
            name: self.name.as_deref(),
            after: self.after.as_ref(),
            limit: self.limit.unwrap_or(DEFAULT_LIMIT),
        }
    }
}

impl Services {
    /// A page of the organization's API Clients, by name.
    pub async fn api_clients_list(
        &self,
        viewer: CredentialViewer<'_>,
        query: &ListQuery,
        now: i64,
    ) -> Result<Listed<ApiClientView>, ServiceError> {
        let page = self
            .store()
            .api_clients_page(viewer.org(), query.store_query())
            .await?;
        let data = page.rows.into_iter().map(|r| api_client_view(r, now));
        let data = self
            .with_last_use(data.collect(), |v| &v.id, |v, at| v.last_used_at = at)
            .await?;
        Ok(Listed {
            data,
            next_cursor: page.next.as_ref().map(cursor_of),
        })
    }

    /// A page of the organization's Restricted Access Tokens, by name.
    pub async fn restricted_tokens_list(
        &self,
        viewer: CredentialViewer<'_>,
        query: &ListQuery,
        now: i64,
    ) -> Result<Listed<RestrictedTokenView>, ServiceError> {
        let page = self
            .store()
            .restricted_tokens_page(viewer.org(), query.store_query())
            .await?;
        let data = page.rows.into_iter().map(|r| restricted_token_view(r, now));
        let data = self
            .with_last_use(data.collect(), |v| &v.id, |v, at| v.last_used_at = at)
            .await?;
        Ok(Listed {
            data,
            next_cursor: page.next.as_ref().map(cursor_of),
        })
    }

    /// One API Client, for its Edit slide-over.
    pub async fn api_client_of(
        &self,
        viewer: CredentialViewer<'_>,
        id: &str,
        now: i64,
    ) -> Result<ApiClientView, ServiceError> {
        let record = self
            .store()
            .get_api_client(viewer.org(), CredentialId::new(id))
            .await?;
        let rows = vec![api_client_view(record, now)];
        let mut rows = self
            .with_last_use(rows, |v| &v.id, |v, at| v.last_used_at = at)
            .await?;
        Ok(rows.remove(0))
    }

    /// One Restricted Access Token, for its Edit slide-over.
    pub async fn restricted_token_of(
        &self,
        viewer: CredentialViewer<'_>,
        id: &str,
        now: i64,
    ) -> Result<RestrictedTokenView, ServiceError> {
        let record = self
            .store()
            .get_restricted_token(viewer.org(), CredentialId::new(id))
            .await?;
        let rows = vec![restricted_token_view(record, now)];
        let mut rows = self
            .with_last_use(rows, |v| &v.id, |v, at| v.last_used_at = at)
            .await?;
        Ok(rows.remove(0))
    }

    /// Fills in **Last used** for one page's rows: a read of those rows' last uses only.
    async fn with_last_use<V>(
        &self,
        mut rows: Vec<V>,
        id: fn(&V) -> &String,
        set: fn(&mut V, Option<i64>),
    ) -> Result<Vec<V>, ServiceError> {
        let last = {
            let ids: Vec<&str> = rows.iter().map(|v| id(v).as_str()).collect();
            self.last_used(&ids).await?
        };
        for row in &mut rows {
            let at = last.get(id(row)).copied();
            set(row, at);
        }
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_bad_ones_are_named() {
        let key = PageKey {
            name_key: "billing sync · ü".into(),
            created_at: 1_800_000_000,
            id: "abc_DEF-1".into(),
        };
        let q = ListQuery::parse(None, Some("2"), Some(&cursor_of(&key))).unwrap();
        assert_eq!(q.after, Some(key));
        assert_eq!(q.limit, Some(2));
        for bad in ["x", "1.a", "1.a.zz", "1.a.6", "1..61", "x.a.61", "1.a'.61"] {
            let err = ListQuery::parse(None, None, Some(bad)).unwrap_err();
            assert_eq!(err.field, "cursor", "{bad}");
        }
        for bad in ["0", "501", "-1", "ten", "1.5"] {
            assert_eq!(
                ListQuery::parse(None, Some(bad), None).unwrap_err().field,
                "limit"
            );
        }
        assert_eq!(
            ListQuery::parse(Some(&"n".repeat(71)), None, None)
                .unwrap_err()
                .field,
            "name"
        );
        assert_eq!(
            ListQuery::named(" Billing ").unwrap().name.as_deref(),
            Some("billing")
        );
        assert_eq!(
            ListQuery::parse(Some(""), Some(" "), None),
            Ok(ListQuery::default())
        );
    }
}
