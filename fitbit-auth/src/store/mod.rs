//! Where tokens (and the app's client credentials) are kept between runs.
//!
//! A [`TokenStore`] has an exclusive lock that spans processes where the
//! storage does ([`FileStore`]). The [`Session`](crate::Session) takes it for
//! every refresh and re-reads the store inside it, so that processes sharing
//! one store never spend the same single-use refresh token twice.

mod file;
mod memory;

use std::fmt;
use std::future::Future;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::Error;
use crate::oauth_client::{OAuthClient, OAuthClientBuilder};
use crate::provider::Provider;
use crate::secret::ClientSecret;
use crate::token::TokenSet;

pub use file::FileStore;
pub use memory::MemoryStore;

/// Storage for one user's tokens and the app's client settings.
///
/// Implementations must make [`lock`](TokenStore::lock) exclusive across
/// every process that shares the storage, and make [`LockedStore::save`]
/// atomic (readers see the old or the new record, never a mix).
pub trait TokenStore: Send + Sync + fmt::Debug {
    /// Reads the record without taking the lock (empty when nothing is stored).
    fn load(&self) -> BoxFuture<'_, Result<StoredCredentials, Error>>;

    /// Waits for the exclusive lock. It is released when the returned guard
    /// is dropped.
    fn lock(&self) -> BoxFuture<'_, Result<Box<dyn LockedStore + '_>, Error>>;
}

/// A store whose exclusive lock is held: read, decide, write, without another
/// holder of the lock writing in between.
pub trait LockedStore: Send {
    /// Reads the record as it is now.
    fn load(&mut self) -> BoxFuture<'_, Result<StoredCredentials, Error>>;

    /// Replaces the record, atomically.
    fn save<'a>(&'a mut self, credentials: &'a StoredCredentials) -> BoxFuture<'a, Result<(), Error>>;

    /// Checks that [`save`](Self::save) could write now (a writable
    /// directory, for a file). The [`Session`](crate::Session) asks before it
    /// spends a single-use refresh token, so that a store it cannot write
    /// does not cost the user their sign-in. The default says yes.
    fn ensure_writable(&mut self) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(std::future::ready(Ok(())))
    }
}

impl<T: TokenStore + ?Sized> TokenStore for std::sync::Arc<T> {
    fn load(&self) -> BoxFuture<'_, Result<StoredCredentials, Error>> {
        (**self).load()
    }

    fn lock(&self) -> BoxFuture<'_, Result<Box<dyn LockedStore + '_>, Error>> {
        (**self).lock()
    }
}

/// Read-modify-write under the store's lock, for any [`TokenStore`].
pub trait TokenStoreExt: TokenStore {
    /// Applies `change` to the current record and saves it, all under the
    /// lock; returns the saved record.
    ///
    /// ```
    /// # async fn run() -> Result<(), fitbit_auth::Error> {
    /// use fitbit_auth::{ClientConfig, MemoryStore, TokenStore, TokenStoreExt};
    ///
    /// let store = MemoryStore::new();
    /// store.update(|record| record.client = Some(ClientConfig::new("23ABCD"))).await?;
    /// assert_eq!(store.load().await?.client.unwrap().client_id, "23ABCD");
    /// # Ok(()) }
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(run()).unwrap();
    /// ```
    fn update<F>(&self, change: F) -> impl Future<Output = Result<StoredCredentials, Error>> + Send
    where
        F: FnOnce(&mut StoredCredentials) + Send,
    {
        async move {
            let mut locked = self.lock().await?;
            let mut record = locked.load().await?;
            change(&mut record);
            locked.save(&record).await?;
            Ok(record)
        }
    }
}

impl<T: TokenStore + ?Sized> TokenStoreExt for T {}

/// What a token store holds: the app's client settings (optional, so that a
/// CLI can keep what the user entered) and the current tokens.
///
/// Fields this version does not know are kept in `extra` and written back,
/// so a newer tool's additions survive an older one's refresh. `Debug` shows
/// no secret and only the names of the `extra` fields.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StoredCredentials {
    /// Whose client and tokens these are. Records written before providers
    /// existed have none: they are Fitbit's (see [`provider`](Self::provider)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<Provider>,
    /// The app: client id, optional secret, redirect URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<ClientConfig>,
    /// The user's tokens, once signed in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<TokenSet>,
    /// Fields written by other tools or newer versions.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl StoredCredentials {
    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.provider.is_none() && self.client.is_none() && self.token.is_none() && self.extra.is_empty()
    }

    /// The provider the record belongs to; Fitbit when it says none (a file
    /// written before Google sign-in existed).
    pub fn provider(&self) -> Provider {
        self.provider.unwrap_or_default()
    }
}

impl fmt::Debug for StoredCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredCredentials")
            .field("provider", &self.provider)
            .field("client", &self.client)
            .field("token", &self.token)
            .field("extra", &self.extra.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// An app's OAuth client settings (Fitbit or Google), as kept in a token store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientConfig {
    /// The OAuth 2.0 client id (from dev.fitbit.com, or the Google Cloud console).
    pub client_id: String,
    /// The client secret (server and personal apps); `Debug` redacts it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<ClientSecret>,
    /// The registered redirect URI, exactly as registered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
}

impl ClientConfig {
    /// Settings for a public client (no secret, no redirect URI yet).
    pub fn new(client_id: impl Into<String>) -> Self {
        Self { client_id: client_id.into(), client_secret: None, redirect_uri: None }
    }

    /// An [`OAuthClient`] builder preset with these settings (Fitbit's
    /// endpoints; set the provider or endpoints on the builder).
    pub fn oauth_client_builder(&self) -> OAuthClientBuilder {
        self.oauth_client_builder_for(Provider::Fitbit)
    }

    /// An [`OAuthClient`] builder preset with these settings and `provider`'s
    /// rules and endpoints.
    pub fn oauth_client_builder_for(&self, provider: Provider) -> OAuthClientBuilder {
        let mut builder = OAuthClient::builder(&self.client_id)
            .provider(provider)
            .maybe_client_secret(self.client_secret.clone());
        if let Some(uri) = &self.redirect_uri {
            builder = builder.redirect_uri(uri);
        }
        builder
    }
}
