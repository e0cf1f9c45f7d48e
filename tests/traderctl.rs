//! `traderctl` end to end: the real daemon in process, the built `traderctl` binary run against it
//! with `--state-dir` pointing at the daemon's state directory (so it finds `admin.token`) and a
//! private config directory. Status, placing and cancelling orders, the kill switch refusing an
//! order (exit 1, the reason on stderr), login with a created user and the refresh of its session,
//! the event stream printing a fill, and the exit codes of a bad token, a bad command line and an
//! unreachable server. No run ever prints a token.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{json, Value};
use support::{get, post, wait_for, Api, TempDir, RELIANCE};
use trader_actors::daemon::Daemon;

const BIN: &str = env!("CARGO_BIN_EXE_traderctl");

/// The longest any single wait in these tests may take.
const WAIT: Duration = Duration::from_secs(20);

/// One finished run.
#[derive(Debug)]
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:?}"))
    }

    fn ok(self) -> Out {
        assert_eq!(self.code, 0, "{self:?}");
        self
    }
}

/// Runs `traderctl` against one daemon.
struct Ctl {
    server: String,
    state_dir: PathBuf,
    config_home: PathBuf,
    /// Never to appear in any output.
    admin_token: String,
}

impl Ctl {
    fn new(daemon: &Daemon, dir: &TempDir) -> Ctl {
        let config_home = dir.0.join("config-home");
        std::fs::create_dir_all(&config_home).expect("config home");
        Ctl {
            server: format!("http://{}", daemon.local_addr),
            state_dir: daemon.state_dir.clone(),
            config_home,
            admin_token: support::admin_token(&daemon.state_dir),
        }
    }

    /// The session file `login` writes.
    fn session_file(&self) -> PathBuf {
        self.config_home.join("traderctl").join("session.json")
    }

    /// A command with the server, the daemon's state dir and a private config directory; nothing
    /// from the environment of the test run leaks in.
    fn command(&self, args: &[&str], state_dir: &Path) -> Command {
        let mut command = Command::new(BIN);
        command
            .arg("--server")
            .arg(&self.server)
            .arg("--state-dir")
            .arg(state_dir)
            .args(args)
            .env_remove("TRADERCTL_SERVER")
            .env_remove("TRADERCTL_TOKEN")
            .env_remove("TRADERCTL_CA_CERT")
            .env("XDG_CONFIG_HOME", &self.config_home)
            .env("HOME", &self.config_home);
        command
    }

    async fn run(&self, args: &[&str]) -> Out {
        self.run_in(args, &self.state_dir.clone(), None).await
    }

    /// Runs with `state_dir` (another one than the daemon's: no admin token) and `stdin`.
    async fn run_in(&self, args: &[&str], state_dir: &Path, stdin: Option<&str>) -> Out {
        let mut command = self.command(args, state_dir);
        let stdin = stdin.map(str::to_owned);
        let output = tokio::task::spawn_blocking(move || {
            command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
            let mut child = command.spawn().expect("spawn traderctl");
            let mut pipe = child.stdin.take().expect("stdin");
            if let Some(text) = stdin {
                pipe.write_all(text.as_bytes()).expect("write stdin");
            }
            drop(pipe);
            child.wait_with_output().expect("traderctl runs")
        })
        .await
        .expect("the run finishes");
        let out = Out {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        assert!(
            !out.stdout.contains(&self.admin_token) && !out.stderr.contains(&self.admin_token),
            "a token was printed: {out:?}"
        );
        out
    }
}

async fn start(dir: &TempDir) -> Daemon {
    support::start_daemon(&support::config(""), dir, Vec::new()).await
}

/// The last trade of `instrument`, once the feed has one.
async fn last_price(api: &Api, instrument: &str) -> String {
    wait_for("a quote", WAIT, || async {
        let quotes = get(api, "/api/v1/market/quotes").await.body;
        quotes["quotes"].as_array()?.iter().find(|q| q["instrument"] == instrument)?["last"].as_str().map(str::to_owned)
    })
    .await
}

/// `percent` % of `price`, rounded down to the 0.05 tick, computed in whole paise.
fn fraction_of(price: &str, percent: u64) -> String {
    let (rupees, paise) = price.split_once('.').unwrap_or((price, "0"));
    let paise: String = format!("{paise:0<2}").chars().take(2).collect();
    let total: u64 = rupees.parse::<u64>().expect("rupees") * 100 + paise.parse::<u64>().expect("paise");
    let scaled = total * percent / 100 / 5 * 5;
    format!("{}.{:02}", scaled / 100, scaled % 100)
}

#[test]
fn prices_are_scaled_in_paise() {
    assert_eq!(fraction_of("2450.05", 96), "2352.00");
    assert_eq!(fraction_of("100", 50), "50.00");
    assert_eq!(fraction_of("101.7", 100), "101.70");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_place_list_and_cancel() {
    let dir = TempDir::new("ctl-orders");
    let daemon = start(&dir).await;
    let ctl = Ctl::new(&daemon, &dir);
    let api = Api::admin(daemon.local_addr, &daemon.state_dir);

    let status = ctl.run(&["status"]).await.ok();
    assert!(status.stdout.contains("trading state  active\n"), "{status:?}");
    assert!(status.stdout.contains("admin.token"), "the token's source is named: {status:?}");
    assert_eq!(ctl.run(&["status", "--json"]).await.ok().json()["trading_state"], "active");

    let last = last_price(&api, RELIANCE).await;
    let placed = ctl
        .run(&[
            "place",
            "--instrument",
            RELIANCE,
            "--side",
            "buy",
            "--qty",
            "3",
            "--market",
            "--client-id",
            "ctl-m1",
            "--json",
        ])
        .await
        .ok()
        .json();
    assert_eq!((placed["client_order_id"].as_str(), placed["order_type"].as_str()), (Some("ctl-m1"), Some("market")));
    let market_id = placed["order_id"].as_str().expect("an order id").to_owned();

    let listed = ctl.run(&["orders", "--json"]).await.ok().json();
    let found: Vec<&Value> =
        listed["orders"].as_array().expect("orders").iter().filter(|o| o["order_id"] == market_id.as_str()).collect();
    assert_eq!(found.len(), 1, "{listed}");
    assert_eq!(found[0]["quantity"], 3);

    // A buy limit well below the market rests; the table shows it, then it is cancelled.
    let limit = fraction_of(&last, 96);
    let resting = ctl
        .run(&["place", "--instrument", RELIANCE, "--side", "buy", "--qty", "2", "--limit", &limit, "--json"])
        .await
        .ok()
        .json();
    let resting_id = resting["order_id"].as_str().expect("an order id").to_owned();
    let open = ctl.run(&["orders", "--open"]).await.ok();
    let header = open.stdout.lines().next().expect("a header");
    assert!(header.starts_with("ORDER") && header.contains("STATUS"), "{open:?}");
    let row = open.stdout.lines().find(|l| l.starts_with(&resting_id)).unwrap_or_else(|| panic!("{open:?}"));
    assert!(row.contains(&limit) && row.contains(" buy "), "{row}");

    let cancelled = ctl.run(&["cancel", &resting_id]).await.ok();
    assert!(cancelled.stdout.starts_with(&format!("order {resting_id} is ")), "{cancelled:?}");
    let status = wait_for("the cancel", WAIT, || async {
        let order = ctl.run(&["order", &resting_id, "--json"]).await.ok().json();
        (order["status"] == "cancelled").then_some(order)
    })
    .await;
    assert_eq!(status["remaining_quantity"], 2);

    // Cancelling it again: the server's 409 on stderr, exit 1.
    let again = ctl.run(&["cancel", &resting_id]).await;
    assert_eq!(again.code, 1, "{again:?}");
    assert!(again.stderr.contains("409") && again.stderr.contains("not_cancellable"), "{again:?}");

    // cancel-all cancels what rests, and says which.
    let second = ctl
        .run(&["place", "--instrument", RELIANCE, "--side", "buy", "--qty", "1", "--limit", &limit, "--json"])
        .await
        .ok()
        .json();
    let second_id = second["order_id"].as_str().expect("an order id").to_owned();
    let all = ctl.run(&["cancel-all", "--instrument", RELIANCE]).await.ok();
    assert!(all.stdout.starts_with("cancelled ") && all.stdout.contains(&second_id), "{all:?}");

    // The market order's fill shows in fills, positions and the portfolio.
    wait_for("the market order's fill", WAIT, || async {
        let fills = ctl.run(&["fills", "--json"]).await.ok().json();
        fills["fills"].as_array()?.iter().any(|f| f["order_id"] == market_id.as_str()).then_some(())
    })
    .await;
    let table = ctl.run(&["fills"]).await.ok();
    assert!(table.stdout.lines().any(|l| l.contains(&market_id) && l.contains(" buy ")), "{table:?}");
    let positions = ctl.run(&["positions"]).await.ok();
    let row = positions.stdout.lines().find(|l| l.starts_with(RELIANCE)).unwrap_or_else(|| panic!("{positions:?}"));
    assert_eq!(row.split_whitespace().nth(1), Some("3"), "{row}");
    assert!(ctl.run(&["portfolio"]).await.ok().stdout.starts_with("cash "));
    assert_eq!(ctl.run(&["backtests", "--json"]).await.ok().json()["backtests"], json!([]));

    // An unknown order: 404, exit 1.
    let missing = ctl.run(&["order", "ord-nope"]).await;
    assert_eq!(missing.code, 1, "{missing:?}");
    assert!(missing.stderr.contains("404 Not Found (not_found)"), "{missing:?}");

    // A bad field: the server names it.
    let bad = ctl.run(&["place", "--instrument", "NOPE", "--side", "buy", "--qty", "1", "--market"]).await;
    assert_eq!(bad.code, 1, "{bad:?}");
    assert!(
        bad.stderr.contains("400 Bad Request (invalid_request)") && bad.stderr.contains("\n  instrument: "),
        "{bad:?}"
    );

    daemon.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kill_switch_refuses_orders_until_it_is_off() {
    let dir = TempDir::new("ctl-kill");
    let daemon = start(&dir).await;
    let ctl = Ctl::new(&daemon, &dir);
    let api = Api::admin(daemon.local_addr, &daemon.state_dir);
    last_price(&api, RELIANCE).await;

    // The reason travels in the body (journaled with the caller's name); the server refused the
    // field before it learnt it, so this also checks client and server agree on the body.
    let on = ctl.run(&["kill-switch", "on", "--reason", "broker outage drill", "--json"]).await.ok().json();
    assert_eq!(on["state"], "halted");
    assert!(ctl.run(&["status"]).await.ok().stdout.contains("trading state  halted\n"));

    let refused = ctl.run(&["place", "--instrument", RELIANCE, "--side", "buy", "--qty", "1", "--market"]).await;
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(refused.stderr.contains("422") && refused.stderr.contains("(halted)"), "{refused:?}");
    assert!(refused.stderr.contains("trading is halted"), "{refused:?}");
    assert!(refused.stdout.is_empty(), "{refused:?}");

    let off = ctl.run(&["kill-switch", "off"]).await.ok();
    assert_eq!(off.stdout, "trading state: active; orders cancelled: 0\n");
    ctl.run(&["place", "--instrument", RELIANCE, "--side", "buy", "--qty", "1", "--market"]).await.ok();

    daemon.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_keeps_a_private_session_that_refreshes() {
    let dir = TempDir::new("ctl-login");
    let daemon = start(&dir).await;
    let ctl = Ctl::new(&daemon, &dir);
    let admin = Api::admin(daemon.local_addr, &daemon.state_dir);
    let password = "vera-correct-horse-battery";
    let created = post(
        &admin,
        "/api/v1/admin/users",
        &json!({"username": "vera", "password": password, "role": "viewer"}).to_string(),
    )
    .await;
    assert_eq!(created.status, 201, "{created:?}");
    // A state dir without admin.token: only the session can authenticate.
    let elsewhere = dir.0.join("no-state");

    let wrong = ctl.run_in(&["login", "--username", "vera"], &elsewhere, Some("not-the-password\n")).await;
    assert_eq!(wrong.code, 1, "{wrong:?}");
    assert!(wrong.stderr.contains("401"), "{wrong:?}");
    assert!(!ctl.session_file().exists());

    let login = ctl.run_in(&["login", "--username", "vera"], &elsewhere, Some(&format!("{password}\n"))).await.ok();
    assert!(login.stdout.contains("as vera"), "{login:?}");
    let session_text = std::fs::read_to_string(ctl.session_file()).expect("a session file");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(ctl.session_file()).expect("metadata").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let session: Value = serde_json::from_str(&session_text).expect("session JSON");
    assert!(!login.stdout.contains(session["access_token"].as_str().expect("access token")));

    let status = ctl.run_in(&["status"], &elsewhere, None).await.ok();
    assert!(status.stdout.contains("token from     the login session\n"), "{status:?}");
    // A viewer may read but not trade.
    let refused = ctl.run_in(&["kill-switch", "on"], &elsewhere, None).await;
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(refused.stderr.contains("403 Forbidden (forbidden)"), "{refused:?}");

    // Once the access token is (recorded as) expired, the next command refreshes it first.
    let mut expired = session.clone();
    expired["expires_at"] = json!(0);
    std::fs::write(ctl.session_file(), expired.to_string()).expect("rewrite the session");
    ctl.run_in(&["orders"], &elsewhere, None).await.ok();
    let refreshed: Value =
        serde_json::from_str(&std::fs::read_to_string(ctl.session_file()).expect("session")).expect("JSON");
    assert_ne!(refreshed["refresh_token"], session["refresh_token"]);
    assert!(refreshed["expires_at"].as_u64().expect("expiry") > 0);
    // Logout revokes the session on the server and forgets the file.
    let refresh_token = refreshed["refresh_token"].as_str().expect("refresh token").to_owned();
    let logout = ctl.run_in(&["logout"], &elsewhere, None).await.ok();
    assert_eq!(logout.stdout, format!("logged out of {} as vera\n", ctl.server));
    assert!(!ctl.session_file().exists());
    let revoked = post(
        &Api::anonymous(daemon.local_addr),
        "/api/v1/auth/refresh",
        &json!({"refresh_token": refresh_token}).to_string(),
    )
    .await;
    assert_eq!(revoked.status, 401, "{revoked:?}");
    let no_token = ctl.run_in(&["status"], &elsewhere, None).await;
    assert_eq!(no_token.code, 1, "{no_token:?}");
    assert!(no_token.stderr.contains("401"), "{no_token:?}");

    daemon.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_prints_a_fill_as_it_happens() {
    let dir = TempDir::new("ctl-stream");
    let daemon = start(&dir).await;
    let ctl = Ctl::new(&daemon, &dir);
    let api = Api::admin(daemon.local_addr, &daemon.state_dir);
    last_price(&api, RELIANCE).await;

    let mut child = ctl
        .command(&["stream", "--topics", "fills,orders"], &ctl.state_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn traderctl stream");
    let (tx, lines) = mpsc::channel::<(&'static str, String)>();
    let stdout = child.stdout.take().expect("stdout");
    let stderr = child.stderr.take().expect("stderr");
    let out_tx = tx.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = out_tx.send(("out", line));
        }
    });
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(("err", line));
        }
    });
    let next = |lines: &mpsc::Receiver<(&'static str, String)>, what: &str| {
        lines.recv_timeout(WAIT).unwrap_or_else(|_| panic!("timed out waiting for {what}"))
    };
    // Subscribed (on stderr) before the order, so its fill cannot be missed.
    let (from, first) = tokio::task::block_in_place(|| next(&lines, "the subscription"));
    assert_eq!((from, first.as_str()), ("err", "subscribed to: orders, fills"));

    let placed = post(&api, "/api/v1/orders", &support::market_order(RELIANCE, "buy", 4, "ctl-stream-1")).await;
    assert_eq!(placed.status, 201, "{placed:?}");
    let order_id = placed.body["order_id"].as_str().expect("order id").to_owned();
    let fill = tokio::task::block_in_place(|| loop {
        let (from, line) = next(&lines, "a fill line");
        assert_eq!(from, "out", "nothing else on stderr: {line}");
        if line.starts_with("fills ") {
            break line;
        }
    });
    assert!(fill.contains(&format!("order {order_id} buy 4 {RELIANCE} @ ")), "{fill}");
    child.kill().expect("stop the stream");
    let _ = child.wait();

    // --json: the frames as the server sent them, the subscription first.
    let mut child = ctl
        .command(&["stream", "--json"], &ctl.state_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn traderctl stream --json");
    let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
    let first = tokio::task::block_in_place(|| {
        let mut line = String::new();
        reader.read_line(&mut line).expect("a line");
        line
    });
    let frame: Value = serde_json::from_str(&first).expect("a JSON frame");
    assert_eq!((frame["topic"].as_str(), frame["event"]["type"].as_str()), (Some("control"), Some("subscribed")));
    child.kill().expect("stop the stream");
    let _ = child.wait();

    // A topic the server does not know: its 400 before the upgrade, exit 1.
    let bad = ctl.run(&["stream", "--topics", "nope"]).await;
    assert_eq!(bad.code, 1, "{bad:?}");
    assert!(bad.stderr.contains("400") && bad.stderr.contains("topics:"), "{bad:?}");

    daemon.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_codes_name_the_kind_of_failure() {
    let dir = TempDir::new("ctl-errors");
    let daemon = start(&dir).await;
    let ctl = Ctl::new(&daemon, &dir);

    let bad_token = ctl.run(&["status", "--token", "not-a-token"]).await;
    assert_eq!(bad_token.code, 1, "{bad_token:?}");
    assert!(bad_token.stderr.starts_with("error: 401 Unauthorized"), "{bad_token:?}");
    assert!(!bad_token.stderr.contains("not-a-token"), "{bad_token:?}");

    let usage = ctl.run(&["place", "--instrument", RELIANCE, "--side", "buy", "--market"]).await;
    assert_eq!(usage.code, 2, "{usage:?}");
    assert!(usage.stderr.contains("--qty"), "{usage:?}");

    // A password or a refresh token never goes in clear to another host: a usage error before
    // anything is sent (`.invalid` never resolves, so a run that tried would exit 3).
    let mut remote = Ctl::new(&daemon, &dir);
    remote.server = "http://traderd.invalid:7800".to_owned();
    let elsewhere = dir.0.join("no-admin-token");
    std::fs::create_dir_all(&elsewhere).expect("a state dir");
    // No password on stdin: it is refused before the password is even read.
    let login = remote.run_in(&["login", "--username", "vera"], &elsewhere, None).await;
    assert_eq!(login.code, 2, "{login:?}");
    assert!(login.stderr.contains("refusing to send a password in clear to http://traderd.invalid:7800"), "{login:?}");
    let logout = remote.run_in(&["logout"], &elsewhere, None).await;
    assert_eq!(logout.code, 2, "{logout:?}");
    assert!(logout.stderr.contains("refusing to send a refresh token in clear"), "{logout:?}");

    // Nothing listens on the daemon's port once it has stopped.
    daemon.shutdown().await;
    let down = ctl.run(&["status"]).await;
    assert_eq!(down.code, 3, "{down:?}");
    assert!(down.stderr.starts_with("error: cannot reach the server"), "{down:?}");

    let help = ctl.run(&["--help"]).await.ok();
    assert!(help.stdout.contains("EXIT STATUS") && help.stdout.contains("admin.token"), "{help:?}");
}

/// A CA and a server certificate for 127.0.0.1 signed by it, as PEM: (CA cert, server cert, server key).
fn certificates() -> (String, String, String) {
    let ca_key = rcgen::KeyPair::generate().expect("a CA key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca_cert = ca_params.self_signed(&ca_key).expect("the CA certificate");
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let server_key = rcgen::KeyPair::generate().expect("a server key");
    let server_cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .expect("server params")
        .signed_by(&server_key, &issuer)
        .expect("the server certificate");
    (ca_cert.pem(), server_cert.pem(), server_key.serialize_pem())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_trusts_exactly_the_ca_file_given() {
    let dir = TempDir::new("ctl-tls");
    let (ca, cert, key) = certificates();
    let write = |name: &str, text: &str| {
        let path = dir.0.join(name);
        std::fs::write(&path, text).expect("write a PEM file");
        path
    };
    let ca_file = write("ca.pem", &ca);
    let cert_file = write("server.pem", &cert);
    let key_file = write("server.key", &key);
    // The daemon refuses a private key others may read.
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).expect("chmod the key");
    let (other_ca, _, _) = certificates();
    let other_ca_file = write("other-ca.pem", &other_ca);
    let tls = format!("[api.tls]\ncert_file = {:?}\nkey_file = {:?}\n", cert_file.display(), key_file.display());
    let daemon = support::start_daemon(&support::config(&tls), &dir, Vec::new()).await;
    let mut ctl = Ctl::new(&daemon, &dir);
    ctl.server = format!("https://{}", daemon.local_addr);
    let ca_arg = ca_file.display().to_string();

    let status = ctl.run(&["status", "--json", "--ca-cert", &ca_arg]).await.ok();
    assert_eq!(status.json()["trading_state"], "active");

    let no_ca = ctl.run(&["status"]).await;
    assert_eq!(no_ca.code, 2, "{no_ca:?}");
    assert!(no_ca.stderr.contains("--ca-cert"), "{no_ca:?}");

    let wrong_ca = ctl.run(&["status", "--ca-cert", &other_ca_file.display().to_string()]).await;
    assert_eq!(wrong_ca.code, 3, "{wrong_ca:?}");
    assert!(wrong_ca.stderr.contains("TLS"), "{wrong_ca:?}");

    // The event stream over wss.
    let mut child = ctl
        .command(&["stream", "--ca-cert", &ca_arg], &ctl.state_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn traderctl stream");
    let mut reader = BufReader::new(child.stderr.take().expect("stderr"));
    let first = tokio::task::block_in_place(|| {
        let mut line = String::new();
        reader.read_line(&mut line).expect("a line");
        line
    });
    assert!(first.starts_with("subscribed to: orders, fills"), "{first}");
    child.kill().expect("stop the stream");
    let _ = child.wait();

    daemon.shutdown().await;
}
