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
///   created, 0700): it is never readable by others, not even briefly. A
///   file found readable or writable by others (mode 0644 after a `cp`) is
///   tightened to 0600 when read, with a warning.
/// - Only a regular file (or a link to one) is read: a FIFO, a device or a
///   directory in its place is refused at once rather than waited on.
/// - A save first removes the temporary files a process killed in the
///   middle of a save left behind (they hold tokens): under the lock, no
///   other save can be under way.
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

    fn ensure_writable(&mut self) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            let path = self.store.path.clone();
            blocking(move || probe_writable(&path)).await?.map_err(|err| {
                Error::Store(format!(
                    "cannot write the token file {} ({err}); make its directory writable",
                    self.store.path.display()
                ))
            })
        })
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
    let mut file = match open_regular(path, OpenOptions::new().read(true)) {
        Ok(file) => file,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(StoredCredentials::default()),
        Err(err) => return Err(Error::Store(format!("could not read {}: {err}", path.display()))),
    };
    tighten_if_open_to_others(path, &file);
    let mut bytes = Vec::new();
    io::Read::read_to_end(&mut file, &mut bytes)
        .map_err(|err| Error::Store(format!("could not read {}: {err}", path.display())))?;
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

/// Opens `path` without waiting on it and only if it is a regular file (or
/// a link to one): a FIFO would block `open` until a writer came, a device
/// or a directory is no token file.
fn open_regular(path: &Path, options: &mut OpenOptions) -> io::Result<File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let file = options.open(path)?;
    let kind = file.metadata()?.file_type();
    if !kind.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("it is {}, not a regular file; a token file must be a regular file", describe(kind)),
        ));
    }
    Ok(file)
}

/// What kind of special file this is, in words.
fn describe(kind: fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if kind.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
    }
    if kind.is_dir() { "a directory" } else { "a special file" }
}

/// A token file others may read or write is set to 0600, as `ssh` expects
/// of a key; the warning says what was found, since someone may already
/// have read it.
#[cfg(unix)]
fn tighten_if_open_to_others(path: &Path, file: &File) {
    use std::os::unix::fs::PermissionsExt as _;
    let Ok(meta) = file.metadata() else { return };
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 == 0 {
        return;
    }
    match file.set_permissions(fs::Permissions::from_mode(0o600)) {
        Ok(()) => tracing::warn!(
            path = %path.display(),
            "the token file was open to other users (mode {mode:04o}); it is now 0600. Anyone who read it \
             could use the tokens: if others share this machine, revoke them and sign in again"
        ),
        Err(err) => tracing::warn!(
            path = %path.display(),
            "the token file is open to other users (mode {mode:04o}) and could not be made 0600 ({err}); \
             run `chmod 600` on it"
        ),
    }
}

#[cfg(not(unix))]
fn tighten_if_open_to_others(_path: &Path, _file: &File) {}

fn open_and_lock(lock_path: &Path) -> io::Result<File> {
    ensure_parent_dir(lock_path)?;
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    owner_only(&mut options);
    let file = open_regular(lock_path, &mut options)?;
    file.lock()?;
    Ok(file)
}

/// The name of a temporary file beside `path`: `.<name>.<pid>.<random>.tmp`.
fn temp_name(path: &Path) -> String {
    format!(".{}.{}.{:016x}.tmp", file_name(path), std::process::id(), rand::rng().next_u64())
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Whether `entry` is a temporary file of a save of `name` (see [`temp_name`]),
/// and the process that made it.
fn temp_owner(entry: &str, name: &str) -> Option<u32> {
    let rest = entry.strip_prefix('.')?.strip_prefix(name)?.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (pid, random) = rest.split_once('.')?;
    let hex = random.len() == 16 && random.bytes().all(|b| b.is_ascii_hexdigit());
    let digits = !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit());
    if hex && digits { pid.parse().ok() } else { None }
}

/// Removes the temporary files that saves of `path` left behind when their
/// process died (`kill -9`, a power cut) between writing and renaming: they
/// hold tokens. Called under the store's lock, so no other save of this
/// file is under way; on Linux a file whose process still runs is left
/// alone all the same.
fn remove_stale_temp_files(dir: &Path, path: &Path) {
    let name = file_name(path);
    let Ok(entries) = fs::read_dir(dir) else { return };
    let mut removed = 0;
    for entry in entries.flatten() {
        let entry_name = entry.file_name();
        let Some(pid) = entry_name.to_str().and_then(|n| temp_owner(n, &name)) else { continue };
        if pid != std::process::id() && process_is_running(pid) {
            continue;
        }
        // Never follow a link: only a plain file of ours is removed.
        if entry.file_type().is_ok_and(|kind| kind.is_file()) && fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    if removed > 0 {
        tracing::info!(
            dir = %dir.display(),
            removed,
            "removed temporary token files left by interrupted saves"
        );
    }
}

/// Whether process `pid` runs, where the system says (Linux's `/proc`);
/// elsewhere `false`: the lock already rules out a save in progress.
fn process_is_running(pid: u32) -> bool {
    cfg!(target_os = "linux") && Path::new("/proc").join(pid.to_string()).exists()
}

/// Whether a save could write beside `path`: a temporary file is created
/// and removed, as a save would. Run before a refresh token is spent.
fn probe_writable(path: &Path) -> io::Result<()> {
    let dir = ensure_parent_dir(path)?;
    let probe = dir.join(temp_name(path));
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    owner_only(&mut options);
    let created = options.open(&probe).and_then(|file| file.sync_all());
    let _ = fs::remove_file(&probe);
    created
}

/// Writes `bytes` to a new file beside `path`, flushes it, renames it over
/// `path` and flushes the directory, so a crash leaves the old or the new
/// file, never a torn one.
fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = ensure_parent_dir(path)?;
    remove_stale_temp_files(&dir, path);
    let temp = dir.join(temp_name(path));

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
    fn temporary_files_are_recognised_by_their_exact_pattern() {
        assert_eq!(temp_owner(".credentials.json.4242.0123456789abcdef.tmp", "credentials.json"), Some(4242));
        for other in [
            ".credentials.json.4242.0123456789abcdef.tmp.bak",
            ".credentials.json.x42.0123456789abcdef.tmp",
            ".credentials.json.4242.0123456789abcdeg.tmp",
            ".credentials.json.4242.0123456789abcde.tmp",
            ".other.json.4242.0123456789abcdef.tmp",
            "credentials.json.4242.0123456789abcdef.tmp",
            ".credentials.json.notes.tmp",
        ] {
            assert_eq!(temp_owner(other, "credentials.json"), None, "{other}");
        }
        let made = temp_name(Path::new("/x/credentials.json"));
        assert_eq!(temp_owner(&made, "credentials.json"), Some(std::process::id()), "{made}");
    }

    #[test]
    fn lock_file_is_a_sibling() {
        let store = FileStore::new("/tmp/x/credentials.json");
        assert_eq!(store.lock_path(), Path::new("/tmp/x/credentials.json.lock"));
    }
}
