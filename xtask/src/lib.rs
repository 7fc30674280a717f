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
pub mod migration;
pub mod models;
pub mod spec;
pub mod surface;
pub mod validate;

use std::path::{Path, PathBuf};

/// The workspace root (the parent of this crate's directory).
pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
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
    /// `--check` found files that differ from what the spec gives.
    Stale(Vec<PathBuf>),
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
            Error::Stale(paths) => {
                writeln!(f, "generated code is stale; run `cargo xtask regen`:")?;
                for path in paths {
                    writeln!(f, "  - {}", path.display())?;
                }
                Ok(())
            }
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

/// Fails with [`Error::Stale`] naming every checked-in file that differs from the spec.
pub fn check(root: &Path) -> Result<(), Error> {
    let stale: Vec<PathBuf> = generate_all(root)?
        .into_iter()
        .filter(|file| {
            std::fs::read_to_string(root.join(&file.path)).ok().as_deref() != Some(file.contents.as_str())
        })
        .map(|file| file.path)
        .collect();
    if stale.is_empty() { Ok(()) } else { Err(Error::Stale(stale)) }
}
