//! The simulator as a real HTTP/1.1 server on loopback (hyper).

use crate::sim::state::{Recorded, Reply, SimConfig, SimState};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::net::TcpListener;

/// A running simulator.
#[derive(Clone)]
pub struct Simulator {
    pub addr: SocketAddr,
    pub state: Arc<Mutex<SimState>>,
}

impl Simulator {
    /// `http://ADDR`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().expect("sim state").requests.clone()
    }

    pub fn requests_of(&self, action: &str) -> Vec<Recorded> {
        self.state.lock().expect("sim state").requests_of(action)
    }

    /// The endpoint changes it executed (see [`SimState::executed_writes`]).
    pub fn executed_writes(&self) -> Vec<Recorded> {
        self.state.lock().expect("sim state").executed_writes()
    }

    /// Every secret and token it issued (STS credentials, metadata tokens).
    pub fn issued_secrets(&self) -> Vec<String> {
        self.state.lock().expect("sim state").issued_secrets()
    }

    /// Binds `listen` and serves on the current tokio runtime until the runtime ends.
    pub async fn start(config: SimConfig, listen: SocketAddr) -> std::io::Result<Simulator> {
        let listener = TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Mutex::new(SimState::new(config)));
        let st = state.clone();
        tokio::spawn(async move { serve(listener, st).await });
        Ok(Simulator { addr, state })
    }

    /// Starts on a thread of its own with its own runtime (for tests and benches).
    pub fn start_background(config: SimConfig) -> Simulator {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("dts-sim".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async move {
                    let sim = Simulator::start(config, "127.0.0.1:0".parse().unwrap())
                        .await
                        .expect("bind loopback");
                    tx.send(sim).expect("send");
                    std::future::pending::<()>().await;
                });
            })
            .expect("thread");
        rx.recv().expect("simulator started")
    }
}

async fn serve(listener: TcpListener, state: Arc<Mutex<SimState>>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let state = state.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req| handle(req, state.clone()));
            // A service error (the "drop" fault) closes the connection without an answer.
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}

#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("answer dropped by fault injection")
    }
}

impl std::error::Error for Dropped {}

fn response(status: u16, ctype: &str, body: String) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", ctype)
        .body(Full::new(Bytes::from(body)))
        .expect("valid response")
}

async fn handle(
    req: Request<Incoming>,
    state: Arc<Mutex<SimState>>,
) -> Result<Response<Full<Bytes>>, Dropped> {
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    if method == "GET" && path == "/_sim/requests" {
        let body = serde_json::to_string_pretty(&state.lock().expect("state").requests)
            .expect("serialize");
        return Ok(response(200, "application/json", body));
    }
    if path.starts_with("/latest/") {
        let header = |name: &str| {
            req.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let token = header("x-aliyun-ecs-metadata-token");
        let ttl = header("x-aliyun-ecs-metadata-token-ttl-seconds");
        let reply =
            state
                .lock()
                .expect("state")
                .metadata(&method, &path, token.as_deref(), ttl.as_deref());
        return render(reply);
    }
    let is_form = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let mut params: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    if is_form {
        params.extend(url::form_urlencoded::parse(&body).into_owned());
    }
    let action = params
        .iter()
        .find(|(k, _)| k == "Action")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    // The request is executed at once; a slow answer is delayed after the work is done,
    // like a service that is slow to respond (the case that makes a switch's outcome unknown).
    let (reply, delay) = {
        let mut st = state.lock().expect("state");
        let reply = st.handle(&method, &params, Instant::now());
        (reply, st.delay_for(&action))
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    render(reply)
}

fn render(reply: Reply) -> Result<Response<Full<Bytes>>, Dropped> {
    match reply {
        Reply::Json {
            status,
            body,
            retry_after,
        } => {
            let mut r = response(status, "application/json;charset=utf-8", body.to_string());
            if let Some(s) = retry_after {
                r.headers_mut()
                    .insert("x-acs-retry-after", s.to_string().parse().expect("header"));
            }
            Ok(r)
        }
        Reply::Raw { status, text } => Ok(response(status, "text/html", text)),
        Reply::Text { status, text } => Ok(response(status, "text/plain", text)),
        Reply::Drop => Err(Dropped),
    }
}
