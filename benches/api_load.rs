//! Load on the control plane: order placement over the real HTTP API (`POST /api/v1/orders`,
//! market orders, N placers at once, each on its own keep-alive connection), with and without M
//! readers hammering `GET /api/v1/orders?status=open`, `/api/v1/positions` and `/api/v1/portfolio`
//! on connections of their own. The daemon runs in process on the simulated feed, with the real
//! auth gate (a trader's JWT), audit log, rate limits (set out of reach), risk gate (every rule;
//! only the retail order-rate cap is lifted) and journal.
//!
//! Criterion reports the time per order across the N placers (its inverse is orders/s); a fixed run
//! afterwards prints p50/p99 latency per request. Figures in `benches/README.md`.
//!
//! Readers ask for the open orders, not every order: the full list grows with every order placed
//! here, so its cost would grow through the run and the figures would depend on the run's length.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use trader::config::TraderConfig;
use trader::num::Money;
use trader_actors::daemon::{Daemon, DaemonOptions};

const RELIANCE: &str = "NSE_EQ|INE002A01018";
/// Concurrent order placers.
const PLACERS: usize = 4;
/// Concurrent readers in the "with readers" runs.
const READERS: usize = 4;
/// Orders in each fixed run that measures percentiles.
const FIXED_ORDERS: usize = 2_000;
const READ_PATHS: [&str; 3] = ["/api/v1/orders?status=open", "/api/v1/positions", "/api/v1/portfolio"];

/// A keep-alive HTTP/1.1 connection carrying one bearer token.
struct Client {
    sender: SendRequest<Full<Bytes>>,
    host: String,
    authorization: String,
}

impl Client {
    async fn connect(addr: std::net::SocketAddr, token: &str) -> Client {
        let stream = TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        let (sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.expect("handshake");
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Client { sender, host: addr.to_string(), authorization: format!("Bearer {token}") }
    }

    /// One request; the status and the body.
    async fn send(&mut self, method: Method, path: &str, body: &str) -> (u16, Bytes) {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("host", &self.host)
            .header("authorization", &self.authorization)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body.to_owned())))
            .expect("request");
        self.sender.ready().await.expect("connection ready");
        let response = self.sender.send_request(request).await.expect("response");
        let status = response.status().as_u16();
        let body = response.into_body().collect().await.expect("body").to_bytes();
        (status, body)
    }
}

/// The daemon, a trader's access token, and where it listens.
struct Setup {
    daemon: Daemon,
    token: String,
    dir: std::path::PathBuf,
}

async fn setup() -> Setup {
    let base = std::env::var_os("TRADERD_BENCH_DIR").map_or_else(std::env::temp_dir, std::path::PathBuf::from);
    let dir = base.join(format!("traderd-bench-api-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let huge = "{ requests = 1000000, per = \"second\", burst = 1000000 }";
    let mut config = TraderConfig::from_toml(&format!(
        "[feed.source]\nkind = \"simulated\"\nseed = 11\ninterval_ms = 5\n\
         [[instruments]]\nkey = \"{RELIANCE}\"\nsymbol = \"RELIANCE\"\n\
         [risk.market_hours]\nalways_open = true\n\
         [api.rate_limits]\ndefault = {huge}\nlogin = {huge}\norders = {huge}\n"
    ))
    .expect("bench config");
    // Risk still runs every rule; only limits a benchmark would hit are lifted.
    config.risk.max_orders_per_second = u32::MAX / 2;
    config.risk.max_orders_per_second_per_strategy = u32::MAX / 2;
    config.risk.max_daily_loss = Money::from_rupees(1_000_000_000).expect("fits");
    config.risk.max_gross_exposure = Money::from_rupees(1_000_000_000).expect("fits");
    config.risk.max_position_quantity = 1_000_000;
    let options = DaemonOptions {
        config,
        state_dir: dir.join("state"),
        listen: "127.0.0.1:0".parse().expect("addr"),
        extra_strategies: Vec::new(),
        notify_systemd: false,
        auth: trader_actors::auth::AuthConfig::for_tests(),
    };
    let daemon = Daemon::start(options).await.expect("daemon");
    let admin_token = std::fs::read_to_string(daemon.state_dir.join("admin.token")).expect("admin token");
    let mut admin = Client::connect(daemon.local_addr, admin_token.trim()).await;
    let user = r#"{"username": "bench", "password": "bench-correct-horse-battery", "role": "trader"}"#;
    let (status, body) = admin.send(Method::POST, "/api/v1/admin/users", user).await;
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let login = r#"{"username": "bench", "password": "bench-correct-horse-battery"}"#;
    let (status, body) = admin.send(Method::POST, "/api/v1/auth/login", login).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let tokens: serde_json::Value = serde_json::from_slice(&body).expect("json");
    let token = tokens["access_token"].as_str().expect("access token").to_owned();
    // Market orders need a last trade that is not stale.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, body) = admin.send(Method::GET, "/api/v1/market/quotes", "").await;
        let quotes: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        if quotes["quotes"][0].is_object() {
            break;
        }
        assert!(Instant::now() < deadline, "no quotes from the simulated feed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Setup { daemon, token, dir }
}

/// Readers running until `stop`, timing their requests.
struct Readers {
    stop: Arc<AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<Vec<Duration>>>,
}

impl Readers {
    async fn start(addr: std::net::SocketAddr, token: &str, count: usize) -> Readers {
        let stop = Arc::new(AtomicBool::new(false));
        let mut tasks = Vec::new();
        for n in 0..count {
            let mut client = Client::connect(addr, token).await;
            let stop = Arc::clone(&stop);
            tasks.push(tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut i = n;
                while !stop.load(Ordering::Relaxed) {
                    let started = Instant::now();
                    let (status, body) = client.send(Method::GET, READ_PATHS[i % READ_PATHS.len()], "").await;
                    latencies.push(started.elapsed());
                    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
                    i += 1;
                }
                latencies
            }));
        }
        Readers { stop, tasks }
    }

    /// Stops them; returns every request's latency.
    async fn stop(self) -> Vec<Duration> {
        self.stop.store(true, Ordering::Relaxed);
        let mut all = Vec::new();
        for task in self.tasks {
            all.extend(task.await.expect("reader"));
        }
        all
    }
}

/// Places `orders` market orders split over `clients`, alternating sides so positions stay flat.
/// Returns each order's latency and how many were not 201.
async fn place(clients: &mut [Client], orders: usize) -> (Vec<Duration>, usize) {
    let per = orders.div_ceil(clients.len());
    let mut tasks = Vec::new();
    for (n, client) in clients.iter_mut().enumerate() {
        let count = per.min(orders.saturating_sub(n * per));
        tasks.push(async move {
            let mut latencies = Vec::with_capacity(count);
            let mut refused = 0;
            for i in 0..count {
                let side = if i % 2 == 0 { "buy" } else { "sell" };
                let body = format!(
                    r#"{{"instrument": "{RELIANCE}", "side": "{side}", "quantity": 1, "order_type": "market"}}"#
                );
                let started = Instant::now();
                let (status, _) = client.send(Method::POST, "/api/v1/orders", &body).await;
                latencies.push(started.elapsed());
                if status != 201 {
                    refused += 1;
                }
            }
            (latencies, refused)
        });
    }
    let mut all = Vec::with_capacity(orders);
    let mut refused = 0;
    for (latencies, r) in futures_util::future::join_all(tasks).await {
        all.extend(latencies);
        refused += r;
    }
    (all, refused)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(index).copied().unwrap_or_default()
}

/// A fixed run: `FIXED_ORDERS` orders over `PLACERS` placers, with `readers` readers; prints the
/// figures.
async fn fixed_run(setup: &Setup, readers: usize) {
    let addr = setup.daemon.local_addr;
    let mut clients = Vec::new();
    for _ in 0..PLACERS {
        clients.push(Client::connect(addr, &setup.token).await);
    }
    let background = Readers::start(addr, &setup.token, readers).await;
    let started = Instant::now();
    let (mut latencies, refused) = place(&mut clients, FIXED_ORDERS).await;
    let elapsed = started.elapsed();
    let mut reads = background.stop().await;
    latencies.sort();
    reads.sort();
    println!(
        "fixed run: {FIXED_ORDERS} orders, {PLACERS} placers, {readers} readers: {:.0} orders/s, p50 {:?}, p99 {:?}, \
         max {:?}, {refused} not 201",
        FIXED_ORDERS as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or_default(),
    );
    if !reads.is_empty() {
        println!(
            "  readers: {:.0} requests/s, p50 {:?}, p99 {:?}",
            reads.len() as f64 / elapsed.as_secs_f64(),
            percentile(&reads, 0.50),
            percentile(&reads, 0.99),
        );
    }
}

fn api_load(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let setup = runtime.block_on(setup());
    let addr = setup.daemon.local_addr;
    let mut group = c.benchmark_group("api_place_market_order");
    group.throughput(Throughput::Elements(1));
    for readers in [0, READERS] {
        let name = format!("{PLACERS}_placers_{readers}_readers");
        let token = setup.token.clone();
        group.bench_function(name, |b| {
            b.to_async(&runtime).iter_custom(|iters| {
                let token = token.clone();
                async move {
                    let mut clients = Vec::new();
                    for _ in 0..PLACERS {
                        clients.push(Client::connect(addr, &token).await);
                    }
                    let background = Readers::start(addr, &token, readers).await;
                    let started = Instant::now();
                    let (_, refused) = place(&mut clients, iters as usize).await;
                    let elapsed = started.elapsed();
                    background.stop().await;
                    assert_eq!(refused, 0, "every order is accepted");
                    elapsed
                }
            })
        });
    }
    group.finish();
    runtime.block_on(async {
        fixed_run(&setup, 0).await;
        fixed_run(&setup, READERS).await;
    });
    let dir = setup.dir.clone();
    runtime.block_on(async {
        setup.daemon.shutdown().await;
    });
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, api_load);
criterion_main!(benches);
