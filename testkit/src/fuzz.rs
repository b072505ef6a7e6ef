//! A small mutation fuzzer for the workspace's parsers, run as an ordinary
//! test with a fixed budget (cargo-fuzz needs a nightly toolchain, which
//! this project does not use).
//!
//! Each target has a committed corpus directory of real inputs. Every run
//! feeds the corpus itself, then `budget` mutants of it (bit flips, bytes
//! that matter to the grammars, splices of two inputs, deletions,
//! duplications, truncations) from a fixed seed, so a run is repeatable;
//! `FUZZ_ITERATIONS` raises the budget and `FUZZ_SEED` changes the stream
//! for a longer hunt. The target must not panic and must hold its own
//! properties (it panics if not); a failing input is written to
//! `target/fuzz-failures/<name>/` and the test fails naming it, so it can
//! be added to the corpus once fixed.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

/// Bytes that mean something to YAML, JSON, keepalived.conf or a shell.
const INTERESTING: &[u8] = b"{}[]\"'#!:,-\n\r\t \0\\&*|>%@`0123456789.\xff\xc3";

/// A xorshift stream: repeatable, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Reads every file of a corpus directory, sorted by name.
pub fn corpus(dir: &Path) -> Vec<Vec<u8>> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("corpus {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    names.sort();
    assert!(!names.is_empty(), "corpus {} is empty", dir.display());
    names.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

/// One mutant of `seed`, perhaps spliced with `other`.
fn mutate(rng: &mut Rng, seed: &[u8], other: &[u8]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(v.len() + 1);
        match rng.below(7) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] = INTERESTING[rng.below(INTERESTING.len())];
            }
            2 => v.insert(at, INTERESTING[rng.below(INTERESTING.len())]),
            3 => {
                let end = (at + rng.below(64)).min(v.len());
                v.drain(at..end);
            }
            4 => {
                let end = (at + rng.below(256)).min(v.len());
                let copy = v[at..end].to_vec();
                for _ in 0..=rng.below(8) {
                    v.splice(at..at, copy.iter().copied());
                }
            }
            5 if !other.is_empty() => {
                let from = rng.below(other.len());
                let end = (from + rng.below(512)).min(other.len());
                v.splice(at..at, other[from..end].iter().copied());
            }
            _ => v.truncate(at),
        }
    }
    v
}

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// Runs `target` over the corpus in `dir` and `budget` mutants of it.
pub fn run(name: &str, dir: &Path, budget: usize, target: impl Fn(&[u8])) {
    let inputs = corpus(dir);
    let budget = env_number("FUZZ_ITERATIONS").map_or(budget, |n| n as usize);
    let mut rng = Rng(env_number("FUZZ_SEED").unwrap_or(0x9e37_79b9_7f4a_7c15) | 1);
    let check = |input: &[u8]| {
        if catch_unwind(AssertUnwindSafe(|| target(input))).is_err() {
            let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../target/fuzz-failures")
                .join(name);
            std::fs::create_dir_all(&dir).unwrap();
            let file = dir.join(format!("crash-{:016x}", hash(input)));
            std::fs::write(&file, input).unwrap();
            panic!("{name}: the target failed on {}", file.display());
        }
    };
    for input in &inputs {
        check(input);
    }
    for _ in 0..budget {
        let seed = &inputs[rng.below(inputs.len())];
        let other = &inputs[rng.below(inputs.len())];
        check(&mutate(&mut rng, seed, other));
    }
}

fn hash(b: &[u8]) -> u64 {
    b.iter().fold(0xcbf2_9ce4_8422_2325, |h, x| {
        (h ^ u64::from(*x)).wrapping_mul(0x100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutants_are_repeatable_and_varied() {
        let a = |seed| {
            let mut r = Rng(seed);
            (0..50)
                .map(|_| mutate(&mut r, b"masters: [a, b]\n", b"{x: 1}"))
                .collect::<Vec<_>>()
        };
        assert_eq!(a(7), a(7));
        let v = a(7);
        let distinct: std::collections::BTreeSet<_> = v.iter().collect();
        assert!(distinct.len() > 40, "{}", distinct.len());
    }

    #[test]
    fn a_failing_input_fails_the_run() {
        let t = std::env::temp_dir().join(format!("fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&t).unwrap();
        std::fs::write(t.join("a"), b"abc").unwrap();
        let r = catch_unwind(|| {
            run("selftest", &t, 200, |b| {
                assert!(!b.contains(&b'{'), "a brace")
            });
        });
        std::fs::remove_dir_all(&t).unwrap();
        assert!(r.is_err());
    }
}
