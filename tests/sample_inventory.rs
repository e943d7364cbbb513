//! `guardplan sample`: deterministic, loadable, and covering the estate features the rules look at.

use assert_cmd::Command;
use guardplan::inventory::{AccountKind, JoinType, RdpClient, TrustKind, load_str};
use guardplan::sample::{SampleSpec, generate, min_hosts, min_users};

fn sample(args: &[&str]) -> Vec<u8> {
    let out = Command::cargo_bin("guardplan")
        .expect("the binary is built")
        .arg("sample")
        .args(args)
        .output()
        .expect("the binary runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn same_arguments_give_the_same_bytes() {
    let args = ["--hosts", "500", "--users", "800", "--seed", "7"];
    let a = sample(&args);
    assert_eq!(a, sample(&args));
    assert_ne!(
        a,
        sample(&["--hosts", "500", "--users", "800", "--seed", "8"])
    );
}

#[test]
fn output_file_matches_standard_output() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("estate.toml");
    let file_arg = file.to_str().expect("UTF-8 path");
    sample(&["--hosts", "300", "-o", file_arg]);
    let written = std::fs::read(&file).expect("the file is written");
    assert_eq!(written, sample(&["--hosts", "300"]));
}

#[test]
fn a_500_host_sample_loads_and_covers_the_mix() {
    let text = String::from_utf8(sample(&["--hosts", "500"])).expect("UTF-8");
    let inv = match load_str("sample.toml", &text) {
        Ok(inv) => inv,
        Err(d) => panic!("the sample does not load:\n{d}"),
    };
    assert_eq!(inv.hosts.len(), 500);
    assert_eq!(inv.users.len(), 1000);
    assert_eq!(inv.domains.len(), 4);
    for join in [
        JoinType::Ad,
        JoinType::Hybrid,
        JoinType::Entra,
        JoinType::Workgroup,
    ] {
        assert!(inv.hosts.iter().any(|h| h.join == join), "no {join:?} host");
    }
    // Three forests, joined by a forest trust and a one-way external trust with selective authentication.
    let mut forests: Vec<_> = inv.domains.iter().map(|d| d.forest).collect();
    forests.sort_unstable();
    forests.dedup();
    assert_eq!(forests.len(), 3);
    for kind in [
        TrustKind::ParentChild,
        TrustKind::Forest,
        TrustKind::External,
    ] {
        assert!(
            inv.trusts.iter().any(|t| t.kind == kind),
            "no {kind:?} trust"
        );
    }
    assert!(
        inv.trusts
            .iter()
            .any(|t| t.kind == TrustKind::External && t.selective_auth)
    );
    // The multi-hop path continues from the jump host to SQL and file servers.
    let multihop = inv
        .paths
        .iter()
        .find(|p| p.name == "jump-multihop")
        .expect("the multi-hop path");
    assert!(!multihop.who.is_empty() && !multihop.to.is_empty());
    assert!(multihop.hops.len() >= 2, "hops: {:?}", multihop.hops);
    assert!(multihop.hops.iter().all(|h| !multihop.to.contains(h)));
    // Selectors of every kind are used.
    let written: Vec<&String> = inv
        .paths
        .iter()
        .flat_map(|p| {
            let s = &p.selectors;
            s.who.iter().chain(&s.from).chain(&s.to).chain(&s.hops)
        })
        .collect();
    for kind in ["tag:", "group:", "role:", "user:", "domain:"] {
        assert!(
            written.iter().any(|s| s.starts_with(kind)),
            "no {kind} selector"
        );
    }
    // Local groups are written as groups: a few distinct lists however many hosts there are.
    assert!(inv.acls.len() < 40, "{} distinct ACLs", inv.acls.len());
    // Protected Users members, including a service, a managed service and a computer account (classic mistakes).
    assert!(inv.users.iter().filter(|u| u.protected_users).count() > 5);
    for kind in [
        AccountKind::Service,
        AccountKind::ManagedServiceAccount,
        AccountKind::Computer,
    ] {
        assert!(
            inv.users
                .iter()
                .any(|u| u.kind == kind && u.protected_users),
            "no {kind:?} in Protected Users"
        );
    }
    assert!(inv.hosts.iter().any(|h| h.rds_vdi));
    assert!(inv.hosts.iter().any(|h| h.device_claims));
    assert!(inv.hosts.iter().any(|h| h.laps));
    assert!(inv.hosts.iter().any(|h| h.rdp_client == RdpClient::Uwp));
}

#[test]
fn every_domain_count_loads() {
    for domains in [1, 2, 3, 5, 7, 25] {
        let spec = SampleSpec {
            domains,
            ..SampleSpec::new(min_hosts(domains).max(200))
        };
        let text = generate(&spec).expect("a valid spec");
        if let Err(d) = load_str("sample.toml", &text) {
            panic!("{domains} domains: the sample does not load:\n{d}");
        }
    }
}

#[test]
fn the_smallest_sample_loads() {
    let spec = SampleSpec {
        hosts: min_hosts(4),
        users: min_users(4),
        domains: 4,
        seed: 3,
    };
    let text = generate(&spec).expect("a valid spec");
    if let Err(d) = load_str("sample.toml", &text) {
        panic!("the smallest sample does not load:\n{d}");
    }
}

#[test]
fn too_few_hosts_is_a_usage_error() {
    Command::cargo_bin("guardplan")
        .expect("the binary is built")
        .args(["sample", "--hosts", "5"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--hosts must be between"));
}
