//! What the examples share: a client signed in through the token file that
//! `fitbit login` writes.
//!
//! Sign in once with the CLI (`fitbit login --client-id <ID> [--client-secret <SECRET>]`),
//! then run an example: `cargo run -p fitbit-examples --example quickstart`.

use std::path::PathBuf;

pub mod notifications;

use fitbit_api::{Client, Error};
use fitbit_auth::{FileStore, Session};

/// The token file, as the CLI finds it: `FITBIT_TOKEN_FILE`, or
/// [`FileStore::default_path`] (`credentials.json` in the working directory
/// on a system without a home directory).
pub fn token_file() -> PathBuf {
    std::env::var_os("FITBIT_TOKEN_FILE")
        .map(PathBuf::from)
        .or_else(FileStore::default_path)
        .unwrap_or_else(|| PathBuf::from("credentials.json"))
}

/// A client whose session refreshes (and saves) tokens as needed. The API
/// and OAuth host is `FITBIT_API_URL` when set (a local stand-in, say).
pub async fn signed_in_client() -> Result<Client, Error> {
    let api_url = std::env::var("FITBIT_API_URL").ok();
    let store = FileStore::new(token_file());
    let session = match &api_url {
        Some(url) => Session::from_store_with(store, |oauth| oauth.base_url(url)).await?,
        None => Session::from_store(store).await?,
    };
    let mut builder = Client::builder().authorizer(session);
    if let Some(url) = api_url {
        builder = builder.base_url(url);
    }
    builder.build()
}

/// The README's Rust examples compile (and the typed-mock one runs) as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
