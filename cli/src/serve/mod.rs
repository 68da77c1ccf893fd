//! `parkdb serve`: the park's dashboard in a browser and its tables over
//! HTTP, as `datasette` serves an `SQLite` file — one process embedding the
//! database, nothing fetched from the internet.
//!
//! The server reads a read-only snapshot ([`Db::open_read_only`]), so the
//! `parkdb` command and notebooks keep writing meanwhile; `POST /refresh`
//! (the pages' 刷新 button) takes a new one. It binds to loopback unless
//! told otherwise, and then only with a token. There is no write endpoint.
//!
//! Layers: `state` holds the snapshot and what requests computed from
//! it; [`grid`] filters, sorts and pages a table; `pages` renders HTML
//! from templates compiled into the binary; `api` answers JSON, CSV,
//! xlsx and Arrow; `chart` draws small SVG charts.

mod api;
pub mod gate;
pub mod grid;
mod pages;
mod state;

use std::net::{IpAddr, Ipv4Addr, SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{Request, State as Shared};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{NaiveDate, Utc};

use parkdb::Db;
use parkdb::{Error, Result};
use state::{Reading, State};

/// How `parkdb serve` runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// The database directory.
    pub db: PathBuf,
    /// The address to bind: loopback (`127.0.0.1`) unless asked.
    pub host: String,
    /// The port; 0 picks a free one.
    pub port: u16,
    /// The token every request must carry; required off loopback.
    pub token: Option<String>,
    /// Builds at once, the queue behind them and the memory budget of
    /// tables kept and built (see [`gate`]).
    pub limits: gate::Limits,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            db: PathBuf::from("park.parkdb"),
            host: "127.0.0.1".to_owned(),
            port: 8090,
            token: None,
            limits: gate::Limits::default(),
        }
    }
}

/// A running server: it stops when stopped or dropped.
pub struct Server {
    addr: SocketAddr,
    login: Option<String>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

/// The shortest token accepted.
const MIN_TOKEN: usize = 12;

impl Server {
    /// Opens a read-only snapshot of `options.db`, binds and starts
    /// serving on a thread of its own.
    ///
    /// # Errors
    /// [`Error::Validation`] for a host off loopback without a token, a
    /// short token or a host that does not resolve; [`Error::Io`] if the
    /// address cannot be bound; as [`Db::open_read_only`].
    pub fn start(options: &Options) -> Result<Server> {
        gate::few_arenas();
        let ip = resolve(&options.host)?;
        match &options.token {
            None if !ip.is_loopback() => {
                return Err(Error::validation(
                    "host",
                    format!(
                        "{ip} is not loopback: serving the ledgers beyond this machine needs --token (at least {MIN_TOKEN} characters)"
                    ),
                ))
            }
            Some(t) if t.chars().count() < MIN_TOKEN || t.chars().any(char::is_whitespace) => {
                return Err(Error::validation(
                    "token",
                    format!("a token needs at least {MIN_TOKEN} characters and no spaces"),
                ))
            }
            _ => {}
        }
        let db = Db::open_read_only(&options.db)?;
        let listener = std::net::TcpListener::bind((ip, options.port))
            .map_err(|e| Error::io(format!("binding {ip}:{}", options.port), e))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| Error::io("setting up the listener", e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::io("reading the bound address", e))?;
        let state = Arc::new(State::new(
            options.db.clone(),
            db,
            options.token.clone(),
            pages::templates()?,
            options.limits,
        )?);
        let login = state
            .login_code()
            .map(|code| format!("http://{}/login?code={code}", shown_addr(addr)));
        let app = router(state);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8)))
            .thread_name("parkdb-serve")
            .enable_io()
            .enable_time()
            .build()
            .map_err(|e| Error::io("starting the server's runtime", e))?;
        let thread = std::thread::Builder::new()
            .name("parkdb-serve".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener)?;
                    axum::serve(listener, app)
                        .with_graceful_shutdown(async move {
                            let _ = stopped.await;
                        })
                        .await
                })
            })
            .map_err(|e| Error::io("starting the server's thread", e))?;
        Ok(Server {
            addr,
            login,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The address it listens on.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its address as a URL (`http://127.0.0.1:8090/`).
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://{}/", shown_addr(self.addr))
    }

    /// With a token: the one-time login link, which opens a session in
    /// the browser that follows it.
    #[must_use]
    pub fn login_link(&self) -> Option<&str> {
        self.login.as_deref()
    }

    /// Blocks until the server stops (it stops on its own only on an error).
    ///
    /// # Errors
    /// [`Error::Io`] if serving failed.
    pub fn wait(mut self) -> Result<()> {
        self.join()
    }

    /// Stops serving: requests in progress finish, then it returns.
    ///
    /// # Errors
    /// [`Error::Io`] if serving had failed.
    pub fn stop(mut self) -> Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.join()
    }

    fn join(&mut self) -> Result<()> {
        match self.thread.take().map(std::thread::JoinHandle::join) {
            Some(Ok(Err(e))) => Err(Error::io("serving", e)),
            Some(Err(_)) => Err(Error::Storage("the server's thread failed".into())),
            _ => Ok(()),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = self.join();
    }
}

/// Runs `parkdb serve` until the process is interrupted (Ctrl-C or
/// SIGTERM): prints where it listens (and the login link), serves, then
/// stops cleanly, so the snapshot's copy is removed.
///
/// # Errors
/// As [`Server::start`]; [`Error::Io`] if serving failed.
pub fn run(options: &Options, mut say: impl FnMut(&str)) -> Result<()> {
    let server = Server::start(options)?;
    say(&format!(
        "serving {} at {} (read-only; Ctrl-C stops)",
        options.db.display(),
        server.url()
    ));
    if let Some(link) = server.login_link() {
        say(&format!("log in once with {link}"));
    }
    let waiter = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("waiting for a signal", e))?;
    waiter.block_on(interrupted());
    server.stop()
}

/// Returns when the process is asked to stop.
async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn resolve(host: &str) -> Result<IpAddr> {
    if host.eq_ignore_ascii_case("localhost") {
        return Ok(IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
    if let Ok(ip) = host.trim_matches(['[', ']']).parse::<IpAddr>() {
        return Ok(ip);
    }
    (host, 0)
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .map(|a| a.ip())
        .ok_or_else(|| {
            Error::validation(
                "host",
                format!("{} does not resolve", parkdb::text::shown(host)),
            )
        })
}

fn shown_addr(addr: SocketAddr) -> String {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => format!("127.0.0.1:{}", addr.port()),
        _ => addr.to_string(),
    }
}

fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/", get(pages::overview))
        .route("/evaluate", get(pages::evaluate_latest))
        .route("/evaluate/{scheme}/{year}", get(pages::evaluate))
        .route("/parcels/{key}", get(pages::parcel))
        .route("/explain/{year}/{figure}", get(pages::explain_report))
        .route("/explain-land/{figure}", get(pages::explain_land))
        .route("/enterprises/{id}", get(pages::enterprise))
        .route("/{table}", get(pages::table))
        .route("/map.svg", get(api::map_svg))
        .route("/api", get(api::index))
        .route("/api/report/{year}", get(api::report))
        .route("/api/summary", get(api::summary))
        .route("/api/evaluate/{scheme}/{year}", get(api::evaluation))
        .route("/api/{table}", get(api::table))
        .route("/refresh", post(api::refresh))
        .route("/login", get(api::login))
        .route("/static/app.css", get(api::stylesheet))
        .route("/static/app.js", get(api::script))
        .fallback(api::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

/// Every request passes here: the token rule, the loopback rule against
/// pages served to other sites' names, and headers that keep the pages
/// from running anything not their own.
async fn guard(Shared(state): Shared<Arc<State>>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let api = wants_json(&path);
    let headers = request.headers();
    // One Host header, as HTTP/1.1 requires: the loopback rule reads it.
    if headers.get_all(header::HOST).iter().count() != 1 {
        return Problem::bad_request("a request names its Host once").respond(api);
    }
    if request.method() != axum::http::Method::GET
        && request.method() != axum::http::Method::HEAD
        && cross_site(headers)
    {
        return Problem::new(
            StatusCode::FORBIDDEN,
            "a request from another site's page may only read: open the dashboard itself",
        )
        .respond(api);
    }
    if state.token.is_none() && !local_host(headers) {
        return Problem::new(
            StatusCode::FORBIDDEN,
            "parkdb serve answers to localhost only (its Host header named another site)",
        )
        .respond(api);
    }
    let open = path == "/login" || path.starts_with("/static/");
    if !open {
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let session = cookie(headers, SESSION_COOKIE);
        if !state.allows(bearer, session.as_deref()) {
            return Problem::new(
                StatusCode::UNAUTHORIZED,
                "this dashboard needs its token: follow the login link parkdb serve printed, open /login?token=…, or send Authorization: Bearer …",
            )
            .respond(api);
        }
    }
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
        ),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

const SESSION_COOKIE: &str = "parkdb_session";

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// Whether a request comes from another site's page: the browser says so
/// (`Sec-Fetch-Site: cross-site` or `same-site`), or its `Origin` names
/// another host than the request's `Host`.
fn cross_site(headers: &HeaderMap) -> bool {
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if fetch_site.is_some_and(|s| !matches!(s, "same-origin" | "none")) {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    match headers.get(header::ORIGIN).map(|o| o.to_str()) {
        None => false,
        Some(Ok(origin)) => {
            origin.split_once("://").map(|(_, rest)| rest) != host || host.is_none()
        }
        Some(Err(_)) => true,
    }
}

/// The path of a page of this dashboard that `referer` names, for a form
/// to come back to: only the pages the router serves, never another
/// site's or a path that is not one.
pub(crate) fn known_page(referer: &str) -> Option<String> {
    let uri: Uri = referer.parse().ok()?;
    let path = uri.path();
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    let known = first.is_empty()
        || matches!(first, "evaluate" | "parcels" | "enterprises")
        || parkdb::tables::Named::parse(first).is_some();
    (known && !path.starts_with("//")).then(|| match uri.query() {
        Some(q) => format!("{path}?{q}"),
        None => path.to_owned(),
    })
}

/// Whether the Host header names this machine.
fn local_host(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) && !name.is_empty() => name,
        _ => host,
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .trim_matches(['[', ']'])
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Whether a path answers JSON (the API) rather than pages.
fn wants_json(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/") || path == "/refresh"
}

/// What went wrong with a request, said to a person: an HTML page, or
/// JSON for the API. Never a stack trace.
#[derive(Debug)]
pub(crate) struct Problem {
    status: StatusCode,
    message: String,
    /// Seconds after which a request the server was too busy for may be
    /// sent again (`Retry-After`).
    retry_after: Option<u64>,
}

impl Problem {
    fn new(status: StatusCode, message: impl Into<String>) -> Problem {
        Problem {
            status,
            message: message.into(),
            retry_after: None,
        }
    }

    /// 429 with the seconds to wait.
    pub(crate) fn too_soon(message: impl Into<String>, wait: u64) -> Problem {
        Problem {
            retry_after: Some(wait),
            ..Problem::new(StatusCode::TOO_MANY_REQUESTS, message)
        }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, message)
    }

    fn not_found(message: impl Into<String>) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, message)
    }

    fn respond(self, json: bool) -> Response {
        let mut response = self.body(json);
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }

    fn body(&self, json: bool) -> Response {
        if json {
            let body = serde_json::json!({
                "error": self.status.canonical_reason().unwrap_or("error"),
                "status": self.status.as_u16(),
                "message": self.message,
            });
            return (self.status, axum::Json(body)).into_response();
        }
        let reason = self.status.canonical_reason().unwrap_or("error");
        let page = format!(
            "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{code} · parkdb</title><link rel=\"stylesheet\" href=\"/static/app.css\"></head><body><header><a class=\"brand\" href=\"/\">parkdb</a></header><main><h1>{code} {reason}</h1><p id=\"problem\">{message}</p><p><a href=\"/\">总览 Overview</a></p></main></body></html>",
            code = self.status.as_u16(),
            message = parkdb::text::escape_html(&self.message),
        );
        (self.status, axum::response::Html(page)).into_response()
    }
}

impl From<gate::Busy> for Problem {
    fn from(busy: gate::Busy) -> Problem {
        Problem {
            retry_after: Some(busy.retry_after),
            ..Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the dashboard is busy with other reads; try again in a moment",
            )
        }
    }
}

impl From<Error> for Problem {
    fn from(e: Error) -> Problem {
        let status = match &e {
            Error::NotFound { .. } => StatusCode::NOT_FOUND,
            Error::Validation { .. } | Error::Lifecycle { .. } | Error::Conflict { .. } => {
                StatusCode::BAD_REQUEST
            }
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            // The whole error (files, paths) for the one who runs the
            // server; a page says what failed, not where on the disk.
            eprintln!("parkdb serve: {e}");
            return Problem::new(status, server_side(&e));
        }
        Problem::new(status, e.to_string())
    }
}

/// What a page says of an error on the server's side: its kind, never the
/// files and paths its message holds.
fn server_side(e: &Error) -> String {
    let what = match e {
        Error::Io { .. } => "the ledgers' files could not be read",
        Error::Corrupt(_) => "the database is damaged",
        Error::IncompatibleFormat { .. } => "the database is of a format this parkdb cannot read",
        _ => "the server could not answer",
    };
    format!("{what}; the terminal running parkdb serve says more")
}

/// A page's answer: the page, or the problem as a page.
pub(crate) struct Page(std::result::Result<Response, Problem>);

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        self.0.unwrap_or_else(|p| p.respond(false))
    }
}

/// The API's answer: the body, or the problem as JSON.
pub(crate) struct Answer(std::result::Result<Response, Problem>);

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        self.0.unwrap_or_else(|p| p.respond(true))
    }
}

/// Runs a read off the async threads (reads fold events and scan tables).
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> std::result::Result<T, Problem> + Send + 'static,
) -> std::result::Result<T, Problem> {
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|_| {
        Err(Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the read failed inside parkdb; the server goes on",
        ))
    })
}

/// A year as a path or a query gives it (1000 to 9999).
fn year(text: &str) -> std::result::Result<i32, Problem> {
    text.trim()
        .parse()
        .ok()
        .filter(|y| (1000..=9999).contains(y))
        .ok_or_else(|| Problem::bad_request(format!("{} is not a year", parkdb::text::shown(text))))
}

/// A record's number as a profile's path gives it (`/enterprises/12`):
/// `what` names the record in the refusal ("a parcel's").
fn record_number(text: &str, what: &str) -> std::result::Result<u64, Problem> {
    text.parse().map_err(|_| {
        Problem::bad_request(format!(
            "{} is not {what} number",
            parkdb::text::shown(text)
        ))
    })
}

/// The scheme and year of an evaluation's path: a preset's name (else
/// 404) and a year.
fn scheme_year(scheme: &str, text: &str) -> std::result::Result<i32, Problem> {
    parkdb::scheme::preset(scheme).map_err(|e| Problem::not_found(crate::said(&e)))?;
    year(text)
}

/// A request's query parameters, in order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Params(Vec<(String, String)>);

/// Parameters every page and table understands; any other names a column.
const KNOWN: [&str; 12] = [
    "as_of", "known_at", "year", "sort", "desc", "q", "page", "per", "format", "color", "limit",
    "offset",
];

impl Params {
    fn of(uri: &Uri) -> std::result::Result<Params, Problem> {
        axum::extract::Query::<Vec<(String, String)>>::try_from_uri(uri)
            .map(|q| Params(q.0))
            .map_err(|e| Problem::bad_request(format!("the query string cannot be read: {e}")))
    }

    /// The last non-empty value of `name`.
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
    }

    /// Column filters: the parameters that are not [`KNOWN`], with a value.
    fn filters(&self) -> Vec<(String, String)> {
        self.0
            .iter()
            .filter(|(k, v)| !KNOWN.contains(&k.as_str()) && !v.is_empty())
            .cloned()
            .collect()
    }

    fn number<T: std::str::FromStr>(&self, name: &str) -> std::result::Result<Option<T>, Problem> {
        self.get(name)
            .map(|v| {
                v.parse().map_err(|_| {
                    Problem::bad_request(format!(
                        "{name}={} is not a whole number",
                        parkdb::text::shown(v)
                    ))
                })
            })
            .transpose()
    }

    fn year(&self) -> std::result::Result<Option<i32>, Problem> {
        self.get("year")
            .map(|y| year(y).map_err(|p| Problem::bad_request(format!("year={}", p.message))))
            .transpose()
    }

    /// Which rows and in what order: `q`, the column filters, `sort` and `desc`.
    fn selection(&self) -> grid::Selection {
        grid::Selection {
            q: self.get("q").map(str::to_owned),
            filters: self.filters(),
            sort: self
                .get("sort")
                .map(|c| (c.to_owned(), matches!(self.get("desc"), Some("1" | "true")))),
        }
    }

    /// The horizon: `as_of` (default `default_as_of`, else today) and `known_at`.
    fn reading(&self, default_as_of: Option<NaiveDate>) -> std::result::Result<Reading, Problem> {
        let as_of = match self.get("as_of") {
            Some(d) => parkdb::ledger::dates::date_arg(d)
                .map_err(|e| Problem::bad_request(format!("as_of: {}", crate::said(&e))))?,
            None => default_as_of.unwrap_or_else(|| Utc::now().date_naive()),
        };
        let known_at = self
            .get("known_at")
            .map(parkdb::ledger::dates::parse_moment)
            .transpose()
            .map_err(|e| Problem::bad_request(format!("known_at: {}", crate::said(&e))))?;
        Ok(Reading { as_of, known_at })
    }

    /// This query with `changes` applied (an empty value removes the name).
    fn with(&self, changes: &[(&str, &str)]) -> String {
        let mut pairs: Vec<(String, String)> = self
            .0
            .iter()
            .filter(|(k, v)| !v.is_empty() && !changes.iter().any(|(c, _)| c == k))
            .cloned()
            .collect();
        for (k, v) in changes {
            if !v.is_empty() {
                pairs.push(((*k).to_owned(), (*v).to_owned()));
            }
        }
        encode(&pairs)
    }
}

/// Pairs as a query string.
fn encode(pairs: &[(String, String)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

/// Text as one segment of a path (`/parcels/<code>`).
fn segment(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// The dashboard's fuzz entry (`fuzz/`, cargo-fuzz, and its smoke pass in
/// the tests): what a browser or a stranger may ask of `parkdb serve`.
#[doc(hidden)]
pub mod fuzzing {
    use std::sync::{Arc, OnceLock};

    use axum::body::Body;
    use axum::http::{header, Request, StatusCode};
    use tower::ServiceExt;

    use super::{pages, router, state::State, Router};

    /// The example zone's database served as `parkdb serve` serves it,
    /// built once per process, and a runtime to serve it on.
    fn served() -> &'static (Router, tokio::runtime::Runtime) {
        static SERVED: OnceLock<(Router, tokio::runtime::Runtime)> = OnceLock::new();
        SERVED.get_or_init(|| {
            let path = std::env::temp_dir()
                .join(format!("parkdb-fuzz-serve-{}", std::process::id()))
                .join("zone.parkdb");
            let _ = std::fs::remove_dir_all(&path);
            {
                let db = parkdb::Db::open(&path).expect("a database");
                parkdb::example::build_seed(&db).expect("the example zone");
                db.close().expect("closed");
            }
            let db = parkdb::Db::open_read_only(&path).expect("a snapshot");
            // The snapshot is a copy of its own (removed with it): the
            // database it was taken from is not needed again (requests
            // here never refresh), so nothing is left behind.
            if let Some(dir) = path.parent() {
                let _ = std::fs::remove_dir_all(dir);
            }
            let state = State::new(
                path,
                db,
                None,
                pages::templates().expect("the templates"),
                super::gate::Limits::default(),
            )
            .expect("the server's state");
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            (router(Arc::new(state)), runtime)
        })
    }

    /// Serves the bytes as a request's path and query (bytes that are not
    /// printable ASCII percent-encoded, as a browser sends them): the
    /// answer may refuse (4xx) or be busy (503), never be a fault of the
    /// server (another 5xx), and its body is read whole. Returns the
    /// status (0 for bytes that make no request).
    pub fn serve_request(data: &[u8]) -> u16 {
        /// What a browser encodes of a path and query it sends.
        const ENCODED: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
            .add(b' ')
            .add(b'"')
            .add(b'#')
            .add(b'%')
            .add(b'<')
            .add(b'>')
            .add(b'`')
            .add(b'{')
            .add(b'}');
        let path = data.strip_prefix(b"/").unwrap_or(data);
        let target = format!("/{}", percent_encoding::percent_encode(path, ENCODED));
        let Ok(request) = Request::get(&target)
            .header(header::HOST, "127.0.0.1")
            .body(Body::empty())
        else {
            return 0;
        };
        let (app, runtime) = served();
        let (status, body) = runtime.block_on(async {
            let response = app.clone().oneshot(request).await.expect("an answer");
            let status = response.status();
            let body = axum::body::to_bytes(response.into_body(), usize::MAX).await;
            (status, body)
        });
        assert!(body.is_ok(), "{target}: the body could not be read");
        assert!(
            !status.is_server_error() || status == StatusCode::SERVICE_UNAVAILABLE,
            "{target}: {status}: {}",
            String::from_utf8_lossy(&body.unwrap_or_default())
        );
        status.as_u16()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_side_error_names_no_path() {
        let e = Error::io(
            "copying /home/officer/ledgers/park.parkdb",
            std::io::Error::other("disk full"),
        );
        let p = Problem::from(e);
        assert_eq!(p.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!p.message.contains("/home"), "{}", p.message);
        assert!(p.message.contains("could not be read"));
        let bad = Problem::from(Error::validation("as_of", "not a date"));
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(bad.message.contains("not a date"));
    }

    #[test]
    fn the_host_rule_takes_loopback_names_only() {
        let mut h = HeaderMap::new();
        for (host, ok) in [
            ("127.0.0.1:8090", true),
            ("localhost:8090", true),
            ("LOCALHOST", true),
            ("[::1]:8090", true),
            ("evil.example:8090", false),
            ("10.0.0.2", false),
        ] {
            h.insert(header::HOST, HeaderValue::from_static(host));
            assert_eq!(local_host(&h), ok, "{host}");
        }
    }

    #[test]
    fn queries_are_rebuilt_percent_encoded() {
        let p = Params(vec![
            ("q".into(), "黄岩 A&B".into()),
            ("page".into(), "3".into()),
            ("status".into(), String::new()),
        ]);
        assert_eq!(
            p.with(&[("page", "4")]),
            "q=%E9%BB%84%E5%B2%A9+A%26B&page=4"
        );
        assert_eq!(p.with(&[("page", "")]), "q=%E9%BB%84%E5%B2%A9+A%26B");
        assert_eq!(segment("GP 1/2"), "GP%201%2F2");
    }
}
