//! Text functions of the runtime: lexical path normalisation, URL
//! parsing (scheme and host), lower-casing. All of them write into
//! caller-provided, capacity-checked buffers so that deciding allocates
//! nothing; the allocating helpers (`normalize_path`, `url_host`, ...) are
//! for session opening, tests and tools.
//!
//! URL parsing is deliberately strict (fail closed): where parsers
//! disagree about what host a string names, the string is refused rather
//! than guessed at. See [`parse_url`].

/// A result did not fit its fixed-capacity buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLong;

/// Why a path was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathFault {
    /// The empty string is not a path.
    Empty,
    /// A `..` would climb above `/` or above the start of a relative path.
    AboveRoot,
    /// The normalised path does not fit the scratch buffer.
    TooLong,
}

/// Whether `p` is already in normal form (so normalising it would give
/// it back unchanged): no empty, `.` or `..` segment, no trailing `/`
/// (except the root `/` itself); `.` alone is the normal empty relative
/// path.
pub fn is_normal_path(p: &str) -> bool {
    // This runs for every `path` argument: find every `/` eight bytes at
    // a time and look only at the segment after each (and at the first
    // segment of a relative path); none may be empty, `.` or `..`.
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let b = p.as_bytes();
    match b {
        [] => return false,
        [b'/'] | [b'.'] => return true,
        _ => {}
    }
    if b[0] != b'/' && !segment_ok(b, 0) {
        return false;
    }
    let mut chunks = b.chunks_exact(8);
    let mut i = 0;
    for chunk in &mut chunks {
        let Ok(w) = <[u8; 8]>::try_from(chunk) else {
            return false;
        };
        // The high bit of each byte that is `/` (exact: no carries).
        let x = u64::from_le_bytes(w) ^ (ONES * u64::from(b'/'));
        let mut m = !(((x & LOW7) + LOW7) | x | LOW7);
        while m != 0 {
            if !segment_ok(b, i + (m.trailing_zeros() / 8) as usize + 1) {
                return false;
            }
            m &= m - 1;
        }
        i += 8;
    }
    let rest = chunks.remainder().len();
    if rest == 0 {
        return true;
    }
    // The last eight bytes as one more word, without the bytes already
    // seen; shorter paths byte by byte.
    let Some(last) = b.len().checked_sub(8).and_then(|k| b.get(k..)) else {
        return chunks
            .remainder()
            .iter()
            .enumerate()
            .all(|(k, &c)| c != b'/' || segment_ok(b, i + k + 1));
    };
    let Ok(w) = <[u8; 8]>::try_from(last) else {
        return false;
    };
    let x = u64::from_le_bytes(w) ^ (ONES * u64::from(b'/'));
    let mut m = !(((x & LOW7) + LOW7) | x | LOW7) & (u64::MAX << (8 * (8 - rest)));
    let base = b.len() - 8;
    while m != 0 {
        if !segment_ok(b, base + (m.trailing_zeros() / 8) as usize + 1) {
            return false;
        }
        m &= m - 1;
    }
    true
}

/// Whether the path segment starting at byte `s` is not empty, `.` or
/// `..`.
#[inline]
fn segment_ok(b: &[u8], s: usize) -> bool {
    let end = |k: usize| matches!(b.get(k), None | Some(b'/'));
    match b.get(s) {
        None | Some(b'/') => false,
        Some(b'.') => !end(s + 1) && (b.get(s + 1) != Some(&b'.') || !end(s + 2)),
        Some(_) => true,
    }
}

/// Appends the lexical normal form of `p` to `out`: `.` segments removed,
/// each `..` removes the segment before it, repeated `/` collapsed, a
/// trailing `/` dropped (the root stays `/`), a relative path that
/// normalises to nothing is `.`. Never grows `out` past `cap` bytes.
pub fn normalize_path_into(p: &str, out: &mut String, cap: usize) -> Result<(), PathFault> {
    if p.is_empty() {
        return Err(PathFault::Empty);
    }
    let base = out.len();
    let absolute = p.starts_with('/');
    if absolute {
        push(out, "/", cap)?;
    }
    let root = out.len();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if out.len() == root {
                    out.truncate(base);
                    return Err(PathFault::AboveRoot);
                }
                let cut = out[root..].rfind('/').map_or(root, |k| root + k);
                out.truncate(cut);
            }
            _ => {
                if out.len() > root {
                    push(out, "/", cap)?;
                }
                push(out, seg, cap)?;
            }
        }
    }
    if out.len() == base {
        push(out, ".", cap)?;
    }
    Ok(())
}

/// The normal form of `p` (allocating).
pub fn normalize_path(p: &str) -> Result<String, PathFault> {
    let mut out = String::new();
    normalize_path_into(p, &mut out, usize::MAX)?;
    Ok(out)
}

fn push(out: &mut String, s: &str, cap: usize) -> Result<(), PathFault> {
    if out.len() + s.len() > cap {
        return Err(PathFault::TooLong);
    }
    out.push_str(s);
    Ok(())
}

/// Where the scheme and host of a parsed URL are, as byte ranges of the
/// URL text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UrlParts {
    pub scheme_end: usize,
    /// Empty (`host_start == host_end`) when the URL has no host.
    pub host_start: usize,
    pub host_end: usize,
}

/// A URL that [`parse_url`] accepted, with where its host is: what a host
/// passes as [`crate::Arg::Url`] to decide calls without the runtime
/// parsing the URL again. Only [`Url::parse`] makes one, so every `Url`
/// is a URL the runtime accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Url<'a> {
    text: &'a str,
    host_start: u32,
    host_end: u32,
}

impl<'a> Url<'a> {
    /// Parses `text` as [`parse_url`] does; `None` where it refuses (or the
    /// text is 4 GiB or longer).
    pub fn parse(text: &'a str) -> Option<Url<'a>> {
        let p = parse_url(text)?;
        Some(Url {
            text,
            host_start: u32::try_from(p.host_start).ok()?,
            host_end: u32::try_from(p.host_end).ok()?,
        })
    }

    /// The URL as given.
    pub fn as_str(&self) -> &'a str {
        self.text
    }

    /// The host as written (not lower-cased), without userinfo or port.
    pub fn host_raw(&self) -> &'a str {
        self.text
            .get(self.host_start as usize..self.host_end as usize)
            .unwrap_or("")
    }

    /// The host's byte range in the text.
    pub(crate) fn host_range(&self) -> (u32, u32) {
        (self.host_start, self.host_end)
    }
}

/// Schemes whose URLs must have a `//host` (the WHATWG "special"
/// schemes but `file`). `| 0x20` lower-cases ASCII letters and leaves the
/// other scheme characters (digits, `+`, `-`, `.`) as they are.
fn needs_host(s: &[u8]) -> bool {
    let l = |i: usize| s.get(i).map_or(0, |c| c | 0x20);
    match s.len() {
        2 => l(0) == b'w' && l(1) == b's',
        3 => {
            (l(0) == b'w' && l(1) == b's' && l(2) == b's')
                || (l(0) == b'f' && l(1) == b't' && l(2) == b'p')
        }
        4 | 5 => {
            l(0) == b'h'
                && l(1) == b't'
                && l(2) == b't'
                && l(3) == b'p'
                && (s.len() == 4 || l(4) == b's')
        }
        _ => false,
    }
}

/// Byte classes for URL parsing, one table lookup per byte.
const SCHEME: u8 = 1;
const HOST: u8 = 2;
const AUTH_END: u8 = 4;
const AUTH_BAD: u8 = 8;
/// A host character other than the dot.
const LABEL: u8 = 16;
const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        if b.is_ascii_alphanumeric() {
            t[c] = SCHEME | HOST | LABEL;
        }
        c += 1;
    }
    t[b'+' as usize] = SCHEME;
    t[b'-' as usize] = SCHEME | HOST | LABEL;
    t[b'.' as usize] = SCHEME | HOST;
    t[b'_' as usize] = HOST | LABEL;
    t[b'/' as usize] = AUTH_END;
    t[b'?' as usize] = AUTH_END;
    t[b'#' as usize] = AUTH_END;
    t[b'\\' as usize] = AUTH_BAD;
    t[b' ' as usize] = AUTH_BAD;
    t
};

fn class(c: u8) -> u8 {
    CLASS[usize::from(c)]
}

/// Parses an absolute URL: `scheme:` then, for hierarchical URLs,
/// `//[userinfo@]host[:port]` and the rest. Refuses (returns `None`):
///
/// * a missing or malformed scheme, control characters anywhere, spaces
///   or backslashes in the scheme or authority (parsers disagree on them);
/// * `http`, `https`, `ws`, `wss`, `ftp` without a `//host`;
/// * a host with characters other than ASCII letters, digits, `-`, `.`
///   and `_` — so percent-encoded and non-ASCII hosts (IDNs must be given
///   in punycode, `xn--...`) are refused;
/// * a host that browsers would read as an IPv4 address (last label
///   numeric or `0x`-hex) unless it is plain dotted decimal
///   (`127.0.0.1`, not `0x7f.1` or `2130706433`);
/// * an IPv6 literal not in canonical form (`[::1]`, not `[0::1]`);
/// * a host with an empty label (`a..b`, a leading or trailing dot);
/// * a port that is not a number up to 65535.
pub fn parse_url(s: &str) -> Option<UrlParts> {
    // Almost every URL an agent sends is `scheme://name[:port]/...`: after
    // the scheme, the short path accepts exactly those, and anything else
    // (userinfo, an IPv6 literal, a numeric last label, anything it would
    // refuse) goes to the general parser, which alone ever refuses.
    let colon = scheme_end(s.as_bytes())?;
    common_rest(s.as_bytes(), colon).or_else(|| general_rest(s, colon))
}

/// Where a URL's scheme ends (its `:`), for text without control
/// characters (parsers drop some of them) that starts with a scheme.
#[inline]
fn scheme_end(b: &[u8]) -> Option<usize> {
    // A branch-free fold, which the compiler vectorises.
    if b.iter()
        .fold(false, |bad, &c| bad | (c < 0x20) | (c == 0x7f))
    {
        return None;
    }
    if !b.first()?.is_ascii_alphabetic() {
        return None;
    }
    let colon = 1 + b.get(1..)?.iter().position(|&c| class(c) & SCHEME == 0)?;
    (b.get(colon) == Some(&b':')).then_some(colon)
}

/// The common case of [`parse_url`] after the scheme: `Some` only for a
/// URL that [`general_rest`] accepts with the same parts; `None` means
/// "ask it".
#[inline]
fn common_rest(b: &[u8], colon: usize) -> Option<UrlParts> {
    if b.get(colon..colon + 3)? != b"://" {
        return None;
    }
    // The host: labels of letters, digits, `-` and `_`, joined by dots,
    // none empty (which refuses a leading, doubled or trailing dot). Each
    // label is one tight scan; `label` is where the last one starts.
    let start = colon + 3;
    let mut i = start;
    let mut label;
    loop {
        label = i;
        i += b
            .get(i..)?
            .iter()
            .position(|&c| class(c) & LABEL == 0)
            .unwrap_or(b.len() - i);
        if i == label {
            return None;
        }
        if b.get(i) != Some(&b'.') {
            break;
        }
        i += 1;
    }
    // The last label must not start with a digit, so that the host cannot
    // read as an IPv4 address.
    if b.get(label)?.is_ascii_digit() {
        return None;
    }
    let host_end = i;
    let mut stop = b.get(i).copied();
    if stop == Some(b':') {
        // A port of one to five digits up to 65535, then the path.
        let p = i + 1;
        let mut q = p;
        while b.get(q).is_some_and(u8::is_ascii_digit) {
            q += 1;
        }
        let port = b.get(p..q)?;
        if port.is_empty() || port.len() > 5 || (port.len() == 5 && port > &b"65535"[..]) {
            return None;
        }
        i = q;
        stop = b.get(i).copied();
    }
    match stop {
        None | Some(b'/' | b'?' | b'#') => Some(UrlParts {
            scheme_end: colon,
            host_start: start,
            host_end,
        }),
        _ => None,
    }
}

/// [`parse_url`] after the scheme for every URL: one pass over the
/// bytes.
fn general_rest(s: &str, colon: usize) -> Option<UrlParts> {
    let b = s.as_bytes();
    let special = needs_host(b.get(..colon)?);
    if b.get(colon + 1..colon + 3) != Some(b"//") {
        if special {
            return None;
        }
        return Some(UrlParts {
            scheme_end: colon,
            host_start: colon + 1,
            host_end: colon + 1,
        });
    }
    // Authority: up to `/`, `?` or `#`; the host starts after the last `@`.
    let auth = colon + 3;
    let mut end = auth;
    let mut host_start = auth;
    while let Some(&c) = b.get(end) {
        let k = class(c);
        if k & (AUTH_END | AUTH_BAD) != 0 {
            if k & AUTH_BAD != 0 {
                return None;
            }
            break;
        }
        if c == b'@' {
            host_start = end + 1;
        }
        end += 1;
    }
    // Host, then an optional port.
    let hp = &b[host_start..end];
    let (host_len, port) = if hp.first() == Some(&b'[') {
        let close = hp.iter().position(|&c| c == b']')?;
        let inner = s.get(host_start + 1..host_start + close)?;
        if !ipv6_canonical(inner) {
            return None;
        }
        match hp.get(close + 1) {
            None => (close + 1, &hp[hp.len()..]),
            Some(b':') => (close + 1, &hp[close + 2..]),
            Some(_) => return None,
        }
    } else {
        let mut n = 0;
        let mut prev_dot = true;
        while let Some(&c) = hp.get(n) {
            if c == b'.' {
                if prev_dot {
                    return None;
                }
                prev_dot = true;
            } else if class(c) & HOST != 0 {
                prev_dot = false;
            } else if c == b':' {
                break;
            } else {
                return None;
            }
            n += 1;
        }
        // `a..b`, `.a` were refused above; `example.com.` names the same
        // host as `example.com`: refuse it rather than let a deny miss.
        if n > 0 && prev_dot {
            return None;
        }
        let host = &s[host_start..host_start + n];
        if looks_numeric(host) && !dotted_quad(host) {
            return None;
        }
        (n, hp.get(n + 1..).unwrap_or_default())
    };
    if port.len() > 5 || !port.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if port.len() == 5 && port > &b"65535"[..] {
        return None;
    }
    if host_len == 0 && special {
        return None;
    }
    Some(UrlParts {
        scheme_end: colon,
        host_start,
        host_end: host_start + host_len,
    })
}

/// Whether the WHATWG host parser would treat `host` as an IPv4 address:
/// its last label is decimal or `0x` hex.
fn looks_numeric(host: &str) -> bool {
    let h = host.as_bytes();
    let last = &h[h.iter().rposition(|&c| c == b'.').map_or(0, |k| k + 1)..];
    match last {
        [] => false,
        [b'0', b'x' | b'X', hex @ ..] => hex.iter().all(u8::is_ascii_hexdigit),
        _ => last.iter().all(u8::is_ascii_digit),
    }
}

/// Plain dotted decimal: four labels 0..=255 without leading zeros.
fn dotted_quad(host: &str) -> bool {
    let mut n = 0;
    for label in host.split('.') {
        n += 1;
        let ok = !label.is_empty()
            && label.len() <= 3
            && label.bytes().all(|b| b.is_ascii_digit())
            && (label == "0" || !label.starts_with('0'))
            && label.parse::<u16>().is_ok_and(|v| v <= 255);
        if !ok {
            return false;
        }
    }
    n == 4
}

/// Whether `s` (between the brackets) is an IPv6 address written the one
/// way the URL standard serialises it: lower- or upper-case hex groups
/// without leading zeros, the longest run of two or more zero groups
/// (the first, on a tie) compressed to `::`.
fn ipv6_canonical(s: &str) -> bool {
    let Some(groups) = parse_ipv6(s) else {
        return false;
    };
    let mut buf = [0u8; 40];
    let n = write_ipv6(&groups, &mut buf);
    buf.get(..n)
        .is_some_and(|c| c.eq_ignore_ascii_case(s.as_bytes()))
}

fn parse_ipv6(s: &str) -> Option<[u16; 8]> {
    let mut groups = [0u16; 8];
    let (head, tail) = match s.find("::") {
        Some(k) => (&s[..k], Some(&s[k + 2..])),
        None => (s, None),
    };
    let parse = |part: &str, out: &mut [u16; 8], at: usize| -> Option<usize> {
        if part.is_empty() {
            return Some(0);
        }
        let mut n = 0;
        for g in part.split(':') {
            if g.is_empty() || g.len() > 4 || at + n >= 8 {
                return None;
            }
            out[at + n] = u16::from_str_radix(g, 16).ok()?;
            n += 1;
        }
        Some(n)
    };
    let nh = parse(head, &mut groups, 0)?;
    match tail {
        None => (nh == 8).then_some(groups),
        Some(t) => {
            if t.contains("::") {
                return None;
            }
            let mut tg = [0u16; 8];
            let nt = parse(t, &mut tg, 0)?;
            if nh + nt > 7 {
                return None;
            }
            groups[8 - nt..].copy_from_slice(&tg[..nt]);
            Some(groups)
        }
    }
}

fn write_ipv6(g: &[u16; 8], buf: &mut [u8; 40]) -> usize {
    // The longest run of zero groups, at least two long.
    let (mut best, mut best_len) = (8, 1);
    let mut i = 0;
    while i < 8 {
        if g[i] == 0 {
            let j = (i..8).find(|&j| g[j] != 0).unwrap_or(8);
            if j - i > best_len {
                best = i;
                best_len = j - i;
            }
            i = j;
        } else {
            i += 1;
        }
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut n = 0;
    let mut i = 0;
    while i < 8 {
        if i == best {
            buf[n] = b':';
            buf[n + 1] = b':';
            n += 2;
            i += best_len;
            continue;
        }
        if i > 0 && i != best + best_len {
            buf[n] = b':';
            n += 1;
        }
        let v = g[i];
        let mut started = false;
        for shift in [12, 8, 4, 0] {
            let d = (v >> shift) & 0xf;
            if d != 0 || started || shift == 0 {
                buf[n] = HEX[d as usize];
                n += 1;
                started = true;
            }
        }
        i += 1;
    }
    n
}

/// The scheme of a URL that [`parse_url`] accepted, as written.
pub fn url_scheme_raw(s: &str, p: UrlParts) -> &str {
    s.get(..p.scheme_end).unwrap_or("")
}

/// The host of a URL that [`parse_url`] accepted, as written.
pub fn url_host_raw(s: &str, p: UrlParts) -> &str {
    s.get(p.host_start..p.host_end).unwrap_or("")
}

/// `host(u)` (allocating): lower case, without userinfo or port.
pub fn url_host(s: &str) -> Option<String> {
    parse_url(s).map(|p| url_host_raw(s, p).to_ascii_lowercase())
}

/// `scheme(u)` (allocating): lower case, without `:`.
pub fn url_scheme(s: &str) -> Option<String> {
    parse_url(s).map(|p| url_scheme_raw(s, p).to_ascii_lowercase())
}

/// Whether lower-casing `s` could change it (false only when `s` is
/// ASCII without capitals, the fast path that borrows instead of copying).
pub fn may_change_lower(s: &str) -> bool {
    !s.is_ascii() || s.bytes().any(|b| b.is_ascii_uppercase())
}

/// Appends `s` lower-cased (each character by `char::to_lowercase`) to
/// `out`; `Err` if that would grow `out` past `cap` bytes.
pub fn lower_into(s: &str, out: &mut String, cap: usize) -> Result<(), TooLong> {
    for c in s.chars() {
        for l in c.to_lowercase() {
            if out.len() + l.len_utf8() > cap {
                return Err(TooLong);
            }
            out.push(l);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{common_rest, general_rest, scheme_end, UrlParts};
    use proptest::prelude::*;

    fn common_url(u: &str) -> Option<UrlParts> {
        scheme_end(u.as_bytes()).and_then(|c| common_rest(u.as_bytes(), c))
    }

    fn general_url(u: &str) -> Option<UrlParts> {
        scheme_end(u.as_bytes()).and_then(|c| general_rest(u, c))
    }

    /// The short path accepts only what the general parser accepts, with
    /// the same parts, and does accept the plain URLs it is there for.
    fn agrees(u: &str) -> Result<(), TestCaseError> {
        if let Some(p) = common_url(u) {
            prop_assert_eq!(Some(p), general_url(u), "{}", u);
        }
        Ok(())
    }

    #[test]
    fn common_urls_take_the_short_path() {
        for u in [
            "https://hooks.example.com/ingest",
            "http://a",
            "HTTP://Example.COM:8080/x?y#z",
            "git+ssh://host_1.example-2.org:65535",
            "ftp://x.y?",
            "a://b.c#",
        ] {
            assert!(common_url(u).is_some(), "{u}");
            assert_eq!(common_url(u), general_url(u), "{u}");
        }
        // Each of these is left to the general parser (which accepts some).
        for u in [
            "http://u@h.com/",
            "http://[::1]/",
            "http://1.2.3.4/",
            "http://a.0x1/",
            "http://h.com:/",
            "http://h.com:65536/",
            "http://h.com:123456/",
            "http://.h.com/",
            "http://h..com/",
            "http://h.com./",
            "http:///x",
            "http://h.com\\x",
            "http://h.com x",
            "http://h%41.com/",
            "mailto:x@y.z",
            "http://h.com/\u{7f}",
        ] {
            assert_eq!(common_url(u), None, "{u}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        #[test]
        fn short_path_agrees_on_url_like_text(
            u in "[a-zH+.]{1,5}(:|://)[a-zA-Z0-9._:@\\[\\]/?#%\\\\ \u{7f}\u{e9}-]{0,24}"
        ) {
            agrees(&u)?;
        }

        #[test]
        fn short_path_agrees_on_hosts_and_ports(
            u in "https://[a-z0-9._-]{0,12}(:[0-9]{0,6})?([/?#@:].{0,4})?"
        ) {
            agrees(&u)?;
        }

        #[test]
        fn short_path_agrees_on_any_text(u in any::<String>()) {
            agrees(&u)?;
        }
    }
}
