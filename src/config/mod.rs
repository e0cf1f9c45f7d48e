//! Typed configuration: unknown keys are refused, and `validate()` reports every error at once
//! with its key path.

mod api_section;
mod daemon_section;
mod feed_section;
mod instrument_spec;
mod metrics_section;
mod performance_section;
mod problems;
mod rate_limits_section;
mod runtime_sections;
mod tls_section;
mod trader_config;

pub use api_section::{ApiSection, CorsSection};
pub use daemon_section::{listen_exposure, DaemonSection};
pub use feed_section::{FeedSection, FeedSourceConfig};
pub use instrument_spec::InstrumentSpec;
pub use metrics_section::MetricsSection;
pub use performance_section::{PerformanceSection, MAX_DETAILED_DAYS};
pub use problems::{join, Problem, Problems};
pub use rate_limits_section::{Per, RateLimit, RateLimitsSection, RoleRateLimits, RolesRateLimits};
pub use runtime_sections::{
    AccountSection, JournalSection, OpenOrdersOnStop, QueuesSection, ShutdownSection, SupervisionSection,
};
pub use tls_section::{TlsSection, DEFAULT_HSTS_MAX_AGE_SECONDS};
pub use trader_config::TraderConfig;
