//! Criterion bench for the journal: orders per second made durable with group commit (many
//! appenders awaiting acks, the writer committing whatever is queued in one transaction) against
//! one durable commit per order (`max_batch = 1`). Both write a real redb file with an fsync per
//! commit, under `std::env::temp_dir()`. Figures and the machine they ran on live in
//! `benches/README.md`.

use std::num::NonZeroUsize;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use futures_util::future::join_all;
use serde::Serialize;
use trader_actors::journal::{encode, JournalConfig, JournalHandle, JournalWriter, RedbStore};

/// Roughly the size of a journalled order: ids, instrument, side, quantity, price, timestamp.
#[derive(Serialize)]
struct OrderRecord {
    client_order_id: String,
    instrument: String,
    side: u8,
    quantity: i64,
    price_micros: i64,
    at_nanos: i64,
}

fn order(n: usize) -> Vec<u8> {
    let record = OrderRecord {
        client_order_id: format!("bench-{n:012}"),
        instrument: "NSE_EQ|INE002A01018".into(),
        side: (n % 2) as u8,
        quantity: 10,
        price_micros: 2_450_050_000,
        at_nanos: 1_700_000_000_000_000_000 + n as i64,
    };
    encode(1, &record).expect("the bench record encodes")
}

/// A journal file in a fresh temporary directory, removed when dropped.
struct BenchJournal {
    dir: PathBuf,
    handle: Option<JournalHandle>,
    thread: Option<std::thread::JoinHandle<RedbStore>>,
}

impl BenchJournal {
    fn start(label: &str, max_batch: usize) -> Self {
        let dir = std::env::temp_dir().join(format!("traderd-journal-bench-{label}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let store = RedbStore::open(dir.join("journal.redb")).expect("the bench journal opens");
        let config = JournalConfig {
            queue_capacity: NonZeroUsize::new(4096).expect("non-zero"),
            max_batch: NonZeroUsize::new(max_batch).expect("non-zero"),
        };
        let (handle, thread) = JournalWriter::start(store, config).expect("the writer starts");
        BenchJournal { dir, handle: Some(handle), thread: Some(thread) }
    }

    fn handle(&self) -> &JournalHandle {
        self.handle.as_ref().expect("open until dropped")
    }
}

impl Drop for BenchJournal {
    fn drop(&mut self) {
        drop(self.handle.take());
        if let Some(thread) = self.thread.take() {
            drop(thread.join());
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `appenders` orders appended at once, each caller awaiting its own ack, as concurrent API
/// submissions do.
async fn submit(journal: &JournalHandle, appenders: usize) {
    let acks = (0..appenders).map(|n| journal.append(order(n)).expect("the queue has room"));
    for ack in join_all(acks.map(|ack| ack.wait())).await {
        ack.expect("the commit succeeds");
    }
}

fn durable_orders(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a tokio runtime");
    let mut group = c.benchmark_group("journal_durable_orders");
    // Every sample fsyncs; ten samples keep the per-commit case within the measurement time.
    group.sample_size(10);
    for appenders in [1, 16, 64] {
        group.throughput(Throughput::Elements(appenders as u64));
        for (name, max_batch) in [("group_commit", 1024), ("commit_per_order", 1)] {
            let journal = BenchJournal::start(&format!("{name}-{appenders}"), max_batch);
            group.bench_with_input(BenchmarkId::new(name, appenders), &appenders, |b, &appenders| {
                b.to_async(&runtime).iter(|| submit(journal.handle(), appenders));
            });
        }
    }
    group.finish();
}

criterion_group!(benches, durable_orders);
criterion_main!(benches);
