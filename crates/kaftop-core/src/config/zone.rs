//! `services.zone`: the zone the events' local times are written in. Analytics files
//! an event under the date of its own timestamp as written; the Services view's
//! "today" must be that same calendar's today, not UTC's.

use chrono::{DateTime, FixedOffset, Local, NaiveDate, Offset, Utc};
use serde::{Serialize, Serializer};

/// The zone of the events' `LocalDateTime`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ServicesZone {
    /// The machine's zone (the default: the seed writes `LocalDateTime.now()`).
    #[default]
    Local,
    /// A fixed offset from UTC (`UTC`, `+09:00`).
    Fixed(FixedOffset),
}

impl ServicesZone {
    /// `local`, `UTC` / `Z`, or an offset `+HH:MM` / `-HH:MM`.
    pub fn parse(s: Option<&str>) -> Result<ServicesZone, String> {
        let Some(s) = s.map(str::trim) else {
            return Ok(ServicesZone::Local);
        };
        if s.eq_ignore_ascii_case("local") {
            return Ok(ServicesZone::Local);
        }
        if s.eq_ignore_ascii_case("utc") || s == "Z" {
            return Ok(ServicesZone::Fixed(Utc.fix()));
        }
        s.parse::<FixedOffset>()
            .map(ServicesZone::Fixed)
            .map_err(|_| format!("`{s}` is not `local`, `UTC` or an offset such as +09:00"))
    }

    /// The date at `now` in this zone.
    pub fn date(&self, now: DateTime<Utc>) -> NaiveDate {
        match self {
            ServicesZone::Local => now.with_timezone(&Local).date_naive(),
            ServicesZone::Fixed(o) => now.with_timezone(o).date_naive(),
        }
    }
}

impl std::fmt::Display for ServicesZone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServicesZone::Local => f.write_str("local"),
            ServicesZone::Fixed(o) => write!(f, "{o}"),
        }
    }
}

impl Serialize for ServicesZone {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_and_the_date_they_give() {
        let t = DateTime::parse_from_rfc3339("2026-11-24T20:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let seoul = ServicesZone::parse(Some("+09:00")).unwrap();
        assert_eq!(seoul.date(t).to_string(), "2026-11-25");
        assert_eq!(
            ServicesZone::parse(Some("UTC"))
                .unwrap()
                .date(t)
                .to_string(),
            "2026-11-24"
        );
        assert_eq!(ServicesZone::parse(None).unwrap(), ServicesZone::Local);
        assert_eq!(
            ServicesZone::parse(Some("local")).unwrap(),
            ServicesZone::Local
        );
        let e = ServicesZone::parse(Some("Asia/Seoul")).unwrap_err();
        assert!(e.contains("not `local`, `UTC` or an offset"), "{e}");
    }
}
