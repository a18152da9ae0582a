use super::*;

#[test]
fn numbers() {
    assert_eq!(count(0), "0");
    assert_eq!(count(999), "999");
    assert_eq!(count(1000), "1,000");
    assert_eq!(count(-1234567), "-1,234,567");
    assert_eq!(rate(None), "-");
    assert_eq!(rate(Some(0.001)), "0");
    assert_eq!(rate(Some(3.254)), "3.25");
    assert_eq!(rate(Some(812.44)), "812.4");
    assert_eq!(rate(Some(12_345.0)), "12.3k");
    assert_eq!(rate(Some(1_200_000.0)), "1.20M");
}

#[test]
fn offsets_lag_and_sizes() {
    assert_eq!(offset(Some(1850)), "1850");
    assert_eq!(offset(None), "-");
    assert_eq!(lag(Some(1800), Some(1800)), "1,800");
    assert_eq!(lag(Some(0), Some(-50)), "0 (-50)");
    assert_eq!(lag(Some(0), Some(-1500)), "0 (-1,500)");
    assert_eq!(lag(None, None), "-");
    assert_eq!(lag_digits(Some(1800), Some(1800)), "1800");
    assert_eq!(lag_digits(Some(0), Some(-1500)), "0 (-1500)");
    assert_eq!(bytes(10_014), "10014 bytes");
    assert_eq!(change(1500), "+1,500");
    assert_eq!(change(-20), "-20");
    assert_eq!(change(0), "0");
}

#[test]
fn durations_and_times() {
    assert_eq!(secs(0.2), "0s");
    assert_eq!(secs(133.0), "2m13s");
    assert_eq!(secs(185.0), "3m05s");
    assert_eq!(secs(7380.0), "2h03m");
    assert_eq!(secs(3.0 * 86_400.0 + 7200.0), "3d02h");
    assert_eq!(secs(f64::INFINITY), "-");
    assert_eq!(secs(-1.0), "-");
    assert_eq!(tenths(14.26), "14.3s");
    assert_eq!(tenths(0.84), "0.8s");
    assert_eq!(tenths(5.0), "5s");
    assert_eq!(tenths(59.97), "1m00s");
    assert_eq!(tenths(-1.0), "-");
    assert_eq!(minutes(30.0), "1 min");
    assert_eq!(minutes(601.0), "11 min");
    assert_eq!(minutes(700.0), "12 min");
    assert_eq!(time_lag(65.0, true), "1m05s");
    assert_eq!(time_lag(65.0, false), "~1m05s");
    assert_eq!(clock(1_000, 0), "00:00:01");
    assert_eq!(clock(1_000, 9 * 3600), "09:00:01");
    assert_eq!(timestamp(Some(1_234), 0), "1970-01-01 00:00:01.234");
    assert_eq!(timestamp(None, 0), "-");
    assert_eq!(utc(1_795_515_330_000), "2026-11-24 10:15:30 UTC");
    assert_eq!(utc_clock(1_795_515_330_000), "10:15:30");
    assert_eq!(
        rfc3339(Some(1_795_515_330_123), true),
        "2026-11-24T10:15:30.123Z"
    );
    assert_eq!(
        rfc3339(Some(1_795_515_330_123), false),
        "2026-11-24T10:15:30Z"
    );
    assert_eq!(rfc3339(None, true), "-");
}

#[test]
fn waits() {
    use std::time::Duration;
    assert_eq!(wait(Duration::from_millis(250)), "250ms");
    assert_eq!(wait(Duration::from_secs(2)), "2s");
    assert_eq!(wait(Duration::from_secs(60)), "1m00s");
}
