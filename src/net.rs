//! Which address a request came from when the app runs behind reverse proxies.
//!
//! Proxies append the address they received a request from to `X-Forwarded-For`, so only the
//! right end of the list was written by machines we trust; the left end is whatever the client
//! sent. The client is the rightmost hop that is not one of our proxies (`TRUSTED_PROXIES`), and
//! the header counts only when the TCP peer itself is a trusted proxy.
use std::net::IpAddr;

use ipnet::IpNet;

#[derive(Clone, Debug, Default)]
pub struct ProxyTrust {
    /// TRUST_PROXY: read `X-Forwarded-For` at all.
    pub enabled: bool,
    /// TRUSTED_PROXIES: the networks of our own proxies.
    pub proxies: Vec<IpNet>,
}

impl ProxyTrust {
    fn trusted(&self, ip: IpAddr) -> bool {
        self.proxies.iter().any(|net| net.contains(&ip))
    }

    /// The client's address: `peer`, or when `peer` is a trusted proxy, the rightmost
    /// `X-Forwarded-For` hop (all the header's lines, in order) that is not one.
    pub fn client_ip<'a>(
        &self,
        peer: Option<IpAddr>,
        forwarded_for: impl DoubleEndedIterator<Item = &'a str>,
    ) -> Option<IpAddr> {
        let peer = peer?;
        if !self.enabled || !self.trusted(peer) {
            return Some(peer);
        }
        let hops: Vec<&str> = forwarded_for
            .flat_map(|line| line.split(','))
            .map(str::trim)
            .filter(|hop| !hop.is_empty())
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            // A hop we cannot read was not written by our proxies: stop at the last good one.
            let Some(ip) = parse_hop(hop) else {
                break;
            };
            client = ip;
            if !self.trusted(ip) {
                break;
            }
        }
        Some(client)
    }
}

/// `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:443`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse() {
        return Some(ip);
    }
    hop.parse::<std::net::SocketAddr>()
        .ok()
        .map(|addr| addr.ip())
}

/// `TRUSTED_PROXIES`: comma-separated CIDRs or single addresses.
pub fn parse_proxies(text: &str) -> Result<Vec<IpNet>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.parse::<IpNet>()
                .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("{item} is not an address or a CIDR network"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trust(proxies: &str) -> ProxyTrust {
        ProxyTrust {
            enabled: true,
            proxies: parse_proxies(proxies).unwrap(),
        }
    }

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let trust = trust("127.0.0.1/32, 10.0.0.0/8");
        // nginx appended the real client; the client had forged the first entry.
        let hops = ["6.6.6.6, 203.0.113.7"];
        assert_eq!(
            trust.client_ip(ip("127.0.0.1"), hops.into_iter()),
            ip("203.0.113.7")
        );
        // Two proxies of ours in a row, header split over two lines.
        let hops = ["6.6.6.6", "203.0.113.7, 10.1.2.3"];
        assert_eq!(
            trust.client_ip(ip("10.0.0.5"), hops.into_iter()),
            ip("203.0.113.7")
        );
        // Ports and IPv6 forms.
        let hops = ["[2001:db8::1]:443, 10.0.0.1:80"];
        assert_eq!(
            trust.client_ip(ip("127.0.0.1"), hops.into_iter()),
            ip("2001:db8::1")
        );
    }

    #[test]
    fn the_header_counts_only_from_a_trusted_peer() {
        let trust = trust("127.0.0.1");
        let hops = ["1.1.1.1"];
        assert_eq!(
            trust.client_ip(ip("198.51.100.9"), hops.into_iter()),
            ip("198.51.100.9")
        );
        let off = ProxyTrust {
            enabled: false,
            ..trust
        };
        assert_eq!(
            off.client_ip(ip("127.0.0.1"), hops.into_iter()),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn garbage_stops_the_walk_and_all_trusted_means_the_leftmost() {
        let trust = trust("127.0.0.1/32,10.0.0.0/8");
        let hops = ["evil, 10.0.0.2"];
        assert_eq!(
            trust.client_ip(ip("127.0.0.1"), hops.into_iter()),
            ip("10.0.0.2")
        );
        let hops = ["10.0.0.3, 10.0.0.2"];
        assert_eq!(
            trust.client_ip(ip("127.0.0.1"), hops.into_iter()),
            ip("10.0.0.3")
        );
        assert_eq!(
            trust.client_ip(ip("127.0.0.1"), std::iter::empty()),
            ip("127.0.0.1")
        );
        assert!(parse_proxies("10.0.0.0/8, nope").is_err());
    }
}
