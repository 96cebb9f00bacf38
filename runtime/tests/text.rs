//! Path normalisation and URL parsing tables (docs/language.md §8.1,
//! §6.6, §15.2).
// Tests unwrap: a panic is a failing test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use guard_runtime::text::*;

#[test]
fn path_normalisation() {
    let table: &[(&str, Result<&str, PathFault>)] = &[
        ("/", Ok("/")),
        ("//", Ok("/")),
        ("/.", Ok("/")),
        ("/a", Ok("/a")),
        ("/a/", Ok("/a")),
        ("/a//b", Ok("/a/b")),
        ("///a///b///", Ok("/a/b")),
        ("/a/./b/.", Ok("/a/b")),
        ("/a/b/..", Ok("/a")),
        ("/a/b/../..", Ok("/")),
        ("/workspace/app/../../etc/passwd", Ok("/etc/passwd")),
        ("/a/../b/../c", Ok("/c")),
        ("/..", Err(PathFault::AboveRoot)),
        ("/a/../..", Err(PathFault::AboveRoot)),
        ("/a/../../b", Err(PathFault::AboveRoot)),
        ("a", Ok("a")),
        ("a/", Ok("a")),
        ("./a", Ok("a")),
        ("a/./b", Ok("a/b")),
        ("a/..", Ok(".")),
        (".", Ok(".")),
        ("./", Ok(".")),
        ("..", Err(PathFault::AboveRoot)),
        ("../a", Err(PathFault::AboveRoot)),
        ("a/../..", Err(PathFault::AboveRoot)),
        ("", Err(PathFault::Empty)),
        ("/a/...", Ok("/a/...")),
        ("/a/.b/..c", Ok("/a/.b/..c")),
        ("/dir with space/ü", Ok("/dir with space/ü")),
        ("C:\\x\\..\\y", Ok("C:\\x\\..\\y")),
    ];
    for (input, want) in table {
        let got = normalize_path(input);
        assert_eq!(got.as_deref().map_err(|e| *e), *want, "{input:?}");
        if let Ok(n) = &got {
            assert!(is_normal_path(n), "{n:?} is normal");
            assert_eq!(is_normal_path(input), n == input, "{input:?}");
            assert_eq!(normalize_path(n).unwrap(), *n, "idempotent on {n:?}");
        }
    }
}

#[test]
fn path_normalisation_respects_capacity() {
    let mut out = String::with_capacity(4);
    assert_eq!(
        normalize_path_into("/abcdef", &mut out, 4),
        Err(PathFault::TooLong)
    );
    out.clear();
    assert_eq!(normalize_path_into("/ab/../c", &mut out, 4), Ok(()));
    assert_eq!(out, "/c");
}

#[test]
fn url_hosts_and_schemes() {
    let table: &[(&str, Option<(&str, &str)>)] = &[
        ("https://docs.rs/regex", Some(("https", "docs.rs"))),
        ("HTTPS://Docs.RS:443/x?y#z", Some(("https", "docs.rs"))),
        (
            "http://user:pass@example.com:8080/",
            Some(("http", "example.com")),
        ),
        ("https://a@b@example.com/", Some(("https", "example.com"))),
        ("https://example.com", Some(("https", "example.com"))),
        ("https://example.com:/", Some(("https", "example.com"))),
        (
            "https://example.com?q=@evil.com",
            Some(("https", "example.com")),
        ),
        (
            "https://example.com#@evil.com",
            Some(("https", "example.com")),
        ),
        (
            "https://example.com/@evil.com",
            Some(("https", "example.com")),
        ),
        ("https://[::1]:8080/", Some(("https", "[::1]"))),
        ("https://[2001:DB8::1]/", Some(("https", "[2001:db8::1]"))),
        ("http://127.0.0.1/", Some(("http", "127.0.0.1"))),
        ("http://my_host.local/", Some(("http", "my_host.local"))),
        (
            "http://xn--bcher-kva.example/",
            Some(("http", "xn--bcher-kva.example")),
        ),
        ("https://example.com/a b", Some(("https", "example.com"))),
        ("file:///etc/passwd", Some(("file", ""))),
        ("mailto:someone@example.com", Some(("mailto", ""))),
        ("urn:isbn:0451450523", Some(("urn", ""))),
        (
            "git+ssh://git@github.com/x.git",
            Some(("git+ssh", "github.com")),
        ),
        // Refused.
        ("", None),
        ("example.com", None),
        ("/relative/path", None),
        ("://example.com", None),
        ("1http://example.com", None),
        ("ht tp://example.com", None),
        ("https:example.com", None),
        ("https:/example.com", None),
        ("https:\\\\example.com", None),
        ("https://", None),
        ("https:///path", None),
        ("https://exa mple.com/", None),
        ("https://example.com\\@evil.com/", None),
        ("https://evil.com\\.example.com/", None),
        ("https://ex%61mple.com/", None),
        ("https://bücher.example/", None),
        ("https://example.com:99999/", None),
        ("https://example.com:8a/", None),
        ("https://example.com./", None),
        ("https://a..b/", None),
        ("http://0x7f.1/", None),
        ("http://2130706433/", None),
        ("http://127.1/", None),
        ("http://127.000.0.1/", None),
        ("http://256.0.0.1/", None),
        ("http://1.2.3.4.5/", None),
        ("https://[0::1]/", None),
        ("https://[::0001]/", None),
        ("https://[1:2:3:4:5:6:7:8:9]/", None),
        ("https://[::1/", None),
        ("https://[::1]x/", None),
        ("https://example.com/\u{0}", None),
        ("https://exam\tple.com/", None),
        ("https://example.com/\n", None),
    ];
    for (input, want) in table {
        let got = match (url_scheme(input), url_host(input)) {
            (Some(s), Some(h)) => Some((s, h)),
            (None, None) => None,
            _ => panic!("scheme and host disagree on {input:?}"),
        };
        let got = got.as_ref().map(|(s, h)| (s.as_str(), h.as_str()));
        assert_eq!(got, *want, "{input:?}");
    }
}

#[test]
fn lower_is_unicode() {
    let mut out = String::new();
    lower_into("HÉLLO Σ İ", &mut out, 100).unwrap();
    assert_eq!(out, "héllo σ i\u{307}");
    assert!(!may_change_lower("abc-1"));
    assert!(may_change_lower("aBc"));
    assert!(may_change_lower("é"));
    let mut out = String::new();
    assert_eq!(lower_into("ABCDE", &mut out, 3), Err(TooLong));
}

mod props {
    use guard_runtime::text::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 5000, ..ProptestConfig::default() })]

        /// Normalising is total, idempotent, and agrees with the fast
        /// normal-form check.
        #[test]
        fn paths(p in "[/a.]{0,12}|[/a-c.\u{e9}]{0,24}") {
            match normalize_path(&p) {
                Ok(n) => {
                    prop_assert!(is_normal_path(&n));
                    prop_assert_eq!(normalize_path(&n).unwrap(), n.clone());
                    prop_assert_eq!(is_normal_path(&p), n == p);
                }
                Err(_) => prop_assert!(!is_normal_path(&p)),
            }
        }

        /// URL parsing is total, and a host it returns is one the host
        /// rules accept.
        #[test]
        fn urls(u in "[a-zH]{1,5}:(//)?[a-z0-9.:@\\[\\]/?#%\\\\ _-]{0,24}") {
            if let Some(h) = url_host(&u) {
                prop_assert!(!h.ends_with('.') && !h.contains(".."));
                prop_assert!(url_scheme(&u).is_some());
            }
        }

        #[test]
        fn arbitrary_text_never_panics(s in any::<String>()) {
            let _ = parse_url(&s);
            let _ = normalize_path(&s);
            let _ = is_normal_path(&s);
        }
    }
}
