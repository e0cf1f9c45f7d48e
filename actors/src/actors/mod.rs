//! The actors, one per file, each with its message enum beside it.

pub mod alert_engine;
pub mod feed_handler;
pub mod order_router;
pub mod performance_sampler;
pub mod persistence;
pub mod risk_gate;
pub mod strategy_runner;
pub mod supervisor;
