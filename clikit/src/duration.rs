//! Durations as operators type them for validities and lifetimes:
//! `90m`, `12h`, `365d`, `10y` (a year is 365 days, as kubeadm counts
//! `8760h`).

use time::Duration;

/// Parses `N` followed by one unit letter: `m` minutes, `h` hours, `d`
/// days, `y` years of 365 days. A bare number takes `bare_unit` when one is
/// given and is refused otherwise. The result is at least one minute.
pub fn parse_duration(s: &str, bare_unit: Option<char>) -> Result<Duration, String> {
    let hint = "use N followed by m, h, d or y (e.g. 8760h, 365d, 10y)";
    let (num, unit) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&s[..i], c),
        _ => match bare_unit {
            Some(u) => (s, u),
            None => return Err(format!("{s:?} has no unit; {hint}")),
        },
    };
    let n: i64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a duration; {hint}"))?;
    if n < 1 {
        return Err(format!("{s:?} is not a positive duration; {hint}"));
    }
    // Above 1000 years the arithmetic on dates would overflow.
    let minutes_per = match unit {
        'm' => 1,
        'h' => 60,
        'd' => 60 * 24,
        'y' => 60 * 24 * 365,
        _ => return Err(format!("unknown unit {unit:?} in {s:?}; {hint}")),
    };
    match n.checked_mul(minutes_per) {
        Some(m) if m <= 1000 * 365 * 24 * 60 => Ok(Duration::minutes(m)),
        _ => Err(format!("{s:?} is longer than 1000 years")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_bare_numbers() {
        assert_eq!(parse_duration("90m", None), Ok(Duration::minutes(90)));
        assert_eq!(parse_duration("8760h", None), Ok(Duration::days(365)));
        assert_eq!(parse_duration("10y", None), Ok(Duration::days(3650)));
        assert_eq!(parse_duration("60", Some('m')), Ok(Duration::minutes(60)));
        assert!(parse_duration("60", None).unwrap_err().contains("no unit"));
        assert!(parse_duration("0d", None).is_err());
        assert!(parse_duration("-3d", None).is_err());
        assert!(
            parse_duration("3w", None)
                .unwrap_err()
                .contains("unknown unit")
        );
        assert!(parse_duration("2000y", None).is_err());
        assert!(parse_duration("", None).is_err());
    }
}
