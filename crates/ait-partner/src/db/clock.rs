//! Time as the database stores it: Unix seconds and milliseconds, and RFC 3339 for the grant columns.

/// Unix seconds now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Unix milliseconds now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Unix seconds as RFC 3339 UTC (`2025-09-12T07:57:12Z`). The calendar is the `time` crate's; a time beyond the
/// years it knows (±9999) is shown as the nearest it does.
pub fn rfc3339(unix: i64) -> String {
    const FIRST: i64 = time::PrimitiveDateTime::MIN.assume_utc().unix_timestamp();
    const LAST: i64 = time::PrimitiveDateTime::MAX.assume_utc().unix_timestamp();
    let t = time::OffsetDateTime::from_unix_timestamp(unix.clamp(FIRST, LAST)).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_formats_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_757_663_832), "2025-09-12T07:57:12Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(-86_400), "1969-12-31T00:00:00Z");
        assert!(rfc3339(i64::MAX).starts_with("9999-12-31T23:59:59"), "{}", rfc3339(i64::MAX));
    }
}
