//! parkdb inside an async service: a park committee's small HTTP API on
//! axum and tokio, taking parcels in and answering the land summary.
//!
//! `cargo run -p parkdb-cli --example service` serves on 127.0.0.1:3000
//! (a temporary database; `-- PATH` for a database on disk) until Ctrl-C.
//! It is built with the `parkdb-cli` crate, which has axum and tokio
//! already; the library itself has no async runtime.
//!
//! ```text
//! curl -X POST 127.0.0.1:3000/parcels -H 'content-type: application/json' \
//!      -d '{"code": "GP-001", "area_mu": "12.5", "requisitioned": "2024-03-01"}'
//! curl 127.0.0.1:3000/summary?as_of=2024-12-31
//! ```
//!
//! How parkdb is called from async code:
//!
//! - Every call of parkdb blocks its thread (a write waits for the one
//!   writer and for the disk; a first wide read loads the ledgers), so it
//!   runs in `tokio::task::spawn_blocking`, never on a runtime's worker.
//! - A unit of work is begun, written and committed inside that one
//!   blocking closure (`db.write(|w| …)`). A [`parkdb::Transaction`] is not
//!   `Send`: it cannot be held across an `.await` of a spawned task, which
//!   would keep the one writer's slot while the task waits.
//! - A `Db` is cheap to clone and shared by every request; a `View`
//!   (`db.now()`) is a snapshot read within the closure.

use std::net::SocketAddr;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use parkdb::{Db, LandUse, NewParcel};
use serde::Deserialize;

/// A parcel to requisition.
#[derive(Debug, Deserialize)]
struct NewParcelRequest {
    code: String,
    /// 亩, exactly, as text (`"12.5"`): never a float.
    area_mu: String,
    requisitioned: NaiveDate,
}

#[derive(Debug, Deserialize)]
struct SummaryQuery {
    as_of: NaiveDate,
}

/// A refusal as HTTP: parkdb's refusals of input are 4xx with its message,
/// anything else 500.
fn problem(e: &parkdb::Error) -> (StatusCode, String) {
    let status = match e {
        parkdb::Error::Validation { .. } | parkdb::Error::Lifecycle { .. } => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        parkdb::Error::Conflict { .. } => StatusCode::CONFLICT,
        parkdb::Error::NotFound { .. } => StatusCode::NOT_FOUND,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    (status, e.to_string())
}

/// Runs `f` on tokio's blocking threads: where every call of parkdb goes.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> parkdb::Result<T> + Send + 'static,
) -> Result<T, (StatusCode, String)> {
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result.map_err(|e| problem(&e)),
        Err(e) => Err((StatusCode::INTERNAL_SERVER_ERROR, e.to_string())),
    }
}

async fn add_parcel(
    State(db): State<Db>,
    Json(p): Json<NewParcelRequest>,
) -> Result<(StatusCode, Json<serde_json::Value>), (StatusCode, String)> {
    let id = blocking(move || {
        let area = p.area_mu.parse()?;
        db.write(|w| {
            w.add_parcel(NewParcel::new(
                &p.code,
                area,
                LandUse::Industrial,
                p.requisitioned,
            ))
        })
    })
    .await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id.0 }))))
}

async fn summary(
    State(db): State<Db>,
    Query(q): Query<SummaryQuery>,
) -> Result<Json<serde_json::Value>, (StatusCode, String)> {
    let total = blocking(move || Ok(db.land_summary(q.as_of)?.total)).await?;
    Ok(Json(serde_json::json!({
        "parcels": total.parcel_count,
        // Exact decimals as text: JSON numbers are floats to most readers.
        "requisitioned_mu": total.requisitioned_mu.to_decimal_string(),
    })))
}

/// The service's routes over `db`.
fn app(db: Db) -> Router {
    Router::new()
        .route("/parcels", post(add_parcel))
        .route("/summary", get(summary))
        .with_state(db)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let db = match std::env::args().nth(1) {
        Some(path) => Db::open(path)?,
        None => Db::temporary()?,
    };
    let addr = SocketAddr::from(([127, 0, 0, 1], 3000));
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("serving on http://{addr}");
    axum::serve(listener, app(db.clone()))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    // Closing reports what a drop would swallow: the last flush and the
    // checkpoints.
    db.close()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt as _;

    async fn call(app: &Router, request: Request<Body>) -> (StatusCode, String) {
        let response = app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, String::from_utf8(body.to_vec()).unwrap())
    }

    fn post_parcel(code: &str, area: &str) -> Request<Body> {
        Request::post("/parcels")
            .header("content-type", "application/json")
            .body(Body::from(
                serde_json::json!({"code": code, "area_mu": area, "requisitioned": "2024-03-01"})
                    .to_string(),
            ))
            .unwrap()
    }

    /// Many requests at once on two worker threads: every write is stored
    /// once, a duplicate code is refused with 409 and stores nothing, and
    /// summaries read between writes see whole units only.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_requests_write_and_read_the_same_database() {
        let db = Db::temporary().unwrap();
        let app = app(db.clone());
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..64 {
            let writer = app.clone();
            tasks.spawn(async move {
                // Every code twice: one of the two is refused.
                let code = format!("GP-{:03}", i / 2);
                call(&writer, post_parcel(&code, "1.5")).await
            });
            let reader = app.clone();
            tasks.spawn(async move {
                call(
                    &reader,
                    Request::get("/summary?as_of=2024-12-31")
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
            });
        }
        let (mut created, mut refused, mut summaries) = (0, 0, 0);
        while let Some(done) = tasks.join_next().await {
            let (status, body) = done.unwrap();
            match status {
                StatusCode::CREATED => created += 1,
                StatusCode::CONFLICT => {
                    assert!(body.contains("GP-"), "{body}");
                    refused += 1;
                }
                StatusCode::OK => {
                    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
                    let n = v["parcels"].as_u64().unwrap();
                    // Whole units only: n parcels of 1.5 亩 each.
                    let mu: f64 = v["requisitioned_mu"].as_str().unwrap().parse().unwrap();
                    assert!((mu - 1.5 * n as f64).abs() < 1e-9, "{body}");
                    summaries += 1;
                }
                other => panic!("{other}: {body}"),
            }
        }
        assert_eq!((created, refused, summaries), (32, 32, 64));
        let (status, body) = call(
            &app,
            Request::get("/summary?as_of=2024-12-31")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("\"parcels\":32"), "{body}");
        assert!(body.contains("\"requisitioned_mu\":\"48\""), "{body}");
        // A bad area is refused with parkdb's message, and nothing written.
        let (status, body) = call(&app, post_parcel("GP-999", "1.2345678")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(
            db.land_summary(d("2024-12-31")).unwrap().total.parcel_count,
            32
        );
    }

    /// A unit of work may leave its thread only detached.
    #[test]
    fn a_transaction_stays_on_its_thread_unless_detached() {
        fn is_send<T: Send>() {}
        is_send::<parkdb::DetachedTransaction>();
        is_send::<Db>();
        let db = Db::temporary().unwrap();
        let tx = db.begin().unwrap().detach();
        // Ended on another thread: the writer's slot is free again.
        std::thread::spawn(move || tx.rollback()).join().unwrap();
        db.write(|w| {
            w.add_parcel(NewParcel::new(
                "GP-1",
                "1".parse()?,
                LandUse::Industrial,
                d("2024-01-01"),
            ))
        })
        .unwrap();
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }
}
