//! A set of files written into a hidden folder beside their destination and moved into place
//! together: either every file of the set replaces its predecessor, or none does.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use crate::error::CliError;

/// The hidden folder of a set being written, inside the destination directory (so every move
/// is a rename on one file system). Dropped without [`Staging::replace`], it is deleted with
/// everything written so far.
#[derive(Debug)]
pub(crate) struct Staging {
    dir: PathBuf,
    temp: TempDir,
    /// Names of the files written and complete, in order.
    complete: Vec<String>,
}

impl Staging {
    /// A new hidden folder in `dir` (which must exist).
    pub(crate) fn new(dir: &Path) -> Result<Self, CliError> {
        let temp = tempfile::Builder::new()
            .prefix(".bluebutton-export-")
            .tempdir_in(dir)
            .map_err(CliError::io(dir))?;
        Ok(Staging {
            dir: dir.to_path_buf(),
            temp,
            complete: Vec::new(),
        })
    }

    /// The hidden folder.
    pub(crate) fn path(&self) -> &Path {
        self.temp.path()
    }

    /// A new file `name` of the set, private to the owner.
    pub(crate) fn create(&self, name: &str) -> Result<StagedFile, CliError> {
        let path = self.temp.path().join(name);
        // Claims are health data: readable by the owner only.
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&path).map_err(CliError::io(&path))?;
        Ok(StagedFile {
            name: name.to_owned(),
            path,
            writer: BufWriter::with_capacity(1 << 16, file),
        })
    }

    /// Flushes and syncs `file` and counts it in the set.
    pub(crate) fn complete(&mut self, file: StagedFile) -> Result<(), CliError> {
        let StagedFile { name, path, writer } = file;
        let file = writer.into_inner().map_err(|e| CliError::Io {
            path: path.clone(),
            source: e.into_error(),
        })?;
        file.sync_all().map_err(CliError::io(&path))?;
        self.complete.push(name);
        Ok(())
    }

    /// Moves the complete files into the destination, replacing any file there of the same
    /// name and removing those of `previous` the new set lacks. On a failure, every file moved
    /// so far goes back, so the destination keeps its previous set. Returns the paths written.
    pub(crate) fn replace(self, previous: &[&str]) -> Result<Vec<PathBuf>, CliError> {
        let old = self.temp.path().join(".previous");
        std::fs::create_dir(&old).map_err(CliError::io(&old))?;
        let mut moved_out: Vec<&str> = Vec::new();
        let mut moved_in: Vec<&str> = Vec::new();
        let result = (|| {
            let outgoing = previous
                .iter()
                .copied()
                .chain(self.complete.iter().map(String::as_str));
            for name in outgoing {
                let target = self.dir.join(name);
                if moved_out.contains(&name) || !target.is_file() {
                    continue;
                }
                std::fs::rename(&target, old.join(name)).map_err(CliError::io(&target))?;
                moved_out.push(name);
            }
            for name in &self.complete {
                let target = self.dir.join(name);
                std::fs::rename(self.temp.path().join(name), &target)
                    .map_err(CliError::io(&target))?;
                moved_in.push(name);
            }
            Ok(())
        })();
        match result {
            Ok(()) => Ok(self.complete.iter().map(|n| self.dir.join(n)).collect()),
            Err(error) => {
                for name in moved_in {
                    let _ = std::fs::remove_file(self.dir.join(name));
                }
                for name in moved_out {
                    let _ = std::fs::rename(old.join(name), self.dir.join(name));
                }
                Err(error)
            }
        }
    }
}

/// One file of a [`Staging`] set being written.
#[derive(Debug)]
pub(crate) struct StagedFile {
    name: String,
    path: PathBuf,
    writer: BufWriter<File>,
}

impl StagedFile {
    /// The buffered file.
    pub(crate) fn writer(&mut self) -> &mut BufWriter<File> {
        &mut self.writer
    }

    /// An I/O error on this file.
    pub(crate) fn error(&self, source: std::io::Error) -> CliError {
        CliError::Io {
            path: self.path.clone(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_set_replaces_the_previous_one_whole() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a"), "old a").unwrap();
        std::fs::write(dir.path().join("b"), "old b").unwrap();
        std::fs::write(dir.path().join("mine"), "kept").unwrap();
        let mut staging = Staging::new(dir.path()).unwrap();
        let mut file = staging.create("a").unwrap();
        file.writer().write_all(b"new a").unwrap();
        staging.complete(file).unwrap();
        staging.replace(&["a", "b"]).unwrap();
        assert_eq!(names(dir.path()), ["a", "mine"]);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a")).unwrap(),
            "new a"
        );
    }

    #[test]
    fn an_abandoned_set_leaves_nothing_and_replaces_nothing() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a"), "old a").unwrap();
        let mut staging = Staging::new(dir.path()).unwrap();
        let mut file = staging.create("a").unwrap();
        file.writer().write_all(b"new a").unwrap();
        staging.complete(file).unwrap();
        let half = staging.create("b").unwrap();
        drop(half);
        drop(staging);
        assert_eq!(names(dir.path()), ["a"]);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a")).unwrap(),
            "old a"
        );
    }

    #[test]
    fn a_failed_move_puts_the_previous_set_back() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a"), "old a").unwrap();
        // A non-empty directory where `b` goes makes its rename fail.
        std::fs::create_dir_all(dir.path().join("b").join("inside")).unwrap();
        let mut staging = Staging::new(dir.path()).unwrap();
        for name in ["a", "b"] {
            let mut file = staging.create(name).unwrap();
            file.writer().write_all(b"new").unwrap();
            staging.complete(file).unwrap();
        }
        let error = staging.replace(&["a", "b"]).unwrap_err();
        assert!(error.to_string().contains('b'), "{error}");
        assert_eq!(names(dir.path()), ["a", "b"]);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a")).unwrap(),
            "old a"
        );
    }
}
