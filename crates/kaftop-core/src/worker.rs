//! The one worker abstraction for background threads, in two kinds:
//! - [`Worker`]: a thread steered through a control channel (the poller, the
//!   live tail, the dashboard's services runner). Dropping the handle stops the
//!   thread and waits for it; [`Worker::detach`] and [`Worker::stop_within`] stop
//!   it without waiting, or waiting a bounded time.
//! - [`Job`]: a one-shot thread that runs a closure to its end, unwaited (the
//!   bulk test, the terminal reader, a slow shutdown handed off the UI thread).
//! - [`FlagWorker`]: a loop that checks a stop flag, for work that must notice a
//!   stop deep inside a blocking step where no channel is read (the services'
//!   consumers waiting on a full DLQ queue or a busy store, the demo's traffic).
//!   Several can be told to stop at once and joined after.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A control message type with a "stop" message.
pub trait Control: Send + 'static {
    const STOP: Self;
}

/// A worker that can only be told to stop.
impl Control for () {
    const STOP: Self = ();
}

/// How often a bounded wait looks whether a thread has ended.
const JOIN_POLL: Duration = Duration::from_millis(10);

fn start(name: &str, body: impl FnOnce() + Send + 'static) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new().name(name.into()).spawn(body)
}

/// Waits up to `timeout` for `thread`; true when it ended (and was joined).
fn join_within(thread: JoinHandle<()>, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while !thread.is_finished() {
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(JOIN_POLL);
    }
    let _ = thread.join();
    true
}

pub struct Worker<C: Control> {
    tx: Sender<C>,
    thread: Option<JoinHandle<()>>,
}

impl<C: Control> Worker<C> {
    /// Runs `body` on a thread named `name`, with the receiving end of the control
    /// channel. If the thread cannot be started, the handle is inert.
    pub fn spawn(name: &str, body: impl FnOnce(Receiver<C>) + Send + 'static) -> Self {
        Self::try_spawn(name, body).unwrap_or_else(|e| {
            tracing::error!(thread = name, error = %e, "cannot start thread");
            let (tx, _) = mpsc::channel();
            Worker { tx, thread: None }
        })
    }

    /// [`Worker::spawn`] for callers that report a thread that cannot start.
    pub fn try_spawn(
        name: &str,
        body: impl FnOnce(Receiver<C>) + Send + 'static,
    ) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::channel();
        let thread = start(name, move || body(rx))?;
        Ok(Worker {
            tx,
            thread: Some(thread),
        })
    }

    /// True once the thread has ended (or never started).
    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Tells the thread to stop and lets it finish on its own, unwaited.
    pub fn detach(mut self) {
        let _ = self.tx.send(C::STOP);
        self.thread = None;
    }

    /// Tells the thread to stop and waits at most `timeout` for it; true when it
    /// ended in time (otherwise it finishes on its own, unwaited).
    pub fn stop_within(mut self, timeout: Duration) -> bool {
        let _ = self.tx.send(C::STOP);
        self.thread.take().is_none_or(|t| join_within(t, timeout))
    }

    /// Sends a control message; a stopped thread ignores it.
    pub fn send(&self, c: C) {
        let _ = self.tx.send(c);
    }

    /// Stops the thread and waits for it.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        let _ = self.tx.send(C::STOP);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl<C: Control> Drop for Worker<C> {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// One-shot jobs: a thread that runs a closure to its end and that nobody
/// waits for (it reports over a channel of its own, if at all).
pub enum Job {}

impl Job {
    /// Runs `body` on a thread named `name`.
    pub fn try_spawn(name: &str, body: impl FnOnce() + Send + 'static) -> std::io::Result<()> {
        start(name, body).map(drop)
    }

    /// [`Job::try_spawn`], logging a thread that cannot start.
    pub fn spawn(name: &str, body: impl FnOnce() + Send + 'static) {
        if let Err(e) = start(name, body) {
            tracing::error!(thread = name, error = %e, "cannot start thread");
        }
    }
}

/// The flag a [`FlagWorker`]'s body checks; set once, never cleared.
pub type StopFlag = Arc<AtomicBool>;

/// A thread whose body polls a [`StopFlag`]. Dropping the handle stops the thread
/// and waits for it.
pub struct FlagWorker {
    stop: StopFlag,
    thread: Option<JoinHandle<()>>,
}

impl FlagWorker {
    /// Runs `body` on a thread named `name`, with the flag it must check.
    pub fn try_spawn(
        name: &str,
        body: impl FnOnce(StopFlag) + Send + 'static,
    ) -> std::io::Result<Self> {
        let stop = StopFlag::default();
        let flag = stop.clone();
        let thread = start(name, move || body(flag))?;
        Ok(FlagWorker {
            stop,
            thread: Some(thread),
        })
    }

    /// Sets the flag without waiting: to stop several workers at once, ask each,
    /// then [`FlagWorker::stop`] each.
    pub fn ask_to_stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    /// Sets the flag and waits for the thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.ask_to_stop();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for FlagWorker {
    fn drop(&mut self) {
        self.shutdown();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    enum Msg {
        Add(u32),
        Stop,
    }

    impl Control for Msg {
        const STOP: Self = Msg::Stop;
    }

    #[test]
    fn messages_arrive_and_drop_stops_and_joins() {
        let total = Arc::new(AtomicU32::new(0));
        let seen = total.clone();
        let w = Worker::spawn("test-worker", move |rx| {
            while let Ok(Msg::Add(n)) = rx.recv() {
                seen.fetch_add(n, Ordering::SeqCst);
            }
        });
        w.send(Msg::Add(2));
        w.send(Msg::Add(3));
        drop(w); // sends Stop after the adds, then joins
        assert_eq!(total.load(Ordering::SeqCst), 5);
    }

    #[test]
    fn a_unit_worker_runs_until_told_to_stop() {
        let w: Worker<()> = Worker::spawn("test-unit", |rx| {
            let _ = rx.recv();
        });
        assert!(!w.is_finished());
        assert!(w.stop_within(Duration::from_secs(5)));
    }

    #[test]
    fn stop_within_gives_up_on_a_slow_thread() {
        let (release, wait) = mpsc::channel::<()>();
        let w: Worker<()> = Worker::spawn("test-slow", move |_rx| {
            let _ = wait.recv();
        });
        assert!(!w.stop_within(Duration::from_millis(50)));
        release.send(()).unwrap();
    }

    #[test]
    fn detach_stops_without_waiting() {
        let (done_tx, done_rx) = mpsc::channel();
        let w: Worker<()> = Worker::try_spawn("test-detach", move |rx| {
            let _ = rx.recv();
            done_tx.send(()).unwrap();
        })
        .unwrap();
        w.detach();
        done_rx.recv_timeout(Duration::from_secs(5)).unwrap();
    }

    #[test]
    fn jobs_run_to_their_end_on_their_own_thread() {
        let (tx, rx) = mpsc::channel();
        Job::try_spawn("test-job", move || {
            let name = std::thread::current().name().map(str::to_string);
            tx.send(name).unwrap();
        })
        .unwrap();
        let name = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(name.as_deref(), Some("test-job"));

        let (tx, rx) = mpsc::channel();
        Job::spawn("test-logged-job", move || tx.send(7).unwrap());
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), 7);
    }

    #[test]
    fn flag_workers_are_asked_together_and_joined() {
        let done = Arc::new(AtomicU32::new(0));
        let spawn = |done: Arc<AtomicU32>| {
            FlagWorker::try_spawn("test-flag", move |stop| {
                while !stop.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(1));
                }
                done.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap()
        };
        let (a, b) = (spawn(done.clone()), spawn(done.clone()));
        a.ask_to_stop();
        b.ask_to_stop();
        a.stop();
        drop(b);
        assert_eq!(done.load(Ordering::SeqCst), 2);
    }
}
