//! `[daemon]`: where the control plane listens and where state lives.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use super::{join, Problems};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DaemonSection {
    /// Control plane address. Loopback only unless `[api.tls]` is set: bearer tokens must not
    /// travel in clear.
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
    /// `tls`: whether `[api.tls]` is set, which is what allows a non-loopback `listen`.
    pub fn validate(&self, path: &str, tls: bool, problems: &mut Problems) {
        match self.listen.parse::<SocketAddr>() {
            Err(_) => problems.push(join(path, "listen"), format!("`{}` is not an IP:port address", self.listen)),
            Ok(addr) => {
                if let Err(reason) = listen_exposure(addr, tls) {
                    problems.push(join(path, "listen"), reason);
                }
            }
        }
        if self.state_dir.as_deref() == Some("") {
            problems.push(join(path, "state_dir"), "must not be empty when set");
        }
    }
}

/// The one rule for where the control plane may listen: loopback always; any other address only
/// over TLS, since bearer tokens and passwords must not cross a network in clear. The daemon
/// applies it again to `--listen`, which bypasses the file.
pub fn listen_exposure(addr: SocketAddr, tls: bool) -> Result<(), String> {
    if tls || addr.ip().is_loopback() {
        Ok(())
    } else {
        Err(format!(
            "{addr} is not a loopback address; listening beyond loopback needs TLS: configure [api.tls] \
             (cert_file, key_file), or keep loopback and use an SSH tunnel"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::TraderConfig;

    #[test]
    fn a_remote_address_needs_tls() {
        let loopback: SocketAddr = "127.0.0.1:7800".parse().unwrap();
        let any: SocketAddr = "0.0.0.0:7800".parse().unwrap();
        let v6: SocketAddr = "[2001:db8::1]:7800".parse().unwrap();
        assert_eq!(listen_exposure(loopback, false), Ok(()));
        assert_eq!(listen_exposure("[::1]:7800".parse().unwrap(), false), Ok(()));
        assert!(listen_exposure(any, false).unwrap_err().contains("[api.tls]"));
        assert!(listen_exposure(v6, false).is_err());
        assert_eq!(listen_exposure(any, true), Ok(()));
        assert_eq!(listen_exposure(v6, true), Ok(()));
    }

    #[test]
    fn the_file_follows_the_rule() {
        let problems = TraderConfig::from_toml("[daemon]\nlisten = \"0.0.0.0:7800\"\n").unwrap_err();
        let problem = problems.iter().next().unwrap();
        assert_eq!(problem.path, "daemon.listen");
        assert!(problem.reason.contains("configure [api.tls]"), "{problem}");
        let text = "[daemon]\nlisten = \"0.0.0.0:7800\"\n[api.tls]\ncert_file = \"c.pem\"\nkey_file = \"k.pem\"\n";
        assert_eq!(TraderConfig::from_toml(text).unwrap().daemon.listen, "0.0.0.0:7800");
    }
}
