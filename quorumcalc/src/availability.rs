//! `quorumcalc availability`: the probability that quorum holds.
//!
//! With N voters each up independently with probability p, quorum holds when
//! at least ⌊N/2⌋+1 are up: A = Σ_{k≥Q} C(N,k) pᵏ (1−p)^(N−k).
//!
//! Numerics: terms are built in log space (ln C(N,k) accumulated exactly
//! term by term) and each tail is summed with log-sum-exp, so nothing
//! overflows or underflows for N in the thousands. Both tails are summed
//! directly rather than computing 1 − A, so a tiny unavailability such as
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
    pub unavailability: f64,
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

/// ln of the probability that quorum holds, and that it is lost.
fn log_tails(n: u64, p: f64) -> (f64, f64) {
    let q = quorum(n);
    if p == 1.0 {
        return (0.0, f64::NEG_INFINITY);
    }
    if p == 0.0 {
        return (f64::NEG_INFINITY, 0.0);
    }
    let (lp, lq) = (p.ln(), (-p).ln_1p());
    let mut ln_choose = 0.0_f64; // ln C(n, 0)
    let mut up = Vec::with_capacity((n - q + 1) as usize);
    let mut down = Vec::with_capacity(q as usize);
    for k in 0..=n {
        let term = ln_choose + k as f64 * lp + (n - k) as f64 * lq;
        if k >= q {
            up.push(term)
        } else {
            down.push(term)
        }
        // C(n, k+1) = C(n, k) · (n−k)/(k+1)
        ln_choose += ((n - k) as f64).ln() - ((k + 1) as f64).ln();
    }
    (log_sum_exp(&up), log_sum_exp(&down))
}

fn log_sum_exp(terms: &[f64]) -> f64 {
    let max = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if max == f64::NEG_INFINITY {
        return max;
    }
    max + terms.iter().map(|t| (t - max).exp()).sum::<f64>().ln()
}

/// Probability that quorum holds and that it is lost, for `n` voters each up with `p`.
pub fn availability(n: u64, p: f64) -> (f64, f64) {
    let (a, u) = log_tails(n, p);
    (a.exp(), u.exp())
}

const SECONDS_PER_YEAR: f64 = 365.25 * 86_400.0;

/// The rows for every size and probability, sizes outermost.
pub fn rows(sizes: &Sizes, probabilities: &[f64]) -> Result<Vec<Row>, Error> {
    if probabilities.is_empty() {
        return Err(Error::Usage(
            "give at least one probability with --up".into(),
        ));
    }
    let mut out = Vec::new();
    for &n in &sizes.0 {
        for &p in probabilities {
            let (a, u) = availability(n, p);
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
                nines: (u > 0.0).then(|| -u.log10()),
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
    crate::output::table(
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
                    fmt_prob(r.unavailability, Some(r.availability)),
                    r.nines.map_or("inf".into(), |n| format!("{n:.2}")),
                    fmt_duration(r.downtime_seconds_per_year),
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
}
