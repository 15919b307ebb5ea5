//! Property tests ("fuzz") for the parsers a stranger reaches: secrets and Client IDs, origins,
//! IP rules, scopes and dates. None may panic on any input; normalizations are stable; the
//! checksum catches every single-character typo. `PROPTEST_CASES` sets the number of cases
//! (the test command runs the default 256; `cargo xtask bench` runs many more).

use super::*;
use proptest::prelude::*;

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn random_part() -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(BASE62), RANDOM_LEN)
        .prop_map(|bytes| String::from_utf8(bytes).expect("ASCII"))
}

proptest! {
    #[test]
    fn fuzz_parsers_never_panic(input in any::<String>()) {
        let _ = parse_secret(&input);
        let _ = is_client_id(&input);
        let _ = AllowedOrigin::parse(&input);
        let _ = AllowedOrigins::parse_list(&input);
        let _ = IpRule::parse(&input);
        let _ = AllowedIps::parse_list(&input);
        let _ = ScopeCatalog::default().parse_scopes(&input);
        let _ = Scopes::from_stored(&input);
        let _ = ExpirationDate::parse_date(&input, 0);
        let _ = unix_of_date(&input);
        let _ = CredentialName::parse(&input);
        let _ = Description::parse(&input);
    }

    #[test]
    fn fuzz_secret_checksums_catch_every_single_character_typo(
        random in random_part(),
        at in 0..RANDOM_LEN,
        replacement in proptest::sample::select(BASE62),
        kind in prop_oneof![Just(SecretKind::ClientSecret), Just(SecretKind::RestrictedToken)],
    ) {
        let secret = secret_from_random(kind, &random);
        prop_assert_eq!(parse_secret(&secret), Ok(kind));
        let mut typo = secret.clone().into_bytes();
        let index = kind.prefix().len() + at;
        prop_assume!(typo[index] != replacement);
        typo[index] = replacement;
        let typo = String::from_utf8(typo).expect("ASCII");
        prop_assert_eq!(parse_secret(&typo), Err(CredentialFormatError::BadChecksum));
    }

    #[test]
    fn fuzz_origins_normalize_to_a_fixed_point(
        scheme in prop_oneof![Just("http"), Just("https"), Just("HTTPS"), Just("ftp")],
        host in "[a-zA-Z0-9.-]{0,20}",
        port in proptest::option::of(0u32..70000),
        tail in prop_oneof![Just(""), Just("/"), Just("/path"), Just("?q=1"), Just("#x")],
    ) {
        let input = match port {
            Some(port) => format!("{scheme}://{host}:{port}{tail}"),
            None => format!("{scheme}://{host}{tail}"),
        };
        if let Ok(origin) = AllowedOrigin::parse(&input) {
            let again = AllowedOrigin::parse(origin.as_str());
            prop_assert_eq!(again.as_ref().map(AllowedOrigin::as_str), Ok(origin.as_str()));
            prop_assert!(!origin.as_str().ends_with('/'));
            prop_assert!(origin.as_str().starts_with("http"));
        }
    }

    #[test]
    fn fuzz_ip_rules_normalize_to_a_fixed_point(
        octets in proptest::array::uniform4(any::<u8>()),
        v6 in proptest::array::uniform8(any::<u16>()),
        prefix in proptest::option::of(0u8..140),
        as_v6 in any::<bool>(),
    ) {
        let address = if as_v6 {
            std::net::Ipv6Addr::from(v6).to_string()
        } else {
            std::net::Ipv4Addr::from(octets).to_string()
        };
        let input = match prefix {
            Some(p) => format!("{address}/{p}"),
            None => address.clone(),
        };
        if let Ok(rule) = IpRule::parse(&input) {
            let shown = rule.to_string();
            prop_assert_eq!(IpRule::parse(&shown).map(|r| r.to_string()), Ok(shown));
            if prefix.is_none() {
                prop_assert!(rule.contains(address.parse().expect("an address")));
            }
        }
    }
}
