//! Lists of credentials a page at a time (PRODUCT.md §10): sorted by name (lowercased, byte by
//! byte), then age, then id, and paged by that key (keyset paging): a page starts after the
//! last row of the one before, so rows inserted meanwhile never shift a row into a second page
//! or out of all of them.

use crate::credentials::{
    ApiClientRecord, RestrictedTokenRecord, api_client_from_row, api_client_select,
    restricted_token_from_row, restricted_token_select,
};
use crate::{Store, StoreError};
use domain::OrgId;
use sqlx::Row;
use sqlx::any::AnyRow;

/// Where a page starts: after the row with this key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageKey {
    pub name_key: String,
    pub created_at: i64,
    pub id: String,
}

/// One page's request: `name` is a lowercased substring to keep (none: every row).
#[derive(Clone, Copy, Debug)]
pub struct PageQuery<'a> {
    pub name: Option<&'a str>,
    pub after: Option<&'a PageKey>,
    pub limit: i64,
}

/// A page of rows, and where the next one starts (`None`: this is the last).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub next: Option<PageKey>,
}

/// `text` as a `LIKE` pattern that matches it anywhere, its wildcards taken literally.
///
/// The queries below write the pattern as `($2 || '')` and the limit as `($6 + 0)`, not as bare
/// parameters: see the crate's documentation.
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// The key before every row (no row has an empty name and the earliest time).
fn start() -> PageKey {
    PageKey {
        name_key: String::new(),
        created_at: i64::MIN,
        id: String::new(),
    }
}

fn key_of(row: &AnyRow) -> Result<PageKey, StoreError> {
    Ok(PageKey {
        name_key: row.try_get("name_key")?,
        created_at: row.try_get("created_at")?,
        id: row.try_get("id")?,
    })
}

/// Splits `rows` (one more than a page was asked for) into the page and the next page's key.
fn paged<T>(
    rows: Vec<AnyRow>,
    limit: i64,
    read: fn(&AnyRow) -> Result<T, StoreError>,
) -> Result<Page<T>, StoreError> {
    let limit = usize::try_from(limit).unwrap_or(0);
    let more = rows.len() > limit;
    let page = &rows[..rows.len().min(limit)];
    let next = match (more, page.last()) {
        (true, Some(last)) => Some(key_of(last)?),
        _ => None,
    };
    Ok(Page {
        rows: page.iter().map(read).collect::<Result<_, _>>()?,
        next,
    })
}

impl Store {
    pub async fn api_clients_page(
        &self,
        organization_id: OrgId<'_>,
        query: PageQuery<'_>,
    ) -> Result<Page<ApiClientRecord>, StoreError> {
        let organization_id = organization_id.as_str();
        let after = query.after.cloned().unwrap_or_else(start);
        let rows = sqlx::query(api_client_select!(
            "WHERE c.organization_id = $1 AND c.name_key LIKE ($2 || '') ESCAPE '\\' \
             AND (c.name_key, c.created_at, c.id) > ($3, $4, $5) \
             ORDER BY c.name_key, c.created_at, c.id LIMIT ($6 + 0)"
        ))
        .bind(organization_id)
        .bind(contains_pattern(query.name.unwrap_or_default()))
        .bind(after.name_key)
        .bind(after.created_at)
        .bind(after.id)
        .bind(query.limit + 1)
        .fetch_all(&self.pool)
        .await?;
        paged(rows, query.limit, api_client_from_row)
    }

    pub async fn restricted_tokens_page(
        &self,
        organization_id: OrgId<'_>,
        query: PageQuery<'_>,
    ) -> Result<Page<RestrictedTokenRecord>, StoreError> {
        let organization_id = organization_id.as_str();
        let after = query.after.cloned().unwrap_or_else(start);
        let rows = sqlx::query(restricted_token_select!(
            "WHERE t.organization_id = $1 AND t.name_key LIKE ($2 || '') ESCAPE '\\' \
             AND (t.name_key, t.created_at, t.id) > ($3, $4, $5) \
             ORDER BY t.name_key, t.created_at, t.id LIMIT ($6 + 0)"
        ))
        .bind(organization_id)
        .bind(contains_pattern(query.name.unwrap_or_default()))
        .bind(after.name_key)
        .bind(after.created_at)
        .bind(after.id)
        .bind(query.limit + 1)
        .fetch_all(&self.pool)
        .await?;
        paged(rows, query.limit, restricted_token_from_row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_in_a_filter_are_literal() {
        assert_eq!(contains_pattern(""), "%%");
        assert_eq!(contains_pattern("ab"), "%ab%");
        assert_eq!(contains_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }
}
