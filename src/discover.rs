//! Which files to lint: explicit files always; in directories, the files outside hidden
//! folders, `.git`, `target`, `node_modules` and gitignored paths, which the caller then
//! filters by the config's `include` and `exclude` (by default: `*.json` files).

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use std::path::{Path, PathBuf};
use walkdir::WalkDir;

const SKIPPED_DIRS: [&str; 3] = [".git", "target", "node_modules"];

/// A file to lint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The path as reported: as given, or as found under a given folder.
    pub display: String,
    pub path: PathBuf,
    /// `path` made absolute without resolving symlinks (as `std::path::absolute` does),
    /// computed once here: config lookup and globs work on it.
    pub absolute: PathBuf,
    /// Given on the command line: linted (and reported) even if it is not a policy.
    pub explicit: bool,
    /// Found in a folder walk: the folder walked, symlinks resolved. `--fix` writes
    /// through a symlink only to a target inside it (or one named on the command line).
    pub walk_root: Option<std::sync::Arc<Path>>,
}

/// A path that could not be walked, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkError {
    pub display: String,
    pub message: String,
}

/// What discovery finds: a file to lint, or a path that could not be walked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    File(Candidate),
    Unwalkable(WalkError),
}

impl Found {
    pub fn display(&self) -> &str {
        match self {
            Found::File(candidate) => &candidate.display,
            Found::Unwalkable(error) => &error.display,
        }
    }
}

/// The order files are reported in: by path, one component at a time, as a folder listing
/// sorts (`a/b.json` before `a-c.json`). Discovery yields files in this order.
pub fn path_order(a: &str, b: &str) -> std::cmp::Ordering {
    Path::new(a).cmp(Path::new(b))
}

/// The files under `paths`, in [`path_order`], found as they are consumed: a run over a
/// hundred thousand files never holds the whole list. Only when the paths overlap (a
/// file or folder named inside another named folder) is the list collected first, to
/// report each file once.
pub fn discover(paths: &[PathBuf]) -> Box<dyn Iterator<Item = Found> + Send> {
    let mut roots = paths.to_vec();
    // By what is reported, so `./b` comes after `a` as `b/...` does.
    roots.sort_by_cached_key(|root| PathBuf::from(display_path(root)));
    roots.dedup();
    if !overlapping(&roots) {
        return Box::new(roots.into_iter().flat_map(find_under));
    }
    let mut found: Vec<Found> = roots.into_iter().flat_map(find_under).collect();
    // Walked before named: a file reached both ways is linted as walked, so include and
    // exclude still apply to it.
    let named = |found: &Found| matches!(found, Found::File(c) if c.explicit);
    found.sort_by(|a, b| path_order(a.display(), b.display()).then(named(a).cmp(&named(b))));
    found.dedup_by(|later, earlier| match (later, earlier) {
        (Found::File(later), Found::File(earlier)) => later.absolute == earlier.absolute,
        _ => false,
    });
    Box::new(found.into_iter())
}

/// Whether one path is, or lies inside, another (after resolving symlinks).
fn overlapping(roots: &[PathBuf]) -> bool {
    let resolved: Vec<PathBuf> = roots
        .iter()
        .map(|root| {
            root.canonicalize()
                .or_else(|_| std::path::absolute(root))
                .unwrap_or_else(|_| root.clone())
        })
        .collect();
    resolved.iter().enumerate().any(|(i, a)| {
        resolved
            .iter()
            .enumerate()
            .any(|(j, b)| i != j && a.starts_with(b))
    })
}

fn find_under(path: PathBuf) -> Box<dyn Iterator<Item = Found> + Send> {
    if path.is_dir() {
        Box::new(Walk::new(path))
    } else {
        Box::new(std::iter::once(Found::File(Candidate {
            display: display_path(&path),
            absolute: std::path::absolute(&path).unwrap_or_else(|_| path.clone()),
            path,
            explicit: true,
            walk_root: None,
        })))
    }
}

fn display_path(path: &Path) -> String {
    // `to_str` first: it checks the bytes at once where `to_string_lossy` goes through
    // them chunk by chunk, and nearly every path is UTF-8.
    let text = path
        .to_str()
        .map_or_else(|| path.to_string_lossy(), std::borrow::Cow::Borrowed);
    text.strip_prefix("./")
        .map(str::to_string)
        .unwrap_or_else(|| text.into_owned())
}

/// A lazy walk of one folder, sorted by file name, skipping ignored paths.
struct Walk {
    root: PathBuf,
    /// The root with symlinks resolved: what `.gitignore` files match against.
    resolved_root: PathBuf,
    /// The root made absolute without resolving symlinks: what config lookup uses.
    logical_root: PathBuf,
    /// `resolved_root`, shared by the candidates of the walk.
    walk_root: std::sync::Arc<Path>,
    ignores: Vec<Gitignore>,
    entries: walkdir::FilterEntry<walkdir::IntoIter, fn(&walkdir::DirEntry) -> bool>,
}

impl Walk {
    fn new(root: PathBuf) -> Self {
        // Ignore rules match absolute paths, so those above the walk root apply too.
        let resolved_root = root.canonicalize().unwrap_or_else(|_| root.clone());
        let logical_root = std::path::absolute(&root).unwrap_or_else(|_| root.clone());
        // By file name: the children of one folder share its path up to their names, so
        // comparing whole paths compares names, without `sort_by_file_name` parsing each
        // path back to its last component at every comparison.
        let entries = WalkDir::new(&root)
            .follow_links(false)
            .sort_by(|a, b| a.path().as_os_str().cmp(b.path().as_os_str()))
            .into_iter()
            .filter_entry(is_walked as fn(&walkdir::DirEntry) -> bool);
        Walk {
            ignores: ancestor_gitignores(&resolved_root),
            walk_root: resolved_root.as_path().into(),
            root,
            resolved_root,
            logical_root,
            entries,
        }
    }

    /// `path`, an entry of this walk, relative to its root. The walk makes each entry's
    /// path by appending to the root as given, so this is the text after the root's:
    /// `Path::strip_prefix`, comparing component by component, took more instructions
    /// than the rest of finding a file.
    fn relative<'p>(&self, path: &'p Path) -> &'p Path {
        let after_root = path
            .to_str()
            .zip(self.root.to_str())
            .and_then(|(path, root)| path.strip_prefix(root));
        match after_root {
            Some(rest) => Path::new(rest.trim_start_matches(std::path::is_separator)),
            None => path.strip_prefix(&self.root).unwrap_or(path),
        }
    }
}

fn is_walked(entry: &walkdir::DirEntry) -> bool {
    if entry.depth() == 0 || !entry.file_type().is_dir() {
        return true;
    }
    let name = entry.file_name().to_string_lossy();
    !(name.starts_with('.') || SKIPPED_DIRS.contains(&name.as_ref()))
}

impl Iterator for Walk {
    type Item = Found;

    fn next(&mut self) -> Option<Found> {
        loop {
            let entry = match self.entries.next()? {
                Ok(entry) => entry,
                Err(error) => {
                    return Some(Found::Unwalkable(WalkError {
                        display: error
                            .path()
                            .map_or_else(|| display_path(&self.root), display_path),
                        message: error.to_string(),
                    }));
                }
            };
            let path = entry.path();
            let relative = self.relative(path);
            let is_dir = entry.file_type().is_dir();
            // Most walks meet no `.gitignore`: the resolved path is made only when needed.
            let resolved =
                (is_dir || !self.ignores.is_empty()).then(|| self.resolved_root.join(relative));
            if let Some(resolved) = &resolved
                && self
                    .ignores
                    .iter()
                    .any(|gi| is_ignored(gi, resolved, is_dir))
            {
                if is_dir {
                    self.entries.skip_current_dir();
                }
                continue;
            }
            if is_dir {
                self.ignores
                    .extend(resolved.as_deref().and_then(load_gitignore));
                continue;
            }
            // Symlinks to files are linted; symlinks to folders are not followed (no loops).
            let is_file =
                entry.file_type().is_file() || (entry.path_is_symlink() && path.is_file());
            if is_file {
                // Sized once: `join` grows the root's copy to fit, a second allocation per file.
                let mut absolute = PathBuf::with_capacity(
                    self.logical_root.as_os_str().len() + 1 + relative.as_os_str().len(),
                );
                absolute.push(&self.logical_root);
                absolute.push(relative);
                let display = display_path(path);
                return Some(Found::File(Candidate {
                    display,
                    path: entry.into_path(),
                    absolute,
                    explicit: false,
                    walk_root: Some(self.walk_root.clone()),
                }));
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_relative_to_the_root_however_the_root_is_spelt() {
        // (root, an entry as the walk spells it, the entry relative to the root)
        let cases = [
            ("team", "team/sub/a.json", "sub/a.json"),
            ("team/", "team/sub/a.json", "sub/a.json"),
            ("team//", "team//a.json", "a.json"),
            ("./team", "./team/a.json", "a.json"),
            ("team/.", "team/./a.json", "a.json"),
            (".", "./a.json", "a.json"),
            ("./", "./a.json", "a.json"),
            ("/srv/policies", "/srv/policies/x/a.json", "x/a.json"),
            ("team", "team", ""),
        ];
        for (root, entry, expected) in cases {
            let walk = Walk::new(PathBuf::from(root));
            let relative = walk.relative(Path::new(entry));
            assert_eq!(relative, Path::new(expected), "{entry} under {root}");
            assert_eq!(
                Some(relative),
                Path::new(entry).strip_prefix(root).ok(),
                "{entry} under {root}, as `Path::strip_prefix` has it"
            );
        }
    }
}
