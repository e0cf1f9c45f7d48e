//! paper: the deterministic paper matching engine. It decides when and at what price a paper
//! order executes against quotes, bars or single trades; the live paper broker and the backtest
//! loop both drive it. It only decides executions: the caller feeds each [`MatchEvent`] to
//! `Order::apply` (via [`MatchEvent::order_event`]) and charges every fill.
//!
//! # Matching rules
//!
//! Conservative by design: a paper fill is never at a better price, nor for more size, than the
//! market data shows was available, and a limit order never fills worse than its limit. Rules are
//! written for a buy; a sell mirrors them (bid for ask, low for high, down for up).
//!
//! **Submission.** An order is rejected ([`RejectReason`]) if nothing remains to fill, its id was
//! accepted before, its instrument differs from the one given, its limit or trigger price is not
//! positive or off the tick grid, an SL buy's limit is below its trigger (sell: above), or slippage
//! is configured but the tick size is not positive. Otherwise it is `Accepted` and matched at once
//! against the latest quote of its instrument, with fills stamped with the submission time. At
//! submission a limit fills only against the touch: the last trade printed before the order
//! existed is no evidence that anyone would meet its limit (a market order with no book may still
//! be priced from it, as below). Stops whose trigger the last trade already reached fire at once.
//!
//! **Quotes** (`on_quote`, and submission against the remembered quote). A book side counts only
//! with a positive price and a positive size; a last trade only with a positive price; a last
//! quantity of 0 means its size is unknown, so it does not limit the fill.
//! - Market buy: fills at the ask for min(remaining, ask size). With no ask quoted, at
//!   last + `slippage_ticks` ticks for min(remaining, last quantity).
//! - Limit buy at L: if ask ≤ L, fills at the ask for min(remaining, ask size); else, for an order
//!   that was resting when the trade printed, if the last trade is strictly below L (traded
//!   through, not merely touched), fills at L (not at the better last) for min(remaining, last
//!   quantity).
//! - Stop buy (SL, SL-M): fires when the last trade ≥ trigger and emits `Triggered`; on the same
//!   quote an SL-M then matches as a market order and an SL as a limit at its price.
//! - Size is shared: working orders match in submission order, each taking size out of the quote,
//!   and what they took stays taken for later submissions until the next quote replaces it. A
//!   quoted side that is used up fills nothing more (no fallback to the last price).
//! - One execution per order per quote; a DAY remainder keeps working and fills on later quotes.
//!
//! **Trades** (`on_trade`): a quote with only a last trade of unlimited size and no book, for an
//! order already resting. It is not remembered.
//!
//! **Bars** (`on_bar`): volume does not limit size, so every fill is for the whole remainder,
//! stamped with the bar's `ts`. Bars are not remembered. Inconsistent bars are refused.
//! - Market buy: open + slippage.
//! - Limit buy at L: open ≤ L → fills at the open; else low < L → fills at L; else nothing.
//! - Stop buy at trigger T fires at the open if open ≥ T (a gap), else at T if high ≥ T; then:
//!   - SL-M: fills at the firing price + slippage (which may lie above the high: slippage is a
//!     penalty, not a price the bar printed).
//!   - SL at limit L, the rule chosen here: if the firing price ≤ L the order is marketable there
//!     and fills like the SL-M would, capped at L: min(firing price + slippage, L), so an SL never
//!     beats the SL-M on the same bar. If the bar gapped above L (open > L), the order works as a
//!     limit for the rest of the bar and fills at L only if low < L; otherwise it keeps working
//!     as a triggered limit on later bars.
//!
//! **IOC**: the first matching attempt is the submission if a quote of the instrument has been
//! seen, else the first quote, trade or bar of the instrument after it. Whatever that attempt does
//! not fill is cancelled right after it (`Cancelled { reason: IocUnfilled }`).
//!
//! **Slippage** moves whole ticks of the instrument (`Price::offset_ticks`), always against the
//! order. It applies to prices taken from a last trade or a bar (market and SL-M orders, SL orders
//! triggered on a bar), never to a quoted bid or ask nor to a plain limit. A slipped price that
//! overflows or is not positive fills nothing.
//!
//! **Determinism**: orders are kept in a `Vec` in submission order and books in a `BTreeMap`, so
//! the events depend only on the sequence of calls. Steady-state matching allocates only the order
//! ids carried by the events it emits.

mod bar_rules;
mod book;
mod config;
mod error;
mod event;
mod matcher;
mod quote_rules;
mod reject;
mod side_prices;
mod working;

pub use config::{PaperConfig, MAX_SLIPPAGE_TICKS};
pub use error::MarketDataError;
pub use event::{CancelReason, MatchEvent};
pub use matcher::PaperMatcher;
pub use reject::RejectReason;
