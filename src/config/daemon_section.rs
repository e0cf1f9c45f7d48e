//! `[daemon]`: where the control plane listens and where state lives.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use super::{join, Problems};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DaemonSection {
    /// Control plane address. Loopback only until TLS exists: bearer tokens must not travel in clear.
    pub listen: String,
    /// Journal and state directory. Unset: `$STATE_DIRECTORY` (systemd), else `./var/traderd`.
    pub state_dir: Option<String>,
}

impl Default for DaemonSection {
    fn default() -> DaemonSection {
        DaemonSection { listen: "127.0.0.1:7800".to_owned(), state_dir: None }
    }
}

impl DaemonSection {
    pub fn validate(&self, path: &str, problems: &mut Problems) {
        match self.listen.parse::<SocketAddr>() {
            Err(_) => problems.push(join(path, "listen"), format!("`{}` is not an IP:port address", self.listen)),
            Ok(addr) if !addr.ip().is_loopback() => problems.push(
                join(path, "listen"),
                format!("{addr} is not a loopback address; the control plane has no TLS yet (use an SSH tunnel)"),
            ),
            Ok(_) => {}
        }
        if self.state_dir.as_deref() == Some("") {
            problems.push(join(path, "state_dir"), "must not be empty when set");
        }
    }
}
