//! Fills a database with many organizations and credentials, straight through SQL in large
//! batches (the services would take hours for a million). The rows are shaped exactly as the
//! services write them; their secrets are random and unknown, as other customers' would be.

use services::secrets::digest;
use store::Store;

/// Credentials per organization: half API Clients, half Restricted Access Tokens.
pub const PER_ORGANIZATION: u64 = 100;
const ROWS_PER_STATEMENT: u64 = 500;

/// Adds organizations `first..first + count`, each with `PER_ORGANIZATION` credentials.
pub async fn organizations(store: &Store, first: u64, count: u64) -> Result<(), String> {
    let now = services::Clock::now(&services::SystemClock);
    let run = format!("{now:x}");
    let mut orgs = Vec::new();
    let mut clients = Vec::new();
    let mut tokens = Vec::new();
    for org in first..first + count {
        let org_id = format!("seedorg{run}{org:08}");
        orgs.push(format!("('{org_id}', 'Seed {org}', 1, {now}, {now})"));
        for i in 0..PER_ORGANIZATION / 2 {
            let key = format!("{run}{org:08}{i:03}");
            clients.push(format!(
                "('seedc{key}', '{org_id}', 'Seed client {i}', NULL, 'pci_seed{key}', '{}', 'AAAA', '', \
                 'credentials:read', 0, NULL, 'seed', {now}, {now})",
                digest(&format!("client {key}"))
            ));
            tokens.push(format!(
                "('seedt{key}', '{org_id}', 'Seed token {i}', '{}', 'AAAA', '10.0.0.0/8', NULL, 'seed', {now}, {now})",
                digest(&format!("token {key}"))
            ));
        }
    }
    insert(
        store,
        "INSERT INTO organizations (id, name, api_access, created_at, updated_at) VALUES ",
        &orgs,
    )
    .await?;
    insert(
        store,
        "INSERT INTO api_clients (id, organization_id, name, description, client_id, secret_digest, \
         secret_last_four, allowed_origins, scopes, disabled, expires_at, created_by, created_at, \
         updated_at) VALUES ",
        &clients,
    )
    .await?;
    insert(
        store,
        "INSERT INTO restricted_tokens (id, organization_id, name, token_digest, token_last_four, \
         allowed_ips, expires_at, created_by, created_at, updated_at) VALUES ",
        &tokens,
    )
    .await
}

/// Runs `prefix` + rows in statements of `ROWS_PER_STATEMENT`, in one transaction. The values
/// are generated above (hex, digits and fixed words), never taken from input.
async fn insert(store: &Store, prefix: &str, rows: &[String]) -> Result<(), String> {
    let mut tx = store.pool().begin().await.map_err(|e| e.to_string())?;
    for chunk in rows.chunks(ROWS_PER_STATEMENT as usize) {
        let sql = format!("{prefix}{}", chunk.join(", "));
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut *tx)
            .await
            .map_err(|e| e.to_string())?;
    }
    tx.commit().await.map_err(|e| e.to_string())
}

/// How many credentials the database holds.
pub async fn count(store: &Store) -> Result<i64, String> {
    let mut total = 0;
    for sql in [
        "SELECT COUNT(*) AS n FROM api_clients",
        "SELECT COUNT(*) AS n FROM restricted_tokens",
    ] {
        let row = sqlx::query(sql)
            .fetch_one(store.pool())
            .await
            .map_err(|e| e.to_string())?;
        total += sqlx::Row::try_get::<i64, _>(&row, "n").map_err(|e| e.to_string())?;
    }
    Ok(total)
}
