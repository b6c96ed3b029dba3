//! Replays a committed fuzz corpus (`fuzz/corpus/<target>/`) through a target's body under plain `cargo test`:
//! the same function libFuzzer ran, on every committed input, without nightly flags or instrumentation.
//!
//! Included with `#[path]` by the replay tests of the main workspace; `CARGO_MANIFEST_DIR` is the including crate's,
//! and the corpus is found by walking up from it to the directory that holds `fuzz/corpus`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

/// The committed corpus of `target`.
pub fn corpus_dir(target: &str) -> PathBuf {
    let start = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    start
        .ancestors()
        .map(|d| d.join("fuzz").join("corpus"))
        .find(|d| d.is_dir())
        .unwrap_or_else(|| panic!("no fuzz/corpus above {}", start.display()))
        .join(target)
}

/// Runs `run` on every file of the corpus of `target`; fails naming each input that panicked. `run` says whether the
/// input was accepted (e.g. decoded and valid); the corpus must hold both accepted and refused inputs, so the replay
/// cannot pass by doing nothing (an empty corpus, a harness that refuses everything). Returns how many inputs ran.
pub fn replay(target: &str, run: fn(&[u8]) -> bool) -> usize {
    let dir = corpus_dir(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "the corpus {} is empty", dir.display());
    let (mut failed, mut accepted) = (Vec::new(), 0);
    for file in &files {
        let data = std::fs::read(file).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        match catch_unwind(AssertUnwindSafe(|| run(&data))) {
            Ok(true) => accepted += 1,
            Ok(false) => {}
            Err(_) => {
                let shown: String = String::from_utf8_lossy(&data[..data.len().min(300)])
                    .escape_debug()
                    .collect();
                failed.push(format!("{} ({} bytes): {shown}", file.display(), data.len()));
            }
        }
    }
    assert!(
        failed.is_empty(),
        "{target}: {} of {} inputs failed:\n{}",
        failed.len(),
        files.len(),
        failed.join("\n")
    );
    println!("{target}: {} inputs replayed, {accepted} accepted", files.len());
    assert!(accepted > 0, "{target}: no input of the corpus was accepted");
    assert!(
        accepted < files.len(),
        "{target}: every input of the corpus was accepted"
    );
    files.len()
}
