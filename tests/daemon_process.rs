//! End to end on the real `traderd` binary: a free port, a temporary state directory, `kill -9`
//! after acknowledged orders, and a restart that must find every one of them.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;
use support::{get, market_order, post, wait_for, Api, TempDir, INFY, RELIANCE};

const BIN: &str = env!("CARGO_BIN_EXE_traderd");

/// Starts the daemon and returns it with a client for the address it listens on (read from its
/// JSON log) carrying the admin token it wrote to the state directory.
fn start(config: &std::path::Path, state: &std::path::Path) -> (Child, Api) {
    let mut child = Command::new(BIN)
        .args(["run", "--listen", "127.0.0.1:0", "--log-format", "json", "--config"])
        .arg(config)
        .arg("--state-dir")
        .arg(state)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn traderd");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut sent = false;
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if !sent {
                if let Ok(v) = serde_json::from_str::<Value>(&line) {
                    if let Some(addr) = v.get("local_addr").and_then(Value::as_str) {
                        let _ = tx.send(addr.to_owned());
                        sent = true;
                    }
                }
            }
        }
    });
    let addr = rx.recv_timeout(Duration::from_secs(30)).expect("traderd reported its address");
    (child, Api::admin(addr, state))
}

async fn ready(addr: &Api) {
    wait_for("readiness and quotes", Duration::from_secs(20), || async {
        let ready = get(addr, "/readyz").await.status == 200;
        let quotes = get(addr, "/api/v1/market/quotes").await.body["quotes"].as_array().map_or(0, Vec::len);
        (ready && quotes == 2).then_some(())
    })
    .await;
}

/// Positions without the fields that move with the market.
async fn positions(addr: &Api) -> Vec<Value> {
    let body = get(addr, "/api/v1/positions").await.body;
    body["positions"]
        .as_array()
        .expect("positions")
        .iter()
        .map(|p| {
            serde_json::json!({
                "instrument": p["instrument"], "quantity": p["quantity"], "average_price": p["average_price"],
                "realised_pnl": p["realised_pnl"], "charges": p["charges"], "fills": p["fills"],
            })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_orders_and_the_kill_switch_survive_kill_9() {
    let dir = TempDir::new("kill9");
    let config = dir.0.join("traderd.toml");
    std::fs::write(&config, support::config("")).unwrap();
    let state = dir.0.join("state");
    let (mut child, addr) = start(&config, &state);
    ready(&addr).await;

    // Two bursts (the overall rate limit is 10 orders a second), every answer a 201.
    let mut acknowledged = Vec::new();
    for burst in 0..2 {
        for i in 0..10 {
            let (instrument, side) = match i % 4 {
                0 => (RELIANCE, "buy"),
                1 => (INFY, "buy"),
                2 => (RELIANCE, "sell"),
                _ => (INFY, "buy"),
            };
            let body = market_order(instrument, side, 1 + i, &format!("k9-{burst}-{i}"));
            let reply = post(&addr, "/api/v1/orders", &body).await;
            assert_eq!(reply.status, 201, "order {burst}/{i}: {}", reply.text);
            acknowledged.push(reply.body["order_id"].as_str().expect("order_id").to_owned());
        }
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }
    let reply = post(&addr, "/api/v1/admin/kill-switch", r#"{"state": "halted", "cancel_open_orders": false}"#).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    // Everything the engine did is durable once the journal has no lag.
    wait_for("journal lag 0", Duration::from_secs(10), || async {
        (get(&addr, "/api/v1/status").await.body["journal"]["lag"] == 0).then_some(())
    })
    .await;
    let before = positions(&addr).await;
    assert!(!before.is_empty(), "the orders filled");

    child.kill().expect("kill -9");
    child.wait().expect("reaped");

    let (mut child, addr) = start(&config, &state);
    ready(&addr).await;
    let orders = get(&addr, "/api/v1/orders?status=all").await.body;
    let ids: Vec<&str> = orders["orders"].as_array().unwrap().iter().filter_map(|o| o["order_id"].as_str()).collect();
    for id in &acknowledged {
        assert!(ids.contains(&id.as_str()), "acknowledged order {id} lost in the crash");
    }
    assert_eq!(positions(&addr).await, before, "positions rebuilt from the journal");
    let status = get(&addr, "/api/v1/status").await.body;
    assert_eq!(status["trading_state"], "halted", "the kill switch survives a restart");
    let refused = post(&addr, "/api/v1/orders", &market_order(RELIANCE, "buy", 1, "after-restart")).await;
    assert_eq!((refused.status, refused.body["error"]["code"].as_str()), (422, Some("halted")), "{}", refused.text);

    // A clean stop on SIGTERM.
    let pid = child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().expect("kill -TERM");
    let exit = child.wait().expect("exit");
    assert!(exit.success(), "clean shutdown: {exit:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_defaults_trade_within_ten_seconds() {
    let dir = TempDir::new("defaults");
    let mut child = Command::new(BIN)
        .args(["run", "--listen", "127.0.0.1:0", "--log-format", "json", "--state-dir"])
        .arg(dir.0.join("state"))
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn traderd");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let started = std::time::Instant::now();
    let mut addr = None;
    let mut filled = false;
    let mut log = Vec::new();
    while started.elapsed() < Duration::from_secs(10) && !filled {
        let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) else { continue };
        log.push(line.clone());
        let Ok(v) = serde_json::from_str::<Value>(&line) else { continue };
        if let Some(a) = v.get("local_addr").and_then(Value::as_str) {
            addr = Some(a.to_owned());
        }
        // Every line about an order carries its id.
        if v.get("fill_id").is_some() {
            assert!(v.get("order_id").is_some(), "{line}");
            filled = true;
        }
    }
    assert!(filled, "no fill logged within 10 s of start");
    let addr = Api::admin(addr.expect("address logged"), &dir.0.join("state"));
    let positions = get(&addr, "/api/v1/positions").await.body;
    assert!(!positions["positions"].as_array().unwrap().is_empty(), "{positions}");
    let metrics = get(&addr, "/metrics").await.text;
    for name in ["traderd_orders_total", "traderd_fills_total", "traderd_queue_depth", "traderd_tick_to_order_seconds"]
    {
        assert!(metrics.contains(name), "{name} missing from /metrics");
    }
    let _ = child.kill();
    let _ = child.wait();
    // The first start logged where the admin token is, never the token itself.
    log.extend(rx.try_iter());
    let token = addr.token.as_deref().expect("a token");
    assert!(log.iter().any(|line| line.contains("admin.token")), "the token file's path is logged");
    assert!(!log.iter().any(|line| line.contains(token)), "the admin token is in the log");
    assert!(!log.iter().any(|line| line.contains(&token[token.len() - 16..])), "part of the admin token is logged");
}

#[test]
fn a_bad_config_lists_every_error_and_exits_non_zero() {
    let dir = TempDir::new("badconfig");
    let path = dir.0.join("bad.toml");
    std::fs::write(
        &path,
        "[daemon]\nlisten = \"0.0.0.0:80\"\n[risk]\nmax_orders_per_second = 50\n[journal]\nmax_batch = 0\n\
         [feed.source]\nkind = \"websocket_json\"\nurl = \"wss://feed.example/ticks\"\n",
    )
    .unwrap();
    let output = Command::new(BIN).arg("validate").arg("--config").arg(&path).output().expect("run validate");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The core's checks and the runtime's (this build has no TLS for wss://) in one listing.
    for path in ["daemon.listen", "risk.max_orders_per_second", "journal.max_batch", "feed.source.url"] {
        assert!(stderr.contains(path), "{path} not listed in:\n{stderr}");
    }
    let output = Command::new(BIN).arg("validate").output().expect("validate the embedded defaults");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}
