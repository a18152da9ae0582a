//! The I/O side: carries out [`Command`]s on threads of its own and reports
//! back with [`Event`]s over the channel. It owns every Kafka client the
//! dashboard uses; it never sees the app's state. Its threads are all
//! [`Worker`]s (steered) or [`Job`]s (one-shot).

mod ops;
mod search;

use std::sync::atomic::Ordering;
use std::sync::mpsc::{RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::Duration;

use kaftop_core::config::Resolved;
use kaftop_core::kafka::bulk::{self, BulkProgress};
use kaftop_core::kafka::peek;
use kaftop_core::kafka::progress::ReadProgress;
use kaftop_core::kafka::publisher::Publisher;
use kaftop_core::kafka::sampler::{self, SamplerHandle, SamplerOptions, StartAt};
use kaftop_core::metrics::ClusterMetrics;
use kaftop_core::monitor::{Monitor, MonitorHandle, MonitorOptions, ALL_ROWS_HELD_UP_TO};
use kaftop_core::report::{incident, save, Incident};
use kaftop_core::worker::{Job, Worker};
use kaftop_services::{
    self as services, ServicesError, ServicesHandle, ServicesOptions, ALL_SERVICES,
};

use crate::registry::HttpRegistry;
use crate::schema_publish::{self, Part, SchemaChoice};
use crate::tui::command::{Command, Replaced};
use crate::tui::event::Event;

/// How often the bulk gauge and the services view are updated while active.
const BULK_PROGRESS_EVERY: Duration = Duration::from_millis(100);
const SERVICES_EVERY: Duration = Duration::from_secs(1);
/// How long quitting waits for the services to leave their groups.
const SERVICES_SHUTDOWN: Duration = Duration::from_secs(15);
/// The overview's ticker: a glance, so a few short records a second per topic.
const TICKER: SamplerOptions = SamplerOptions {
    max_value_bytes: 512,
    max_per_sec: 2,
    batch_interval: Duration::from_secs(1),
    decoder: None,
};

/// How often the progress of a running refresh is looked at.
const READING_EVERY: Duration = Duration::from_millis(100);

/// Sends `Event::Reading` whenever the running refresh's progress changed, so the
/// header can say "reading N of M groups" while a long refresh runs.
fn watch_progress(progress: Arc<ReadProgress>, tx: Sender<Event>) -> Worker<()> {
    Worker::spawn("kaftop-reading", move |rx| {
        let mut last = None;
        loop {
            let now = progress.now();
            if last != Some(now) {
                last = Some(now);
                if tx.send(Event::Reading(now)).is_err() {
                    return;
                }
            }
            match rx.recv_timeout(READING_EVERY) {
                Err(RecvTimeoutError::Timeout) => {}
                _ => return,
            }
        }
    })
}

/// What the dashboard runs on besides its config: the monitor's options and,
/// for the demo, services that already run and that the Services view attaches to.
#[derive(Clone)]
pub struct IoOptions {
    pub monitor: MonitorOptions,
    pub services: Option<Arc<ServicesHandle>>,
    /// Quit by itself after this long (a bounded demo run).
    pub quit_after: Option<Duration>,
}

impl IoOptions {
    pub fn for_config(cfg: &Resolved) -> Self {
        IoOptions {
            monitor: MonitorOptions::from_config(cfg, kaftop_services::service_groups(cfg)),
            services: None,
            quit_after: None,
        }
    }
}

pub struct Io {
    cfg: Resolved,
    /// Services started by someone else (the demo): started and stopped here,
    /// never shut down.
    attached_services: Option<Arc<ServicesHandle>>,
    tx: Sender<Event>,
    rt: tokio::runtime::Handle,
    poller: Option<MonitorHandle>,
    /// Reports how far the running refresh has got; held to be stopped on drop.
    _reading: Worker<()>,
    sampler: Option<SamplerHandle>,
    /// The overview's ticker: one sampler per busiest topic.
    ticker: Vec<SamplerHandle>,
    /// The Messages view's running search: set, it stops.
    search: Option<Arc<std::sync::atomic::AtomicBool>>,
    publisher: Option<Arc<Publisher>>,
    bulk: Option<Arc<BulkProgress>>,
    /// Reports the services' counters; told to stop, it stops them.
    services: Option<Worker<()>>,
    /// The profile's schema registry and local schema files, for records shown.
    decoder: Option<Arc<kaftop_core::schema::Decoder>>,
    /// The registry the free-form record is encoded with (made when first needed).
    registry: Option<Arc<HttpRegistry>>,
}

impl Io {
    /// Starts the monitor: cluster metrics arrive as `Event::Cluster`.
    pub fn start(
        cfg: Resolved,
        opts: IoOptions,
        tx: Sender<Event>,
        rt: tokio::runtime::Handle,
    ) -> Io {
        let progress = ReadProgress::shared();
        let mut monitor_opts = opts.monitor;
        monitor_opts.read.progress = Some(Arc::clone(&progress));
        // One table is shown at a time (`kaftop_core::monitor::keep_rows_shown`).
        monitor_opts.shown_rows_only_above = Some(ALL_ROWS_HELD_UP_TO);
        let poller = match Monitor::new(&cfg, monitor_opts) {
            Ok(monitor) => {
                // The monitor folds snapshots on its own thread: the app receives
                // finished metrics and stays a plain state machine.
                let (tx, focused) = (tx.clone(), tx.clone());
                Some(monitor.spawn_focused(
                    move |refresh| {
                        tx.send(Event::Pace(refresh.pace)).is_ok()
                            && tx.send(Event::Cluster(Box::new(refresh.metrics))).is_ok()
                    },
                    move |f| focused.send(Event::Focus(Box::new(f.metrics))).is_ok(),
                ))
            }
            Err(e) => {
                let _ = tx.send(Event::IoError(e.to_string()));
                None
            }
        };
        let reading = watch_progress(progress, tx.clone());
        let decoder = crate::registry::decoder(&cfg).unwrap_or_else(|e| {
            tracing::warn!("schema registry: {e:#}");
            None
        });
        let mut io = Io {
            decoder,
            registry: None,
            cfg,
            attached_services: opts.services,
            tx,
            rt,
            poller,
            _reading: reading,
            sampler: None,
            ticker: Vec::new(),
            search: None,
            publisher: None,
            bulk: None,
            services: None,
        };
        if io.attached_services.is_some() {
            // Already running: show them from the first frame.
            io.start_services();
        }
        io
    }

    pub fn execute(&mut self, cmd: Command) {
        match cmd {
            Command::RefreshNow => {
                if let Some(p) = &self.poller {
                    p.refresh_now();
                }
            }
            Command::Copy(text) => {
                // The terminal is drawn on this thread too: no frame is cut.
                if let Err(e) = copy_to_clipboard(&text) {
                    let _ = self
                        .tx
                        .send(Event::IoError(format!("copying to the clipboard: {e}")));
                }
            }
            Command::SetInterval(d) => {
                if let Some(p) = &self.poller {
                    p.interval(d);
                }
            }
            Command::Focus(f) => {
                if let Some(p) = &self.poller {
                    p.focus(f);
                }
            }
            Command::Replaced(Replaced(metrics)) => {
                if let Some(p) = &self.poller {
                    p.replaced(*metrics);
                }
            }
            Command::StartTail {
                session,
                topic,
                start,
            } => {
                self.stop_sampler();
                let tx = self.tx.clone();
                self.sampler = Some(sampler::spawn(
                    self.cfg.clone(),
                    topic,
                    start,
                    SamplerOptions {
                        decoder: self.decoder.clone(),
                        ..SamplerOptions::default()
                    },
                    move |event| tx.send(Event::Sampler { session, event }).is_ok(),
                ));
            }
            Command::StartTicker { session, topics } => {
                self.stop_ticker();
                for topic in topics {
                    let tx = self.tx.clone();
                    self.ticker.push(sampler::spawn(
                        self.cfg.clone(),
                        topic,
                        StartAt::End,
                        SamplerOptions {
                            decoder: self.decoder.clone(),
                            ..TICKER
                        },
                        move |event| tx.send(Event::Ticker { session, event }).is_ok(),
                    ));
                }
            }
            Command::StopTicker => self.stop_ticker(),
            Command::StartSearch {
                search,
                topic,
                filter,
                since_ms,
                keep,
            } => {
                self.stop_search();
                self.search = Some(search::spawn(search::SearchJob {
                    cfg: self.cfg.clone(),
                    topic,
                    filter,
                    since_ms,
                    keep,
                    decoder: self.decoder.clone(),
                    session: search,
                    tx: self.tx.clone(),
                }));
            }
            Command::StopSearch => self.stop_search(),
            Command::WriteIncident(metrics) => {
                let (cfg, tx) = (self.cfg.clone(), self.tx.clone());
                let decoder = self.decoder.clone();
                Job::spawn("kaftop-incident", move || {
                    let written = write_incident(&cfg, &metrics, decoder.as_deref());
                    let _ = tx.send(Event::IncidentWritten(written));
                });
            }
            Command::PauseTail => {
                if let Some(s) = &self.sampler {
                    s.pause();
                }
            }
            Command::ResumeTail => {
                if let Some(s) = &self.sampler {
                    s.resume();
                }
            }
            Command::PublishEvent {
                request,
                topic,
                event,
            } => {
                let value = event.to_json();
                let key = event.message_id().to_string();
                self.publish(request, topic, Some(key), Vec::new(), value, None);
            }
            Command::PublishRecord {
                request,
                topic,
                key,
                headers,
                value,
                schema,
            } => self.publish(request, topic, key, headers, value, schema),
            Command::StartBulk(spec) => self.start_bulk(spec),
            Command::CancelBulk => {
                if let Some(p) = &self.bulk {
                    p.cancel.store(true, Ordering::Relaxed);
                }
            }
            Command::StartServices => self.start_services(),
            Command::PlanOp { id, request } => ops::plan(
                &self.cfg,
                self.decoder.clone(),
                &self.rt,
                &self.tx,
                id,
                request,
            ),
            Command::ExecuteOp { id, plan } => {
                ops::execute(&self.cfg, &self.rt, &self.tx, id, plan)
            }
            Command::StopServices => {
                // The runner stops them and reports when done.
                if let Some(r) = self.services.take() {
                    r.detach();
                }
            }
        }
    }

    fn stop_sampler(&mut self) {
        if let Some(old) = self.sampler.take() {
            // Stopping joins the thread, which may be inside a metadata call:
            // never make the UI wait for it.
            Job::spawn("kaftop-tail-stop", move || old.stop());
        }
    }

    fn stop_search(&mut self) {
        if let Some(cancel) = self.search.take() {
            cancel.store(true, Ordering::Relaxed);
        }
    }

    fn stop_ticker(&mut self) {
        let old = std::mem::take(&mut self.ticker);
        if !old.is_empty() {
            Job::spawn("kaftop-ticker-stop", move || {
                old.into_iter().for_each(SamplerHandle::stop)
            });
        }
    }

    fn publisher(&mut self) -> Result<Arc<Publisher>, String> {
        if let Some(p) = &self.publisher {
            return Ok(p.clone());
        }
        let p = Arc::new(Publisher::new(&self.cfg).map_err(|e| e.to_string())?);
        self.publisher = Some(p.clone());
        Ok(p)
    }

    /// The profile's registry, made on the first publish with a schema.
    fn registry(&mut self) -> Result<Arc<HttpRegistry>, String> {
        if let Some(r) = &self.registry {
            return Ok(r.clone());
        }
        let r = Arc::new(schema_publish::registry(&self.cfg).map_err(|e| format!("{e:#}"))?);
        self.registry = Some(r.clone());
        Ok(r)
    }

    fn publish(
        &mut self,
        request: u64,
        topic: String,
        key: Option<String>,
        headers: Vec<(String, String)>,
        value: String,
        schema: Option<SchemaChoice>,
    ) {
        let tx = self.tx.clone();
        let publisher = match self.publisher() {
            Ok(p) => p,
            Err(e) => {
                let _ = tx.send(Event::Published {
                    request,
                    result: Err(e),
                });
                return;
            }
        };
        let schema = match schema.map(|c| self.registry().map(|r| (c, r))) {
            Some(Err(reason)) => {
                let _ = tx.send(Event::PublishRefused {
                    request,
                    field: "subject",
                    reason,
                });
                return;
            }
            Some(Ok(with)) => Some(with),
            None => None,
        };
        self.rt.spawn(async move {
            // With a schema, the same encoding as `kaftop publish --schema-subject`,
            // off the runtime's threads (the registry client blocks).
            let (key, value) = match schema {
                Some((choice, registry)) => {
                    let typed_key = key.clone();
                    let encoded = tokio::task::spawn_blocking(move || {
                        encode_for_form(&registry, &choice, typed_key.as_deref(), &value)
                    })
                    .await;
                    match encoded {
                        Ok(Ok(e)) => (e.key.or_else(|| key.map(String::into_bytes)), e.value),
                        Ok(Err((field, reason))) => {
                            let _ = tx.send(Event::PublishRefused {
                                request,
                                field,
                                reason,
                            });
                            return;
                        }
                        Err(e) => {
                            let _ = tx.send(Event::Published {
                                request,
                                result: Err(format!("publish aborted: {e}")),
                            });
                            return;
                        }
                    }
                }
                None => (key.map(String::into_bytes), value.into_bytes()),
            };
            // A missing topic fails in a second instead of after the delivery timeout.
            let check = {
                let (p, t) = (publisher.clone(), topic.clone());
                tokio::task::spawn_blocking(move || p.check_topic(&t)).await
            };
            let result = match check {
                Ok(Ok(())) => publisher
                    .publish(&topic, key.as_deref(), &headers, &value)
                    .await
                    .map_err(|e| e.to_string()),
                Ok(Err(e)) => Err(e.to_string()),
                Err(e) => Err(format!("publish aborted: {e}")),
            };
            if let Err(e) = &result {
                tracing::warn!(topic, error = %e, "publish from the panel failed");
            }
            let _ = tx.send(Event::Published { request, result });
        });
    }

    fn start_bulk(&mut self, spec: bulk::BulkSpec) {
        let progress = Arc::new(BulkProgress::default());
        self.bulk = Some(progress.clone());
        let (cfg, tx) = (self.cfg.clone(), self.tx.clone());
        let spawned = Job::try_spawn("kaftop-bulk", move || {
            let watcher = {
                let (progress, tx) = (progress.clone(), tx.clone());
                Worker::<()>::spawn("kaftop-bulk-progress", move |stop| loop {
                    match stop.recv_timeout(BULK_PROGRESS_EVERY) {
                        Err(RecvTimeoutError::Timeout) => {
                            let ev = Event::BulkProgress {
                                queued: progress.queued.load(Ordering::Relaxed),
                                delivered: progress.delivered.load(Ordering::Relaxed),
                                failed: progress.failed.load(Ordering::Relaxed),
                            };
                            if tx.send(ev).is_err() {
                                return;
                            }
                        }
                        _ => return,
                    }
                })
            };
            let result = bulk::run(&cfg, &spec, progress).map_err(|e| e.to_string());
            watcher.stop();
            let _ = tx.send(Event::BulkDone(result));
        });
        if let Err(e) = spawned {
            let _ = self
                .tx
                .send(Event::BulkDone(Err(format!("cannot start a thread: {e}"))));
        }
    }

    fn start_services(&mut self) {
        match &self.services {
            // A runner whose thread ended (a failed start) does not count.
            Some(r) if !r.is_finished() => return,
            _ => self.services = None,
        }
        let (cfg, tx) = (self.cfg.clone(), self.tx.clone());
        let attached = self.attached_services.clone();
        let spawned = Worker::<()>::try_spawn("kaftop-services", move |stop_rx| {
            let handle = match attached {
                Some(h) => match start_missing(&h) {
                    Ok(()) => h,
                    Err(e) => {
                        let _ = tx.send(Event::ServicesStopped(Some(e.to_string())));
                        return;
                    }
                },
                None => {
                    match services::start(&cfg, ServicesOptions::for_config(&cfg), &ALL_SERVICES) {
                        Ok(h) => Arc::new(h),
                        Err(e) => {
                            let _ = tx.send(Event::ServicesStopped(Some(e.to_string())));
                            return;
                        }
                    }
                }
            };
            loop {
                if tx.send(Event::Services(Box::new(handle.stats()))).is_err() {
                    break;
                }
                match stop_rx.recv_timeout(SERVICES_EVERY) {
                    Err(RecvTimeoutError::Timeout) => continue,
                    _ => break,
                }
            }
            // A clean stop: finish the batch, commit, leave the groups.
            handle.stop_all();
            let _ = tx.send(Event::Services(Box::new(handle.stats())));
            let _ = tx.send(Event::ServicesStopped(None));
        });
        match spawned {
            Ok(runner) => self.services = Some(runner),
            Err(e) => {
                let _ = self.tx.send(Event::ServicesStopped(Some(format!(
                    "cannot start a thread: {e}"
                ))));
            }
        }
    }

    /// Stops everything: the tail, the poller, a running bulk test (what is
    /// queued is still delivered) and the services, which get a bounded time to
    /// finish their batch, commit and leave their groups. Clients blocked in a
    /// request are not waited for: the process is about to exit.
    pub fn services_running(&self) -> bool {
        self.services.is_some()
    }

    pub fn shutdown(mut self) {
        if let Some(p) = &self.bulk {
            p.cancel.store(true, Ordering::Relaxed);
        }
        self.stop_search();
        let (sampler, poller) = (self.sampler.take(), self.poller.take());
        let ticker = std::mem::take(&mut self.ticker);
        Job::spawn("kaftop-stop-clients", move || {
            drop(sampler);
            drop(ticker);
            drop(poller);
        });
        if let Some(r) = self.services.take() {
            r.stop_within(SERVICES_SHUTDOWN);
        }
    }
}

/// Reads the records at the stuck offsets and writes the snapshot to the
/// data dir.
fn write_incident(
    cfg: &Resolved,
    metrics: &ClusterMetrics,
    decoder: Option<&kaftop_core::schema::Decoder>,
) -> Result<(std::path::PathBuf, std::path::PathBuf), String> {
    let records = peek::records_at(cfg, &incident::wanted_records(metrics), decoder);
    let report = Incident::build(metrics, &records);
    let path = save::default_path(&cfg.data_dir, metrics.taken_at_ms);
    save::write(&report, &path).map_err(|e| format!("writing {}: {e}", path.display()))
}

/// Starts the services of an attached handle that are not running.
fn start_missing(handle: &ServicesHandle) -> Result<(), ServicesError> {
    let running = handle.running();
    ALL_SERVICES
        .iter()
        .filter(|s| !running.contains(s))
        .try_for_each(|&s| handle.start_service(s))
}

/// OSC 52: the terminal (or tmux, or the terminal at the other end of SSH) puts
/// `text` on the system clipboard.
fn copy_to_clipboard(text: &str) -> std::io::Result<()> {
    use base64::Engine as _;
    use std::io::Write as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let mut out = std::io::stdout().lock();
    write!(out, "\x1b]52;c;{encoded}\x07")?;
    out.flush()
}

/// The form's value (JSON) and key encoded with its subjects, or the form's
/// field that is wrong and why.
fn encode_for_form(
    registry: &HttpRegistry,
    choice: &SchemaChoice,
    key: Option<&str>,
    value: &str,
) -> Result<schema_publish::Encoded, (&'static str, String)> {
    let value: serde_json::Value =
        serde_json::from_str(value).map_err(|e| ("value", format!("not JSON: {e}")))?;
    schema_publish::encode_record(registry, choice, key, &value).map_err(|r| {
        let field = match r.part {
            Part::Subject => "subject",
            Part::KeySubject => "keySubject",
            Part::Value => "value",
            Part::Key => "key",
        };
        (field, r.to_string())
    })
}
