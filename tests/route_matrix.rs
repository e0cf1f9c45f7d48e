//! Generic checks over every route the server documents: the test walks the OpenAPI document the
//! daemon serves (`GET /api/v1/openapi.json`), so a route added anywhere is covered without
//! touching this file.
//!
//! - The document lists exactly the route table (`ROUTES`), and documents `security` exactly on
//!   the routes the table protects.
//! - Every route × {no token, viewer, trader, risk, admin}: 401 with `WWW-Authenticate` without a
//!   token, 403 exactly when the role lacks the route's permission (read from the code's one table,
//!   `ROUTE_ACCESS` and `Role::allows`), and never 401/403/500 for an authorised caller.
//! - Every route with a path parameter: 404 for an unknown id, 400 or 404 for one that is not an id.
//! - Every route with a JSON body: an unknown field is refused with 400 naming it; likewise an
//!   unknown query parameter on every route that documents query parameters.
//! - Every rate-limited route: 429 with `Retry-After` once the caller's bucket is empty, before the
//!   handler runs (nothing changes).
//!
//! Every answer's status must be one the document lists for the route; every error body must match
//! the document's `ApiErrorBody`, and every JSON success body its documented schema.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::time::Duration;

use serde_json::{json, Map, Value};
use support::{get, http, market_order, post, wait_for, Api, Reply, TempDir, RELIANCE};
use trader_actors::auth::Role;
use trader_actors::control::routes::{ROUTES, ROUTE_ACCESS};
use trader_actors::daemon::Daemon;

/// The methods an OpenAPI path item may hold.
const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// A field no request body knows.
const UNKNOWN_FIELD: &str = "definitely_unknown_field";

/// Values that are well-formed ids of some kind but name nothing, tried in order until one gives
/// 404: a number (numeric job ids), a plain id (orders, alerts, strategies, users), an instrument
/// key (`SEGMENT|SYMBOL`), and an API token id (32 lowercase hex digits).
const UNKNOWN_IDS: [&str; 4] = ["987654321", "zz-unknown-9", "NSE_EQ|ZZUNKNOWN9", "0123456789abcdef0123456789abcdef"];

/// Not an id of any kind: a space, `?` and `!` are in no id's alphabet, and it is not a number.
const NOT_AN_ID: &str = "not an id?!";

/// One operation of the document.
#[derive(Debug, Clone)]
struct Op {
    method: String,
    path: String,
    /// Names of the path parameters, in the order they appear.
    params: Vec<String>,
    /// The JSON request body's schema, when the operation takes one.
    body: Option<Value>,
    /// Whether the document lists a `security` requirement.
    secured: bool,
}

impl Op {
    fn label(&self) -> String {
        format!("{} {}", self.method.to_uppercase(), self.path)
    }

    /// The permission the route table says this route needs (metrics not public: the default).
    fn permission(&self) -> Option<trader_actors::auth::Permission> {
        let (_, _, access) = ROUTE_ACCESS
            .iter()
            .find(|(m, p, _)| *m == self.method && *p == self.path)
            .unwrap_or_else(|| panic!("{} is documented but not in ROUTE_ACCESS", self.label()));
        access.permission(false)
    }

    /// The path with every parameter set to `value` (percent-encoded).
    fn fill(&self, value: &str) -> String {
        let mut path = self.path.clone();
        for name in &self.params {
            path = path.replace(&format!("{{{name}}}"), &encode(value));
        }
        path
    }

    /// The unknown-id candidates worth trying: only the number when every parameter is an integer.
    fn unknown_ids(&self, doc: &Value) -> Vec<&'static str> {
        let integer = !self.params.is_empty() && self.params.iter().all(|name| param_is_integer(doc, self, name));
        if integer {
            vec![UNKNOWN_IDS[0]]
        } else {
            UNKNOWN_IDS.to_vec()
        }
    }

    /// Where the route runs in the matrix: reads, writes, deletions, what stops trading or
    /// cancels, what may end sessions, and logout last.
    fn rank(&self) -> u8 {
        let path = self.path.to_ascii_lowercase();
        if path.contains("logout") {
            // Ends the caller's own session: last, so every other route still has a live token.
            5
        } else if ["revoke", "sessions", "password"].iter().any(|w| path.contains(w)) {
            // May end sessions: after everything else, and each role logs in afresh before it.
            4
        } else if ["kill", "reload", "cancel", "disable", "shutdown"].iter().any(|w| path.contains(w)) {
            3
        } else if self.method == "delete" {
            2
        } else if self.method == "get" {
            0
        } else {
            1
        }
    }
}

/// Percent-encodes what a path segment cannot carry as is.
fn encode(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(byte as char),
            _ => {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
    out
}

fn param_is_integer(doc: &Value, op: &Op, name: &str) -> bool {
    let operation = &doc["paths"][&op.path][&op.method];
    let params = operation["parameters"].as_array().cloned().unwrap_or_default();
    params.iter().filter(|p| p["in"] == "path" && p["name"] == name).any(|p| {
        let schema = resolve(doc, &p["schema"]);
        schema["type"] == "integer" || schema["type"].as_array().is_some_and(|t| t.contains(&json!("integer")))
    })
}

/// Every operation of the document, in the document's order.
fn operations(doc: &Value) -> Vec<Op> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths is an object") {
        for method in METHODS {
            let Some(operation) = item.get(method) else { continue };
            let params = path
                .split('/')
                .filter_map(|segment| segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                .map(str::to_owned)
                .collect();
            let body = operation["requestBody"]["content"]["application/json"]["schema"].clone();
            let body = operation.get("requestBody").map(|_| body);
            let secured = operation.get("security").and_then(Value::as_array).is_some_and(|s| !s.is_empty());
            ops.push(Op { method: method.to_owned(), path: path.clone(), params, body, secured });
        }
    }
    ops
}

/// `schema` with `$ref`s to components followed.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/components/schemas/")) {
        Some(name) => resolve(doc, &doc["components"]["schemas"][name]),
        None => schema,
    }
}

/// A body that satisfies `schema` as far as the schema says (required fields, types, enums,
/// examples), so a handler gets past body validation to the id when the route has one.
fn sample(doc: &Value, schema: &Value, depth: usize) -> Value {
    let schema = resolve(doc, schema);
    if depth > 8 {
        return Value::Null;
    }
    if let Some(example) = schema.get("example").or_else(|| schema.get("examples").and_then(|e| e.get(0))) {
        return example.clone();
    }
    if let Some(first) = schema.get("enum").and_then(|e| e.get(0)) {
        return first.clone();
    }
    if let Some(constant) = schema.get("const") {
        return constant.clone();
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(first) = schema.get(key).and_then(|list| {
            let list = list.as_array()?;
            list.iter().find(|s| resolve(doc, s)["type"] != "null").or(list.first())
        }) {
            return sample(doc, first, depth + 1);
        }
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        let mut merged = Map::new();
        for part in all {
            if let Value::Object(map) = sample(doc, part, depth + 1) {
                merged.extend(map);
            }
        }
        return Value::Object(merged);
    }
    let kind = match &schema["type"] {
        Value::String(t) => t.clone(),
        Value::Array(list) => list.iter().filter_map(Value::as_str).find(|t| *t != "null").unwrap_or("null").to_owned(),
        // No type: utoipa leaves it off only on objects described by their properties.
        _ => "object".to_owned(),
    };
    match kind.as_str() {
        "object" => {
            let required: BTreeSet<&str> =
                schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            let mut object = Map::new();
            for (name, property) in schema["properties"].as_object().into_iter().flatten() {
                if required.contains(name.as_str()) {
                    object.insert(name.clone(), sample(doc, property, depth + 1));
                }
            }
            Value::Object(object)
        }
        "array" => Value::Array(Vec::new()),
        "string" => match schema["format"].as_str() {
            Some("date") => json!("2024-01-02"),
            Some("date-time") => json!("2024-01-02T09:15:00Z"),
            _ => json!("x"),
        },
        "integer" => schema.get("minimum").cloned().unwrap_or(json!(1)),
        "number" => json!(1),
        "boolean" => json!(false),
        _ => Value::Null,
    }
}

/// Checks `value` against `schema` of `doc` (the keywords utoipa emits: `$ref`, `type` and type
/// lists, `enum`, `const`, `properties`, `required`, `additionalProperties`, `items`, `oneOf`,
/// `anyOf`, `allOf`), treating objects as closed: a key no part of the schema describes is an
/// error, so a field the server writes but the document forgot is caught. Pushes each problem
/// with its JSON path.
fn validate(doc: &Value, schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    validate_in(doc, schema, value, at, problems, true);
}

fn validate_in(doc: &Value, schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>, closed: bool) {
    let schema = resolve(doc, schema);
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        for part in parts {
            validate_in(doc, part, value, at, problems, false);
        }
    }
    for key in ["oneOf", "anyOf"] {
        let Some(branches) = schema.get(key).and_then(Value::as_array) else { continue };
        let results: Vec<Vec<String>> = branches
            .iter()
            .map(|branch| {
                let mut found = Vec::new();
                validate_in(doc, branch, value, at, &mut found, closed && schema.get("properties").is_none());
                found
            })
            .collect();
        if !results.iter().any(Vec::is_empty) {
            let first = results.iter().flatten().next().cloned().unwrap_or_default();
            problems.push(format!("{at}: matches no branch of {key} (first: {first})"));
        }
    }
    if let Some(types) = schema.get("type") {
        let allowed: Vec<&str> = match types {
            Value::String(t) => vec![t.as_str()],
            Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let matches = |t: &str| match t {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "null" => value.is_null(),
            _ => true,
        };
        if !allowed.iter().any(|t| matches(t)) {
            problems.push(format!("{at}: {value} is not of type {}", allowed.join(" or ")));
            return;
        }
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        if !values.contains(value) {
            problems.push(format!("{at}: {value} is not one of {values:?}"));
        }
    }
    if let Some(expected) = schema.get("const") {
        if expected != value {
            problems.push(format!("{at}: {value} is not {expected}"));
        }
    }
    if let Value::Object(map) = value {
        let properties = schema["properties"].as_object();
        for name in schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            if !map.contains_key(name) {
                problems.push(format!("{at}.{name}: required but missing"));
            }
        }
        let described = described_keys(doc, schema);
        for (key, child) in map {
            match (properties.and_then(|p| p.get(key)), schema.get("additionalProperties")) {
                (Some(property), _) => validate_in(doc, property, child, &format!("{at}.{key}"), problems, true),
                (None, Some(extra @ Value::Object(_))) => {
                    validate_in(doc, extra, child, &format!("{at}.{key}"), problems, true)
                }
                (None, _) if !closed => {}
                (None, _) => {
                    if described.as_ref().is_some_and(|keys| !keys.contains(key)) {
                        problems.push(format!("{at}.{key}: not in the schema"));
                    }
                }
            }
        }
    }
    if let (Value::Array(items), Some(item)) = (value, schema.get("items")) {
        for (n, child) in items.iter().enumerate() {
            validate_in(doc, item, child, &format!("{at}[{n}]"), problems, true);
        }
    }
}

/// The object keys `schema` describes, with its `allOf`, `oneOf` and `anyOf` parts; `None` when
/// any key is allowed.
fn described_keys(doc: &Value, schema: &Value) -> Option<BTreeSet<String>> {
    let schema = resolve(doc, schema);
    if schema.get("additionalProperties").is_some_and(|extra| extra != &Value::Bool(false)) {
        return None;
    }
    let composed = ["allOf", "oneOf", "anyOf"].iter().any(|k| schema.get(*k).is_some());
    if schema.get("properties").is_none() && !composed {
        // `{"type": "object"}` alone (a free-form object) allows any key.
        return None;
    }
    let mut keys: BTreeSet<String> =
        schema["properties"].as_object().into_iter().flatten().map(|(k, _)| k.clone()).collect();
    for key in ["allOf", "oneOf", "anyOf"] {
        for part in schema.get(key).and_then(Value::as_array).into_iter().flatten() {
            keys.extend(described_keys(doc, part)?);
        }
    }
    Some(keys)
}

/// An error answer must be the one shape, as the document's `ApiErrorBody` describes it.
fn error_shape_problems(doc: &Value, reply: &Reply) -> Vec<String> {
    let schema = json!({"$ref": "#/components/schemas/ApiErrorBody"});
    let mut problems = Vec::new();
    if reply.body.is_null() {
        problems.push(format!("not JSON: {:?}", reply.text));
    } else {
        validate(doc, &schema, &reply.body, "$", &mut problems);
    }
    problems
}

/// What is wrong with `reply` as an answer of `op`: a status the document does not list for the
/// operation, an error body that is not `ApiErrorBody`, or a JSON body that does not match the
/// documented schema of its status.
fn answer_problems(doc: &Value, op: &Op, reply: &Reply) -> Vec<String> {
    let responses = &doc["paths"][&op.path][&op.method]["responses"];
    let Some(documented) = responses.get(reply.status.to_string()).or_else(|| responses.get("default")) else {
        let listed: Vec<&String> = responses.as_object().into_iter().flatten().map(|(k, _)| k).collect();
        return vec![format!("status {} is not documented (documented: {listed:?})", reply.status)];
    };
    if reply.status >= 400 {
        return error_shape_problems(doc, reply);
    }
    let documented =
        match documented.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/components/responses/")) {
            Some(name) => &doc["components"]["responses"][name],
            None => documented,
        };
    let mut problems = Vec::new();
    if let Some(schema) = documented["content"]["application/json"].get("schema") {
        if reply.body.is_null() && reply.text.trim() != "null" {
            problems.push(format!(
                "{} documented as JSON but not JSON: {:?}",
                reply.status,
                reply.text.chars().take(80).collect::<String>()
            ));
        } else {
            validate(doc, schema, &reply.body, "$", &mut problems);
        }
    }
    problems
}

/// The daemon with one logged-in user per role.
struct Fixture {
    daemon: Daemon,
    doc: Value,
    anonymous: Api,
    admin_token: Api,
    roles: Vec<(Role, Api)>,
}

impl Fixture {
    async fn start(dir: &TempDir, config: &str) -> Fixture {
        let daemon = support::start_daemon(config, dir, Vec::new()).await;
        let anonymous = Api::anonymous(daemon.local_addr);
        let admin_token = Api::admin(daemon.local_addr, &daemon.state_dir);
        let reply = get(&admin_token, "/api/v1/openapi.json").await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        let doc = reply.body;
        assert!(doc["paths"].is_object(), "the document has paths");
        let mut roles = Vec::new();
        for role in Role::ALL {
            roles.push((role, login_as(&admin_token, &anonymous, role).await));
        }
        Fixture { daemon, doc, anonymous, admin_token, roles }
    }

    fn role(&self, role: Role) -> &Api {
        &self.roles.iter().find(|(r, _)| *r == role).expect("every role logged in").1
    }
}

/// Creates the user `matrix-<role>` with `role` and logs it in.
async fn login_as(admin: &Api, anonymous: &Api, role: Role) -> Api {
    let name = format!("matrix-{role}");
    let password = format!("{name}-correct-horse-battery");
    let body = json!({"username": name, "password": password, "role": role.as_str()}).to_string();
    let reply = post(admin, "/api/v1/admin/users", &body).await;
    assert_eq!(reply.status, 201, "create {name}: {}", reply.text);
    login_again(anonymous, role).await
}

/// A fresh session for the user [`login_as`] created for `role`.
async fn login_again(anonymous: &Api, role: Role) -> Api {
    let name = format!("matrix-{role}");
    let password = format!("{name}-correct-horse-battery");
    let login = json!({"username": name, "password": password}).to_string();
    let reply = post(anonymous, "/api/v1/auth/login", &login).await;
    assert_eq!(reply.status, 200, "login {name}: {}", reply.text);
    anonymous.with_token(reply.body["access_token"].as_str().expect("an access token"))
}

/// One request to `op` with every path parameter set to `id`; `body` for routes that take one.
async fn call(api: &Api, op: &Op, id: &str, body: Option<&str>) -> Reply {
    let path = op.fill(id);
    let body = if op.body.is_some() { Some(body.unwrap_or("{}")) } else { None };
    http(api, &op.method.to_uppercase(), &path, body).await.unwrap_or_else(|e| panic!("{}: {e}", op.label()))
}

/// The id that gives 404 for `op` as admin (trying [`UNKNOWN_IDS`]), with the answers seen.
async fn find_unknown_id(f: &Fixture, op: &Op, body: Option<&str>) -> (Option<&'static str>, Vec<(String, Reply)>) {
    let mut seen = Vec::new();
    for id in op.unknown_ids(&f.doc) {
        let reply = call(&f.admin_token, op, id, body).await;
        if reply.status == 404 {
            return (Some(id), seen);
        }
        seen.push((id.to_owned(), reply));
    }
    (None, seen)
}

fn short(reply: &Reply) -> String {
    let text: String = reply.text.chars().take(300).collect();
    format!("{} {text}", reply.status)
}

/// Panics listing every failure, one per line, if there are any.
fn report(what: &str, failures: &[String]) {
    assert!(failures.is_empty(), "{what}: {} failures\n  {}", failures.len(), failures.join("\n  "));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_lists_exactly_the_route_table_and_secures_exactly_the_protected_routes() {
    let dir = TempDir::new("matrix-doc");
    let daemon = support::start_daemon(&support::config(""), &dir, Vec::new()).await;
    let doc = get(&Api::admin(daemon.local_addr, &daemon.state_dir), "/api/v1/openapi.json").await.body;
    let documented: BTreeSet<(String, String)> =
        operations(&doc).into_iter().map(|op| (op.method.clone(), op.path.clone())).collect();
    let table: BTreeSet<(String, String)> = ROUTES.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
    assert_eq!(ROUTES.len(), table.len(), "the route table has no duplicate rows");
    let missing: Vec<_> = table.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&table).collect();
    assert!(missing.is_empty() && extra.is_empty(), "not documented: {missing:?}; documented only: {extra:?}");
    let mut failures = Vec::new();
    for op in operations(&doc) {
        if op.secured != op.permission().is_some() {
            failures.push(format!(
                "{}: documented security {} but the table needs {:?}",
                op.label(),
                op.secured,
                op.permission()
            ));
        }
    }
    report("security in the document", &failures);

    // The checks the other tests rely on catch what they are for.
    let ops = operations(&doc);
    let op = |method: &str, path: &str| {
        ops.iter().find(|op| op.method == method && op.path == path).cloned().expect("a documented route")
    };
    let reply = |status: u16, body: Value| Reply { status, text: body.to_string(), body, headers: Vec::new() };
    let orders = op("get", "/api/v1/orders");
    let real = get(&Api::admin(daemon.local_addr, &daemon.state_dir), "/api/v1/orders").await;
    assert_eq!(answer_problems(&doc, &orders, &real), Vec::<String>::new());
    let mut surprise = real.body.clone();
    surprise["surprise"] = json!(1);
    let extra = answer_problems(&doc, &orders, &reply(200, surprise));
    assert!(extra.iter().any(|p| p.contains("surprise")), "{extra:?}");
    let undocumented = answer_problems(&doc, &op("get", "/healthz"), &reply(418, json!({})));
    assert!(undocumented.iter().any(|p| p.contains("not documented")), "{undocumented:?}");
    let good = json!({"error": {"code": "forbidden", "message": "no", "fields": {}}});
    assert_eq!(answer_problems(&doc, &orders, &reply(401, good)), Vec::<String>::new());
    for bad in [
        json!({"error": {"code": "forbidden", "message": "no"}}),
        json!({"error": {"code": "forbidden", "message": "no", "fields": {}, "hint": "x"}}),
        json!({"error": {"code": 7, "message": "no", "fields": {}}}),
        json!({"message": "no"}),
    ] {
        assert!(!answer_problems(&doc, &orders, &reply(401, bad.clone())).is_empty(), "{bad} passed as ApiErrorBody");
    }
    daemon.shutdown().await;
}

/// The user a refused request would have created, had it got through.
const REFUSED_USER: &str = "refused-new";

/// A body that would act if the request got through: real ones for the routes that change the
/// most (an order that fills, halting trading, a new admin), the schema's sample for the rest.
fn acting_body(doc: &Value, op: &Op) -> Option<String> {
    let real = match (op.method.as_str(), op.path.as_str()) {
        ("post", "/api/v1/orders") => Some(market_order(RELIANCE, "buy", 1, "refused-1")),
        ("post", "/api/v1/admin/kill-switch") => {
            Some(json!({"state": "halted", "cancel_open_orders": true}).to_string())
        }
        ("post", "/api/v1/admin/users") => Some(
            json!({"username": REFUSED_USER, "password": format!("{REFUSED_USER}-correct-horse"), "role": "admin"})
                .to_string(),
        ),
        _ => None,
    };
    real.or_else(|| op.body.as_ref().map(|schema| sample(doc, schema, 0).to_string()))
}

/// Answers of every parameterless `GET` a viewer may read that do not change by themselves (two
/// reads agree), to compare after requests that must have changed nothing.
async fn stable_snapshot(f: &Fixture) -> BTreeMap<String, String> {
    let viewer = f.role(Role::Viewer);
    wait_for("quotes", Duration::from_secs(10), || async {
        get(viewer, "/api/v1/market/quotes").await.body["quotes"][0].is_object().then_some(())
    })
    .await;
    let first = snapshot(f, viewer).await;
    let second = snapshot(f, viewer).await;
    let stable: BTreeMap<String, String> =
        second.into_iter().filter(|(path, text)| first.get(path) == Some(text)).collect();
    assert!(stable.contains_key("/api/v1/orders"), "the order list is stable: {:?}", stable.keys());
    stable
}

/// What changed since `stable`, and whether refused requests acted after all: the user one would
/// have created can log in, or a trader can no longer place an order (the kill switch).
async fn changes_since(f: &Fixture, stable: &BTreeMap<String, String>) -> Vec<String> {
    let mut changes = Vec::new();
    let after = snapshot(f, f.role(Role::Viewer)).await;
    for (path, before) in stable {
        if after.get(path) != Some(before) {
            changes.push(format!("GET {path} changed:\n    before {before}\n    after  {:?}", after.get(path)));
        }
    }
    let login = json!({"username": REFUSED_USER, "password": format!("{REFUSED_USER}-correct-horse")}).to_string();
    let login = post(&f.anonymous, "/api/v1/auth/login", &login).await;
    if login.status != 401 {
        changes.push(format!("the refused user creation happened: login {}", short(&login)));
    }
    let order = post(f.role(Role::Trader), "/api/v1/orders", &market_order(RELIANCE, "buy", 1, "after-refusals")).await;
    if order.status != 201 {
        changes.push(format!("a refused kill switch halted trading: {}", short(&order)));
    }
    changes
}

/// A GET with no path parameter, answered without any query: every caller allowed to read it gets
/// 200. The stream is the exception: without a WebSocket upgrade there is nothing to serve.
fn answers_plain_reads(op: &Op) -> bool {
    op.method == "get" && op.params.is_empty() && op.path != "/api/v1/stream"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_times_every_role_follows_the_permission_table() {
    let dir = TempDir::new("matrix-roles");
    let quiet = "[performance]\nsample_interval_ms = 3600000\n";
    let mut f = Fixture::start(&dir, &support::config(quiet)).await;
    let mut ops = operations(&f.doc);
    // Reads first, then writes, then what stops trading or ends sessions, so no request's side
    // effect changes the answer another check expects; stable within a rank (document order).
    ops.sort_by_key(Op::rank);
    let mut ids = BTreeMap::new();
    for op in ops.iter().filter(|op| !op.params.is_empty()) {
        let id = find_unknown_id(&f, op, None).await.0.unwrap_or(op.unknown_ids(&f.doc)[0]);
        ids.insert(op.label(), id);
    }
    let id_of = |op: &Op| ids.get(&op.label()).copied().unwrap_or("");
    let mut failures = Vec::new();
    let mut lines: BTreeMap<String, String> = BTreeMap::new();
    let mut checked = 0;

    // Phase 1: every call the gate must refuse, with a body that would act, then proof that
    // nothing happened: 401 and 403 come before the handler.
    let stable = stable_snapshot(&f).await;
    for op in &ops {
        let id = id_of(op);
        let body = acting_body(&f.doc, op);
        let permission = op.permission();
        let line = lines.entry(op.label()).or_insert_with(|| format!("{:<50} id={id:<18}", op.label()));
        if op.secured {
            let reply = call(&f.anonymous, op, id, body.as_deref()).await;
            checked += 1;
            let _ = write!(line, " none={}", reply.status);
            if reply.status != 401 {
                failures.push(format!("{} without a token: expected 401, got {}", op.label(), short(&reply)));
            } else if !reply.header("www-authenticate").is_some_and(|v| v.to_ascii_lowercase().starts_with("bearer")) {
                failures.push(format!("{} 401 without `WWW-Authenticate: Bearer`: {:?}", op.label(), reply.headers));
            }
            for problem in answer_problems(&f.doc, op, &reply) {
                failures.push(format!("{} without a token: {problem}", op.label()));
            }
        }
        for (role, api) in f.roles.iter().filter(|(role, _)| permission.is_some_and(|p| !role.allows(p))) {
            let reply = call(api, op, id, body.as_deref()).await;
            checked += 1;
            let _ = write!(line, " {role}={}", reply.status);
            let who = format!("{} as {role}", op.label());
            if reply.status != 403 {
                failures.push(format!("{who}: the role lacks {permission:?}, expected 403, got {}", short(&reply)));
            } else if reply.body["error"]["code"] != "forbidden" {
                failures.push(format!("{who}: 403 with code {}", reply.body["error"]["code"]));
            }
            for problem in answer_problems(&f.doc, op, &reply) {
                failures.push(format!("{who}: {problem}"));
            }
        }
    }
    for change in changes_since(&f, &stable).await {
        failures.push(format!("after only refused calls: {change}"));
    }

    // Phase 2: every call the table allows, with an empty JSON body where the route takes one.
    for op in &ops {
        if op.rank() >= 4 {
            // The route before may have ended the sessions (by design); start afresh.
            for (role, api) in f.roles.iter_mut() {
                *api = login_again(&f.anonymous, *role).await;
            }
        }
        let id = id_of(op);
        let line = lines.entry(op.label()).or_insert_with(|| format!("{:<50} id={id:<18}", op.label()));
        let permission = op.permission();
        if !op.secured {
            let reply = call(&f.anonymous, op, id, None).await;
            checked += 1;
            let _ = write!(line, " none={}", reply.status);
            if matches!(reply.status, 403 | 500) {
                failures.push(format!("{} (public) without a token: {}", op.label(), short(&reply)));
            }
            for problem in answer_problems(&f.doc, op, &reply) {
                failures.push(format!("{} without a token: {problem}", op.label()));
            }
        }
        for (role, api) in f.roles.iter().filter(|(role, _)| permission.is_none_or(|p| role.allows(p))) {
            let reply = call(api, op, id, None).await;
            checked += 1;
            let _ = write!(line, " {role}={}", reply.status);
            let who = format!("{} as {role}", op.label());
            if matches!(reply.status, 401 | 403 | 500) {
                failures.push(format!("{who}: allowed by the table, got {}", short(&reply)));
            } else if answers_plain_reads(op) && reply.status != 200 {
                // A read that needs no id and no parameter has nothing to refuse: it must succeed.
                failures.push(format!("{who}: a plain read, expected 200, got {}", short(&reply)));
            }
            for problem in answer_problems(&f.doc, op, &reply) {
                failures.push(format!("{who}: {problem}"));
            }
        }
    }
    // The statuses, for `--nocapture`: what each caller got from each route.
    for line in lines.values() {
        eprintln!("{line}");
    }
    assert_eq!(checked, ROUTES.len() * 5, "every route × 5 callers");
    report("route × role matrix", &failures);
    f.daemon.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_path_parameter_gives_404_for_an_unknown_id_and_400_naming_it_for_a_malformed_one() {
    let dir = TempDir::new("matrix-ids");
    let f = Fixture::start(&dir, &support::config("")).await;
    let mut ops: Vec<Op> = operations(&f.doc).into_iter().filter(|op| !op.params.is_empty()).collect();
    ops.sort_by_key(Op::rank);
    assert!(!ops.is_empty(), "some routes have path parameters");
    let mut failures = Vec::new();
    for op in &ops {
        // A body that passes the schema, so the handler reaches the id.
        let body = op.body.as_ref().map(|schema| sample(&f.doc, schema, 0).to_string());
        let (found, seen) = find_unknown_id(&f, op, body.as_deref()).await;
        match found {
            Some(id) => {
                let reply = call(&f.admin_token, op, id, body.as_deref()).await;
                if reply.body["error"]["code"] != "not_found" {
                    failures.push(format!("{} {id:?}: 404 with code {}", op.label(), reply.body["error"]["code"]));
                }
                for problem in answer_problems(&f.doc, op, &reply) {
                    failures.push(format!("{} {id:?}: {problem}", op.label()));
                }
            }
            None => {
                let answers: Vec<String> = seen.iter().map(|(id, r)| format!("{id:?} → {}", short(r))).collect();
                failures.push(format!(
                    "{}: no unknown id gave 404 (body {body:?}): {}",
                    op.label(),
                    answers.join("; ")
                ));
            }
        }
        let reply = call(&f.admin_token, op, NOT_AN_ID, body.as_deref()).await;
        // For `--nocapture`: which unknown id each route took, and what a malformed one gets.
        eprintln!("{:<50} unknown {found:?} → 404, malformed → {}", op.label(), reply.status);
        // A malformed id is the client's mistake, not a missing thing: 400, naming the parameter.
        if reply.status == 400 {
            let fields = reply.body["error"]["fields"].as_object().cloned().unwrap_or_default();
            if !op
                .params
                .iter()
                .any(|name| fields.get(name.as_str()).and_then(Value::as_str).is_some_and(|reason| !reason.is_empty()))
            {
                failures.push(format!(
                    "{} malformed id: the 400 names {:?}, not {:?}",
                    op.label(),
                    fields.keys().collect::<Vec<_>>(),
                    op.params
                ));
            }
        } else {
            failures.push(format!(
                "{} malformed id {NOT_AN_ID:?}: expected 400 naming {:?}, got {}",
                op.label(),
                op.params,
                short(&reply)
            ));
        }
        for problem in answer_problems(&f.doc, op, &reply) {
            failures.push(format!("{} malformed id: {problem}", op.label()));
        }
    }
    report("unknown and malformed ids", &failures);
    f.daemon.shutdown().await;
}

/// A configured strategy and alert rule, so routes on an existing strategy or rule can be reached.
const SEEDED: &str = r#"
[[strategies]]
id = "matrix_sma"
kind = "sma_cross"
instruments = ["NSE_EQ|INE002A01018"]
[strategies.params]
fast = 3
slow = 8
sizing = { fixed = { quantity = 1 } }

[[alerts]]
id = "matrix_rule"
instrument = "NSE_EQ|INE002A01018"
condition = { kind = "price_above", price = "100000" }
"#;

/// An id that exists for the single path parameter of `op`, found generically: the first item of
/// the first list the collection route answers (the path up to the parameter, else
/// `/api/v1/<parameter>s`), read from the field named like the parameter, or `id`, `name`,
/// `username`, `key`, `instrument`.
async fn existing_id(f: &Fixture, op: &Op) -> Option<String> {
    let [param] = op.params.as_slice() else { return None };
    let prefix = op.path.split_once(&format!("/{{{param}}}"))?.0.to_owned();
    let collection =
        [prefix, format!("/api/v1/{param}s")].into_iter().find(|path| f.doc["paths"][path].get("get").is_some())?;
    let reply = get(&f.admin_token, &collection).await;
    fn first_item(value: &Value) -> Option<&Map<String, Value>> {
        match value {
            Value::Array(items) => items.first()?.as_object(),
            Value::Object(map) => map.values().find_map(first_item),
            _ => None,
        }
    }
    let item = first_item(&reply.body)?;
    [param.as_str(), "id", "name", "username", "key", "instrument"].iter().find_map(|name| match item.get(*name)? {
        Value::String(text) => Some(text.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_json_body_refuses_an_unknown_field_by_name() {
    let dir = TempDir::new("matrix-fields");
    let f = Fixture::start(&dir, &support::config(SEEDED)).await;
    // One order, so order routes have an id to reach.
    wait_for("quotes", Duration::from_secs(10), || {
        let admin = f.admin_token.clone();
        async move { get(&admin, "/api/v1/market/quotes").await.body["quotes"][0].is_object().then_some(()) }
    })
    .await;
    let order = post(&f.admin_token, "/api/v1/orders", &market_order(RELIANCE, "buy", 1, "matrix-seed")).await;
    assert_eq!(order.status, 201, "{}", order.text);
    let mut ops: Vec<Op> = operations(&f.doc).into_iter().filter(|op| op.body.is_some()).collect();
    ops.sort_by_key(Op::rank);
    assert!(!ops.is_empty(), "some routes take a body");
    let mut failures = Vec::new();
    let mut notes = Vec::new();
    let body = json!({UNKNOWN_FIELD: 1}).to_string();
    for op in &ops {
        // An existing id where one can be found, so a handler that looks the id up before reading
        // the body still reaches the body. The admin API token survives logout (no session's).
        let existing = existing_id(&f, op).await;
        let id = existing.clone().unwrap_or_else(|| op.unknown_ids(&f.doc)[0].to_owned());
        let reply = call(&f.admin_token, op, &id, Some(&body)).await;
        let fields = reply.body["error"]["fields"].as_object().cloned().unwrap_or_default();
        if reply.status == 404 && existing.is_none() && !op.params.is_empty() {
            notes.push(format!("{}: no existing id found, the unknown id {id:?} gave 404 first", op.label()));
        } else if reply.status != 400 {
            failures.push(format!("{} (id {id:?}): expected 400, got {}", op.label(), short(&reply)));
        } else if !fields.keys().any(|k| k == UNKNOWN_FIELD || k.ends_with(&format!(".{UNKNOWN_FIELD}"))) {
            failures.push(format!("{}: the 400 does not name `{UNKNOWN_FIELD}`: {}", op.label(), short(&reply)));
        }
        for problem in answer_problems(&f.doc, op, &reply) {
            failures.push(format!("{}: {problem}", op.label()));
        }
    }
    // Routes no id could be found for are listed, not failed: the check did not reach their body.
    for note in &notes {
        eprintln!("not checked: {note}");
    }
    report("unknown body fields", &failures);
    f.daemon.shutdown().await;
}

/// Answers of every parameterless `GET` a viewer may read, for spotting changes; `None` for a
/// route whose answer changes by itself (quotes, uptime, metrics).
async fn snapshot(f: &Fixture, viewer: &Api) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for op in operations(&f.doc) {
        let readable = op.permission().is_none_or(|p| Role::Viewer.allows(p));
        if op.method != "get" || !op.params.is_empty() || !readable || op.path.contains("stream") {
            continue;
        }
        out.insert(op.path.clone(), get(viewer, &op.path).await.text);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_limited_route_answers_429_with_retry_after_before_its_handler_runs() {
    let dir = TempDir::new("matrix-limits");
    // Admins may make 8 requests an hour each; everyone else and every address is unlimited. The
    // limited caller is an admin so no route refuses it with 403 before the per-user limit.
    const BURST: usize = 8;
    let limits = format!(
        "{}\n[api.rate_limits.roles.admin]\ndefault = {{ requests = 1, per = \"hour\", burst = {BURST} }}\n",
        support::UNREACHABLE_LIMITS
    );
    // The equity sampler once an hour, so the live-performance answer stays put during the test.
    let quiet = "[performance]\nsample_interval_ms = 3600000\n";
    let f = Fixture::start(&dir, &support::config_with_limits(&limits, quiet)).await;
    let limited = f.role(Role::Admin).clone();
    let stable = stable_snapshot(&f).await;
    eprintln!("compared before and after: {:?}", stable.keys().collect::<Vec<_>>());

    // Spend the limited admin's bucket.
    for n in 0..BURST {
        let reply = get(&limited, "/api/v1/status").await;
        assert_eq!(reply.status, 200, "request {n} within the burst: {}", reply.text);
    }

    let mut failures = Vec::new();
    let mut ops = operations(&f.doc);
    ops.sort_by_key(Op::rank);
    let mut limited_routes = 0;
    for op in &ops {
        let doc_429 = f.doc["paths"][&op.path][&op.method]["responses"].get("429").is_some();
        if op.permission().is_none() {
            // Public routes carry no user, so only the per-address limits apply to them.
            continue;
        }
        if !doc_429 {
            failures.push(format!("{}: protected but the document lists no 429", op.label()));
        }
        limited_routes += 1;
        let body = acting_body(&f.doc, op);
        let reply = call(&limited, op, op.unknown_ids(&f.doc)[0], body.as_deref()).await;
        let retry: Option<u64> = reply.header("retry-after").and_then(|s| s.parse().ok());
        if reply.status != 429 || reply.body["error"]["code"] != "rate_limited" {
            failures.push(format!("{}: expected 429 rate_limited, got {}", op.label(), short(&reply)));
        } else if !retry.is_some_and(|s| (1..=3_600).contains(&s)) {
            failures.push(format!("{}: 429 with Retry-After {:?}", op.label(), reply.header("retry-after")));
        }
        for problem in answer_problems(&f.doc, op, &reply) {
            failures.push(format!("{}: {problem}", op.label()));
        }
    }
    assert!(limited_routes > 0);

    // Nothing the limited requests asked for happened.
    for change in changes_since(&f, &stable).await {
        failures.push(format!("after only refused calls: {change}"));
    }
    report("rate limits", &failures);
    f.daemon.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_query_refuses_an_unknown_parameter_by_name() {
    let dir = TempDir::new("matrix-query");
    let f = Fixture::start(&dir, &support::config(SEEDED)).await;
    // Routes that document query parameters read the query, so they must refuse what they do not know.
    let mut ops: Vec<Op> = operations(&f.doc)
        .into_iter()
        .filter(|op| {
            let params = f.doc["paths"][&op.path][&op.method]["parameters"].as_array().cloned().unwrap_or_default();
            params.iter().any(|p| p["in"] == "query")
        })
        .collect();
    ops.sort_by_key(Op::rank);
    assert!(!ops.is_empty(), "some routes take query parameters");
    let mut failures = Vec::new();
    for op in &ops {
        let id = existing_id(&f, op).await.unwrap_or_else(|| op.unknown_ids(&f.doc)[0].to_owned());
        let path = format!("{}?{UNKNOWN_FIELD}=1", op.fill(&id));
        let body = op.body.as_ref().map(|schema| sample(&f.doc, schema, 0).to_string());
        let reply = http(&f.admin_token, &op.method.to_uppercase(), &path, body.as_deref()).await.expect("a request");
        let fields = reply.body["error"]["fields"].as_object().cloned().unwrap_or_default();
        if reply.status != 400 {
            failures.push(format!("{} (id {id:?}): expected 400, got {}", op.label(), short(&reply)));
        } else if !fields.contains_key(UNKNOWN_FIELD) {
            failures.push(format!("{}: the 400 does not name `{UNKNOWN_FIELD}`: {}", op.label(), short(&reply)));
        }
        for problem in answer_problems(&f.doc, op, &reply) {
            failures.push(format!("{}: {problem}", op.label()));
        }
    }
    report("unknown query parameters", &failures);
    f.daemon.shutdown().await;
}

/// Every top-level field of every JSON body, given a value of no type any field takes (an array
/// of arrays), is refused with a 400 that names it: typed parsing, never a 500.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_body_field_of_the_wrong_type_is_refused_by_name() {
    let dir = TempDir::new("matrix-types");
    let f = Fixture::start(&dir, &support::config(SEEDED)).await;
    wait_for("quotes", Duration::from_secs(10), || {
        let admin = f.admin_token.clone();
        async move { get(&admin, "/api/v1/market/quotes").await.body["quotes"][0].is_object().then_some(()) }
    })
    .await;
    let order = post(&f.admin_token, "/api/v1/orders", &market_order(RELIANCE, "buy", 1, "matrix-types")).await;
    assert_eq!(order.status, 201, "{}", order.text);
    let mut ops: Vec<Op> = operations(&f.doc).into_iter().filter(|op| op.body.is_some()).collect();
    ops.sort_by_key(Op::rank);
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut skipped = BTreeSet::new();
    for op in &ops {
        let schema = resolve(&f.doc, op.body.as_ref().expect("a body"));
        let Some(properties) = schema["properties"].as_object() else { continue };
        let existing = existing_id(&f, op).await;
        let id = existing.clone().unwrap_or_else(|| op.unknown_ids(&f.doc)[0].to_owned());
        for field in properties.keys() {
            let body = json!({ field: [[]] }).to_string();
            let reply = call(&f.admin_token, op, &id, Some(&body)).await;
            checked += 1;
            let fields = reply.body["error"]["fields"].as_object().cloned().unwrap_or_default();
            let named = fields
                .keys()
                .any(|k| k == field || k.starts_with(&format!("{field}.")) || k.starts_with(&format!("{field}[")));
            if reply.status == 404 && existing.is_none() && !op.params.is_empty() {
                // No id could be found: the handler refused the id before reading the body.
                skipped.insert(op.label());
                continue;
            }
            if reply.status != 400 {
                failures.push(format!("{} `{field}`: expected 400, got {}", op.label(), short(&reply)));
            } else if !named {
                failures.push(format!("{} `{field}`: the 400 does not name it: {}", op.label(), short(&reply)));
            }
        }
    }
    for label in &skipped {
        eprintln!("not checked (no existing id): {label}");
    }
    assert!(checked > 20, "the bodies have fields to check ({checked})");
    report("wrongly typed body fields", &failures);
    f.daemon.shutdown().await;
}
