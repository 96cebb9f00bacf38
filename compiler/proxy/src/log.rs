//! The decision log: JSON Lines, one object per decision, shaped like
//! OPA's decision logs with OpenTelemetry GenAI/MCP attribute names
//! (`docs/proxy.md` documents every field). `guardc eval --replay` reads
//! it back, so field names are a contract: fields may be added, none
//! renamed.
//!
//! Problems that are not decisions (malformed JSON from a peer, a server
//! that exits, an approver that fails) are logged as error records: they
//! carry `error` and no `input`, so a replay can tell them from decisions.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};

/// What `--log-redact` erases a field with.
pub const REDACTED: &str = "[REDACTED]";

/// Where records go: a file, or stderr for `--log -` (stdout carries the
/// MCP stream). Cheap to clone; clones share the writer, so several
/// sessions (transports with many) can log to one file.
#[derive(Clone)]
pub struct DecisionLog {
    sink: Arc<Mutex<Box<dyn Write + Send>>>,
    redact: Arc<Vec<String>>,
}

impl DecisionLog {
    /// A log writing to `sink`, erasing the fields at `redact` (RFC 6901
    /// JSON pointers into each record's `input`).
    pub fn new(sink: Box<dyn Write + Send>, redact: Vec<String>) -> Result<DecisionLog, String> {
        for p in &redact {
            if !(p.is_empty() || p.starts_with('/')) {
                return Err(format!(
                    "`--log-redact {p}`: a JSON pointer is empty or starts with `/` (RFC 6901)"
                ));
            }
        }
        Ok(DecisionLog {
            sink: Arc::new(Mutex::new(sink)),
            redact: Arc::new(redact),
        })
    }

    /// Erases the redacted fields of `input` in place. A pointer that
    /// names nothing in this input erases nothing.
    pub fn redact_input(&self, input: &mut Value) {
        for p in self.redact.iter() {
            if let Some(v) = input.pointer_mut(p) {
                *v = Value::String(REDACTED.to_owned());
            }
        }
    }

    /// Whether no field is ever erased (inputs can be logged as decided).
    pub fn redacts_nothing(&self) -> bool {
        self.redact.is_empty()
    }

    /// Appends one record as a line and flushes it, so a killed proxy
    /// loses at most the line being written. A log that cannot be written
    /// is reported on stderr once per failure; it does not stop enforcing.
    pub fn write(&self, record: &Value) {
        self.write_line(record.to_string());
    }

    /// Appends one record already serialised (one JSON object, no line
    /// break), as [`DecisionLog::write`] does.
    pub fn write_line(&self, mut line: String) {
        line.push('\n');
        let Ok(mut sink) = self.sink.lock() else {
            crate::problem::report(
                crate::problem::Source::Log,
                "the decision log is unusable (a writer panicked)",
            );
            return;
        };
        if let Err(e) = sink.write_all(line.as_bytes()).and_then(|()| sink.flush()) {
            crate::problem::report(
                crate::problem::Source::Log,
                &format!("cannot write the decision log: {e}"),
            );
        }
    }
}

/// What every record of one session shares.
#[derive(Debug, Clone)]
pub struct LogMeta {
    /// `guard/<policy name>`.
    pub path: String,
    /// Hex SHA-256 of the image bytes.
    pub revision: String,
    /// The guardc version, for `labels.version`.
    pub version: String,
    pub session: String,
    /// The session's attributes as JSON (`context.attrs`).
    pub attrs: Map<String, Value>,
    /// The transport's MCP session id (`Mcp-Session-Id`), when it has one.
    pub mcp_session: Option<String>,
}

impl LogMeta {
    /// The fields every record starts with.
    pub fn head(&self, decision_id: &str, mode: &str) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("decision_id".into(), Value::String(decision_id.to_owned()));
        m.insert(
            "timestamp".into(),
            Value::String(timestamp(SystemTime::now())),
        );
        m.extend(self.fixed(mode));
        m
    }

    /// The fields after `decision_id` and `timestamp`, the same in every
    /// record of a session.
    fn fixed(&self, mode: &str) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("path".into(), Value::String(self.path.clone()));
        m.insert(
            "labels".into(),
            json!({"app": "guardc", "version": self.version}),
        );
        m.insert(
            "bundles".into(),
            json!({"policy": {"revision": self.revision}}),
        );
        m.insert("mode".into(), Value::String(mode.to_owned()));
        m.insert("session".into(), Value::String(self.session.clone()));
        m.insert(
            "context".into(),
            json!({"attrs": Value::Object(self.attrs.clone())}),
        );
        m
    }

    /// [`LogMeta::fixed`] serialised once per session, for records written
    /// field by field: `"path":...,"context":{...},` (with the trailing
    /// comma).
    pub fn fixed_fields(&self, mode: &str) -> String {
        let text = Value::Object(self.fixed(mode)).to_string();
        let inner = text
            .strip_prefix('{')
            .and_then(|t| t.strip_suffix('}'))
            .unwrap_or_default();
        format!("{inner},")
    }

    /// The OpenTelemetry attributes of a `tools/call` (or its output).
    pub fn attributes(&self, tool: &str, request_id: &Value) -> Value {
        let mut a = Map::new();
        a.insert("gen_ai.operation.name".into(), json!("execute_tool"));
        a.insert("gen_ai.tool.name".into(), json!(tool));
        a.insert("mcp.method.name".into(), json!("tools/call"));
        a.insert("jsonrpc.request.id".into(), request_id.clone());
        if let Some(s) = &self.mcp_session {
            a.insert("mcp.session.id".into(), json!(s));
        }
        Value::Object(a)
    }
}

/// Appends `s` as a JSON string.
pub fn push_str(out: &mut String, s: &str) {
    match serde_json::to_string(s) {
        Ok(j) => out.push_str(&j),
        // Cannot happen (a `str` always serialises); an empty string keeps
        // the line valid JSON.
        Err(_) => out.push_str("\"\""),
    }
}

/// A new decision id: 128 bits as 32 hex digits, unique within the
/// process (a counter through a bijective mixer) and across processes (a
/// random seed from the OS).
pub fn decision_id() -> String {
    static SEED: OnceLock<(u64, u64)> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let (a, b) = *SEED.get_or_init(seed);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let hi = mix(a.wrapping_add(n));
    let lo = mix(b ^ n.rotate_left(17));
    format!("{hi:016x}{lo:016x}")
}

/// SplitMix64's finaliser: a bijection on `u64`, so distinct counters
/// give distinct ids.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// 128 bits from `/dev/urandom`; where that cannot be read, the clock and
/// the process id (ids then stay unique within the process, which is
/// what the counter guarantees anyway).
fn seed() -> (u64, u64) {
    use std::io::Read;
    let mut buf = [0u8; 16];
    let read = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut buf));
    if read.is_ok() {
        let (a, b) = buf.split_at(8);
        if let (Ok(a), Ok(b)) = (<[u8; 8]>::try_from(a), <[u8; 8]>::try_from(b)) {
            return (u64::from_le_bytes(a), u64::from_le_bytes(b));
        }
    }
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    (
        mix(t),
        mix(u64::from(std::process::id()) ^ t.rotate_left(32)),
    )
}

/// RFC 3339 in UTC with microseconds: `2026-11-24T12:34:56.789012Z`.
pub fn timestamp(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, day) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        d.subsec_micros()
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    #[test]
    fn timestamps_are_rfc3339_utc_with_microseconds() {
        let t = UNIX_EPOCH + Duration::from_micros(1_795_000_000_123_456);
        assert_eq!(timestamp(t), "2026-11-18T11:06:40.123456Z");
        assert_eq!(timestamp(UNIX_EPOCH), "1970-01-01T00:00:00.000000Z");
        // A leap day.
        let t = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(timestamp(t), "2000-02-29T00:00:00.000000Z");
    }

    #[test]
    fn decision_ids_are_distinct_hex() {
        let ids: std::collections::HashSet<String> = (0..1000).map(|_| decision_id()).collect();
        assert_eq!(ids.len(), 1000);
        assert!(ids
            .iter()
            .all(|i| i.len() == 32 && i.bytes().all(|b| b.is_ascii_hexdigit())));
    }

    #[test]
    fn redaction_erases_only_named_fields() -> Result<(), String> {
        let log = DecisionLog::new(
            Box::new(std::io::sink()),
            vec!["/args/body".into(), "/args/missing".into(), "/text".into()],
        )?;
        let mut input = json!({"tool": "mail.send", "args": {"to": "a@b", "body": "secret"}});
        log.redact_input(&mut input);
        assert_eq!(
            input,
            json!({"tool": "mail.send", "args": {"to": "a@b", "body": "[REDACTED]"}})
        );
        assert!(DecisionLog::new(Box::new(std::io::sink()), vec!["args".into()]).is_err());
        Ok(())
    }
}
