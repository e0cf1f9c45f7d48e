//! Which server to talk to and with which token: flags, then the environment, then the login
//! session and the config file, then `<state-dir>/admin.token` for a server on this machine.

use std::io;
use std::path::{Path, PathBuf};

use crate::config_file::ConfigFile;
use crate::error::CtlError;
use crate::server_url::ServerUrl;
use crate::session::Session;

/// traderd's default `daemon.listen`.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:7800";
/// traderd's default state directory when neither the config nor systemd names one.
pub const DEFAULT_STATE_DIR: &str = "./var/traderd";
/// The file traderd writes the first admin's API token to, in its state directory.
pub const ADMIN_TOKEN_FILE: &str = "admin.token";

/// Everything a connection may come from, already read (except token files).
#[derive(Debug, Default)]
pub struct Sources {
    pub flag_server: Option<String>,
    pub flag_token: Option<String>,
    pub flag_ca_cert: Option<PathBuf>,
    pub env_server: Option<String>,
    pub env_token: Option<String>,
    pub env_ca_cert: Option<PathBuf>,
    pub config: ConfigFile,
    pub session: Option<Session>,
    pub state_dir: PathBuf,
}

/// Where the token came from; shown by `status` so the operator knows who they act as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    Flag,
    Env,
    /// The session of `traderctl login`.
    Session,
    ConfigFile,
    TokenFile(PathBuf),
    AdminTokenFile(PathBuf),
}

/// A token and where it came from. Debug never shows the token.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    pub token: String,
    pub source: TokenSource,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential").field("source", &self.source).finish_non_exhaustive()
    }
}

/// The resolved connection.
#[derive(Debug)]
pub struct Connection {
    pub server: ServerUrl,
    pub credential: Option<Credential>,
    /// The login session for this server, when the credential is its access token.
    pub session: Option<Session>,
    pub ca_cert: Option<PathBuf>,
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Resolves the connection. `read` reads a file's text (token files, `admin.token`).
pub fn resolve(sources: &Sources, read: impl Fn(&Path) -> io::Result<String>) -> Result<Connection, CtlError> {
    let session_server = sources.session.as_ref().map(|s| s.server.as_str());
    let server_text = non_empty(&sources.flag_server)
        .or_else(|| non_empty(&sources.env_server))
        .or_else(|| non_empty(&sources.config.server))
        .or(session_server)
        .unwrap_or(DEFAULT_SERVER);
    let server = ServerUrl::parse(server_text)?;

    let session =
        sources.session.as_ref().filter(|s| ServerUrl::parse(&s.server).map(|u| u == server).unwrap_or(false)).cloned();
    let first_line = |text: String| text.lines().next().unwrap_or_default().trim().to_owned();
    let credential = if let Some(token) = non_empty(&sources.flag_token) {
        Some(Credential { token: token.to_owned(), source: TokenSource::Flag })
    } else if let Some(token) = non_empty(&sources.env_token) {
        Some(Credential { token: token.to_owned(), source: TokenSource::Env })
    } else if let Some(session) = &session {
        Some(Credential { token: session.access_token.clone(), source: TokenSource::Session })
    } else if let Some(token) = non_empty(&sources.config.token) {
        Some(Credential { token: token.to_owned(), source: TokenSource::ConfigFile })
    } else if let Some(path) = &sources.config.token_file {
        let text = read(path).map_err(|e| CtlError::Usage(format!("token_file {}: {e}", path.display())))?;
        let token = first_line(text);
        if token.is_empty() {
            return Err(CtlError::Usage(format!("token_file {} is empty", path.display())));
        }
        Some(Credential { token, source: TokenSource::TokenFile(path.clone()) })
    } else if server.is_loopback() {
        // The admin token is for the daemon on this machine only: never offer it to another host.
        let path = sources.state_dir.join(ADMIN_TOKEN_FILE);
        match read(&path) {
            Ok(text) => Some(first_line(text))
                .filter(|t| !t.is_empty())
                .map(|token| Credential { token, source: TokenSource::AdminTokenFile(path.clone()) }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(CtlError::Usage(format!("{}: {e}", path.display()))),
        }
    } else {
        None
    };
    if credential.is_some() {
        server.refuse_clear_text("a token")?;
    }
    let ca_cert =
        sources.flag_ca_cert.clone().or_else(|| sources.env_ca_cert.clone()).or_else(|| sources.config.ca_cert.clone());
    if server.tls && ca_cert.is_none() {
        return Err(CtlError::Usage(format!(
            "{server} is https: give the CA certificate it chains to with --ca-cert FILE (no system roots are trusted)"
        )));
    }
    let session = session.filter(|_| matches!(credential, Some(Credential { source: TokenSource::Session, .. })));
    Ok(Connection { server, credential, session, ca_cert })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn files(entries: &[(&str, &str)]) -> impl Fn(&Path) -> io::Result<String> {
        let map: HashMap<PathBuf, String> = entries.iter().map(|(p, t)| (PathBuf::from(p), (*t).to_owned())).collect();
        move |path: &Path| map.get(path).cloned().ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))
    }

    fn session(server: &str) -> Session {
        Session {
            server: server.into(),
            username: "asha".into(),
            access_token: "session-token".into(),
            refresh_token: "r".into(),
            expires_at: 0,
        }
    }

    fn every_source() -> Sources {
        Sources {
            flag_server: Some("http://127.0.0.1:1".into()),
            flag_token: Some("flag-token".into()),
            env_server: Some("http://127.0.0.1:2".into()),
            env_token: Some("env-token".into()),
            config: ConfigFile {
                server: Some("http://127.0.0.1:3".into()),
                token: Some("config-token".into()),
                ..ConfigFile::default()
            },
            session: Some(session("http://127.0.0.1:4")),
            state_dir: PathBuf::from("/state"),
            ..Sources::default()
        }
    }

    fn token(c: &Connection) -> Option<(&str, &TokenSource)> {
        c.credential.as_ref().map(|c| (c.token.as_str(), &c.source))
    }

    #[test]
    fn each_layer_wins_over_the_ones_after_it() {
        let admin = files(&[("/state/admin.token", "admin-token\n")]);
        let mut s = every_source();
        let c = resolve(&s, &admin).unwrap();
        assert_eq!((c.server.port, token(&c)), (1, Some(("flag-token", &TokenSource::Flag))));

        s.flag_server = None;
        s.flag_token = None;
        let c = resolve(&s, &admin).unwrap();
        assert_eq!((c.server.port, token(&c)), (2, Some(("env-token", &TokenSource::Env))));

        s.env_server = None;
        s.env_token = None;
        // The config names server 3; the session is for server 4, so it is not used.
        let c = resolve(&s, &admin).unwrap();
        assert_eq!((c.server.port, token(&c)), (3, Some(("config-token", &TokenSource::ConfigFile))));
        assert!(c.session.is_none());

        s.config.server = None;
        // Now the session's server is the one: its token beats the config file's.
        let c = resolve(&s, &admin).unwrap();
        assert_eq!((c.server.port, token(&c)), (4, Some(("session-token", &TokenSource::Session))));
        assert!(c.session.is_some());

        s.session = None;
        s.config.token = None;
        let c = resolve(&s, &admin).unwrap();
        assert_eq!(c.server.to_string(), "http://127.0.0.1:7800");
        assert_eq!(token(&c), Some(("admin-token", &TokenSource::AdminTokenFile(PathBuf::from("/state/admin.token")))));

        let c = resolve(&s, files(&[])).unwrap();
        assert_eq!(c.credential, None);
    }

    #[test]
    fn a_token_file_is_read_and_must_exist() {
        let s = Sources {
            config: ConfigFile { token_file: Some("/cfg/tok".into()), ..ConfigFile::default() },
            ..Sources::default()
        };
        let c = resolve(&s, files(&[("/cfg/tok", "  file-token  \nignored")])).unwrap();
        assert_eq!(token(&c), Some(("file-token", &TokenSource::TokenFile("/cfg/tok".into()))));
        assert!(matches!(resolve(&s, files(&[])), Err(CtlError::Usage(_))));
    }

    #[test]
    fn the_admin_token_is_never_offered_to_another_machine() {
        let s = Sources {
            flag_server: Some("https://trader.example.in".into()),
            flag_ca_cert: Some("/ca.pem".into()),
            state_dir: PathBuf::from("/state"),
            ..Sources::default()
        };
        let c = resolve(&s, files(&[("/state/admin.token", "admin-token")])).unwrap();
        assert_eq!(c.credential, None);
    }

    #[test]
    fn no_token_in_clear_to_another_machine_and_https_needs_a_ca() {
        let clear = Sources {
            flag_server: Some("http://10.0.0.5:7800".into()),
            flag_token: Some("t".into()),
            ..Sources::default()
        };
        let error = resolve(&clear, files(&[])).unwrap_err();
        assert!(error.to_string().contains("in clear"), "{error}");
        assert!(!error.to_string().contains(" t "));
        let no_ca = Sources { flag_server: Some("https://10.0.0.5:7800".into()), ..Sources::default() };
        assert!(resolve(&no_ca, files(&[])).unwrap_err().to_string().contains("--ca-cert"));
        let ca_from_env = Sources { env_ca_cert: Some("/env.pem".into()), ..no_ca };
        assert_eq!(resolve(&ca_from_env, files(&[])).unwrap().ca_cert, Some(PathBuf::from("/env.pem")));
    }

    #[test]
    fn empty_values_count_as_unset() {
        let s = Sources {
            flag_server: Some(" ".into()),
            env_token: Some("".into()),
            state_dir: PathBuf::from("/state"),
            ..Sources::default()
        };
        let c = resolve(&s, files(&[])).unwrap();
        assert_eq!((c.server.port, c.credential), (7800, None));
    }
}
