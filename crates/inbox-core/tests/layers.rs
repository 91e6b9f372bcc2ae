//! The invariants of ARCHITECTURE.md about the core's shape, checked on its source: layers point
//! one way, the connector seam and the vendors know nothing of SQLite, and a vendor's folder
//! uses no other vendor's. A `use` that breaks one fails here with the file and the line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The core's top-level modules, lowest first. A module may use modules of its own rank or
/// lower, never higher.
const LAYERS: &[(&str, u8)] = &[
    ("platform", 0),
    ("logging", 1),
    ("memory", 1),
    ("model", 2),
    ("submission", 3),
    ("secrets", 4),
    ("store", 5),
    ("sample", 6),
    ("error", 6),
    ("connector", 7),
    ("connectors", 8),
    ("sync", 9),
    ("outbox", 10),
    ("service", 11),
    ("scheduler", 12),
    ("callback", 12),
];

/// Upward uses still in the code, each with why; the test fails when one disappears (so the
/// list only shrinks) and when any other appears.
const KNOWN_UPWARD: &[(&str, &str, &str)] = &[];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
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

/// Each file of the crate (path relative to `src`, with `/`) and its code lines: comments
/// dropped, and the unit tests at the end of a file (`#[cfg(test)]` at the left margin), which
/// may reach anywhere.
fn code() -> Vec<(String, Vec<(usize, String)>)> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let rel = path.strip_prefix(src()).unwrap().to_string_lossy().replace('\\', "/");
            let text = std::fs::read_to_string(&path).unwrap();
            let lines = text
                .lines()
                .enumerate()
                .take_while(|(_, l)| !l.starts_with("#[cfg(test)]"))
                .map(|(i, l)| (i + 1, l.split("//").next().unwrap_or("").to_string()))
                .filter(|(_, l)| !l.trim().is_empty())
                .collect();
            (rel, lines)
        })
        .collect()
}

/// The top-level module a file belongs to (`sync/recent.rs` → `sync`, `lib.rs` → none).
fn top(rel: &str) -> Option<&str> {
    let first = rel.split('/').next()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (name != "lib").then_some(name)
}

/// Every `crate::<module>` a line names.
fn uses(line: &str) -> Vec<&str> {
    line.match_indices("crate::")
        .map(|(at, _)| {
            let rest = &line[at + "crate::".len()..];
            let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len());
            &rest[..end]
        })
        .filter(|m| !m.is_empty())
        .collect()
}

fn rank(module: &str) -> u8 {
    LAYERS
        .iter()
        .find(|(m, _)| *m == module)
        .map(|(_, r)| *r)
        .unwrap_or_else(|| panic!("module `{module}` has no layer: add it to LAYERS here and to ARCHITECTURE.md"))
}

#[test]
fn layers_point_one_way() {
    let mut upward: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let mut unexpected_root = Vec::new();
    for (rel, lines) in code() {
        let Some(from) = top(&rel) else { continue };
        for (n, line) in &lines {
            for to in uses(line) {
                if to.starts_with(char::is_uppercase) {
                    // A root re-export hides which layer it comes from.
                    unexpected_root.push(format!("{rel}:{n}: `crate::{to}`: name its module inside the crate"));
                } else if to != from && rank(to) > rank(from) {
                    upward.entry((from.to_string(), to.to_string())).or_default().push(format!("{rel}:{n}"));
                }
            }
        }
    }
    let mut unexpected = unexpected_root;
    for ((from, to), at) in &upward {
        if !KNOWN_UPWARD.iter().any(|(f, t, _)| f == from && t == to) {
            unexpected.push(format!("{from} → {to} at {}", at.join(", ")));
        }
    }
    assert!(unexpected.is_empty(), "upward uses (a lower layer using a higher one):\n{}", unexpected.join("\n"));
    for (from, to, why) in KNOWN_UPWARD {
        assert!(
            upward.contains_key(&(from.to_string(), to.to_string())),
            "{from} → {to} is gone ({why}): remove it from KNOWN_UPWARD"
        );
    }
}

#[test]
fn the_seam_and_the_vendors_know_nothing_of_sqlite() {
    let mut found = Vec::new();
    for (rel, lines) in code() {
        if !(rel == "connector.rs" || rel.starts_with("connectors/")) {
            continue;
        }
        for (n, line) in &lines {
            if line.contains("rusqlite") || uses(line).contains(&"store") {
                found.push(format!("{rel}:{n}: {}", line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "the seam or a vendor uses SQLite or the store:\n{}", found.join("\n"));
}

#[test]
fn a_vendor_uses_no_other_vendors_code() {
    let vendors: Vec<String> = std::fs::read_dir(src().join("connectors"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(vendors.len() >= 5, "the vendor folders under connectors/: {vendors:?}");
    let mut found = Vec::new();
    for (rel, lines) in code() {
        let Some(own) = rel.strip_prefix("connectors/").and_then(|r| r.split_once('/')).map(|(v, _)| v) else {
            continue;
        };
        for (n, line) in &lines {
            for other in vendors.iter().filter(|v| v.as_str() != own) {
                if line.contains(&format!("connectors::{other}")) || line.contains(&format!("super::super::{other}")) {
                    found.push(format!("{rel}:{n}: {}", line.trim()));
                }
            }
        }
    }
    assert!(found.is_empty(), "a vendor uses another vendor's code:\n{}", found.join("\n"));
}

#[test]
fn the_window_names_no_vendor() {
    // A vendor's rules reach the window through `VendorInfo`; a vendor id written in the UI's
    // code is a rule that a new vendor would have to edit. Tests and the generated types may.
    let ui = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src");
    let mut files = Vec::new();
    collect_ui(&ui, &mut files);
    assert!(files.len() > 10, "the UI's sources under {}", ui.display());
    let mut found = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for vendor in inbox_core::Vendor::ALL {
                if code.contains(&format!("\"{}\"", vendor.as_str())) {
                    found.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(found.is_empty(), "the window's code names a vendor:\n{}", found.join("\n"));
}

fn collect_ui(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if name != "test" {
                collect_ui(&path, out);
            }
        } else if (name.ends_with(".ts") || name.ends_with(".tsx")) && !name.contains(".test.") && name != "bindings.ts"
        {
            out.push(path);
        }
    }
}

/// Where each vendor's code may be named outside its own two folders (`connectors/<vendor>/`,
/// `vendor-sim/src/<vendor>/`): the files a sixth vendor touches besides its folders. A toy
/// vendor needs exactly the first three; zeyi's company relay and callback listener are its own
/// (它只与服务器对话) and listed with why.
const EVERY_VENDOR: &[&str] = &[
    "inbox-core/src/model.rs",          // the `Vendor` enum
    "inbox-core/src/connectors/mod.rs", // the registry: connect, vendor_info
    "vendor-sim/src/lib.rs",            // the simulators' registry: start_all, Sizes
];
const ZEYI_ONLY: &[(&str, &str)] = &[
    ("inbox-core/src/callback.rs", "则一 reports results only by calling a URL: the callback listener"),
    ("inbox-core/src/callback/pull.rs", "results of a relay-mode account are pulled from the company relay"),
    ("inbox-core/src/service.rs", "a sync of a relay-mode account also pulls the relay"),
    ("inbox-core/src/scheduler.rs", "one long-poll per relay-mode account"),
    ("src-tauri/src/demo.rs", "demo mode runs the relay in-process for the demo zeyi account"),
    ("inbox-relay/src/", "the company relay exists for 则一"),
];

#[test]
fn a_vendor_is_one_folder_per_side_plus_the_enum_and_the_registries() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dirs = [
        "crates/inbox-core/src",
        "crates/vendor-sim/src",
        "crates/inbox-cli/src",
        "crates/inbox-relay/src",
        "src-tauri/src",
    ];
    let mut files = Vec::new();
    for dir in dirs {
        rust_files(&root.join(dir), &mut files);
    }
    let mut found = Vec::new();
    for vendor in inbox_core::Vendor::ALL {
        let module = vendor.as_str();
        let variant = format!("Vendor::{}", {
            let mut c = module.chars();
            c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
        });
        for path in &files {
            let rel = path.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
            let rel = rel.strip_prefix("crates/").unwrap_or(&rel).to_string();
            let own = rel.contains(&format!("/{module}/")) || rel.ends_with(&format!("/{module}.rs"));
            let allowed = EVERY_VENDOR.contains(&rel.as_str())
                || (module == "zeyi" && ZEYI_ONLY.iter().any(|(p, _)| rel.starts_with(p)));
            if own || allowed || rel.contains("http_tests") {
                continue;
            }
            let text = std::fs::read_to_string(path).unwrap();
            for (n, line) in text.lines().enumerate().take_while(|(_, l)| !l.starts_with("#[cfg(test)]")) {
                let code = line.split("//").next().unwrap_or("");
                let named = code.contains(&variant)
                    || code.contains(&format!("{module}::"))
                    || code.trim_start().starts_with(&format!("pub mod {module};"));
                if named {
                    found.push(format!("{rel}:{}: {}", n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "a vendor's code is named outside its folders, the enum and the registries (ARCHITECTURE.md):\n{}",
        found.join("\n")
    );
}
