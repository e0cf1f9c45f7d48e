//! `stream`: the event stream over a WebSocket, one line per event.

use std::io::Write;

use futures_util::StreamExt;
use serde_json::Value;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use super::{segment, Ctx};
use crate::error::CtlError;
use crate::table::at;

/// Connects, then prints every event until the server closes the stream or Ctrl-C.
pub async fn stream(ctx: &mut Ctx, topics: Option<&str>) -> Result<(), CtlError> {
    let path = match topics {
        Some(topics) => {
            format!("/api/v1/stream?topics={}", topics.split(',').map(segment).collect::<Vec<_>>().join(","))
        }
        None => "/api/v1/stream".to_owned(),
    };
    let url = ctx.api.http().server().websocket(&path);
    let (io, token) = ctx.api.stream_connection().await?;
    let mut request = url.as_str().into_client_request().map_err(|e| CtlError::Usage(format!("{url}: {e}")))?;
    if let Some(token) = token {
        let mut value = HeaderValue::try_from(format!("Bearer {token}"))
            .map_err(|_| CtlError::Usage("the token contains characters a header cannot carry".to_owned()))?;
        value.set_sensitive(true);
        request.headers_mut().insert("authorization", value);
    }
    let (mut ws, _) = tokio_tungstenite::client_async(request, io).await.map_err(|e| match e {
        // Refused before the upgrade: an ordinary API error (401, 403, 400 for a bad topic).
        WsError::Http(response) => {
            let status = response.status().as_u16();
            CtlError::from_response(status, response.body().as_deref().unwrap_or_default())
        }
        other => CtlError::Connection(format!("the event stream: {other}")),
    })?;
    let stdout = std::io::stdout();
    loop {
        let frame = tokio::select! {
            frame = ws.next() => frame,
            _ = tokio::signal::ctrl_c() => {
                let _ = ws.close(None).await;
                return Ok(());
            }
        };
        let text = match frame {
            None => return Err(CtlError::Connection("the event stream ended".to_owned())),
            Some(Err(e)) => return Err(CtlError::Connection(format!("the event stream: {e}"))),
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Close(frame))) => {
                let (code, reason) =
                    frame.map_or((CloseCode::Status, String::new()), |f| (f.code, f.reason.to_string()));
                eprintln!("the server closed the stream: {} {reason}", u16::from(code));
                return match code {
                    CloseCode::Normal | CloseCode::Away | CloseCode::Status => Ok(()),
                    _ => Err(CtlError::Connection(format!("closed with {} {reason}", u16::from(code)))),
                };
            }
            // Pings are answered by the WebSocket layer; nothing else carries events.
            Some(Ok(_)) => continue,
        };
        let line = if ctx.json {
            Some(text.as_str().to_owned())
        } else {
            match serde_json::from_str::<Value>(text.as_str()) {
                Ok(frame) if frame["topic"] == "control" => {
                    eprintln!("subscribed to: {}", subscribed_topics(&frame));
                    None
                }
                Ok(frame) => Some(describe(&frame)),
                Err(_) => Some(text.as_str().to_owned()),
            }
        };
        if let Some(line) = line {
            let mut out = stdout.lock();
            // A closed stdout (`traderctl stream | head`) ends the command quietly.
            if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
                let _ = ws.close(None).await;
                return Ok(());
            }
        }
    }
}

fn subscribed_topics(frame: &Value) -> String {
    frame
        .pointer("/event/topics")
        .and_then(Value::as_array)
        .map(|topics| topics.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", "))
        .unwrap_or_default()
}

/// One event as a line: its topic, its type, and what matters about it.
pub fn describe(frame: &Value) -> String {
    let topic = at(frame, "/topic");
    let Some(event) = frame.get("event") else { return frame.to_string() };
    let kind = at(event, "/type");
    let detail = match kind.as_str() {
        "order" => format!(
            "{} {} {} {} {} filled {}",
            at(event, "/order/id"),
            at(event, "/order/status"),
            at(event, "/order/request/intent/side"),
            at(event, "/order/request/intent/quantity"),
            at(event, "/order/request/intent/instrument"),
            at(event, "/order/filled"),
        ),
        "fill" => format!(
            "{} order {} {} {} {} @ {}",
            at(event, "/fill/id"),
            at(event, "/fill/order_id"),
            at(event, "/fill/side"),
            at(event, "/fill/quantity"),
            at(event, "/fill/instrument"),
            at(event, "/fill/price"),
        ),
        "refusal" => format!("{} {}: {}", at(event, "/client_order_id"), at(event, "/code"), at(event, "/message")),
        "alert" => format!(
            "{} {} @ {}: {}",
            at(event, "/firing/rule_id"),
            at(event, "/firing/instrument"),
            at(event, "/firing/price"),
            at(event, "/firing/message")
        ),
        "system_alert" => format!("{}: {}", at(event, "/source"), at(event, "/message")),
        "trading_state" => format!("{}: {}", at(event, "/state"), at(event, "/reason")),
        "strategy_status" => format!("{} {}", at(event, "/id"), at(event, "/status")),
        _ => {
            let mut rest = event.clone();
            if let Some(map) = rest.as_object_mut() {
                map.remove("type");
            }
            rest.to_string()
        }
    };
    format!("{topic:<10} {kind:<15} {detail}")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn events_read_as_one_line_each() {
        let fill = json!({"topic": "fills", "event": {"type": "fill", "fill": {"id": "f-1", "order_id": "o-1",
            "side": "buy", "quantity": 5, "instrument": "NSE_EQ|X", "price": "101.5"}}});
        assert_eq!(describe(&fill), "fills      fill            f-1 order o-1 buy 5 NSE_EQ|X @ 101.5");
        let state = json!({"topic": "risk", "event": {"type": "trading_state", "state": "halted", "reason": "drill"}});
        assert_eq!(describe(&state), "risk       trading_state   halted: drill");
        let unknown = json!({"topic": "x", "event": {"type": "new_kind", "a": 1}});
        assert_eq!(describe(&unknown), "x          new_kind        {\"a\":1}");
        assert_eq!(subscribed_topics(&json!({"event": {"topics": ["orders", "fills"]}})), "orders, fills");
    }
}
