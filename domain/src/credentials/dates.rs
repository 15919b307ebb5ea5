//! The optional Expiration date of the console forms: a calendar day (`YYYY-MM-DD`, as
//! `<input type="date">` sends it). A credential stays valid through the end of that day, UTC.

use crate::FieldError;

pub(super) const DAY: i64 = 86_400;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Unix seconds at 00:00 UTC of `YYYY-MM-DD`, if it is a real date.
pub fn unix_of_date(date: &str) -> Option<i64> {
    let bytes = date.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let y: i64 = date[0..4].parse().ok()?;
    let m: i64 = date[5..7].parse().ok()?;
    let d: i64 = date[8..10].parse().ok()?;
    if !(1..=12).contains(&m) || d < 1 {
        return None;
    }
    let days = days_from_civil(y, m, d);
    // Reject 2026-02-30 and the like: the day must map back to itself.
    (civil_from_days(days) == (y, m, d)).then_some(days * DAY)
}

/// The `YYYY-MM-DD` (UTC) that contains `unix`.
pub fn date_of(unix: i64) -> String {
    let (y, m, d) = civil_from_days(unix.div_euclid(DAY));
    format!("{y:04}-{m:02}-{d:02}")
}

/// An optional expiration: `None` means never.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExpirationDate(Option<i64>);

impl ExpirationDate {
    pub const FIELD: &'static str = "expires_at";

    /// Parses the form's date; empty means none. The day must not be over.
    pub fn parse_date(input: &str, now: i64) -> Result<Self, FieldError> {
        Ok(ExpirationDate(
            super::Expiry::from_form_date(input)?.resolve(None, now)?,
        ))
    }

    /// An exact moment (the public API's RFC 3339 `expires_at`), which must be in the future.
    pub fn at(expires_at: i64, now: i64) -> Result<Self, FieldError> {
        if expires_at <= now {
            return Err(FieldError::new(
                Self::FIELD,
                "Expiration date must be in the future",
            ));
        }
        Ok(ExpirationDate(Some(expires_at)))
    }

    pub fn never() -> Self {
        ExpirationDate(None)
    }

    pub fn unix(&self) -> Option<i64> {
        self.0
    }
}

/// The date to show in the form for a stored expiry (the last day it is valid).
pub fn form_date_of(expires_at: i64) -> String {
    date_of(expires_at - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_convert_both_ways() {
        assert_eq!(unix_of_date("1970-01-01"), Some(0));
        assert_eq!(unix_of_date("2026-11-23"), Some(1_795_392_000));
        assert_eq!(date_of(1_795_392_000 + 3_600), "2026-11-23");
        assert_eq!(
            unix_of_date("2024-02-29").map(date_of).as_deref(),
            Some("2024-02-29")
        );
        for bad in [
            "2026-02-30",
            "2026-13-01",
            "2026-00-10",
            "26-01-01",
            "2026/01/01",
            "",
            "2026-1-01",
        ] {
            assert_eq!(unix_of_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn expiration_is_the_end_of_the_chosen_day() {
        let now = unix_of_date("2026-11-23").unwrap() + 10 * 3_600;
        let today = ExpirationDate::parse_date("2026-11-23", now).unwrap();
        assert_eq!(today.unix(), unix_of_date("2026-11-24"));
        assert_eq!(form_date_of(today.unix().unwrap()), "2026-11-23");
        let past = ExpirationDate::parse_date("2026-11-22", now).unwrap_err();
        assert_eq!(past.field, "expires_at");
        assert_eq!(ExpirationDate::parse_date("", now).unwrap().unix(), None);
        assert!(ExpirationDate::parse_date("tomorrow", now).is_err());
        assert!(ExpirationDate::at(now, now).is_err());
    }
}
