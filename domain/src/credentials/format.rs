//! Identifiable secrets: a prefix naming the kind, random base62 characters, and a CRC32
//! checksum of the random part written as 6 base62 digits. A mistyped or truncated value is
//! refused without a database lookup, and secret scanners can recognise ours.

use std::fmt;

pub const CLIENT_ID_PREFIX: &str = "pci_";
pub const CLIENT_SECRET_PREFIX: &str = "pcs_";
pub const RESTRICTED_TOKEN_PREFIX: &str = "pcr_";
/// Random characters in a secret or token (about 238 bits).
pub const RANDOM_LEN: usize = 40;
/// Random characters in a Client ID.
pub const CLIENT_ID_RANDOM_LEN: usize = 24;
const CHECKSUM_LEN: usize = 6;
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretKind {
    ClientSecret,
    RestrictedToken,
}

impl SecretKind {
    pub fn prefix(self) -> &'static str {
        match self {
            SecretKind::ClientSecret => CLIENT_SECRET_PREFIX,
            SecretKind::RestrictedToken => RESTRICTED_TOKEN_PREFIX,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CredentialFormatError {
    WrongPrefix,
    WrongLength,
    NotBase62,
    BadChecksum,
}

impl fmt::Display for CredentialFormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CredentialFormatError::WrongPrefix => "unknown credential prefix",
            CredentialFormatError::WrongLength => "wrong credential length",
            CredentialFormatError::NotBase62 => "credential has characters outside base62",
            CredentialFormatError::BadChecksum => "credential checksum does not match",
        })
    }
}

impl std::error::Error for CredentialFormatError {}

/// The CRC32 (IEEE) of `random`, as 6 base62 digits, most significant first, zero-padded.
pub fn checksum(random: &str) -> String {
    let mut value = crc32fast::hash(random.as_bytes()) as u64;
    let mut digits = [b'0'; CHECKSUM_LEN];
    for slot in digits.iter_mut().rev() {
        *slot = BASE62[(value % 62) as usize];
        value /= 62;
    }
    String::from_utf8(digits.to_vec()).expect("base62 is ASCII")
}

fn is_base62(value: &str) -> bool {
    value.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A secret of `kind` around `random` (which must be `RANDOM_LEN` base62 characters from a
/// cryptographic source: the caller's job).
pub fn secret_from_random(kind: SecretKind, random: &str) -> String {
    debug_assert!(random.len() == RANDOM_LEN && is_base62(random));
    format!("{}{random}{}", kind.prefix(), checksum(random))
}

pub fn client_id_from_random(random: &str) -> String {
    debug_assert!(random.len() == CLIENT_ID_RANDOM_LEN && is_base62(random));
    format!("{CLIENT_ID_PREFIX}{random}")
}

pub fn is_client_id(value: &str) -> bool {
    value
        .strip_prefix(CLIENT_ID_PREFIX)
        .is_some_and(|rest| rest.len() >= 20 && rest.len() <= 64 && is_base62(rest))
}

/// Checks a presented secret's shape and checksum; answers its kind.
pub fn parse_secret(value: &str) -> Result<SecretKind, CredentialFormatError> {
    let (kind, rest) = if let Some(rest) = value.strip_prefix(CLIENT_SECRET_PREFIX) {
        (SecretKind::ClientSecret, rest)
    } else if let Some(rest) = value.strip_prefix(RESTRICTED_TOKEN_PREFIX) {
        (SecretKind::RestrictedToken, rest)
    } else {
        return Err(CredentialFormatError::WrongPrefix);
    };
    if rest.len() < 40 + CHECKSUM_LEN || rest.len() > 128 {
        return Err(CredentialFormatError::WrongLength);
    }
    if !is_base62(rest) {
        return Err(CredentialFormatError::NotBase62);
    }
    let (random, sum) = rest.split_at(rest.len() - CHECKSUM_LEN);
    if checksum(random) != sum {
        return Err(CredentialFormatError::BadChecksum);
    }
    Ok(kind)
}

/// The last four characters, the only part of a secret that is kept in the clear.
pub fn last_four(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RANDOM: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcd";

    #[test]
    fn checksum_is_crc32_in_base62() {
        // CRC32("123456789") = 0xCBF43926, the standard check value; in base62: 3jZRME.
        assert_eq!(checksum("123456789"), "3jZRME");
        assert_eq!(checksum(""), "000000", "CRC32 of nothing is 0");
    }

    #[test]
    fn secrets_round_trip_and_reject_typos() {
        let secret = secret_from_random(SecretKind::ClientSecret, RANDOM);
        assert!(secret.starts_with("pcs_"));
        assert_eq!(secret.len(), 4 + 40 + 6);
        assert_eq!(parse_secret(&secret), Ok(SecretKind::ClientSecret));
        let token = secret_from_random(SecretKind::RestrictedToken, RANDOM);
        assert_eq!(parse_secret(&token), Ok(SecretKind::RestrictedToken));

        let mut typo = secret.clone().into_bytes();
        typo[10] = if typo[10] == b'a' { b'b' } else { b'a' };
        assert_eq!(
            parse_secret(&String::from_utf8(typo).unwrap()),
            Err(CredentialFormatError::BadChecksum)
        );
        assert_eq!(
            parse_secret(&secret[..secret.len() - 1]),
            Err(CredentialFormatError::WrongLength)
        );
        assert_eq!(
            parse_secret(&format!("{secret}0")),
            Err(CredentialFormatError::BadChecksum)
        );
        assert_eq!(
            parse_secret("pcs_short"),
            Err(CredentialFormatError::WrongLength)
        );
        assert_eq!(
            parse_secret("xyz_0123456789"),
            Err(CredentialFormatError::WrongPrefix)
        );
        assert_eq!(
            parse_secret(&format!("pcs_{}-{}", &RANDOM[..39], checksum(RANDOM))),
            Err(CredentialFormatError::NotBase62)
        );
        assert_eq!(parse_secret(""), Err(CredentialFormatError::WrongPrefix));
    }

    #[test]
    fn client_ids_and_last_four() {
        let id = client_id_from_random("abcdefghijklmnopqrstuvwx");
        assert!(is_client_id(&id));
        assert!(!is_client_id("pci_short"));
        assert!(!is_client_id("pcs_abcdefghijklmnopqrstuvwx"));
        assert_eq!(last_four("pcs_abcdef"), "cdef");
        assert_eq!(last_four("ab"), "ab");
    }
}
