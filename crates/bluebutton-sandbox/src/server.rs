//! The accept loop: one hyper HTTP/1.1 connection per socket, each able to be dropped mid-request
//! (the "dropped connection" fault closes the socket without writing any response).

use std::sync::Arc;

use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio::task::{JoinHandle, JoinSet};

use crate::router;
use crate::state::{AppState, CounterCells};

/// Lets a handler close its connection without answering (request extension).
#[derive(Clone, Debug)]
pub(crate) struct ConnectionDropper(Arc<Notify>);

impl ConnectionDropper {
    /// Closes the connection; the caller should then never complete.
    pub(crate) fn drop_connection(&self) {
        self.0.notify_one();
    }
}

/// The running server: stop it with [`Server::stop`].
#[derive(Debug)]
pub(crate) struct Server {
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl Server {
    /// Asks the accept loop to stop and closes every connection.
    pub(crate) fn signal_stop(&self) {
        let _ = self.stop.send(true);
    }

    /// Stops and waits for the accept loop to finish.
    pub(crate) async fn stop(mut self) {
        self.signal_stop();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.signal_stop();
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Starts serving `listener` in the background.
pub(crate) fn spawn(listener: TcpListener, state: Arc<AppState>) -> Server {
    let (stop, mut stopped) = watch::channel(false);
    let app = router::build(Arc::clone(&state));
    let task = tokio::spawn(async move {
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    CounterCells::bump(&state.counters.connections);
                    let _ = stream.set_nodelay(true);
                    let notify = Arc::new(Notify::new());
                    let service = app.clone().layer(axum::Extension(ConnectionDropper(Arc::clone(&notify))));
                    connections.spawn(async move {
                        let connection = hyper::server::conn::http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
                        tokio::select! {
                            _ = connection => {}
                            () = notify.notified() => {}
                        }
                    });
                }
                _ = stopped.changed() => break,
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
        connections.abort_all();
    });
    Server {
        stop,
        task: Some(task),
    }
}
