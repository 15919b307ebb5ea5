//! An API Client's logo (PRODUCT.md §10): what may be uploaded, told from the bytes alone (never
//! from the file's name or its declared type). Decoding and re-encoding happen on the server
//! (`services::logos`); this part is shared so the browser can refuse early what the server
//! would refuse anyway.

use crate::FieldError;

/// The form field and JSON field an upload's problem is reported under.
pub const LOGO_FIELD: &str = "logo";
/// The largest file accepted.
pub const MAX_LOGO_BYTES: usize = 256 * 1024;
/// The largest width and height accepted, in pixels.
pub const MAX_LOGO_SIDE: u32 = 1024;

/// The formats accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogoFormat {
    Png,
    Jpeg,
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
/// Start of image, then the first marker's `0xFF`.
const JPEG_SIGNATURE: &[u8] = b"\xFF\xD8\xFF";

impl LogoFormat {
    /// The format the bytes begin with, if it is one we take.
    pub fn sniff(bytes: &[u8]) -> Option<LogoFormat> {
        if bytes.starts_with(PNG_SIGNATURE) {
            Some(LogoFormat::Png)
        } else if bytes.starts_with(JPEG_SIGNATURE) {
            Some(LogoFormat::Jpeg)
        } else {
            None
        }
    }

    /// What the logo is served as; never anything a browser would render as a document.
    pub fn content_type(self) -> &'static str {
        match self {
            LogoFormat::Png => "image/png",
            LogoFormat::Jpeg => "image/jpeg",
        }
    }

    /// The stored content type back as a format (anything else is not a logo of ours).
    pub fn from_content_type(value: &str) -> Option<LogoFormat> {
        match value {
            "image/png" => Some(LogoFormat::Png),
            "image/jpeg" => Some(LogoFormat::Jpeg),
            _ => None,
        }
    }
}

pub fn too_large() -> FieldError {
    FieldError::new(
        LOGO_FIELD,
        format!("The logo must be at most {} KB", MAX_LOGO_BYTES / 1024),
    )
}

pub fn not_an_image() -> FieldError {
    FieldError::new(LOGO_FIELD, "The logo must be a PNG or JPEG image")
}

pub fn too_wide(width: u32, height: u32) -> FieldError {
    FieldError::new(
        LOGO_FIELD,
        format!(
            "The logo must be at most {MAX_LOGO_SIDE}×{MAX_LOGO_SIDE} pixels (this one is {width}×{height})"
        ),
    )
}

/// The checks that need no decoding: the size and the format the bytes begin with.
pub fn check_logo_file(bytes: &[u8]) -> Result<LogoFormat, FieldError> {
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(too_large());
    }
    LogoFormat::sniff(bytes).ok_or_else(not_an_image)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_comes_from_the_bytes() {
        assert_eq!(
            LogoFormat::sniff(b"\x89PNG\r\n\x1a\nrest"),
            Some(LogoFormat::Png)
        );
        assert_eq!(
            LogoFormat::sniff(b"\xFF\xD8\xFF\xE0rest"),
            Some(LogoFormat::Jpeg)
        );
        assert_eq!(LogoFormat::sniff(b"<svg xmlns="), None);
        assert_eq!(LogoFormat::sniff(b"<!doctype html><title>x"), None);
        assert_eq!(LogoFormat::sniff(b""), None);
        assert_eq!(LogoFormat::sniff(b"\x89PN"), None);
    }

    #[test]
    fn a_file_over_the_limit_is_refused_before_its_format() {
        let mut big = PNG_SIGNATURE.to_vec();
        big.resize(MAX_LOGO_BYTES + 1, 0);
        let err = check_logo_file(&big).unwrap_err();
        assert_eq!(err.field, LOGO_FIELD);
        assert!(err.message.contains("256 KB"), "{}", err.message);
        big.truncate(MAX_LOGO_BYTES);
        assert_eq!(check_logo_file(&big), Ok(LogoFormat::Png));
        assert_eq!(check_logo_file(b"GIF89a").unwrap_err(), not_an_image());
    }

    #[test]
    fn content_types_round_trip() {
        for format in [LogoFormat::Png, LogoFormat::Jpeg] {
            assert_eq!(
                LogoFormat::from_content_type(format.content_type()),
                Some(format)
            );
        }
        assert_eq!(LogoFormat::from_content_type("text/html"), None);
    }
}
