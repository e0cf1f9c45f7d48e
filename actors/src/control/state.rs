//! What the control plane's handlers share.

use std::sync::Arc;
use std::time::Duration;

use metrics_exporter_prometheus::PrometheusHandle;
use ractor::ActorRef;

use crate::actors::feed_handler::FeedShared;
use crate::actors::persistence::PersistenceMsg;
use crate::services::Services;

#[derive(Clone)]
pub struct ControlState {
    pub services: Services,
    pub metrics: PrometheusHandle,
    pub feed: Arc<FeedShared>,
    pub persistence: ActorRef<PersistenceMsg>,
    pub backtests: Arc<crate::backtest_jobs::BacktestJobs>,
    /// Users, sessions and tokens; every route but the public ones is checked against it.
    pub auth: Arc<super::auth_service::AuthService>,
    /// `[api]`: rate limits and CORS.
    pub api: Arc<trader::config::ApiSection>,
    /// The rate-limit buckets, built from `api.rate_limits`.
    pub limits: Arc<super::rate_limit::RateLimiters>,
    /// The hash-chained audit log every mutating request is recorded in.
    pub audit: Arc<crate::audit::AuditLog>,
    /// Holdings, P&L by day and by strategy, live analytics.
    pub performance: Arc<crate::actors::performance_sampler::Performance>,
    /// The config reload SIGHUP and `POST /api/v1/admin/config/reload` share.
    pub config_reload: Arc<crate::signals::ConfigReloader>,
}

/// How long a handler waits for an actor before answering 503.
pub const ACTOR_TIMEOUT: Duration = Duration::from_secs(5);

/// Calls an actor through its slot with the control plane's timeout, mapping "down" and "too
/// slow" to a 503 that names the actor.
#[macro_export]
macro_rules! ask {
    ($slot:expr, $name:expr, $msg:expr) => {{
        match $slot.get() {
            None => Err($crate::control::error::actor_unavailable($name)),
            Some(actor) => match actor.call($msg, Some($crate::control::state::ACTOR_TIMEOUT)).await {
                Ok(ractor::rpc::CallResult::Success(value)) => Ok(value),
                _ => Err($crate::control::error::actor_unavailable($name)),
            },
        }
    }};
}
