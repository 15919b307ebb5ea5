//! The change-log follower against real databases (a fresh SQLite file, a fresh PostgreSQL
//! database), under a manual clock: no test here waits for time to pass.

use services::follower::FAIL_AFTER_MS;
use services::{BearerError, Follower, ManualClock, ServiceError, Services, TokenSettings};
use sqlx::Executor;
use std::sync::Arc;
use store::{Backend, Store};

const NOW: i64 = 1_800_000_000;

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                let store = store::testing::fresh_store(store::Backend::Sqlite).await.unwrap();
                super::$name(store).await;
            }
            #[tokio::test]
            async fn postgres() {
                if let Some(store) = store::testing::fresh_store(store::Backend::Postgres).await {
                    super::$name(store).await;
                }
            }
        }
    )*};
}

on_both_backends!(
    changes_of_other_instances_are_applied,
    a_burst_of_fifty_thousand_changes_is_applied_whole,
    unreadable_for_five_seconds_means_unavailable_until_caught_up,
    cached_entries_are_read_again_after_thirty_seconds,
);

fn instance(store: &Store, clock: &ManualClock) -> Services {
    Services::new(
        store.clone(),
        false,
        TokenSettings::for_issuer("http://127.0.0.1:3000"),
        Arc::new(clock.clone()),
    )
}

/// An organization with `clients` API Clients (Client IDs `pci_<n>`), written as the console
/// would leave them.
async fn seed(store: &Store, clients: usize) -> Vec<String> {
    store
        .pool()
        .execute(sqlx::query(
            "INSERT INTO organizations (id, name, api_access, created_at, updated_at) \
             VALUES ('org', 'Org', 1, 0, 0)",
        ))
        .await
        .unwrap();
    let mut ids = Vec::new();
    for n in 0..clients {
        let client_id = format!("pci_{n}");
        sqlx::query(
            "INSERT INTO api_clients (id, organization_id, name, client_id, secret_digest, \
             secret_last_four, scopes, created_by, created_at, updated_at) \
             VALUES ($1, 'org', 'c', $2, $3, 'abcd', 'credentials:read', 'u', 0, 0)",
        )
        .bind(format!("id{n}"))
        .bind(&client_id)
        .bind(format!("digest{n}"))
        .execute(store.pool())
        .await
        .unwrap();
        ids.push(client_id);
    }
    ids
}

async fn exec(store: &Store, sql: &'static str) {
    store.pool().execute(sqlx::query(sql)).await.unwrap();
}

/// `clients` clients, an instance at `NOW` whose follower has read the log once, and that
/// instance knowing every client.
async fn following(
    store: &Store,
    clients: usize,
) -> (ManualClock, Services, Follower, Vec<String>) {
    let clock = ManualClock::at_ms(NOW * 1000);
    let ids = seed(store, clients).await;
    let here = instance(store, &clock);
    let mut follower = Follower::new(here.clone());
    follower.step().await.unwrap();
    for id in &ids {
        assert!(known(&here, id).await);
    }
    (clock, here, follower, ids)
}

/// Does `services` still hold `client_id` as a usable client?
async fn known(services: &Services, client_id: &str) -> bool {
    services
        .gate_client(client_id, services.now())
        .await
        .unwrap()
        .is_some()
}

async fn changes_of_other_instances_are_applied(store: Store) {
    let clock = ManualClock::at_ms(NOW * 1000);
    let ids = seed(&store, 2).await;
    let here = instance(&store, &clock);
    let mut follower = Follower::new(here.clone());
    assert!(!here.is_following(), "503 until the first read");
    follower.step().await.unwrap();
    assert!(here.is_following());
    assert!(known(&here, &ids[0]).await && known(&here, &ids[1]).await);
    // Another instance deletes the first client (row and change in one transaction).
    exec(
        &store,
        "INSERT INTO gate_events (kind, key) VALUES ('client', 'pci_0')",
    )
    .await;
    exec(&store, "DELETE FROM api_clients WHERE client_id = 'pci_0'").await;
    assert!(
        known(&here, &ids[0]).await,
        "cached until the change is read"
    );
    assert_eq!(follower.step().await.unwrap(), 1);
    assert!(!known(&here, &ids[0]).await);
    assert!(known(&here, &ids[1]).await);
    // Read once: a second step applies nothing again.
    assert_eq!(follower.step().await.unwrap(), 0);
}

async fn a_burst_of_fifty_thousand_changes_is_applied_whole(store: Store) {
    let (_clock, here, mut follower, ids) = following(&store, 2).await;
    // One transaction: the first client's deletion, 50,000 other changes, the second's.
    let mut tx = store.pool().begin().await.unwrap();
    tx.execute("INSERT INTO gate_events (kind, key) VALUES ('client', 'pci_0')")
        .await
        .unwrap();
    tx.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000) \
         INSERT INTO gate_events (kind, key) SELECT 'revoked', 'jti-' || i FROM n",
    )
    .await
    .unwrap();
    tx.execute("INSERT INTO gate_events (kind, key) VALUES ('client', 'pci_1')")
        .await
        .unwrap();
    tx.execute("DELETE FROM api_clients").await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(follower.step().await.unwrap(), 50_002);
    assert!(!known(&here, &ids[0]).await, "the first change");
    assert!(!known(&here, &ids[1]).await, "the last change");
}

async fn unreadable_for_five_seconds_means_unavailable_until_caught_up(store: Store) {
    let (clock, here, mut follower, ids) = following(&store, 1).await;
    // The change log cannot be read.
    exec(&store, "ALTER TABLE gate_events RENAME TO gate_events_away").await;
    assert!(follower.step().await.is_err());
    clock.advance_ms(FAIL_AFTER_MS - 1);
    assert!(follower.step().await.is_err());
    assert!(here.is_following(), "not yet 5 s");
    clock.advance_ms(1);
    assert!(follower.step().await.is_err());
    assert!(!here.is_following(), "5 s without reading");
    let refused = here.authenticate_bearer("pcr_anything", here.now()).await;
    assert!(
        matches!(
            refused,
            Err(BearerError::Service(ServiceError::Unavailable))
        ),
        "{refused:?}"
    );
    // Meanwhile the client was deleted (the change is in the log, which cannot be read).
    exec(&store, "DELETE FROM api_clients").await;
    exec(&store, "ALTER TABLE gate_events_away RENAME TO gate_events").await;
    follower.step().await.unwrap();
    assert!(here.is_following());
    assert!(!known(&here, &ids[0]).await, "nothing was kept from before");
}

async fn cached_entries_are_read_again_after_thirty_seconds(store: Store) {
    let (clock, here, _follower, ids) = following(&store, 1).await;
    // A change that left no trace in the log (a restore, a hand edit).
    exec(&store, "DELETE FROM api_clients").await;
    clock.advance_secs(29);
    assert!(known(&here, &ids[0]).await, "fresh for 30 s");
    clock.advance_secs(1);
    assert!(!known(&here, &ids[0]).await, "read again after 30 s");
}

/// PostgreSQL hands out `seq` at insert, not at commit: a change whose transaction commits
/// late (here after later ones were applied) is still applied.
#[tokio::test]
async fn a_change_that_commits_late_is_not_skipped() {
    let Some(store) = store::testing::fresh_store(Backend::Postgres).await else {
        return;
    };
    let (clock, here, mut follower, ids) = following(&store, 2).await;
    let mut slow = store.pool().begin().await.unwrap();
    slow.execute("INSERT INTO gate_events (kind, key) VALUES ('client', 'pci_0')")
        .await
        .unwrap();
    slow.execute("DELETE FROM api_clients WHERE client_id = 'pci_0'")
        .await
        .unwrap();
    // A later change commits first and is applied.
    exec(
        &store,
        "INSERT INTO gate_events (kind, key) VALUES ('client', 'pci_1')",
    )
    .await;
    exec(&store, "DELETE FROM api_clients WHERE client_id = 'pci_1'").await;
    assert_eq!(follower.step().await.unwrap(), 1);
    assert!(!known(&here, &ids[1]).await);
    assert!(known(&here, &ids[0]).await, "not committed yet");
    for _ in 0..3 {
        clock.advance_secs(5);
        assert_eq!(follower.step().await.unwrap(), 0);
    }
    slow.commit().await.unwrap();
    assert_eq!(follower.step().await.unwrap(), 1, "the late change");
    assert!(!known(&here, &ids[0]).await);
}
