//! Random tokens from the operating system, their digests, and constant-time comparison.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// `len` base62 characters (rejection sampling: no modulo bias) from AWS-LC's random generator,
/// the one that makes the signatures' nonces: a DRBG seeded and reseeded from the operating
/// system, without a system call for each id (the token endpoint makes one per token).
pub fn random_base62(len: usize) -> String {
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        // An eighth more bytes than characters still wanted: one in 32 is rejected, so a
        // second draw is rare, and the generator's cost grows with the bytes it makes.
        let wanted = len - out.len();
        let draw = &mut buf[..(wanted + wanted / 8 + 1).min(64)];
        aws_lc_rs::rand::fill(draw).expect("the random generator failed");
        for &byte in draw.iter() {
            // 248 = 4 * 62: bytes at or above it would favour the first characters.
            if byte < 248 && out.len() < len {
                out.push(BASE62[(byte % 62) as usize] as char);
            }
        }
    }
    out
}

/// A 32-character id for rows (about 190 bits).
pub fn new_id() -> String {
    random_base62(32)
}

/// A bearer-style token: 43 base62 characters, about 256 bits.
pub fn new_token() -> String {
    random_base62(43)
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Hex SHA-256, the form in which tokens are stored and looked up.
pub fn digest(token: &str) -> String {
    hex(&digest_bytes(token))
}

/// A raw digest in hex, as `digest` writes it.
pub fn hex(digest: &[u8; 32]) -> String {
    let mut hex = String::with_capacity(64);
    for byte in digest {
        hex.push(HEX[usize::from(byte >> 4)] as char);
        hex.push(HEX[usize::from(byte & 0x0f)] as char);
    }
    hex
}

/// The raw digest `hex` wrote; `None` for anything else (upper case included).
pub fn parse_hex(hex: &str) -> Option<[u8; 32]> {
    let nibble = |c: u8| HEX.iter().position(|&h| h == c).map(|n| n as u8);
    let bytes = hex.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        out[i] = nibble(pair[0])? << 4 | nibble(pair[1])?;
    }
    Some(out)
}

/// The raw SHA-256 of a token, for in-memory maps.
pub fn digest_bytes(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// A stored hex digest as raw bytes, for comparing with `digest_bytes` in constant time. A
/// stored value that is not a digest `hex` wrote becomes all zeros, which no secret's
/// SHA-256 is (finding one would be a preimage of SHA-256).
pub fn stored_digest(hex: &str) -> [u8; 32] {
    parse_hex(hex).unwrap_or([0; 32])
}

/// Equal, in time that does not depend on where they differ: strings, or raw digests.
pub fn constant_time_eq(a: impl AsRef<[u8]>, b: impl AsRef<[u8]>) -> bool {
    let (a, b) = (a.as_ref(), b.as_ref());
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_base62_and_distinct() {
        let a = new_token();
        let b = new_token();
        assert_eq!(a.len(), 43);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
    }

    #[test]
    fn digest_is_sha256_hex() {
        assert_eq!(
            digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn hex_digests_read_back_and_nothing_else_does() {
        let raw = digest_bytes("abc");
        assert_eq!(parse_hex(&digest("abc")), Some(raw));
        assert_eq!(hex(&raw), digest("abc"));
        let upper = digest("abc").to_uppercase();
        for bad in [
            "",
            "ab",
            &digest("abc")[..63],
            &upper,
            &format!("{}0", digest("abc")),
        ] {
            assert_eq!(parse_hex(bad), None, "{bad}");
        }
        assert_eq!(parse_hex(&"zz".repeat(32)), None);
    }

    #[test]
    fn ids_of_every_length_are_that_long_and_base62() {
        for len in 0..=150 {
            let id = random_base62(len);
            assert_eq!(id.len(), len);
            assert!(id.bytes().all(|b| BASE62.contains(&b)), "{id}");
        }
    }

    #[test]
    fn stored_digests_read_back_and_anything_else_matches_no_secret() {
        let digest = digest_bytes("pcs_secret");
        assert_eq!(stored_digest(&hex(&digest)), digest);
        assert_eq!(stored_digest("not a digest"), [0; 32]);
    }

    #[test]
    fn comparison() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "abcd"));
        assert!(constant_time_eq([7u8; 32], [7u8; 32]));
        assert!(!constant_time_eq([7u8; 32], [8u8; 32]));
    }
}
