//! Opening a plan file for an inventory: the workspace is built, and the command's work on it done, while a
//! second thread confirms that the plan was made for this version of the inventory.

use std::path::Path;
use std::sync::Arc;

use super::io;
use super::workspace::Workspace;
use crate::diag::Diagnostics;
use crate::inventory::{Inventory, Labelled};

/// Opens the plan at `plan_path` for `inventory` into a workspace that judges waivers on `today`, refusing a
/// plan that does not validate or is stale.
pub fn open(
    inventory: impl Into<Arc<Inventory>>,
    plan_path: &Path,
    today: time::Date,
) -> Result<Workspace, Diagnostics> {
    open_with(inventory, plan_path, today, |_| ()).map(|(ws, ())| ws)
}

/// [`open`], running `work` on the workspace (see [`build_with`]). `work` must not act on the world (write no
/// file, print nothing): a stale plan discards its result and is refused.
pub fn open_with<T>(
    inventory: impl Into<Arc<Inventory>>,
    plan_path: &Path,
    today: time::Date,
    work: impl FnOnce(&Workspace) -> T,
) -> Result<(Workspace, T), Diagnostics> {
    let inventory = inventory.into();
    let (plan, _) = io::load_valid(plan_path, &inventory)?;
    let (ws, out) = build_with(inventory, Some(plan), today, work);
    io::refuse_stale(
        &ws.plan,
        &ws.inventory.source.name,
        &io::fingerprint(&ws.inventory),
    )?;
    Ok((ws, out))
}

/// The workspace of `plan` (`None`: the starting plan) for `inventory`, and what `work` makes of it, while a
/// second thread derives what the inventory keeps once derived: the order of its labels, which reports sort
/// their long lists by, and its fingerprint, which binds a plan to it. At 100,000 hosts the fingerprint costs
/// as much as building the workspace.
pub fn build_with<T>(
    inventory: impl Into<Arc<Inventory>>,
    plan: Option<crate::plan::Plan>,
    today: time::Date,
    work: impl FnOnce(&Workspace) -> T,
) -> (Workspace, T) {
    let inventory = inventory.into();
    std::thread::scope(|s| {
        s.spawn(|| {
            for kind in [Labelled::Host, Labelled::User, Labelled::Group] {
                inventory.label_ranks(kind);
            }
            io::fingerprint(&inventory);
        });
        let ws = Workspace::new(Arc::clone(&inventory), plan, today);
        let out = work(&ws);
        (ws, out)
    })
}
