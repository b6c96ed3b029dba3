//! Certificates: a CA (given or generated), a server certificate and a client certificate signed by it, written
//! as PEM files for the partner server, and the rustls server configuration that requires a client certificate
//! from that CA.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};

use crate::SandboxError;

/// File names written into the cert directory.
pub const CA_CERT_FILE: &str = "ca.pem";
/// The CA private key (written only when the sandbox generated the CA).
pub const CA_KEY_FILE: &str = "ca-key.pem";
/// The server certificate (chain: server, CA).
pub const SERVER_CERT_FILE: &str = "server.pem";
/// The server private key.
pub const SERVER_KEY_FILE: &str = "server-key.pem";
/// The client certificate for the partner server.
pub const CLIENT_CERT_FILE: &str = "client.pem";
/// The client private key for the partner server.
pub const CLIENT_KEY_FILE: &str = "client-key.pem";

/// Host names and addresses the server certificate is valid for: loopback plus the documented Toss hosts (so a
/// client can keep the real host names and point them at the sandbox).
pub const SERVER_NAMES: &[&str] = &[
    "localhost",
    "127.0.0.1",
    "::1",
    ait_api::paths::HOST_API,
    ait_api::paths::HOST_PAY,
    ait_api::paths::HOST_BILLING,
];

/// A CA given to the sandbox (PEM text of the certificate and its private key).
#[derive(Clone)]
pub struct CaPem {
    /// The CA certificate, PEM.
    pub cert_pem: String,
    /// The CA private key, PEM (PKCS#8, or any format rcgen reads).
    pub key_pem: String,
}

impl std::fmt::Debug for CaPem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaPem")
            .field("cert_pem", &self.cert_pem.len())
            .field("key_pem", &"<redacted>")
            .finish()
    }
}

/// The PEM texts of every certificate and key the sandbox uses.
#[derive(Clone)]
pub struct CertPems {
    /// The CA certificate (trust anchor for both sides).
    pub ca_cert: String,
    /// The CA key, when the sandbox generated the CA (None when it was given).
    pub ca_key: Option<String>,
    /// The server certificate.
    pub server_cert: String,
    /// The server key.
    pub server_key: String,
    /// A client certificate signed by the CA, for the partner server.
    pub client_cert: String,
    /// The client key.
    pub client_key: String,
}

impl std::fmt::Debug for CertPems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertPems").finish_non_exhaustive()
    }
}

/// Where the PEM files were written.
#[derive(Debug, Clone)]
pub struct CertPaths {
    /// The directory.
    pub dir: PathBuf,
    /// `ca.pem`.
    pub ca_cert: PathBuf,
    /// `ca-key.pem`, when the sandbox generated the CA.
    pub ca_key: Option<PathBuf>,
    /// `server.pem`.
    pub server_cert: PathBuf,
    /// `server-key.pem`.
    pub server_key: PathBuf,
    /// `client.pem`.
    pub client_cert: PathBuf,
    /// `client-key.pem`.
    pub client_key: PathBuf,
}

/// The certificates of a running sandbox.
#[derive(Debug, Clone)]
pub struct Certs {
    /// The PEM texts.
    pub pems: CertPems,
    /// The files, when a cert directory was configured.
    pub paths: Option<CertPaths>,
}

fn cert_err(e: impl std::fmt::Display) -> SandboxError {
    SandboxError::Certs(e.to_string())
}

/// Generates a self-signed CA. Returns `(cert_pem, key_pem)`.
pub fn generate_ca(common_name: &str) -> Result<(String, String), SandboxError> {
    let key = KeyPair::generate().map_err(cert_err)?;
    let params = ca_params(common_name)?;
    let cert = params.self_signed(&key).map_err(cert_err)?;
    Ok((cert.pem(), key.serialize_pem()))
}

fn ca_params(common_name: &str) -> Result<CertificateParams, SandboxError> {
    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(cert_err)?;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params
        .distinguished_name
        .push(DnType::OrganizationName, "ait-sandbox");
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    Ok(params)
}

/// Issues a leaf certificate signed by the CA. `client` selects the client-auth EKU (else server-auth).
/// Returns `(cert_pem, key_pem)`.
pub fn issue_leaf(
    ca: &CaPem,
    common_name: &str,
    names: &[String],
    client: bool,
) -> Result<(String, String), SandboxError> {
    let ca_key =
        KeyPair::from_pem(&ca.key_pem).map_err(|e| SandboxError::Certs(format!("CA key: {e}")))?;
    let issuer = Issuer::from_ca_cert_pem(&ca.cert_pem, ca_key)
        .map_err(|e| SandboxError::Certs(format!("CA certificate: {e}")))?;
    let mut params = CertificateParams::new(names.to_vec()).map_err(cert_err)?;
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params
        .distinguished_name
        .push(DnType::OrganizationName, "ait-sandbox");
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![if client {
        ExtendedKeyUsagePurpose::ClientAuth
    } else {
        ExtendedKeyUsagePurpose::ServerAuth
    }];
    params.use_authority_key_identifier_extension = true;
    let key = KeyPair::generate().map_err(cert_err)?;
    let cert = params.signed_by(&key, &issuer).map_err(cert_err)?;
    Ok((cert.pem(), key.serialize_pem()))
}

/// Builds the certificate set: uses `ca` if given, else reuses `ca.pem` + `ca-key.pem` found in `dir`, else
/// generates a CA; then issues a fresh server and client certificate and writes everything to `dir` if given.
pub fn prepare(
    ca: Option<&CaPem>,
    dir: Option<&Path>,
    extra_names: &[String],
) -> Result<Certs, SandboxError> {
    let (ca, generated) = match ca {
        Some(ca) => (ca.clone(), false),
        None => match dir.and_then(read_ca_from_dir) {
            Some(ca) => (ca, true),
            None => {
                let (cert_pem, key_pem) = generate_ca("ait-sandbox CA")?;
                (CaPem { cert_pem, key_pem }, true)
            }
        },
    };
    let mut names: Vec<String> = SERVER_NAMES.iter().map(|s| s.to_string()).collect();
    names.extend(extra_names.iter().cloned());
    let (server_cert, server_key) = issue_leaf(&ca, "ait-sandbox server", &names, false)?;
    let (client_cert, client_key) = issue_leaf(&ca, "ait-sandbox partner client", &[], true)?;
    let pems = CertPems {
        ca_cert: ca.cert_pem.clone(),
        ca_key: generated.then(|| ca.key_pem.clone()),
        // The chain: leaf first, then the CA (harmless, and helps clients that only trust an intermediate).
        server_cert: format!("{server_cert}{}", ca.cert_pem),
        server_key,
        client_cert,
        client_key,
    };
    let paths = match dir {
        Some(dir) => Some(write_pems(dir, &pems)?),
        None => None,
    };
    Ok(Certs { pems, paths })
}

fn read_ca_from_dir(dir: &Path) -> Option<CaPem> {
    let cert_pem = std::fs::read_to_string(dir.join(CA_CERT_FILE)).ok()?;
    let key_pem = std::fs::read_to_string(dir.join(CA_KEY_FILE)).ok()?;
    Some(CaPem { cert_pem, key_pem })
}

fn write_pems(dir: &Path, pems: &CertPems) -> Result<CertPaths, SandboxError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| SandboxError::Certs(format!("creating {}: {e}", dir.display())))?;
    let write = |name: &str, text: &str, secret: bool| -> Result<PathBuf, SandboxError> {
        let path = dir.join(name);
        std::fs::write(&path, text)
            .map_err(|e| SandboxError::Certs(format!("writing {}: {e}", path.display())))?;
        #[cfg(unix)]
        if secret {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
        }
        #[cfg(not(unix))]
        let _ = secret;
        Ok(path)
    };
    let ca_key = match &pems.ca_key {
        Some(k) => Some(write(CA_KEY_FILE, k, true)?),
        None => None,
    };
    Ok(CertPaths {
        dir: dir.to_path_buf(),
        ca_cert: write(CA_CERT_FILE, &pems.ca_cert, false)?,
        ca_key,
        server_cert: write(SERVER_CERT_FILE, &pems.server_cert, false)?,
        server_key: write(SERVER_KEY_FILE, &pems.server_key, true)?,
        client_cert: write(CLIENT_CERT_FILE, &pems.client_cert, false)?,
        client_key: write(CLIENT_KEY_FILE, &pems.client_key, true)?,
    })
}

/// The ring crypto provider (no aws-lc build).
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Parses every certificate in a PEM text.
pub fn parse_certs(pem: &str) -> Result<Vec<CertificateDer<'static>>, SandboxError> {
    let certs = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| SandboxError::Certs(format!("parsing certificate PEM: {e}")))?;
    if certs.is_empty() {
        return Err(SandboxError::Certs("no certificate in PEM".into()));
    }
    Ok(certs)
}

/// Parses a private key PEM.
pub fn parse_key(pem: &str) -> Result<PrivateKeyDer<'static>, SandboxError> {
    PrivateKeyDer::from_pem_slice(pem.as_bytes())
        .map_err(|e| SandboxError::Certs(format!("parsing key PEM: {e}")))
}

/// The rustls server configuration: the server certificate, and a verifier that requires a client certificate
/// chaining to the CA. ALPN offers HTTP/2 and HTTP/1.1.
pub fn server_config(pems: &CertPems) -> Result<ServerConfig, SandboxError> {
    let provider = provider();
    let mut roots = RootCertStore::empty();
    for c in parse_certs(&pems.ca_cert)? {
        roots
            .add(c)
            .map_err(|e| SandboxError::Certs(format!("CA certificate: {e}")))?;
    }
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| SandboxError::Certs(format!("client verifier: {e}")))?;
    let mut cfg = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(cert_err)?
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            parse_certs(&pems.server_cert)?,
            parse_key(&pems.server_key)?,
        )
        .map_err(|e| SandboxError::Certs(format!("server certificate: {e}")))?;
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(cfg)
}
