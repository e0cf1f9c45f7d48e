//! The API as commands use it: JSON in and out, the bearer token attached, a login session's
//! access token refreshed when it has expired, and non-2xx answers turned into errors.

use std::path::PathBuf;

use hyper::Method;
use serde_json::{json, Value};

use crate::error::CtlError;
use crate::http_client::{HttpClient, Io, Reply};
use crate::profile::{Connection, Credential, TokenSource};
use crate::session::{now_secs, Session};

/// The refresh route: spends the refresh token and returns a new pair.
pub const REFRESH_PATH: &str = "/api/v1/auth/refresh";

/// A connected client.
pub struct Api {
    http: HttpClient,
    credential: Option<Credential>,
    session: Option<Session>,
    session_path: PathBuf,
}

impl Api {
    /// A client for the resolved connection; `session_path` is where a refreshed session is stored.
    pub fn new(connection: Connection, session_path: PathBuf) -> Result<Api, CtlError> {
        let http = HttpClient::new(connection.server, connection.ca_cert.as_deref())?;
        Ok(Api { http, credential: connection.credential, session: connection.session, session_path })
    }

    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    /// Where the token came from, if there is one.
    pub fn token_source(&self) -> Option<&TokenSource> {
        self.credential.as_ref().map(|c| &c.source)
    }

    /// The token to send, refreshed first when it is a session's expired access token.
    pub async fn token(&mut self) -> Result<Option<String>, CtlError> {
        if self.session.as_ref().is_some_and(|s| s.needs_refresh(now_secs())) {
            self.refresh().await?;
        }
        Ok(self.credential.as_ref().map(|c| c.token.clone()))
    }

    pub async fn get(&mut self, path: &str) -> Result<Value, CtlError> {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&mut self, path: &str, body: Value) -> Result<Value, CtlError> {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn delete(&mut self, path: &str) -> Result<Value, CtlError> {
        self.call(Method::DELETE, path, None).await
    }

    /// One request with the token; a session whose access token the server no longer accepts is
    /// refreshed once and the request retried.
    pub async fn call(&mut self, method: Method, path: &str, body: Option<Value>) -> Result<Value, CtlError> {
        let token = self.token().await?;
        let mut reply = self.http.send(method.clone(), path, token.as_deref(), body.as_ref()).await?;
        if reply.status == 401 && self.session.is_some() {
            self.refresh().await?;
            let token = self.credential.as_ref().map(|c| c.token.clone());
            reply = self.http.send(method, path, token.as_deref(), body.as_ref()).await?;
        }
        json_of(reply)
    }

    /// A connection for the event stream, and the token to send on it.
    pub async fn stream_connection(&mut self) -> Result<(Box<dyn Io>, Option<String>), CtlError> {
        let token = self.token().await?;
        Ok((self.http.connect().await?, token))
    }

    /// Spends the session's refresh token for a new pair and stores it.
    async fn refresh(&mut self) -> Result<(), CtlError> {
        let Some(session) = self.session.clone() else { return Ok(()) };
        let body = json!({"refresh_token": session.refresh_token});
        let reply = self.http.send(Method::POST, REFRESH_PATH, None, Some(&body)).await?;
        let pair = json_of(reply).map_err(|e| match e {
            CtlError::Api { status, code, message, fields } => CtlError::Api {
                status,
                code,
                message: format!("{message} (the login session could not be refreshed; run `traderctl login` again)"),
                fields,
            },
            other => other,
        })?;
        let renewed = session_from_pair(&session.server, &session.username, &pair)?;
        renewed.store(&self.session_path)?;
        self.credential = Some(Credential { token: renewed.access_token.clone(), source: TokenSource::Session });
        self.session = Some(renewed);
        Ok(())
    }
}

/// A session from a login or refresh answer (`access_token`, `refresh_token`, `expires_in`).
pub fn session_from_pair(server: &str, username: &str, pair: &Value) -> Result<Session, CtlError> {
    let text = |key: &str| {
        pair.get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| CtlError::BadResponse(format!("the token answer has no `{key}`")))
    };
    let expires_in = pair
        .get("expires_in")
        .and_then(Value::as_u64)
        .ok_or_else(|| CtlError::BadResponse("the token answer has no `expires_in`".to_owned()))?;
    Ok(Session {
        server: server.to_owned(),
        username: username.to_owned(),
        access_token: text("access_token")?,
        refresh_token: text("refresh_token")?,
        expires_at: now_secs().saturating_add(expires_in),
    })
}

/// The JSON of a 2xx answer, or the error of any other.
pub fn json_of(reply: Reply) -> Result<Value, CtlError> {
    if !(200..300).contains(&reply.status) {
        return Err(CtlError::from_response(reply.status, &reply.body));
    }
    if reply.body.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&reply.body).map_err(|e| CtlError::BadResponse(format!("not JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use hyper::body::Bytes;

    use super::*;

    #[test]
    fn two_hundreds_are_json_and_others_errors() {
        let ok = json_of(Reply { status: 201, body: Bytes::from_static(br#"{"a": 1}"#) }).unwrap();
        assert_eq!(ok["a"], 1);
        let error = json_of(Reply {
            status: 401,
            body: Bytes::from_static(
                br#"{"error": {"code": "token_expired", "message": "the token has expired", "fields": {}}}"#,
            ),
        })
        .unwrap_err();
        assert_eq!(error.to_string(), "error: 401 Unauthorized (token_expired): the token has expired");
        assert!(matches!(
            json_of(Reply { status: 200, body: Bytes::from_static(b"<html>") }),
            Err(CtlError::BadResponse(_))
        ));
    }

    #[test]
    fn a_token_pair_becomes_a_session() {
        let pair = json!({"access_token": "a", "refresh_token": "r", "expires_in": 900});
        let before = now_secs();
        let s = session_from_pair("http://127.0.0.1:7800", "asha", &pair).unwrap();
        assert_eq!((s.access_token.as_str(), s.refresh_token.as_str()), ("a", "r"));
        assert!(s.expires_at >= before + 900 && s.expires_at <= now_secs() + 900);
        assert!(session_from_pair("x", "u", &json!({"access_token": "a"})).is_err());
    }
}
