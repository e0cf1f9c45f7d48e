//! Every metric traderd exports, named in one place so dashboards and code agree.

use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};

pub const TICK_TO_ORDER_SECONDS: &str = "traderd_tick_to_order_seconds";
pub const ORDERS_TOTAL: &str = "traderd_orders_total";
pub const FILLS_TOTAL: &str = "traderd_fills_total";
pub const RISK_REFUSALS_TOTAL: &str = "traderd_risk_refusals_total";
pub const QUEUE_DEPTH: &str = "traderd_queue_depth";
pub const QUEUE_CAPACITY: &str = "traderd_queue_capacity";
pub const QUEUE_CONFLATED_TOTAL: &str = "traderd_queue_conflated_total";
pub const QUEUE_DROPPED_TOTAL: &str = "traderd_queue_dropped_total";
pub const QUEUE_REFUSED_TOTAL: &str = "traderd_queue_refused_total";
pub const ACTOR_RESTARTS_TOTAL: &str = "traderd_actor_restarts_total";
pub const JOURNAL_COMMIT_SECONDS: &str = "traderd_journal_commit_seconds";
pub const JOURNAL_BATCH_SIZE: &str = "traderd_journal_batch_size";
pub const JOURNAL_COMMIT_FAILURES_TOTAL: &str = "traderd_journal_commit_failures_total";
pub const FEED_AGE_SECONDS: &str = "traderd_feed_age_seconds";
pub const FEED_MALFORMED_TOTAL: &str = "traderd_feed_malformed_total";
pub const FEED_DISCONNECTS_TOTAL: &str = "traderd_feed_disconnects_total";
pub const ALERTS_FIRED_TOTAL: &str = "traderd_alerts_fired_total";
pub const PNL_REALISED_RUPEES: &str = "traderd_pnl_realised_rupees";
pub const PNL_UNREALISED_RUPEES: &str = "traderd_pnl_unrealised_rupees";
pub const EQUITY_RUPEES: &str = "traderd_equity_rupees";
pub const GROSS_EXPOSURE_RUPEES: &str = "traderd_gross_exposure_rupees";
pub const NET_EXPOSURE_RUPEES: &str = "traderd_net_exposure_rupees";
pub const CHARGES_RUPEES: &str = "traderd_charges_rupees";
pub const TRADING_STATE: &str = "traderd_trading_state";
pub const STREAM_CLIENTS: &str = "traderd_stream_clients";
pub const STREAM_DISCONNECTS_TOTAL: &str = "traderd_stream_disconnects_total";
pub const API_RATE_LIMITED_TOTAL: &str = "traderd_api_rate_limited_total";
pub const API_RATE_LIMIT_BUCKETS: &str = "traderd_api_rate_limit_buckets";
pub const API_CONNECTIONS_REFUSED_TOTAL: &str = "traderd_api_connections_refused_total";
pub const API_BODY_TIMEOUTS_TOTAL: &str = "traderd_api_body_timeouts_total";

/// Registers help text and units; called once at start, before the first sample.
pub fn describe() {
    describe_histogram!(
        TICK_TO_ORDER_SECONDS,
        Unit::Seconds,
        "Feed receive to broker acknowledgement of a strategy order."
    );
    describe_counter!(API_RATE_LIMITED_TOTAL, "Control-plane requests refused with 429, by the limit exceeded.");
    describe_gauge!(API_RATE_LIMIT_BUCKETS, "Rate-limit buckets held (clients and users seen recently).");
    describe_counter!(
        API_CONNECTIONS_REFUSED_TOTAL,
        "HTTPS connections dropped on accept because the control plane was at its connection cap."
    );
    describe_counter!(API_BODY_TIMEOUTS_TOTAL, "Control-plane requests answered 408: the body did not arrive in time.");
    describe_counter!(ORDERS_TOTAL, "Order state changes, by status.");
    describe_counter!(FILLS_TOTAL, "Fills received from the broker.");
    describe_counter!(RISK_REFUSALS_TOTAL, "Orders refused by the risk gate, by reason.");
    describe_gauge!(QUEUE_DEPTH, "Messages waiting in a bounded queue.");
    describe_gauge!(QUEUE_CAPACITY, "Capacity of a bounded queue.");
    describe_counter!(QUEUE_CONFLATED_TOTAL, "Quotes replaced by a newer one before a slow consumer read them.");
    describe_counter!(QUEUE_DROPPED_TOTAL, "Messages dropped by a drop-oldest queue (bars to a slow strategy).");
    describe_counter!(
        QUEUE_REFUSED_TOTAL,
        "Messages refused because a queue was full (orders are refused, never dropped)."
    );
    describe_counter!(ACTOR_RESTARTS_TOTAL, "Actor restarts after a panic or error, by actor.");
    describe_histogram!(JOURNAL_COMMIT_SECONDS, Unit::Seconds, "Duration of one durable journal commit.");
    describe_histogram!(JOURNAL_BATCH_SIZE, Unit::Count, "Records per durable journal commit.");
    describe_counter!(JOURNAL_COMMIT_FAILURES_TOTAL, "Journal commits that failed (their records were refused).");
    describe_gauge!(FEED_AGE_SECONDS, Unit::Seconds, "Time since the last tick, by instrument.");
    describe_counter!(FEED_MALFORMED_TOTAL, "Feed frames that could not be decoded.");
    describe_counter!(FEED_DISCONNECTS_TOTAL, "Feed connections lost.");
    describe_counter!(ALERTS_FIRED_TOTAL, "Alert firings, by rule.");
    describe_gauge!(PNL_REALISED_RUPEES, "Realised P&L, gross of charges, in rupees.");
    describe_gauge!(PNL_UNREALISED_RUPEES, "Unrealised P&L at the last marks, in rupees.");
    describe_gauge!(EQUITY_RUPEES, "Cash plus marked positions, in rupees.");
    describe_gauge!(GROSS_EXPOSURE_RUPEES, "Sum of absolute marked position values, in rupees.");
    describe_gauge!(NET_EXPOSURE_RUPEES, "Sum of signed marked position values, in rupees.");
    describe_gauge!(CHARGES_RUPEES, "Charges paid, in rupees.");
    describe_gauge!(TRADING_STATE, "Trading state: 0 active, 1 reducing, 2 halted.");
    describe_gauge!(STREAM_CLIENTS, "Event-stream WebSocket clients connected.");
    describe_counter!(
        STREAM_DISCONNECTS_TOTAL,
        "Event-stream clients disconnected, by reason (too_slow, shutdown, …)."
    );
}
