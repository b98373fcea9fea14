//! Reading a response body chunk by chunk, stopping at a size limit instead of buffering without
//! bound (the limit applies to the decompressed bytes, so a gzip bomb stops there too).

use bytes::{Bytes, BytesMut};

/// The default limit of a response body: 64 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;

/// Why a body could not be read.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// The body is larger than the limit.
    TooLarge,
    /// The connection failed or timed out while reading.
    Read(reqwest::Error),
}

/// Reads the whole body of `response`, failing as soon as it exceeds `limit` bytes.
///
/// A body that arrives in one chunk is returned as that chunk (no copy); otherwise the chunks
/// are copied into one buffer, sized from `Content-Length` when the server sends it, so a page
/// costs one allocation of its size rather than a series of doublings.
pub(crate) async fn read_capped(
    mut response: reqwest::Response,
    limit: u64,
) -> Result<Bytes, BodyError> {
    let expected = response.content_length();
    if expected.is_some_and(|len| len > limit) {
        return Err(BodyError::TooLarge);
    }
    let mut first: Option<Bytes> = None;
    let mut body = BytesMut::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Read)? {
        let so_far = first.as_ref().map_or(body.len(), Bytes::len);
        let len = u64::try_from(so_far + chunk.len()).unwrap_or(u64::MAX);
        if len > limit {
            return Err(BodyError::TooLarge);
        }
        match first.take() {
            None if body.is_empty() => first = Some(chunk),
            None => body.extend_from_slice(&chunk),
            Some(head) => {
                // A length the server announced is only a hint: never reserve beyond the limit.
                let hint = expected.and_then(|n| usize::try_from(n).ok()).unwrap_or(0);
                body.reserve(hint.max(head.len() + chunk.len()));
                body.extend_from_slice(&head);
                body.extend_from_slice(&chunk);
            }
        }
    }
    Ok(first.unwrap_or_else(|| body.freeze()))
}
