//! A token source that hands out `old-token` until it is asked to refresh,
//! then `new-token`, and counts the refreshes.

use std::sync::atomic::{AtomicUsize, Ordering};

use fitbit_auth::{AccessToken, Authorizer};
use futures::future::BoxFuture;

pub const OLD_TOKEN: &str = "old-token";
pub const NEW_TOKEN: &str = "new-token";

#[derive(Debug, Default)]
pub struct RotatingToken {
    refreshes: AtomicUsize,
}

impl RotatingToken {
    /// How many refreshes were asked for.
    pub fn refreshes(&self) -> usize {
        self.refreshes.load(Ordering::SeqCst)
    }
}

impl Authorizer for RotatingToken {
    fn access_token(&self) -> BoxFuture<'_, Result<AccessToken, fitbit_auth::Error>> {
        let token = if self.refreshes() == 0 { OLD_TOKEN } else { NEW_TOKEN };
        Box::pin(async move { Ok(AccessToken::new(token)) })
    }

    fn refresh_after_rejection<'a>(
        &'a self,
        rejected: &'a AccessToken,
    ) -> BoxFuture<'a, Result<AccessToken, fitbit_auth::Error>> {
        assert_eq!(rejected.secret(), OLD_TOKEN, "the rejected token is the one that was sent");
        self.refreshes.fetch_add(1, Ordering::SeqCst);
        Box::pin(async { Ok(AccessToken::new(NEW_TOKEN)) })
    }
}
