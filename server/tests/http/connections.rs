//! Connections a client holds without finishing its request (PRODUCT.md §11): a header that
//! never ends and a keep-alive connection left idle are closed after the header timeout, and
//! connections beyond the cap wait until one closes. The timeout runs on the real clock
//! (hyper's timer), so these instances use 1 second; the tests wait for the close, not a time.

use crate::helpers::TestApp;
use reqwest::StatusCode;
use std::time::Duration;
use store::Backend;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Far more than the 1 s header timeout: a connection still open after this was never cut.
const CLOSE_DEADLINE: Duration = Duration::from_secs(15);

async fn instance(max_connections: u64) -> TestApp {
    TestApp::spawn_configured(Backend::Sqlite, |config| {
        config.header_timeout = 1;
        config.max_connections = max_connections;
    })
    .await
    .unwrap()
}

fn address(app: &TestApp) -> String {
    app.base.trim_start_matches("http://").to_string()
}

/// A connection that sent `bytes`.
async fn sent(addr: &str, bytes: &[u8]) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    stream
}

/// Half a request header, which never ends.
const HALF_HEADER: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";

/// A connection that sent half a request header and stops there.
async fn half_header(addr: &str) -> TcpStream {
    sent(addr, HALF_HEADER).await
}

/// A kept-alive connection that sent one whole request.
async fn one_request(addr: &str) -> TcpStream {
    sent(addr, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").await
}

/// Reads until the server closes the connection; the bytes it sent before, if any.
async fn closed_by_server(stream: &mut TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    let read_all = async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(CLOSE_DEADLINE, read_all)
        .await
        .expect("the server never closed the connection");
    received
}

#[tokio::test]
async fn slow_headers_are_cut_off_while_other_requests_are_answered() {
    let app = instance(10_000).await;
    let addr = address(&app);
    let mut slow = Vec::new();
    for _ in 0..300 {
        slow.push(half_header(&addr).await);
    }
    let healthz = reqwest::get(format!("{}/healthz", app.base)).await.unwrap();
    assert_eq!(healthz.status(), StatusCode::OK);
    for stream in &mut slow {
        let sent = closed_by_server(stream).await;
        assert!(
            !String::from_utf8_lossy(&sent).contains("200 OK"),
            "a half header was answered as a request"
        );
    }
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let app = instance(10_000).await;
    let mut stream = one_request(&address(&app)).await;
    let answered = closed_by_server(&mut stream).await;
    let answered = String::from_utf8_lossy(&answered);
    assert!(answered.starts_with("HTTP/1.1 200 OK"), "{answered}");
}

/// The timer is the connection's (`serve_timer`): a second request's header gets its own
/// timeout, counted from when the first was answered, not a leftover of the first's.
#[tokio::test]
async fn a_slow_second_header_on_a_kept_alive_connection_is_cut_off() {
    let app = instance(10_000).await;
    let mut stream = one_request(&address(&app)).await;
    let mut buf = [0u8; 4096];
    let n = stream.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200 OK"));
    stream.write_all(HALF_HEADER).await.unwrap();
    let sent = closed_by_server(&mut stream).await;
    assert!(
        !String::from_utf8_lossy(&sent).contains("200 OK"),
        "the half second header was answered as a request"
    );
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_for_one_to_close() {
    let app = instance(2).await;
    let addr = address(&app);
    let mut first = half_header(&addr).await;
    let mut second = half_header(&addr).await;
    // Only a freed place lets this one be served: one of the two must have been cut off first.
    let healthz = tokio::time::timeout(
        CLOSE_DEADLINE,
        reqwest::get(format!("{}/healthz", app.base)),
    )
    .await
    .expect("the third connection was never served")
    .unwrap();
    assert_eq!(healthz.status(), StatusCode::OK);
    let mut buf = [0u8; 64];
    let closed = |read: std::io::Result<usize>| matches!(read, Ok(0) | Err(_));
    let first_closed = tokio::time::timeout(Duration::from_millis(1), first.read(&mut buf)).await;
    let second_closed = tokio::time::timeout(Duration::from_millis(1), second.read(&mut buf)).await;
    assert!(
        first_closed.is_ok_and(closed) || second_closed.is_ok_and(closed),
        "a third connection was served while two held the only places"
    );
}
