//! A token store in memory, for tests and for programs that persist elsewhere.

use std::sync::{Arc, Mutex, PoisonError};

use futures::future::BoxFuture;

use super::{LockedStore, StoredCredentials, TokenStore};
use crate::error::Error;
use crate::token::TokenSet;

/// A [`TokenStore`] in memory. Clones share the same record and lock, so a
/// test can keep a handle to inspect what a session saved.
///
/// ```
/// # async fn run() -> Result<(), fitbit_auth::Error> {
/// use fitbit_auth::{MemoryStore, TokenStore};
///
/// let store = MemoryStore::new();
/// assert!(store.load().await?.is_empty());
/// # Ok(()) }
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(run()).unwrap();
/// ```
#[derive(Clone, Debug, Default)]
pub struct MemoryStore {
    shared: Arc<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    record: Mutex<StoredCredentials>,
    lock: tokio::sync::Mutex<()>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A store holding `record`.
    pub fn with_credentials(record: StoredCredentials) -> Self {
        let store = Self::default();
        *store.shared.record.lock().unwrap_or_else(PoisonError::into_inner) = record;
        store
    }

    /// A store holding just these tokens.
    pub fn with_tokens(tokens: TokenSet) -> Self {
        Self::with_credentials(StoredCredentials { token: Some(tokens), ..Default::default() })
    }

    /// The record as it is now.
    pub fn snapshot(&self) -> StoredCredentials {
        self.shared.read()
    }
}

impl Shared {
    fn read(&self) -> StoredCredentials {
        self.record.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

impl TokenStore for MemoryStore {
    fn load(&self) -> BoxFuture<'_, Result<StoredCredentials, Error>> {
        Box::pin(async move { Ok(self.shared.read()) })
    }

    fn lock(&self) -> BoxFuture<'_, Result<Box<dyn LockedStore + '_>, Error>> {
        Box::pin(async move {
            let guard = self.shared.lock.lock().await;
            Ok(Box::new(MemoryLock { shared: &self.shared, _guard: guard }) as Box<dyn LockedStore + '_>)
        })
    }
}

struct MemoryLock<'a> {
    shared: &'a Shared,
    _guard: tokio::sync::MutexGuard<'a, ()>,
}

impl LockedStore for MemoryLock<'_> {
    fn load(&mut self) -> BoxFuture<'_, Result<StoredCredentials, Error>> {
        Box::pin(async move { Ok(self.shared.read()) })
    }

    fn save<'a>(&'a mut self, credentials: &'a StoredCredentials) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            *self.shared.record.lock().unwrap_or_else(PoisonError::into_inner) = credentials.clone();
            Ok(())
        })
    }
}
