//! The image format: round trips, determinism, and totality — every
//! truncated, corrupted or arbitrary input is an error, never a panic.
// Tests unwrap: a panic is a failing test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use guard_runtime::format::{crc32, decode, encode, section, HEADER_LEN};
use guard_runtime::model::*;
use guard_runtime::{LoadError, Policy};
use proptest::prelude::*;

#[test]
fn crc32_is_ieee() {
    assert_eq!(crc32(b""), 0);
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    assert_eq!(
        crc32(b"The quick brown fox jumps over the lazy dog"),
        0x414F_A339
    );
}

#[test]
fn example_round_trips_and_is_deterministic() {
    let img = common::mail_assistant();
    let bytes = encode(&img);
    assert_eq!(&bytes[..4], b"GRDI");
    assert_eq!(decode(&bytes).unwrap(), img);
    assert_eq!(encode(&img.clone()), bytes);
    assert_eq!(encode(&decode(&bytes).unwrap()), bytes);
    let p = Policy::load(&bytes).unwrap();
    assert_eq!(
        p.checksum(),
        u32::from_le_bytes(bytes[12..16].try_into().unwrap())
    );
    // Without debug section: flag clear, still loads.
    let mut stripped = img.clone();
    stripped.debug = None;
    let b2 = encode(&stripped);
    assert_eq!(u16::from_le_bytes([b2[6], b2[7]]), 0);
    assert_eq!(decode(&b2).unwrap(), stripped);
}

/// Rewrites the body's checksum so that corruption reaches the parser.
fn fix_crc(bytes: &mut [u8]) {
    if bytes.len() >= HEADER_LEN {
        let crc = crc32(&bytes[HEADER_LEN..]);
        bytes[12..16].copy_from_slice(&crc.to_le_bytes());
    }
}

fn valid() -> Vec<u8> {
    encode(&common::mail_assistant())
}

/// The offset of the section with `id` in an encoded image.
fn section_at(bytes: &[u8], id: u8) -> usize {
    let mut at = HEADER_LEN;
    while at < bytes.len() {
        let len = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
        if bytes[at] == id {
            return at;
        }
        at += 8 + len;
    }
    panic!("no section {id}")
}

#[test]
fn framing_errors_have_codes_and_offsets() {
    let good = valid();
    let code = |b: &[u8]| decode(b).err().unwrap().code();
    assert_eq!(code(b""), "E0410");
    assert_eq!(code(b"GRDX\x01\x00"), "E0410");
    let mut b = good.clone();
    b[4] = 1;
    assert_eq!(
        decode(&b).err(),
        Some(LoadError::UnsupportedVersion { version: 1 })
    );
    let mut b = good.clone();
    b[6] = 0x03;
    assert_eq!(code(&b), "E0412");
    assert_eq!(code(&good[..10]), "E0413");
    assert_eq!(code(&good[..good.len() - 1]), "E0413");
    let mut b = good.clone();
    b.push(0);
    assert_eq!(
        decode(&b).err(),
        Some(LoadError::TrailingBytes { offset: good.len() })
    );
    let mut b = good.clone();
    let last = b.len() - 1;
    b[last] ^= 1;
    assert_eq!(code(&b), "E0415");
    // Unknown section id.
    let mut b = good.clone();
    b[HEADER_LEN] = 99;
    fix_crc(&mut b);
    assert_eq!(
        decode(&b).err(),
        Some(LoadError::UnknownSection {
            offset: HEADER_LEN,
            id: 99
        })
    );
    // Reserved bytes.
    let mut b = good.clone();
    b[HEADER_LEN + 2] = 1;
    fix_crc(&mut b);
    assert_eq!(
        decode(&b).err(),
        Some(LoadError::ReservedBytes {
            offset: HEADER_LEN + 1
        })
    );
    // A missing section: drop STRINGS.
    let s = section_at(&good, section::STRINGS);
    let l = section_at(&good, section::LABELS);
    let mut b = good[..s].to_vec();
    b.extend(&good[l..]);
    let body = (b.len() - HEADER_LEN) as u32;
    b[8..12].copy_from_slice(&body.to_le_bytes());
    fix_crc(&mut b);
    assert_eq!(
        decode(&b).err(),
        Some(LoadError::MissingSection {
            id: section::STRINGS
        })
    );
    // Out of order: swap META's id for LABELS's.
    let mut b = good.clone();
    b[l] = section::META;
    fix_crc(&mut b);
    assert_eq!(code(&b), "E0417");
    // Debug flag without debug section.
    let mut stripped = common::mail_assistant();
    stripped.debug = None;
    let mut b = encode(&stripped);
    b[6] = 1;
    assert_eq!(
        decode(&b).err(),
        Some(LoadError::MissingSection { id: section::DEBUG })
    );
    // Debug section without the flag.
    let mut b = good.clone();
    b[6] = 0;
    assert_eq!(code(&b), "E0416");
    // Bad UTF-8 in a string: the first string's first byte.
    let mut b = good.clone();
    let at = s + 8 + 4 + 4;
    b[at] = 0xff;
    fix_crc(&mut b);
    assert_eq!(decode(&b).err(), Some(LoadError::BadUtf8 { offset: at }));
    // A huge count is a truncation, not an allocation.
    let mut b = good.clone();
    b[s + 8..s + 12].copy_from_slice(&u32::MAX.to_le_bytes());
    fix_crc(&mut b);
    assert_eq!(
        decode(&b).err(),
        Some(LoadError::Truncated { offset: s + 8 })
    );
    // A section length past the end.
    let mut b = good.clone();
    b[s + 4..s + 8].copy_from_slice(&u32::MAX.to_le_bytes());
    fix_crc(&mut b);
    assert_eq!(code(&b), "E0420");
    // Every error displays with its code.
    assert!(decode(b"")
        .err()
        .unwrap()
        .to_string()
        .starts_with("E0410: "));
}

#[test]
fn every_truncation_and_bit_flip_is_an_error() {
    let good = valid();
    for n in 0..good.len() {
        assert!(Policy::load(&good[..n]).is_err(), "prefix {n}");
    }
    for i in 0..good.len() {
        for bit in [0x01, 0x80] {
            let mut b = good.clone();
            b[i] ^= bit;
            // Without fixing the checksum, the header or the CRC catches it.
            assert!(Policy::load(&b).is_err(), "byte {i}");
            // With the checksum fixed, the parser or the validator must
            // catch it, or the result is a different, valid policy: either
            // way no panic.
            fix_crc(&mut b);
            let _ = Policy::load(&b);
        }
    }
}

fn arb_type() -> impl Strategy<Value = ValueType> {
    let leaf = prop_oneof![
        Just(ValueType::Bool),
        Just(ValueType::Int),
        (any::<i64>(), any::<i64>()).prop_map(|(a, b)| ValueType::IntRange(a, b)),
        Just(ValueType::Str),
        Just(ValueType::Path),
        Just(ValueType::Url),
        Just(ValueType::Json),
        any::<u16>().prop_map(ValueType::Enum),
    ];
    prop_oneof![
        leaf.clone(),
        leaf.prop_map(|t| ValueType::List(Box::new(t)))
    ]
}

fn arb_code() -> impl Strategy<Value = Option<CodeRef>> {
    proptest::option::of(
        (any::<u32>(), any::<u32>()).prop_map(|(start, len)| CodeRef { start, len }),
    )
}

fn arb_rule() -> impl Strategy<Value = Rule> {
    (
        any::<u32>(),
        prop_oneof![
            Just(Verdict::Allow),
            Just(Verdict::Deny),
            any::<u16>().prop_map(Verdict::Escalate)
        ],
        arb_code(),
    )
        .prop_map(|(id, verdict, guard)| Rule { id, verdict, guard })
}

fn arb_effect() -> impl Strategy<Value = Effect> {
    (
        arb_code(),
        proptest::collection::vec(
            (any::<u16>(), any::<u32>(), any::<u32>()).prop_map(|(state, start, len)| Assign {
                state,
                value: CodeRef { start, len },
            }),
            0..3,
        ),
    )
        .prop_map(|(guard, assigns)| Effect { guard, assigns })
}

fn id() -> impl Strategy<Value = StrId> {
    any::<u32>().prop_map(StrId)
}

prop_compose! {
    fn arb_tool()(
        name in id(),
        params in proptest::collection::vec((id(), arb_type(), any::<bool>())
            .prop_map(|(name, ty, optional)| Param { name, ty, optional }), 0..4),
        result_labels in any::<u64>(),
        rules in proptest::collection::vec(arb_rule(), 0..3),
        effects in proptest::collection::vec(arb_effect(), 0..2),
    ) -> Tool {
        Tool { name, params, result_labels, rules, effects }
    }
}

/// Any table shape, valid or not (the format only frames it; meaning is
/// the loader's), with both transition widths (up to 256 states: one
/// byte) and both class widths (up to 256 classes: one byte; a class
/// number is only representable in its table's width).
fn arb_char_dfa() -> impl Strategy<Value = CharDfa> {
    prop_oneof![
        (1usize..5, 1u16..4),
        (250usize..262, 1u16..3),
        (1usize..3, 257u16..260),
    ]
    .prop_flat_map(|(states, classes)| {
        let class_max = if classes > 256 { u16::MAX } else { 255 };
        (
            any::<u16>(),
            proptest::collection::vec((any::<u32>(), 0..=class_max), 0..4),
            proptest::collection::vec(0..states as u16, states * usize::from(classes)),
            proptest::collection::vec(any::<bool>(), states),
        )
            .prop_map(move |(start, ranges, next, matched)| CharDfa {
                start,
                classes,
                ranges,
                next,
                matched,
            })
    })
}

fn arb_regex_tables() -> impl Strategy<Value = RegexTables> {
    (
        proptest::option::of(arb_char_dfa()),
        proptest::option::of((arb_char_dfa(), arb_char_dfa())),
    )
        .prop_map(|(whole, search)| RegexTables { whole, search })
}

prop_compose! {
    fn arb_image()(
        name in id(),
        default_allow in any::<bool>(),
        strings in proptest::collection::vec(".{0,8}", 0..6),
        labels in proptest::collection::vec(id(), 0..3),
        enums in proptest::collection::vec(proptest::collection::vec(id(), 0..3), 0..3),
        tools in proptest::collection::vec(arb_tool(), 0..3),
        channels in proptest::collection::vec(
            (id(), proptest::collection::vec(arb_rule(), 0..2), proptest::collection::vec(arb_effect(), 0..2),
             proptest::collection::vec((any::<u32>(), any::<u16>(), id(), arb_code())
                .prop_map(|(id, regex, replacement, guard)| Redaction { id, regex, replacement, guard }), 0..2))
            .prop_map(|(name, rules, effects, redactions)| Channel { name, rules, effects, redactions }), 0..2),
        attrs in proptest::collection::vec((id(), arb_type()).prop_map(|(name, ty)| Attr { name, ty }), 0..3),
        states in proptest::collection::vec((id(), prop_oneof![
            Just(StateKind::Bool),
            any::<u16>().prop_map(StateKind::Enum),
            (any::<i64>(), any::<i64>()).prop_map(|(lo, hi)| StateKind::Int { lo, hi }),
        ], any::<i64>()).prop_map(|(name, kind, init)| StateVar { name, kind, init }), 0..3),
        gates in proptest::collection::vec((id(), proptest::collection::vec(id(), 0..2), proptest::option::of(any::<u64>()))
            .prop_map(|(name, approvers, timeout_ms)| Gate { name, approvers, timeout_ms }), 0..2),
        regexes in proptest::collection::vec(id(), 0..2),
        regex_tables in proptest::collection::vec(arb_regex_tables(), 0..2),
        consts in proptest::collection::vec(prop_oneof![
            any::<i64>().prop_map(Const::Int),
            any::<bool>().prop_map(Const::Bool),
            id().prop_map(Const::Str),
            (any::<u16>(), any::<u16>()).prop_map(|(e, variant)| Const::Enum { e, variant }),
            proptest::collection::vec(any::<u16>(), 0..3).prop_map(Const::List),
        ], 0..4),
        code in proptest::collection::vec(any::<u8>(), 0..32),
        debug in proptest::option::of((
            proptest::collection::vec(id(), 0..2),
            proptest::collection::vec((any::<u32>(), any::<u16>(), any::<u32>(), any::<u32>(), any::<u32>(), any::<u32>(), proptest::option::of(id()))
                .prop_map(|(id, file, line, col, start, end, because)| RuleDebug { id, file, line, col, start, end, because }), 0..2),
        ).prop_map(|(files, rules)| Debug { files, rules })),
    ) -> Image {
        Image { name, default_allow, strings, labels, enums, tools, channels, attrs, states, gates, regexes, regex_tables, consts, code, debug }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn any_image_round_trips(img in arb_image()) {
        let bytes = encode(&img);
        let back = decode(&bytes).unwrap();
        prop_assert_eq!(&back, &img);
        prop_assert_eq!(encode(&back), bytes.clone());
        // Loading it (mostly invalid) never panics.
        let _ = Policy::load(&bytes);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        prop_assert!(Policy::load(&bytes).is_err());
        let mut framed = b"GRDI\x01\x00\x01\x00".to_vec();
        framed.extend(((bytes.len()) as u32).to_le_bytes());
        framed.extend(crc32(&bytes).to_le_bytes());
        framed.extend(&bytes);
        let _ = Policy::load(&framed);
    }

    #[test]
    fn mutated_valid_images_never_panic(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6),
        cut in any::<usize>(),
        fix in any::<bool>(),
    ) {
        let mut b = valid();
        for (at, byte) in edits {
            let n = b.len();
            b[at % n] = byte;
        }
        if cut % 4 == 0 {
            b.truncate(cut % (b.len() + 1));
        }
        if fix {
            fix_crc(&mut b);
        }
        if let Ok(p) = Policy::load(&b) {
            // Whatever loaded must decide without panicking.
            let mut s = guard_runtime::Session::new(&p, &[]).unwrap();
            for name in p.tool_names().map(str::to_owned).collect::<Vec<_>>() {
                let _ = s.decide_call_named(&name, &[]);
            }
        }
    }
}

/// Writes the fuzzer's seed images (cheap to load: a seed with a large
/// regex DFA would slow every execution down) (`cargo test -p guard-runtime --test
/// format -- --ignored write_fuzz_seeds`).
#[test]
#[ignore]
fn write_fuzz_seeds() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds");
    std::fs::create_dir_all(&dir).unwrap();
    let mut stripped = common::mail_assistant();
    stripped.debug = None;
    // As `guardc build` writes it: every regex with its tables (the
    // fixture's first regex is matched, the second redacts).
    let mut tabled = common::mail_assistant();
    tabled.regex_tables = tabled
        .regexes
        .iter()
        .enumerate()
        .map(|(i, r)| guard_runtime::regex_tables(&tabled.strings[r.0 as usize], i == 0, i == 1))
        .collect();
    assert!(tabled
        .regex_tables
        .iter()
        .all(|t| t.whole.is_some() || t.search.is_some()));
    for (name, img) in [
        ("mail_assistant", common::mail_assistant()),
        ("mail_assistant_stripped", stripped),
        ("mail_assistant_tables", tabled),
    ] {
        let bytes = encode(&img);
        std::fs::write(dir.join(format!("{name}.grdi")), &bytes).unwrap();
        // The body alone, for the fuzzer's framing path.
        std::fs::write(dir.join(format!("{name}.body")), &bytes[HEADER_LEN..]).unwrap();
    }
}
