//! Unix signals as a typed control enum: SIGTERM and SIGINT stop, SIGHUP reloads; and the reload
//! itself ([`ConfigReloader`]), which SIGHUP and `POST /api/v1/admin/config/reload` share.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock};

use serde::Serialize;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;
use trader::alerts::AlertRule;
use trader::config::{Problems, TraderConfig};
use trader::risk::RiskLimits;
use utoipa::ToSchema;

use crate::actors::alert_engine::AlertMsg;
use crate::control::risk_limits::{put_in_force, LimitsUnavailable};
use crate::records::LimitsSource;
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

/// What a config reload did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ReloadReport {
    /// The file read.
    pub path: String,
    /// With `[api.tls]`: the SHA-256 fingerprint of the certificate new connections get, if the
    /// certificate and key files were read again (a pair that fails to load is logged and the
    /// current one stays; this is then null).
    pub tls_certificate: Option<String>,
    /// Whether the file's `[risk]` was put in force. Only when it differs from the `[risk]` last
    /// loaded from the file (at start or by a reload): a reload for another reason (a renewed
    /// certificate) must not undo limits set through the API. Edit `[risk]` to put it back.
    pub risk_limits_applied: bool,
    /// The `[risk]` keys whose value in force changed (`risk.max_order_quantity`,
    /// `risk.market_hours.close`); empty when the limits were not applied.
    pub risk_limits_changed: Vec<String>,
    /// Ids of `[[alerts]]` rules new to the file (or edited in it) that were not running and now are.
    pub alert_rules_added: Vec<String>,
    /// Sections that differ from what the daemon started with but only take effect at a restart
    /// (instruments, strategies, feed, listen address, ...).
    pub restart_required: Vec<String>,
}

/// Why a reload changed nothing.
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    /// The daemon runs on the embedded defaults: there is no file to read again.
    #[error("the daemon was started without --config: there is no file to reload")]
    NoConfigFile,
    /// The file cannot be read.
    #[error("{path}: {error}")]
    Unreadable { path: PathBuf, error: std::io::Error },
    /// The file has problems; each names its key path.
    #[error("{path}: {} problem(s): {problems}", problems.len())]
    Invalid { path: PathBuf, problems: Problems },
    /// The risk gate is not answering or the journal refused the change.
    #[error("{0}")]
    Unavailable(#[from] LimitsUnavailable),
}

/// Reloads the config file the daemon was started with: the one reload SIGHUP and the API share.
///
/// Applies what can change safely while trading: the risk limits when the file's `[risk]` changed
/// since it was last loaded (journaled, so they survive a restart and replace limits set through
/// the API), and `[[alerts]]` rules added to (or edited in) the file since it was last loaded.
/// Everything else needs a restart and is listed as such. An invalid file changes nothing.
pub struct ConfigReloader {
    /// `--config`; settable because the daemon is started from an already parsed config.
    path: RwLock<Option<PathBuf>>,
    services: Services,
    /// One reload at a time, so two reports never describe interleaved changes.
    running: tokio::sync::Mutex<()>,
    /// The control plane's certificate (`[api.tls]`), re-read on every reload.
    tls: Option<std::sync::Arc<crate::control::cert_store::CertStore>>,
    /// The `[risk]` last loaded from the file: the daemon's config at start, then each reload's.
    /// A reload whose `[risk]` equals it leaves the limits in force alone.
    file_risk: Mutex<RiskLimits>,
    /// The `[[alerts]]` last loaded from the file: a rule unchanged since then is not added again,
    /// so a config rule removed through the API stays removed.
    file_alerts: Mutex<Vec<AlertRule>>,
}

impl std::fmt::Debug for ConfigReloader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigReloader").field("path", &self.path()).finish_non_exhaustive()
    }
}

impl ConfigReloader {
    /// `path`: the `--config` file, `None` when running on the embedded defaults.
    pub fn new(path: Option<PathBuf>, services: Services) -> ConfigReloader {
        let file_risk = Mutex::new(services.config.risk.clone());
        let file_alerts = Mutex::new(services.config.alerts.clone());
        ConfigReloader {
            path: RwLock::new(path),
            services,
            running: tokio::sync::Mutex::new(()),
            tls: None,
            file_risk,
            file_alerts,
        }
    }

    /// Also re-read the control plane's certificate and key on every reload (`Daemon::tls`). A
    /// pair that fails to load is logged and the current one stays; the config reload goes on.
    pub fn with_tls(mut self, tls: Option<std::sync::Arc<crate::control::cert_store::CertStore>>) -> ConfigReloader {
        self.tls = tls;
        self
    }

    /// Sets the file reloads read (`None`: the embedded defaults, nothing to reload), for a
    /// daemon started before its caller named the file.
    pub fn set_path(&self, path: Option<PathBuf>) {
        *self.path.write().unwrap_or_else(|e| e.into_inner()) = path;
    }

    /// The file reloads read.
    pub fn path(&self) -> Option<PathBuf> {
        self.path.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Reads, checks and applies the config file; `by` is who asked (`SIGHUP`, or the API
    /// caller), for the journal and the event stream.
    pub async fn reload_config(&self, by: &str) -> Result<ReloadReport, ReloadError> {
        let _turn = self.running.lock().await;
        // Logged either way (fingerprint or error); a renewed certificate must not wait on the
        // config file being valid.
        let tls_certificate = self.tls.as_ref().and_then(|tls| tls.reload_logged().ok().map(|()| tls.fingerprint()));
        let path = self.path().ok_or(ReloadError::NoConfigFile)?;
        let config = load(&path).await?;
        let last_risk = self.file_risk.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let last_alerts = self.file_alerts.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let mut report = apply_config(&self.services, &config, Some(&last_risk), Some(&last_alerts), by).await?;
        if report.risk_limits_applied {
            *self.file_risk.lock().unwrap_or_else(|e| e.into_inner()) = config.risk.clone();
        }
        *self.file_alerts.lock().unwrap_or_else(|e| e.into_inner()) = config.alerts.clone();
        report.path = path.display().to_string();
        report.tls_certificate = tls_certificate;
        tracing::info!(
            path = %report.path,
            %by,
            risk_limits_applied = report.risk_limits_applied,
            risk_limits_changed = ?report.risk_limits_changed,
            alert_rules_added = ?report.alert_rules_added,
            restart_required = ?report.restart_required,
            "configuration reloaded"
        );
        Ok(report)
    }
}

/// Reads and checks `path` like the daemon's start does: every problem, each with its key path.
pub async fn load(path: &Path) -> Result<TraderConfig, ReloadError> {
    let text = tokio::fs::read_to_string(path)
        .await
        .map_err(|error| ReloadError::Unreadable { path: path.to_owned(), error })?;
    crate::daemon::config_from_text(&text).map_err(|problems| ReloadError::Invalid { path: path.to_owned(), problems })
}

/// Applies a checked config: its risk limits (through [`put_in_force`]) unless they equal
/// `last_file_risk` (the `[risk]` last loaded from the file; `None` applies them always), and the
/// alert rules not yet running that are new to the file since `last_file_alerts` (`None`: all);
/// lists the sections that need a restart.
pub async fn apply_config(
    services: &Services,
    config: &TraderConfig,
    last_file_risk: Option<&RiskLimits>,
    last_file_alerts: Option<&[AlertRule]>,
    by: &str,
) -> Result<ReloadReport, ReloadError> {
    let risk_limits_applied = risk_changed_in_file(last_file_risk, &config.risk);
    // put_in_force compares with the limits in force under its own lock: the keys it returns are
    // the ones this reload changed, even if the API changed the limits a moment before.
    let risk_limits_changed = if risk_limits_applied {
        let changed =
            put_in_force(services, config.risk.clone(), LimitsSource::ConfigReload, &format!("config reload by {by}"))
                .await?;
        changed.into_iter().map(|key| format!("risk.{key}")).collect()
    } else {
        Vec::new()
    };
    let mut alert_rules_added = Vec::new();
    for rule in rules_new_in_file(last_file_alerts, &config.alerts) {
        if let Some(alerts) = services.slots.alerts.get() {
            let id = rule.id.clone();
            let rule = rule.clone();
            // An `Err` is a rule already running (or refused): nothing to add.
            if let Ok(ractor::rpc::CallResult::Success(Ok(()))) =
                alerts.call(|reply| AlertMsg::Add { rule, reply }, Some(std::time::Duration::from_secs(2))).await
            {
                alert_rules_added.push(id);
            }
        }
    }
    Ok(ReloadReport {
        path: String::new(),
        tls_certificate: None,
        risk_limits_applied,
        risk_limits_changed,
        alert_rules_added,
        restart_required: restart_required(&services.config, config),
    })
}

/// The file's alert rules that a reload offers to the alert engine: those not in the file as it
/// was last loaded (new, or edited there). One left unchanged in the file is not offered again:
/// if an operator removed it through the API, it stays removed.
fn rules_new_in_file<'a>(last: Option<&[AlertRule]>, file: &'a [AlertRule]) -> Vec<&'a AlertRule> {
    file.iter().filter(|rule| last.is_none_or(|last| !last.contains(rule))).collect()
}

/// Whether a reload puts the file's `[risk]` in force: only when it differs from what was last
/// loaded from the file, so limits set through the API since then stay.
fn risk_changed_in_file(last_file_risk: Option<&RiskLimits>, file_risk: &RiskLimits) -> bool {
    last_file_risk != Some(file_risk)
}

/// Top-level sections other than `risk` and `alerts` that differ between `running` and `next`.
fn restart_required(running: &TraderConfig, next: &TraderConfig) -> Vec<String> {
    let sections = |config: &TraderConfig| match serde_json::to_value(config) {
        Ok(serde_json::Value::Object(map)) => map.into_iter().collect::<BTreeMap<_, _>>(),
        _ => BTreeMap::new(),
    };
    let (running, next) = (sections(running), sections(next));
    next.iter()
        .filter(|(key, value)| !matches!(key.as_str(), "risk" | "alerts") && running.get(*key) != Some(*value))
        .map(|(key, _)| key.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restart_required_lists_the_changed_sections_but_risk_and_alerts() {
        let running = TraderConfig::default();
        let mut next = TraderConfig::default();
        next.risk.max_order_quantity = 5;
        next.daemon.listen = "127.0.0.1:9999".into();
        next.feed.bar_history += 1;
        assert_eq!(restart_required(&running, &next), ["daemon", "feed"]);
        assert!(restart_required(&running, &running).is_empty());
    }

    #[test]
    fn a_reload_applies_the_files_risk_only_when_it_changed_since_last_loaded() {
        let loaded = RiskLimits::default();
        assert!(!risk_changed_in_file(Some(&loaded), &loaded.clone()), "unchanged: the limits in force stay");
        let mut edited = loaded.clone();
        edited.max_order_quantity = 5;
        assert!(risk_changed_in_file(Some(&loaded), &edited));
        assert!(risk_changed_in_file(None, &loaded), "nothing known: apply");
    }

    #[test]
    fn a_reload_offers_only_alert_rules_new_to_the_file_or_edited_in_it() {
        let rule = |id: &str, price: &str| -> AlertRule {
            serde_json::from_value(serde_json::json!({"id": id, "instrument": "NSE_EQ|INE002A01018",
                "condition": {"kind": "price_above", "price": price}}))
            .unwrap()
        };
        let loaded = [rule("kept", "1"), rule("edited", "2")];
        let file = [rule("kept", "1"), rule("edited", "3"), rule("new", "4")];
        let offered: Vec<&str> = rules_new_in_file(Some(&loaded), &file).iter().map(|r| r.id.as_str()).collect();
        assert_eq!(offered, ["edited", "new"], "an unchanged rule (perhaps removed through the API) is not offered");
        assert_eq!(rules_new_in_file(None, &file).len(), 3, "nothing known: offer all");
    }
}
