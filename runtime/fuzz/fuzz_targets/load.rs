//! Fuzzes `Policy::load` with arbitrary bytes, and the VM with whatever
//! loads. Inputs starting with `GRDI` are taken as images as they are;
//! other inputs are also tried as the body of a well-framed image (magic,
//! version, flags, length and checksum made right), so that mutations
//! reach the section parser and the validator instead of stopping at the
//! checksum. Whatever loads is then used: a session decides every tool
//! with no arguments and with a few argument shapes, and every channel.
#![no_main]

use guard_runtime::format::crc32;
use guard_runtime::{Arg, Call, Policy, Session, ToolId};
use libfuzzer_sys::fuzz_target;

fn exercise(p: &Policy) {
    let Ok(mut s) = Session::new(p, &[]) else {
        return;
    };
    let list = [Arg::Str("/a/../b"), Arg::Str("x")];
    let url = guard_runtime::Url::parse("https://Example.COM:8443/x");
    let url = url.map_or(Arg::Absent, Arg::Url);
    let shapes: [&[Arg]; 6] = [
        &[url, Arg::Str("b"), url],
        &[],
        &[Arg::Str("https://Example.COM/x"), Arg::Int(1), Arg::Bool(true)],
        &[Arg::Str("/tmp/../etc//passwd/"), Arg::Str("a"), Arg::Int(i64::MAX)],
        &[Arg::List(&list), Arg::Str("ÄÖÜ"), Arg::Json],
        &[Arg::Int(-1), Arg::Bool(false), Arg::Str("")],
    ];
    let n = p.image().tools.len().min(64);
    let mut out = String::new();
    for round in 0..2 {
        for t in 0..n {
            for args in shapes {
                let d = s.decide_call(&Call {
                    tool: ToolId(t as u32),
                    args,
                });
                if let Some(ticket) = d.ticket {
                    if round == 0 {
                        let _ = s.approve(ticket, &Call { tool: ToolId(t as u32), args });
                    } else {
                        let _ = s.reject(ticket);
                    }
                }
                let _ = d.explain(p);
            }
        }
        for c in 0..p.image().channels.len().min(16) {
            let ch = guard_runtime::ChannelId(c as u32);
            let _ = s.decide_output(ch, "ssn 123-45-6789 SECRET text", &mut out);
        }
    }
    let snap = s.snapshot();
    let _ = Session::restore(p, &[], &snap);
    let _ = guard_runtime::disassemble(p.image());
}

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = Policy::load(data) {
        exercise(&p);
    }
    let mut framed = Vec::with_capacity(data.len() + 16);
    framed.extend(b"GRDI\x01\x00");
    let flags: u16 = u16::from(data.first().is_some_and(|b| b & 1 == 1));
    framed.extend(flags.to_le_bytes());
    framed.extend((data.len() as u32).to_le_bytes());
    framed.extend(crc32(data).to_le_bytes());
    framed.extend(data);
    if let Ok(p) = Policy::load(&framed) {
        exercise(&p);
    }
    let _ = guard_runtime::decode(data).map(|img| guard_runtime::disassemble(&img));
});
