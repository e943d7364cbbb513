//! A deterministic synthetic inventory of any size, for trying guardplan at scale and for benchmarks.
//!
//! The estate has up to three forests (`contoso.com` with child domains, `fabrikam.com` joined by a forest
//! trust, `tailspin.net` behind a one-way external trust with selective authentication), hosts spread over
//! sites with a realistic mix of operating systems, join types and roles, users with admin and helpdesk roles,
//! Protected Users members (a few of them classic mistakes), and access paths written with selectors.
//!
//! The text is written straight into a `String` (no serde): the same [`SampleSpec`] always gives the same bytes.

mod generator;
mod hosts;
mod paths;
mod records;
mod rng;
mod tables;
mod users;

use generator::Gen;
use tables::{GLOBAL_HOSTS, GLOBAL_USERS};

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SampleSpec {
    /// Number of hosts.
    pub hosts: u32,
    /// Number of users.
    pub users: u32,
    /// Number of domains (1 to [`MAX_DOMAINS`]).
    pub domains: u32,
    /// Seed of the pseudo-random choices.
    pub seed: u64,
}

impl SampleSpec {
    /// `hosts` hosts, twice as many users, four domains, seed 1.
    pub fn new(hosts: u32) -> Self {
        SampleSpec {
            hosts,
            users: hosts.saturating_mul(2),
            domains: 4,
            seed: 1,
        }
    }
}

/// Most domains a sample may have.
pub const MAX_DOMAINS: u32 = 60;
/// Most hosts a sample may have.
pub const MAX_HOSTS: u32 = 5_000_000;
/// Most users a sample may have.
pub const MAX_USERS: u32 = 10_000_000;

/// Hosts every domain gets before the bulk: two domain controllers, a PAW, a helpdesk console, a file server.
const HOSTS_PER_DOMAIN: u32 = 5;
/// Users every domain gets before the bulk: one per admin and helpdesk group.
const USERS_PER_DOMAIN: u32 = 4;
/// One site per this many hosts (at least one per domain).
const HOSTS_PER_SITE: u32 = 2500;

/// Why a spec cannot be generated, as a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError(pub String);

impl std::fmt::Display for SpecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SpecError {}

/// Fewest hosts a sample with `domains` domains needs so that every selector of its paths matches.
pub fn min_hosts(domains: u32) -> u32 {
    domains * HOSTS_PER_DOMAIN + GLOBAL_HOSTS.len() as u32 + 2 * domains
}

/// Fewest users a sample with `domains` domains needs.
pub fn min_users(domains: u32) -> u32 {
    domains * USERS_PER_DOMAIN + GLOBAL_USERS.len() as u32
}

/// Generates the inventory text.
pub fn generate(spec: &SampleSpec) -> Result<String, SpecError> {
    check(spec)?;
    // About 250 bytes per host and 90 per user.
    let mut out =
        String::with_capacity(spec.hosts as usize * 260 + spec.users as usize * 95 + 16384);
    Gen::new(spec).write(&mut out);
    // One newline at the end, as `taplo fmt` leaves a file.
    while out.ends_with("\n\n") {
        out.pop();
    }
    Ok(out)
}

fn check(spec: &SampleSpec) -> Result<(), SpecError> {
    if !(1..=MAX_DOMAINS).contains(&spec.domains) {
        return Err(SpecError(format!(
            "--domains must be between 1 and {MAX_DOMAINS}, not {}",
            spec.domains
        )));
    }
    let min = min_hosts(spec.domains);
    if !(min..=MAX_HOSTS).contains(&spec.hosts) {
        return Err(SpecError(format!(
            "--hosts must be between {min} and {MAX_HOSTS} for {} domain(s), not {}",
            spec.domains, spec.hosts
        )));
    }
    let min = min_users(spec.domains);
    if !(min..=MAX_USERS).contains(&spec.users) {
        return Err(SpecError(format!(
            "--users must be between {min} and {MAX_USERS} for {} domain(s), not {}",
            spec.domains, spec.users
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_specs_are_refused() {
        assert!(generate(&SampleSpec::new(10)).is_err());
        assert!(
            generate(&SampleSpec {
                domains: 0,
                ..SampleSpec::new(1000)
            })
            .is_err()
        );
        assert!(
            generate(&SampleSpec {
                users: 3,
                ..SampleSpec::new(1000)
            })
            .is_err()
        );
    }
}
