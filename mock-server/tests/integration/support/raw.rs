use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tokio::io::{AsyncRead, AsyncReadExt};

use super::answer::Answer;

/// How a connection ended before a whole answer arrived.
#[derive(Debug)]
pub(crate) struct Cut {
    /// The bytes that did arrive.
    pub(crate) received: Vec<u8>,
    /// The read error, or `None` for an orderly close (EOF).
    pub(crate) error: Option<std::io::ErrorKind>,
}

/// Reads one HTTP/1.1 answer (an interim `100 Continue` counts as one) with a `Content-Length` body, or
/// how the connection ended first. Bytes that follow the answer in the same read are dropped.
pub(crate) async fn read_answer(reader: &mut (impl AsyncRead + Unpin)) -> Result<Answer, Cut> {
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        read_more(reader, &mut buf).await?;
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("a status line: {head:?}"));
    let mut headers = HeaderMap::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let (name, value) = line
            .split_once(':')
            .unwrap_or_else(|| panic!("a header line: {line:?}"));
        headers.append(
            HeaderName::from_bytes(name.trim().as_bytes()).expect("a header name"),
            HeaderValue::from_str(value.trim()).expect("a header value"),
        );
    }
    let length: usize = if (100..200).contains(&status) {
        0
    } else {
        headers
            .get("content-length")
            .and_then(|v| v.to_str().ok()?.parse().ok())
            .unwrap_or_else(|| panic!("an answer without Content-Length: {head}"))
    };
    while buf.len() < head_end + length {
        read_more(reader, &mut buf).await?;
    }
    let body = buf[head_end..head_end + length].to_vec();
    Ok(Answer::new(status, headers, body))
}

/// Reads what the connection has into `buf`, or how it ended.
async fn read_more(reader: &mut (impl AsyncRead + Unpin), buf: &mut Vec<u8>) -> Result<(), Cut> {
    let mut chunk = [0u8; 8192];
    match reader.read(&mut chunk).await {
        Ok(0) => Err(Cut {
            received: std::mem::take(buf),
            error: None,
        }),
        Ok(n) => {
            buf.extend_from_slice(&chunk[..n]);
            Ok(())
        }
        Err(e) => Err(Cut {
            received: std::mem::take(buf),
            error: Some(e.kind()),
        }),
    }
}
