//! The path a route is matched against is the path the upstream will see: percent-encoded
//! unreserved characters are decoded (so `/%61dmin` is `/admin` for both), and anything an
//! upstream might read differently from us is refused: dot segments, empty segments, encoded
//! `/` or `\`, control characters, a malformed escape.

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

/// The normalized form of an origin-form path (without the query).
pub fn normalize(path: &str) -> Result<String, BadPath> {
    let bytes = path.as_bytes();
    if bytes.first() != Some(&b'/') {
        return Err("the path must start with /");
    }
    let mut out = String::with_capacity(path.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'%' => {
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
            b'\\' => return Err("the path holds a backslash"),
            b'#' | b'?' => return Err("the path holds # or ?"),
            _ if !(0x21..0x7f).contains(&b) => {
                return Err("the path holds a space, control or non-ASCII character");
            }
            _ => {
                out.push(b as char);
                i += 1;
            }
        }
    }
    let segments: Vec<&str> = out[1..].split('/').collect();
    let last = segments.len() - 1;
    for (n, segment) in segments.iter().enumerate() {
        if *segment == "." || *segment == ".." {
            return Err("the path holds a . or .. segment");
        }
        if segment.is_empty() && n != last {
            return Err("the path holds an empty segment (//)");
        }
    }
    Ok(out)
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
        ] {
            assert!(normalize(bad).is_err(), "{bad:?}");
        }
    }
}
