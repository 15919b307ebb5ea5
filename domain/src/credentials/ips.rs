//! Allowed IP Addresses: IPv4 or IPv6 addresses or CIDR ranges, stored normalized.

use super::split_list;
use crate::FieldError;
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::IpAddr;

pub const MAX_IPS: usize = 100;

/// One address or range. IPv4-mapped IPv6 counts as IPv4; a range keeps its network address
/// (`203.0.113.7/24` is stored as `203.0.113.0/24`); a full-length prefix is a single address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IpRule(IpNet);

fn unmap(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(addr),
        v4 => v4,
    }
}

impl IpRule {
    pub fn parse(entry: &str) -> Result<Self, String> {
        let entry = entry.trim();
        let refuse = || format!("not an IP address or CIDR range: {entry}");
        let net = if entry.contains('/') {
            let net: IpNet = entry.parse().map_err(|_| refuse())?;
            match net {
                IpNet::V6(v6) if v6.addr().to_ipv4_mapped().is_some() => {
                    let v4 = v6.addr().to_ipv4_mapped().expect("checked");
                    let prefix = v6.prefix_len().checked_sub(96).ok_or_else(refuse)?;
                    IpNet::new(IpAddr::V4(v4), prefix).map_err(|_| refuse())?
                }
                other => other,
            }
        } else {
            let addr: IpAddr = entry.parse().map_err(|_| refuse())?;
            IpNet::from(unmap(addr))
        };
        Ok(IpRule(net.trunc()))
    }

    /// Whether `addr` (as seen on the connection) falls in this rule.
    pub fn contains(&self, addr: IpAddr) -> bool {
        self.0.contains(&unmap(addr))
    }
}

impl fmt::Display for IpRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.prefix_len() == self.0.max_prefix_len() {
            write!(f, "{}", self.0.addr())
        } else {
            write!(f, "{}", self.0)
        }
    }
}

/// 1 to 100 rules, duplicates merged, in the order first given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllowedIps(Vec<IpRule>);

impl AllowedIps {
    pub const FIELD: &'static str = "allowed_ips";

    pub fn parse_list(input: &str) -> Result<Self, FieldError> {
        Self::parse_entries(split_list(input))
    }

    pub fn parse_entries<'a>(
        entries: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, FieldError> {
        let mut rules: Vec<IpRule> = Vec::new();
        for entry in entries {
            let entry = entry.trim();
            if entry.is_empty() {
                continue;
            }
            let rule = IpRule::parse(entry).map_err(|e| FieldError::new(Self::FIELD, e))?;
            if !rules.contains(&rule) {
                rules.push(rule);
            }
            if rules.len() > MAX_IPS {
                return Err(FieldError::new(
                    Self::FIELD,
                    format!("at most {MAX_IPS} IP addresses or ranges"),
                ));
            }
        }
        if rules.is_empty() {
            return Err(FieldError::new(
                Self::FIELD,
                "at least one IP address or CIDR range is required",
            ));
        }
        Ok(AllowedIps(rules))
    }

    pub fn as_slice(&self) -> &[IpRule] {
        &self.0
    }

    pub fn allows(&self, addr: IpAddr) -> bool {
        self.0.iter().any(|rule| rule.contains(addr))
    }

    pub fn to_strings(&self) -> Vec<String> {
        self.0.iter().map(ToString::to_string).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(entry: &str) -> String {
        IpRule::parse(entry).unwrap().to_string()
    }

    #[test]
    fn entries_are_normalized() {
        assert_eq!(norm("203.0.113.5"), "203.0.113.5");
        assert_eq!(norm(" 203.0.113.7/24 "), "203.0.113.0/24");
        assert_eq!(norm("203.0.113.5/32"), "203.0.113.5");
        assert_eq!(norm("2001:DB8::1"), "2001:db8::1");
        assert_eq!(norm("2001:db8:abcd::/32"), "2001:db8::/32");
        assert_eq!(norm("::ffff:198.51.100.7"), "198.51.100.7");
        assert_eq!(norm("::ffff:198.51.100.0/120"), "198.51.100.0/24");
        assert_eq!(norm("0.0.0.0/0"), "0.0.0.0/0");
        assert_eq!(norm("::1"), "::1");
    }

    #[test]
    fn bad_entries_are_named() {
        for bad in [
            "300.1.1.1",
            "1.2.3",
            "10.0.0.0/33",
            "2001:db8::/129",
            "example.com",
            "1.2.3.4/",
            "*",
            "fe80::1%eth0",
        ] {
            assert_eq!(
                IpRule::parse(bad).unwrap_err(),
                format!("not an IP address or CIDR range: {bad}")
            );
        }
    }

    #[test]
    fn lists_are_required_merged_and_capped() {
        let list =
            AllowedIps::parse_list("10.0.0.1, 10.0.0.1/32, ::ffff:10.0.0.1, 10.1.0.0/16").unwrap();
        assert_eq!(list.to_strings(), ["10.0.0.1", "10.1.0.0/16"]);
        assert_eq!(
            AllowedIps::parse_list(" , ").unwrap_err().field,
            "allowed_ips"
        );
        let hundred: Vec<String> = (0..100).map(|i| format!("10.0.{i}.1")).collect();
        assert!(AllowedIps::parse_list(&hundred.join(",")).is_ok());
        let more: Vec<String> = (0..101).map(|i| format!("10.0.{i}.1")).collect();
        assert!(AllowedIps::parse_list(&more.join(",")).is_err());
        let err = AllowedIps::parse_list("10.0.0.1, 300.1.1.1").unwrap_err();
        assert_eq!(err.message, "not an IP address or CIDR range: 300.1.1.1");
    }

    #[test]
    fn matching_counts_mapped_addresses_as_ipv4() {
        let list = AllowedIps::parse_list("203.0.113.0/24, 2001:db8::/32").unwrap();
        assert!(list.allows("203.0.113.200".parse().unwrap()));
        assert!(list.allows("::ffff:203.0.113.9".parse().unwrap()));
        assert!(list.allows("2001:db8::42".parse().unwrap()));
        assert!(!list.allows("203.0.114.1".parse().unwrap()));
        assert!(!list.allows("2001:db9::1".parse().unwrap()));
    }
}
