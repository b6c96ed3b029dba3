//! Messages built without `core::fmt`.
//!
//! `format!` pulls the formatting machinery into the wasm (~2.5 KB of the gzipped package). The crate's messages are
//! only strings and integers put end to end, so `msg!` appends [`Piece`]s to a `String` instead.

use alloc::string::String;

/// Something a message can contain.
pub trait Piece {
    /// Appends `self` to `out`.
    fn push_to(&self, out: &mut String);
}

impl Piece for str {
    fn push_to(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl Piece for String {
    fn push_to(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl<T: Piece + ?Sized> Piece for &T {
    fn push_to(&self, out: &mut String) {
        (**self).push_to(out);
    }
}

impl Piece for u32 {
    fn push_to(&self, out: &mut String) {
        push_decimal(out, u64::from(*self));
    }
}

impl Piece for usize {
    fn push_to(&self, out: &mut String) {
        push_decimal(out, *self as u64);
    }
}

impl Piece for u64 {
    fn push_to(&self, out: &mut String) {
        push_decimal(out, *self);
    }
}

impl Piece for i64 {
    fn push_to(&self, out: &mut String) {
        if *self < 0 {
            out.push('-');
        }
        push_decimal(out, self.unsigned_abs());
    }
}

/// Appends `n` in decimal.
fn push_decimal(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[start..] {
        out.push(char::from(d));
    }
}

/// Concatenates its arguments (each a [`Piece`]: `&str`, `String`, an integer) into a new `String`.
macro_rules! msg {
    ($($piece:expr),+ $(,)?) => {{
        let mut out = ::alloc::string::String::new();
        $( $crate::text::Piece::push_to(&$piece, &mut out); )+
        out
    }};
}

#[cfg(test)]
mod tests {
    use alloc::string::ToString;

    #[test]
    fn concatenates_strings_and_integers() {
        let owned = "b".to_string();
        assert_eq!(msg!("a", owned, 0u32, ":", 4_294_967_295u32, " ", -12i64, " ", i64::MIN, " ", 7usize), "ab0:4294967295 -12 -9223372036854775808 7");
    }
}
