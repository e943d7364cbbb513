//! The network addresses of a host (`addresses = ["10.0.0.5", "10.0.1.0/24"]`): what a logon event's
//! `IpAddress` is matched against to name the client of a Remote Desktop logon.

use std::fmt;
use std::net::IpAddr;

/// One address, or a subnet in CIDR form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Subnet {
    /// The network (host bits cleared).
    net: IpAddr,
    /// The prefix length (32 or 128 for a single address).
    prefix: u8,
}

impl Subnet {
    /// Parses `10.0.0.5`, `10.0.1.0/24`, `fe80::1` or `2001:db8::/32`; an IPv4 address mapped into IPv6
    /// (`::ffff:10.0.0.5`) is the IPv4 address.
    pub fn parse(s: &str) -> Result<Subnet, String> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let ip: IpAddr = addr
            .parse()
            .map_err(|_| format!("`{addr}` is not an IPv4 or IPv6 address"))?;
        let ip = canonical(ip);
        let max = if ip.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => match p.parse::<u8>() {
                Ok(n) if n <= max && p.bytes().all(|b| b.is_ascii_digit()) => n,
                _ => return Err(format!("`/{p}` is not a prefix length from 0 to {max}")),
            },
        };
        Ok(Subnet {
            net: masked(ip, prefix),
            prefix,
        })
    }

    /// Whether `ip` is in this subnet.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        ip.is_ipv4() == self.net.is_ipv4() && masked(ip, self.prefix) == self.net
    }

    /// The prefix length: the larger, the more precise.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }
}

impl fmt::Display for Subnet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let max = if self.net.is_ipv4() { 32 } else { 128 };
        if self.prefix == max {
            write!(f, "{}", self.net)
        } else {
            write!(f, "{}/{}", self.net, self.prefix)
        }
    }
}

/// An IPv4-mapped IPv6 address as IPv4; any other address as it is.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn masked(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let bits = u32::from(v4);
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4((bits & mask).into())
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6((bits & mask).into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn addresses_and_subnets_contain_what_they_should() {
        let one = Subnet::parse("10.0.0.5").unwrap();
        assert!(one.contains(ip("10.0.0.5")));
        assert!(one.contains(ip("::ffff:10.0.0.5")), "IPv4-mapped IPv6");
        assert!(!one.contains(ip("10.0.0.6")));
        let net = Subnet::parse("10.0.1.77/24").unwrap();
        assert_eq!(net.to_string(), "10.0.1.0/24");
        assert!(net.contains(ip("10.0.1.200")));
        assert!(!net.contains(ip("10.0.2.1")));
        assert!(
            Subnet::parse("0.0.0.0/0")
                .unwrap()
                .contains(ip("192.0.2.1"))
        );
        let v6 = Subnet::parse("2001:db8::/32").unwrap();
        assert!(v6.contains(ip("2001:db8:1::5")));
        assert!(!v6.contains(ip("10.0.0.5")));
    }

    #[test]
    fn malformed_addresses_say_why() {
        for bad in [
            "10.0.0",
            "10.0.0.1/33",
            "10.0.0.1/",
            "10.0.0.1/+8",
            "host",
            "::1/129",
        ] {
            assert!(Subnet::parse(bad).is_err(), "{bad}");
        }
    }
}
