//! "Did you mean" suggestions: the closest candidate by edit distance,
//! if it is close enough to be a plausible typo rather than noise.

/// Optimal-string-alignment distance (Levenshtein plus adjacent swaps, the
/// most common typo), on characters.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (n, m) = (a.len(), b.len());
    // Three rolling rows: the swap rule looks two rows back.
    let mut prev2 = vec![0; m + 1];
    let mut prev: Vec<usize> = (0..=m).collect();
    let mut cur = vec![0; m + 1];
    for i in 1..=n {
        cur[0] = i;
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(prev2[j - 2] + 1);
            }
            cur[j] = d;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[m]
}

/// The candidate closest to `name`, if within a third of its length (at
/// least one edit). Ties go to the earliest candidate, so results are
/// deterministic for a deterministic candidate order.
pub fn best<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    let lower = name.to_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c == name {
            continue;
        }
        // A difference only in case is always a plausible typo.
        let d = if c.to_lowercase() == lower {
            1
        } else {
            distance(name, c)
        };
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("ab", "ba"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("mail.send", "mail.send"), 0);
    }

    #[test]
    fn suggestions() {
        let names = ["private", "pii", "secret", "untrusted"];
        assert_eq!(best("privte", names), Some("private"));
        assert_eq!(best("untrsuted", names), Some("untrusted"));
        assert_eq!(best("xyz", names), None);
        assert_eq!(best("PII", names), Some("pii"));
    }
}
