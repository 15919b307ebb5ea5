//! `{:?}` of every type that carries a secret prints none of it (§11): a `Debug` derive, a
//! `tracing` field or a panic message cannot leak what the type holds.

use clap::Parser;
use server::cli::Cli;

const SECRET: &str = "s3cr3t-value-that-must-not-print";

fn assert_hidden(what: &str, debug: String) {
    assert!(!debug.contains(SECRET), "{what} prints its secret: {debug}");
    assert!(!debug.is_empty(), "{what}");
}

#[test]
fn no_secret_bearing_type_prints_its_secret() {
    let secret = || domain::Secret::new(SECRET);
    assert_hidden("Secret", format!("{:?}", secret()));
    let client = domain::models::CreatedApiClient {
        client: domain::models::ApiClientView {
            id: "c1".into(),
            name: "n".into(),
            description: None,
            client_id: "pci_1".into(),
            secret_last_four: "abcd".into(),
            allowed_origins: Vec::new(),
            scopes: Vec::new(),
            application_type: "custom".into(),
            status: domain::credentials::CredentialStatus::Active,
            expires_at: None,
            created_at: 0,
            created_by: "Ada".into(),
            limits: Default::default(),
            last_used_at: None,
            previous_secret: None,
            logo_url: None,
        },
        client_secret: secret(),
    };
    assert_hidden("CreatedApiClient", format!("{client:?}"));
    assert_eq!(
        serde_json::to_value(&client).unwrap()["client_secret"],
        SECRET,
        "the shown-once answer carries it"
    );
    let signed_in = services::SignedIn {
        session_token: secret(),
        user_id: "u1".into(),
    };
    assert_hidden("SignedIn", format!("{signed_in:?}"));
    let issued = services::IssuedToken {
        access_token: secret(),
        expires_in: 3600,
        scope: String::new(),
    };
    assert_hidden("IssuedToken", format!("{issued:?}"));
    assert_hidden("CsrfToken", format!("{:?}", app::csrf::CsrfToken(secret())));
    let key = store::SigningKeyRecord {
        kid: "k1".into(),
        alg: "ES256".into(),
        private_der: SECRET.into(),
        created_at: 0,
        retired_at: None,
    };
    assert_hidden("SigningKeyRecord", format!("{key:?}"));

    // The configuration: the database password and the key-encryption key.
    let kek = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, [7u8; 32]);
    let cli = Cli::try_parse_from([
        "portcullis",
        "--database-url",
        &format!("postgres://portcullis:{SECRET}@db.internal:5432/portcullis"),
        "--key-encryption-key",
        &kek,
    ])
    .unwrap();
    let debug = format!("{:?}", cli.config);
    assert_hidden("Config", debug.clone());
    assert!(
        !debug.contains(&kek),
        "Config prints the key-encryption key: {debug}"
    );
    assert!(
        debug.contains("postgres://portcullis:***@db.internal:5432/portcullis"),
        "what is not secret stays readable: {debug}"
    );
    let settings = cli.config.token_settings(&Default::default());
    assert!(settings.key_encryption.is_some());
    assert!(!format!("{settings:?}").contains(&kek));
}
