//! STOMP heart-beating: CONNECT's `heart-beat:cx,cy` (the client can send every
//! `cx` ms, wants to receive every `cy` ms; 0 = never) against the server's own
//! pair gives the period of each direction. The server's beats tell a client that
//! the connection lives; the client's let the server drop a dead client that
//! would otherwise stay registered until its queue filled.

use std::time::Duration;

/// What the server offers in CONNECTED: it can send every 10 s and wants a beat
/// from the client every 10 s.
pub(crate) const SERVER: (u64, u64) = (10_000, 10_000);

/// The periods agreed for one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HeartBeat {
    /// How often the server sends an EOL.
    pub(crate) send: Option<Duration>,
    /// How often the client promised to send something.
    pub(crate) expect: Option<Duration>,
}

impl HeartBeat {
    /// From CONNECT's `heart-beat` header (absent: no heart-beats).
    pub(crate) fn negotiate(header: Option<&str>) -> Result<Self, String> {
        let (cx, cy) = match header {
            None => (0, 0),
            Some(h) => {
                let parse = |s: &str| s.trim().parse::<u64>().ok();
                match h.split_once(',') {
                    Some((x, y)) => match (parse(x), parse(y)) {
                        (Some(x), Some(y)) => (x, y),
                        _ => return Err(format!("invalid heart-beat {h:?}")),
                    },
                    None => return Err(format!("invalid heart-beat {h:?}")),
                }
            }
        };
        let (sx, sy) = SERVER;
        let period = |a: u64, b: u64| (a > 0 && b > 0).then(|| Duration::from_millis(a.max(b)));
        Ok(HeartBeat {
            send: period(sx, cy),
            expect: period(cx, sy),
        })
    }

    /// How long the server waits for the client's next bytes before it counts the
    /// client as dead: twice the period, as stompjs does for the other direction.
    pub(crate) fn silence_limit(&self) -> Option<Duration> {
        self.expect.map(|d| d * 2)
    }
}

/// The server's `heart-beat` header in CONNECTED.
pub(crate) fn server_header() -> String {
    format!("{},{}", SERVER.0, SERVER.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEN: Option<Duration> = Some(Duration::from_secs(10));

    #[test]
    fn each_direction_takes_the_slower_of_the_two() {
        // stompjs' default.
        let hb = HeartBeat::negotiate(Some("10000,10000")).unwrap();
        assert_eq!((hb.send, hb.expect), (TEN, TEN));
        let hb = HeartBeat::negotiate(Some("4000,25000")).unwrap();
        assert_eq!(hb.send, Some(Duration::from_secs(25)));
        assert_eq!(hb.expect, TEN);
        assert_eq!(hb.silence_limit(), Some(Duration::from_secs(20)));
    }

    #[test]
    fn zero_or_absent_means_none() {
        let none = HeartBeat {
            send: None,
            expect: None,
        };
        assert_eq!(HeartBeat::negotiate(None).unwrap(), none);
        assert_eq!(HeartBeat::negotiate(Some("0,0")).unwrap(), none);
        let hb = HeartBeat::negotiate(Some("0,5000")).unwrap();
        assert_eq!((hb.send, hb.expect), (TEN, None));
    }

    #[test]
    fn malformed_is_an_error() {
        for h in ["", "10", "a,b", "1,-1", "1;1"] {
            assert!(HeartBeat::negotiate(Some(h)).is_err(), "{h}");
        }
    }
}
