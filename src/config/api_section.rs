//! `[api]`: the control plane's rate limits, cross-origin access and TLS.

use serde::{Deserialize, Serialize};

use super::{join, Problems, RateLimitsSection, TlsSection};

/// `[api]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApiSection {
    pub rate_limits: RateLimitsSection,
    pub cors: CorsSection,
    /// HTTPS; absent: plain HTTP on loopback only.
    pub tls: Option<TlsSection>,
}

impl ApiSection {
    pub fn validate(&self, path: &str, problems: &mut Problems) {
        self.rate_limits.validate(&join(path, "rate_limits"), problems);
        self.cors.validate(&join(path, "cors"), problems);
        if let Some(tls) = &self.tls {
            tls.validate(&join(path, "tls"), problems);
        }
    }
}

/// `[api.cors]`: off (no `Access-Control-*` headers, so browsers refuse cross-origin calls) unless
/// origins are listed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CorsSection {
    /// Exact origins allowed to call the API from a browser, e.g. `https://desk.example.in`.
    pub allowed_origins: Vec<String>,
}

impl CorsSection {
    pub fn validate(&self, path: &str, problems: &mut Problems) {
        for (i, origin) in self.allowed_origins.iter().enumerate() {
            if let Err(reason) = check_origin(origin) {
                problems.push(format!("{}[{i}]", join(path, "allowed_origins")), format!("`{origin}` {reason}"));
            }
        }
    }
}

/// An origin is `scheme://host[:port]`, nothing more; a wildcard would hand every site the API.
fn check_origin(origin: &str) -> Result<(), &'static str> {
    let Some((scheme, rest)) = origin.split_once("://") else {
        return Err("is not an origin: it needs `http://` or `https://`");
    };
    if scheme != "http" && scheme != "https" {
        return Err("is not an origin: the scheme must be `http` or `https`");
    }
    if rest.is_empty() || rest.contains(['/', '?', '#', '*', '@', ' ']) || !rest.is_ascii() {
        return Err("is not an origin: it must be `scheme://host[:port]`, with no path, wildcard or credentials");
    }
    if rest.rsplit_once(':').is_some_and(|(_, port)| !rest.ends_with(']') && port.parse::<u16>().is_err()) {
        return Err("is not an origin: the port must be a number up to 65535");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::config::TraderConfig;

    #[test]
    fn cors_is_off_by_default_and_takes_exact_origins() {
        assert!(TraderConfig::from_toml("").unwrap().api.cors.allowed_origins.is_empty());
        let text = "[api.cors]\nallowed_origins = [\"https://desk.example.in\", \"http://localhost:5173\"]\n";
        assert_eq!(TraderConfig::from_toml(text).unwrap().api.cors.allowed_origins.len(), 2);
    }

    #[test]
    fn each_bad_origin_and_unknown_key_is_named() {
        let text = "[api.cors]\nallowed_origins = [\"https://ok.example\", \"*\", \"https://x.example/app\", \
                    \"ftp://x.example\", \"http://x.example:99999\"]\n";
        let problems = TraderConfig::from_toml(text).unwrap_err();
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "api.cors.allowed_origins[1]",
                "api.cors.allowed_origins[2]",
                "api.cors.allowed_origins[3]",
                "api.cors.allowed_origins[4]"
            ],
            "{problems}"
        );
        let problems = TraderConfig::from_toml("[api.cors]\nallowed_origin = []\n").unwrap_err();
        assert!(problems.to_string().contains("allowed_origin"), "{problems}");
        let problems = TraderConfig::from_toml("[api]\nrate_limit = {}\n").unwrap_err();
        assert!(problems.to_string().contains("rate_limit"), "{problems}");
    }
}
