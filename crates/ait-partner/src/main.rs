//! `ait-partner`: the reference partner server.
//!
//! ```sh
//! ait-partner --config partner.toml                 # real Toss (mTLS client certificate in the config)
//! cargo run -p ait-partner --features sandbox -- --sandbox --static-root .   # the demo, nothing to configure
//! ```

use std::net::SocketAddr;
use std::path::PathBuf;

use ait_partner::config::Config;
use ait_partner::{Server, StartOptions};
use clap::Parser;

/// mimalloc instead of the system allocator: glibc's malloc and free were about a tenth of the server's CPU under
/// load (a TossPay flow allocates for every JSON body, header map and row).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The reference partner server of ait-checkout: the partner contract over Toss's mTLS APIs, state in SQLite.
#[derive(Debug, Parser)]
#[command(name = "ait-partner", version)]
struct Args {
    /// TOML configuration file (default: the embedded sandbox default; see --print-default-config).
    /// AIT_PARTNER_* environment variables override it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Listen address (overrides the configuration).
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// The database (overrides the configuration): `sqlite://path` or a plain path, or `postgres://…`.
    #[arg(long)]
    database: Option<ait_partner::db::DatabaseUrl>,
    /// Serve the demo's static files (/www/, /pkg/, /node_modules/@apps-in-toss/, …) from this repo root.
    #[arg(long)]
    static_root: Option<PathBuf>,
    /// Start ait-sandbox in-process and use it as Toss (needs the `sandbox` cargo feature).
    #[arg(long)]
    sandbox: bool,
    /// Where sandbox mode writes its generated certificates (a CA found there is reused).
    #[arg(long, default_value = ".sandbox-certs")]
    sandbox_cert_dir: PathBuf,
    /// Print the embedded default configuration and exit.
    #[arg(long)]
    print_default_config: bool,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if args.print_default_config {
        print!("{}", ait_partner::config::DEFAULT_TOML);
        return;
    }
    init_logging();
    if let Err(e) = run(args).await {
        eprintln!("ait-partner: {e}");
        std::process::exit(1);
    }
}

fn init_logging() {
    let level = match std::env::var("AIT_PARTNER_LOG").as_deref() {
        Ok("error") => tracing::Level::ERROR,
        Ok("warn") => tracing::Level::WARN,
        Ok("debug") => tracing::Level::DEBUG,
        Ok("trace") => tracing::Level::TRACE,
        _ => tracing::Level::INFO,
    };
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let mut config = Config::load(args.config.as_deref())?;
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    if let Some(db) = args.database {
        config.database = db;
    }
    if let Some(root) = &args.static_root {
        if !root.join("www").is_dir() {
            return Err(format!(
                "--static-root {}: no www/ there (give the repository root)",
                root.display()
            )
            .into());
        }
    }

    // Bound before the sandbox starts, so that its control API can allow exactly this server's origin.
    let listener = std::net::TcpListener::bind(config.listen)
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    config.listen = listener.local_addr()?;

    #[cfg(feature = "sandbox")]
    let sandbox = if args.sandbox {
        Some(ait_partner::sandbox_mode::start(&mut config, &args.sandbox_cert_dir).await?)
    } else {
        None
    };
    #[cfg(not(feature = "sandbox"))]
    if args.sandbox {
        return Err(
            "this build has no sandbox: build with `--features sandbox` \
                    (cargo run -p ait-partner --features sandbox -- --sandbox)"
                .into(),
        );
    }

    let opts = StartOptions {
        static_root: args.static_root.clone(),
        #[cfg(feature = "sandbox")]
        sandbox: sandbox.as_ref().map(|s| s.info.clone()),
        #[cfg(not(feature = "sandbox"))]
        sandbox: None,
    };
    let server = Server::start_on(listener, config, opts).await?;

    println!("ait-partner: partner API on {}", server.api_url());
    #[cfg(feature = "sandbox")]
    if let Some(s) = &sandbox {
        println!(
            "ait-partner: sandbox Toss API on {} (control API on {}, certificates in {})",
            s.handle.base_url(),
            s.info.control_url,
            args.sandbox_cert_dir.display()
        );
        println!(
            "ait-partner: sandbox descriptor on {}/dev/sandbox.json (demo userKey {})",
            server.url(),
            s.info.user_key
        );
    }
    if args.static_root.is_some() {
        println!(
            "ait-partner: demo on {}/www/  (Ctrl+C to stop)",
            server.url()
        );
    }

    let drain = server.drain_limit();
    let stop = server.stopper();
    let mut stopping = stop.subscribe();
    let signal = stop_signal()?;
    tokio::spawn(async move {
        let name = signal.await;
        tracing::info!("{name}: stopping (no new connections; open requests finish, for at most {drain:?})");
        let _ = stop.send(true);
    });
    let waited = server.wait();
    tokio::pin!(waited);
    tokio::select! {
        () = &mut waited => return Ok(()),
        _ = stopping.wait_for(|stop| *stop) => {}
    }
    if tokio::time::timeout(drain, waited).await.is_err() {
        // Like a kill: what was committed stays; the cut requests' leases expire; the pages retry.
        tracing::warn!("open requests still running after {drain:?}: exiting without them");
    }
    Ok(())
}

/// Resolves on the first SIGTERM (what systemd, Kubernetes and container runtimes send to stop a service) or SIGINT
/// (Ctrl+C), with the signal's name.
fn stop_signal() -> std::io::Result<impl std::future::Future<Output = &'static str>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => "SIGTERM",
            _ = interrupt.recv() => "SIGINT",
        }
    })
}
