//! Tests of `AuthState`: logins, refresh rotation and reuse detection, logout, API tokens, and
//! replay of the events.

use std::time::Duration;

use super::*;

const T0: i64 = 1_780_000_000;
const PASSWORD: &str = "correct horse battery";

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_seconds(seconds).unwrap()
}

fn key() -> JwtKey {
    JwtKey::from_bytes(vec![42; 32]).unwrap()
}

fn state() -> AuthState {
    AuthState::new(&key(), AuthConfig::for_tests())
}

/// A state with user `alice` (trader), and the events that made it.
fn with_alice() -> (AuthState, Vec<AuthEvent>) {
    let mut state = state();
    let event = state.add_user("alice", PASSWORD, Role::Trader, at(T0)).unwrap();
    (state, vec![event])
}

fn session(principal_name: &str, role: Role) -> Principal {
    Principal { name: principal_name.to_string(), role, via: Via::Session }
}

#[test]
fn login_issues_tokens_that_verify() {
    let (mut state, _) = with_alice();
    let (tokens, events) = state.login("alice", PASSWORD, at(T0)).unwrap();
    assert_eq!(events.len(), 1);
    assert!(matches!(&events[0], AuthEvent::SessionStarted { user, .. } if user == "alice"));
    assert_eq!(tokens.expires_in, 900);
    assert_eq!(state.verify_access(&tokens.access_token, at(T0 + 899)).unwrap(), session("alice", Role::Trader));
    assert_eq!(state.verify_bearer(&tokens.access_token, at(T0)).unwrap(), session("alice", Role::Trader));
    assert!(matches!(state.verify_access(&tokens.access_token, at(T0 + 900)), Err(AuthError::TokenExpired)));
    // A refresh token is not a bearer credential.
    assert!(matches!(state.verify_bearer(&tokens.refresh_token, at(T0)), Err(AuthError::InvalidToken)));
}

#[test]
fn wrong_password_and_unknown_user_look_the_same() {
    let (mut state, _) = with_alice();
    let wrong = state.login("alice", "correct horse batterz", at(T0)).unwrap_err();
    let unknown = state.login("mallory", PASSWORD, at(T0)).unwrap_err();
    assert!(matches!(wrong, AuthError::InvalidCredentials));
    assert!(matches!(unknown, AuthError::InvalidCredentials));
    assert_eq!(wrong.to_string(), "invalid credentials");
    assert_eq!(unknown.to_string(), wrong.to_string());
    assert_eq!(wrong.code(), "invalid_credentials");
}

#[test]
fn add_user_checks_name_password_and_uniqueness() {
    let mut state = state();
    let err = state.add_user("Alice", PASSWORD, Role::Viewer, at(T0)).unwrap_err();
    assert_eq!(err.to_string(), "username: may only contain a-z, 0-9, '_', '.' and '-'");
    let err = state.add_user("alice", "short", Role::Viewer, at(T0)).unwrap_err();
    assert_eq!(err.to_string(), "password: too short (5 characters), at least 12 are required");
    assert!(!state.has_users(), "refused users leave no trace");
    let event = state.add_user("alice", PASSWORD, Role::Viewer, at(T0)).unwrap();
    match &event {
        AuthEvent::UserAdded { name, role, password_hash: Some(hash), .. } => {
            assert_eq!((name.as_str(), *role), ("alice", Role::Viewer));
            assert!(hash.as_str().starts_with("$argon2id$"), "only the hash is journaled");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(matches!(state.add_user("alice", PASSWORD, Role::Admin, at(T0)), Err(AuthError::UserExists(_))));
    assert_eq!(
        state.users(),
        vec![UserSummary {
            name: "alice".into(),
            role: Role::Viewer,
            disabled: false,
            has_password: true,
            created: at(T0),
            last_login: None
        }]
    );
}

#[test]
fn refresh_rotates_within_the_family() {
    let (mut state, _) = with_alice();
    let (first, _) = state.login("alice", PASSWORD, at(T0)).unwrap();
    let outcome = state.refresh(&first.refresh_token, at(T0 + 600));
    let second = outcome.result.unwrap();
    assert_ne!(second.refresh_token, first.refresh_token);
    assert_ne!(second.access_token, first.access_token);
    match outcome.events.as_slice() {
        [AuthEvent::SessionRefreshed { used_token_id, .. }] => {
            assert_eq!(Some(used_token_id.as_str()), first.refresh_token.split('.').next());
        }
        other => panic!("unexpected {other:?}"),
    }
    // The new access token verifies; so does the old one until it expires (it was not revoked).
    assert_eq!(state.verify_access(&second.access_token, at(T0 + 1400)).unwrap(), session("alice", Role::Trader));
    assert!(state.verify_access(&first.access_token, at(T0 + 700)).is_ok());
    let third = state.refresh(&second.refresh_token, at(T0 + 1200)).result.unwrap();
    assert!(state.verify_access(&third.access_token, at(T0 + 1200)).is_ok());
}

#[test]
fn reusing_a_rotated_refresh_token_revokes_the_family() {
    let (mut state, _) = with_alice();
    let (first, _) = state.login("alice", PASSWORD, at(T0)).unwrap();
    let second = state.refresh(&first.refresh_token, at(T0 + 60)).result.unwrap();

    let replay = state.refresh(&first.refresh_token, at(T0 + 120));
    assert!(matches!(replay.result, Err(AuthError::RefreshReused)));
    assert!(matches!(replay.events.as_slice(), [AuthEvent::SessionRevoked { reason: RevokeReason::Reuse, .. }]));
    // The newest token of the family fails too, and so do its access tokens.
    assert!(matches!(state.refresh(&second.refresh_token, at(T0 + 130)).result, Err(AuthError::TokenRevoked)));
    assert!(matches!(state.verify_access(&second.access_token, at(T0 + 130)), Err(AuthError::TokenRevoked)));
    assert!(matches!(state.verify_access(&first.access_token, at(T0 + 130)), Err(AuthError::TokenRevoked)));
    // Presenting the reused token again changes nothing more.
    let again = state.refresh(&first.refresh_token, at(T0 + 140));
    assert!(again.events.is_empty());
    assert!(matches!(again.result, Err(AuthError::TokenRevoked)));
    // Other sessions of the same user are untouched.
    let (other, _) = state.login("alice", PASSWORD, at(T0 + 150)).unwrap();
    assert!(state.refresh(&other.refresh_token, at(T0 + 160)).result.is_ok());
}

#[test]
fn forged_secret_for_a_known_id_does_not_revoke() {
    let (mut state, _) = with_alice();
    let (first, _) = state.login("alice", PASSWORD, at(T0)).unwrap();
    let second = state.refresh(&first.refresh_token, at(T0 + 60)).result.unwrap();
    // Right ids, wrong secrets: refused, and the session survives (no denial of service by id).
    for token in [&first.refresh_token, &second.refresh_token] {
        let (id, _) = token.split_once('.').unwrap();
        let forged = format!("{id}.{}", "0".repeat(64));
        let outcome = state.refresh(&forged, at(T0 + 70));
        assert!(outcome.events.is_empty());
        assert!(matches!(outcome.result, Err(AuthError::InvalidToken)));
        assert!(matches!(state.logout(&forged, at(T0 + 70)), Err(AuthError::InvalidToken)));
    }
    assert!(state.refresh(&second.refresh_token, at(T0 + 80)).result.is_ok());
}

#[test]
fn refresh_tokens_expire_and_sessions_end() {
    let mut state = AuthState::new(
        &key(),
        AuthConfig {
            refresh_lifetime: Duration::from_secs(3600),
            session_lifetime: Duration::from_secs(5000),
            ..AuthConfig::for_tests()
        },
    );
    state.add_user("alice", PASSWORD, Role::Viewer, at(T0)).unwrap();
    let (first, _) = state.login("alice", PASSWORD, at(T0)).unwrap();
    assert!(matches!(state.refresh(&first.refresh_token, at(T0 + 3600)).result, Err(AuthError::TokenExpired)));
    let second = state.refresh(&first.refresh_token, at(T0 + 3599)).result.unwrap();
    // 4600 s in, the access token is cut to the 400 s left of the session...
    let third = state.refresh(&second.refresh_token, at(T0 + 4600)).result.unwrap();
    assert_eq!(third.expires_in, 400);
    assert!(matches!(state.verify_access(&third.access_token, at(T0 + 5000)), Err(AuthError::TokenExpired)));
    // ...and the refresh token dies with the session, not an hour later.
    assert!(matches!(state.refresh(&third.refresh_token, at(T0 + 5000)).result, Err(AuthError::TokenExpired)));
}

#[test]
fn logout_with_refresh_token_revokes_the_session() {
    let (mut state, _) = with_alice();
    let (tokens, _) = state.login("alice", PASSWORD, at(T0)).unwrap();
    let events = state.logout(&tokens.refresh_token, at(T0 + 10)).unwrap();
    assert!(matches!(events.as_slice(), [AuthEvent::SessionRevoked { reason: RevokeReason::Logout, .. }]));
    assert!(matches!(state.refresh(&tokens.refresh_token, at(T0 + 20)).result, Err(AuthError::TokenRevoked)));
    assert!(matches!(state.verify_access(&tokens.access_token, at(T0 + 20)), Err(AuthError::TokenRevoked)));
    assert_eq!(state.logout(&tokens.refresh_token, at(T0 + 30)).unwrap(), vec![], "idempotent");
    assert!(matches!(state.logout("not a token", at(T0)), Err(AuthError::InvalidToken)));
}

#[test]
fn logout_with_access_token_revokes_it_and_its_session() {
    let (mut state, _) = with_alice();
    let (tokens, _) = state.login("alice", PASSWORD, at(T0)).unwrap();
    let events = state.logout(&tokens.access_token, at(T0 + 10)).unwrap();
    match events.as_slice() {
        [AuthEvent::AccessRevoked { expires, .. }, AuthEvent::SessionRevoked { reason: RevokeReason::Logout, .. }] => {
            assert_eq!(*expires, at(T0 + 900));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(matches!(state.verify_access(&tokens.access_token, at(T0 + 20)), Err(AuthError::TokenRevoked)));
    assert!(matches!(state.refresh(&tokens.refresh_token, at(T0 + 20)).result, Err(AuthError::TokenRevoked)));
}

#[test]
fn disabling_a_user_ends_their_sessions_for_good() {
    let (mut state, _) = with_alice();
    let (tokens, _) = state.login("alice", PASSWORD, at(T0)).unwrap();
    let events = state.set_disabled("alice", true, at(T0 + 1)).unwrap();
    assert!(matches!(
        events.as_slice(),
        [
            AuthEvent::UserDisabled { disabled: true, .. },
            AuthEvent::SessionRevoked { reason: RevokeReason::UserDisabled, .. }
        ]
    ));
    assert!(matches!(state.login("alice", PASSWORD, at(T0 + 2)), Err(AuthError::InvalidCredentials)));
    assert!(matches!(state.verify_access(&tokens.access_token, at(T0 + 2)), Err(AuthError::TokenRevoked)));
    state.set_disabled("alice", false, at(T0 + 3)).unwrap();
    assert!(matches!(state.verify_access(&tokens.access_token, at(T0 + 4)), Err(AuthError::TokenRevoked)));
    assert!(state.login("alice", PASSWORD, at(T0 + 4)).is_ok());
    assert!(matches!(state.set_disabled("bob", true, at(T0)), Err(AuthError::UnknownUser(_))));
}

#[test]
fn set_password_replaces_the_old_one() {
    let (mut state, _) = with_alice();
    state.set_password("alice", "a brand new passphrase", at(T0 + 1)).unwrap();
    assert!(matches!(state.login("alice", PASSWORD, at(T0 + 2)), Err(AuthError::InvalidCredentials)));
    assert!(state.login("alice", "a brand new passphrase", at(T0 + 2)).is_ok());
    assert!(matches!(state.set_password("alice", "short", at(T0)), Err(AuthError::Password(_))));
}

#[test]
fn api_tokens_verify_until_revoked() {
    let (mut state, _) = with_alice();
    let (text, event) = state.create_api_token("prometheus", Role::Viewer, "alice", at(T0)).unwrap();
    assert!(text.starts_with("trd_"));
    assert!(
        matches!(&event, AuthEvent::ApiTokenIssued { name, role: Role::Viewer, owner, .. } if name == "prometheus" && owner == "alice")
    );
    let expected = Principal { name: "prometheus".into(), role: Role::Viewer, via: Via::ApiToken("prometheus".into()) };
    assert_eq!(state.verify_api_token(&text).unwrap(), expected);
    assert_eq!(state.verify_bearer(&text, at(T0 + 86_400 * 365)).unwrap(), expected, "API tokens do not expire");
    let (id, _) = text["trd_".len()..].split_once('_').unwrap();
    assert_eq!(
        state.api_tokens(),
        vec![ApiTokenSummary {
            id: id.to_owned(),
            name: "prometheus".into(),
            role: Role::Viewer,
            owner: "alice".into(),
            created: at(T0)
        }]
    );

    // Same id, another secret: refused.
    let (id_part, _) = text.rsplit_once('_').unwrap();
    assert!(matches!(
        state.verify_bearer(&format!("{id_part}_{}", "f".repeat(64)), at(T0)),
        Err(AuthError::InvalidToken)
    ));
    assert!(matches!(
        state.create_api_token("prometheus", Role::Admin, "alice", at(T0)),
        Err(AuthError::ApiTokenExists(_))
    ));

    assert!(matches!(state.revoke_api_token("prometheus", at(T0 + 1)).unwrap(), AuthEvent::ApiTokenRevoked { .. }));
    assert!(matches!(state.verify_bearer(&text, at(T0 + 2)), Err(AuthError::InvalidToken)));
    assert!(matches!(state.revoke_api_token("prometheus", at(T0 + 2)), Err(AuthError::UnknownApiToken(_))));
    // The name is free again, and the new token is a different one.
    let (again, _) = state.create_api_token("prometheus", Role::Viewer, "alice", at(T0 + 3)).unwrap();
    assert_ne!(again, text);
    assert!(state.verify_bearer(&again, at(T0 + 3)).is_ok());
    assert!(matches!(
        state.create_api_token("Bad Name", Role::Viewer, "alice", at(T0)),
        Err(AuthError::InvalidName { .. })
    ));
}

#[test]
fn prune_drops_ended_sessions_and_expired_revocations() {
    let (mut state, _) = with_alice();
    let (tokens, _) = state.login("alice", PASSWORD, at(T0)).unwrap();
    state.logout(&tokens.access_token, at(T0 + 1)).unwrap();
    assert_eq!(state.prune(at(T0 + 2)), None, "nothing has ended yet");
    // The revoked jti expires at T0 + 900; the session ends after 30 days.
    assert_eq!(state.prune(at(T0 + 900)), Some(AuthEvent::Pruned { now: at(T0 + 900) }));
    assert!(state.records.revoked_jtis.is_empty());
    assert_eq!(state.records.families.len(), 1);
    let end = T0 + 30 * 86_400;
    assert!(state.prune(at(end)).is_some());
    assert!(state.records.families.is_empty() && state.records.refresh_ids.is_empty());
    assert!(matches!(state.refresh(&tokens.refresh_token, at(end)).result, Err(AuthError::InvalidToken)));
}

#[test]
fn replaying_the_events_rebuilds_the_same_state() {
    let mut live = state();
    let mut journal = Vec::new();
    journal.push(live.add_user("alice", PASSWORD, Role::Trader, at(T0)).unwrap());
    journal.push(live.add_user("bob", PASSWORD, Role::Risk, at(T0)).unwrap());
    let (alice1, events) = live.login("alice", PASSWORD, at(T0 + 1)).unwrap();
    journal.extend(events);
    let outcome = live.refresh(&alice1.refresh_token, at(T0 + 2));
    journal.extend(outcome.events);
    let alice2 = outcome.result.unwrap();
    let (alice3, events) = live.login("alice", PASSWORD, at(T0 + 3)).unwrap();
    journal.extend(events);
    let reuse = live.refresh(&alice3.refresh_token, at(T0 + 4));
    journal.extend(reuse.events);
    let alice4 = reuse.result.unwrap();
    let reuse = live.refresh(&alice3.refresh_token, at(T0 + 5));
    journal.extend(reuse.events);
    let (bob, events) = live.login("bob", PASSWORD, at(T0 + 6)).unwrap();
    journal.extend(events);
    journal.extend(live.logout(&bob.access_token, at(T0 + 7)).unwrap());
    let (script, event) = live.create_api_token("script", Role::Viewer, "alice", at(T0 + 8)).unwrap();
    journal.push(event);
    let (gone, event) = live.create_api_token("gone", Role::Trader, "alice", at(T0 + 8)).unwrap();
    journal.push(event);
    journal.push(live.revoke_api_token("gone", at(T0 + 9)).unwrap());
    journal.extend(live.set_disabled("bob", true, at(T0 + 10)).unwrap());
    journal.extend(live.set_role("alice", Role::Viewer, at(T0 + 10)).unwrap());

    // Through the journal's encoding and back.
    let bytes: Vec<Vec<u8>> = journal.iter().map(|event| postcard::to_allocvec(event).unwrap()).collect();
    let mut replayed = state();
    for bytes in &bytes {
        replayed.apply(&postcard::from_bytes::<AuthEvent>(bytes).unwrap());
    }
    assert_eq!(replayed.records, live.records);

    let now = at(T0 + 11);
    let bearers = [&alice1.access_token, &alice2.access_token, &alice3.access_token, &alice4.access_token];
    for text in bearers.into_iter().chain([&bob.access_token, &script, &gone]) {
        let a = format!("{:?}", live.verify_bearer(text, now));
        let b = format!("{:?}", replayed.verify_bearer(text, now));
        assert_eq!(a, b);
    }
    // Spot checks of what those results are.
    assert!(replayed.verify_bearer(&alice2.access_token, now).is_ok());
    assert!(matches!(replayed.verify_bearer(&alice4.access_token, now), Err(AuthError::TokenRevoked)));
    assert!(matches!(replayed.verify_bearer(&bob.access_token, now), Err(AuthError::TokenRevoked)));
    assert!(replayed.verify_bearer(&script, now).is_ok());
    assert!(matches!(replayed.verify_bearer(&gone, now), Err(AuthError::InvalidToken)));
    assert!(replayed.login("alice", PASSWORD, now).is_ok());
    assert!(replayed.login("bob", PASSWORD, now).is_err());
    // The refresh token alice2 carries still rotates after replay.
    assert!(replayed.refresh(&alice2.refresh_token, now).result.is_ok());
}

#[test]
fn tokens_debug_hides_secrets() {
    let (mut state, _) = with_alice();
    let (tokens, _) = state.login("alice", PASSWORD, at(T0)).unwrap();
    let shown = format!("{tokens:?}");
    assert!(!shown.contains(&tokens.access_token) && !shown.contains(&tokens.refresh_token), "{shown}");
    assert_eq!(shown, "Tokens { expires_in: 900, .. }");
}

#[test]
fn events_serialize_to_json_too() {
    let (mut state, mut events) = with_alice();
    events.extend(state.login("alice", PASSWORD, at(T0)).unwrap().1);
    for event in events {
        let json = serde_json::to_string(&event).unwrap();
        assert_eq!(serde_json::from_str::<AuthEvent>(&json).unwrap(), event);
    }
}

/// A state with `root` (admin), `alice` (trader), and the events.
fn with_root_and_alice() -> (AuthState, Vec<AuthEvent>) {
    let (mut state, mut events) = with_alice();
    events.push(state.add_user("root", PASSWORD, Role::Admin, at(T0)).unwrap());
    (state, events)
}

#[test]
fn the_last_enabled_admin_cannot_be_disabled_or_demoted() {
    let (mut state, _) = with_root_and_alice();
    assert!(matches!(state.set_disabled("root", true, at(T0 + 1)), Err(AuthError::LastAdmin(_))));
    assert!(matches!(state.set_role("root", Role::Risk, at(T0 + 1)), Err(AuthError::LastAdmin(_))));
    let refused = state.update_user(
        "root",
        UserUpdate { role: Some(Role::Viewer), disabled: Some(false), password_hash: None },
        at(T0 + 1),
    );
    assert_eq!(refused.unwrap_err().code(), "last_admin");
    assert_eq!(state.user("root").unwrap().role, Role::Admin, "nothing applied");
    // With a second admin, either may go; then the other is the last one.
    let events = state.set_role("alice", Role::Admin, at(T0 + 2)).unwrap();
    assert!(matches!(events.as_slice(), [AuthEvent::RoleChanged { role: Role::Admin, .. }]));
    assert_eq!(state.set_disabled("root", true, at(T0 + 3)).unwrap().len(), 1);
    assert!(matches!(state.set_role("alice", Role::Trader, at(T0 + 4)), Err(AuthError::LastAdmin(_))));
    // Enabling or re-asserting the same role of the last admin is fine and changes nothing.
    assert!(state
        .update_user("alice", UserUpdate { role: Some(Role::Admin), ..Default::default() }, at(T0 + 5))
        .unwrap()
        .is_empty());
}

#[test]
fn a_role_change_applies_to_live_sessions_at_once() {
    let (mut state, _) = with_root_and_alice();
    let (tokens, _) = state.login("alice", PASSWORD, at(T0)).unwrap();
    state.set_role("alice", Role::Viewer, at(T0 + 1)).unwrap();
    assert_eq!(state.verify_access(&tokens.access_token, at(T0 + 2)).unwrap().role, Role::Viewer);
    assert!(matches!(state.set_role("nobody", Role::Viewer, at(T0)), Err(AuthError::UnknownUser(_))));
}

#[test]
fn disabling_a_user_revokes_the_api_tokens_they_own() {
    let (mut state, _) = with_root_and_alice();
    let (alice_token, _) = state.create_api_token("alice-script", Role::Trader, "alice", at(T0)).unwrap();
    let (root_token, _) = state.create_api_token("root-script", Role::Admin, "root", at(T0)).unwrap();
    let events = state.set_disabled("alice", true, at(T0 + 1)).unwrap();
    assert!(matches!(
        events.as_slice(),
        [AuthEvent::UserDisabled { disabled: true, .. }, AuthEvent::ApiTokenRevoked { .. }]
    ));
    assert!(matches!(state.verify_bearer(&alice_token, at(T0 + 2)), Err(AuthError::InvalidToken)));
    assert!(state.verify_bearer(&root_token, at(T0 + 2)).is_ok(), "other owners' tokens stay");
    // Enabling alice again does not bring the token back.
    state.set_disabled("alice", false, at(T0 + 3)).unwrap();
    assert!(state.verify_bearer(&alice_token, at(T0 + 4)).is_err());
}

#[test]
fn api_tokens_are_revoked_by_id() {
    let (mut state, _) = with_root_and_alice();
    let (text, _) = state.create_api_token("ci", Role::Viewer, "root", at(T0)).unwrap();
    let id = state.api_tokens()[0].id.clone();
    assert!(text.contains(&id));
    assert!(matches!(state.revoke_api_token_id("0123", at(T0 + 1)), Err(AuthError::UnknownApiTokenId(_))));
    assert!(matches!(state.revoke_api_token_id(&id, at(T0 + 1)).unwrap(), AuthEvent::ApiTokenRevoked { .. }));
    assert!(state.verify_bearer(&text, at(T0 + 2)).is_err());
    assert!(state.api_tokens().is_empty());
    assert!(matches!(state.revoke_api_token_id(&id, at(T0 + 2)), Err(AuthError::UnknownApiTokenId(_))));
}

#[test]
fn a_password_change_ends_the_other_sessions_only() {
    let (mut state, _) = with_alice();
    let (here, _) = state.login("alice", PASSWORD, at(T0)).unwrap();
    let (elsewhere, _) = state.login("alice", PASSWORD, at(T0 + 1)).unwrap();
    let family = state.session_of(&here.access_token, at(T0 + 2)).unwrap();
    let hash = hash_password("a brand new passphrase", AuthConfig::for_tests().password_cost).unwrap();
    let events = state.password_changed("alice", hash, Some(&family), at(T0 + 2)).unwrap();
    assert!(matches!(
        events.as_slice(),
        [AuthEvent::PasswordSet { .. }, AuthEvent::SessionRevoked { reason: RevokeReason::PasswordChanged, .. }]
    ));
    assert!(state.verify_access(&here.access_token, at(T0 + 3)).is_ok());
    assert!(state.refresh(&here.refresh_token, at(T0 + 3)).result.is_ok());
    assert!(matches!(state.verify_access(&elsewhere.access_token, at(T0 + 3)), Err(AuthError::TokenRevoked)));
    assert!(matches!(state.refresh(&elsewhere.refresh_token, at(T0 + 3)).result, Err(AuthError::TokenRevoked)));
    assert!(state.login("alice", PASSWORD, at(T0 + 4)).is_err());
    assert!(state.login("alice", "a brand new passphrase", at(T0 + 4)).is_ok());
    // An API token has no session.
    let (api, _) = state.create_api_token("ci", Role::Viewer, "alice", at(T0)).unwrap();
    assert_eq!(state.session_of(&api, at(T0 + 4)), None);
}

#[test]
fn an_admin_password_reset_ends_every_session() {
    let (mut state, _) = with_alice();
    let (tokens, _) = state.login("alice", PASSWORD, at(T0)).unwrap();
    let hash = hash_password("a brand new passphrase", AuthConfig::for_tests().password_cost).unwrap();
    let update = UserUpdate { password_hash: Some(hash), ..UserUpdate::default() };
    let events = state.update_user("alice", update, at(T0 + 1)).unwrap();
    assert!(matches!(
        events.as_slice(),
        [AuthEvent::PasswordSet { .. }, AuthEvent::SessionRevoked { reason: RevokeReason::PasswordChanged, .. }]
    ));
    assert!(state.verify_access(&tokens.access_token, at(T0 + 2)).is_err());
}

#[test]
fn users_list_creation_and_last_login() {
    let (mut state, _) = with_alice();
    assert_eq!(state.user("alice").unwrap().last_login, None);
    state.login("alice", PASSWORD, at(T0 + 5)).unwrap();
    let alice = state.user("alice").unwrap();
    assert_eq!((alice.created, alice.last_login), (at(T0), Some(at(T0 + 5))));
    // Pruning the session keeps the last login.
    state.prune(at(T0 + 40 * 86_400)).unwrap();
    assert_eq!(state.user("alice").unwrap().last_login, Some(at(T0 + 5)));
}

#[test]
fn tokens_from_before_owners_were_recorded_belong_to_the_first_admin() {
    // An old-style event, made from a new one.
    let mut state = state();
    state.add_user("x", PASSWORD, Role::Admin, at(T0)).unwrap();
    let AuthEvent::ApiTokenIssued { id, name, role, digest, at: when, .. } =
        state.create_api_token("old", Role::Admin, "x", at(T0)).unwrap().1
    else {
        panic!("an ApiTokenIssued event");
    };
    let mut replayed = self::state();
    replayed.apply(&state.add_user("admin", PASSWORD, Role::Admin, at(T0)).unwrap());
    replayed.apply(&state.add_user("root", PASSWORD, Role::Admin, at(T0)).unwrap());
    replayed.apply(&AuthEvent::ApiTokenCreated { id, name, role, digest, at: when });
    assert_eq!(replayed.api_token_owner("old").as_deref(), Some("admin"));
    replayed.set_disabled("admin", true, at(T0 + 1)).unwrap();
    assert!(replayed.api_tokens().is_empty(), "disabling the first admin revokes the legacy token");
}

#[test]
fn a_demoted_owner_loses_the_tokens_that_outrank_them() {
    // Security review finding 1: bob, admin, makes an admin token; demoted to viewer, the token
    // must not let him make himself admin again.
    let (mut state, _) = with_root_and_alice();
    state.add_user("bob", PASSWORD, Role::Admin, at(T0)).unwrap();
    let (admin_token, _) = state.create_api_token("ci", Role::Admin, "bob", at(T0)).unwrap();
    let (viewer_token, _) = state.create_api_token("dash", Role::Viewer, "bob", at(T0)).unwrap();
    let events = state.set_role("bob", Role::Viewer, at(T0 + 1)).unwrap();
    assert!(matches!(
        events.as_slice(),
        [AuthEvent::RoleChanged { role: Role::Viewer, .. }, AuthEvent::ApiTokenRevoked { .. }]
    ));
    assert!(state.verify_bearer(&admin_token, at(T0 + 2)).is_err());
    assert_eq!(state.verify_bearer(&viewer_token, at(T0 + 2)).unwrap().role, Role::Viewer, "covered: kept");
    // Promoting bob again does not bring the revoked token back.
    state.set_role("bob", Role::Admin, at(T0 + 3)).unwrap();
    assert!(state.verify_bearer(&admin_token, at(T0 + 4)).is_err());
}

#[test]
fn an_api_token_is_checked_against_its_owner_at_use() {
    // A journal holding the role change or disabling but not the revocation (written before the
    // revocation existed, or cut short) must still not let the token act beyond its owner.
    let (mut live, mut journal) = with_root_and_alice();
    let (token, event) = live.create_api_token("alice-ci", Role::Trader, "alice", at(T0)).unwrap();
    journal.push(event);
    let mut demoted = state();
    journal.iter().for_each(|event| demoted.apply(event));
    assert_eq!(demoted.verify_api_token(&token).unwrap().role, Role::Trader);
    demoted.apply(&AuthEvent::RoleChanged { name: "alice".into(), role: Role::Risk, at: at(T0 + 1) });
    assert!(matches!(demoted.verify_api_token(&token), Err(AuthError::TokenRevoked)), "risk does not cover trader");
    let mut disabled = state();
    journal.iter().for_each(|event| disabled.apply(event));
    disabled.apply(&AuthEvent::UserDisabled { name: "alice".into(), disabled: true, at: at(T0 + 1) });
    assert!(matches!(disabled.verify_bearer(&token, at(T0 + 2)), Err(AuthError::TokenRevoked)));
    let mut orphan = state();
    journal
        .iter()
        .filter(|e| !matches!(e, AuthEvent::UserAdded { name, .. } if name == "alice"))
        .for_each(|e| orphan.apply(e));
    assert!(matches!(orphan.verify_api_token(&token), Err(AuthError::TokenRevoked)), "owner missing");
}

#[test]
fn api_tokens_are_issued_only_to_enabled_owners_within_their_role() {
    // Security review finding 2: the owner is checked when the token is created.
    let (mut state, _) = with_root_and_alice();
    let refused = state.create_api_token("ci", Role::Viewer, "nobody", at(T0)).unwrap_err();
    assert!(matches!(refused, AuthError::UnknownUser(ref name) if name == "nobody"), "{refused:?}");
    let refused = state.create_api_token("ci", Role::Admin, "alice", at(T0)).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "role: user `alice` cannot hold a `admin` token: a token never has more permissions than its owner"
    );
    assert_eq!(refused.code(), "forbidden");
    assert!(state.create_api_token("ci", Role::Trader, "alice", at(T0)).is_ok());
    state.set_disabled("alice", true, at(T0 + 1)).unwrap();
    let refused = state.create_api_token("ci2", Role::Viewer, "alice", at(T0 + 2)).unwrap_err();
    assert!(matches!(refused, AuthError::OwnerDisabled(_)) && refused.is_unauthenticated(), "{refused:?}");
    assert_eq!(state.api_tokens().len(), 0, "nothing issued; the first was revoked with alice");
}

#[test]
fn users_and_api_tokens_share_one_name_space() {
    // Security review finding 9: audit records and rate limits are keyed by the principal's name.
    let (mut state, _) = with_root_and_alice();
    let refused = state.create_api_token("alice", Role::Viewer, "root", at(T0)).unwrap_err();
    assert!(matches!(refused, AuthError::NameInUse { field: "name", .. }), "{refused:?}");
    assert_eq!(refused.code(), "already_exists");
    assert!(state.api_tokens().is_empty());
    state.create_api_token("ci", Role::Viewer, "root", at(T0)).unwrap();
    let refused = state.add_user("ci", PASSWORD, Role::Viewer, at(T0)).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "username: `ci` is already the name of an API token; users and API tokens need different names"
    );
    assert!(state.add_user_without_password("ci", Role::Viewer, at(T0)).is_err());
    // A token may carry its own owner's name (the bootstrap `admin` token does).
    assert!(state.create_api_token("root", Role::Admin, "root", at(T0)).is_ok());
    // Once the token is revoked its name is free for a user.
    state.revoke_api_token("ci", at(T0 + 1)).unwrap();
    assert!(state.add_user("ci", PASSWORD, Role::Viewer, at(T0 + 1)).is_ok());
}
