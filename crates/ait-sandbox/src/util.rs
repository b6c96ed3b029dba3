//! Small helpers: a deterministic RNG, identifiers, and the sandbox clock with Toss's time formats.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// xorshift64*: small, deterministic, good enough for fault rates and identifiers.
#[derive(Debug, Clone)]
pub struct XorShift(u64);

impl XorShift {
    /// A generator from a seed (0 is replaced by a fixed non-zero constant).
    pub fn new(seed: u64) -> Self {
        XorShift(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    /// A generator seeded from the clock (for identifiers only, never for faults).
    pub fn from_time() -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1);
        let mut r = XorShift::new(nanos ^ (std::process::id() as u64).rotate_left(32));
        r.next_u64();
        r
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A float in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// `n` characters from `[A-Za-z0-9]`.
    pub fn alnum(&mut self, n: usize) -> String {
        const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..n)
            .map(|_| CHARS[(self.next_u64() % CHARS.len() as u64) as usize] as char)
            .collect()
    }

    /// A random (version 4) UUID.
    pub fn uuid_v4(&mut self) -> String {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.next_u64().to_be_bytes());
        b[8..].copy_from_slice(&self.next_u64().to_be_bytes());
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        fmt_uuid(&b)
    }

    /// A time-ordered (version 7) UUID for `unix_ms`, as the IAP `orderId` is documented to be.
    pub fn uuid_v7(&mut self, unix_ms: u64) -> String {
        let mut b = [0u8; 16];
        b[..6].copy_from_slice(&unix_ms.to_be_bytes()[2..]);
        b[6..14].copy_from_slice(&self.next_u64().to_be_bytes());
        b[14..].copy_from_slice(&self.next_u64().to_be_bytes()[..2]);
        b[6] = (b[6] & 0x0f) | 0x70;
        b[8] = (b[8] & 0x3f) | 0x80;
        fmt_uuid(&b)
    }
}

fn fmt_uuid(b: &[u8; 16]) -> String {
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// The sandbox clock: real time plus an offset that the control API can advance (to expire codes and tokens
/// without waiting).
#[derive(Debug, Default)]
pub struct Clock {
    offset_secs: AtomicI64,
}

impl Clock {
    /// Seconds since the Unix epoch, sandbox time.
    pub fn now(&self) -> i64 {
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        real + self.offset_secs.load(Ordering::Relaxed)
    }

    /// Milliseconds since the Unix epoch, sandbox time.
    pub fn now_ms(&self) -> u64 {
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        (real + self.offset_secs.load(Ordering::Relaxed) * 1000).max(0) as u64
    }

    /// Moves sandbox time forward (or back) by `secs`; returns the new offset.
    pub fn advance(&self, secs: i64) -> i64 {
        self.offset_secs.fetch_add(secs, Ordering::Relaxed) + secs
    }

    /// The current offset from real time, in seconds.
    pub fn offset(&self) -> i64 {
        self.offset_secs.load(Ordering::Relaxed)
    }

    /// Resets the offset to zero.
    pub fn reset(&self) {
        self.offset_secs.store(0, Ordering::Relaxed)
    }
}

/// Korea Standard Time offset: Toss reports local (KST) times without a zone.
const KST_SECS: i64 = 9 * 3600;

/// `(year, month, day, hour, minute, second)` of a Unix time in KST, by the `time` crate's calendar. The
/// emulator's clock can be moved by its control API: a time beyond the years `time` knows (±9999) is shown as the
/// nearest it does.
fn civil(unix: i64) -> (i32, u8, u8, u8, u8, u8) {
    const FIRST: i64 = time::PrimitiveDateTime::MIN.assume_utc().unix_timestamp();
    const LAST: i64 = time::PrimitiveDateTime::MAX.assume_utc().unix_timestamp();
    let local = unix.saturating_add(KST_SECS).clamp(FIRST, LAST);
    let t = time::OffsetDateTime::from_unix_timestamp(local).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    (t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute(), t.second())
}

/// `yyyy-MM-dd HH:mm:ss` in KST (TossPay `approvalTime`, `createdTs`, `paidTs`, `regTs`).
pub fn fmt_pay_time(unix: i64) -> String {
    let (y, mo, d, h, mi, s) = civil(unix);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
}

/// `yyyy-MM-ddTHH:mm:ss` in KST (IAP `statusDeterminedAt`, as in the seed's example).
pub fn fmt_iso_local(unix: i64) -> String {
    let (y, mo, d, h, mi, s) = civil(unix);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_kst() {
        // 2025-04-17 03:32:10 UTC = 12:32:10 KST.
        assert_eq!(fmt_pay_time(1_744_860_730), "2025-04-17 12:32:10");
        assert_eq!(fmt_iso_local(0), "1970-01-01T09:00:00");
        assert_eq!(fmt_pay_time(951_750_000), "2000-02-29 00:00:00", "a leap day, in KST");
        assert!(fmt_pay_time(i64::MAX).starts_with("9999-12-31"), "{}", fmt_pay_time(i64::MAX));
    }

    #[test]
    fn xorshift_is_deterministic() {
        let a: Vec<u64> = (0..5)
            .scan(XorShift::new(7), |r, _| Some(r.next_u64()))
            .collect();
        let b: Vec<u64> = (0..5)
            .scan(XorShift::new(7), |r, _| Some(r.next_u64()))
            .collect();
        assert_eq!(a, b);
        let u = XorShift::new(1).uuid_v7(1_700_000_000_000);
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "7");
    }
}
