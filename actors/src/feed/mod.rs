//! Market data feeds: the `FeedSource` contract and its sources (simulated, CSV replay, a JSON
//! WebSocket stream; Upstox's v3 protobuf feed later), and the bounded sink they push into (the last-quote board is
//! `crate::quote_board`). Bars are built by the pure `trader::bars::BarAggregator`.

mod backoff;
mod error;
mod json_tick;
mod operator_subscriptions;
mod replay;
mod sim_walk;
mod simulated;
mod sink;
mod source;
mod splitmix;
mod subscriptions;
mod websocket_json;
mod websocket_json_config;

pub use error::FeedError;
pub use json_tick::{parse_tick_frame, FrameError};
pub use operator_subscriptions::{FeedSubscriptions, SubscriptionError};
pub use replay::{bar_quotes, ReplayFeed, ReplaySpeed};
pub use simulated::{default_instruments, SimInstrument, SimulatedFeed};
pub use sink::FeedSink;
pub use source::{FeedCommand, FeedEvent, FeedRun, FeedSource};
pub use websocket_json::WebsocketJsonFeed;
pub use websocket_json_config::WebsocketJsonConfig;
