//! Small inventories for rule tests: one client, one target, one path, with overridable keys.

#![allow(dead_code)]

pub mod wide;

use std::collections::BTreeMap;

use guardplan::graph::TrustGraph;
use guardplan::inventory::{Inventory, load_str};
use guardplan::rules::{self, Choice, Code, Evaluation};
use guardplan::{Finding, Mode, Verdict};

/// A TOML table as ordered key -> literal value; a value of `-` removes the key.
#[derive(Clone, Default)]
pub struct Table(BTreeMap<String, String>);

impl Table {
    fn with(defaults: &[(&str, &str)]) -> Self {
        Table(
            defaults
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }
    fn set(&mut self, kv: &[(&str, &str)]) {
        for (k, v) in kv {
            if *v == "-" {
                self.0.remove(*k);
            } else {
                self.0.insert(k.to_string(), v.to_string());
            }
        }
    }
    fn render(&self, header: &str) -> String {
        let mut s = format!("[[{header}]]\n");
        for (k, v) in &self.0 {
            s.push_str(&format!("{k} = {v}\n"));
        }
        s
    }
}

/// One domain, an admin `alice`, client `CLIENT`, target `TARGET` (modern and prepared), path `p`.
#[derive(Clone)]
pub struct Case {
    pub domain: Table,
    pub user: Table,
    pub client: Table,
    pub target: Table,
    pub path: Table,
    pub extra: String,
}

impl Case {
    pub fn new() -> Self {
        Case {
            domain: Table::with(&[
                ("dns", "\"corp.contoso.com\""),
                ("netbios", "\"CORP\""),
                ("functional_level", "\"2016\""),
                ("dc_os", "[\"server-2022\"]"),
            ]),
            user: Table::with(&[
                ("name", "\"alice\""),
                ("domain", "\"corp.contoso.com\""),
                ("roles", "[\"admin\"]"),
            ]),
            client: Table::with(&[
                ("name", "\"CLIENT\""),
                ("domain", "\"corp.contoso.com\""),
                ("join", "\"ad\""),
                ("os", "\"windows-11\""),
                ("build", "22631"),
                ("roles", "[\"paw\"]"),
            ]),
            target: Table::with(&[
                ("name", "\"TARGET\""),
                ("domain", "\"corp.contoso.com\""),
                ("join", "\"ad\""),
                ("os", "\"server-2022\""),
                ("roles", "[\"server\"]"),
                ("disable_restricted_admin", "0"),
                ("allow_protected_creds", "true"),
                ("laps", "true"),
                ("administrators", "[\"alice\"]"),
            ]),
            path: Table::with(&[
                ("name", "\"p\""),
                ("purpose", "\"admin\""),
                ("who", "[\"user:alice\"]"),
                ("from", "[\"host:CLIENT\"]"),
                ("to", "[\"host:TARGET\"]"),
            ]),
            extra: String::new(),
        }
    }
    pub fn domain(mut self, kv: &[(&str, &str)]) -> Self {
        self.domain.set(kv);
        self
    }
    pub fn user(mut self, kv: &[(&str, &str)]) -> Self {
        self.user.set(kv);
        self
    }
    pub fn client(mut self, kv: &[(&str, &str)]) -> Self {
        self.client.set(kv);
        self
    }
    pub fn target(mut self, kv: &[(&str, &str)]) -> Self {
        self.target.set(kv);
        self
    }
    pub fn path(mut self, kv: &[(&str, &str)]) -> Self {
        self.path.set(kv);
        self
    }
    pub fn extra(mut self, toml: &str) -> Self {
        self.extra.push_str(toml);
        self.extra.push('\n');
        self
    }
    pub fn toml(&self) -> String {
        format!(
            "version = 1\n{}\n{}\n{}\n{}\n{}\n{}",
            self.domain.render("domain"),
            self.user.render("user"),
            self.client.render("host"),
            self.target.render("host"),
            self.path.render("path"),
            self.extra
        )
    }
    pub fn eval(&self) -> Judged {
        let text = self.toml();
        let inv = match load_str("case.toml", &text) {
            Ok(inv) => inv,
            Err(d) => panic!("test inventory does not load:\n{d}\n{text}"),
        };
        let graph = TrustGraph::new(&inv);
        let ev = rules::evaluate(&inv, &graph);
        Judged { inv, ev }
    }
}

/// An evaluated case.
pub struct Judged {
    pub inv: Inventory,
    pub ev: Evaluation,
}

impl Judged {
    /// The planner's workspace on the starting plan (`plan init`) of this case.
    pub fn starting_workspace(self) -> guardplan::plan::Workspace {
        let plan = guardplan::plan::Plan::init(&self.inv, &self.ev);
        guardplan::plan::Workspace::new(self.inv, Some(plan), time::macros::date!(2026 - 12 - 01))
    }
    /// The starting plan with the accounts `selector` names added to its Protected Users stage: the codes of
    /// the enrollment findings, and the description of its first stage (the prerequisites).
    pub fn enrolling(self, selector: &str) -> (Vec<Code>, String) {
        use guardplan::plan::{Edit, MemberKind};
        let mut ws = self.starting_workspace();
        let stage = (ws.plan.stages.iter())
            .position(|s| s.name == "protected-users")
            .expect("an enrollment stage");
        let prereq = ws.plan.stages[0].description.clone();
        ws.apply(Edit::AddMember {
            stage,
            kind: MemberKind::User,
            selector: selector.into(),
        })
        .expect("the edit applies");
        let codes = ws.assessment().enrollment.iter().map(|f| f.code).collect();
        (codes, prereq)
    }
    pub fn pid(&self, name: &str) -> u32 {
        self.inv.index.paths[&name.to_lowercase()]
    }
    /// The finding of `code` on path `p` under `mode` (or under every mode).
    pub fn finding(&self, mode: Mode, code: Code) -> Option<&Finding> {
        self.finding_on("p", mode, code)
    }
    pub fn finding_on(&self, path: &str, mode: Mode, code: Code) -> Option<&Finding> {
        self.ev
            .findings_of(self.pid(path), mode)
            .find(|f| f.code == code)
    }
    pub fn has(&self, mode: Mode, code: Code) -> bool {
        self.finding(mode, code).is_some()
    }
    pub fn estate(&self, code: Code) -> Option<&Finding> {
        self.ev
            .findings
            .iter()
            .find(|f| f.path.is_none() && f.code == code)
    }
    pub fn verdict(&self, mode: Mode) -> Verdict {
        self.ev.paths[self.pid("p") as usize].modes[mode.index()]
            .verdict
            .0
    }
    pub fn recommended(&self) -> Option<Mode> {
        self.ev.paths[self.pid("p") as usize].recommended
    }
    pub fn choices(&self, choices: &[(&str, Choice)]) -> Vec<Finding> {
        let mut all = vec![
            Choice {
                mode: Mode::Standard,
                enforce: guardplan::plan::Enforcement::Policy,
            };
            self.inv.paths.len()
        ];
        for (name, c) in choices {
            all[self.pid(name) as usize] = *c;
        }
        rules::evaluate_choices(&self.inv, &all)
    }
    pub fn labels(&self, f: &Finding) -> Vec<String> {
        f.subjects
            .iter()
            .map(|s| rules::subject_label(&self.inv, *s))
            .collect()
    }
}

/// Asserts that `code` is raised on path `p` under `mode`.
pub fn fires(case: &Case, mode: Mode, code: Code) {
    let j = case.eval();
    assert!(
        j.has(mode, code),
        "{code} should be raised under {mode}; got {:?}\n{}",
        j.ev.findings_of(j.pid("p"), mode)
            .map(|f| f.code)
            .collect::<Vec<_>>(),
        case.toml()
    );
}

/// Asserts that `code` is not raised on path `p` under `mode`.
pub fn quiet(case: &Case, mode: Mode, code: Code) {
    let j = case.eval();
    assert!(
        !j.has(mode, code),
        "{code} should not be raised under {mode}: {:?}\n{}",
        j.finding(mode, code).map(|f| &f.message),
        case.toml()
    );
}
