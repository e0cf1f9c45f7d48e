//! The server's address: `http://host:port` or `https://host:port`.

use std::fmt;

use crate::error::CtlError;

/// Where the control plane listens, as the user wrote it (scheme, host, port).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerUrl {
    /// `https`: connect with TLS.
    pub tls: bool,
    /// A name or an IP address (IPv6 without brackets).
    pub host: String,
    pub port: u16,
}

impl ServerUrl {
    /// Reads `http://host[:port][/]` or `https://...`; a bare `host:port` means `http`. Paths,
    /// queries and user info are refused: the API lives at the root.
    pub fn parse(text: &str) -> Result<ServerUrl, CtlError> {
        let bad = |why: &str| CtlError::Usage(format!("server `{text}`: {why}"));
        let trimmed = text.trim();
        let with_scheme = if trimmed.contains("://") { trimmed.to_owned() } else { format!("http://{trimmed}") };
        let uri: hyper::Uri = with_scheme.parse().map_err(|_| bad("not a URL such as http://127.0.0.1:7800"))?;
        let tls = match uri.scheme_str() {
            Some("http") => false,
            Some("https") => true,
            _ => return Err(bad("the scheme must be http or https")),
        };
        let authority = uri.authority().ok_or_else(|| bad("has no host"))?;
        if authority.as_str().contains('@') {
            return Err(bad("must not contain user information"));
        }
        if !matches!(uri.path(), "" | "/") || uri.query().is_some() {
            return Err(bad("must not have a path or query (the API is at the root)"));
        }
        let host = authority.host().trim_start_matches('[').trim_end_matches(']').to_owned();
        if host.is_empty() {
            return Err(bad("has no host"));
        }
        let port = authority.port_u16().unwrap_or(if tls { 443 } else { 80 });
        Ok(ServerUrl { tls, host, port })
    }

    /// `host:port` as the Host header and the TCP connect want it (IPv6 in brackets).
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// Whether the host is this machine: only then is `<state-dir>/admin.token` offered to it.
    pub fn is_loopback(&self) -> bool {
        match self.host.parse::<std::net::IpAddr>() {
            Ok(ip) => ip.is_loopback(),
            Err(_) => self.host.eq_ignore_ascii_case("localhost"),
        }
    }

    /// Refuses (a usage error, exit 2) to send `what` (a token, a password) to this server in clear:
    /// plain `http` is only for this machine.
    pub fn refuse_clear_text(&self, what: &str) -> Result<(), CtlError> {
        if self.tls || self.is_loopback() {
            return Ok(());
        }
        Err(CtlError::Usage(format!(
            "refusing to send {what} in clear to {self}: use https:// (or an SSH tunnel to 127.0.0.1)"
        )))
    }

    /// The WebSocket URL of `path_and_query` on this server.
    pub fn websocket(&self, path_and_query: &str) -> String {
        let scheme = if self.tls { "wss" } else { "ws" };
        format!("{scheme}://{}{path_and_query}", self.authority())
    }
}

impl fmt::Display for ServerUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.tls { "https" } else { "http" };
        write!(f, "{scheme}://{}", self.authority())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_ports_and_bare_addresses() {
        let plain = ServerUrl::parse("http://127.0.0.1:7800/").unwrap();
        assert_eq!(plain, ServerUrl { tls: false, host: "127.0.0.1".into(), port: 7800 });
        assert!(plain.is_loopback());
        assert_eq!(ServerUrl::parse("127.0.0.1:7800").unwrap(), plain);
        let secure = ServerUrl::parse("https://trader.example.in").unwrap();
        assert_eq!((secure.tls, secure.port, secure.is_loopback()), (true, 443, false));
        assert_eq!(secure.to_string(), "https://trader.example.in:443");
        assert_eq!(secure.websocket("/api/v1/stream"), "wss://trader.example.in:443/api/v1/stream");
        let v6 = ServerUrl::parse("http://[::1]:7800").unwrap();
        assert_eq!((v6.host.as_str(), v6.authority().as_str(), v6.is_loopback()), ("::1", "[::1]:7800", true));
        assert!(ServerUrl::parse("http://localhost:1").unwrap().is_loopback());
    }

    #[test]
    fn secrets_go_in_clear_only_to_this_machine() {
        for ok in ["http://127.0.0.1:7800", "http://[::1]:1", "http://localhost:1", "https://trader.example.in"] {
            assert!(ServerUrl::parse(ok).unwrap().refuse_clear_text("a password").is_ok(), "{ok}");
        }
        for remote in ["http://trader.example.in:7800", "http://10.0.0.5:7800", "10.0.0.5:7800"] {
            let refused = ServerUrl::parse(remote).unwrap().refuse_clear_text("a password").unwrap_err();
            assert_eq!(refused.exit_code(), 2, "{remote}");
            assert!(refused.to_string().contains("refusing to send a password in clear"), "{remote}: {refused}");
        }
    }

    #[test]
    fn paths_other_schemes_and_credentials_are_refused() {
        for bad in ["ftp://x:1", "http://x:1/api", "http://x:1/?a=b", "http://user:pw@x:1", "", "http://:80"] {
            assert!(matches!(ServerUrl::parse(bad), Err(CtlError::Usage(_))), "{bad}");
        }
    }
}
