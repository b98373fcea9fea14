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
pub(crate) async fn read_capped(
    mut response: reqwest::Response,
    limit: u64,
) -> Result<Bytes, BodyError> {
    if response.content_length().is_some_and(|len| len > limit) {
        return Err(BodyError::TooLarge);
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Read)? {
        let len = u64::try_from(body.len() + chunk.len()).unwrap_or(u64::MAX);
        if len > limit {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}
