//! Serving: the mTLS listener (tokio-rustls + hyper-util over the axum router, able to drop a reply) and the
//! plain-HTTP control listener.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::toss::DropReply;
use crate::Shared;

/// The error a connection's service returns to make hyper close the connection without replying.
#[derive(Debug)]
struct DroppedReply;

impl std::fmt::Display for DroppedReply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("reply dropped by an injected fault")
    }
}

impl std::error::Error for DroppedReply {}

/// How long a TLS handshake may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Accepts TLS connections until `shutdown` turns true; then aborts open connections.
pub(crate) async fn serve_tls(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    app: Router,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            res = listener.accept() => {
                let Ok((tcp, _peer)) = res else { continue };
                let _ = tcp.set_nodelay(true);
                let acceptor = acceptor.clone();
                let app = app.clone();
                let sh = shared.clone();
                conns.spawn(async move {
                    let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                        Ok(Ok(s)) => {
                            sh.stats.handshakes_accepted.fetch_add(1, Ordering::Relaxed);
                            s
                        }
                        Ok(Err(e)) => {
                            sh.stats.handshakes_rejected.fetch_add(1, Ordering::Relaxed);
                            *crate::lock(&sh.stats.last_handshake_error) = Some(e.to_string());
                            return;
                        }
                        Err(_) => {
                            sh.stats.handshakes_rejected.fetch_add(1, Ordering::Relaxed);
                            *crate::lock(&sh.stats.last_handshake_error) =
                                Some("handshake timed out".into());
                            return;
                        }
                    };
                    let svc = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                        let app = app.clone();
                        async move {
                            let resp = match app.oneshot(req.map(Body::new)).await {
                                Ok(r) => r,
                                Err(never) => match never {},
                            };
                            if resp.extensions().get::<DropReply>().is_some() {
                                Err(DroppedReply)
                            } else {
                                Ok(resp)
                            }
                        }
                    });
                    let _ = auto::Builder::new(TokioExecutor::new()).serve_connection(TokioIo::new(tls), svc).await;
                });
            }
        }
        while conns.try_join_next().is_some() {}
    }
    conns.abort_all();
    while conns.join_next().await.is_some() {}
}

/// Serves the control router on plain HTTP until `shutdown` turns true.
pub(crate) async fn serve_plain(
    listener: TcpListener,
    app: Router,
    mut shutdown: watch::Receiver<bool>,
) {
    let _ = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let _ = shutdown.changed().await;
        })
        .await;
}
