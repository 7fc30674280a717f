//! Maintainer tasks for fitbit-rs.
//!
//! The spec in `spec/` is the source of truth. This crate reads it, checks the
//! project's rules (see [`validate`]), generates the client with progenitor
//! (see [`codegen`]), renders the migration map (see [`migration`]) and
//! compares or writes the checked-in files.
//!
//! It is a library as well as a binary so that the workspace tests can run the
//! same checks: a forgotten `cargo xtask regen` fails `cargo test`.

pub mod cli;
pub mod codegen;
pub mod contract;
pub mod coverage;
pub mod fixture_keys;
pub mod migration;
pub mod models;
mod naming;
pub mod provenance;
pub mod spec;
pub mod surface;
pub mod validate;

use std::path::{Path, PathBuf};

/// The checkout to work on, found at run time: the first directory that holds
/// the spec, walking up from `CARGO_MANIFEST_DIR` as cargo sets it for the
/// running process (`cargo run`, `cargo test`, `cargo bench` all set it to the
/// package they run, in the checkout they were invoked in), else from the
/// current directory.
///
/// Never the directory the binary was compiled in: with a target directory
/// shared between clones, an `xtask` built in one clone would otherwise
/// regenerate the other.
pub fn project_root() -> Result<PathBuf, Error> {
    let starts = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .into_iter()
        .chain(std::env::current_dir().ok());
    let mut tried = Vec::new();
    for start in starts {
        if let Some(root) = find_root_from(&start) {
            return Ok(root);
        }
        tried.push(start.display().to_string());
    }
    Err(Error::NoCheckout(tried))
}

/// The nearest directory at or above `start` that holds [`spec::SPEC_PATH`]
/// and a `Cargo.toml`.
pub fn find_root_from(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join(spec::SPEC_PATH).is_file() && dir.join("Cargo.toml").is_file())
        .map(Path::to_path_buf)
}

/// A generated file: where it goes (relative to the workspace root) and what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    pub path: PathBuf,
    pub contents: String,
}

/// Any failure of an xtask command, with a message meant for a maintainer.
#[derive(Debug)]
pub enum Error {
    /// The spec could not be read or parsed.
    Spec(String),
    /// The spec breaks one or more project rules; one line per problem.
    Invalid(Vec<String>),
    /// progenitor or the formatter failed.
    Generate(String),
    /// Reading or writing a file failed.
    Io(PathBuf, std::io::Error),
    /// `--check` found files that differ from what the spec gives: each
    /// file with a unified diff from what is checked in to what the spec gives.
    Stale(Vec<StaleFile>),
    /// No checkout was found above these directories.
    NoCheckout(Vec<String>),
}

/// A checked-in file that differs from what the spec gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleFile {
    pub path: PathBuf,
    /// `--- checked in` / `+++ generated`, three lines of context.
    pub diff: String,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Spec(message) => write!(f, "cannot read the spec: {message}"),
            Error::Invalid(problems) => {
                writeln!(f, "the spec breaks {} project rule(s):", problems.len())?;
                for problem in problems {
                    writeln!(f, "  - {problem}")?;
                }
                Ok(())
            }
            Error::Generate(message) => write!(f, "code generation failed: {message}"),
            Error::Io(path, err) => write!(f, "{}: {err}", path.display()),
            Error::Stale(files) => {
                writeln!(f, "generated code is stale; run `cargo xtask regen`:")?;
                for file in files {
                    writeln!(f, "  - {}", file.path.display())?;
                }
                for file in files {
                    writeln!(f)?;
                    f.write_str(&file.diff)?;
                }
                Ok(())
            }
            Error::NoCheckout(tried) => write!(
                f,
                "no fitbit-rs checkout (a directory with {} and Cargo.toml) at or above {}",
                spec::SPEC_PATH,
                tried.join(" or ")
            ),
        }
    }
}

impl std::error::Error for Error {}

/// Reads and validates the project spec and the migration map, then renders
/// every generated file.
pub fn generate_all(root: &Path) -> Result<Vec<GeneratedFile>, Error> {
    let spec = spec::Spec::load(&root.join(spec::SPEC_PATH))?;
    validate::validate(&spec).map_err(Error::Invalid)?;
    let mut files = codegen::render_all(&spec)?;
    files.extend(migration::render_all(root, &spec)?);
    Ok(files)
}

/// Writes every generated file; returns the paths that changed.
pub fn regen(root: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut changed = Vec::new();
    for file in generate_all(root)? {
        let target = root.join(&file.path);
        let current = std::fs::read_to_string(&target).ok();
        if current.as_deref() != Some(file.contents.as_str()) {
            if let Some(dir) = target.parent() {
                std::fs::create_dir_all(dir).map_err(|e| Error::Io(dir.to_path_buf(), e))?;
            }
            std::fs::write(&target, &file.contents).map_err(|e| Error::Io(target.clone(), e))?;
            changed.push(file.path);
        }
    }
    Ok(changed)
}

/// Fails with [`Error::Stale`] naming every checked-in file that differs from
/// the spec, with a unified diff of each.
pub fn check(root: &Path) -> Result<(), Error> {
    let stale: Vec<StaleFile> = generate_all(root)?
        .into_iter()
        .filter_map(|file| {
            let current = std::fs::read_to_string(root.join(&file.path)).ok();
            (current.as_deref() != Some(file.contents.as_str())).then(|| StaleFile {
                diff: unified_diff(&file.path, current.as_deref(), &file.contents),
                path: file.path,
            })
        })
        .collect();
    if stale.is_empty() { Ok(()) } else { Err(Error::Stale(stale)) }
}

/// A unified diff (three lines of context) from the checked-in text (`None`:
/// the file is missing) to the generated one.
pub fn unified_diff(path: &Path, checked_in: Option<&str>, generated: &str) -> String {
    let name = path.display().to_string();
    let old_name = if checked_in.is_some() { format!("a/{name} (checked in)") } else { "/dev/null".into() };
    similar::TextDiff::from_lines(checked_in.unwrap_or(""), generated)
        .unified_diff()
        .context_radius(3)
        .header(&old_name, &format!("b/{name} (from the spec)"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A throwaway directory under the system's temp dir, removed on drop.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Self {
            let dir = std::env::temp_dir().join(format!("xtask-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("a scratch dir");
            Scratch(dir)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn the_root_is_the_checkout_found_at_run_time() {
        let scratch = Scratch::new("root");
        let other = scratch.0.join("other-clone");
        std::fs::create_dir_all(other.join("spec")).unwrap();
        std::fs::create_dir_all(other.join("xtask/src")).unwrap();
        std::fs::write(other.join("Cargo.toml"), "[workspace]\n").unwrap();
        std::fs::write(other.join(spec::SPEC_PATH), "openapi: 3.0.3\n").unwrap();
        assert_eq!(find_root_from(&other.join("xtask/src")), Some(other.clone()));
        assert_eq!(find_root_from(&other), Some(other.clone()));
        // Not the checkout this test binary was compiled in.
        assert_ne!(find_root_from(&other), find_root_from(Path::new(env!("CARGO_MANIFEST_DIR"))));
        // A directory without the spec above it is no checkout.
        assert_eq!(find_root_from(&scratch.0), None);
    }

    #[test]
    fn a_stale_file_is_shown_as_a_unified_diff() {
        let path = Path::new("fitbit-api/src/generated_client.rs");
        let diff = unified_diff(path, Some("a\nb\nc\n"), "a\nB\nc\n");
        assert!(diff.starts_with("--- a/fitbit-api/src/generated_client.rs (checked in)\n"), "{diff}");
        assert!(diff.contains("+++ b/fitbit-api/src/generated_client.rs (from the spec)\n"), "{diff}");
        assert!(diff.contains("@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"), "{diff}");
        let missing = unified_diff(path, None, "new\n");
        assert!(missing.starts_with("--- /dev/null\n") && missing.contains("+new\n"), "{missing}");

        let message =
            Error::Stale(vec![StaleFile { path: path.to_path_buf(), diff: diff.clone() }]).to_string();
        assert!(message.contains("  - fitbit-api/src/generated_client.rs\n"), "{message}");
        assert!(message.contains(&diff), "{message}");
    }
}
