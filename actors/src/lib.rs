//! `trader-actors`: traderd's runtime. Supervised actors (ractor on tokio) move messages over bounded
//! queues — feed handler → strategy runners → risk gate → order router → broker — beside an alert
//! engine, a persistence writer (redb journal) and the control plane (axum). The decisions that move
//! money live in the pure `trader` crate; this crate only moves messages and does I/O.

pub mod actors;
pub mod audit;
pub mod auth;
pub mod backtest_cli;
pub mod backtest_jobs;
pub mod broker;
pub mod control;
pub mod daemon;
pub mod engine;
pub mod events;
pub mod feed;
pub mod journal;
pub mod metrics_names;
pub mod offline_users;
pub mod queue;
pub mod quote_board;
pub mod records;
pub mod recovery;
pub mod services;
pub mod signals;
pub mod status_board;
pub mod submit_error;
#[cfg(test)]
mod test_dir;
