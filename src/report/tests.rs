//! Renderer tests on a hand-made evaluation of a small estate.

use super::*;
use crate::inventory::load_str;
use crate::rules::{ModeEvaluation, PathEvaluation, VerdictOrOk};

pub(crate) const ESTATE: &str = r#"version = 1

[[domain]]
dns = "corp.contoso.com"
netbios = "CORP"
functional_level = "2016"

[[domain]]
dns = "fabrikam.com"
netbios = "FABRIKAM"
functional_level = "2012r2"

[[trust]]
trusting = "corp.contoso.com"
trusted = "fabrikam.com"
direction = "one-way"
type = "external"
selective_auth = true

[[host]]
name = "PAW-01"
domain = "corp.contoso.com"
join = "ad"
os = "windows-11"
build = 22631
roles = ["paw"]

[[host]]
name = "LAPTOP-01"
join = "entra"
os = "windows-11"
build = 22631
roles = ["workstation"]

[[host]]
name = "SRV-01"
domain = "corp.contoso.com"
join = "ad"
os = "server-2022"
roles = ["server"]

[[user]]
name = "alice.admin"
domain = "corp.contoso.com"
roles = ["admin"]

[[user]]
name = "svc-backup"
domain = "fabrikam.com"
kind = "service"
protected_users = true

[[path]]
name = "tier1-admin"
purpose = "admin"
who = ["user:CORP\\alice.admin"]
from = ["host:PAW-01"]
to = ["host:SRV-01"]

[[path]]
name = "laptop-admin"
purpose = "admin"
who = ["user:CORP\\alice.admin"]
from = ["host:PAW-01"]
to = ["host:LAPTOP-01"]
"#;

pub(crate) fn inventory() -> Inventory {
    match load_str("estate.toml", ESTATE) {
        Ok(inv) => inv,
        Err(d) => panic!("fixture does not load:\n{d}"),
    }
}

fn finding(
    code: Code,
    path: Option<u32>,
    mode: Option<Mode>,
    subjects: Vec<Subject>,
    message: &str,
) -> Finding {
    Finding {
        code,
        severity: code.severity(),
        path,
        mode,
        subjects,
        message: message.into(),
    }
}

/// tier1-admin: remote-guard needs the target enabled (recommended); laptop-admin: every mode blocked.
pub(crate) fn evaluation() -> Evaluation {
    let findings = vec![
        finding(
            Code::RcgHostNotEnabled,
            Some(0),
            Some(Mode::RemoteGuard),
            vec![Subject::Host(2)],
            "SRV-01 has DisableRestrictedAdmin unset",
        ),
        finding(
            Code::RdpCredsExposed,
            Some(0),
            Some(Mode::Standard),
            vec![Subject::User(0)],
            "1 privileged user sends credentials",
        ),
        finding(
            Code::RcgTargetEntra,
            Some(1),
            Some(Mode::RemoteGuard),
            vec![Subject::Host(1)],
            "1 target is Entra ID joined",
        ),
        finding(
            Code::RaNotAdmin,
            Some(1),
            Some(Mode::RestrictedAdmin),
            vec![Subject::User(0), Subject::Host(1)],
            "1 user is not an administrator on 1 target",
        ),
        finding(
            Code::PuServiceAccount,
            None,
            None,
            vec![Subject::User(1)],
            "1 service account is in Protected Users",
        ),
        finding(
            Code::TrustSelectiveAuth,
            None,
            None,
            vec![Subject::Trust(0)],
            "selective authentication",
        ),
    ];
    let cell = |v: Verdict, f: Vec<u32>| ModeEvaluation {
        verdict: VerdictOrOk(v),
        findings: f,
    };
    let paths = vec![
        PathEvaluation {
            modes: [
                cell(Verdict::Warn, vec![1]),
                cell(Verdict::Action, vec![0]),
                cell(Verdict::Ok, vec![]),
                cell(Verdict::Action, vec![0]),
            ],
            recommended: Some(Mode::RemoteGuard),
            rationale: vec!["remote-guard: nothing blocks it".into()],
        },
        PathEvaluation {
            modes: [
                cell(Verdict::Ok, vec![]),
                cell(Verdict::Block, vec![2]),
                cell(Verdict::Block, vec![3]),
                cell(Verdict::Block, vec![2, 3]),
            ],
            recommended: None,
            rationale: vec!["every mode is blocked".into()],
        },
    ];
    // The pairs follow from the findings' subjects, as the engine derives them.
    let inv = inventory();
    let pairs = inv
        .paths
        .iter()
        .zip(&paths)
        .map(|(p, pe)| {
            crate::rules::pairs::PathPairs::of(p, pe, &findings, &std::collections::HashMap::new())
        })
        .collect();
    Evaluation {
        findings,
        paths,
        pairs,
    }
}

pub(crate) const PLAN: &str = r#"version = 1

[inventory]
path = "estate.toml"
fingerprint = "sha256:00"

[[stage]]
name = "enable-targets"
hosts = ["host:SRV-01"]

[[stage]]
name = "pilot"
clients = ["host:PAW-01"]
paths = ["tier1-admin"]

[[decision]]
path = "tier1-admin"
mode = "remote-guard"

[[decision]]
path = "laptop-admin"
mode = "standard"

[[waiver]]
code = "PU-SERVICE-ACCOUNT"
scope = "user:FABRIKAM\\svc-backup"
reason = "removed from Protected Users in change 4711"
"#;

pub(crate) fn plan_input() -> PlanInput {
    let waiver = ReportWaiver {
        code: "PU-SERVICE-ACCOUNT".into(),
        scope: "user:FABRIKAM\\svc-backup".into(),
        reason: "removed from Protected Users in change 4711".into(),
        expires: None,
        expired: false,
        used: 0,
    };
    let mut waived_by = vec![None; 6];
    waived_by[4] = Some(0);
    // The chosen modes: remote-guard on tier1-admin, standard on laptop-admin; estate-wide findings always.
    let applies = vec![true, false, false, false, true, true];
    // Stage enable-targets enables SRV-01 before pilot switches tier1-admin.
    let performed = vec![true, false, false, false, false, false];
    PlanInput {
        uri: "plans/estate.plan.toml".into(),
        text: PLAN.into(),
        chosen: vec![Some(Mode::RemoteGuard), Some(Mode::Standard)],
        findings: vec![],
        applies,
        performed,
        waived_by,
        first: vec![],
        until: vec![],
        exposure: None,
        stages: vec![
            ReportStage {
                name: "enable-targets".into(),
                ready: true,
                hosts: vec!["SRV-01".into()],
                domains: BTreeMap::from([("corp.contoso.com".into(), 1)]),
                ..ReportStage::default()
            },
            ReportStage {
                name: "pilot".into(),
                description: "PAWs first".into(),
                ready: true,
                clients: vec!["PAW-01".into()],
                paths: vec![("tier1-admin".into(), Mode::RemoteGuard)],
                domains: BTreeMap::from([("corp.contoso.com".into(), 1)]),
                ..ReportStage::default()
            },
        ],
        stage_of_path: vec![Some(1), None],
        waivers: vec![waiver],
        exceptions: Vec::new(),
    }
}

pub(crate) fn report(plan: bool) -> Report {
    let inv = inventory();
    let p = plan.then(plan_input);
    Report::build(
        &inv,
        "estate.toml",
        &evaluation(),
        p.as_ref(),
        Severity::Block,
    )
}

#[test]
fn without_a_plan_the_recommended_modes_are_judged() {
    let r = report(false);
    // laptop-admin has no workable mode: the check fails and all its blocks apply.
    assert!(r.fails());
    assert_eq!(r.paths_without_mode().count(), 1);
    let entra = r
        .findings
        .iter()
        .find(|f| f.code == Code::RcgTargetEntra)
        .unwrap();
    assert!(entra.applies);
    // Standard is not rolled out on tier1-admin: its warning concerns another mode.
    let exposed = r
        .findings
        .iter()
        .find(|f| f.code == Code::RdpCredsExposed)
        .unwrap();
    assert!(!exposed.applies);
    assert_eq!(r.other_modes(), 1);
}

#[test]
fn with_a_plan_only_chosen_modes_apply_and_waivers_accept() {
    let r = report(true);
    let entra = r
        .findings
        .iter()
        .find(|f| f.code == Code::RcgTargetEntra)
        .unwrap();
    assert!(!entra.applies, "laptop-admin stays standard in the plan");
    let svc = r
        .findings
        .iter()
        .find(|f| f.code == Code::PuServiceAccount)
        .unwrap();
    assert_eq!(
        svc.waiver.as_deref(),
        Some("removed from Protected Users in change 4711")
    );
    assert_eq!(r.waivers[0].used, 1);
    assert!(!r.fails());
    assert_eq!(r.counts()[0], (Severity::Block, 0));
    // With --deny action, an action fails only when the plan does not perform it in time.
    let mut strict = r.clone();
    strict.deny = Severity::Action;
    assert!(!strict.fails());
    for f in &mut strict.findings {
        f.performed = false;
    }
    assert!(strict.fails());
}

#[test]
fn subjects_are_selectors_with_netbios_user_names() {
    let r = report(false);
    let ra = r
        .findings
        .iter()
        .find(|f| f.code == Code::RaNotAdmin)
        .unwrap();
    assert_eq!(
        ra.subjects,
        vec!["user:CORP\\alice.admin", "host:LAPTOP-01"]
    );
    assert_eq!(ra.counts_text(), "1 user, 1 host");
    let trust = r
        .findings
        .iter()
        .find(|f| f.code == Code::TrustSelectiveAuth)
        .unwrap();
    assert_eq!(trust.subjects, vec!["trust:corp.contoso.com->fabrikam.com"]);
}

#[test]
fn subjects_are_sorted_by_kind_then_text_without_repeats() {
    let inv = inventory();
    let mut eval = evaluation();
    eval.findings.push(finding(
        Code::PuServiceAccount,
        None,
        None,
        vec![
            Subject::Stage(7),
            Subject::Host(2),
            Subject::User(1),
            Subject::Host(0),
            Subject::Host(99),
            Subject::User(0),
            Subject::Host(2),
            Subject::Domain(1),
            Subject::User(1),
        ],
        "every kind at once",
    ));
    let r = Report::build(&inv, "estate.toml", &eval, None, Severity::Block);
    let f = r
        .findings
        .iter()
        .find(|f| f.message == "every kind at once")
        .unwrap();
    assert_eq!(
        f.subjects,
        vec![
            "user:CORP\\alice.admin",
            "user:FABRIKAM\\svc-backup",
            "host:?",
            "host:PAW-01",
            "host:SRV-01",
            "domain:fabrikam.com",
            "stage:8",
        ]
    );
    assert_eq!(f.counts_text(), "2 users, 3 hosts, 1 domain, 1 stage");
}

#[test]
fn findings_point_at_their_lines() {
    let r = report(false);
    let line_of = |needle: &str| ESTATE.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let entra = r
        .findings
        .iter()
        .find(|f| f.code == Code::RcgTargetEntra)
        .unwrap();
    assert_eq!(entra.location.file, FileKind::Inventory);
    assert_eq!(entra.location.line, line_of("name = \"laptop-admin\""));
    let svc = r
        .findings
        .iter()
        .find(|f| f.code == Code::PuServiceAccount)
        .unwrap();
    assert_eq!(svc.location.line, line_of("name = \"svc-backup\""));
    // With a plan, a finding on the chosen mode points at the plan's decision.
    let r = report(true);
    let enable = r
        .findings
        .iter()
        .find(|f| f.code == Code::RcgHostNotEnabled)
        .unwrap();
    assert_eq!(enable.location.file, FileKind::Plan);
    let plan_line = PLAN
        .lines()
        .position(|l| l == "path = \"tier1-admin\"")
        .unwrap()
        + 1;
    assert_eq!(enable.location.line, plan_line);
    assert_eq!(r.uri(&enable.location), "plans/estate.plan.toml");
}

#[test]
fn findings_are_sorted_worst_first() {
    let r = report(false);
    let sev: Vec<Severity> = r.findings.iter().map(|f| f.severity).collect();
    let mut sorted = sev.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(sev, sorted);
}

#[test]
fn relative_uris() {
    assert_eq!(relative_uri("./inv/estate.toml"), "inv/estate.toml");
    assert_eq!(relative_uri("inv\\my estate.toml"), "inv/my%20estate.toml");
    assert_eq!(
        relative_uri(crate::inventory::SAMPLE_NAME),
        "assets/contoso.toml"
    );
}

#[test]
fn snapshots_of_every_format() {
    for (name, plan) in [("no_plan", false), ("plan", true)] {
        let r = report(plan);
        insta::assert_snapshot!(format!("text_{name}"), text::render(&r, false));
        insta::assert_snapshot!(format!("json_{name}"), json::render(&r));
        insta::assert_snapshot!(format!("sarif_{name}"), sarif::render(&r));
        insta::assert_snapshot!(format!("markdown_{name}"), markdown::render(&r));
    }
}

#[test]
fn text_is_coloured_only_when_asked() {
    let r = report(false);
    assert!(!text::render(&r, false).contains('\x1b'));
    assert!(text::render(&r, true).contains("\x1b[1;31m"));
}

#[test]
fn text_counts_first_then_one_line_per_finding() {
    let out = text::render(&report(false), false);
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[1].starts_with("FAIL  3 block, 1 action, 1 warn, 0 info"),
        "{}",
        lines[1]
    );
    let block = lines
        .iter()
        .position(|l| l.starts_with("BLOCK (3)"))
        .unwrap();
    let action = lines
        .iter()
        .position(|l| l.starts_with("ACTION (1)"))
        .unwrap();
    assert!(block < action);
    assert!(out.contains(
        "laptop-admin [restricted-admin] (1 user, 1 host): 1 user is not an administrator"
    ));
}

#[test]
fn json_fields_are_stable() {
    let v: serde_json::Value = serde_json::from_str(&json::render(&report(true))).unwrap();
    assert_eq!(v["version"], 1);
    for key in [
        "result",
        "deny",
        "block",
        "action",
        "warn",
        "info",
        "waived",
        "other_modes",
        "paths",
        "paths_without_mode",
        "stages",
        "stages_ready",
    ] {
        assert!(v["summary"].get(key).is_some(), "summary.{key}");
    }
    let f = &v["findings"][0];
    for key in [
        "code", "severity", "path", "mode", "subjects", "count", "message", "source", "waived",
        "waiver", "applies", "location",
    ] {
        assert!(f.get(key).is_some(), "findings[].{key}");
    }
    let svc = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "PU-SERVICE-ACCOUNT")
        .unwrap();
    assert_eq!(svc["subjects"][0], "user:FABRIKAM\\svc-backup");
    assert_eq!(svc["waived"], true);
    let p = &v["paths"][1];
    assert_eq!(p["name"], "laptop-admin");
    assert_eq!(p["recommended"], serde_json::Value::Null);
    assert_eq!(p["chosen"], "standard");
    assert_eq!(p["modes"]["remote-guard"]["verdict"], "block");
    assert_eq!(p["modes"]["remote-guard"]["codes"][0], "RCG-TARGET-ENTRA");
    let modes: Vec<&String> = p["modes"].as_object().unwrap().keys().collect();
    assert_eq!(modes.len(), 4);
}

#[test]
fn sarif_is_valid_and_levels_follow_severity() {
    let out = sarif::render(&report(true));
    assert_eq!(sarif::validate(&out), Ok(()));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    // Code scanning ignores suppressions: the waived blocker is no result at all.
    let r = report(true);
    assert!(
        r.findings
            .iter()
            .any(|f| f.applies && f.waived() && f.code == Code::PuServiceAccount)
    );
    assert!(results.iter().all(|r| r["ruleId"] != "PU-SERVICE-ACCOUNT"));
    assert!(results.iter().all(|r| r.get("suppressions").is_none()));
    let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let rule = |id: &str| rules.iter().find(|r| r["id"] == id).unwrap();
    assert_eq!(
        rule("PU-SERVICE-ACCOUNT")["properties"]["security-severity"],
        "8.0"
    );
    assert!(
        rule("RCG-HOST-NOT-ENABLED")["properties"]
            .get("security-severity")
            .is_none()
    );
    assert!(
        rule("PU-SERVICE-ACCOUNT")["helpUri"]
            .as_str()
            .unwrap()
            .contains("protected-users")
    );
    assert!(
        rule("RCG-TARGET-ENTRA")["helpUri"]
            .as_str()
            .unwrap()
            .contains("remote-credential-guard")
    );
    let driver = &v["runs"][0]["tool"]["driver"];
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(driver["informationUri"], env!("CARGO_PKG_REPOSITORY"));
    let enable = results
        .iter()
        .find(|r| r["ruleId"] == "RCG-HOST-NOT-ENABLED")
        .unwrap();
    assert_eq!(enable["level"], "warning");
    let artifact = &enable["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(artifact["uri"], "plans/estate.plan.toml");
    assert_eq!(artifact["uriBaseId"], "%SRCROOT%");
    assert!(v["runs"][0]["originalUriBaseIds"]["%SRCROOT%"].is_object());
    // Findings under modes the plan does not roll out are not results.
    assert!(results.iter().all(|r| r["ruleId"] != "RCG-TARGET-ENTRA"));
}

#[test]
fn markdown_opens_with_the_verdict_then_the_rollout_then_folded_details() {
    let out = markdown::render(&report(true));
    assert!(out.starts_with(markdown::MARKER));
    let verdict = out.find("## guardplan: ").unwrap();
    let blocks = out
        .find("**Nothing blocks the merge.**")
        .or_else(|| out.find("**Blocks the merge:**"))
        .unwrap();
    let approval = out.find("**Needs approval**").unwrap();
    let rollout = out.find("### The rollout").unwrap();
    let stages = out.find("<details><summary>Stages (2 of 2 ready)").unwrap();
    let graph = out.find("```mermaid\nflowchart TB").unwrap();
    let findings = out.find("<details><summary>Findings").unwrap();
    assert!(verdict < blocks && blocks < approval && approval < rollout);
    assert!(rollout < stages && stages < graph && graph < findings);
    // Everything after the rollout is folded.
    let tail = &out[stages..];
    assert!(!tail.contains("\n### "), "{tail}");
    assert!(out.contains("d0 -->|\"external, selective\"| d1"));
    assert!(out.contains("s0 --> s1"));
    assert!(out.contains("nodomain([\"Entra ID / workgroup<br/>1 host\"])"));
}

#[test]
fn markdown_lists_waived_findings_that_sarif_leaves_out() {
    let r = report(true);
    let out = markdown::render(&r);
    let waived: Vec<&ReportFinding> = r
        .findings
        .iter()
        .filter(|f| f.applies && f.waived())
        .collect();
    assert!(!waived.is_empty());
    let section = &out[out.find("<details><summary>Waived findings").unwrap()..];
    for f in waived {
        assert!(section.contains(&format!("| `{}` |", f.code)), "{section}");
        assert!(section.contains(f.waiver.as_deref().unwrap()));
    }
    // The waiver in force is up for approval in the verdict.
    let head = &out[..out.find("### The rollout").unwrap()];
    assert!(head.contains("waiver `PU-SERVICE-ACCOUNT`"), "{head}");
}

#[test]
fn code_spans_hold_any_name_exactly() {
    assert_eq!(markdown::code("CORP\\_judy_owner"), "`CORP\\_judy_owner`");
    assert_eq!(markdown::code("a`b"), "``a`b``");
    assert_eq!(markdown::code("`x``"), "``` `x`` ```");
    assert_eq!(markdown::code("two\nlines"), "`two lines`");
}

#[test]
fn markdown_keeps_backslashes_and_underscores_of_names_in_prose() {
    let mut r = report(false);
    r.findings[0].message = "CORP\\_judy_owner and *x*".into();
    let out = markdown::render(&r);
    assert!(out.contains("CORP\\\\\\_judy\\_owner and \\*x\\*"), "{out}");
}

#[test]
fn markdown_puts_the_subjects_named_in_a_message_in_code_spans() {
    let mut r = report(false);
    let mut subjects = crate::report::Labels::new();
    subjects.push("user:CORP\\_judy_owner");
    subjects.push("host:SRV-01");
    subjects.push("host:SRV-0");
    r.findings[0].subjects = subjects;
    r.findings[0].message = "CORP\\_judy_owner cannot reach SRV-01, SRV-0 | SRV-010".into();
    let out = markdown::render(&r);
    assert!(
        out.contains("`CORP\\_judy_owner` cannot reach `SRV-01`, `SRV-0` \\| SRV-010"),
        "{out}"
    );
}

#[test]
fn markdown_without_a_base_plan_has_no_change_section() {
    let out = markdown::render(&report(true));
    assert!(!out.contains("What this change does"));
}

#[test]
fn markdown_against_a_base_plan_shows_the_change_before_the_details() {
    let r = report(true);
    let mut diff = crate::plan::diff::PlanDiff::default();
    diff.decisions.push(crate::plan::diff::DecisionChange {
        path: "tier1-admin".into(),
        old: None,
        new: Some((Mode::RemoteGuard, crate::plan::Enforcement::Policy)),
    });
    diff.stages_added.push("pilot".into());
    let mut modes = markdown::mode_counts(&r);
    modes[Mode::Standard.index()] += 1;
    modes[Mode::RemoteGuard.index()] -= 1;
    let review = markdown::Review {
        base: Some(markdown::BaseChange {
            uri: "base/estate.plan.toml".into(),
            diff,
            modes: Some(modes),
            blockers: Some((3, 0)),
            stages: 1,
            waivers: 0,
        }),
        full_report: None,
    };
    let out = markdown::render_review(&r, &review);
    let change = out
        .find("### What this change does to the rollout")
        .unwrap();
    assert!(change < out.find("<details>").unwrap());
    assert!(out.contains("compared with the base plan `base/estate.plan.toml`"));
    assert!(out.contains("| unwaived blockers | 3 | 0 |"));
    assert!(
        out.contains("path `tier1-admin`: no decision (`standard`) → `remote-guard`"),
        "{out}"
    );
    assert!(out.contains("added `pilot`"));
    // With a base plan, only the waivers this change adds need approval: here none.
    assert!(out.contains("**Nothing needs approval.**"), "{out}");
}

#[test]
fn mermaid_aggregates_large_estates_per_forest() {
    let mut r = report(true);
    let template = r.domains[1].clone();
    for i in 0..100 {
        let mut d = template.clone();
        d.dns = format!("child{i}.fabrikam.com");
        r.domains.push(d);
    }
    let graph = markdown::mermaid(&r);
    assert!(!graph.contains("child7.fabrikam.com"));
    assert!(graph.contains("fabrikam.com forest<br/>101 domains"));
    assert!(graph.lines().count() < 30, "{graph}");
}

#[test]
fn markdown_escapes_hostile_text() {
    let mut r = report(false);
    r.findings[0].message = "a | b <script>x</script>\n# heading".into();
    let out = markdown::render(&r);
    assert!(out.contains("a \\| b &lt;script&gt;x&lt;/script&gt; \\# heading"));
    assert!(!out.contains("<script>"));
}

#[test]
fn sarif_validation_catches_broken_logs() {
    let good = sarif::render(&report(false));
    assert_eq!(sarif::validate(&good), Ok(()));
    let broken = good.replacen("\"ruleIndex\": ", "\"ruleIndex\": 1", 1);
    assert!(sarif::validate(&broken).is_err());
    let absolute = good.replacen(
        "\"uri\": \"estate.toml\"",
        "\"uri\": \"/home/estate.toml\"",
        1,
    );
    assert!(sarif::validate(&absolute).is_err());
    let suppressed = good.replacen(
        "\"ruleId\": ",
        "\"suppressions\": [{\"kind\": \"external\"}], \"ruleId\": ",
        1,
    );
    assert!(sarif::validate(&suppressed).unwrap_err().contains("waived"));
}

#[test]
fn markdown_stays_below_the_comment_limit() {
    let mut r = report(false);
    let template = r.findings[0].clone();
    for i in 0..2000 {
        let mut f = template.clone();
        f.path = Some(format!("path-{i:04}"));
        f.message = "x".repeat(900);
        r.findings.push(f);
    }
    let out = markdown::render(&r);
    assert!(
        out.chars().count() <= markdown::COMMENT_MAX,
        "{}",
        out.chars().count()
    );
    // Counts come first and survive the cut.
    assert!(out.contains("| Blockers | 2003 |"), "{}", &out[..400]);
    assert!(out.contains("more: `guardplan check --format json` lists them all."));
}
