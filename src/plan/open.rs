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

/// [`open`], running `work` on the workspace while the inventory's fingerprint is taken on a second thread:
/// at 100,000 hosts taking it costs as much as building the workspace. That thread first derives the order of
/// the inventory's labels, which reports sort their long lists by. `work` must not act on the world (write no
/// file, print nothing): a stale plan discards its result and is refused.
pub fn open_with<T>(
    inventory: impl Into<Arc<Inventory>>,
    plan_path: &Path,
    today: time::Date,
    work: impl FnOnce(&Workspace) -> T,
) -> Result<(Workspace, T), Diagnostics> {
    let inventory = inventory.into();
    let (plan, _) = io::load_valid(plan_path, &inventory)?;
    std::thread::scope(|s| {
        let taking = s.spawn(|| {
            for kind in [Labelled::Host, Labelled::User, Labelled::Group] {
                inventory.label_ranks(kind);
            }
            io::fingerprint(&inventory)
        });
        let ws = Workspace::new(Arc::clone(&inventory), Some(plan), today);
        let out = work(&ws);
        let now = taking
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        io::refuse_stale(&ws.plan, &inventory.source.name, &now)?;
        Ok((ws, out))
    })
}
