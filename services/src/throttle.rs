//! Throttling of what hashes a password: sign-in, sign-up, invite acceptance, password change.
//!
//! Every attempt is reserved in the database (one atomic statement) before anything is hashed,
//! so concurrent attempts cannot overshoot a limit, and every instance counts together.
//! Failures are keyed by (email, address): a stranger's guesses lock out only the stranger.
//! The email alone gets a slowdown that grows with its failures from anywhere, never a lockout.
//! Addresses are the trusted-proxy client address; IPv6 addresses count per /64, the block one
//! subscriber usually holds.

use crate::{ServiceError, Services};
use std::net::IpAddr;
use std::time::Duration;

/// Every count starts again after this long.
pub const WINDOW_SECONDS: i64 = 15 * 60;
/// Failed sign-ins per (email, address) within the window before that pair is refused.
pub const MAX_FAILURES_PER_EMAIL_AND_ADDRESS: i64 = 5;
/// Sign-in attempts per address within the window (a trusted proxy's clients count apart).
pub const MAX_SIGN_INS_PER_ADDRESS: i64 = 50;
/// Failures of one email, from anywhere, before its sign-ins are slowed down.
pub const EMAIL_SLOWDOWN_AFTER: i64 = 5;
/// The longest slowdown.
pub const MAX_SLOWDOWN: Duration = Duration::from_secs(2);
/// Sign-ups and invite acceptances per address within the window.
pub const MAX_NEW_ACCOUNTS_PER_ADDRESS: i64 = 20;
/// Password changes attempted per user within the window.
pub const MAX_PASSWORD_CHANGES: i64 = 5;

/// What an address counts as: an IPv4 address itself, an IPv6 address its /64.
pub fn address_group(address: Option<IpAddr>) -> String {
    match address.map(|a| a.to_canonical()) {
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        None => "unknown".to_string(),
    }
}

/// How long a sign-in for an email waits, given its failures before this attempt: nothing up
/// to `EMAIL_SLOWDOWN_AFTER`, then a quarter second more per failure, at most `MAX_SLOWDOWN`.
pub fn email_slowdown(failures_before: i64) -> Duration {
    let beyond = failures_before.saturating_sub(EMAIL_SLOWDOWN_AFTER).max(0);
    let millis = u64::try_from(beyond).unwrap_or(0).saturating_mul(250);
    Duration::from_millis(millis).min(MAX_SLOWDOWN)
}

/// The keys one sign-in counts under.
pub(crate) struct SignInKeys {
    pub address: String,
    pub pair: String,
    pub email: String,
}

impl SignInKeys {
    pub fn new(email: &str, address: Option<IpAddr>) -> SignInKeys {
        let group = address_group(address);
        SignInKeys {
            address: format!("sign-in-addr:{group}"),
            pair: format!("sign-in-pair:{email}|{group}"),
            email: format!("sign-in-email:{email}"),
        }
    }
}

fn throttled() -> ServiceError {
    tracing::warn!("attempt throttled");
    ServiceError::Throttled {
        minutes: WINDOW_SECONDS / 60,
    }
}

impl Services {
    /// Reserves one attempt under `key`; refused once the window holds more than `max`.
    pub(crate) async fn reserve(&self, key: &str, max: i64, now: i64) -> Result<i64, ServiceError> {
        let count = self
            .store()
            .reserve_attempt(key, now, now - WINDOW_SECONDS)
            .await?;
        if count > max {
            Err(throttled())
        } else {
            Ok(count)
        }
    }

    /// Reserves a sign-in: per address, then per (email, address); then waits out the email's
    /// slowdown. Answers nothing; a refusal is `Throttled`.
    pub(crate) async fn reserve_sign_in(
        &self,
        keys: &SignInKeys,
        now: i64,
    ) -> Result<(), ServiceError> {
        self.reserve(&keys.address, MAX_SIGN_INS_PER_ADDRESS, now)
            .await?;
        self.reserve(&keys.pair, MAX_FAILURES_PER_EMAIL_AND_ADDRESS, now)
            .await?;
        let failures_before = self.reserve(&keys.email, i64::MAX, now).await? - 1;
        let wait = email_slowdown(failures_before);
        if !wait.is_zero() {
            tracing::info!(wait_ms = wait.as_millis() as u64, "sign-in slowed down");
            tokio::time::sleep(wait).await;
        }
        Ok(())
    }

    /// Gives the reservation back: the sign-in succeeded, or was never tried (busy).
    pub(crate) async fn release_sign_in(
        &self,
        keys: &SignInKeys,
        succeeded: bool,
    ) -> Result<(), ServiceError> {
        let store = self.store();
        store.release_attempt(&keys.address).await?;
        store.release_attempt(&keys.email).await?;
        if succeeded {
            store.clear_attempts(&keys.pair).await?;
        } else {
            store.release_attempt(&keys.pair).await?;
        }
        Ok(())
    }

    /// Reserves a sign-up or an invite acceptance from `address`.
    pub(crate) async fn reserve_new_account(
        &self,
        address: Option<IpAddr>,
        now: i64,
    ) -> Result<(), ServiceError> {
        let key = format!("new-account:{}", address_group(address));
        self.reserve(&key, MAX_NEW_ACCOUNTS_PER_ADDRESS, now)
            .await
            .map(drop)
    }

    /// Deletes counts whose window has passed.
    pub async fn prune_attempts(&self, now: i64) -> Result<u64, ServiceError> {
        Ok(self.store().prune_attempts(now - WINDOW_SECONDS).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn ipv6_counts_per_64_and_ipv4_per_address() {
        assert_eq!(
            address_group(ip("2001:db8:1:2:aaaa::1")),
            address_group(ip("2001:db8:1:2:ffff::9"))
        );
        assert_ne!(
            address_group(ip("2001:db8:1:2::1")),
            address_group(ip("2001:db8:1:3::1"))
        );
        assert_eq!(address_group(ip("2001:db8:1:2::1")), "2001:db8:1:2::/64");
        assert_eq!(address_group(ip("203.0.113.9")), "203.0.113.9");
        assert_ne!(
            address_group(ip("203.0.113.9")),
            address_group(ip("203.0.113.10"))
        );
        // An IPv4 address mapped into IPv6 is the IPv4 address.
        assert_eq!(address_group(ip("::ffff:203.0.113.9")), "203.0.113.9");
        assert_eq!(address_group(None), "unknown");
    }

    #[test]
    fn the_slowdown_starts_after_the_free_failures_and_is_capped() {
        assert_eq!(email_slowdown(0), Duration::ZERO);
        assert_eq!(email_slowdown(EMAIL_SLOWDOWN_AFTER), Duration::ZERO);
        assert_eq!(
            email_slowdown(EMAIL_SLOWDOWN_AFTER + 1),
            Duration::from_millis(250)
        );
        assert_eq!(
            email_slowdown(EMAIL_SLOWDOWN_AFTER + 4),
            Duration::from_secs(1)
        );
        assert_eq!(email_slowdown(10_000), MAX_SLOWDOWN);
        assert_eq!(email_slowdown(-3), Duration::ZERO);
    }
}
