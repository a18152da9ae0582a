//! The seed's REST test API, byte-compatible with its curl lines:
//! `POST /api/kafka-test/message-created|message-read|message-deleted` publish one
//! event (keyed by its message id, with the seed's producer settings) and answer
//! after delivery with where it landed; `POST /api/kafka-test/bulk-test?count=N`
//! answers the seed's `Sent N events in X ms (Y events/sec)`.
//!
//! Parameters come from the query string or, as Spring's `@RequestParam` takes
//! them, from an `application/x-www-form-urlencoded` body (up to [`MAX_BODY`]
//! bytes, room for the 100 000 bytes of content encoded).
//!
//! Answers are one line of text, or JSON when the request accepts
//! `application/json`. 400: a parameter missing or malformed; 401: the configured
//! bearer token missing or wrong; 403: the profile is read-only; 413: a body over
//! [`MAX_BODY`]; 503: the cluster did not take the record within
//! `[serve] request_timeout`.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, FromRequest, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Json, Router};

use super::params::Params;
use crate::errors::error_line;
use kaftop_core::config::{Resolved, Secret, Secretish};
use kaftop_core::events::{fresh_message_id, validation, EventTime, MessageEvent};
use kaftop_core::kafka::bulk::{self, BulkProgress, BulkSpec, BulkType};
use kaftop_core::kafka::publisher::Publisher;
use kaftop_core::kafka::KafkaError;

/// Extra wait past librdkafka's own message timeout before a request gives up on
/// a delivery report.
const REPORT_GRACE: Duration = Duration::from_secs(2);

/// Largest request body: a form whose content is the 100 000 bytes the seed
/// allows, each byte percent-encoded (three bytes), and the other fields.
pub(crate) const MAX_BODY: usize = 320 * 1024;

/// What the publishing endpoints need, shared by every request.
#[derive(Clone)]
pub(crate) struct ApiState(Arc<Inner>);

struct Inner {
    /// The configuration as given (bulk runs use its producer settings).
    cfg: Resolved,
    /// One producer for every single-event request; its message timeout is the
    /// request timeout, so a record refused with 503 is never delivered later.
    publisher: Publisher,
    timeout: Duration,
    /// Set when draining: a bulk run in progress stops queueing.
    draining: Arc<AtomicBool>,
}

impl ApiState {
    pub(crate) fn new(cfg: Resolved, draining: Arc<AtomicBool>) -> Result<Self, KafkaError> {
        let timeout = cfg.serve.request_timeout;
        let mut bounded = cfg.clone();
        // The user's own delivery timeout wins, as everywhere.
        if !["message.timeout.ms", "delivery.timeout.ms"]
            .iter()
            .any(|k| cfg.properties.contains_key(*k))
        {
            bounded.properties.insert(
                "message.timeout.ms".into(),
                Secretish::Plain(timeout.as_millis().to_string()),
            );
        }
        let publisher = Publisher::new(&bounded)?;
        Ok(ApiState(Arc::new(Inner {
            cfg,
            publisher,
            timeout,
            draining,
        })))
    }
}

pub(crate) fn router(state: ApiState) -> Router {
    Router::new()
        .route("/api/kafka-test/message-created", post(created))
        .route("/api/kafka-test/message-read", post(read))
        .route("/api/kafka-test/message-deleted", post(deleted))
        .route("/api/kafka-test/bulk-test", post(bulk_test))
        .route_layer(middleware::from_fn_with_state(state.clone(), guard))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(state)
}

/// A refusal: its status and the reason, as text or JSON.
struct Refusal {
    status: StatusCode,
    reason: String,
    json: bool,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        if self.json {
            let body = serde_json::json!({ "status": self.status.as_u16(), "error": self.reason });
            (self.status, Json(body)).into_response()
        } else {
            (self.status, self.reason).into_response()
        }
    }
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("application/json"))
}

/// The bearer token (when one is configured), then the read-only profile.
async fn guard(State(s): State<ApiState>, req: Request, next: Next) -> Response {
    let json = wants_json(req.headers());
    if let Some(token) = &s.0.cfg.serve.token {
        if !bearer_matches(req.headers(), token) {
            let mut r = Refusal {
                status: StatusCode::UNAUTHORIZED,
                reason: "a bearer token is required (Authorization: Bearer <token>)".into(),
                json,
            }
            .into_response();
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return r;
        }
    }
    if let Err(e) = s.0.cfg.check_writable("publish") {
        return Refusal {
            status: StatusCode::FORBIDDEN,
            reason: e.to_string(),
            json,
        }
        .into_response();
    }
    next.run(req).await
}

/// `Authorization: Bearer <token>`, compared in time independent of where the
/// first difference is.
fn bearer_matches(headers: &HeaderMap, token: &Secret) -> bool {
    let Some(given) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    let (a, b) = (given.trim().as_bytes(), token.expose().as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The query string's parameters, then a form body's (a parameter in both is
/// given twice, which [`Params`] refuses).
async fn params(req: Request, json: bool) -> Result<Params, Refusal> {
    let refusal = |status, reason| Refusal {
        status,
        reason,
        json,
    };
    let Query(mut pairs) = Query::<Vec<(String, String)>>::try_from_uri(req.uri())
        .map_err(|e| refusal(StatusCode::BAD_REQUEST, e.body_text()))?;
    let form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if form {
        let Form(body) = Form::<Vec<(String, String)>>::from_request(req, &())
            .await
            .map_err(|e| refusal(e.status(), e.body_text()))?;
        pairs.extend(body);
    }
    Ok(Params(pairs))
}

async fn created(s: State<ApiState>, req: Request) -> Response {
    publish_one(s, req, Params::created).await
}

async fn read(s: State<ApiState>, req: Request) -> Response {
    publish_one(s, req, Params::read).await
}

async fn deleted(s: State<ApiState>, req: Request) -> Response {
    publish_one(s, req, Params::deleted).await
}

type EventOf = fn(&Params, EventTime) -> Result<MessageEvent, super::params::ParamError>;

async fn publish_one(State(s): State<ApiState>, req: Request, event_of: EventOf) -> Response {
    let json = wants_json(req.headers());
    let event = match params(req, json).await.and_then(|p| {
        event_of(&p, EventTime::now()).map_err(|e| Refusal {
            status: StatusCode::BAD_REQUEST,
            reason: e.to_string(),
            json,
        })
    }) {
        Ok(e) => e,
        Err(r) => return r.into_response(),
    };
    let topic = s.0.cfg.topic_for(event.kind());
    let sent = tokio::time::timeout(
        s.0.timeout + REPORT_GRACE,
        s.0.publisher.publish_event(topic, &event),
    )
    .await;
    let delivered = match sent {
        Ok(Ok(d)) => d,
        Ok(Err(e)) => return unavailable(&s, &format!("not delivered: {}", error_line(&e)), json),
        Err(_) => {
            let why = format!(
                "no delivery report within {}",
                humantime::format_duration(s.0.timeout)
            );
            return unavailable(&s, &why, json);
        }
    };
    tracing::info!(
        topic,
        partition = delivered.partition,
        offset = delivered.offset,
        message_id = event.message_id(),
        "published over HTTP"
    );
    if json {
        let body = serde_json::json!({
            "topic": delivered.topic,
            "partition": delivered.partition,
            "offset": delivered.offset,
            "key": event.message_id().to_string(),
            "event": serde_json::from_str::<serde_json::Value>(&event.to_json()).unwrap_or_default(),
        });
        return Json(body).into_response();
    }
    delivered.report(&event).into_response()
}

/// 503 with the reason, secrets masked.
fn unavailable(s: &ApiState, reason: &str, json: bool) -> Response {
    let reason = kaftop_core::kafka::client::mask_secrets(reason, s.0.cfg.secret_values());
    tracing::warn!(%reason, "publish refused");
    Refusal {
        status: StatusCode::SERVICE_UNAVAILABLE,
        reason,
        json,
    }
    .into_response()
}

/// `bulk-test?count=N`: created events with fresh message ids, as fast as the
/// cluster takes them; answers the seed's sentence once every one is delivered.
async fn bulk_test(State(s): State<ApiState>, req: Request) -> Response {
    let json = wants_json(req.headers());
    let count = match params(req, json).await.and_then(|p| {
        p.bulk_count().map_err(|e| Refusal {
            status: StatusCode::BAD_REQUEST,
            reason: e.to_string(),
            json,
        })
    }) {
        Ok(n) => n,
        Err(r) => return r.into_response(),
    };
    let start_id = fresh_message_id(chrono::Utc::now().timestamp_millis());
    if let Err(e) = validation::id_range(start_id, count) {
        return unavailable(&s, &format!("no message ids left: {e}"), json);
    }
    let spec = BulkSpec {
        count,
        kind: BulkType::Created,
        rate: None,
        start_id,
    };
    let progress = Arc::new(BulkProgress::default());
    let run = {
        let (s, progress) = (s.clone(), progress.clone());
        tokio::task::spawn_blocking(move || bulk::run(&s.0.cfg, &spec, progress))
    };
    let cancel_on_drain = {
        let (draining, progress) = (s.0.draining.clone(), progress.clone());
        async move {
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            loop {
                tick.tick().await;
                if draining.load(std::sync::atomic::Ordering::Relaxed) {
                    progress
                        .cancel
                        .store(true, std::sync::atomic::Ordering::Relaxed);
                    return;
                }
            }
        }
    };
    let watcher = tokio::spawn(cancel_on_drain);
    let report = run.await;
    watcher.abort();
    let report = match report {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => {
            return unavailable(&s, &format!("bulk test failed: {}", error_line(&e)), json)
        }
        Err(e) => return unavailable(&s, &format!("bulk test failed: {e}"), json),
    };
    tracing::info!(summary = %report.summary_line(), "bulk test over HTTP");
    let complete = report.delivered == report.requested;
    let status = if complete {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    if json {
        let mut body = serde_json::to_value(&report).unwrap_or_default();
        if let Some(o) = body.as_object_mut() {
            o.insert("summary".into(), report.summary_line().into());
        }
        return (status, Json(body)).into_response();
    }
    let mut text = report.summary_line();
    if !complete {
        for l in report.failure_lines() {
            text.push('\n');
            text.push_str(&l);
        }
    }
    (status, text).into_response()
}
