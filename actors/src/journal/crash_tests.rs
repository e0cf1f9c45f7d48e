//! `kill -9` at an arbitrary moment loses no acknowledged record.
//!
//! The parent test re-runs this test binary as a child process (selecting the ignored child test
//! by name, with an environment variable naming the journal file). The child appends from several
//! threads and prints each acknowledged sequence number; the parent reads acks until it has
//! enough, SIGKILLs the child mid-stream, reopens the journal and checks every acknowledged record.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::num::NonZeroUsize;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use super::{decode, encode, JournalConfig, JournalStore, JournalWriter, RedbStore};
use crate::test_dir::TestDir;

/// Set (to the journal's path) only in the child process.
const CHILD_ENV: &str = "TRADERD_JOURNAL_CRASH_CHILD";
const CHILD_TEST: &str = "journal::crash_tests::crash_child";
const APPENDERS: u32 = 4;
/// The parent kills the child after reading this many acks.
const ACKS_BEFORE_KILL: usize = 300;
const VERSION: u8 = 1;

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Probe {
    appender: u32,
    n: u32,
    /// Varying sizes, so batches span pages and the kill can land in a multi-page write.
    padding: Vec<u8>,
}

/// One line the child prints: `ACK <sequence> <appender> <n>`.
fn parse_ack(line: &str) -> Option<(u64, u32, u32)> {
    let mut words = line.strip_prefix("ACK ")?.split(' ');
    Some((words.next()?.parse().ok()?, words.next()?.parse().ok()?, words.next()?.parse().ok()?))
}

#[test]
#[ignore = "the child half of kill_9_loses_no_acknowledged_record, which runs it"]
fn crash_child() {
    let Some(path) = std::env::var_os(CHILD_ENV) else { return };
    let store = RedbStore::open(path).unwrap();
    let config =
        JournalConfig { queue_capacity: NonZeroUsize::new(64).unwrap(), max_batch: NonZeroUsize::new(64).unwrap() };
    let (journal, _thread) = JournalWriter::start(store, config).unwrap();
    let stdout = Arc::new(Mutex::new(std::io::stdout()));
    let appenders: Vec<_> = (0..APPENDERS)
        .map(|appender| {
            let (journal, stdout) = (journal.clone(), Arc::clone(&stdout));
            std::thread::spawn(move || {
                // Bounded, so an orphaned child still ends.
                for n in 0..200_000u32 {
                    let padding = vec![appender as u8; (n as usize * 397) % 3000];
                    let bytes = encode(VERSION, &Probe { appender, n, padding }).unwrap();
                    let sequence = journal.append(bytes).unwrap().blocking_wait().unwrap();
                    let mut out = stdout.lock().unwrap();
                    writeln!(out, "ACK {sequence} {appender} {n}").unwrap();
                    out.flush().unwrap();
                }
            })
        })
        .collect();
    for appender in appenders {
        let _ = appender.join();
    }
}

/// Kills the child if the parent test fails before it does.
struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn kill_9_loses_no_acknowledged_record() {
    let dir = TestDir::new("kill9");
    let path = dir.path().join("journal.redb");
    let child = Command::new(std::env::current_exe().unwrap())
        .args([CHILD_TEST, "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut child = ChildGuard(child);
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let mut acked = Vec::new();
    while acked.len() < ACKS_BEFORE_KILL {
        match lines.next() {
            Some(Ok(line)) => acked.extend(parse_ack(&line)),
            _ => panic!("the child stopped after {} acks", acked.len()),
        }
    }
    // Child::kill is SIGKILL on Unix: no destructor, no flush, no clean shutdown of redb.
    child.0.kill().unwrap();
    child.0.wait().unwrap();
    // Acks the child printed before it died are still in the pipe: they count too.
    acked.extend(lines.map_while(Result::ok).filter_map(|line| parse_ack(&line)));

    let store = RedbStore::open(&path).unwrap();
    let mut stored = BTreeMap::new();
    store
        .replay(1, &mut |sequence, bytes| {
            let probe: Probe = decode(bytes, VERSION, sequence)?;
            stored.insert(sequence, (probe.appender, probe.n));
            Ok(())
        })
        .unwrap();
    let last = store.last_sequence().unwrap();
    assert_eq!(stored.keys().copied().collect::<Vec<_>>(), (1..=last).collect::<Vec<_>>(), "sequence gap");
    for (sequence, appender, n) in &acked {
        assert_eq!(stored.get(sequence), Some(&(*appender, *n)), "acknowledged record {sequence} lost");
    }
    // Each appender waited for its ack before the next append, so its records are 0, 1, 2, ...
    for appender in 0..APPENDERS {
        let ns: Vec<u32> = stored.values().filter(|(a, _)| *a == appender).map(|(_, n)| *n).collect();
        assert_eq!(ns, (0..ns.len() as u32).collect::<Vec<_>>(), "appender {appender}");
    }
    assert!(last as usize >= acked.len());
}
