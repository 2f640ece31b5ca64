//! Embeds every rule file under `rules/` in the binary, so the list cannot drift from the
//! folder, and turns the catalogues (`rules/data/{ram,aws}/catalogue.json`, 3 MB) into
//! tables the binary embeds (`build/catalogue.rs`): parsing even the RAM one at start-up
//! was half the time of linting one file.

#[path = "build/catalogue.rs"]
mod catalogue;

use std::{env, fs, path::Path};

fn main() {
    embed_rules();
    catalogue::generate(
        Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap()),
        Path::new(&env::var("OUT_DIR").unwrap()),
    );
}

fn embed_rules() {
    let rules_dir = Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap()).join("rules");
    println!("cargo:rerun-if-changed={}", rules_dir.display());
    let mut files: Vec<_> = fs::read_dir(&rules_dir)
        .expect("rules/ folder")
        .map(|entry| entry.expect("rules/ entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    let mut out = String::from(
        "/// (file name, contents) of every rule file in `rules/`.\npub static EMBEDDED_RULES: &[(&str, &str)] = &[\n",
    );
    for path in files {
        println!("cargo:rerun-if-changed={}", path.display());
        out.push_str(&format!(
            "    ({:?}, include_str!({:?})),\n",
            path.file_name().unwrap().to_str().unwrap(),
            path.to_str().unwrap()
        ));
    }
    out.push_str("];\n");
    fs::write(
        Path::new(&env::var("OUT_DIR").unwrap()).join("embedded_rules.rs"),
        out,
    )
    .unwrap();
}
