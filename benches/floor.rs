//! The floor a linter cannot go below: walk a folder, read every `*.json` file and parse it
//! with serde_json, in parallel. The benchmark compares `policylint check` with this.
//! With `--yaml`, every `*.yaml` and `*.yml` file, parsed with the YAML host's parser
//! (every event of `saphyr-parser`): the floor of `benches/yaml-hosts.sh`.
//!
//!     cargo run --release --example floor -- DIR [--yaml]

use rayon::prelude::*;

/// Whether `bytes` are a YAML stream, read event by event to its end.
fn parses_as_yaml(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    saphyr_parser::Parser::new_from_str(text).all(|event| event.is_ok())
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let yaml = args.iter().any(|a| a == "--yaml");
    args.retain(|a| a != "--yaml");
    let Some(dir) = args.first() else {
        eprintln!("usage: floor DIR [--yaml]");
        std::process::exit(2);
    };
    let extensions: &[&str] = if yaml { &["yaml", "yml"] } else { &["json"] };
    let files: Vec<std::path::PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_type().is_file()
                && e.path()
                    .extension()
                    .is_some_and(|x| extensions.iter().any(|e| x == *e))
        })
        .map(|e| e.into_path())
        .collect();
    let parsed = files
        .par_iter()
        .filter(|path| {
            std::fs::read(path).ok().is_some_and(|bytes| {
                if yaml {
                    parses_as_yaml(&bytes)
                } else {
                    serde_json::from_slice::<serde_json::Value>(&bytes).is_ok()
                }
            })
        })
        .count();
    println!("{parsed} of {} files parsed", files.len());
}
