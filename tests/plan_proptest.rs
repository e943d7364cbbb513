//! Properties of plan files: any plan renders and reads back equal, and no text panics the reader.

use crate::plan_common;

use guardplan::Mode;
use guardplan::plan::{Decision, Enforcement, Plan, Stage, Waiver, Workspace, io};
use proptest::prelude::*;

fn selector() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("*".to_string()),
        Just("host:SRV-01".to_string()),
        Just("role:paw".to_string()),
        Just("user:alice.admin".to_string()),
        Just("tier1".to_string()),
        "[a-z]{1,8}:[A-Za-z0-9 '\"\\\\$`;-]{0,12}",
    ]
}

fn stage() -> impl Strategy<Value = Stage> {
    (
        "[a-z][a-z0-9-]{0,10}",
        "[ -~]{0,30}",
        prop::collection::vec(selector(), 0..3),
        prop::collection::vec(selector(), 0..3),
        prop::collection::vec(selector(), 0..3),
        prop::collection::vec(selector(), 0..3),
    )
        .prop_map(|(name, description, hosts, clients, users, paths)| Stage {
            name,
            description,
            hosts,
            clients,
            users,
            paths,
        })
}

fn plan() -> impl Strategy<Value = Plan> {
    let decision = (
        "[a-z0-9-]{1,10}",
        0usize..4,
        any::<bool>(),
        "[ -~\\n\u{e9}]{0,20}",
    )
        .prop_map(|(path, m, switch, note)| Decision {
            path,
            mode: Mode::ALL[m],
            enforce: if switch {
                Enforcement::Switch
            } else {
                Enforcement::Policy
            },
            note,
            exceptions: Vec::new(),
        });
    let scope = prop_oneof![
        Just("*".to_string()),
        "(path|host|user):[A-Za-z0-9 '\"$`;-]{1,12}"
    ];
    let waiver = (
        "RA-NO-LAPS|POL-ORDER|PU-CANDIDATE",
        scope,
        "[a-z][ -~]{0,19}",
        prop::option::of((2000u16..2100, 1u8..13, 1u8..29)),
    )
        .prop_map(|(code, scope, reason, exp)| Waiver {
            code,
            scope,
            reason,
            expires: exp.map(|(y, m, d)| {
                format!("{y:04}-{m:02}-{d:02}")
                    .parse()
                    .expect("a valid date")
            }),
        });
    (
        "[ -~]{0,20}",
        prop::collection::vec(stage(), 0..5),
        prop::collection::vec(decision, 0..5),
        prop::collection::vec(waiver, 0..4),
    )
        .prop_map(|(path, mut stages, decisions, waivers)| {
            // Stage names are unique in a valid plan.
            for (i, s) in stages.iter_mut().enumerate() {
                s.name = format!("{}-{i}", s.name);
            }
            let mut p = Plan {
                version: 1,
                stages,
                decisions,
                waivers,
                ..Plan::default()
            };
            p.inventory.path = path;
            p.inventory.fingerprint = format!("sha256:{}", "ab".repeat(32));
            p.normalize();
            p
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_plan_round_trips(p in plan()) {
        let text = io::render(&p);
        let back = io::parse("p.toml", &text);
        prop_assert!(back.is_ok(), "{text}\n{:?}", back.err());
        let back = back.unwrap_or_default();
        prop_assert_eq!(&back, &p);
        prop_assert_eq!(io::render(&back), text);
    }

    #[test]
    fn damaged_plans_never_panic(p in plan(), at in any::<prop::sample::Index>(), junk in "[\\[\\]=\"'#\\n a-z0-9.:-]{1,6}") {
        let text = io::render(&p);
        let mut cut = at.index(text.len() + 1);
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let damaged = format!("{}{junk}{}", &text[..cut], &text[cut..]);
        if let Ok(parsed) = io::parse("d.toml", &damaged) {
            let inv = plan_common::inventory();
            let _ = io::validate(&parsed, &inv);
            let ws = Workspace::new(inv, Some(parsed), plan_common::TODAY);
            let _ = guardplan::plan::scripts::stage_scripts(&ws);
        } else if let Err(e) = io::parse("d.toml", &damaged) {
            prop_assert!(e.0.iter().all(|d| d.line >= 1 && d.col >= 1));
        }
    }
}
