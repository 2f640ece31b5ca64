//! Which files to lint: explicit files always; in directories, the files outside hidden
//! folders, `.git`, `target`, `node_modules` and gitignored paths, which the caller then
//! filters by the config's `include` and `exclude` (by default: `*.json` files).

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use std::path::{Path, PathBuf};
use walkdir::WalkDir;

const SKIPPED_DIRS: [&str; 3] = [".git", "target", "node_modules"];

/// A file to lint.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Candidate {
    /// The path as reported: as given, or as found under a given folder.
    pub display: String,
    pub path: PathBuf,
    /// `path` made absolute without resolving symlinks (as `std::path::absolute` does),
    /// computed once here: config lookup and globs work on it.
    pub absolute: PathBuf,
    /// Given on the command line: linted (and reported) even if it is not a policy.
    pub explicit: bool,
}

/// A path that could not be walked, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkError {
    pub display: String,
    pub message: String,
}

pub fn discover(paths: &[PathBuf]) -> (Vec<Candidate>, Vec<WalkError>) {
    let mut candidates = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut candidates, &mut errors);
        } else {
            candidates.push(Candidate {
                display: display_path(path),
                path: path.clone(),
                absolute: std::path::absolute(path).unwrap_or_else(|_| path.clone()),
                explicit: true,
            });
        }
    }
    candidates.sort();
    candidates.dedup_by(|a, b| a.path == b.path);
    (candidates, errors)
}

fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    text.strip_prefix("./")
        .map(str::to_string)
        .unwrap_or_else(|| text.into_owned())
}

fn walk(root: &Path, candidates: &mut Vec<Candidate>, errors: &mut Vec<WalkError>) {
    // Ignore rules match absolute paths, so those above the walk root apply too.
    let absolute_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let logical_root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
    let mut ignores: Vec<Gitignore> = ancestor_gitignores(&absolute_root);
    let mut walker = WalkDir::new(root)
        .follow_links(false)
        .into_iter()
        .filter_entry(|entry| {
            if entry.depth() == 0 || !entry.file_type().is_dir() {
                return true;
            }
            let name = entry.file_name().to_string_lossy();
            !(name.starts_with('.') || SKIPPED_DIRS.contains(&name.as_ref()))
        });
    loop {
        let entry = match walker.next() {
            None => break,
            Some(Ok(entry)) => entry,
            Some(Err(error)) => {
                errors.push(WalkError {
                    display: error
                        .path()
                        .map_or_else(|| display_path(root), display_path),
                    message: error.to_string(),
                });
                continue;
            }
        };
        let path = entry.path();
        let relative = path.strip_prefix(root).unwrap_or(path);
        let absolute = absolute_root.join(relative);
        let is_dir = entry.file_type().is_dir();
        if ignores.iter().any(|gi| is_ignored(gi, &absolute, is_dir)) {
            if is_dir {
                walker.skip_current_dir();
            }
            continue;
        }
        if is_dir {
            ignores.extend(load_gitignore(&absolute));
            continue;
        }
        // Symlinks to files are linted; symlinks to folders are not followed (no loops).
        let is_file = entry.file_type().is_file() || (entry.path_is_symlink() && path.is_file());
        if is_file {
            candidates.push(Candidate {
                display: display_path(path),
                path: path.to_path_buf(),
                absolute: logical_root.join(relative),
                explicit: false,
            });
        }
    }
}

fn is_ignored(gitignore: &Gitignore, absolute: &Path, is_dir: bool) -> bool {
    absolute.starts_with(gitignore.path())
        && gitignore
            .matched_path_or_any_parents(absolute, is_dir)
            .is_ignore()
}

fn load_gitignore(dir: &Path) -> Option<Gitignore> {
    let file = dir.join(".gitignore");
    if !file.is_file() {
        return None;
    }
    let mut builder = GitignoreBuilder::new(dir);
    builder.add(&file);
    builder.build().ok()
}

/// `.gitignore` files in the folders above the walk root, up to the repository root.
fn ancestor_gitignores(absolute_root: &Path) -> Vec<Gitignore> {
    let mut found = Vec::new();
    for dir in absolute_root.ancestors().skip(1) {
        found.extend(load_gitignore(dir));
        if dir.join(".git").exists() {
            break;
        }
    }
    found
}
