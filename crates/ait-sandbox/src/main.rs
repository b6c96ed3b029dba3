//! `ait-sandbox`: runs the Toss emulator until Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;

use ait_sandbox::{CaPem, Sandbox, SandboxConfig};
use clap::Parser;

/// mimalloc, as the partner server uses (see its `main.rs`): under load the emulator allocates for every JSON body
/// as the partner does, and shares the machine with it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Emulates Toss's Apps in Toss partner APIs (login, TossPay, IAP order status, promotions, messages,
/// auto-billing) over HTTPS with mandatory client certificates, plus a plain-HTTP control API on loopback.
#[derive(Parser, Debug)]
#[command(name = "ait-sandbox", version, about, long_about = None)]
struct Args {
    /// Address of the HTTPS + mTLS listener (the Toss API).
    #[arg(long, default_value = "127.0.0.1:18443")]
    listen: SocketAddr,

    /// Address of the plain-HTTP control listener (keep it on loopback).
    #[arg(long, default_value = "127.0.0.1:18080")]
    control: SocketAddr,

    /// Directory for the PEM files (ca.pem, server.pem, client.pem, client-key.pem, ...). A CA already there
    /// (ca.pem + ca-key.pem) is reused, so partner configuration survives restarts.
    #[arg(long)]
    cert_dir: Option<PathBuf>,

    /// CA certificate (PEM) to sign the server and client certificates with and to verify clients against.
    #[arg(long, requires = "ca_key")]
    ca_cert: Option<PathBuf>,

    /// Private key (PEM) of --ca-cert.
    #[arg(long, requires = "ca_cert")]
    ca_key: Option<PathBuf>,

    /// An IAP SKU of this mini-app (repeat, or comma-separate). Orders for other SKUs report MINIAPP_MISMATCH.
    /// None given: every SKU counts as the mini-app's.
    #[arg(long = "sku", value_delimiter = ',')]
    skus: Vec<String>,

    /// A message template code to register at start (repeat or comma-separate).
    #[arg(long = "template", value_delimiter = ',')]
    templates: Vec<String>,

    /// A promotion code to register at start (repeat or comma-separate).
    #[arg(long = "promotion", value_delimiter = ',')]
    promotions: Vec<String>,

    /// Extra host name or IP for the server certificate (repeat).
    #[arg(long = "server-name")]
    server_names: Vec<String>,

    /// A web origin whose pages may call the control API (CORS), e.g. http://127.0.0.1:8080, or any port of a
    /// host as http://localhost:* (repeat, or comma-separate; also AIT_SANDBOX_ALLOWED_ORIGINS). None given: pages
    /// served from this machine (http://127.0.0.1:*, http://localhost:*, http://[::1]:*).
    #[arg(long = "allow-origin", value_delimiter = ',')]
    allow_origins: Vec<String>,

    /// Body size limit of the Toss endpoints, in bytes.
    #[arg(long, default_value_t = ait_sandbox::DEFAULT_BODY_LIMIT)]
    body_limit: usize,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if let Err(e) = run(args).await {
        eprintln!("ait-sandbox: {e}");
        std::process::exit(1);
    }
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let ca = match (&args.ca_cert, &args.ca_key) {
        (Some(c), Some(k)) => Some(CaPem {
            cert_pem: std::fs::read_to_string(c)
                .map_err(|e| format!("reading {}: {e}", c.display()))?,
            key_pem: std::fs::read_to_string(k)
                .map_err(|e| format!("reading {}: {e}", k.display()))?,
        }),
        _ => None,
    };
    if !args.control.ip().is_loopback() {
        eprintln!(
            "warning: the control API has no authentication; {} is not a loopback address",
            args.control
        );
    }
    let mut allowed_origins = args.allow_origins.clone();
    if let Ok(env) = std::env::var("AIT_SANDBOX_ALLOWED_ORIGINS") {
        allowed_origins.extend(
            env.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from),
        );
    }
    if allowed_origins.is_empty() {
        allowed_origins = ait_sandbox::LOOPBACK_ORIGINS
            .iter()
            .map(|s| s.to_string())
            .collect();
    }
    let config = SandboxConfig {
        mtls_addr: args.listen,
        control_addr: args.control,
        cert_dir: args.cert_dir,
        ca,
        server_names: args.server_names,
        skus: args.skus,
        templates: args.templates,
        promotions: args.promotions,
        body_limit: args.body_limit,
        allowed_origins,
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(config).await?;
    println!(
        "ait-sandbox: Toss API (HTTPS, client certificate required) on https://localhost:{}",
        sandbox.mtls_addr.port()
    );
    println!("  listening on {}", sandbox.mtls_addr);
    println!(
        "ait-sandbox: control API (plain HTTP) on {}",
        sandbox.control_url()
    );
    match &sandbox.certs.paths {
        Some(p) => {
            println!("certificates in {}:", p.dir.display());
            println!("  CA certificate      {}", p.ca_cert.display());
            if let Some(k) = &p.ca_key {
                println!("  CA key              {}", k.display());
            }
            println!("  server certificate  {}", p.server_cert.display());
            println!("  server key          {}", p.server_key.display());
            println!("  client certificate  {}", p.client_cert.display());
            println!("  client key          {}", p.client_key.display());
        }
        None => println!(
            "certificates were not written (pass --cert-dir DIR to get the client certificate)"
        ),
    }
    println!("Ctrl-C stops.");
    tokio::signal::ctrl_c().await?;
    sandbox.shutdown().await;
    Ok(())
}
