//! `parkdb serve` route by route, against a server on an ephemeral
//! loopback port: status codes, content types, the token and loopback
//! rules, bad parameters (400 with a message), unknown ids (404), and the
//! API's rows against the same tables read through the Rust API.

use std::path::Path;

use arrow_array::RecordBatch;
use parkdb::tables::Named;
use parkdb::{Db, Error, NewEnterprise};
use parkdb_cli::serve::{Options, Server};

struct Reply {
    status: u16,
    content_type: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into()
}

fn request(method: &str, url: &str, headers: &[(&str, &str)]) -> Reply {
    let agent = agent();
    let mut response = match method {
        "GET" => {
            let mut r = agent.get(url);
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            r.call()
        }
        "POST" => {
            let mut r = agent.post(url);
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            r.send_empty()
        }
        other => panic!("no method {other}"),
    }
    .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = response.status().as_u16();
    let headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = response
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()
        .expect("body");
    Reply {
        status,
        content_type,
        headers,
        body,
    }
}

fn get(server: &Server, path: &str) -> Reply {
    request("GET", &format!("{}{}", server.url(), &path[1..]), &[])
}

fn example(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("zone.parkdb");
    let db = Db::open(&path).unwrap();
    parkdb::example::build_seed(&db).unwrap();
    db.close().unwrap();
    path
}

fn serve(path: &Path, token: Option<&str>) -> Server {
    Server::start(&Options {
        db: path.to_owned(),
        port: 0,
        token: token.map(str::to_owned),
        ..Options::default()
    })
    .expect("server starts")
}

fn arrow_rows(reply: &Reply) -> RecordBatch {
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.content_type, "application/vnd.apache.arrow.stream");
    let reader =
        arrow_ipc::reader::StreamReader::try_new(std::io::Cursor::new(reply.body.clone()), None)
            .expect("an Arrow stream");
    let batches: Vec<RecordBatch> = reader.map(|b| b.expect("a batch")).collect();
    arrow_select::concat::concat_batches(&batches[0].schema(), &batches).unwrap()
}

#[test]
fn every_route_answers_with_its_content_type() {
    let dir = tempfile::tempdir().unwrap();
    let path = example(dir.path());
    let server = serve(&path, None);
    assert!(server.addr().ip().is_loopback(), "loopback by default");
    assert_eq!(Options::default().host, "127.0.0.1");
    let html = "text/html; charset=utf-8";
    let mut routes: Vec<(String, &str)> = vec![
        ("/".into(), html),
        ("/?year=2005&as_of=2005-06-30&color=idle".into(), html),
        ("/?year=2005&color=grade".into(), html),
        ("/parcels/GP-001".into(), html),
        ("/parcels/1?by=id".into(), html),
        ("/enterprises/1".into(), html),
        ("/evaluate/huangyan_2022/2005".into(), html),
        ("/api".into(), "application/json"),
        ("/api/report/2005".into(), "application/json"),
        ("/api/summary?as_of=2005-12-31".into(), "application/json"),
        (
            "/api/evaluate/huangyan_2022/2005?format=csv".into(),
            "text/csv; charset=utf-8",
        ),
        (
            "/map.svg?as_of=2005-12-31&color=status".into(),
            "image/svg+xml; charset=utf-8",
        ),
        (
            "/map.svg?color=grade&scheme=huangyan_2022_small&year=2005".into(),
            "image/svg+xml; charset=utf-8",
        ),
        ("/static/app.css".into(), "text/css; charset=utf-8"),
        ("/static/app.js".into(), "text/javascript; charset=utf-8"),
    ];
    for t in Named::ALL {
        routes.push((format!("/{}", t.name()), html));
        routes.push((
            format!("/{}?as_of=2005-12-31&known_at=2030-01-01", t.name()),
            html,
        ));
        routes.push((format!("/api/{}", t.name()), "application/json"));
    }
    for (route, kind) in &routes {
        let r = get(&server, route);
        assert_eq!(r.status, 200, "{route}: {}", r.text());
        assert_eq!(&r.content_type, kind, "{route}");
        assert_eq!(
            r.header("x-content-type-options"),
            Some("nosniff"),
            "{route}"
        );
    }
    for (format, kind) in [
        ("csv", "text/csv; charset=utf-8"),
        (
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("arrow", "application/vnd.apache.arrow.stream"),
        ("json", "application/json"),
    ] {
        let r = get(
            &server,
            &format!("/api/parcels?format={format}&status=completed"),
        );
        assert_eq!(r.status, 200);
        assert_eq!(r.content_type, kind, "{format}");
    }
    // The evaluation redirects to the latest year's.
    let r = get(&server, "/evaluate");
    assert_eq!(r.status, 303);
    assert!(r
        .header("location")
        .unwrap()
        .starts_with("/evaluate/huangyan_2022/"));
    // No write endpoint: the only POST is /refresh.
    let r = request("POST", &format!("{}parcels", server.url()), &[]);
    assert_eq!(r.status, 405, "{}", r.text());
    server.stop().unwrap();
}

#[test]
fn the_api_returns_the_rows_of_the_rust_api() {
    let dir = tempfile::tempdir().unwrap();
    let path = example(dir.path());
    let server = serve(&path, None);
    let db = Db::open_read_only(&path).unwrap();
    let view = db.as_of(parkdb::ledger::dates::parse_date("2005-12-31").unwrap());
    for t in [
        Named::Parcels,
        Named::Enterprises,
        Named::Grants,
        Named::Yearly,
        Named::Events,
    ] {
        let served = arrow_rows(&get(
            &server,
            &format!("/api/{}?as_of=2005-12-31&format=arrow", t.name()),
        ));
        let read = t.read(&view, None).unwrap();
        assert_eq!(served, read, "{}", t.name());
        let json = get(&server, &format!("/api/{}?as_of=2005-12-31", t.name())).json();
        assert_eq!(
            json.as_array().unwrap().len(),
            read.num_rows(),
            "{}",
            t.name()
        );
    }
    // A filter, a search, a sort, a page.
    let completed = arrow_rows(&get(
        &server,
        "/api/parcels?as_of=2005-12-31&status=completed&format=arrow",
    ));
    let all = Named::Parcels.read(&view, None).unwrap();
    let status = all.column_by_name("status").unwrap();
    let want = (0..all.num_rows())
        .filter(|r| parkdb::ledger::cell_text(status.as_ref(), *r).as_deref() == Some("completed"))
        .count();
    assert!(want > 0);
    assert_eq!(completed.num_rows(), want);
    let r = get(
        &server,
        "/api/parcels?as_of=2005-12-31&sort=area_mu&desc=1&limit=3",
    );
    assert_eq!(
        r.header("x-total-count"),
        Some(all.num_rows().to_string().as_str())
    );
    let rows = r.json();
    let areas: Vec<f64> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["area_mu"].as_f64().unwrap())
        .collect();
    assert_eq!(areas.len(), 3);
    assert!(areas.windows(2).all(|w| w[0] >= w[1]), "{areas:?}");
    let found = get(&server, "/api/parcels?q=gp-00&as_of=2005-12-31").json();
    assert_eq!(
        found.as_array().unwrap().len(),
        9,
        "GP-001 to GP-009, in any case"
    );
    // The report and the land figures, as the Rust API reads them.
    let report = db.now().annual_report(2005).unwrap();
    let served = get(&server, "/api/report/2005").json();
    for (k, v) in report.areas() {
        assert_eq!(
            served[k].as_str(),
            Some(v.to_decimal_string().as_str()),
            "{k}"
        );
    }
    for (k, v) in report.counts() {
        assert_eq!(served[k].as_u64(), Some(v), "{k}");
    }
    assert_eq!(served["text"].as_str(), Some(report.text().as_str()));
    let summary = view.land_summary().unwrap();
    let served = get(&server, "/api/summary?as_of=2005-12-31").json();
    assert_eq!(
        served["parcel_count"].as_u64(),
        Some(summary.total.parcel_count)
    );
    for (label, v) in summary.total.areas() {
        assert_eq!(
            served[label.field].as_str(),
            Some(v.to_decimal_string().as_str())
        );
    }
    // The overview shows the seed's figures.
    let page = get(&server, "/?year=2005").text();
    assert!(
        page.contains(&format!(
            "data-figure=\"requisitioned_mu\"><a href=\"/explain-land/requisitioned_mu?as_of=2005-12-31\">{}<",
            report.requisitioned_mu.to_decimal_string()
        )),
        "the overview's land figure, linked to its explanation: {page}"
    );
    // The trends: land at each year's end and output and tax per year,
    // their bars titled with the figures.
    assert!(
        page.contains("id=\"trend-land\"") && page.contains("id=\"trend-money\""),
        "{page}"
    );
    assert!(
        page.contains(&format!(
            "<title>2005 {}</title>",
            report.requisitioned_mu.to_decimal_string()
        )),
        "the 2005 land bar: {page}"
    );
    let tax_wan = report.tax_yuan.to_wan_f64();
    assert!(
        page.contains(&format!("<title>2005 {tax_wan:.0}</title>"))
            || page.contains(&format!("<title>2005 {tax_wan:.1}</title>")),
        "the 2005 tax bar ({tax_wan}): {page}"
    );
    // Firms by grade per year and receivables by age.
    assert!(
        page.contains("id=\"trend-grades\"") && page.contains("id=\"receivables-by-age\""),
        "{page}"
    );
    let grades = parkdb::scheme::huangyan_2022();
    let a = db.now().evaluate(&grades, 2005).unwrap().grade_counts()["A"];
    assert!(
        page.contains(&format!("<title>2005 {a}</title>")),
        "the 2005 A bar ({a}): {page}"
    );
    // Each figure's explanation lists its parts.
    let explained = db.now().explain_report(2005, "certified_mu").unwrap();
    let why = get(&server, "/explain/2005/certified_mu").text();
    assert!(why.contains("certified_mu"), "{why}");
    for part in &explained.parts {
        assert!(why.contains(part.code.as_deref().unwrap()), "{why}");
    }
    let land = get(&server, "/explain-land/reserve_mu?as_of=2005-12-31");
    assert_eq!(land.status, 200, "{}", land.text());
    let unknown = get(&server, "/explain/2005/no_such_figure");
    assert_eq!(unknown.status, 400, "{}", unknown.text());
    assert!(page.contains("<svg"), "the map is in the page");
    // Without a year it opens on the latest year with data: the example
    // zone's figures end in 2005, though two leases begin in 2006.
    let opened = get(&server, "/").text();
    assert!(opened.contains("2005 年园区总览"), "the default year");
    assert!(!opened.contains("2006 年园区总览"));
    // Columns read in Chinese first, their names behind the toggle.
    let table = get(&server, "/parcels").text();
    assert!(
        table.contains(r#"<span lang="zh">面积</span><span lang="en">area_mu</span>"#),
        "the parcels' area column in Chinese"
    );
    server.stop().unwrap();
}

#[test]
fn bad_parameters_are_400_with_a_message_and_unknown_ids_404() {
    let dir = tempfile::tempdir().unwrap();
    let path = example(dir.path());
    let server = serve(&path, None);
    for (route, says) in [
        ("/parcels?as_of=yesterday", "not a date"),
        ("/parcels?known_at=soon", "not a moment"),
        ("/parcels?page=0", "page counts from 1"),
        ("/parcels?per=5000", "1 to 1000"),
        ("/parcels?sort=nope", "not a column"),
        ("/parcels?colour_of_sky=blue", "not a column"),
        ("/yearly?year=12", "not a year"),
        ("/?color=rainbow", "not one of"),
        ("/enterprises/abc", "not an enterprise's number"),
        ("/parcels/GP-001?by=id", "not a parcel's number"),
        ("/evaluate/huangyan_2022/year", "not a year"),
        ("/map.svg?color=rainbow", "not one of"),
        (
            "/map.svg?color=grade&scheme=nope",
            "not one of huangyan_2022",
        ),
    ] {
        let r = get(&server, route);
        assert_eq!(r.status, 400, "{route}: {}", r.text());
        assert!(r.content_type.starts_with("text/html"), "{route}");
        assert!(r.text().contains(says), "{route}: {}", r.text());
        assert!(!r.text().contains("panicked"), "{route}");
    }
    for (route, says) in [
        (
            "/api/parcels?format=xml",
            "not one of json, csv, xlsx, arrow",
        ),
        ("/api/parcels?limit=-1", "not a whole number"),
        ("/api/parcels?status=completed&sort=nope", "not a column"),
        ("/api/summary?as_of=2005-13-01", "not a date"),
        ("/api/report/20x5", "not a year"),
    ] {
        let r = get(&server, route);
        assert_eq!(r.status, 400, "{route}");
        assert_eq!(r.content_type, "application/json", "{route}");
        let message = r.json()["message"].as_str().unwrap_or_default().to_owned();
        assert!(message.contains(says), "{route}: {message}");
    }
    for route in [
        "/parcels/NO-SUCH",
        "/parcels/999?by=id",
        "/enterprises/999",
        "/evaluate/no_scheme/2005",
        "/no-such-page",
        "/static/nothing.js",
    ] {
        let r = get(&server, route);
        assert_eq!(r.status, 404, "{route}: {}", r.text());
        assert!(r.content_type.starts_with("text/html"), "{route}");
    }
    for route in [
        "/api/no_table",
        "/api/evaluate/no_scheme/2005",
        "/api/no/such/thing",
    ] {
        let r = get(&server, route);
        assert_eq!(r.status, 404, "{route}: {}", r.text());
        assert_eq!(r.content_type, "application/json", "{route}");
    }
    server.stop().unwrap();
}

#[test]
fn a_token_guards_every_route_and_the_host_rule_guards_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let path = example(dir.path());
    // Beyond loopback only with a token, and not a short one.
    let refused = Server::start(&Options {
        db: path.clone(),
        host: "0.0.0.0".into(),
        port: 0,
        token: None,
        ..Options::default()
    });
    assert!(
        matches!(&refused, Err(Error::Validation { field, reason }) if field == "host" && reason.contains("--token")),
        "{:?}",
        refused.as_ref().err()
    );
    let short = Server::start(&Options {
        db: path.clone(),
        port: 0,
        token: Some("abc".into()),
        ..Options::default()
    });
    assert!(matches!(short, Err(Error::Validation { .. })));
    let missing = Server::start(&Options {
        db: dir.path().join("nothing-here"),
        port: 0,
        ..Options::default()
    });
    assert!(matches!(missing, Err(Error::Validation { .. })));

    // Without a token, a page asked for under another site's name is refused.
    let open = serve(&path, None);
    let r = request("GET", &open.url(), &[("Host", "attacker.example")]);
    assert_eq!(r.status, 403, "{}", r.text());
    open.stop().unwrap();

    let token = "a-long-enough-token";
    let server = Server::start(&Options {
        db: path.clone(),
        host: "0.0.0.0".into(),
        port: 0,
        token: Some(token.into()),
        ..Options::default()
    })
    .expect("beyond loopback with a token");
    let base = server.url();
    let r = request("GET", &base, &[]);
    assert_eq!(r.status, 401);
    assert!(r.content_type.starts_with("text/html"));
    let r = request("GET", &format!("{base}api/parcels"), &[]);
    assert_eq!(r.status, 401);
    assert_eq!(r.content_type, "application/json");
    let r = request(
        "GET",
        &format!("{base}api/parcels"),
        &[("Authorization", "Bearer wrong-token-000")],
    );
    assert_eq!(r.status, 401);
    let r = request(
        "GET",
        &format!("{base}api/parcels"),
        &[("Authorization", &format!("Bearer {token}"))],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    // The one-time login link opens a session once.
    let link = server.login_link().expect("a login link").to_owned();
    let r = request("GET", &link, &[]);
    assert_eq!(r.status, 303);
    let cookie = r.header("set-cookie").expect("a session cookie").to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let session = cookie.split(';').next().unwrap().to_owned();
    let r = request("GET", &base, &[("Cookie", &session)]);
    assert_eq!(r.status, 200);
    let r = request("GET", &link, &[]);
    assert_eq!(r.status, 401, "the link works once");
    let r = request("GET", &format!("{base}login?token={token}"), &[]);
    assert_eq!(r.status, 303, "the token logs in always");
    let r = request("GET", &format!("{base}login?token=not-the-token"), &[]);
    assert_eq!(r.status, 401);
    let r = request("GET", &base, &[("Cookie", "parkdb_session=made-up")]);
    assert_eq!(r.status, 401);
    server.stop().unwrap();
}

#[test]
fn refresh_picks_up_what_writers_added_meanwhile() {
    let dir = tempfile::tempdir().unwrap();
    let path = example(dir.path());
    let server = serve(&path, None);
    let count = |server: &Server| {
        get(server, "/api/enterprises")
            .json()
            .as_array()
            .unwrap()
            .len()
    };
    let before = count(&server);
    // The server reads a snapshot: the database stays writable.
    let db = Db::open(&path).expect("the server holds no lock");
    db.add_enterprise(NewEnterprise::named("新来的企业"))
        .unwrap();
    db.close().unwrap();
    assert_eq!(count(&server), before, "the snapshot until a refresh");
    let r = request("POST", &format!("{}refresh", server.url()), &[]);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.json()["refreshed_at"].is_string());
    assert_eq!(count(&server), before + 1);
    // Each refresh copies the database: another at once is told to wait.
    let r = request("POST", &format!("{}refresh", server.url()), &[]);
    assert_eq!(r.status, 429, "{}", r.text());
    assert!(r.header("retry-after").is_some());
    std::thread::sleep(std::time::Duration::from_millis(2100));
    // From a page's form, back to the page.
    let r = request(
        "POST",
        &format!("{}refresh", server.url()),
        &[("Referer", &format!("{}parcels?q=GP", server.url()))],
    );
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/parcels?q=GP"));
    server.stop().unwrap();
}

/// Sends `head` (request line and headers, CRLF-separated) as it is and
/// returns the status: for requests an HTTP client will not make.
fn raw_status(server: &Server, head: &str) -> u16 {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(server.addr()).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    let mut reply = Vec::new();
    let mut buf = [0u8; 4096];
    while !reply.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => reply.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&reply);
    text.split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// What another site's page could make a browser send is refused: a
/// POST marked cross-site or from another origin, a redirect to a page
/// the dashboard does not serve, a request naming its Host twice or not
/// at all; sessions expire; times and dates beyond what parkdb takes are
/// 400 like every other bad parameter.
#[test]
fn cross_site_writes_odd_hosts_and_out_of_range_times_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = example(dir.path());
    let server = serve(&path, None);
    let refresh = format!("{}refresh", server.url());
    for headers in [
        [("Origin", "https://attacker.example")],
        [("Sec-Fetch-Site", "cross-site")],
        [("Origin", "null")],
    ] {
        let r = request("POST", &refresh, &headers);
        assert_eq!(r.status, 403, "{headers:?}: {}", r.text());
    }
    // From the dashboard's own page it is taken; a Referer that names no
    // page of the dashboard is not followed.
    let own = server.url().trim_end_matches('/').to_owned();
    let r = request(
        "POST",
        &refresh,
        &[
            ("Origin", own.as_str()),
            ("Sec-Fetch-Site", "same-origin"),
            ("Referer", "https://attacker.example/phish?x=1"),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.header("location").is_none());
    let port = server.addr().port();
    let two = format!(
        "GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nHost: attacker.example\r\nConnection: close\r\n\r\n"
    );
    assert_eq!(raw_status(&server, &two), 400);
    let none = "GET / HTTP/1.1\r\nConnection: close\r\n\r\n";
    assert_eq!(raw_status(&server, none), 400);
    let fine = format!("GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    assert_eq!(raw_status(&server, &fine), 200);
    for query in [
        "known_at=2024-03-01T09:30%2B23:00",
        "known_at=2024-03-01T09:30-14:30",
        "as_of=1800-01-01",
        "as_of=9999-12-31",
        "known_at=9000-01-01",
    ] {
        let r = get(&server, &format!("/parcels?{query}"));
        assert_eq!(r.status, 400, "{query}: {}", r.text());
    }
    let r = get(&server, "/parcels?known_at=2024-03-01T09:30%2B08:00");
    assert_eq!(r.status, 200, "{}", r.text());
    server.stop().unwrap();

    // A session cookie says how long it lasts.
    let token = "a-long-enough-token";
    let guarded = Server::start(&Options {
        db: path,
        port: 0,
        token: Some(token.into()),
        ..Options::default()
    })
    .unwrap();
    let r = request("GET", &format!("{}login?token={token}", guarded.url()), &[]);
    let cookie = r.header("set-cookie").unwrap();
    assert!(cookie.contains("Max-Age=43200"), "{cookie}");
    // The token in a query opens nothing but /login.
    let r = request(
        "GET",
        &format!("{}parcels?token={token}", guarded.url()),
        &[],
    );
    assert_eq!(r.status, 401);
    // Sessions are capped: 64 more logins end the first.
    let first = cookie.split(';').next().unwrap().to_owned();
    let home = |c: &str| request("GET", &guarded.url(), &[("Cookie", c)]).status;
    assert_eq!(home(&first), 200);
    for _ in 0..64 {
        let r = request("GET", &format!("{}login?token={token}", guarded.url()), &[]);
        assert_eq!(r.status, 303);
    }
    assert_eq!(home(&first), 401, "the oldest session ends at the cap");
    guarded.stop().unwrap();
}

#[test]
fn the_evaluation_pages_show_the_evaluations_figures() {
    let dir = tempfile::tempdir().unwrap();
    let path = example(dir.path());
    let scheme = parkdb::scheme::huangyan_2022();
    let eval = Db::open(&path)
        .unwrap()
        .now()
        .evaluate(&scheme, 2005)
        .unwrap();
    let server = serve(&path, None);
    let page = get(&server, "/evaluate/huangyan_2022/2005").text();
    let out = eval.rows.iter().filter(|r| !r.in_scope).count();
    assert!(
        page.contains(&format!("<b id=\"out-of-scope\">{out}</b>")),
        "{out} out of scope: {page}"
    );
    for (grade, n) in eval.grade_counts() {
        let at = page.find(&format!("data-grade=\"{grade}\"")).unwrap();
        let shown = page[at..].split("<b>").nth(1).unwrap().split("</b>").next();
        assert_eq!(shown, Some(n.to_string().as_str()), "grade {grade}");
    }
    // A firm's page lists its grade, score and rank of the year.
    let best = eval.rows.iter().find(|r| r.rank == Some(1)).unwrap();
    let firm = get(&server, &format!("/enterprises/{}", best.enterprise.0)).text();
    assert!(
        firm.contains(&format!("{:.2}", best.score.unwrap())),
        "{firm}"
    );
    assert!(firm.contains(best.grade.as_deref().unwrap()));
}

/// A profile's timeline says where each event came from: an import's
/// file, sheet and row, who wrote it.
#[test]
fn a_timeline_names_each_events_source() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zone.parkdb");
    let register = dir.path().join("企业名录.csv");
    std::fs::write(&register, "企业名称\n东岸精密\n").unwrap();
    let parcels = dir.path().join("地块台账.csv");
    std::fs::write(
        &parcels,
        "地块编号,面积(亩),用途,征地日期\nGP-001,30,工业,2003-05-01\n",
    )
    .unwrap();
    {
        let mut db = Db::open(&path).unwrap();
        db.set_by(Some("王芳")).unwrap();
        let sheets: Vec<_> = [&register, &parcels]
            .iter()
            .flat_map(|p| parkdb::ledger::read_file(p).unwrap())
            .collect();
        let report =
            parkdb::ledger::import(&db, &sheets, parkdb::ledger::ImportOptions::default()).unwrap();
        assert!(report.written);
        db.close().unwrap();
    }
    let server = serve(&path, None);
    let page = get(&server, "/parcels/GP-001").text();
    assert!(
        page.contains("台账导入 地块台账.csv › 地块台账 第2行 (王芳"),
        "{page}"
    );
}

/// Requests that differ only in `as_of` each build a table: at most
/// `builds` run at once, `queue` wait, and the rest are answered 503 with
/// `Retry-After` at once, never a build of their own.
#[test]
fn a_burst_of_distinct_reads_is_capped_and_the_rest_told_to_retry() {
    use parkdb_cli::serve::gate::Limits;
    let dir = tempfile::tempdir().unwrap();
    let path = example(dir.path());
    let server = Server::start(&Options {
        db: path.clone(),
        port: 0,
        limits: Limits {
            builds: 1,
            queue: 0,
            ..Limits::default()
        },
        ..Options::default()
    })
    .expect("server starts");
    let clients = 40;
    let start = std::sync::Barrier::new(clients);
    let replies: Vec<Reply> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..clients)
            .map(|i| {
                let (server, start) = (&server, &start);
                s.spawn(move || {
                    let day = 1 + i % 28;
                    let month = 1 + i / 28;
                    start.wait();
                    get(
                        server,
                        &format!("/api/events?as_of=2005-{month:02}-{day:02}&limit=1"),
                    )
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let busy: Vec<&Reply> = replies.iter().filter(|r| r.status == 503).collect();
    assert!(
        !busy.is_empty(),
        "forty distinct builds at once, one slot, no queue"
    );
    for r in &busy {
        let seconds: u64 = r
            .header("retry-after")
            .expect("Retry-After")
            .parse()
            .unwrap();
        assert!(seconds >= 1);
        assert!(r.json()["message"].as_str().unwrap().contains("busy"));
    }
    for r in replies.iter().filter(|r| r.status != 503) {
        assert_eq!(r.status, 200, "{}", r.text());
    }
    // Once the burst is over, the server reads again.
    assert_eq!(
        get(&server, "/api/events?as_of=2004-12-31&limit=1").status,
        200
    );
}
