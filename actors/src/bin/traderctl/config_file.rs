//! The config file (`config.toml`): `server`, `token` or `token_file`, `ca_cert`.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::CtlError;

/// The file's keys; all optional.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub server: Option<String>,
    pub token: Option<String>,
    /// A file holding the token (its first line); relative to the config file's directory.
    pub token_file: Option<PathBuf>,
    /// Relative to the config file's directory.
    pub ca_cert: Option<PathBuf>,
}

impl std::fmt::Debug for ConfigFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigFile")
            .field("server", &self.server)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("token_file", &self.token_file)
            .field("ca_cert", &self.ca_cert)
            .finish()
    }
}

/// The directory of the default config file: `$XDG_CONFIG_HOME/traderctl`, else
/// `$HOME/.config/traderctl`. `None` when neither variable is set.
pub fn default_dir(xdg_config_home: Option<&str>, home: Option<&str>) -> Option<PathBuf> {
    // The XDG spec says a relative value is invalid and is to be ignored.
    match xdg_config_home.filter(|d| Path::new(d).is_absolute()) {
        Some(dir) => Some(Path::new(dir).join("traderctl")),
        None => home.filter(|h| !h.is_empty()).map(|h| Path::new(h).join(".config").join("traderctl")),
    }
}

impl ConfigFile {
    /// Reads `path`. A missing file is an empty config unless it was named explicitly.
    pub fn load(path: &Path, explicit: bool) -> Result<ConfigFile, CtlError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => return Ok(ConfigFile::default()),
            Err(e) => return Err(CtlError::Usage(format!("config file {}: {e}", path.display()))),
        };
        let mut config = ConfigFile::parse(&text).map_err(|e| CtlError::Usage(format!("{}: {e}", path.display())))?;
        if config.token.is_some() {
            warn_if_shared(path);
        }
        let base = path.parent().unwrap_or_else(|| Path::new("."));
        config.token_file = config.token_file.map(|p| base.join(p));
        config.ca_cert = config.ca_cert.map(|p| base.join(p));
        Ok(config)
    }

    /// Parses the TOML text; a file with both `token` and `token_file` is refused.
    pub fn parse(text: &str) -> Result<ConfigFile, String> {
        let config: ConfigFile = toml::from_str(text).map_err(|e| e.message().to_owned())?;
        if config.token.is_some() && config.token_file.is_some() {
            return Err("give `token` or `token_file`, not both".to_owned());
        }
        Ok(config)
    }
}

/// A file holding a secret should be readable by its owner only; say so on stderr otherwise.
fn warn_if_shared(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            if meta.permissions().mode() & 0o077 != 0 {
                eprintln!("warning: {} holds a token and others may read it; run `chmod 600` on it", path.display());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_read_and_unknown_ones_refused() {
        let config =
            ConfigFile::parse("server = \"https://h:1\"\ntoken_file = \"tok\"\nca_cert = \"ca.pem\"\n").unwrap();
        assert_eq!(config.server.as_deref(), Some("https://h:1"));
        assert_eq!(config.token_file, Some(PathBuf::from("tok")));
        assert!(ConfigFile::parse("sever = \"x\"").unwrap_err().contains("sever"));
        assert!(ConfigFile::parse("token = \"a\"\ntoken_file = \"b\"").unwrap_err().contains("not both"));
    }

    #[test]
    fn the_default_directory_follows_xdg() {
        assert_eq!(default_dir(Some("/x"), Some("/home/u")), Some(PathBuf::from("/x/traderctl")));
        assert_eq!(default_dir(Some("rel"), Some("/home/u")), Some(PathBuf::from("/home/u/.config/traderctl")));
        assert_eq!(default_dir(None, Some("/home/u")), Some(PathBuf::from("/home/u/.config/traderctl")));
        assert_eq!(default_dir(None, None), None);
    }

    #[test]
    fn debug_never_shows_the_token() {
        let config = ConfigFile::parse("token = \"s3cret\"").unwrap();
        assert!(!format!("{config:?}").contains("s3cret"));
    }
}
