//! Unix signals as a typed control enum: SIGTERM and SIGINT stop, SIGHUP reloads.

use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;
use trader::config::TraderConfig;

use crate::actors::alert_engine::AlertMsg;
use crate::actors::risk_gate::RiskMsg;
use crate::services::Services;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Shutdown,
    Reload,
}

/// Starts listening; each signal arrives as a `Control`.
pub fn listen() -> std::io::Result<mpsc::Receiver<Control>> {
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut hup = signal(SignalKind::hangup())?;
    let (tx, rx) = mpsc::channel(4);
    tokio::spawn(async move {
        loop {
            let control = tokio::select! {
                _ = term.recv() => Control::Shutdown,
                _ = int.recv() => Control::Shutdown,
                _ = hup.recv() => Control::Reload,
            };
            if tx.send(control).await.is_err() {
                break;
            }
        }
    });
    Ok(rx)
}

/// Applies what can change safely while trading: risk limits, and alert rules added to the file.
/// Everything else (instruments, strategies, feed, listen address) needs a restart.
pub async fn reload(services: &Services, config: &TraderConfig) {
    services.slots.risk.cast(RiskMsg::SetLimits(config.risk.clone()));
    let mut added = 0;
    for rule in &config.alerts {
        if let Some(alerts) = services.slots.alerts.get() {
            let rule = rule.clone();
            if let Ok(ractor::rpc::CallResult::Success(Ok(()))) =
                alerts.call(|reply| AlertMsg::Add { rule, reply }, Some(std::time::Duration::from_secs(2))).await
            {
                added += 1;
            }
        }
    }
    tracing::info!(new_alert_rules = added, "SIGHUP: risk limits and alert rules reloaded");
}
