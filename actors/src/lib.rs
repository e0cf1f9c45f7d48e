//! `trader-actors`: traderd's runtime. Supervised actors (ractor on tokio) move messages over bounded
//! queues — feed handler → strategy runners → risk gate → order router → broker — beside an alert
//! engine, a persistence writer (redb journal) and the control plane (axum). The decisions that move
//! money live in the pure `trader` crate; this crate only moves messages and does I/O.
