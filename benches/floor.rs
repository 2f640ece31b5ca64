//! The floor a linter cannot go below: walk a folder, read every `*.json` file and parse it
//! with serde_json, in parallel. The benchmark compares `policylint check` with this.
//!
//!     cargo run --release --example floor -- DIR

use rayon::prelude::*;

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: floor DIR");
        std::process::exit(2);
    };
    let files: Vec<std::path::PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "json"))
        .map(|e| e.into_path())
        .collect();
    let parsed = files
        .par_iter()
        .filter(|path| {
            std::fs::read(path)
                .ok()
                .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
                .is_some()
        })
        .count();
    println!("{parsed} of {} files parsed", files.len());
}
