//! The address a request comes from: the TCP peer, or, when the peer is a trusted reverse proxy
//! (`PORTCULLIS_TRUSTED_PROXIES`), the right-most address in `X-Forwarded-For` that is not one.

use axum::http::HeaderMap;
use ipnet::IpNet;
use std::net::IpAddr;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Comma-separated addresses or CIDR ranges; empty means none.
    pub fn parse(input: &str) -> Result<TrustedProxies, String> {
        let mut nets = Vec::new();
        for entry in input.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let net = entry
                .parse::<IpNet>()
                .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("not an IP address or CIDR range: {entry}"))?;
            nets.push(net);
        }
        Ok(TrustedProxies(nets))
    }

    pub fn contains(&self, addr: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&addr))
    }
}

/// `None` when a trusted proxy forwarded an address that does not parse: such a request is
/// from nowhere an allow-list can name.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> Option<IpAddr> {
    let peer = peer.to_canonical();
    if !trusted.contains(peer) {
        return Some(peer);
    }
    let mut hops = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        let value = value.to_str().ok()?;
        for hop in value.split(',').map(str::trim).filter(|h| !h.is_empty()) {
            hops.push(hop.parse::<IpAddr>().ok()?.to_canonical());
        }
    }
    // Right to left: the first hop not added by one of our proxies is the client.
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        client = hop;
        if !trusted.contains(hop) {
            break;
        }
    }
    Some(client)
}

/// For the console: the client address (or none, when a trusted proxy forwarded garbage) goes
/// into the request's extensions, where the server functions find it for throttling.
pub async fn console_client_address(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let peer = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip());
    let address = peer.and_then(|peer| client_ip(peer, request.headers(), &state.trusted_proxies));
    request
        .extensions_mut()
        .insert(app::ssr::ClientAddress(address));
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn xff(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        headers
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let trusted = TrustedProxies::parse("10.0.0.0/8").unwrap();
        let got = client_ip(ip("203.0.113.9"), &xff(&["198.51.100.1"]), &trusted);
        assert_eq!(got, Some(ip("203.0.113.9")));
        let none = TrustedProxies::default();
        assert_eq!(
            client_ip(ip("127.0.0.1"), &xff(&["1.2.3.4"]), &none),
            Some(ip("127.0.0.1"))
        );
    }

    #[test]
    fn a_trusted_peer_yields_the_rightmost_untrusted_hop() {
        let trusted = TrustedProxies::parse("10.0.0.0/8, 127.0.0.1").unwrap();
        let headers = xff(&["6.6.6.6, 198.51.100.7", "10.1.1.1"]);
        assert_eq!(
            client_ip(ip("127.0.0.1"), &headers, &trusted),
            Some(ip("198.51.100.7"))
        );
        // Only proxies: the left-most one is as far as we can see.
        assert_eq!(
            client_ip(ip("10.0.0.2"), &xff(&["10.0.0.3"]), &trusted),
            Some(ip("10.0.0.3"))
        );
        // No header: the proxy itself.
        assert_eq!(
            client_ip(ip("10.0.0.2"), &HeaderMap::new(), &trusted),
            Some(ip("10.0.0.2"))
        );
        // Garbage from a trusted proxy: nowhere.
        assert_eq!(
            client_ip(ip("10.0.0.2"), &xff(&["not-an-ip"]), &trusted),
            None
        );
    }

    #[test]
    fn mapped_ipv6_counts_as_ipv4() {
        let trusted = TrustedProxies::parse("127.0.0.1").unwrap();
        assert_eq!(
            client_ip(
                ip("::ffff:127.0.0.1"),
                &xff(&["::ffff:203.0.113.5"]),
                &trusted
            ),
            Some(ip("203.0.113.5"))
        );
    }

    #[test]
    fn proxy_lists_are_validated() {
        assert!(TrustedProxies::parse("").unwrap().0.is_empty());
        assert!(TrustedProxies::parse("10.0.0.0/8,::1").is_ok());
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
    }
}
