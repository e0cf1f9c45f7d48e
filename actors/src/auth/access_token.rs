//! Access tokens: short-lived HS256 JWTs that name a user, a role and the session they belong to.
//!
//! Decoding accepts HS256 only (`alg: none` and every other algorithm are refused), requires the
//! header `typ: at+jwt` (RFC 9068), our issuer and audience, and `kind: "access"`, and checks the
//! expiry against the caller's clock rather than the wall clock so tests and replays are
//! deterministic. Revocation is not checked here: that needs the session state (`AuthState`).

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use trader::time::Timestamp;

use super::entropy::random_id;
use super::error::AuthError;
use super::key::JwtKey;
use super::role::Role;

/// `iss` of every access token.
pub const ISSUER: &str = "traderd";
/// `aud` of every access token: the control-plane API.
pub const AUDIENCE: &str = "traderd-api";
/// Header `typ` of an access token (RFC 9068), so no other JWT signed with the key passes as one.
pub const ACCESS_TOKEN_TYP: &str = "at+jwt";

const NANOS_PER_SECOND: i64 = 1_000_000_000;

/// The `kind` claim; only `access` exists, so any other value fails to decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccessKind {
    /// An access token.
    Access,
}

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The username.
    pub sub: String,
    /// The user's role when the token was issued.
    pub role: Role,
    /// Expiry, Unix seconds.
    pub exp: u64,
    /// Issue time, Unix seconds.
    pub iat: u64,
    /// Unique token id, for revoking this one token.
    pub jti: String,
    /// Always `access`.
    pub kind: AccessKind,
    /// Always [`ISSUER`].
    pub iss: String,
    /// Always [`AUDIENCE`].
    pub aud: String,
    /// The session (refresh-token family) this token belongs to: revoking the session revokes it.
    pub fam: String,
}

/// Signs and verifies access tokens with one key.
pub struct AccessTokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for AccessTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessTokens(..)")
    }
}

impl AccessTokens {
    /// A signer/verifier for `key`.
    pub fn new(key: &JwtKey) -> AccessTokens {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        // Expiry is checked in `verify` against the caller's `now`, not the library's wall clock.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        AccessTokens {
            encoding: EncodingKey::from_secret(key.bytes()),
            decoding: DecodingKey::from_secret(key.bytes()),
            validation,
        }
    }

    /// Signs a token for `sub`/`role` in session `family`, issued at `now`, expiring at `expires`.
    pub(crate) fn issue(
        &self,
        sub: &str,
        role: Role,
        family: &str,
        now: Timestamp,
        expires: Timestamp,
    ) -> Result<(String, AccessClaims), AuthError> {
        let claims = AccessClaims {
            sub: sub.to_string(),
            role,
            exp: unix_seconds(expires),
            iat: unix_seconds(now),
            jti: random_id()?,
            kind: AccessKind::Access,
            iss: ISSUER.to_string(),
            aud: AUDIENCE.to_string(),
            fam: family.to_string(),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some(ACCESS_TOKEN_TYP.to_string());
        let jwt = encode(&header, &claims, &self.encoding).map_err(AuthError::Signing)?;
        Ok((jwt, claims))
    }

    /// Checks signature, algorithm, type, issuer, audience, kind and expiry at `now`.
    /// Every failure but expiry is [`AuthError::InvalidToken`], whatever the detail.
    pub fn verify(&self, jwt: &str, now: Timestamp) -> Result<AccessClaims, AuthError> {
        let data =
            decode::<AccessClaims>(jwt, &self.decoding, &self.validation).map_err(|_| AuthError::InvalidToken)?;
        if data.header.typ.as_deref() != Some(ACCESS_TOKEN_TYP) {
            return Err(AuthError::InvalidToken);
        }
        if unix_seconds(now) >= data.claims.exp {
            return Err(AuthError::TokenExpired);
        }
        Ok(data.claims)
    }
}

/// Whole Unix seconds of `t` (JWT time claims are seconds), rounded down; 0 before the epoch.
pub(crate) fn unix_seconds(t: Timestamp) -> u64 {
    u64::try_from(t.nanos().div_euclid(NANOS_PER_SECOND)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_780_000_000; // seconds

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_seconds(seconds).unwrap()
    }

    fn tokens(fill: u8) -> AccessTokens {
        AccessTokens::new(&JwtKey::from_bytes(vec![fill; 32]).unwrap())
    }

    fn base64url(bytes: &[u8]) -> String {
        const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
            for i in 0..=chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            }
        }
        out
    }

    fn claims_json(exp: i64) -> serde_json::Value {
        serde_json::json!({
            "sub": "alice", "role": "admin", "exp": exp, "iat": T0, "jti": "j1", "kind": "access",
            "iss": ISSUER, "aud": AUDIENCE, "fam": "f1",
        })
    }

    fn signed(header: &Header, claims: &serde_json::Value, fill: u8) -> String {
        encode(header, claims, &EncodingKey::from_secret(&[fill; 32])).unwrap()
    }

    fn at_jwt_header(alg: Algorithm) -> Header {
        let mut header = Header::new(alg);
        header.typ = Some(ACCESS_TOKEN_TYP.to_string());
        header
    }

    #[test]
    fn round_trip() {
        let codec = tokens(1);
        let (jwt, claims) = codec.issue("alice", Role::Trader, "fam1", at(T0), at(T0 + 900)).unwrap();
        assert_eq!((claims.iat, claims.exp), (T0 as u64, T0 as u64 + 900));
        assert_eq!(claims.jti.len(), 32);
        let decoded = codec.verify(&jwt, at(T0 + 899)).unwrap();
        assert_eq!(decoded, claims);
        assert_eq!(decoded.role, Role::Trader);
        assert_eq!(decoded.fam, "fam1");
    }

    #[test]
    fn expired_at_exp() {
        let codec = tokens(1);
        let (jwt, _) = codec.issue("alice", Role::Viewer, "f", at(T0), at(T0 + 900)).unwrap();
        assert!(matches!(codec.verify(&jwt, at(T0 + 900)), Err(AuthError::TokenExpired)));
        assert!(matches!(codec.verify(&jwt, at(T0 + 10_000)), Err(AuthError::TokenExpired)));
    }

    #[test]
    fn alg_none_refused() {
        let codec = tokens(1);
        let header = base64url(br#"{"alg":"none","typ":"at+jwt"}"#);
        let payload = base64url(claims_json(T0 + 900).to_string().as_bytes());
        for jwt in [format!("{header}.{payload}."), format!("{header}.{payload}")] {
            assert!(matches!(codec.verify(&jwt, at(T0)), Err(AuthError::InvalidToken)), "{jwt}");
        }
        // The same claims, properly signed, pass: only the algorithm made the difference.
        let good = signed(&at_jwt_header(Algorithm::HS256), &claims_json(T0 + 900), 1);
        assert!(codec.verify(&good, at(T0)).is_ok());
    }

    #[test]
    fn other_key_refused() {
        let (jwt, _) = tokens(2).issue("alice", Role::Admin, "f", at(T0), at(T0 + 900)).unwrap();
        assert!(matches!(tokens(1).verify(&jwt, at(T0)), Err(AuthError::InvalidToken)));
    }

    #[test]
    fn other_hmac_algorithms_refused_even_with_the_right_key() {
        let codec = tokens(1);
        for alg in [Algorithm::HS384, Algorithm::HS512] {
            let jwt = signed(&at_jwt_header(alg), &claims_json(T0 + 900), 1);
            assert!(matches!(codec.verify(&jwt, at(T0)), Err(AuthError::InvalidToken)), "{alg:?}");
        }
    }

    #[test]
    fn wrong_typ_kind_issuer_or_audience_refused() {
        let codec = tokens(1);
        let plain_jwt = signed(&Header::new(Algorithm::HS256), &claims_json(T0 + 900), 1);
        assert!(matches!(codec.verify(&plain_jwt, at(T0)), Err(AuthError::InvalidToken)), "typ JWT");
        for (field, value) in [("kind", "refresh"), ("iss", "someone"), ("aud", "other-api")] {
            let mut claims = claims_json(T0 + 900);
            claims[field] = serde_json::Value::from(value);
            let jwt = signed(&at_jwt_header(Algorithm::HS256), &claims, 1);
            assert!(matches!(codec.verify(&jwt, at(T0)), Err(AuthError::InvalidToken)), "{field}");
        }
        let mut claims = claims_json(T0 + 900);
        claims.as_object_mut().unwrap().remove("aud");
        let jwt = signed(&at_jwt_header(Algorithm::HS256), &claims, 1);
        assert!(matches!(codec.verify(&jwt, at(T0)), Err(AuthError::InvalidToken)), "missing aud");
    }

    #[test]
    fn tampered_payload_refused() {
        let codec = tokens(1);
        let (jwt, _) = codec.issue("alice", Role::Viewer, "f", at(T0), at(T0 + 900)).unwrap();
        let mut parts: Vec<&str> = jwt.split('.').collect();
        let mut claims = claims_json(T0 + 900);
        claims["role"] = "admin".into();
        let forged = base64url(claims.to_string().as_bytes());
        parts[1] = &forged;
        assert!(matches!(codec.verify(&parts.join("."), at(T0)), Err(AuthError::InvalidToken)));
    }

    #[test]
    fn garbage_never_panics() {
        let codec = tokens(1);
        for text in ["", ".", "..", "a.b.c", "a.b.c.d", "trd_x_y", "\u{0}", "eyJ.eyJ.", &"a".repeat(10_000)] {
            assert!(matches!(codec.verify(text, at(T0)), Err(AuthError::InvalidToken)), "{text:?}");
        }
    }

    #[test]
    fn unix_seconds_rounds_down_and_clamps() {
        assert_eq!(unix_seconds(Timestamp::from_nanos(1_999_999_999)), 1);
        assert_eq!(unix_seconds(Timestamp::from_nanos(-1)), 0);
    }
}
