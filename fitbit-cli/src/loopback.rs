//! The redirect listener of `fitbit login`: a tiny HTTP/1.1 server on the
//! redirect URI's loopback host and port.
//!
//! - Only the redirect URI's path is served (a trailing slash more or less
//!   does not matter); every other path gets 404.
//! - A request on that path without `code`, `error` or `state` is not a
//!   callback (a reload, a prefetch): it gets 400 and the wait goes on.
//! - The first callback is handed to the login flow together with its
//!   connection, so that the browser's page can tell how the sign-in ended;
//!   later callbacks get 409.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use url::{Host, Url};

use crate::errors::CliError;

/// The longest request head accepted.
const MAX_HEAD: usize = 16 * 1024;
/// How long a connection may take to send its request head.
const READ_TIMEOUT: Duration = Duration::from_secs(15);
/// How long writing the answer may take.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the redirect URI points on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectTarget {
    /// Addresses to listen on: one, or both loopback addresses for `localhost`.
    pub addrs: Vec<SocketAddr>,
    /// The path to serve.
    pub path: String,
}

impl RedirectTarget {
    /// Checks that `redirect_uri` is `http://` on a loopback host.
    pub fn parse(redirect_uri: &str) -> Result<Self, CliError> {
        let url = Url::parse(redirect_uri).map_err(|err| {
            CliError::usage(format!("the redirect URI `{redirect_uri}` is not a URL: {err}"))
        })?;
        let loopback_only = || {
            CliError::usage(format!(
                "the redirect URI `{redirect_uri}` must be http:// on 127.0.0.1, [::1] or localhost: \
                 `fitbit login` receives the browser on this machine"
            ))
            .with_hint(
                "register a loopback redirect URI such as http://127.0.0.1:8080/ for the app on \
                 dev.fitbit.com and pass it with --redirect-uri",
            )
        };
        if url.scheme() != "http" {
            return Err(loopback_only());
        }
        let port = url.port_or_known_default().ok_or_else(loopback_only)?;
        if port == 0 {
            return Err(CliError::usage(
                "the redirect URI needs a fixed port (it must match the registered one)",
            ));
        }
        let ips: Vec<IpAddr> = match url.host() {
            Some(Host::Ipv4(ip)) if ip.is_loopback() => vec![ip.into()],
            Some(Host::Ipv6(ip)) if ip.is_loopback() => vec![ip.into()],
            Some(Host::Domain(domain)) if domain.eq_ignore_ascii_case("localhost") => {
                vec![Ipv4Addr::LOCALHOST.into(), Ipv6Addr::LOCALHOST.into()]
            }
            _ => return Err(loopback_only()),
        };
        Ok(Self {
            addrs: ips.into_iter().map(|ip| SocketAddr::new(ip, port)).collect(),
            path: url.path().into(),
        })
    }
}

/// Whether a request path is the redirect path, ignoring trailing slashes.
pub fn same_path(served: &str, requested: &str) -> bool {
    served.trim_end_matches('/') == requested.trim_end_matches('/')
}

/// A callback: the request target (`/path?query`) and the connection to
/// answer on.
#[derive(Debug)]
pub struct Callback {
    pub target: String,
    stream: TcpStream,
}

impl Callback {
    /// Answers the browser and closes the connection.
    pub async fn respond(mut self, page: Page) {
        let _ = tokio::time::timeout(WRITE_TIMEOUT, write_page(&mut self.stream, &page)).await;
    }
}

/// A running listener; it stops when dropped.
#[derive(Debug)]
pub struct CallbackServer {
    callbacks: mpsc::Receiver<Callback>,
    port: u16,
    _tasks: JoinSet<()>,
}

impl CallbackServer {
    /// Binds every address of `target`. A busy port is an error; for
    /// `localhost`, an IPv6 loopback that cannot be had for another reason
    /// (IPv6 disabled) is skipped.
    pub async fn bind(target: &RedirectTarget) -> Result<Self, CliError> {
        let mut listeners = Vec::new();
        for (i, addr) in target.addrs.iter().enumerate() {
            match TcpListener::bind(addr).await {
                Ok(listener) => listeners.push(listener),
                Err(err) if i > 0 && err.kind() != io::ErrorKind::AddrInUse => {}
                Err(err) => return Err(bind_error(*addr, &err)),
            }
        }
        let port = match listeners.first().map(TcpListener::local_addr) {
            Some(Ok(addr)) => addr.port(),
            Some(Err(err)) => {
                return Err(CliError::failure(format!("could not read the listening port: {err}")));
            }
            None => return Err(CliError::failure("no address to listen on")),
        };
        let (sender, callbacks) = mpsc::channel(1);
        let shared = Arc::new(Route { path: target.path.clone(), taken: AtomicBool::new(false), sender });
        let mut tasks = JoinSet::new();
        for listener in listeners {
            tasks.spawn(accept_loop(listener, shared.clone()));
        }
        Ok(Self { callbacks, port, _tasks: tasks })
    }

    /// Listens on a free port of 127.0.0.1 for `path` (Google's Desktop
    /// clients accept a loopback redirect on any port).
    pub async fn bind_free_port(path: &str) -> Result<Self, CliError> {
        let target =
            RedirectTarget { addrs: vec![SocketAddr::new(Ipv4Addr::LOCALHOST.into(), 0)], path: path.into() };
        Self::bind(&target).await
    }

    /// The port listened on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The first callback, or `None` after `timeout`.
    pub async fn next_callback(&mut self, timeout: Duration) -> Option<Callback> {
        tokio::time::timeout(timeout, self.callbacks.recv()).await.ok().flatten()
    }
}

fn bind_error(addr: SocketAddr, err: &io::Error) -> CliError {
    let message = match err.kind() {
        io::ErrorKind::AddrInUse => {
            format!("port {} on {} is in use by another program", addr.port(), addr.ip())
        }
        io::ErrorKind::PermissionDenied => {
            format!(
                "not allowed to listen on port {} of {} (ports below 1024 need privileges)",
                addr.port(),
                addr.ip()
            )
        }
        _ => format!("could not listen on {addr}: {err}"),
    };
    CliError::failure(message).with_hint(
        "stop the program using it, or register another loopback redirect URI \
         (for example http://127.0.0.1:8976/callback) for the app and pass it with --redirect-uri",
    )
}

struct Route {
    path: String,
    taken: AtomicBool,
    sender: mpsc::Sender<Callback>,
}

async fn accept_loop(listener: TcpListener, route: Arc<Route>) {
    let mut connections = JoinSet::new();
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                connections.spawn(serve(stream, route.clone()));
            }
            // Out of file descriptors and the like: pause rather than spin.
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
        while connections.try_join_next().is_some() {}
    }
}

/// Reads one request and either answers it or hands it over as the callback.
async fn serve(mut stream: TcpStream, route: Arc<Route>) {
    let Ok(Some(head)) = tokio::time::timeout(READ_TIMEOUT, read_head(&mut stream)).await.unwrap_or(Ok(None))
    else {
        return;
    };
    let page = match classify(&head, &route.path) {
        Request::Callback(target) => {
            if route.taken.swap(true, Ordering::SeqCst) {
                Page::already_handled()
            } else {
                let _ = route.sender.send(Callback { target, stream }).await;
                return;
            }
        }
        Request::Answer(page) => page,
    };
    let _ = tokio::time::timeout(WRITE_TIMEOUT, write_page(&mut stream, &page)).await;
}

enum Request {
    Callback(String),
    Answer(Page),
}

/// Decides what a request head is.
fn classify(head: &str, served_path: &str) -> Request {
    let mut parts = head.lines().next().unwrap_or_default().split(' ');
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next()) else {
        return Request::Answer(Page::bad_request());
    };
    if !version.starts_with("HTTP/1.") {
        return Request::Answer(Page::bad_request());
    }
    // An absolute-form target (sent to proxies) is reduced to path and query.
    let target = match Url::parse(target) {
        Ok(url) if target.contains("://") => match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        },
        _ => target.to_string(),
    };
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    if !same_path(served_path, path) {
        return Request::Answer(Page::not_found());
    }
    if method != "GET" {
        return Request::Answer(Page::method_not_allowed());
    }
    let is_callback = url::form_urlencoded::parse(query.as_bytes())
        .any(|(name, _)| matches!(name.as_ref(), "code" | "error" | "state"));
    if is_callback { Request::Callback(target) } else { Request::Answer(Page::not_a_callback()) }
}

/// The request line and headers, up to the blank line; `None` when the
/// client sent nothing usable.
async fn read_head(stream: &mut TcpStream) -> io::Result<Option<String>> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 2048];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(None);
        }
        head.extend_from_slice(&buf[..n]);
        if let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            head.truncate(end);
            return Ok(String::from_utf8(head).ok());
        }
        if head.len() > MAX_HEAD {
            return Ok(None);
        }
    }
}

async fn write_page(stream: &mut TcpStream, page: &Page) -> io::Result<()> {
    let body = page.html();
    let head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nX-Content-Type-Options: nosniff\r\n\
         Connection: close\r\n\r\n",
        page.status,
        page.reason(),
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    stream.flush().await?;
    stream.shutdown().await
}

/// A short HTML answer for the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub status: u16,
    pub title: String,
    pub text: String,
}

impl Page {
    pub fn new(status: u16, title: impl Into<String>, text: impl Into<String>) -> Self {
        Self { status, title: title.into(), text: text.into() }
    }

    pub fn signed_in(user: &str) -> Self {
        Self::new(
            200,
            "Signed in to Fitbit",
            format!("fitbit is signed in as {user}. You can close this tab and return to the terminal."),
        )
    }

    pub fn failed(reason: &str) -> Self {
        Self::new(
            400,
            "Sign-in failed",
            format!("{reason}. Nothing was saved; see the terminal, then run `fitbit login` again."),
        )
    }

    fn already_handled() -> Self {
        Self::new(409, "Already handled", "This sign-in has already been completed or refused.")
    }

    fn not_found() -> Self {
        Self::new(404, "Not found", "fitbit login serves only its redirect address.")
    }

    fn method_not_allowed() -> Self {
        Self::new(405, "Method not allowed", "The redirect address takes GET requests only.")
    }

    fn not_a_callback() -> Self {
        Self::new(
            400,
            "Waiting for Fitbit",
            "This address receives Fitbit's sign-in redirect; it carries no answer yet.",
        )
    }

    fn bad_request() -> Self {
        Self::new(400, "Bad request", "This is not an HTTP/1 request.")
    }

    fn reason(&self) -> &'static str {
        match self.status {
            200 => "OK",
            404 => "Not Found",
            405 => "Method Not Allowed",
            409 => "Conflict",
            _ => "Bad Request",
        }
    }

    /// The page, with every inserted text escaped.
    pub fn html(&self) -> String {
        format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\n\
             <body style=\"font-family: sans-serif; margin: 3em\"><h1>{title}</h1><p>{text}</p></body></html>\n",
            title = escape(&self.title),
            text = escape(&self.text)
        )
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_redirect_uris_are_accepted() {
        let target = RedirectTarget::parse("http://127.0.0.1:8080/").unwrap();
        assert_eq!(target.addrs, ["127.0.0.1:8080".parse().unwrap()]);
        assert_eq!(target.path, "/");
        let target = RedirectTarget::parse("http://[::1]:9000/cb?x=1").unwrap();
        assert_eq!(target.addrs, ["[::1]:9000".parse().unwrap()]);
        assert_eq!(target.path, "/cb");
        let target = RedirectTarget::parse("http://localhost/callback").unwrap();
        assert_eq!(target.addrs.len(), 2);
        assert_eq!(target.addrs[0], "127.0.0.1:80".parse().unwrap());
    }

    #[test]
    fn other_redirect_uris_are_usage_errors() {
        for uri in [
            "https://127.0.0.1:8080/",
            "http://example.com/cb",
            "http://10.0.0.1:80/",
            "nope",
            "http://127.0.0.1:0/",
        ] {
            let err = RedirectTarget::parse(uri).unwrap_err();
            assert_eq!(err.exit, crate::errors::Exit::Usage, "{uri}");
        }
    }

    #[test]
    fn paths_match_with_or_without_a_trailing_slash() {
        assert!(same_path("/", ""));
        assert!(same_path("/", "/"));
        assert!(same_path("/callback", "/callback/"));
        assert!(same_path("/callback/", "/callback"));
        assert!(!same_path("/callback", "/callbacks"));
        assert!(!same_path("/callback", "/"));
        assert!(!same_path("/", "/favicon.ico"));
    }

    #[test]
    fn requests_are_classified() {
        let callback = |head: &str| match classify(head, "/callback") {
            Request::Callback(target) => Ok(target),
            Request::Answer(page) => Err(page.status),
        };
        assert_eq!(
            callback("GET /callback?code=a&state=b HTTP/1.1\r\nHost: x"),
            Ok("/callback?code=a&state=b".into())
        );
        assert_eq!(
            callback("GET /callback/?error=access_denied HTTP/1.1"),
            Ok("/callback/?error=access_denied".into())
        );
        assert_eq!(
            callback("GET http://127.0.0.1:1/callback?state=s HTTP/1.1"),
            Ok("/callback?state=s".into())
        );
        assert_eq!(callback("GET /favicon.ico HTTP/1.1"), Err(404));
        assert_eq!(callback("GET /callback HTTP/1.1"), Err(400));
        assert_eq!(callback("GET /callback?x=1 HTTP/1.1"), Err(400));
        assert_eq!(callback("POST /callback?code=a HTTP/1.1"), Err(405));
        assert_eq!(callback("garbage"), Err(400));
    }

    #[test]
    fn pages_escape_what_they_quote() {
        let html = Page::failed("the authorization server answered `x`: <script>alert(1)</script>").html();
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;script&gt;"));
    }
}
