//! Following `nextPageToken` from page to page, for every paged call this
//! crate wraps.

use std::collections::HashSet;
use std::future::Future;

use fitbit_auth::Error;
use futures::Stream;

/// The pages `fetch` returns, first with an empty token, then with each
/// token the previous page gave, until a page gives none. A token the server
/// repeats ends the stream with [`Error::InvalidResponse`] rather than
/// looping forever; an error ends it after the error.
pub(crate) fn token_pages<P, F, Fut>(fetch: F) -> impl Stream<Item = Result<P, Error>> + Send + 'static
where
    P: Send + 'static,
    F: FnMut(String) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(P, Option<String>), Error>> + Send,
{
    struct Cursor<F> {
        fetch: F,
        token: Option<String>,
        seen: HashSet<String>,
        done: bool,
    }
    let cursor = Cursor { fetch, token: None, seen: HashSet::new(), done: false };
    futures::stream::try_unfold(cursor, |mut cursor| async move {
        if cursor.done {
            return Ok(None);
        }
        let (page, next) = (cursor.fetch)(cursor.token.take().unwrap_or_default()).await?;
        match next.filter(|token| !token.is_empty()) {
            Some(token) if !cursor.seen.insert(token.clone()) => {
                return Err(Error::InvalidResponse {
                    status: Some(200),
                    message: "the server repeated a page token; stopping rather than looping".into(),
                });
            }
            Some(token) => cursor.token = Some(token),
            None => cursor.done = true,
        }
        Ok(Some((page, cursor)))
    })
}

#[cfg(test)]
mod tests {
    use futures::TryStreamExt as _;

    use super::*;

    #[tokio::test]
    async fn pages_follow_tokens_and_a_repeated_token_stops_the_stream() {
        let pages: Vec<u32> = token_pages(|token: String| async move {
            Ok(match token.as_str() {
                "" => (1, Some("a".to_string())),
                "a" => (2, Some("b".to_string())),
                _ => (3, None),
            })
        })
        .try_collect()
        .await
        .unwrap();
        assert_eq!(pages, [1, 2, 3]);

        let looping: Result<Vec<u32>, _> =
            token_pages(|_token: String| async move { Ok((0, Some("same".to_string()))) })
                .try_collect()
                .await;
        assert!(matches!(looping, Err(Error::InvalidResponse { .. })));
    }
}
