//! Rate limits (`[api.rate_limits]`): GCRA buckets from `governor`, keyed per client IP before
//! authentication and per user after it. A request over a limit is answered 429 in the one error
//! shape with `Retry-After`, before the handler runs.
//!
//! Two middlewares, because the per-IP limits must run before the auth gate (a flood of bad
//! tokens or passwords must not reach the verifier or argon2) and the per-user ones after it
//! (they need the verified [`Principal`]).

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::time::Duration;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use trader::config::{RateLimit, RateLimitsSection};

use super::error::ApiError;
use super::state::ControlState;
use crate::auth::{Principal, Role};
use crate::metrics_names::{API_RATE_LIMITED_TOTAL, API_RATE_LIMIT_BUCKETS};

/// The route whose attempts are limited per IP more strictly: it runs argon2 on a password.
const LOGIN: (Method, &str) = (Method::POST, "/api/v1/auth/login");
/// The routes whose calls are limited per user more strictly: each one is an order message at the
/// broker (exchanges count a modification like a new order).
const ORDER_ROUTES: [(Method, &str); 2] =
    [(Method::POST, "/api/v1/orders"), (Method::PATCH, "/api/v1/orders/{order_id}")];
/// Never limited: supervisors and load balancers probe them, and they reveal nothing.
const UNLIMITED: [&str; 2] = ["/healthz", "/readyz"];

/// Whether requests to the route `path` (a template from the route table) count against the limits.
pub fn is_limited(path: &str) -> bool {
    !UNLIMITED.contains(&path)
}

/// How often idle buckets are dropped, so the keyed state stays bounded by the clients of the
/// last few minutes rather than every client ever seen.
pub const RETAIN_EVERY: Duration = Duration::from_secs(60);

/// A client as the per-IP limits see it. `None` when the server did not record the peer (the
/// router served without `ConnectInfo`, as in `oneshot` tests): all such requests share a bucket.
type ClientKey = Option<IpAddr>;

/// Every bucket of the control plane.
pub struct RateLimiters {
    per_ip: DefaultKeyedRateLimiter<ClientKey>,
    login_per_ip: DefaultKeyedRateLimiter<ClientKey>,
    per_user: BTreeMap<Role, RoleLimiters>,
    clock: DefaultClock,
}

/// One role's buckets, keyed by the principal's name.
struct RoleLimiters {
    default: DefaultKeyedRateLimiter<String>,
    orders: DefaultKeyedRateLimiter<String>,
}

/// Which limit refused a request, for the error message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exceeded {
    ClientIp,
    Login,
    User,
    Orders,
}

impl Exceeded {
    /// The metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            Exceeded::ClientIp => "client_ip",
            Exceeded::Login => "login",
            Exceeded::User => "user",
            Exceeded::Orders => "orders",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Exceeded::ClientIp => "too many requests from this address",
            Exceeded::Login => "too many login attempts from this address",
            Exceeded::User => "too many requests by this user",
            Exceeded::Orders => "too many orders placed by this user",
        }
    }
}

impl RateLimiters {
    /// Buckets for the limits of `config` (already validated; an out-of-range value is clamped).
    pub fn new(config: &RateLimitsSection) -> RateLimiters {
        let per_user = Role::ALL
            .into_iter()
            .map(|role| {
                let own = config.role(role.as_str());
                let limiters = RoleLimiters {
                    default: DefaultKeyedRateLimiter::dashmap(quota(own.default.unwrap_or(config.default))),
                    orders: DefaultKeyedRateLimiter::dashmap(quota(own.orders.unwrap_or(config.orders))),
                };
                (role, limiters)
            })
            .collect();
        RateLimiters {
            per_ip: DefaultKeyedRateLimiter::dashmap(quota(config.default)),
            login_per_ip: DefaultKeyedRateLimiter::dashmap(quota(config.login)),
            per_user,
            clock: DefaultClock::default(),
        }
    }

    /// Takes one request from the client's buckets; `Err` with the wait when one is empty.
    pub fn check_client(&self, client: ClientKey, login: bool) -> Result<(), (Exceeded, Duration)> {
        self.take(&self.per_ip, &client, Exceeded::ClientIp)?;
        if login {
            self.take(&self.login_per_ip, &client, Exceeded::Login)?;
        }
        Ok(())
    }

    /// Takes one request from the principal's buckets (its role's limits).
    pub fn check_user(&self, principal: &Principal, places_order: bool) -> Result<(), (Exceeded, Duration)> {
        let Some(limiters) = self.per_user.get(&principal.role) else { return Ok(()) };
        self.take(&limiters.default, &principal.name, Exceeded::User)?;
        if places_order {
            self.take(&limiters.orders, &principal.name, Exceeded::Orders)?;
        }
        Ok(())
    }

    fn take<K: Clone + std::hash::Hash + Eq>(
        &self,
        limiter: &DefaultKeyedRateLimiter<K>,
        key: &K,
        which: Exceeded,
    ) -> Result<(), (Exceeded, Duration)> {
        limiter.check_key(key).map_err(|not_until| (which, not_until.wait_time_from(self.clock.now())))
    }

    /// Drops every bucket that is full again (indistinguishable from a new one), and reports how
    /// many are left.
    pub fn retain_recent(&self) {
        let limiters = [&self.per_ip, &self.login_per_ip];
        for limiter in limiters {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        for role in self.per_user.values() {
            for limiter in [&role.default, &role.orders] {
                limiter.retain_recent();
                limiter.shrink_to_fit();
            }
        }
        metrics::gauge!(API_RATE_LIMIT_BUCKETS).set(self.len() as f64);
    }

    /// How many buckets are held (each limiter's live keys, summed).
    pub fn len(&self) -> usize {
        self.per_ip.len()
            + self.login_per_ip.len()
            + self.per_user.values().map(|r| r.default.len() + r.orders.len()).sum::<usize>()
    }

    /// Whether no bucket is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The governor quota of a configured limit: one request per `period`, `burst` at once.
fn quota(limit: RateLimit) -> Quota {
    let period = Duration::from_nanos(limit.period_nanos());
    let burst = NonZeroU32::new(limit.burst).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(period).unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN)).allow_burst(burst)
}

/// The bucket key of a peer. An IPv6 client is keyed by its /64, the block one host or home
/// usually holds, so rotating addresses within it buys no extra requests.
fn client_key(peer: Option<SocketAddr>) -> ClientKey {
    peer.map(|addr| match addr.ip().to_canonical() {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(bits))
        }
        v4 => v4,
    })
}

/// The login route, for the documentation.
pub fn is_login(method: &str, path: &str) -> bool {
    method.eq_ignore_ascii_case(LOGIN.0.as_str()) && path == LOGIN.1
}

/// Whether `method` `path` is one of the order routes (placing or modifying), for the documentation.
pub fn is_order_route(method: &str, path: &str) -> bool {
    ORDER_ROUTES.iter().any(|(m, p)| method.eq_ignore_ascii_case(m.as_str()) && path == *p)
}

/// Whether the request is `route` (method and path template).
fn is(request: &Request, route: &(Method, &str)) -> bool {
    request.method() == route.0 && request.extensions().get::<MatchedPath>().is_some_and(|m| m.as_str() == route.1)
}

/// The per-IP middleware (outside the auth gate).
pub async fn limit_by_client(State(state): State<ControlState>, request: Request, next: Next) -> Response {
    let path = request.extensions().get::<MatchedPath>().map(|m| m.as_str().to_owned());
    if path.as_deref().is_some_and(|p| !is_limited(p)) {
        return next.run(request).await;
    }
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| *addr);
    match state.limits.check_client(client_key(peer), is(&request, &LOGIN)) {
        Ok(()) => next.run(request).await,
        Err((which, wait)) => {
            tracing::debug!(client = ?peer.map(|p| p.ip()), limit = ?which, "rate limited");
            too_many_requests(which, wait)
        }
    }
}

/// The per-user middleware (inside the auth gate; public routes have no principal and pass).
pub async fn limit_by_user(State(state): State<ControlState>, request: Request, next: Next) -> Response {
    let Some(principal) = request.extensions().get::<Principal>() else {
        return next.run(request).await;
    };
    match state.limits.check_user(principal, ORDER_ROUTES.iter().any(|route| is(&request, route))) {
        Ok(()) => next.run(request).await,
        Err((which, wait)) => {
            tracing::debug!(user = %principal.name, limit = ?which, "rate limited");
            too_many_requests(which, wait)
        }
    }
}

/// 429 with `Retry-After` in whole seconds, rounded up (at least 1: `0` would invite a retry
/// storm).
pub fn too_many_requests(which: Exceeded, wait: Duration) -> Response {
    metrics::counter!(API_RATE_LIMITED_TOTAL, "limit" => which.as_str()).increment(1);
    let seconds = retry_after_seconds(wait);
    let message = format!("{}; retry in {seconds} s", which.describe());
    let mut response = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message).into_response();
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

fn retry_after_seconds(wait: Duration) -> u64 {
    let whole = wait.as_secs();
    let seconds = if wait.subsec_nanos() > 0 { whole.saturating_add(1) } else { whole };
    seconds.max(1)
}

#[cfg(test)]
mod tests {
    use trader::config::{Per, RoleRateLimits};

    use super::*;
    use crate::auth::Via;

    fn limit(requests: u32, per: Per, burst: u32) -> RateLimit {
        RateLimit { requests, per, burst }
    }

    fn principal(name: &str, role: Role) -> Principal {
        Principal { name: name.to_owned(), role, via: Via::Session }
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_seconds(Duration::ZERO), 1);
        assert_eq!(retry_after_seconds(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_seconds(Duration::from_secs(12)), 12);
        assert_eq!(retry_after_seconds(Duration::from_millis(11_001)), 12);
    }

    #[test]
    fn the_login_limit_is_per_address_and_says_when_to_retry() {
        let config = RateLimitsSection { login: limit(5, Per::Minute, 2), ..RateLimitsSection::default() };
        let limiters = RateLimiters::new(&config);
        let a = client_key(Some("10.0.0.1:5000".parse().unwrap()));
        let b = client_key(Some("10.0.0.2:5000".parse().unwrap()));
        assert_eq!(limiters.check_client(a, true), Ok(()));
        assert_eq!(limiters.check_client(a, true), Ok(()));
        let (which, wait) = limiters.check_client(a, true).unwrap_err();
        assert_eq!(which, Exceeded::Login);
        // One attempt refills every 12 s; the burst was just spent, so the wait is just under 12 s.
        assert!(wait > Duration::from_secs(11) && wait <= Duration::from_secs(12), "{wait:?}");
        assert_eq!(retry_after_seconds(wait), 12);
        assert_eq!(limiters.check_client(b, true), Ok(()), "another address has its own bucket");
        assert_eq!(limiters.check_client(a, false), Ok(()), "other routes only count against the default");
    }

    #[test]
    fn orders_are_limited_per_user_and_roles_can_differ() {
        let mut config = RateLimitsSection { orders: limit(1, Per::Hour, 2), ..RateLimitsSection::default() };
        config.roles.risk = RoleRateLimits { default: Some(limit(1, Per::Hour, 1)), orders: None };
        let limiters = RateLimiters::new(&config);
        let (alice, bob) = (principal("alice", Role::Trader), principal("bob", Role::Trader));
        assert_eq!(limiters.check_user(&alice, true), Ok(()));
        assert_eq!(limiters.check_user(&alice, true), Ok(()));
        assert_eq!(limiters.check_user(&alice, true).unwrap_err().0, Exceeded::Orders);
        assert_eq!(limiters.check_user(&alice, false), Ok(()), "reading is not placing");
        assert_eq!(limiters.check_user(&bob, true), Ok(()), "bob has his own bucket");
        let carol = principal("carol", Role::Risk);
        assert_eq!(limiters.check_user(&carol, false), Ok(()));
        assert_eq!(limiters.check_user(&carol, false).unwrap_err().0, Exceeded::User, "risk's own default");
    }

    #[test]
    fn ipv6_clients_share_their_64_and_unknown_peers_share_one_key() {
        let one = client_key(Some("[2001:db8:1:2::1]:1".parse().unwrap()));
        let two = client_key(Some("[2001:db8:1:2:ffff::9]:2".parse().unwrap()));
        let other = client_key(Some("[2001:db8:1:3::1]:1".parse().unwrap()));
        assert_eq!(one, two);
        assert_ne!(one, other);
        let mapped = client_key(Some("[::ffff:10.0.0.1]:1".parse().unwrap()));
        assert_eq!(mapped, Some("10.0.0.1".parse().unwrap()), "an IPv4-mapped peer is its IPv4 address");
        assert_eq!(client_key(None), None);
    }

    #[test]
    fn full_buckets_are_dropped() {
        let config = RateLimitsSection { default: limit(1_000_000, Per::Second, 1), ..RateLimitsSection::default() };
        let limiters = RateLimiters::new(&config);
        limiters.check_client(None, false).unwrap();
        assert_eq!(limiters.len(), 1);
        // One request refills in a microsecond; wait it out on the real clock governor reads.
        std::thread::sleep(Duration::from_millis(2));
        limiters.retain_recent();
        assert!(limiters.is_empty());
    }

    #[test]
    fn the_429_is_the_one_error_shape_with_retry_after() {
        let response = too_many_requests(Exceeded::Orders, Duration::from_millis(1_500));
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "2");
    }
}
