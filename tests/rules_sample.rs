//! The embedded Contoso sample raises every catalog code (except POL-ORDER, which needs a plan).

use std::collections::BTreeSet;

use guardplan::graph::TrustGraph;
use guardplan::inventory::{Inventory, load_sample};
use guardplan::plan::Enforcement;
use guardplan::plan::exceptions;
use guardplan::rules::{self, Choice, Code, Evaluation};
use guardplan::{Mode, Severity};

fn sample() -> (Inventory, Evaluation) {
    let inv = match load_sample() {
        Ok(inv) => inv,
        Err(d) => panic!("the embedded sample does not load:\n{d}"),
    };
    let graph = TrustGraph::new(&inv);
    let ev = rules::evaluate(&inv, &graph);
    (inv, ev)
}

fn path_id(inv: &Inventory, name: &str) -> usize {
    inv.paths
        .iter()
        .position(|p| p.name == name)
        .unwrap_or_else(|| panic!("no path {name} in the sample"))
}

/// The plan a hurried administrator would write: every recommendation by client policy, except the helpdesk
/// paths, done with `mstsc /restrictedAdmin` shortcuts on consoles that keep their current policy.
fn hurried_choices(inv: &Inventory, ev: &Evaluation) -> Vec<Choice> {
    let mut choices = ev.recommended_choices();
    for name in ["helpdesk-workstations", "helpdesk-entra-laptops"] {
        choices[path_id(inv, name)] = Choice {
            mode: Mode::RestrictedAdmin,
            enforce: Enforcement::Switch,
        };
    }
    choices
}

/// Codes only a plan raises: the order of its stages, whom it enrolls, and the paths no stage rolls out.
const PLAN_CODES: [Code; 3] = [Code::PolOrder, Code::PuBreakglass, Code::PlanUnstaged];

#[test]
fn sample_raises_every_code_but_those_of_a_plan() {
    let (inv, ev) = sample();
    let mut raised: BTreeSet<Code> = ev.findings.iter().map(|f| f.code).collect();
    for choices in [hurried_choices(&inv, &ev), ev.recommended_choices()] {
        raised.extend(
            rules::evaluate_choices(&inv, &choices)
                .iter()
                .map(|f| f.code),
        );
    }
    let missing: Vec<Code> = Code::all()
        .filter(|c| !PLAN_CODES.contains(c) && !raised.contains(c))
        .collect();
    assert!(missing.is_empty(), "the sample never raises {missing:?}");
    for c in PLAN_CODES {
        assert!(!raised.contains(&c), "{c} without a plan");
    }
}

/// The starting plan keeps the break-glass Domain Admin out of Protected Users; a plan that enrolls every
/// administrator puts the last one in, and PU-BREAKGLASS says so.
#[test]
fn enrolling_every_domain_admin_raises_pu_breakglass() {
    use guardplan::plan::{Edit, MemberKind, Plan, Workspace};
    let (inv, ev) = sample();
    let start = Plan::init(&inv, &ev);
    let today = time::macros::date!(2026 - 12 - 01);
    let breakglass = |ws: &Workspace| {
        ws.assessment()
            .enrollment
            .iter()
            .any(|f| f.code == Code::PuBreakglass)
    };
    let mut ws = Workspace::new(inv.clone(), Some(start.clone()), today);
    assert!(
        !breakglass(&ws),
        "the starting plan leaves a break-glass account out"
    );
    let stage = start
        .stages
        .iter()
        .position(|s| !s.users.is_empty())
        .expect("the starting plan has an enrollment stage");
    ws.apply(Edit::AddMember {
        stage,
        kind: MemberKind::User,
        selector: "role:admin".into(),
    })
    .expect("the edit applies");
    assert!(breakglass(&ws), "every Domain Admin enrolled");
}

#[test]
fn sample_recommendations_follow_microsoft_advice() {
    let (inv, ev) = sample();
    let rec = |name: &str| ev.paths[path_id(&inv, name)].recommended;
    assert_eq!(rec("tier0-dc-admin"), Some(Mode::RemoteGuard));
    assert_eq!(rec("helpdesk-workstations"), Some(Mode::RestrictedAdmin));
    assert_eq!(rec("helpdesk-entra-laptops"), Some(Mode::RestrictedAdmin));
    // Compound authentication denies the session, it does not make "prefer" fall back: Restricted Admin.
    assert_eq!(rec("tier1-server-admin"), Some(Mode::RestrictedAdmin));
    // Windows 8.1 in the operations room cannot take Remote Credential Guard: "prefer" falls back there.
    assert_eq!(rec("ops-app-admin"), Some(Mode::PreferRemoteGuard));
    assert_eq!(rec("vdi-admin"), Some(Mode::RestrictedAdmin));
    assert_eq!(rec("backup-admin"), None);
    assert_eq!(rec("plant-floor"), None);
    assert_eq!(rec("vendor-support"), None);
    for (i, p) in ev.paths.iter().enumerate() {
        assert!(
            !p.rationale.is_empty(),
            "{} has no rationale",
            inv.paths[i].name
        );
        // A recommended mode serves pairs: what it blocks is left to the exception the plan proposes.
        if let Some(m) = p.recommended {
            let pp = &ev.pairs[i];
            assert!(pp.blocked[m.index()] < pp.pairs, "{}", inv.paths[i].name);
            let ex = exceptions::propose(&inv, &ev, i as u32, m);
            let f =
                exceptions::figures(&inv, &ev, i as u32, m, &ex.into_iter().collect::<Vec<_>>());
            assert_eq!(f.blocked, 0, "{}", inv.paths[i].name);
        }
    }
    // App-Owners are in neither local group of SRV-REPORT-01: SRV-APP-01 takes Remote Credential Guard now,
    // SRV-REPORT-01 stays on standard as a named exception until they get the Remote Desktop right there.
    let pid = path_id(&inv, "app-owners") as u32;
    assert_eq!(rec("app-owners"), Some(Mode::RemoteGuard));
    let ex = exceptions::propose(&inv, &ev, pid, Mode::RemoteGuard).expect("an exception");
    let e = exceptions::to_exception(
        &inv,
        pid,
        &ex,
        &exceptions::blocking_codes(&ev, pid, Mode::RemoteGuard),
    );
    assert_eq!(e.targets, ["host:SRV-REPORT-01"]);
    assert_eq!(e.mode(), Mode::Standard);
    assert!(
        e.remediation.contains("RCG-NO-RDP-RIGHT"),
        "{}",
        e.remediation
    );
}

#[test]
fn sample_findings_are_aggregated_per_code_path_and_mode() {
    let (_, ev) = sample();
    let mut seen = BTreeSet::new();
    for f in &ev.findings {
        assert!(
            seen.insert((f.code, f.path, f.mode)),
            "{} raised twice on {:?} {:?}",
            f.code,
            f.path,
            f.mode
        );
        assert!(
            f.subjects.windows(2).all(|w| w[0] < w[1]),
            "{} subjects unsorted",
            f.code
        );
        assert_eq!(f.severity, f.code.severity());
        assert!(!f.message.is_empty());
        assert!(!f.message.contains('{'), "unfilled template: {}", f.message);
    }
    assert!(ev.findings.iter().any(|f| f.severity == Severity::Block));
}

/// An exception whose subjects no longer block the mode (the remediation is done) is offered for removal.
#[test]
fn an_exception_without_blockers_is_offered_for_removal() {
    let (inv, ev) = sample();
    let pid = path_id(&inv, "app-owners") as u32;
    let exception = |target: &str| guardplan::plan::Exception {
        targets: vec![format!("host:{target}")],
        ..Default::default()
    };
    let written = [exception("SRV-REPORT-01"), exception("SRV-APP-01")];
    let (fig, rows) = exceptions::rows(&inv, &ev, pid, Mode::RemoteGuard, Some(&written));
    let needed: Vec<bool> = rows.iter().map(|r| r.needed).collect();
    assert_eq!(needed, [true, false]);
    // Both targets left out: nothing stays on remote-guard, nothing is protected.
    assert_eq!(
        (fig.pairs, fig.excepted, fig.blocked, fig.protected),
        (2, 2, 0, 0)
    );
}

/// The codes of Microsoft's current pages, each on the sample entry its comment names, and the starting plan
/// preparing a restricted-admin target with `AllowProtectedCreds` as well as `DisableRestrictedAdmin`.
#[test]
fn the_sample_raises_the_codes_of_the_current_pages_where_its_comments_say() {
    use guardplan::plan::{Plan, Workspace, actions::Action};
    let (inv, ev) = sample();
    let labels = |f: &guardplan::Finding| -> Vec<String> {
        f.subjects
            .iter()
            .map(|s| rules::subject_label(&inv, *s))
            .collect()
    };
    let estate = |code: Code| {
        ev.findings
            .iter()
            .find(|f| f.code == code && f.path.is_none())
            .unwrap_or_else(|| panic!("no {code} on the sample"))
    };
    assert_eq!(
        labels(estate(Code::PuBuiltinAdmin)),
        vec!["CORP\\Administrator"]
    );
    assert_eq!(
        labels(estate(Code::PuOldDcPassword)),
        vec!["emea.corp.contoso.com", "EMEA\\emea-frank"]
    );
    let tier1 = path_id(&inv, "tier1-server-admin") as u32;
    let ra = ev
        .findings_of(tier1, Mode::RestrictedAdmin)
        .find(|f| f.code == Code::RaHostNoProtectedCreds)
        .expect("RA-HOST-NO-PROTECTED-CREDS on tier1-server-admin");
    assert!(labels(ra).contains(&"SRV-LEGACY-01".to_string()));

    let legacy = inv
        .hosts
        .iter()
        .position(|h| h.name == "SRV-LEGACY-01")
        .expect("SRV-LEGACY-01") as u32;
    let plan = Plan::init(&inv, &ev);
    let ws = Workspace::new(inv.clone(), Some(plan), time::macros::date!(2026 - 12 - 01));
    let prepared = ws
        .assessment()
        .stages
        .iter()
        .flat_map(|s| &s.actions)
        .any(|a| {
            matches!(
                a,
                Action::EnableTarget {
                    host,
                    restricted_admin: true,
                    protected_creds: true,
                } if *host == legacy
            )
        });
    assert!(
        prepared,
        "the starting plan sets both values on SRV-LEGACY-01"
    );
    // The starting plan leaves no restricted-admin target without its step: no POL-ORDER on the path.
    assert!(
        ws.assessment()
            .order
            .get(tier1 as usize)
            .is_none_or(Option::is_none),
        "POL-ORDER on tier1-server-admin"
    );
}
