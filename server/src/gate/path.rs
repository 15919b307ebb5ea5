//! The path a route is matched against is the path the upstream will see: percent-encoded
//! unreserved characters are decoded (so `/%61dmin` is `/admin` for both), and anything an
//! upstream might read differently from us is refused: dot segments, empty segments, encoded
//! `/` or `\`, control characters, a malformed escape.

use std::borrow::Cow;

/// Why a path is refused (400 `invalid_request`).
pub type BadPath = &'static str;

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The normalized form of an origin-form path (without the query): the path itself when it
/// holds no percent escape (the common case, no copy), else a copy with the unreserved ones
/// decoded and the others upper-cased.
pub fn normalize(path: &str) -> Result<Cow<'_, str>, BadPath> {
    let bytes = path.as_bytes();
    if bytes.first() != Some(&b'/') {
        return Err("the path must start with /");
    }
    let normalized = if bytes.contains(&b'%') {
        Cow::Owned(decode(bytes)?)
    } else {
        check_plain(bytes)?;
        Cow::Borrowed(path)
    };
    check_segments(&normalized)?;
    Ok(normalized)
}

/// The characters a path may hold as they are.
fn check_plain_byte(b: u8) -> Result<(), BadPath> {
    match b {
        b'\\' => Err("the path holds a backslash"),
        b'#' | b'?' => Err("the path holds # or ?"),
        _ if !(0x21..0x7f).contains(&b) => {
            Err("the path holds a space, control or non-ASCII character")
        }
        _ => Ok(()),
    }
}

fn check_plain(bytes: &[u8]) -> Result<(), BadPath> {
    bytes.iter().try_for_each(|&b| check_plain_byte(b))
}

/// A copy of a path with escapes, unreserved ones decoded.
fn decode(bytes: &[u8]) -> Result<String, BadPath> {
    let mut out = String::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b != b'%' {
            check_plain_byte(b)?;
            out.push(b as char);
            i += 1;
            continue;
        }
        let (Some(hi), Some(lo)) = (
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) else {
            return Err("the path holds a malformed percent escape");
        };
        let decoded = hi * 16 + lo;
        if is_unreserved(decoded) {
            out.push(decoded as char);
        } else if matches!(decoded, b'/' | b'\\') || decoded < 0x20 || decoded == 0x7f {
            return Err("the path holds an encoded slash, backslash or control character");
        } else {
            out.push('%');
            out.push(char::from(b"0123456789ABCDEF"[usize::from(hi)]));
            out.push(char::from(b"0123456789ABCDEF"[usize::from(lo)]));
        }
        i += 3;
    }
    Ok(out)
}

/// No `.` or `..` segment, and no empty one but the last (`/orders/` is a path of its own).
fn check_segments(path: &str) -> Result<(), BadPath> {
    let mut segments = path[1..].split('/').peekable();
    while let Some(segment) = segments.next() {
        if segment == "." || segment == ".." {
            return Err("the path holds a . or .. segment");
        }
        if segment.is_empty() && segments.peek().is_some() {
            return Err("the path holds an empty segment (//)");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreserved_escapes_are_decoded() {
        assert_eq!(normalize("/%61dmin/%7e").unwrap(), "/admin/~");
        assert_eq!(normalize("/a%20b").unwrap(), "/a%20b");
        assert_eq!(normalize("/a%c3%a9").unwrap(), "/a%C3%A9");
        assert_eq!(normalize("/").unwrap(), "/");
        assert_eq!(normalize("/orders/").unwrap(), "/orders/");
    }

    #[test]
    fn a_path_without_escapes_is_not_copied() {
        assert!(matches!(
            normalize("/orders/1"),
            Ok(Cow::Borrowed("/orders/1"))
        ));
        assert!(matches!(normalize("/orders/%31"), Ok(Cow::Owned(p)) if p == "/orders/1"));
    }

    #[test]
    fn ambiguous_paths_are_refused() {
        for bad in [
            "",
            "orders",
            "/a/../b",
            "/a/./b",
            "/..",
            "/%2e%2e/admin",
            "/a/%2E",
            "/a%2fb",
            "/a%5Cb",
            "/a\\b",
            "/a//b",
            "/a%0a",
            "/a%zz",
            "/a%4",
            "/a b",
            "/é",
            "/a%00",
            "/a/%2e/",
            "/a%",
        ] {
            assert!(normalize(bad).is_err(), "{bad:?}");
        }
    }
}
