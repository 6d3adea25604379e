//! The token of a `multipart/form-data` post, read from the body's FIRST part only (our forms put
//! the hidden `csrf` input first), so an upload is never buffered to check it. Every byte read is
//! put back in front of the rest of the payload: the handler still receives the whole body.
use std::cell::RefCell;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use actix_multipart::Multipart;
use actix_web::HttpMessage;
use actix_web::dev::{Payload, ServiceRequest};
use actix_web::error::PayloadError;
use actix_web::http::header::HeaderMap;
use bytes::{Bytes, BytesMut};
use futures::{Stream, StreamExt};

/// How much of the body is read to find the token part (its headers and the boundary included).
/// Network chunks are read whole, so at most this plus one chunk is held in memory.
const HEAD_LIMIT: usize = 8 * 1024;
/// Our tokens are 64 hex characters; anything much longer is not one.
const MAX_TOKEN_BYTES: usize = 128;

pub(super) fn is_multipart_form(req: &ServiceRequest) -> bool {
    req.mime_type()
        .ok()
        .flatten()
        .is_some_and(|mime| mime.type_() == mime::MULTIPART && mime.subtype() == mime::FORM_DATA)
}

/// The value of the first part when it is named `field`; `None` for anything else (a missing,
/// late, oversized or malformed token part), which the caller refuses.
pub(super) async fn first_part_token(req: &mut ServiceRequest, field: &str) -> Option<String> {
    let recorder = Rc::new(RefCell::new(Recorder {
        payload: req.take_payload(),
        seen: BytesMut::new(),
    }));
    let token = read_first_part(req.headers(), Tee(Rc::clone(&recorder)), field).await;
    // The parser (and with it the `Tee`) is gone: take back what it read and what it did not.
    let (seen, rest) = {
        let mut recorder = recorder.borrow_mut();
        (
            std::mem::take(&mut recorder.seen),
            Payload::take(&mut recorder.payload),
        )
    };
    let head = futures::stream::once(async move { Ok::<Bytes, PayloadError>(seen.freeze()) });
    req.set_payload(Payload::from(
        Box::pin(head.chain(rest)) as actix_http::BoxedPayloadStream
    ));
    token
}

async fn read_first_part(headers: &HeaderMap, head: Tee, field: &str) -> Option<String> {
    let mut parts = Multipart::new(headers, head);
    let mut part = parts.next().await?.ok()?;
    if part.name() != Some(field) {
        return None;
    }
    let mut value = BytesMut::new();
    while let Some(chunk) = part.next().await {
        value.extend_from_slice(&chunk.ok()?);
        if value.len() > MAX_TOKEN_BYTES {
            return None;
        }
    }
    String::from_utf8(value.to_vec()).ok()
}

struct Recorder {
    payload: Payload,
    seen: BytesMut,
}

/// The request's payload as the parser sees it: every chunk is also recorded, and the stream
/// ends early (an EOF, not an error) after `HEAD_LIMIT` bytes. An error would also fail a token
/// part that was complete before the parser read ahead; an early EOF only fails an incomplete one.
struct Tee(Rc<RefCell<Recorder>>);

impl Stream for Tee {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut recorder = self.0.borrow_mut();
        if recorder.seen.len() >= HEAD_LIMIT {
            return Poll::Ready(None);
        }
        let next = recorder.payload.poll_next_unpin(cx);
        if let Poll::Ready(Some(Ok(chunk))) = &next {
            recorder.seen.extend_from_slice(chunk);
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use actix_web::test::TestRequest;

    use super::*;

    const BOUNDARY: &str = "XyZ";

    fn body(parts: &[(&str, &str)]) -> String {
        let mut body = String::new();
        for (name, value) in parts {
            body.push_str(&format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            ));
        }
        body.push_str(&format!("--{BOUNDARY}--\r\n"));
        body
    }

    fn request(body: String) -> ServiceRequest {
        TestRequest::post()
            .insert_header((
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            ))
            .set_payload(body)
            .to_srv_request()
    }

    async fn rest_of(req: &mut ServiceRequest) -> Vec<u8> {
        let mut payload = req.take_payload();
        let mut all = Vec::new();
        while let Some(chunk) = payload.next().await {
            all.extend_from_slice(&chunk.expect("payload chunk"));
        }
        all
    }

    #[actix_web::test]
    async fn the_token_comes_from_the_first_part_and_the_body_is_left_whole() {
        let sent = body(&[("csrf", "abc123"), ("file", &"x".repeat(50_000))]);
        let mut req = request(sent.clone());
        assert!(is_multipart_form(&req));
        let token = first_part_token(&mut req, "csrf").await;
        assert_eq!(token.as_deref(), Some("abc123"));
        assert_eq!(rest_of(&mut req).await, sent.into_bytes());
    }

    #[actix_web::test]
    async fn a_token_that_is_not_first_is_not_looked_for() {
        let sent = body(&[("title", "report"), ("csrf", "abc123")]);
        let mut req = request(sent.clone());
        assert_eq!(first_part_token(&mut req, "csrf").await, None);
        assert_eq!(rest_of(&mut req).await, sent.into_bytes());
    }

    #[actix_web::test]
    async fn an_oversized_token_part_is_no_token() {
        let long = body(&[("csrf", &"a".repeat(MAX_TOKEN_BYTES + 1))]);
        assert_eq!(first_part_token(&mut request(long), "csrf").await, None);
    }

    /// A body that never ends, in 1 KiB chunks after `head`; the counter says how many were read.
    fn endless(head: String) -> (ServiceRequest, Rc<Cell<usize>>) {
        let pulled = Rc::new(Cell::new(0));
        let counter = Rc::clone(&pulled);
        let filler = futures::stream::repeat_with(move || {
            counter.set(counter.get() + 1);
            Ok(Bytes::from(vec![b'a'; 1024]))
        });
        let stream = futures::stream::once(async move { Ok::<_, PayloadError>(Bytes::from(head)) })
            .chain(filler);
        let mut req = request(String::new());
        req.set_payload(Payload::from(
            Box::pin(stream) as actix_http::BoxedPayloadStream
        ));
        (req, pulled)
    }

    #[actix_web::test]
    async fn an_endless_upload_is_read_only_up_to_its_head() {
        let token_first = format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc\r\n\
             --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n"
        );
        let (mut req, _) = endless(token_first);
        assert_eq!(
            first_part_token(&mut req, "csrf").await.as_deref(),
            Some("abc")
        );
        // Headers that never end: the parser gets an early end after the head, not the stream.
        let unterminated =
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\nX-Pad: ");
        let (mut req, pulled) = endless(unterminated);
        assert_eq!(first_part_token(&mut req, "csrf").await, None);
        assert!(
            pulled.get() <= HEAD_LIMIT / 1024,
            "read {} KiB",
            pulled.get()
        );
    }
}
