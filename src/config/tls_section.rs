//! `[api.tls]`: HTTPS for the control plane. Only the paths are checked here (the core does no
//! I/O); the runtime loads both files at start and on SIGHUP and names this section's keys when
//! they are missing, unreadable, not PEM, or do not belong together.

use serde::{Deserialize, Serialize};

use super::{join, Problems};

/// One year: the `Strict-Transport-Security` lifetime browsers and preload lists expect.
pub const DEFAULT_HSTS_MAX_AGE_SECONDS: u64 = 31_536_000;

/// Two years: the longest HSTS lifetime accepted; anything longer is almost certainly a typo in
/// the unit (milliseconds for seconds).
pub const MAX_HSTS_MAX_AGE_SECONDS: u64 = 63_072_000;

/// `[api.tls]`. When present the control plane speaks HTTPS only (TLS 1.2 and 1.3), sends HSTS,
/// and may listen on a non-loopback address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsSection {
    /// PEM file with the server certificate first, then any intermediates (a full chain).
    pub cert_file: String,
    /// PEM file with the certificate's private key (PKCS#8, PKCS#1 RSA or SEC1 EC).
    pub key_file: String,
    /// `Strict-Transport-Security: max-age` in seconds on every HTTPS answer.
    #[serde(default = "default_hsts_max_age_seconds")]
    pub hsts_max_age_seconds: u64,
}

fn default_hsts_max_age_seconds() -> u64 {
    DEFAULT_HSTS_MAX_AGE_SECONDS
}

impl TlsSection {
    pub fn validate(&self, path: &str, problems: &mut Problems) {
        problems.require(!self.cert_file.trim().is_empty(), join(path, "cert_file"), "must name a PEM file");
        problems.require(!self.key_file.trim().is_empty(), join(path, "key_file"), "must name a PEM file");
        problems.require(
            self.hsts_max_age_seconds <= MAX_HSTS_MAX_AGE_SECONDS,
            join(path, "hsts_max_age_seconds"),
            format!(
                "{} is more than two years ({MAX_HSTS_MAX_AGE_SECONDS} s); the value is in seconds",
                self.hsts_max_age_seconds
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::config::TraderConfig;

    #[test]
    fn tls_is_off_by_default_and_hsts_defaults_to_a_year() {
        assert!(TraderConfig::from_toml("").unwrap().api.tls.is_none());
        let text = "[api.tls]\ncert_file = \"/etc/traderd/cert.pem\"\nkey_file = \"/etc/traderd/key.pem\"\n";
        let tls = TraderConfig::from_toml(text).unwrap().api.tls.unwrap();
        assert_eq!(tls.cert_file, "/etc/traderd/cert.pem");
        assert_eq!(tls.key_file, "/etc/traderd/key.pem");
        assert_eq!(tls.hsts_max_age_seconds, 31_536_000);
    }

    #[test]
    fn each_bad_key_is_named() {
        let text = "[api.tls]\ncert_file = \"\"\nkey_file = \" \"\nhsts_max_age_seconds = 31536000000\n";
        let problems = TraderConfig::from_toml(text).unwrap_err();
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["api.tls.cert_file", "api.tls.key_file", "api.tls.hsts_max_age_seconds"], "{problems}");
    }

    #[test]
    fn missing_and_unknown_keys_are_refused() {
        let problems = TraderConfig::from_toml("[api.tls]\ncert_file = \"c.pem\"\n").unwrap_err();
        assert!(problems.to_string().contains("key_file"), "{problems}");
        let text = "[api.tls]\ncert_file = \"c.pem\"\nkey_file = \"k.pem\"\nca_file = \"ca.pem\"\n";
        let problems = TraderConfig::from_toml(text).unwrap_err();
        assert!(problems.to_string().contains("ca_file"), "{problems}");
    }
}
