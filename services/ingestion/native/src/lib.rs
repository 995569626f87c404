//! Native parse + normalise + encode of plain `logs.raw` records, one call per poll.
//!
//! It answers only for the narrow common case that `ingestion.domain.Normaliser.plain_document`
//! answers for too, restricted further to printable ASCII text and one ISO timestamp grammar:
//! a JSON object of `LogRecord`'s flat fields, each a string or null, no duplicate keys, no
//! escapes but `\"`, `\\`, `\/` and printable `\uXXXX`. Every other value is deferred to the
//! Python path, which decides (with its result or its rejection reason). The Python code stays
//! the reference: tests hold this module's bytes equal to the general path's on fuzzed records.
//!
//! Redaction stays in Python. This module only reports the records whose message holds one of
//! the redactor's trigger words (lower-cased; for words whose rules carry a `needs` condition, only
//! where it matches) or one of its two shapes where that shape's rule would mask something (the
//! card and bare-key rules, emulated match for match): a superset of the messages `Redactor.text`
//! changes. Python redacts those and re-encodes any record whose message changed; the rest `text`
//! would return unchanged, so their bytes are final.

use std::borrow::Cow;
use std::collections::HashMap;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};

const FIELDS: [&str; 12] = [
    "org", "message", "timestamp", "level", "service", "host", "dashboard", "namespace", "pod", "container", "node",
    "cluster",
];
const ORG: usize = 0;
const MESSAGE: usize = 1;
const TIMESTAMP: usize = 2;
const LEVEL: usize = 3;
const SERVICE: usize = 4;
const HOST: usize = 5;
const DASHBOARD: usize = 6;
const NAMESPACE: usize = 7;
const POD: usize = 8;
const CONTAINER: usize = 9;
const NODE: usize = 10;
const CLUSTER: usize = 11;

/// Broker times beyond this (year 2100) are deferred: up to 2^33 s, `ms / 1000` as a float is within
/// 0.12 µs of the exact value, so Python's `datetime.fromtimestamp` rounds it to exactly `ms * 1000` µs.
const MAX_BROKER_MS: i64 = 4_102_444_800_000;

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

fn hex(b: u8) -> Option<u32> {
    match b {
        b'0'..=b'9' => Some((b - b'0') as u32),
        b'a'..=b'f' => Some((b - b'a' + 10) as u32),
        b'A'..=b'F' => Some((b - b'A' + 10) as u32),
        _ => None,
    }
}

/// The plain record's fields: printable ASCII strings (`Some`), or null/missing (`None`).
struct Plain<'a> {
    values: [Option<Cow<'a, [u8]>>; 12],
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Parser<'a> {
    fn ws(&mut self) {
        while self.i < self.b.len() && is_ws(self.b[self.i]) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        if self.i < self.b.len() && self.b[self.i] == c {
            self.i += 1;
            Some(())
        } else {
            None
        }
    }

    /// A JSON string (after its opening quote) holding printable ASCII only, unescaped: borrowed where it
    /// holds no escape.
    fn string(&mut self) -> Option<Cow<'a, [u8]>> {
        let b = self.b;
        let start = self.i;
        while self.i < b.len() {
            let c = b[self.i];
            if c == b'"' || c == b'\\' || !(0x20..0x7f).contains(&c) {
                break;
            }
            self.i += 1;
        }
        if *b.get(self.i)? == b'"' {
            self.i += 1;
            return Some(Cow::Borrowed(&b[start..self.i - 1]));
        }
        let mut out = b[start..self.i].to_vec();
        self.escaped(&mut out)?;
        Some(Cow::Owned(out))
    }

    fn escaped(&mut self, out: &mut Vec<u8>) -> Option<()> {
        let b = self.b;
        loop {
            let start = self.i;
            while self.i < b.len() {
                let c = b[self.i];
                if c == b'"' || c == b'\\' || !(0x20..0x7f).contains(&c) {
                    break;
                }
                self.i += 1;
            }
            out.extend_from_slice(&b[start..self.i]);
            if self.i >= b.len() {
                return None;
            }
            let c = b[self.i];
            self.i += 1;
            match c {
                b'"' => return Some(()),
                b'\\' => {
                    let e = *b.get(self.i)?;
                    self.i += 1;
                    match e {
                        b'"' | b'\\' | b'/' => out.push(e),
                        b'u' => {
                            let digits = b.get(self.i..self.i + 4)?;
                            self.i += 4;
                            let mut code = 0u32;
                            for &d in digits {
                                code = code * 16 + hex(d)?;
                            }
                            if !(0x20..0x7f).contains(&code) {
                                return None; // controls, non-ASCII, surrogates: Python's path decides
                            }
                            out.push(code as u8);
                        }
                        _ => return None, // \b \f \n \r \t: not printable
                    }
                }
                _ => return None, // a control character or a byte outside ASCII
            }
        }
    }

    fn plain(mut self) -> Option<Plain<'a>> {
        let mut plain = Plain { values: Default::default() };
        let mut seen = [false; 12];
        self.ws();
        self.eat(b'{')?;
        self.ws();
        if self.eat(b'}').is_none() {
            loop {
                self.eat(b'"')?;
                let start = self.i;
                while self.i < self.b.len() && self.b[self.i] != b'"' && self.b[self.i] != b'\\' {
                    self.i += 1;
                }
                let name = &self.b[start..self.i];
                self.eat(b'"')?; // a key with an escape: deferred
                let field = FIELDS.iter().position(|f| f.as_bytes() == name)?;
                if seen[field] {
                    return None; // duplicate keys: deferred
                }
                seen[field] = true;
                self.ws();
                self.eat(b':')?;
                self.ws();
                match *self.b.get(self.i)? {
                    b'"' => {
                        self.i += 1;
                        plain.values[field] = Some(self.string()?);
                    }
                    b'n' => {
                        if self.b.get(self.i..self.i + 4)? != b"null" {
                            return None;
                        }
                        self.i += 4;
                    }
                    _ => return None, // numbers, booleans, objects, arrays: deferred
                }
                self.ws();
                if self.eat(b',').is_some() {
                    self.ws();
                    continue;
                }
                self.eat(b'}')?;
                break;
            }
        }
        self.ws();
        if self.i != self.b.len() {
            return None;
        }
        Some(plain)
    }
}

// ----------------------------------------------------------------- time

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn digits(s: &[u8]) -> Option<i64> {
    let mut n = 0i64;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + (c - b'0') as i64;
    }
    Some(n)
}

/// `YYYY-MM-DDTHH:MM:SS[.f{1,6}][Z|±HH:MM]` (naive means UTC) as microseconds since the epoch: a
/// subset of what Python 3.11's `datetime.fromisoformat` reads, with its range checks. Anything
/// else is None (deferred).
fn parse_iso(s: &[u8]) -> Option<i64> {
    if s.len() < 19 || s[4] != b'-' || s[7] != b'-' || s[10] != b'T' || s[13] != b':' || s[16] != b':' {
        return None;
    }
    let (y, mo, d) = (digits(&s[0..4])?, digits(&s[5..7])?, digits(&s[8..10])?);
    let (h, mi, sec) = (digits(&s[11..13])?, digits(&s[14..16])?, digits(&s[17..19])?);
    if y < 1 || !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    let mut i = 19;
    let mut micros = 0i64;
    if s.get(i) == Some(&b'.') {
        let start = i + 1;
        let mut end = start;
        while end < s.len() && s[end].is_ascii_digit() {
            end += 1;
        }
        let n = end - start;
        if n == 0 || n > 6 {
            return None;
        }
        micros = digits(&s[start..end])? * 10i64.pow((6 - n) as u32);
        i = end;
    }
    let offset_s = match &s[i..] {
        [] | [b'Z'] => 0,
        [sign @ (b'+' | b'-'), oh1, oh2, b':', om1, om2] => {
            let (oh, om) = (digits(&[*oh1, *oh2])?, digits(&[*om1, *om2])?);
            if oh > 23 || om > 59 {
                return None;
            }
            let offset = oh * 3600 + om * 60;
            if *sign == b'-' {
                -offset
            } else {
                offset
            }
        }
        _ => return None,
    };
    let seconds = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec - offset_s;
    Some(seconds * 1_000_000 + micros)
}

fn push2(out: &mut Vec<u8>, n: i64) {
    out.push(b'0' + (n / 10) as u8);
    out.push(b'0' + (n % 10) as u8);
}

/// msgspec's encoding of an aware UTC datetime: `YYYY-MM-DDTHH:MM:SS[.ffffff]Z`, quoted.
fn push_time(out: &mut Vec<u8>, us: i64) -> Option<()> {
    let seconds = us.div_euclid(1_000_000);
    let micros = us.rem_euclid(1_000_000);
    let (y, m, d) = civil_from_days(seconds.div_euclid(86_400));
    if !(1..=9999).contains(&y) {
        return None;
    }
    let rest = seconds.rem_euclid(86_400);
    out.push(b'"');
    push2(out, y / 100);
    push2(out, y % 100);
    out.push(b'-');
    push2(out, m);
    out.push(b'-');
    push2(out, d);
    out.push(b'T');
    push2(out, rest / 3600);
    out.push(b':');
    push2(out, rest / 60 % 60);
    out.push(b':');
    push2(out, rest % 60);
    if micros != 0 {
        out.push(b'.');
        let mut div = 100_000;
        while div > 0 {
            out.push(b'0' + (micros / div % 10) as u8);
            div /= 10;
        }
    }
    out.extend_from_slice(b"Z\"");
    Some(())
}

// ----------------------------------------------------------------- encoding

/// A printable ASCII string as msgspec writes it: only `"` and `\` are escaped.
fn push_str(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    let mut start = 0;
    for (i, &c) in s.iter().enumerate() {
        if c == b'"' || c == b'\\' {
            out.extend_from_slice(&s[start..i]);
            out.push(b'\\');
            start = i;
        }
    }
    out.extend_from_slice(&s[start..]);
    out.push(b'"');
}

fn push_opt(out: &mut Vec<u8>, s: Option<&[u8]>) {
    match s {
        Some(s) => push_str(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

/// Printable ASCII with no leading or trailing space: what `str.strip() == value` means there.
fn trimmed(s: &[u8]) -> bool {
    s.first() != Some(&b' ') && s.last() != Some(&b' ')
}

fn nonempty<'a>(s: &'a Option<Cow<'_, [u8]>>) -> Option<&'a [u8]> {
    s.as_deref().filter(|s| !s.is_empty())
}

// ----------------------------------------------------------------- redaction triggers

struct Triggers {
    by_first: Vec<Vec<(Vec<u8>, bool)>>, // lower-case needles by their first byte; true: its rules all have `needs`
    single: Vec<bool>,                    // by byte: a one-byte needle
    pairs: Vec<bool>,                     // by two bytes: a longer needle starting with them
    needs_words: Vec<Vec<u8>>,            // the words of the rules' one `needs` pattern (before `["']?\s*[:=]`)
    shapes: bool,
}

impl Triggers {
    /// Whether `Redactor.text` could change this (printable ASCII) message: a trigger word in its
    /// lower-cased text (for a word whose rules all carry a `needs` condition: only where that matches
    /// too), or a shape (`\d{4}[ -]?\d{4}[ -]?\d{4}`, `[A-Za-z0-9/+]{40}`) where the shape's rule (card
    /// number, bare AWS secret key) would mask something. Without a trigger word those are the only rules
    /// `text` runs.
    fn hit(&self, message: &[u8], lower: &mut Vec<u8>) -> bool {
        lower.clear();
        lower.extend(message.iter().map(|c| c.to_ascii_lowercase()));
        let mut needs_only = false;
        for i in 0..lower.len() {
            let pair = (lower[i] as usize) << 8 | lower.get(i + 1).copied().unwrap_or(0) as usize;
            if !self.single[lower[i] as usize] && !self.pairs[pair] {
                continue; // no needle starts here: most positions
            }
            for (needle, gated) in &self.by_first[lower[i] as usize] {
                if lower[i..].starts_with(needle) {
                    if !gated {
                        return true;
                    }
                    needs_only = true;
                }
            }
        }
        if needs_only && self.needs(lower) {
            return true;
        }
        if !self.shapes {
            return false;
        }
        let mut current = 0;
        let mut run = 0; // the longest run of key characters
        let mut digits = 0;
        for &c in message {
            if key_char(c) {
                current += 1;
                run = run.max(current);
            } else {
                current = 0;
            }
            digits += c.is_ascii_digit() as usize;
        }
        let shaped = run >= 40 || (digits >= 12 && (0..message.len()).any(|start| card_at(message, start)));
        shaped && (bare_key_masked(message) || card_masked(message))
    }

    /// `(?:word|...)["']?\s*[:=]` found in a lower-cased printable ASCII text (where `\s` is the space).
    fn needs(&self, lower: &[u8]) -> bool {
        for (e, &c) in lower.iter().enumerate() {
            if c != b':' && c != b'=' {
                continue;
            }
            let mut j = e;
            while j > 0 && lower[j - 1] == b' ' {
                j -= 1;
            }
            let quoted = j > 0 && (lower[j - 1] == b'"' || lower[j - 1] == b'\'');
            for end in [Some(j), if quoted { Some(j - 1) } else { None }].into_iter().flatten() {
                if self.needs_words.iter().any(|w| lower[..end].ends_with(w)) {
                    return true;
                }
            }
        }
        false
    }
}

fn key_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'/' || c == b'+'
}

/// Whether the bare AWS secret key rule masks anything in a printable ASCII text:
/// `(?<![A-Za-z0-9/+=])(?=…[A-Z])(?=…[a-z])(?=…[0-9])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])`, i.e. a run of exactly
/// 40 key characters holding an upper-case letter, a lower-case letter and a digit, with no `=` on either
/// side, that `looks_random` (20 distinct characters or more, at most 3 slashes, no `//`).
fn bare_key_masked(m: &[u8]) -> bool {
    let n = m.len();
    let mut i = 0;
    while i < n {
        if !key_char(m[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < n && key_char(m[i]) {
            i += 1;
        }
        let run = &m[start..i];
        if run.len() == 40
            && (start == 0 || m[start - 1] != b'=')
            && (i == n || m[i] != b'=')
            && run.iter().any(u8::is_ascii_uppercase)
            && run.iter().any(u8::is_ascii_lowercase)
            && run.iter().any(u8::is_ascii_digit)
        {
            let mut distinct = [false; 256];
            run.iter().for_each(|&c| distinct[c as usize] = true);
            let slashes = run.iter().filter(|&&c| c == b'/').count();
            if distinct.iter().filter(|&&d| d).count() >= 20 && slashes <= 3 && !run.windows(2).any(|w| w == b"//") {
                return true;
            }
        }
    }
    false
}

fn word_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Where `(?<![\w.:/-])[2-6]\d{3}(?:[ -]?\d){9,15}(?![\w.:])` matches at `p` in a printable ASCII text, as
/// Python's backtracking finds it: each repeat is forced (a separator must be followed by a digit), so only
/// the repeat count backtracks, from the most down to 9, until the look-ahead holds.
fn card_match_at(m: &[u8], p: usize) -> Option<usize> {
    let n = m.len();
    if p > 0 && (word_char(m[p - 1]) || matches!(m[p - 1], b'.' | b':' | b'/' | b'-')) {
        return None;
    }
    if p + 4 > n || !(b'2'..=b'6').contains(&m[p]) || !m[p + 1..p + 4].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut ends = Vec::with_capacity(15);
    let mut j = p + 4;
    while ends.len() < 15 {
        if j < n && (m[j] == b' ' || m[j] == b'-') && j + 1 < n && m[j + 1].is_ascii_digit() {
            j += 2;
        } else if j < n && m[j].is_ascii_digit() {
            j += 1;
        } else {
            break;
        }
        ends.push(j);
    }
    while ends.len() >= 9 {
        let end = ends.pop()?;
        if end == n || !(word_char(m[end]) || m[end] == b'.' || m[end] == b':') {
            return Some(end);
        }
    }
    None
}

/// `card_ok`: an issuer prefix and length of a real scheme, and the Luhn check.
fn card_ok(d: &[u8]) -> bool {
    let len = d.len();
    let starts = |prefix: &[u8]| d.starts_with(prefix);
    let between = |at: usize, low: u8, high: u8| d.get(at).is_some_and(|c| (low..=high).contains(c));
    let scheme = match d.first() {
        Some(b'4') => matches!(len, 13 | 16 | 19),
        Some(b'5') => between(1, b'1', b'5') && len == 16,
        Some(b'2') => between(1, b'2', b'7') && len == 16,
        Some(b'3') => {
            (matches!(d.get(1), Some(b'4' | b'7')) && len == 15)
                || (starts(b"35") && len == 16)
                || (((starts(b"30") && between(2, b'0', b'5')) || matches!(d.get(1), Some(b'6' | b'8'))) && len == 14)
        }
        Some(b'6') => (starts(b"6011") || starts(b"65") || (starts(b"64") && between(2, b'4', b'9'))) && len == 16,
        _ => false,
    };
    let mut total = 0;
    for (position, &c) in d.iter().rev().enumerate() {
        let mut value = (c - b'0') as u32;
        if position % 2 == 1 {
            value *= 2;
            if value > 9 {
                value -= 9;
            }
        }
        total += value;
    }
    scheme && total % 10 == 0
}

/// Whether the card rule masks anything: its matches, left to right without overlap as `re.sub` finds
/// them, any whose digits pass `card_ok`.
fn card_masked(m: &[u8]) -> bool {
    let mut p = 0;
    while p < m.len() {
        match card_match_at(m, p) {
            Some(end) => {
                let digits: Vec<u8> = m[p..end].iter().copied().filter(u8::is_ascii_digit).collect();
                if card_ok(&digits) {
                    return true;
                }
                p = end;
            }
            None => p += 1,
        }
    }
    false
}

fn card_at(s: &[u8], start: usize) -> bool {
    let mut i = start;
    for group in 0..3 {
        if group > 0 && i < s.len() && (s[i] == b' ' || s[i] == b'-') {
            i += 1;
        }
        for _ in 0..4 {
            if i >= s.len() || !s[i].is_ascii_digit() {
                return false;
            }
            i += 1;
        }
    }
    true
}

// ----------------------------------------------------------------- the poll

/// What one poll came to: per delivery its `(key, value)` or None (deferred to Python); the deferred
/// indexes; and `(index, message)` for the encoded records whose message Python must redact.
type Poll = (Py<PyList>, Vec<usize>, Vec<(usize, Py<PyString>)>);

#[pyclass(frozen)]
struct PlainPath {
    levels: HashMap<Vec<u8>, String>,
    triggers: Triggers,
    org_limit: usize,
    field_limit: usize,
    message_limit: usize,
    service_limit: usize,
    max_age_us: Option<i64>,
    max_future_us: Option<i64>,
    max_record_bytes: usize,
    at: [usize; 6], // Delivery's topic, partition, offset, timestamp_ms, headers, value
}

struct Record {
    key: Vec<u8>,
    value: Vec<u8>,
    message_hit: Option<Vec<u8>>,
}

impl PlainPath {
    fn record(&self, value: &[u8], event_id: &str, received_us: i64, lower: &mut Vec<u8>) -> Option<Record> {
        let plain = Parser { b: value, i: 0 }.plain()?;
        let v = &plain.values;
        let org = v[ORG].as_deref()?;
        if org.is_empty() || org.len() > self.org_limit || !trimmed(org) {
            return None;
        }
        let message = v[MESSAGE].as_deref()?;
        if message.len() * 4 > self.message_limit || message.iter().all(|&c| c == b' ') {
            return None;
        }
        let level = match v[LEVEL].as_deref() {
            None => "INFO",
            Some(given) => self.levels.get(given)?.as_str(),
        };
        let timestamp_us = match v[TIMESTAMP].as_deref() {
            None | Some(b"") => received_us,
            Some(given) => parse_iso(given)?,
        };
        if self.max_age_us.is_some_and(|age| received_us - timestamp_us > age)
            || self.max_future_us.is_some_and(|ahead| timestamp_us - received_us > ahead)
        {
            return None; // rejected by the window: Python says why
        }
        for s in v[SERVICE..=CLUSTER].iter().flatten() {
            if s.len() > self.field_limit || !trimmed(s) {
                return None;
            }
        }
        let service: &[u8] = nonempty(&v[SERVICE]).or(nonempty(&v[CONTAINER])).unwrap_or(b"unknown");
        let service = &service[..service.len().min(self.service_limit)];

        let mut out = Vec::with_capacity(value.len() + 420);
        out.extend_from_slice(b"{\"schema_version\":1,\"event_id\":");
        push_str(&mut out, event_id.as_bytes());
        out.extend_from_slice(b",\"org\":");
        push_str(&mut out, org);
        out.extend_from_slice(b",\"timestamp\":");
        push_time(&mut out, timestamp_us)?;
        out.extend_from_slice(b",\"received_at\":");
        push_time(&mut out, received_us)?;
        out.extend_from_slice(b",\"service\":");
        push_str(&mut out, service);
        out.extend_from_slice(b",\"host\":");
        push_opt(&mut out, nonempty(&v[HOST]));
        out.extend_from_slice(b",\"level\":");
        push_str(&mut out, level.as_bytes());
        out.extend_from_slice(b",\"message\":");
        push_str(&mut out, message);
        out.extend_from_slice(b",\"dashboard\":");
        push_opt(&mut out, nonempty(&v[DASHBOARD]));
        out.extend_from_slice(b",\"k8s\":{\"cluster\":");
        if [NAMESPACE, POD, CONTAINER, NODE, CLUSTER].iter().any(|&f| nonempty(&v[f]).is_some()) {
            push_opt(&mut out, nonempty(&v[CLUSTER]));
            out.extend_from_slice(b",\"namespace\":");
            push_opt(&mut out, nonempty(&v[NAMESPACE]));
            out.extend_from_slice(b",\"pod\":");
            push_opt(&mut out, nonempty(&v[POD]));
            out.extend_from_slice(b",\"container\":");
            push_opt(&mut out, nonempty(&v[CONTAINER]));
            out.extend_from_slice(b",\"node\":");
            push_opt(&mut out, nonempty(&v[NODE]));
            out.extend_from_slice(b",\"service\":");
            push_str(&mut out, service);
        } else {
            out.extend_from_slice(b"null,\"namespace\":null,\"pod\":null,\"container\":null,\"node\":null,\"service\":null");
        }
        out.extend_from_slice(b",\"kind\":null,\"name\":null},\"metadata\":{},\"redacted\":false,\"truncated\":false}");

        let mut key = Vec::with_capacity(org.len() + 1 + service.len());
        key.extend_from_slice(org);
        key.push(b'/');
        key.extend_from_slice(service);
        let message_hit = if self.triggers.hit(message, lower) { Some(message.to_vec()) } else { None };
        Some(Record { key, value: out, message_hit })
    }
}

fn ascii_str(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("the parser keeps printable ASCII only")
}

#[pymethods]
impl PlainPath {
    #[new]
    #[pyo3(signature = (*, levels, needles, needs_words, shapes, org_limit, field_limit, message_limit, service_limit,
                        max_age_us, max_future_us, max_record_bytes, delivery_fields))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        levels: HashMap<String, String>,
        needles: Vec<(String, bool)>,
        needs_words: Vec<String>,
        shapes: bool,
        org_limit: usize,
        field_limit: usize,
        message_limit: usize,
        service_limit: usize,
        max_age_us: Option<i64>,
        max_future_us: Option<i64>,
        max_record_bytes: usize,
        delivery_fields: [usize; 6],
    ) -> PyResult<Self> {
        let lower_ascii = |word: &String| !word.is_empty() && word.is_ascii() && word.to_ascii_lowercase() == *word;
        let mut by_first = vec![Vec::new(); 256];
        for (needle, gated) in needles {
            if !lower_ascii(&needle) {
                return Err(PyValueError::new_err(format!("trigger {needle:?}: expected lower-case ASCII")));
            }
            by_first[needle.as_bytes()[0] as usize].push((needle.into_bytes(), gated));
        }
        let mut single = vec![false; 256];
        let mut pairs = vec![false; 65_536];
        for needle in by_first.iter().flatten().map(|(needle, _)| needle) {
            match needle[..] {
                [only] => single[only as usize] = true,
                [first, second, ..] => pairs[(first as usize) << 8 | second as usize] = true,
                [] => {}
            }
        }
        if let Some(word) = needs_words.iter().find(|w| !lower_ascii(w)) {
            return Err(PyValueError::new_err(format!("needs word {word:?}: expected lower-case ASCII")));
        }
        let needs_words = needs_words.into_iter().map(String::into_bytes).collect();
        Ok(PlainPath {
            levels: levels.into_iter().map(|(k, v)| (k.into_bytes(), v)).collect(),
            triggers: Triggers { by_first, single, pairs, needs_words, shapes },
            org_limit,
            field_limit,
            message_limit,
            service_limit,
            max_age_us,
            max_future_us,
            max_record_bytes,
            at: delivery_fields,
        })
    }

    /// One poll of `Delivery` tuples. `is_plain(headers)`: whether the headers carry no record field;
    /// `id_prefix(topic, partition)`: what the record id puts before `-<offset>`.
    fn encode_poll(
        &self,
        py: Python<'_>,
        deliveries: &Bound<'_, PyList>,
        is_plain: &Bound<'_, PyAny>,
        id_prefix: &Bound<'_, PyAny>,
    ) -> PyResult<Poll> {
        let n = deliveries.len();
        let results = PyList::new(py, (0..n).map(|_| py.None()))?;
        let mut deferred = Vec::new();
        let mut lower = Vec::new();
        let mut keys: HashMap<Vec<u8>, Py<PyString>> = HashMap::new();
        let mut redact = Vec::new();
        let mut headers_seen: HashMap<usize, bool> = HashMap::new();
        let mut prefixes: Vec<(usize, i64, String)> = Vec::new();
        let [topic_at, partition_at, offset_at, ts_at, headers_at, value_at] = self.at;
        for (index, item) in deliveries.iter().enumerate() {
            let delivery = item.downcast::<PyTuple>()?;
            let headers = delivery.get_item(headers_at)?;
            let headers_id = headers.as_ptr() as usize;
            let plain = if headers.downcast::<PyDict>().is_ok_and(|h| h.is_empty()) {
                true // no headers at all
            } else if let Some(plain) = headers_seen.get(&headers_id) {
                *plain // the deliveries of a poll share their headers objects
            } else {
                let plain = is_plain.call1((&headers,))?.is_truthy()?;
                headers_seen.insert(headers_id, plain);
                plain
            };
            let value = delivery.get_item(value_at)?;
            let Ok(value) = value.downcast::<PyBytes>().map(|v| v.as_bytes()) else {
                deferred.push(index); // a tombstone (None) or another type: Python rejects it with the reason
                continue;
            };
            let Ok(timestamp_ms) = delivery.get_item(ts_at)?.extract::<i64>() else {
                deferred.push(index);
                continue;
            };
            if !plain || value.len() > self.max_record_bytes || timestamp_ms <= 0 || timestamp_ms > MAX_BROKER_MS {
                deferred.push(index);
                continue;
            }
            let topic = delivery.get_item(topic_at)?;
            let topic_id = topic.as_ptr() as usize;
            let (Ok(partition), Ok(offset)) =
                (delivery.get_item(partition_at)?.extract::<i64>(), delivery.get_item(offset_at)?.extract::<i64>())
            else {
                deferred.push(index);
                continue;
            };
            let known = prefixes.iter().position(|(t, p, _)| *t == topic_id && *p == partition);
            let at = match known {
                Some(at) => at,
                None => {
                    let prefix: String = id_prefix.call1((&topic, partition))?.extract()?;
                    prefixes.push((topic_id, partition, prefix));
                    prefixes.len() - 1
                }
            };
            let prefix = &prefixes[at].2;
            let event_id = format!("{prefix}-{offset}");
            match self.record(value, &event_id, timestamp_ms * 1000, &mut lower) {
                None => deferred.push(index),
                Some(record) => {
                    let key = match keys.get(&record.key) {
                        Some(key) => key.clone_ref(py), // a poll's records share a few org/service keys
                        None => {
                            let key = PyString::new(py, ascii_str(&record.key)).unbind();
                            keys.insert(record.key, key.clone_ref(py));
                            key
                        }
                    };
                    let encoded = PyBytes::new(py, &record.value);
                    results.set_item(index, (key, encoded))?;
                    if let Some(message) = record.message_hit {
                        redact.push((index, PyString::new(py, ascii_str(&message)).unbind()));
                    }
                }
            }
        }
        Ok((results.unbind(), deferred, redact))
    }
}

#[pymodule]
fn ingestion_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PlainPath>()?;
    Ok(())
}
