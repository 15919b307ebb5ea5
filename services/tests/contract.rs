//! The accounts and members rules, run against a fresh SQLite file and a fresh PostgreSQL
//! database. Every test runs once per backend.

use domain::Role;
use services::{NewAccount, PasswordChange, Principal, ServiceError, Services, SignIn, throttle};
use std::net::IpAddr;
use store::Backend;
use store::testing::fresh_store;

const NOW: i64 = 1_800_000_000;

/// The services over `store` at `NOW`, on a clock nobody moves.
fn services_on(store: store::Store, open_signup: bool) -> Services {
    Services::new(
        store,
        open_signup,
        services::TokenSettings::for_issuer("http://127.0.0.1:3000"),
        std::sync::Arc::new(services::ManualClock::at_ms(NOW * 1000)),
    )
}

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                let store = store::testing::fresh_store(store::Backend::Sqlite).await.unwrap();
                super::$name(super::services_on(store, true)).await;
            }
            #[tokio::test]
            async fn postgres() {
                if let Some(store) = store::testing::fresh_store(store::Backend::Postgres).await {
                    super::$name(super::services_on(store, true)).await;
                }
            }
        }
    )*};
}

on_both_backends!(
    setup_happens_once,
    sign_in_is_generic_and_throttled,
    one_address_gets_a_bounded_number_of_sign_ins,
    sessions_resolve_and_end,
    password_change_ends_the_other_sessions,
    invites_are_one_time_and_expire,
    roles_change_and_the_last_admin_stays,
    organizations_are_isolated,
    bad_input_changes_nothing,
    the_credential_limit_holds,
    expired_credentials_can_still_be_edited,
);

fn account(email: &str, org: &str) -> NewAccount {
    NewAccount {
        name: "Ada Lovelace".into(),
        email: email.into(),
        password: "correct horse battery".into(),
        organization_name: org.into(),
        client_address: None,
    }
}

async fn principal(services: &Services, token: &str) -> Principal {
    services
        .principal_for_session(token, NOW)
        .await
        .unwrap()
        .expect("a live session")
}

async fn invite_and_join(
    services: &Services,
    admin: &Principal,
    email: &str,
    role: &str,
) -> Principal {
    let token = services
        .invite_member(admin.admin().unwrap(), email, role, false, NOW)
        .await
        .unwrap()
        .into_exposed();
    let joined = services
        .accept_invite(&token, "Grace Hopper", "another long password", None, NOW)
        .await
        .unwrap();
    principal(services, joined.session_token.expose()).await
}

async fn setup_happens_once(services: Services) {
    assert!(services.needs_setup().await.unwrap());
    let signed_in = services
        .set_up(account("ada@example.com", "Analytical"), NOW)
        .await
        .unwrap();
    let me = principal(&services, signed_in.session_token.expose()).await;
    assert_eq!(me.user.role, Role::Admin);
    assert!(me.user.manage_credentials);
    assert_eq!(me.org.name, "Analytical");
    assert!(!services.needs_setup().await.unwrap());
    let again = services
        .set_up(account("eve@example.com", "Other"), NOW)
        .await;
    assert!(
        matches!(again, Err(ServiceError::AlreadySetUp)),
        "{again:?}"
    );
    // The password is stored as an argon2id hash only.
    let user = services
        .store()
        .find_user_by_email("ada@example.com")
        .await
        .unwrap()
        .unwrap();
    assert!(user.password_hash.starts_with("$argon2id$"));
    assert!(!user.password_hash.contains("correct horse"));
}

fn from(address: &str) -> Option<IpAddr> {
    Some(address.parse().unwrap())
}

async fn sign_in_is_generic_and_throttled(services: Services) {
    services
        .set_up(account("ada@example.com", "Analytical"), NOW)
        .await
        .unwrap();
    let attempt = |email: &str, password: &str, address: &str| SignIn {
        email: email.into(),
        password: password.into(),
        client_address: from(address),
    };
    let stranger = "203.0.113.9";
    let unknown = services
        .sign_in(
            attempt("nobody@example.com", "whatever password", stranger),
            NOW,
        )
        .await;
    let wrong = services
        .sign_in(
            attempt("ada@example.com", "wrong password!!", stranger),
            NOW,
        )
        .await;
    assert_eq!(
        unknown.unwrap_err().to_string(),
        "Invalid email or password"
    );
    assert_eq!(wrong.unwrap_err().to_string(), "Invalid email or password");
    // Email is matched case-insensitively.
    services
        .sign_in(
            attempt(" ADA@example.com ", "correct horse battery", stranger),
            NOW,
        )
        .await
        .unwrap();
    for _ in 0..throttle::MAX_FAILURES_PER_EMAIL_AND_ADDRESS {
        let failed = services
            .sign_in(
                attempt("ada@example.com", "wrong password!!", stranger),
                NOW + 1,
            )
            .await;
        assert!(
            matches!(failed, Err(ServiceError::InvalidCredentials)),
            "{failed:?}"
        );
    }
    // The address that failed is refused even with the right password...
    let blocked = services
        .sign_in(
            attempt("ada@example.com", "correct horse battery", stranger),
            NOW + 2,
        )
        .await;
    assert!(
        matches!(blocked, Err(ServiceError::Throttled { .. })),
        "{blocked:?}"
    );
    // ...but the owner, from another address, is not.
    services
        .sign_in(
            attempt("ada@example.com", "correct horse battery", "203.0.113.10"),
            NOW + 2,
        )
        .await
        .unwrap();
    // After the window, the right password works from the first address again.
    let later = NOW + throttle::WINDOW_SECONDS + 10;
    services
        .sign_in(
            attempt("ada@example.com", "correct horse battery", stranger),
            later,
        )
        .await
        .unwrap();
    // Pruning forgets the counts of passed windows, not the current ones.
    let pruned = services
        .prune_attempts(later + throttle::WINDOW_SECONDS + 1)
        .await
        .unwrap();
    assert!(pruned >= 1, "{pruned}");
}

async fn one_address_gets_a_bounded_number_of_sign_ins(services: Services) {
    let address = "198.51.100.7";
    let mut refused = 0;
    for n in 0..=throttle::MAX_SIGN_INS_PER_ADDRESS {
        let outcome = services
            .sign_in(
                SignIn {
                    email: format!("guess{n}@example.com"),
                    password: "whatever password".into(),
                    client_address: from(address),
                },
                NOW,
            )
            .await;
        match outcome {
            Err(ServiceError::InvalidCredentials) => {}
            Err(ServiceError::Throttled { .. }) => refused += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(refused, 1, "exactly the attempt past the limit is refused");
    // IPv6 addresses count per /64: another address in the same /64 is the same client.
    let v6 = |host: &str, n: i64| SignIn {
        email: format!("v6-{n}@example.com"),
        password: "whatever password".into(),
        client_address: from(host),
    };
    for n in 0..throttle::MAX_SIGN_INS_PER_ADDRESS {
        let _ = services.sign_in(v6("2001:db8:7:7::1", n), NOW).await;
    }
    let same_block = services.sign_in(v6("2001:db8:7:7:ffff::2", 99), NOW).await;
    assert!(
        matches!(same_block, Err(ServiceError::Throttled { .. })),
        "{same_block:?}"
    );
    let next_block = services.sign_in(v6("2001:db8:7:8::1", 99), NOW).await;
    assert!(
        matches!(next_block, Err(ServiceError::InvalidCredentials)),
        "{next_block:?}"
    );
}

async fn sessions_resolve_and_end(services: Services) {
    let signed_in = services
        .set_up(account("ada@example.com", "Analytical"), NOW)
        .await
        .unwrap();
    assert!(
        services
            .principal_for_session("not-a-session", NOW)
            .await
            .unwrap()
            .is_none()
    );
    principal(&services, signed_in.session_token.expose()).await;
    // Only the digest is stored.
    let stored = store::testing::count_rows_containing(
        services.store(),
        "sessions",
        "token_digest",
        signed_in.session_token.expose(),
    )
    .await;
    assert_eq!(stored, 0);
    let live = |at: i64| {
        let services = services.clone();
        let token = signed_in.session_token.clone();
        async move {
            services
                .principal_for_session(token.expose(), at)
                .await
                .unwrap()
                .is_some()
        }
    };
    // Idle: 30 minutes without a request end it.
    assert!(!live(NOW + domain::SESSION_IDLE_SECONDS + 1).await);
    // A request every 20 minutes keeps it alive, up to 12 hours after sign-in.
    let every = 20 * 60;
    let mut at = NOW;
    while at + every < NOW + domain::SESSION_MAX_SECONDS {
        at += every;
        assert!(live(at).await, "alive at {}", at - NOW);
    }
    assert!(!live(NOW + domain::SESSION_MAX_SECONDS).await);
    services
        .sign_out(signed_in.session_token.expose())
        .await
        .unwrap();
    assert!(!live(NOW).await);
    // Housekeeping deletes what ended.
    let again = services
        .sign_in(
            SignIn {
                email: "ada@example.com".into(),
                password: "correct horse battery".into(),
                client_address: None,
            },
            NOW,
        )
        .await
        .unwrap();
    let ended = services
        .delete_ended_sessions(NOW + domain::SESSION_IDLE_SECONDS)
        .await
        .unwrap();
    assert_eq!(ended, 1);
    assert!(
        services
            .principal_for_session(again.session_token.expose(), NOW + 1)
            .await
            .unwrap()
            .is_none()
    );
}

async fn password_change_ends_the_other_sessions(services: Services) {
    let here = services
        .set_up(account("ada@example.com", "Analytical"), NOW)
        .await
        .unwrap();
    let sign_in = |password: &str| SignIn {
        email: "ada@example.com".into(),
        password: password.into(),
        client_address: None,
    };
    let elsewhere = services
        .sign_in(sign_in("correct horse battery"), NOW)
        .await
        .unwrap();
    let me = principal(&services, here.session_token.expose()).await;
    let change = |current: &str, new: &str| PasswordChange {
        current_password: current.into(),
        new_password: new.into(),
    };
    for (bad, field) in [
        (
            change("wrong password!!", "a brand new password"),
            "current_password",
        ),
        (change("", "a brand new password"), "current_password"),
        (change("correct horse battery", "short"), "new_password"),
    ] {
        match services
            .change_password(&me, here.session_token.expose(), bad, NOW)
            .await
        {
            Err(ServiceError::Invalid(e)) => assert_eq!(e.field, field),
            other => panic!("expected a refusal of {field}, got {other:?}"),
        }
    }
    // Refused changes changed nothing: both sessions live, the old password works.
    principal(&services, elsewhere.session_token.expose()).await;
    services
        .change_password(
            &me,
            here.session_token.expose(),
            change("correct horse battery", "a brand new password"),
            NOW,
        )
        .await
        .unwrap();
    principal(&services, here.session_token.expose()).await;
    assert!(
        services
            .principal_for_session(elsewhere.session_token.expose(), NOW)
            .await
            .unwrap()
            .is_none()
    );
    let old = services
        .sign_in(sign_in("correct horse battery"), NOW)
        .await;
    assert!(
        matches!(old, Err(ServiceError::InvalidCredentials)),
        "{old:?}"
    );
    let third = services
        .sign_in(sign_in("a brand new password"), NOW)
        .await
        .unwrap();
    // Sign out other sessions: all but this one.
    let me = principal(&services, here.session_token.expose()).await;
    let ended = services
        .sign_out_other_sessions(&me, here.session_token.expose())
        .await
        .unwrap();
    assert_eq!(ended, 1);
    principal(&services, here.session_token.expose()).await;
    assert!(
        services
            .principal_for_session(third.session_token.expose(), NOW)
            .await
            .unwrap()
            .is_none()
    );
}

async fn invites_are_one_time_and_expire(services: Services) {
    let admin = services
        .set_up(account("ada@example.com", "Analytical"), NOW)
        .await
        .unwrap();
    let admin = principal(&services, admin.session_token.expose()).await;
    let token = services
        .invite_member(
            admin.admin().unwrap(),
            "Grace@Example.com",
            "Developer",
            true,
            NOW,
        )
        .await
        .unwrap()
        .into_exposed();
    let preview = services.invite_preview(&token, NOW).await.unwrap();
    assert_eq!(preview.email, "grace@example.com");
    assert_eq!(preview.organization_name, "Analytical");
    let page = services.members_page(&admin, NOW).await.unwrap();
    assert_eq!(page.invites.len(), 1);
    // Too short a password: refused, and the invite stays usable.
    let short = services
        .accept_invite(&token, "Grace", "short", None, NOW)
        .await;
    assert!(
        matches!(short, Err(ServiceError::Invalid(ref e)) if e.field == "password"),
        "{short:?}"
    );
    let joined = services
        .accept_invite(&token, "Grace Hopper", "another long password", None, NOW)
        .await
        .unwrap();
    let grace = principal(&services, joined.session_token.expose()).await;
    assert_eq!(grace.org.id, admin.org.id);
    assert_eq!(grace.user.role, Role::Developer);
    assert!(grace.user.manage_credentials);
    let twice = services
        .accept_invite(&token, "Mallory", "another long password", None, NOW)
        .await;
    assert!(matches!(twice, Err(ServiceError::NotFound)), "{twice:?}");
    // An invite is good for seven days.
    let late = services
        .invite_member(
            admin.admin().unwrap(),
            "late@example.com",
            "Member",
            false,
            NOW,
        )
        .await
        .unwrap()
        .into_exposed();
    let after = NOW + domain::INVITE_TTL_SECONDS + 1;
    assert!(matches!(
        services.invite_preview(&late, after).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        services
            .accept_invite(&late, "Late", "another long password", None, after)
            .await,
        Err(ServiceError::NotFound)
    ));
    // Inviting an existing account's email is refused.
    let dup = services
        .invite_member(
            admin.admin().unwrap(),
            "grace@example.com",
            "Member",
            false,
            NOW,
        )
        .await;
    assert!(
        matches!(dup, Err(ServiceError::Invalid(ref e)) if e.field == "email"),
        "{dup:?}"
    );
}

async fn roles_change_and_the_last_admin_stays(services: Services) {
    let admin = services
        .set_up(account("ada@example.com", "Analytical"), NOW)
        .await
        .unwrap();
    let admin = principal(&services, admin.session_token.expose()).await;
    let member = invite_and_join(&services, &admin, "grace@example.com", "Member").await;
    // A Member cannot get the admin handle at all.
    assert!(matches!(member.admin(), Err(ServiceError::Forbidden)));
    // The only Admin cannot demote or remove themselves.
    let demote = services
        .update_member(admin.admin().unwrap(), &admin.user.id, "Member", false, NOW)
        .await;
    assert!(matches!(demote, Err(ServiceError::LastAdmin)), "{demote:?}");
    let remove = services
        .remove_member(admin.admin().unwrap(), &admin.user.id, NOW)
        .await;
    assert!(matches!(remove, Err(ServiceError::LastAdmin)), "{remove:?}");
    // Promote the member; now the first Admin may step down.
    let promoted = services
        .update_member(admin.admin().unwrap(), &member.user.id, "Admin", false, NOW)
        .await
        .unwrap();
    assert_eq!(promoted.role, Role::Admin);
    assert!(
        promoted.manage_credentials,
        "Admins always manage credentials"
    );
    services
        .update_member(
            admin.admin().unwrap(),
            &admin.user.id,
            "Developer",
            true,
            NOW,
        )
        .await
        .unwrap();
    let page = services.members_page(&member, NOW).await.unwrap();
    let ada = page
        .members
        .iter()
        .find(|m| m.email == "ada@example.com")
        .unwrap();
    assert_eq!((ada.role, ada.manage_credentials), (Role::Developer, true));
    // Removal ends the removed member's sessions.
    let new_admin = principal(
        &services,
        services
            .sign_in(
                SignIn {
                    email: "grace@example.com".into(),
                    password: "another long password".into(),
                    client_address: None,
                },
                NOW,
            )
            .await
            .unwrap()
            .session_token
            .expose(),
    )
    .await;
    let ada_session = services
        .sign_in(
            SignIn {
                email: "ada@example.com".into(),
                password: "correct horse battery".into(),
                client_address: None,
            },
            NOW,
        )
        .await
        .unwrap();
    services
        .remove_member(new_admin.admin().unwrap(), &admin.user.id, NOW)
        .await
        .unwrap();
    assert!(
        services
            .principal_for_session(ada_session.session_token.expose(), NOW)
            .await
            .unwrap()
            .is_none()
    );
}

async fn organizations_are_isolated(services: Services) {
    let a = services
        .set_up(account("ada@example.com", "Analytical"), NOW)
        .await
        .unwrap();
    let a = principal(&services, a.session_token.expose()).await;
    let b = services
        .sign_up(account("bob@example.com", "Babbage"), NOW)
        .await
        .unwrap();
    let b = principal(&services, b.session_token.expose()).await;
    assert_ne!(a.org.id, b.org.id);
    let a_member = invite_and_join(&services, &a, "grace@example.com", "Member").await;
    let b_page = services.members_page(&b, NOW).await.unwrap();
    assert_eq!(b_page.members.len(), 1, "B sees only its own members");
    assert!(b_page.members.iter().all(|m| m.email == "bob@example.com"));
    // B's Admin cannot touch A's member: it answers as missing, and nothing changes.
    let change = services
        .update_member(b.admin().unwrap(), &a_member.user.id, "Admin", true, NOW)
        .await;
    assert!(matches!(change, Err(ServiceError::NotFound)), "{change:?}");
    let remove = services
        .remove_member(b.admin().unwrap(), &a_member.user.id, NOW)
        .await;
    assert!(matches!(remove, Err(ServiceError::NotFound)), "{remove:?}");
    let a_page = services.members_page(&a, NOW).await.unwrap();
    let grace = a_page
        .members
        .iter()
        .find(|m| m.email == "grace@example.com")
        .unwrap();
    assert_eq!(
        (grace.role, grace.manage_credentials),
        (Role::Member, false)
    );
    // Invites of one organization cannot be revoked from another.
    services
        .invite_member(a.admin().unwrap(), "x@example.com", "Member", false, NOW)
        .await
        .unwrap()
        .into_exposed();
    let invite_id = services.members_page(&a, NOW).await.unwrap().invites[0]
        .id
        .clone();
    assert!(matches!(
        services
            .revoke_invite(b.admin().unwrap(), &invite_id, NOW)
            .await,
        Err(ServiceError::NotFound)
    ));
    services
        .revoke_invite(a.admin().unwrap(), &invite_id, NOW)
        .await
        .unwrap();
}

async fn bad_input_changes_nothing(services: Services) {
    for (form, field) in [
        (
            NewAccount {
                name: " ".into(),
                ..account("ada@example.com", "Org")
            },
            "name",
        ),
        (account("not-an-email", "Org"), "email"),
        (
            NewAccount {
                password: "short".into(),
                ..account("ada@example.com", "Org")
            },
            "password",
        ),
        (account("ada@example.com", ""), "organization_name"),
    ] {
        match services.set_up(form, NOW).await {
            Err(ServiceError::Invalid(e)) => assert_eq!(e.field, field),
            other => panic!("expected a refusal of {field}, got {other:?}"),
        }
    }
    assert!(services.needs_setup().await.unwrap(), "nothing was saved");
    let admin = services
        .set_up(account("ada@example.com", "Org"), NOW)
        .await
        .unwrap();
    let admin = principal(&services, admin.session_token.expose()).await;
    let bad_role = services
        .invite_member(admin.admin().unwrap(), "g@example.com", "Owner", false, NOW)
        .await;
    assert!(matches!(bad_role, Err(ServiceError::Invalid(ref e)) if e.field == "role"));
    let bad_rename = services
        .rename_organization(admin.admin().unwrap(), &"x".repeat(101), NOW)
        .await;
    assert!(matches!(bad_rename, Err(ServiceError::Invalid(_))));
    assert!(
        services
            .members_page(&admin, NOW)
            .await
            .unwrap()
            .invites
            .is_empty()
    );
    // Sign-up with a taken email is refused on the email field.
    let taken = services
        .sign_up(account("ADA@example.com", "Another"), NOW)
        .await;
    assert!(
        matches!(taken, Err(ServiceError::Invalid(ref e)) if e.field == "email"),
        "{taken:?}"
    );
}

#[tokio::test]
async fn sign_up_is_refused_when_closed() {
    let store = fresh_store(Backend::Sqlite).await.unwrap();
    let services = services_on(store, false);
    let closed = services
        .sign_up(account("ada@example.com", "Org"), NOW)
        .await;
    assert!(matches!(closed, Err(ServiceError::SignupClosed)));
}

/// The console form's spec (the catalog of Portcullis's own scopes).
fn spec(form: &domain::credentials::ApiClientForm) -> domain::credentials::ApiClientSpec {
    domain::credentials::ApiClientSpec::from_form(form, &Default::default()).unwrap()
}

async fn the_credential_limit_holds(services: Services) {
    let admin = services
        .set_up(account("ada@example.com", "Org"), NOW)
        .await
        .unwrap();
    let admin = principal(&services, admin.session_token.expose()).await;
    let store = services.store();
    for i in 0..3 {
        let id = format!("id{i}");
        let result = store
            .create_restricted_token(
                store::NewRestrictedToken {
                    id: &id,
                    organization_id: &admin.org.id,
                    token_digest: &format!("digest{i}"),
                    token_last_four: "abcd",
                    created_by: &admin.user.id,
                    fields: store::RestrictedTokenFields {
                        name: "t",
                        allowed_ips: &["10.0.0.1".to_string()],
                        expires_at: None,
                        rate_limit: None,
                        quota: None,
                    },
                },
                2,
                NOW,
                &store::testing::seed_audit_event(&admin.org.id, &id),
            )
            .await;
        match i {
            0 | 1 => assert!(result.is_ok(), "{result:?}"),
            _ => assert!(
                matches!(result, Err(store::StoreError::LimitReached)),
                "{result:?}"
            ),
        }
    }
    assert_eq!(
        store
            .restricted_tokens_page(
                domain::OrgId::new(&admin.org.id),
                store::PageQuery {
                    name: None,
                    after: None,
                    limit: 500,
                },
            )
            .await
            .unwrap()
            .rows
            .len(),
        2
    );
}

async fn expired_credentials_can_still_be_edited(services: Services) {
    use domain::credentials::{CredentialStatus, date_of};
    let admin = services
        .set_up(account("ada@example.com", "Org"), NOW)
        .await
        .unwrap();
    let admin = principal(&services, admin.session_token.expose()).await;
    let today = date_of(NOW);
    let form = domain::credentials::ApiClientForm {
        name: "Expiring".into(),
        scopes: "credentials:read".into(),
        expiration_date: today.clone(),
        ..Default::default()
    };
    let created = services
        .create_api_client(admin.client_manager().unwrap(), &spec(&form), NOW)
        .await
        .unwrap();
    assert_eq!(created.client.status, CredentialStatus::Active);
    let later = NOW + 3 * 86_400;
    let page = services
        .credentials_page(
            admin.credential_viewer().unwrap(),
            &services::pages::ListQuery::default(),
            &services::pages::ListQuery::default(),
            later,
        )
        .await
        .unwrap();
    assert_eq!(page.api_clients[0].status, CredentialStatus::Expired);
    // Renaming keeps the (past) date as it was...
    let renamed = domain::credentials::ApiClientForm {
        name: "Renamed".into(),
        ..form.clone()
    };
    let updated = services
        .update_api_client(
            admin.client_manager().unwrap(),
            &created.client.id,
            &spec(&renamed),
            later,
        )
        .await
        .unwrap();
    assert_eq!(updated.name, "Renamed");
    assert_eq!(updated.expires_at, created.client.expires_at);
    // ...but a new date must be in the future.
    let moved = domain::credentials::ApiClientForm {
        expiration_date: date_of(NOW + 86_400),
        ..renamed
    };
    let refused = services
        .update_api_client(
            admin.client_manager().unwrap(),
            &created.client.id,
            &spec(&moved),
            later,
        )
        .await;
    assert!(
        matches!(refused, Err(ServiceError::Invalid(ref e)) if e.field == "expires_at"),
        "{refused:?}"
    );
}
