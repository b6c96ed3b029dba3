//! Sealing of the Toss tokens kept in the database (AES-256-GCM, ring's `aead`), so that a copy of the database
//! alone yields no usable access or refresh token.
//!
//! A sealed value is `v1.` + base64url(nonce ‖ ciphertext ‖ tag), with a random 96-bit nonce per value and the
//! column and user as associated data (a sealed token moved to another user's row does not open). The key is
//! `Config::token_key` (`AIT_PARTNER_TOKEN_KEY`: 32 bytes, hex or base64); when unset, [`resolve_key`] generates
//! one into `<database>.token-key` (mode 0600) and reuses it on later starts.

use std::path::{Path, PathBuf};

use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};

use crate::config::{Config, Secret};

const PREFIX: &str = "v1.";

/// Why a token key is unusable or could not be provided.
#[derive(Debug, thiserror::Error)]
pub enum TokenKeyError {
    /// The configured key is not 32 bytes of hex or base64.
    #[error("the token key must be 32 bytes, hex (64 digits) or base64")]
    Malformed,
    /// No key is configured and there is no SQLite file to keep a generated one next to (PostgreSQL).
    #[error("the token key must be configured (AIT_PARTNER_TOKEN_KEY) when the database is PostgreSQL")]
    Missing,
    /// The generated key file could not be read or written.
    #[error("token key file {path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Parses a key given as hex (64 digits) or base64 (standard or URL-safe).
pub fn parse_key(text: &str) -> Result<[u8; 32], TokenKeyError> {
    let t = text.trim();
    let bytes = if t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
        (0..32)
            .map(|i| u8::from_str_radix(&t[2 * i..2 * i + 2], 16))
            .collect::<Result<Vec<u8>, _>>()
            .map_err(|_| TokenKeyError::Malformed)?
    } else {
        STANDARD
            .decode(t)
            .or_else(|_| URL_SAFE.decode(t))
            .or_else(|_| URL_SAFE_NO_PAD.decode(t))
            .map_err(|_| TokenKeyError::Malformed)?
    };
    bytes.try_into().map_err(|_| TokenKeyError::Malformed)
}

/// The file a generated key lives in: next to the database.
pub fn key_file(database: &Path) -> PathBuf {
    let mut name = database
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".token-key");
    database.with_file_name(name)
}

/// Fills `config.token_key` when unset: from `<database>.token-key`, generated (32 random bytes, hex, mode
/// 0600) when missing.
pub fn resolve_key(config: &mut Config) -> Result<(), TokenKeyError> {
    if config.token_key.is_some() {
        return Ok(());
    }
    let Some(database) = config.database.sqlite_path() else {
        // PostgreSQL: `Config::validate` requires the key to be configured.
        return Err(TokenKeyError::Missing);
    };
    let path = key_file(database);
    let err = |source| TokenKeyError::File {
        path: path.clone(),
        source,
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => {
            tracing::info!("sealing Toss tokens with the key in {}", path.display());
            text
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut key = [0u8; 32];
            getrandom::getrandom(&mut key).expect("the OS random source works");
            let text: String = key.iter().map(|b| format!("{b:02x}")).collect();
            write_private(&path, &text).map_err(err)?;
            tracing::warn!(
                "no token_key configured: generated one into {} (mode 0600); set AIT_PARTNER_TOKEN_KEY in production",
                path.display()
            );
            text
        }
        Err(e) => return Err(err(e)),
    };
    parse_key(&text)?;
    config.token_key = Some(Secret(text.trim().to_string()));
    Ok(())
}

/// Creates `path` readable by its owner only, with `text`.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

/// The sealing key in use.
pub struct TokenSeal {
    key: LessSafeKey,
}

impl TokenSeal {
    /// A sealer with a 32-byte key.
    pub fn new(key: &[u8; 32]) -> Self {
        let unbound = UnboundKey::new(&AES_256_GCM, key).expect("a 32-byte AES-256 key");
        TokenSeal {
            key: LessSafeKey::new(unbound),
        }
    }

    /// From the configuration; a random key for this process when none is set (a router built without
    /// [`resolve_key`], e.g. in-process tests: tokens then do not outlive the process).
    pub fn from_config(config: &Config) -> Self {
        let configured = config.token_key.as_ref().map(|k| parse_key(&k.0));
        match configured {
            Some(Ok(key)) => TokenSeal::new(&key),
            other => {
                if matches!(other, Some(Err(_))) {
                    tracing::error!("token_key is malformed: using a random key for this process");
                }
                let mut key = [0u8; 32];
                getrandom::getrandom(&mut key).expect("the OS random source works");
                TokenSeal::new(&key)
            }
        }
    }

    /// Seals `plain`; `context` names what it is (column and user), and must be the same to open it.
    pub fn seal(&self, plain: &str, context: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::getrandom(&mut nonce).expect("the OS random source works");
        let mut buf = plain.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.as_bytes()),
                &mut buf,
            )
            .expect("AES-GCM seals any token-sized input");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buf);
        format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(out))
    }

    /// Opens a value sealed with this key and `context`; `None` for anything else (another key, another row,
    /// tampering, plaintext).
    pub fn open(&self, sealed: &str, context: &str) -> Option<String> {
        let raw = URL_SAFE_NO_PAD.decode(sealed.strip_prefix(PREFIX)?).ok()?;
        if raw.len() < NONCE_LEN {
            return None;
        }
        let (nonce, rest) = raw.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut buf = rest.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut buf)
            .ok()?;
        String::from_utf8(plain.to_vec()).ok()
    }
}

/// The associated data of a token column of a user.
pub fn context(column: &str, user_key: i64) -> String {
    format!("ait-partner/users.{column}/{user_key}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_from_hex_and_base64_only_at_32_bytes() {
        let hex = "00".repeat(31) + "ff";
        assert_eq!(parse_key(&hex).unwrap()[31], 0xff);
        let b64 = STANDARD.encode([7u8; 32]);
        assert_eq!(parse_key(&b64).unwrap(), [7u8; 32]);
        assert_eq!(
            parse_key(&URL_SAFE_NO_PAD.encode([9u8; 32])).unwrap(),
            [9u8; 32]
        );
        for bad in ["", "abc", &"00".repeat(31), &STANDARD.encode([1u8; 16])] {
            assert!(parse_key(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sealed_tokens_open_only_with_the_key_and_the_context() {
        let seal = TokenSeal::new(&[1u8; 32]);
        let ctx = context("access_token", 1001);
        let sealed = seal.seal("the-access-token", &ctx);
        assert!(sealed.starts_with("v1.") && !sealed.contains("the-access-token"));
        assert_ne!(sealed, seal.seal("the-access-token", &ctx), "random nonces");
        assert_eq!(
            seal.open(&sealed, &ctx).as_deref(),
            Some("the-access-token")
        );
        assert_eq!(seal.open(&sealed, &context("access_token", 2002)), None);
        assert_eq!(seal.open(&sealed, &context("refresh_token", 1001)), None);
        assert_eq!(TokenSeal::new(&[2u8; 32]).open(&sealed, &ctx), None);
        assert_eq!(seal.open("the-access-token", &ctx), None);
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(seal.open(&tampered, &ctx), None);
    }

    #[test]
    fn a_missing_key_is_generated_once_with_owner_only_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Config {
            database: dir.path().join("p.sqlite").into(),
            ..Config::default()
        };
        resolve_key(&mut c).unwrap();
        let path = key_file(c.database.sqlite_path().unwrap());
        assert_eq!(path, dir.path().join("p.sqlite.token-key"));
        let first = c.token_key.clone().unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let mut again = Config {
            database: c.database.clone(),
            ..Config::default()
        };
        resolve_key(&mut again).unwrap();
        assert_eq!(again.token_key, Some(first), "reused");
    }
}
