//! Fixed-point numbers: prices, quantities, money and rates. Money is never a float.

pub mod decimal;
mod money;
mod price;
mod quantity;
mod rate;
mod serde_fixed;

pub use decimal::DecimalError;
pub use money::{Money, MONEY_DECIMALS};
pub use price::{Price, PRICE_DECIMALS};
pub use quantity::{Quantity, QuantityError};
pub use rate::Rate;
