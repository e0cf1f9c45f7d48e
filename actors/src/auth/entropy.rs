//! Fresh randomness from the OS for ids, secrets and keys.

use super::error::AuthError;
use super::hex;

/// Bytes in a token id, family id or `jti` (128 bits: collisions are not a concern).
pub(crate) const ID_BYTES: usize = 16;

/// `N` bytes from the OS random source.
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], getrandom::Error> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes)?;
    Ok(bytes)
}

/// A fresh random id as lowercase hex.
pub(crate) fn random_id() -> Result<String, AuthError> {
    Ok(hex::encode(&random_bytes::<ID_BYTES>()?))
}
