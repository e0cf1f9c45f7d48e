//! Writing output files: each is written beside its final name and renamed into place, so an
//! interrupted run never leaves a half-written report behind.

use std::fs;
use std::path::{Path, PathBuf};

use super::CliError;

/// Creates `dir` (and its parents) if needed, then writes each `(name, text)` into it.
pub(super) fn write_all(dir: &Path, files: &[(&str, &str)]) -> Result<Vec<PathBuf>, CliError> {
    fs::create_dir_all(dir).map_err(|error| CliError::Write { path: dir.to_path_buf(), error })?;
    let mut written = Vec::with_capacity(files.len());
    for (name, text) in files {
        let path = dir.join(name);
        let partial = dir.join(format!(".{name}.partial"));
        fs::write(&partial, text)
            .and_then(|()| fs::rename(&partial, &path))
            .map_err(|error| CliError::Write { path: path.clone(), error })?;
        written.push(path);
    }
    Ok(written)
}
