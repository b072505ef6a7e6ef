//! `lab hold`: the VIP watched with no fault made, for false failovers: a
//! master that misses adverts it should have heard (its keepalived
//! starved of CPU, say, with shorter adverts) takes the VIP from a healthy
//! holder. Run it under the load to judge (`stress-ng --cpu 2`); every
//! move it counts is one the site would live through for nothing.

use crate::lab::Lab;
use serde::Serialize;
use std::time::{Duration, Instant};

/// How often the kernel's view is read.
pub const EVERY: Duration = Duration::from_millis(50);

/// What the watch saw.
#[derive(Debug, Clone, Serialize)]
pub struct Held {
    /// How long it watched, in s.
    pub seconds: u64,
    /// Each time a master held the VIP that did not at the look before.
    pub moves: usize,
    /// The looks at which no master held it, in ms (each look counts
    /// [`EVERY`]).
    pub none_ms: u64,
    /// The looks at which more than one held it, in ms.
    pub several_ms: u64,
    /// The holders at the start.
    pub first: Vec<String>,
}

/// Watches the VIP for `seconds`.
pub fn hold(l: &Lab, seconds: u64) -> Held {
    let start = Instant::now();
    let first = l.holders();
    let (mut before, mut moves, mut none, mut several) = (first.clone(), 0, 0, 0);
    while start.elapsed() < Duration::from_secs(seconds) {
        std::thread::sleep(EVERY);
        let now = l.holders();
        let arrived = now.iter().filter(|h| !before.contains(h)).count();
        if arrived > 0 {
            eprintln!(
                "lab: hold: the VIP moved to {} after {:.1} s",
                now.join("+"),
                start.elapsed().as_secs_f64()
            );
        }
        moves += arrived;
        none += usize::from(now.is_empty());
        several += usize::from(now.len() > 1);
        before = now;
    }
    let ms = |looks: usize| looks as u64 * EVERY.as_millis() as u64;
    Held {
        seconds,
        moves,
        none_ms: ms(none),
        several_ms: ms(several),
        first,
    }
}
