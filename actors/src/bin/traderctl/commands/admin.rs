//! `kill-switch`.

use serde_json::{json, Value};

use super::Ctx;
use crate::args::{KillSwitchArgs, KillSwitchState};
use crate::error::CtlError;
use crate::table::at;

/// The body of `POST /api/v1/admin/kill-switch` for `args`.
pub fn kill_switch_body(args: &KillSwitchArgs) -> Value {
    let state = match args.state {
        KillSwitchState::On => "halted",
        KillSwitchState::Off => "active",
        KillSwitchState::Reducing => "reducing",
    };
    let mut body = json!({"state": state});
    if args.cancel_open_orders {
        body["cancel_open_orders"] = json!(true);
    }
    if let Some(reason) = &args.reason {
        body["reason"] = json!(reason);
    }
    body
}

/// `POST /api/v1/admin/kill-switch`.
pub async fn kill_switch(ctx: &mut Ctx, args: &KillSwitchArgs) -> Result<(), CtlError> {
    let body = ctx.api.post("/api/v1/admin/kill-switch", kill_switch_body(args)).await?;
    ctx.emit(&body, |v| {
        format!("trading state: {}; orders cancelled: {}\n", at(v, "/state"), at(v, "/cancelled_orders"))
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_off_and_reducing_map_to_trading_states() {
        let args = |state, reason: Option<&str>, cancel| KillSwitchArgs {
            state,
            reason: reason.map(str::to_owned),
            cancel_open_orders: cancel,
        };
        assert_eq!(
            kill_switch_body(&args(KillSwitchState::On, Some("drill"), true)),
            json!({"state": "halted", "cancel_open_orders": true, "reason": "drill"})
        );
        assert_eq!(kill_switch_body(&args(KillSwitchState::Off, None, false)), json!({"state": "active"}));
        assert_eq!(kill_switch_body(&args(KillSwitchState::Reducing, None, false)), json!({"state": "reducing"}));
    }
}
