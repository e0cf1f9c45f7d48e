//! The audit log end to end: a real daemon in process, plain HTTP, and the `traderd audit verify`
//! binary. Mutating requests — done, refused by the auth gate, refused by validation or by the
//! risk gate — each leave one entry naming who, the route and the status; reads leave none. The
//! chain continues across a restart, verifies offline, and a record changed in the redb file is
//! named by `traderd audit verify`.

mod support;

use std::path::Path;
use std::process::Command;

use redb::ReadableTable;

use serde_json::{json, Value};
use support::{get, market_order, post, Api, TempDir, RELIANCE};
use trader_actors::daemon::Daemon;
use trader_actors::records::{decode_record, JournalRecord};

const BIN: &str = env!("CARGO_BIN_EXE_traderd");

async fn start(dir: &TempDir) -> Daemon {
    support::start_daemon(&support::config(""), dir, Vec::new()).await
}

/// (who, role, method, path, status, outcome) of each listed entry, oldest first.
fn summary(list: &Value) -> Vec<(String, String, String, String, u64, String)> {
    let mut rows: Vec<_> = list["entries"]
        .as_array()
        .unwrap_or_else(|| panic!("entries in {list}"))
        .iter()
        .map(|e| {
            let text = |key: &str| e[key].as_str().unwrap_or("-").to_owned();
            (
                text("who"),
                text("role"),
                text("method"),
                text("path"),
                e["status"].as_u64().unwrap_or(0),
                text("outcome"),
            )
        })
        .collect();
    rows.reverse();
    rows
}

fn row(
    who: &str,
    role: &str,
    method: &str,
    path: &str,
    status: u64,
    outcome: &str,
) -> (String, String, String, String, u64, String) {
    (who.into(), role.into(), method.into(), path.into(), status, outcome.into())
}

fn verify(state: &Path) -> std::process::Output {
    Command::new(BIN).args(["audit", "verify", "--state-dir"]).arg(state).output().expect("traderd runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutating_requests_are_audited_and_the_chain_verifies_until_tampered_with() {
    let dir = TempDir::new("audit-e2e");
    let state = dir.0.join("state");
    let daemon = start(&dir).await;
    let admin = Api::admin(daemon.local_addr, &daemon.state_dir);
    let anonymous = Api::anonymous(daemon.local_addr);
    const KILL: &str = "/api/v1/admin/kill-switch";

    assert_eq!(post(&admin, KILL, r#"{"state": "halted"}"#).await.status, 200);
    let order = market_order(RELIANCE, "buy", 1, "c-audit-1");
    let refused = post(&admin, "/api/v1/orders", &order).await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert_eq!(post(&anonymous, "/api/v1/orders", &order).await.status, 401);
    let user = json!({"username": "vera", "password": "vera-correct-horse-battery", "role": "viewer"});
    assert_eq!(post(&admin, "/api/v1/admin/users", &user.to_string()).await.status, 201);
    let login =
        post(&anonymous, "/api/v1/auth/login", r#"{"username": "vera", "password": "vera-correct-horse-battery"}"#)
            .await;
    assert_eq!(login.status, 200, "{}", login.text);
    let viewer = admin.with_token(login.body["access_token"].as_str().expect("an access token"));
    assert_eq!(post(&viewer, KILL, r#"{"state": "active"}"#).await.status, 403);
    assert_eq!(post(&admin, KILL, r#"{"state": "sideways"}"#).await.status, 400);
    // Reads are not audited, whoever makes them.
    assert_eq!(get(&admin, "/api/v1/status").await.status, 200);
    assert_eq!(get(&viewer, "/api/v1/admin/audit").await.status, 403, "the audit log needs read_audit");

    let list = get(&admin, "/api/v1/admin/audit?limit=50").await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(
        summary(&list.body),
        [
            row("admin", "admin", "POST", KILL, 200, "ok"),
            row("admin", "admin", "POST", "/api/v1/orders", 422, "refused"),
            row("anonymous", "-", "POST", "/api/v1/orders", 401, "refused"),
            row("admin", "admin", "POST", "/api/v1/admin/users", 201, "ok"),
            // Login is public: the caller is not known until it succeeds, and bodies are never read.
            row("anonymous", "-", "POST", "/api/v1/auth/login", 200, "ok"),
            row("vera", "viewer", "POST", KILL, 403, "refused"),
            row("admin", "admin", "POST", KILL, 400, "refused"),
        ]
    );
    let entries = list.body["entries"].as_array().unwrap();
    assert_eq!(entries[0]["seq"], 7, "newest first");
    assert_eq!(entries[0]["prev_hash"], entries[1]["hash"], "chained");
    assert_eq!(entries[6]["prev_hash"], "0".repeat(64), "genesis");
    assert!(!list.text.contains("correct-horse"), "no bodies in the audit log");
    let newest = get(&admin, "/api/v1/admin/audit?limit=2").await;
    assert_eq!(newest.body["entries"].as_array().map(Vec::len), Some(2));
    assert_eq!(get(&admin, "/api/v1/admin/audit?limit=0").await.status, 400);
    assert!(daemon.shutdown().await.is_empty());

    // A restart continues the chain from the journal's last entry.
    let daemon = start(&dir).await;
    let admin = Api::admin(daemon.local_addr, &daemon.state_dir);
    assert_eq!(post(&admin, KILL, r#"{"state": "active"}"#).await.status, 200);
    let list = get(&admin, "/api/v1/admin/audit?limit=1").await;
    assert_eq!(list.body["entries"][0]["seq"], 8, "{}", list.text);
    assert_eq!(list.body["entries"][0]["prev_hash"], entries[0]["hash"]);
    assert!(daemon.shutdown().await.is_empty());

    let intact = verify(&state);
    let stdout = String::from_utf8_lossy(&intact.stdout);
    assert!(intact.status.success(), "{stdout}{}", String::from_utf8_lossy(&intact.stderr));
    assert!(stdout.contains("audit chain intact: 8 entries"), "{stdout}");

    // Rewrite entry 3 in the redb file: who made the anonymous request is now "admin".
    tamper(&state.join("journal.redb"), 3);
    let broken = verify(&state);
    let stderr = String::from_utf8_lossy(&broken.stderr);
    assert!(!broken.status.success(), "tampering went unnoticed: {}", String::from_utf8_lossy(&broken.stdout));
    assert!(stderr.contains("audit entry 3: hash mismatch"), "{stderr}");
}

/// Changes the `who` of audit entry `seq` in the journal file, re-encoding the record so it still
/// decodes: only the chain can tell.
fn tamper(journal: &Path, seq: u64) {
    const RECORDS: redb::TableDefinition<u64, &[u8]> = redb::TableDefinition::new("journal");
    let db = redb::Database::open(journal).expect("the journal opens");
    let txn = db.begin_write().unwrap();
    {
        let mut table = txn.open_table(RECORDS).unwrap();
        let mut target = None;
        for item in table.iter().unwrap() {
            let (key, value) = item.unwrap();
            if let Ok(JournalRecord::Audit(entry)) = decode_record(value.value(), key.value()) {
                if entry.seq == seq {
                    target = Some((key.value(), entry));
                }
            }
        }
        let (key, mut entry) = target.expect("the audit entry is in the journal");
        entry.who = "admin".into();
        let bytes = JournalRecord::Audit(entry).encode().unwrap();
        table.insert(key, bytes.as_slice()).unwrap();
    }
    txn.commit().unwrap();
}
