//! The floor of this stack: axum + multer (the fake's versions) reading the whole multipart stream and
//! answering a fixed envelope. No auth, no rules, no sniffing, no state.

use axum::extract::Request;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use http::header::CONTENT_TYPE;
use http::StatusCode;

/// The envelope every answer carries.
const ENVELOPE: &str = r#"{"code":0,"msg":"","data":{"voice_id":"7000000000000000001"},"detail":{"logid":"20250101000000ABCDEF0123456789ABCDEF"}}"#;

/// Serves on `addr` until killed, printing `listening on http://ADDR` once bound.
pub(crate) async fn serve(addr: &str) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("listening on http://{}", listener.local_addr()?);
    let app = Router::new().route("/v1/audio/voices/clone", post(clone));
    axum::serve(listener, app).await?;
    Ok(())
}

async fn clone(request: Request) -> impl IntoResponse {
    let boundary = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| multer::parse_boundary(v).ok());
    let Some(boundary) = boundary else {
        return (StatusCode::BAD_REQUEST, "not multipart").into_response();
    };
    let mut multipart = multer::Multipart::new(request.into_body().into_data_stream(), boundary);
    loop {
        match multipart.next_field().await {
            Ok(Some(mut field)) => while let Ok(Some(_chunk)) = field.chunk().await {},
            Ok(None) => break,
            Err(_) => return (StatusCode::BAD_REQUEST, "malformed").into_response(),
        }
    }
    (
        [
            (CONTENT_TYPE, "application/json"),
            (
                http::HeaderName::from_static("x-tt-logid"),
                "20250101000000ABCDEF0123456789ABCDEF",
            ),
        ],
        ENVELOPE,
    )
        .into_response()
}
