//! Helpers shared by the workspace's integration tests.

#![allow(dead_code)] // Each test binary uses a different subset.

pub mod contract;
pub use fitbit_tests::fixtures;
pub mod rotating;
pub mod scripted;
pub mod typed_mock;

use httpmock::MockServer;

/// The bearer token every loopback test client sends.
pub const TEST_TOKEN: &str = "test-access-token-0123456789";

/// A client pointed at a loopback mock server, authorised with [`TEST_TOKEN`].
pub fn client_for(server: &MockServer) -> fitbit_api::Client {
    fitbit_api::Client::builder()
        .base_url(server.base_url())
        .bearer_token(TEST_TOKEN)
        .build()
        .expect("a loopback client builds")
}
