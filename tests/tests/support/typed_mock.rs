//! The runner behind the generated typed-mock tests
//! (`tests/tests/typed_mocks/generated.rs`): each operation's typed mock from
//! `fitbit-api-httpmock`, set up with the sample parameters, must match the
//! request the generated client sends for the same parameters.

use std::fmt::Debug;
use std::future::Future;
use std::str::FromStr;

use fitbit_api::RawError;
use httpmock::{Mock, MockServer};

use super::{client_for, fixtures};

/// A parameter value for a typed matcher, parsed from the sample text.
pub fn parsed<T: FromStr>(text: &str) -> T
where
    T::Err: Debug,
{
    text.parse().unwrap_or_else(|err| panic!("the sample `{text}` does not parse: {err:?}"))
}

/// The typed answer: the operation's first response fixture, decoded.
pub fn answer<T: serde::de::DeserializeOwned>(operation: &str) -> T {
    let fixture = fixtures::responses(operation)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("{operation}: no response fixture"));
    serde_json::from_str(&fixture.text).unwrap_or_else(|err| panic!("{}: {err}", fixture.name))
}

/// Sets up the typed mock, makes the call, and checks that the mock matched it once.
pub async fn run<M, F, Fut>(operation: &str, mock: M, call: F)
where
    M: for<'s> FnOnce(&'s MockServer) -> Mock<'s>,
    F: FnOnce(fitbit_api::Client) -> Fut,
    Fut: Future<Output = Result<(), RawError>>,
{
    let server = MockServer::start_async().await;
    let mock = mock(&server);
    let result = call(client_for(&server)).await;
    if let Err(err) = result {
        panic!(
            "{operation}: the typed mock did not answer the client's request ({} hits): {}",
            mock.calls_async().await,
            fitbit_api::Error::from(err)
        );
    }
    assert_eq!(mock.calls_async().await, 1, "{operation}: the typed mock matched the request once");
}
