//! `quorumcalc availability`: the probability that quorum holds.
//!
//! With N voters each up independently with probability p, quorum holds when
//! at least ⌊N/2⌋+1 are up: A = Σ_{k≥Q} C(N,k) pᵏ (1−p)^(N−k).
//!
//! Numerics: terms are built in log space (ln C(N,k) from ln k!, exact sums
//! of logarithms for small k and Stirling's series above) and the smaller
//! tail is summed outward from its largest term until the terms fall below
//! e⁻⁵⁰ of it, so the cost grows with √N, not N, and nothing overflows or
//! underflows. The smaller tail is computed directly and kept as a
//! logarithm (so 10⁻⁷⁰⁴ is still a number), and the larger one is 1 minus
//! it: both stay in [0, 1] and sum to 1, and a tiny unavailability such as
//! 3×10⁻¹⁰ keeps its significant digits instead of vanishing into rounding.

use crate::error::Error;
use crate::math::{Sizes, plural, quorum};
use serde::Serialize;

/// One (N, p) pair; an element of the `--format json` array.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// Voting members.
    pub members: u64,
    /// Votes needed.
    pub quorum: u64,
    /// Probability that one member is up.
    pub member_up: f64,
    /// Probability that quorum holds.
    pub availability: f64,
    /// Probability that quorum is lost (computed directly, not as 1 − A).
    /// 0 when it is below the smallest double; see `unavailability_log10`.
    pub unavailability: f64,
    /// log10(unavailability), which stays finite where the probability
    /// itself underflows; null when unavailability is exactly 0.
    pub unavailability_log10: Option<f64>,
    /// −log10(unavailability): "nines"; null when unavailability is 0.
    pub nines: Option<f64>,
    /// Expected time without quorum per year (365.25 days), in seconds.
    pub downtime_seconds_per_year: f64,
    /// A plain-words remark, or null.
    pub note: Option<String>,
}

/// Parses a probability: `0.99`, or a percentage `99%`, `99.9%`.
pub fn parse_probability(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let (num, scale) = match t.strip_suffix('%') {
        Some(n) => (n, 100.0),
        None => (t, 1.0),
    };
    let v: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("'{t}' is not a probability; write 0.99 or 99%"))?;
    let p = v / scale;
    if !p.is_finite() || !(0.0..=1.0).contains(&p) {
        return Err(format!(
            "'{t}' is outside 0 to 1 (0% to 100%); a member is up with a probability in between"
        ));
    }
    Ok(p)
}

/// ln n!: an exact sum of logarithms up to 32, Stirling's series above
/// (its first omitted term is below 10⁻¹⁷ there).
fn ln_factorial(n: u64) -> f64 {
    if n <= 32 {
        return (2..=n).map(|k| (k as f64).ln()).sum();
    }
    let x = n as f64 + 1.0;
    let (x2, ln_2pi) = (x * x, (2.0 * std::f64::consts::PI).ln());
    let series = 1.0 / (12.0 * x) - 1.0 / (360.0 * x * x2) + 1.0 / (1260.0 * x * x2 * x2)
        - 1.0 / (1680.0 * x * x2 * x2 * x2);
    (x - 0.5) * x.ln() - x + 0.5 * ln_2pi + series
}

/// ln Σ_{k=lo..=hi} C(n,k) pᵏ (1−p)^(n−k), summed outward from the largest
/// term (the mode, or the end nearest it) until the terms are negligible.
fn log_tail(n: u64, p: f64, lo: u64, hi: u64) -> f64 {
    if lo > hi {
        return f64::NEG_INFINITY;
    }
    let (lp, lq, lnf) = (p.ln(), (-p).ln_1p(), ln_factorial(n));
    let term =
        |k: u64| lnf - ln_factorial(k) - ln_factorial(n - k) + k as f64 * lp + (n - k) as f64 * lq;
    let mode = (((n + 1) as f64 * p).floor() as u64).clamp(lo, hi);
    // From the peak outward, each term from its neighbour:
    // C(n,k+1)/C(n,k) = (n−k)/(k+1), one logarithm a step.
    let step = lp - lq;
    let peak = term(mode);
    let mut sum = 1.0;
    let mut t = peak;
    for k in mode..hi {
        t += ((n - k) as f64 / (k + 1) as f64).ln() + step;
        if t - peak < -50.0 {
            break;
        }
        sum += (t - peak).exp();
    }
    let mut t = peak;
    for k in (lo + 1..=mode).rev() {
        t -= ((n - k + 1) as f64 / k as f64).ln() + step;
        if t - peak < -50.0 {
            break;
        }
        sum += (t - peak).exp();
    }
    peak + sum.ln()
}

/// Both tails for `n` voters each up with `p`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tails {
    /// Probability that quorum holds.
    pub holds: f64,
    /// Probability that quorum is lost.
    pub lost: f64,
    /// log10 of `lost`, finite where `lost` underflows; −∞ when it is 0.
    pub lost_log10: f64,
}

/// The tails: the smaller computed directly, the larger as 1 minus it.
pub fn tails(n: u64, p: f64) -> Tails {
    if p >= 1.0 {
        return Tails {
            holds: 1.0,
            lost: 0.0,
            lost_log10: f64::NEG_INFINITY,
        };
    }
    if p <= 0.0 {
        return Tails {
            holds: 0.0,
            lost: 1.0,
            lost_log10: 0.0,
        };
    }
    let q = quorum(n);
    let (ln_holds, ln_lost) = (log_tail(n, p, q, n), log_tail(n, p, 0, q - 1));
    let ln10 = std::f64::consts::LN_10;
    if ln_lost <= ln_holds {
        let lost = ln_lost.exp();
        Tails {
            holds: 1.0 - lost,
            lost,
            lost_log10: ln_lost / ln10,
        }
    } else {
        let holds = ln_holds.exp();
        Tails {
            holds,
            lost: 1.0 - holds,
            lost_log10: (-holds).ln_1p() / ln10,
        }
    }
}

/// Probability that quorum holds and that it is lost, for `n` voters each up with `p`.
pub fn availability(n: u64, p: f64) -> (f64, f64) {
    let t = tails(n, p);
    (t.holds, t.lost)
}

/// The most `--up` values one run takes: with at most
/// [`crate::math::MAX_MEMBERS`] sizes, 200,000 rows, about two seconds.
pub const MAX_PROBABILITIES: usize = 20;

const SECONDS_PER_YEAR: f64 = 365.25 * 86_400.0;

/// The rows for every size and probability, sizes outermost.
pub fn rows(sizes: &Sizes, probabilities: &[f64]) -> Result<Vec<Row>, Error> {
    if probabilities.is_empty() {
        return Err(Error::Usage(
            "give at least one probability with --up".into(),
        ));
    }
    if probabilities.len() > MAX_PROBABILITIES {
        return Err(Error::Usage(format!(
            "{} --up values; at most {MAX_PROBABILITIES} (a table of sizes × probabilities stays bounded)",
            probabilities.len()
        )));
    }
    let mut out = Vec::new();
    for &n in &sizes.0 {
        for &p in probabilities {
            let t = tails(n, p);
            let (a, u) = (t.holds, t.lost);
            let finite = t.lost_log10.is_finite().then_some(t.lost_log10);
            let note = if n % 2 == 0 {
                let (a_below, _) = availability(n - 1, p);
                (a < a_below).then(|| {
                    format!(
                        "less available than {} ({})",
                        plural(n - 1, "member"),
                        fmt_prob(a_below, None)
                    )
                })
            } else {
                None
            };
            out.push(Row {
                members: n,
                quorum: quorum(n),
                member_up: p,
                availability: a,
                unavailability: u,
                unavailability_log10: finite,
                nines: finite.map(|l| -l),
                downtime_seconds_per_year: u * SECONDS_PER_YEAR,
                note,
            });
        }
    }
    Ok(out)
}

/// A probability for people: plain decimals when readable, else scientific.
///
/// Given the probability of the opposite event (`complement`), a value close
/// to 1 gets enough decimals to show all its nines instead of rounding to 1.
fn fmt_prob(x: f64, complement: Option<f64>) -> String {
    if x == 0.0 || x == 1.0 {
        format!("{x:.0}")
    } else if x >= 1e-3 {
        let nines = complement.filter(|c| *c > 0.0).map_or(0.0, |c| -c.log10());
        let decimals = (nines.ceil() as usize + 2).clamp(6, 15);
        format!("{x:.decimals$}")
    } else {
        format!("{x:.3e}")
    }
}

/// The unavailability, from its logarithm where the number underflows.
fn fmt_lost(r: &Row) -> String {
    match r.unavailability_log10 {
        Some(l) if r.unavailability < 1e-300 => {
            let mut e = l.floor();
            let mut m = 10f64.powf(l - e);
            if m >= 9.9995 {
                (m, e) = (1.0, e + 1.0);
            }
            format!("{m:.3}e{e}")
        }
        _ => fmt_prob(r.unavailability, Some(r.availability)),
    }
}

/// Seconds as the largest two units, e.g. `3h 27m`, `52s`, `<1s`.
fn fmt_duration(secs: f64) -> String {
    if secs < 1.0 {
        return if secs == 0.0 {
            "0".into()
        } else {
            "<1s".into()
        };
    }
    let s = secs.round() as u64;
    let units = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")];
    let mut parts = Vec::new();
    let mut rest = s;
    for (size, name) in units {
        if rest >= size || !parts.is_empty() {
            parts.push(format!("{}{name}", rest / size));
            rest %= size;
        }
        if parts.len() == 2 {
            break;
        }
    }
    parts.join(" ")
}

/// The text table.
pub fn to_text(rows: &[Row]) -> String {
    clikit::table(
        &[
            "MEMBERS",
            "QUORUM",
            "MEMBER UP",
            "QUORUM HOLDS",
            "QUORUM LOST",
            "NINES",
            "DOWN/YEAR",
            "NOTE",
        ],
        rows.iter()
            .map(|r| {
                vec![
                    r.members.to_string(),
                    r.quorum.to_string(),
                    format!("{}", r.member_up),
                    fmt_prob(r.availability, Some(r.unavailability)),
                    fmt_lost(r),
                    r.nines.map_or("inf".into(), |n| format!("{n:.2}")),
                    // Not exactly 0 unless quorum cannot be lost.
                    fmt_duration(if r.unavailability_log10.is_some() {
                        r.downtime_seconds_per_year.max(f64::MIN_POSITIVE)
                    } else {
                        0.0
                    }),
                    r.note.clone().unwrap_or_default(),
                ]
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Direct summation, fine for small n.
    fn naive(n: u64, p: f64) -> f64 {
        let mut total = 0.0;
        for k in quorum(n)..=n {
            let mut c = 1.0;
            for i in 0..k {
                c = c * (n - i) as f64 / (i + 1) as f64;
            }
            total += c * p.powi(k as i32) * (1.0 - p).powi((n - k) as i32);
        }
        total
    }

    #[test]
    fn closed_forms_for_small_clusters() {
        for p in [0.5, 0.9, 0.99, 0.999] {
            let (a1, _) = availability(1, p);
            let (a2, _) = availability(2, p);
            let (a3, _) = availability(3, p);
            let (a4, _) = availability(4, p);
            assert!((a1 - p).abs() < 1e-15);
            assert!((a2 - p * p).abs() < 1e-15);
            assert!((a3 - (3.0 * p * p - 2.0 * p.powi(3))).abs() < 1e-14);
            assert!((a4 - (4.0 * p.powi(3) - 3.0 * p.powi(4))).abs() < 1e-14);
            // A3 − A4 = 3p²(1−p)² > 0: four members are less available than three.
            assert!(a4 < a3);
        }
    }

    #[test]
    fn agrees_with_direct_summation() {
        for n in 1..=40 {
            for p in [0.1, 0.5, 0.73, 0.95, 0.999] {
                let (a, _) = availability(n, p);
                assert!((a - naive(n, p)).abs() < 1e-12, "n={n} p={p}");
            }
        }
    }

    #[test]
    fn tiny_unavailability_keeps_its_digits() {
        // N=7, p=0.999: U = C(7,4)·q⁴p³ + C(7,5)q⁵p² + ... ≈ 35e-12·0.997
        let (_, u) = availability(7, 0.999);
        let q: f64 = 0.001;
        let p: f64 = 0.999;
        let exact = 35.0 * q.powi(4) * p.powi(3)
            + 21.0 * q.powi(5) * p.powi(2)
            + 7.0 * q.powi(6) * p
            + q.powi(7);
        assert!(((u - exact) / exact).abs() < 1e-12, "u={u} exact={exact}");
        // 1 − A would have kept only about 4 significant digits here.
    }

    #[test]
    fn sound_for_a_thousand_and_one_members() {
        // Odd N at p = 1/2: exactly half by symmetry.
        let (a, u) = availability(1001, 0.5);
        assert!((a - 0.5).abs() < 1e-12, "{a}");
        assert!((u - 0.5).abs() < 1e-12, "{u}");
        for p in [0.3, 0.49, 0.51, 0.9, 0.999] {
            let (a, u) = availability(1001, p);
            assert!(a.is_finite() && u.is_finite());
            assert!((a + u - 1.0).abs() < 1e-12, "p={p}: {a}+{u}");
        }
        // Far from 1/2 a large cluster is nearly always (or never) available,
        // and the small tail is still a positive, finite number.
        let (_, u) = availability(1001, 0.9);
        assert!(u > 0.0 && u < 1e-100, "{u}");
        let (a, u) = availability(MAX_MEMBERS_FOR_TEST, 0.6);
        assert!((a + u - 1.0).abs() < 1e-10);
    }
    const MAX_MEMBERS_FOR_TEST: u64 = crate::math::MAX_MEMBERS;

    #[test]
    fn certain_members_and_certain_failures() {
        assert_eq!(availability(5, 1.0), (1.0, 0.0));
        assert_eq!(availability(5, 0.0), (0.0, 1.0));
    }

    #[test]
    fn even_sizes_get_a_note_when_less_available() {
        let r = rows(&Sizes(vec![3, 4]), &[0.99]).unwrap();
        assert!(r[0].note.is_none());
        assert!(
            r[1].note
                .as_deref()
                .unwrap()
                .starts_with("less available than 3 members")
        );
    }

    #[test]
    fn probabilities_parse_as_fractions_or_percentages() {
        assert_eq!(parse_probability("0.99").unwrap(), 0.99);
        assert!((parse_probability("99.9%").unwrap() - 0.999).abs() < 1e-15);
        assert!(
            parse_probability("1.5")
                .unwrap_err()
                .contains("outside 0 to 1")
        );
        assert!(parse_probability("-0.1").unwrap_err().contains("outside"));
        assert!(
            parse_probability("high")
                .unwrap_err()
                .contains("not a probability")
        );
        assert!(parse_probability("NaN").unwrap_err().contains("outside"));
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(fmt_duration(0.0), "0");
        assert_eq!(fmt_duration(0.2), "<1s");
        assert_eq!(fmt_duration(52.0), "52s");
        assert_eq!(fmt_duration(3.0 * 3600.0 + 27.0 * 60.0 + 5.0), "3h 27m");
        assert_eq!(fmt_duration(2.0 * 86400.0 + 30.0), "2d 0h");
    }

    /// Exact rational arithmetic: with p = a/b, each tail is
    /// Σ C(n,k) aᵏ (b−a)^(n−k) / bⁿ, all integers while bⁿ fits in u128.
    fn exact(n: u64, a: u128, b: u128) -> (f64, f64) {
        let q = quorum(n);
        let (mut holds, mut lost, mut c) = (0u128, 0u128, 1u128);
        for k in 0..=n {
            let t = c * a.pow(k as u32) * (b - a).pow((n - k) as u32);
            if k >= q {
                holds += t;
            } else {
                lost += t;
            }
            c = c * u128::from(n - k) / u128::from(k + 1);
        }
        let total = b.pow(n as u32) as f64;
        (holds as f64 / total, lost as f64 / total)
    }

    fn close(x: f64, want: f64) -> bool {
        (x - want).abs() <= 1e-13 * want.abs() + 1e-300
    }

    #[test]
    fn both_tails_match_exact_rationals() {
        let mut cases = Vec::new();
        for n in 1..=40 {
            for a in 1..8 {
                cases.push((n, a, 8));
            }
        }
        for n in 1..=12 {
            for a in [1, 7, 100, 500, 900, 990, 999] {
                cases.push((n, a, 1000));
            }
        }
        for (n, a, b) in cases {
            let t = tails(n, a as f64 / b as f64);
            let (holds, lost) = exact(n, a, b);
            assert!(
                close(t.holds, holds),
                "n={n} p={a}/{b}: {} vs {holds}",
                t.holds
            );
            assert!(close(t.lost, lost), "n={n} p={a}/{b}: {} vs {lost}", t.lost);
        }
    }

    #[test]
    fn both_tails_stay_probabilities_for_every_size() {
        // A fixed pseudo-random stream of p in (0, 1), and the extremes.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        for n in 1..=2000 {
            let mut ps = vec![1e-9, 0.5, 0.99, 0.999, 1.0 - 1e-9];
            ps.extend((0..4).map(|_| next().clamp(1e-12, 1.0 - 1e-12)));
            for p in ps {
                let t = tails(n, p);
                assert!((0.0..=1.0).contains(&t.holds), "n={n} p={p}: {t:?}");
                assert!((0.0..=1.0).contains(&t.lost), "n={n} p={p}: {t:?}");
                assert!(
                    (t.holds + t.lost - 1.0).abs() <= 2.0 * f64::EPSILON,
                    "n={n} p={p}: {t:?}"
                );
                assert!(
                    t.lost_log10 <= 0.0 && !t.lost_log10.is_nan(),
                    "n={n} p={p}: {t:?}"
                );
                if t.lost > 1e-300 {
                    assert!(
                        (t.lost.log10() - t.lost_log10).abs() < 1e-9,
                        "n={n} p={p}: {t:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn what_used_to_go_wrong() {
        // Above 1 once: 51 members at 0.99.
        assert!(tails(51, 0.99).holds <= 1.0);
        // Underflowed to 0 once: about 10^-704.45 for 1001 at 0.99.
        let t = tails(1001, 0.99);
        assert!((t.lost_log10 + 704.45).abs() < 0.01, "{t:?}");
        let r = rows(&Sizes(vec![1001]), &[0.99]).unwrap();
        let text = to_text(&r);
        assert!(text.contains("e-705"), "{text}");
        assert!(!text.contains("inf"), "{text}");
        assert!((r[0].nines.unwrap() - 704.45).abs() < 0.01);
    }
}
