//! Rate limits and quotas (PRODUCT.md §9): `requests` per `per`, for API Clients and
//! Restricted Access Tokens. A rate limit counts per second, minute or hour; a quota per day
//! or per 30 days. Both are fixed windows aligned to the Unix epoch, so that every instance
//! means the same window and counts from several instances add up.

use crate::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// More than this in one window is not a limit any more.
pub const MAX_REQUESTS: u64 = 1_000_000_000;

/// The units of one kind of limit.
pub trait Unit: Copy + Eq + fmt::Debug + 'static {
    /// The form and JSON field the limit is entered in.
    const FIELD: &'static str;
    /// What the field is called in messages.
    const LABEL: &'static str;
    const ALL: &'static [Self];
    fn as_str(self) -> &'static str;
    fn seconds(self) -> i64;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RateUnit {
    Second,
    Minute,
    Hour,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuotaUnit {
    Day,
    Month,
}

impl Unit for RateUnit {
    const FIELD: &'static str = "rate_limit";
    const LABEL: &'static str = "Rate limit";
    const ALL: &'static [Self] = &[RateUnit::Second, RateUnit::Minute, RateUnit::Hour];

    fn as_str(self) -> &'static str {
        match self {
            RateUnit::Second => "second",
            RateUnit::Minute => "minute",
            RateUnit::Hour => "hour",
        }
    }

    fn seconds(self) -> i64 {
        match self {
            RateUnit::Second => 1,
            RateUnit::Minute => 60,
            RateUnit::Hour => 3_600,
        }
    }
}

impl Unit for QuotaUnit {
    const FIELD: &'static str = "quota";
    const LABEL: &'static str = "Quota";
    const ALL: &'static [Self] = &[QuotaUnit::Day, QuotaUnit::Month];

    fn as_str(self) -> &'static str {
        match self {
            QuotaUnit::Day => "day",
            QuotaUnit::Month => "month",
        }
    }

    /// A "month" is 30 days.
    fn seconds(self) -> i64 {
        match self {
            QuotaUnit::Day => 86_400,
            QuotaUnit::Month => 30 * 86_400,
        }
    }
}

/// `requests` per `per`: `{"requests": 5, "per": "minute"}` in JSON, `5/minute` in the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limit<U> {
    pub requests: u64,
    pub per: U,
}

pub type RateLimit = Limit<RateUnit>;
pub type Quota = Limit<QuotaUnit>;

fn unit_of<U: Unit>(name: &str) -> Option<U> {
    U::ALL.iter().copied().find(|u| u.as_str() == name)
}

impl<U: Unit> Limit<U> {
    fn refuse(message: impl Into<String>) -> FieldError {
        FieldError::new(U::FIELD, message)
    }

    fn units() -> String {
        U::ALL
            .iter()
            .map(|u| u.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn checked(requests: u64, per: U) -> Result<Self, FieldError> {
        if requests == 0 {
            return Err(Self::refuse(format!(
                "{} must be at least 1 request",
                U::LABEL
            )));
        }
        if requests > MAX_REQUESTS {
            return Err(Self::refuse(format!(
                "{} can be at most {MAX_REQUESTS} requests",
                U::LABEL
            )));
        }
        Ok(Limit { requests, per })
    }

    /// From the console's two inputs (a number and a unit); both empty is no limit.
    pub fn parse_form(requests: &str, per: &str) -> Result<Option<Self>, FieldError> {
        let (requests, per) = (requests.trim(), per.trim());
        if requests.is_empty() {
            return Ok(None);
        }
        let Ok(count) = requests.parse::<u64>() else {
            return Err(Self::refuse(format!(
                "{} must be a whole number of requests, not {requests:?}",
                U::LABEL
            )));
        };
        let per = unit_of(per).ok_or_else(|| {
            Self::refuse(format!("Choose the {} unit: {}", U::LABEL, Self::units()))
        })?;
        Self::checked(count, per).map(Some)
    }

    /// From the JSON of `/api/v1`: `null` is no limit, else `{"requests": N, "per": UNIT}`.
    pub fn parse_json(value: &serde_json::Value) -> Result<Option<Self>, FieldError> {
        if value.is_null() {
            return Ok(None);
        }
        let shape = || {
            Self::refuse(format!(
                "{} must be null or {{\"requests\": N, \"per\": \"{}\"}}",
                U::FIELD,
                U::ALL
                    .iter()
                    .map(|u| u.as_str())
                    .collect::<Vec<_>>()
                    .join("\"|\"")
            ))
        };
        let object = value.as_object().ok_or_else(shape)?;
        if object.keys().any(|k| k != "requests" && k != "per") {
            return Err(shape());
        }
        let requests = object.get("requests").ok_or_else(shape)?;
        let count = requests.as_u64().ok_or_else(|| {
            Self::refuse(format!(
                "{}.requests must be a positive whole number, not {requests}",
                U::FIELD
            ))
        })?;
        let per = object
            .get("per")
            .and_then(|p| p.as_str())
            .ok_or_else(shape)?;
        let per = unit_of(per).ok_or_else(|| {
            Self::refuse(format!(
                "{}.per must be one of {}, not {per:?}",
                U::FIELD,
                Self::units()
            ))
        })?;
        Self::checked(count, per).map(Some)
    }

    /// `5/minute`, as the database keeps it.
    pub fn to_stored(self) -> String {
        format!("{}/{}", self.requests, self.per.as_str())
    }

    /// What `to_stored` wrote; `None` for anything else.
    pub fn from_stored(stored: &str) -> Option<Self> {
        let (requests, per) = stored.split_once('/')?;
        Self::checked(requests.parse().ok()?, unit_of(per)?).ok()
    }

    pub fn window_seconds(self) -> i64 {
        self.per.seconds()
    }

    /// The window `now` falls in: its start (Unix seconds).
    pub fn window_start(self, now: i64) -> i64 {
        now - now.rem_euclid(self.window_seconds())
    }
}

/// A credential's limits, either or both of which may be absent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub rate_limit: Option<RateLimit>,
    pub quota: Option<Quota>,
}

impl Limits {
    pub fn is_none(&self) -> bool {
        self.rate_limit.is_none() && self.quota.is_none()
    }

    /// From the console's four inputs.
    pub fn parse_form(
        rate_requests: &str,
        rate_per: &str,
        quota_requests: &str,
        quota_per: &str,
    ) -> Result<Limits, FieldError> {
        Ok(Limits {
            rate_limit: RateLimit::parse_form(rate_requests, rate_per)?,
            quota: Quota::parse_form(quota_requests, quota_per)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn form_input_is_checked_and_names_its_field() {
        assert_eq!(RateLimit::parse_form("", ""), Ok(None));
        assert_eq!(RateLimit::parse_form(" ", "minute"), Ok(None));
        assert_eq!(
            RateLimit::parse_form("5", "minute"),
            Ok(Some(Limit {
                requests: 5,
                per: RateUnit::Minute
            }))
        );
        for (requests, per) in [
            ("0", "minute"),
            ("-1", "minute"),
            ("1.5", "minute"),
            ("ten", "minute"),
            ("1000000001", "second"),
            ("5", "fortnight"),
            ("5", ""),
            ("5", "day"),
        ] {
            let err = RateLimit::parse_form(requests, per).unwrap_err();
            assert_eq!(err.field, "rate_limit", "{requests} {per}");
        }
        assert_eq!(QuotaUnit::Month.seconds(), 30 * 86_400);
        assert_eq!(
            Quota::parse_form("100", "day").unwrap().unwrap().per,
            QuotaUnit::Day
        );
        assert_eq!(Quota::parse_form("100", "hour").unwrap_err().field, "quota");
    }

    #[test]
    fn json_input_is_checked_and_stored_form_round_trips() {
        let five = RateLimit::parse_json(&json!({"requests": 5, "per": "minute"}))
            .unwrap()
            .unwrap();
        assert_eq!(five.to_stored(), "5/minute");
        assert_eq!(RateLimit::from_stored("5/minute"), Some(five));
        assert_eq!(RateLimit::parse_json(&json!(null)), Ok(None));
        for bad in [
            json!({"requests": 0, "per": "minute"}),
            json!({"requests": -5, "per": "minute"}),
            json!({"requests": 2.5, "per": "minute"}),
            json!({"requests": "5", "per": "minute"}),
            json!({"requests": 5, "per": "week"}),
            json!({"requests": 5}),
            json!({"requests": 5, "per": "minute", "burst": 2}),
            json!(5),
            json!("5/minute"),
        ] {
            assert_eq!(
                RateLimit::parse_json(&bad).unwrap_err().field,
                "rate_limit",
                "{bad}"
            );
        }
        assert_eq!(RateLimit::from_stored("0/minute"), None);
        assert_eq!(RateLimit::from_stored("5/day"), None);
    }

    #[test]
    fn windows_are_aligned_to_the_epoch() {
        let minute = RateLimit::parse_form("5", "minute").unwrap().unwrap();
        assert_eq!(minute.window_start(120), 120);
        assert_eq!(minute.window_start(179), 120);
        assert_eq!(minute.window_start(180), 180);
        let day = Quota::parse_form("5", "day").unwrap().unwrap();
        assert_eq!(day.window_start(86_400 + 5), 86_400);
    }
}
