//! The crate's modules depend one way, from the vocabulary up to the tools: no module names one
//! above it or beside it, so the core (id, error, model, adapter, credentials, clock,
//! transport) never names the registry of exchanges, and there is no import cycle.
//!
//! Read from the source: every `crate::<module>` a file names in code (comments and doc
//! comments aside) must be of a lower layer than the file's own module.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Each top-level module and its layer; a module may name only modules of a lower layer.
const LAYERS: [(&str, u8); 11] = [
    ("id", 0),
    ("error", 1),
    ("model", 2),
    ("clock", 2),
    ("adapter", 3),
    ("credentials", 3),
    ("transport", 4),
    ("exchanges", 5),
    ("audit", 6),
    ("manage", 6),
    ("testkit", 7),
];

fn layer(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a source file belongs to.
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).unwrap();
    let first = relative
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_owned()
}

/// The modules named as `crate::<module>` in the code of `text`.
fn named_modules(text: &str) -> Vec<String> {
    let mut named = Vec::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or_default();
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                named.push(name);
            }
        }
    }
    named
}

#[test]
fn modules_name_only_lower_layers() {
    let src: PathBuf = [env!("CARGO_MANIFEST_DIR"), "src"].iter().collect();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut violations = BTreeMap::new();
    for file in &files {
        let module = module_of(&src, file);
        if module == "lib" {
            continue;
        }
        let own = layer(&module)
            .unwrap_or_else(|| panic!("{}: module `{module}` has no layer", file.display()));
        let text = std::fs::read_to_string(file).unwrap();
        for named in named_modules(&text) {
            if named == module {
                continue;
            }
            // Re-exports at the crate root (`crate::Error`) are named by their own module.
            let Some(theirs) = layer(&named) else {
                continue;
            };
            if theirs >= own {
                violations
                    .entry(file.strip_prefix(&src).unwrap().display().to_string())
                    .or_insert_with(Vec::new)
                    .push(named);
            }
        }
    }
    assert!(
        violations.is_empty(),
        "modules naming a module of their own layer or above: {violations:#?}"
    );
}

#[test]
fn the_check_sees_a_violation() {
    let named =
        named_modules("use crate::exchanges::ExchangeId; // crate::testkit\n/// [`crate::audit`]");
    assert_eq!(named, ["exchanges"]);
}
