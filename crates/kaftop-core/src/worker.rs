//! The one worker abstraction: a background thread steered through a control
//! channel (the poller, the live tail). Dropping the handle stops the thread and
//! waits for it.

use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;

/// A control message type with a "stop" message.
pub trait Control: Send + 'static {
    const STOP: Self;
}

pub struct Worker<C: Control> {
    tx: Sender<C>,
    thread: Option<JoinHandle<()>>,
}

impl<C: Control> Worker<C> {
    /// Runs `body` on a thread named `name`, with the receiving end of the control
    /// channel. If the thread cannot be started, the handle is inert.
    pub fn spawn(name: &str, body: impl FnOnce(Receiver<C>) + Send + 'static) -> Self {
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || body(rx))
            .map_err(|e| tracing::error!(thread = name, error = %e, "cannot start thread"))
            .ok();
        Worker { tx, thread }
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
}
