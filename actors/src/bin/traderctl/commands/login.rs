//! `login` and `logout`: a password session kept in the session file.

use std::io::{BufRead, IsTerminal, Write};

use hyper::Method;
use serde_json::json;

use super::Ctx;
use crate::api::{json_of, session_from_pair};
use crate::error::CtlError;
use crate::session::Session;

/// Reads the password: the first line of stdin. There is no no-echo terminal mode without another
/// crate, so on a terminal the typed password is visible; piping it in avoids that.
fn read_password() -> Result<String, CtlError> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Password (visible as you type; pipe it in to avoid that): ");
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line).map_err(|e| CtlError::Usage(format!("reading the password: {e}")))?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    if password.is_empty() {
        return Err(CtlError::Usage("no password on stdin".to_owned()));
    }
    Ok(password)
}

/// `POST /api/v1/auth/login`, then stores the session (never printed).
pub async fn login(ctx: &mut Ctx, username: &str) -> Result<(), CtlError> {
    // Before asking for the password: it must never go in clear to another host.
    ctx.api.http().server().refuse_clear_text("a password")?;
    let password = read_password()?;
    let body = json!({"username": username, "password": password});
    let reply = ctx.api.http().send(Method::POST, "/api/v1/auth/login", None, Some(&body)).await?;
    let pair = json_of(reply)?;
    let server = ctx.api.http().server().to_string();
    let session = session_from_pair(&server, username, &pair)?;
    session.store(&ctx.session_path)?;
    let expires_in = pair.get("expires_in").cloned().unwrap_or_default();
    let shown = json!({
        "username": username,
        "server": server,
        "expires_in": expires_in,
        "session_file": ctx.session_path.display().to_string(),
    });
    ctx.emit(&shown, |_| {
        format!("logged in to {server} as {username}; session kept in {}\n", ctx.session_path.display())
    });
    Ok(())
}

/// Revokes the stored session on its server (`POST /api/v1/auth/logout`) and deletes the file.
pub async fn logout(ctx: &mut Ctx) -> Result<(), CtlError> {
    ctx.api.http().server().refuse_clear_text("a refresh token")?;
    let Some(session) = Session::load(&ctx.session_path)? else {
        return Err(CtlError::Usage(format!("no login session in {}", ctx.session_path.display())));
    };
    let server = ctx.api.http().server().to_string();
    if session.server != server {
        return Err(CtlError::Usage(format!(
            "the login session is for {}, not {server}; pass --server {}",
            session.server, session.server
        )));
    }
    let body = json!({"refresh_token": session.refresh_token});
    let reply = ctx.api.http().send(Method::POST, "/api/v1/auth/logout", None, Some(&body)).await?;
    // A session the server already ended (401) is as good as logged out: forget it either way.
    let answer = match json_of(reply) {
        Err(CtlError::Api { status: 401, .. }) => json!({"logged_out": true}),
        other => other?,
    };
    Session::remove(&ctx.session_path)?;
    ctx.emit(&answer, |_| format!("logged out of {server} as {}\n", session.username));
    Ok(())
}
