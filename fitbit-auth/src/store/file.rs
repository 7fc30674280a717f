//! A token store in a JSON file, safe to share between processes.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use futures::future::BoxFuture;
use rand::Rng as _;
use serde::{Deserialize, Serialize};

use super::{LockedStore, StoredCredentials, TokenStore};
use crate::error::Error;

/// The file format version this code writes; it refuses newer ones.
const FORMAT_VERSION: u32 = 1;

/// A [`TokenStore`] in one JSON file.
///
/// - Writes are atomic: a temporary file in the same directory is written,
///   flushed to disk, renamed over the old file, and the directory is flushed.
/// - On Unix the file is created with mode 0600 (and its directory, when
///   created, 0700): it is never readable by others, not even briefly.
/// - The lock is an exclusive OS file lock (`flock` on Unix) on a sibling
///   file `<name>.lock`, so processes sharing the file take turns.
///
/// The file looks like this (the client part is optional):
///
/// ```json
/// {
///   "version": 1,
///   "client": { "client_id": "23ABCD", "client_secret": "…", "redirect_uri": "http://127.0.0.1:8080/callback" },
///   "token": {
///     "access_token": "…", "refresh_token": "…", "user_id": "GGNJL9",
///     "scope": "activity heartrate sleep", "token_type": "Bearer",
///     "expires_at": "2026-03-01T20:00:00Z", "obtained_at": "2026-03-01T12:00:00Z"
///   }
/// }
/// ```
///
/// ```
/// # async fn run() -> Result<(), fitbit_auth::Error> {
/// use fitbit_auth::{ClientConfig, FileStore, TokenStore, TokenStoreExt};
///
/// let dir = std::env::temp_dir().join(format!("fitbit-auth-doc-{}", std::process::id()));
/// let store = FileStore::new(dir.join("credentials.json"));
/// store.update(|record| record.client = Some(ClientConfig::new("23ABCD"))).await?;
/// assert_eq!(store.load().await?.client.unwrap().client_id, "23ABCD");
/// # std::fs::remove_dir_all(dir).unwrap();
/// # Ok(()) }
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(run()).unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct FileStore {
    path: PathBuf,
    lock_path: PathBuf,
}

#[derive(Serialize, Deserialize)]
struct FileFormat {
    #[serde(default = "format_version")]
    version: u32,
    #[serde(flatten)]
    credentials: StoredCredentials,
}

fn format_version() -> u32 {
    FORMAT_VERSION
}

impl FileStore {
    /// A store at `path`; the lock file is `path` with `.lock` appended.
    /// Nothing is created until the first save or lock.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let mut lock_name = path.file_name().map(|n| n.to_os_string()).unwrap_or_else(|| "tokens".into());
        lock_name.push(".lock");
        let lock_path = path.with_file_name(lock_name);
        Self { path, lock_path }
    }

    /// Where the `fitbit` command-line tool keeps its tokens unless told
    /// otherwise: `fitbit/credentials.json` in the user's configuration
    /// directory (`$XDG_CONFIG_HOME` or `~/.config` on Linux,
    /// `~/Library/Application Support` on macOS, `%APPDATA%` on Windows).
    /// `None` when the system names no such directory (no home directory).
    ///
    /// A program that shares the CLI's sign-in opens the same file:
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), fitbit_auth::Error> {
    /// use fitbit_auth::{FileStore, Session};
    ///
    /// let path = FileStore::default_path().expect("a home directory");
    /// let session = Session::from_store(FileStore::new(path)).await?;
    /// # Ok(()) }
    /// ```
    pub fn default_path() -> Option<PathBuf> {
        Some(dirs::config_dir()?.join("fitbit").join("credentials.json"))
    }

    /// The JSON file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The sibling lock file.
    pub fn lock_path(&self) -> &Path {
        &self.lock_path
    }

    fn store_error(&self, doing: &str, err: impl std::fmt::Display) -> Error {
        Error::Store(format!("{doing} {}: {err}", self.path.display()))
    }
}

impl TokenStore for FileStore {
    fn load(&self) -> BoxFuture<'_, Result<StoredCredentials, Error>> {
        Box::pin(async move {
            let path = self.path.clone();
            blocking(move || read_file(&path)).await?
        })
    }

    fn lock(&self) -> BoxFuture<'_, Result<Box<dyn LockedStore + '_>, Error>> {
        Box::pin(async move {
            let lock_path = self.lock_path.clone();
            // `File::lock` blocks the thread until the lock is free, so it runs
            // on the blocking pool; dropping the File releases the lock.
            let file = blocking(move || open_and_lock(&lock_path))
                .await?
                .map_err(|err| self.store_error("could not lock", err))?;
            tracing::trace!(path = %self.path.display(), "token store locked");
            Ok(Box::new(FileLock { store: self, _lock: file }) as Box<dyn LockedStore + '_>)
        })
    }
}

struct FileLock<'a> {
    store: &'a FileStore,
    _lock: File,
}

impl LockedStore for FileLock<'_> {
    fn load(&mut self) -> BoxFuture<'_, Result<StoredCredentials, Error>> {
        self.store.load()
    }

    fn save<'a>(&'a mut self, credentials: &'a StoredCredentials) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let document = FileFormat { version: FORMAT_VERSION, credentials: credentials.clone() };
            let mut bytes = serde_json::to_vec_pretty(&document).map_err(|err| {
                Error::Store(format!("could not encode the token file: {}", err.classify_name()))
            })?;
            bytes.push(b'\n');
            let path = self.store.path.clone();
            blocking(move || write_atomically(&path, &bytes))
                .await?
                .map_err(|err| self.store.store_error("could not write", err))?;
            tracing::debug!(path = %self.store.path.display(), "token store saved");
            Ok(())
        })
    }
}

/// Runs file I/O off the async threads.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, Error> {
    tokio::task::spawn_blocking(work).await.map_err(|err| Error::Store(format!("file task failed: {err}")))
}

fn read_file(path: &Path) -> Result<StoredCredentials, Error> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(StoredCredentials::default()),
        Err(err) => return Err(Error::Store(format!("could not read {}: {err}", path.display()))),
    };
    warn_if_readable_by_others(path);
    // A file created empty (`touch`) holds nothing yet.
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(StoredCredentials::default());
    }
    // serde's messages can quote the offending value, which may be a token:
    // report only where the file is broken.
    let document: FileFormat = serde_json::from_slice(&bytes).map_err(|err| {
        Error::Store(format!(
            "{} is not a valid token file ({} at line {}, column {})",
            path.display(),
            err.classify_name(),
            err.line(),
            err.column()
        ))
    })?;
    if document.version > FORMAT_VERSION {
        return Err(Error::Store(format!(
            "{} has format version {}; this fitbit-auth reads up to {FORMAT_VERSION}: upgrade it",
            path.display(),
            document.version
        )));
    }
    Ok(document.credentials)
}

trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "I/O error",
            serde_json::error::Category::Syntax => "syntax error",
            serde_json::error::Category::Data => "unexpected content",
            serde_json::error::Category::Eof => "unexpected end",
        }
    }
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    if let Ok(meta) = fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(path = %path.display(), "the token file is readable by other users; run `chmod 600` on it");
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_path: &Path) {}

fn open_and_lock(lock_path: &Path) -> io::Result<File> {
    ensure_parent_dir(lock_path)?;
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    owner_only(&mut options);
    let file = options.open(lock_path)?;
    file.lock()?;
    Ok(file)
}

/// Writes `bytes` to a new file beside `path`, flushes it, renames it over
/// `path` and flushes the directory, so a crash leaves the old or the new
/// file, never a torn one.
fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = ensure_parent_dir(path)?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temp = dir.join(format!(".{name}.{}.{:016x}.tmp", std::process::id(), rand::rng().next_u64()));

    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    owner_only(&mut options);
    let result = (|| {
        let mut file = options.open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temp, path)
    })();
    if let Err(err) = result {
        let _ = fs::remove_file(&temp);
        return Err(err);
    }
    sync_dir(&dir)
}

/// The parent directory of `path`, created (0700 on Unix) when missing.
fn ensure_parent_dir(path: &Path) -> io::Result<PathBuf> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.exists() {
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt as _;
            builder.mode(0o700);
        }
        builder.create(&dir)?;
    }
    Ok(dir)
}

/// Mode 0600 at creation on Unix: the umask can only remove bits from it.
fn owner_only(options: &mut OpenOptions) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = options;
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_file_is_a_sibling() {
        let store = FileStore::new("/tmp/x/credentials.json");
        assert_eq!(store.lock_path(), Path::new("/tmp/x/credentials.json.lock"));
    }
}
