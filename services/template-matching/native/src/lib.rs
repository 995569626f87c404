//! Native token masking for the template engine's hot path.
//!
//! This is a hand-written character scanner that reproduces, token for token,
//! `template_matching.engine.masking.mask_token` plus the whitespace split and the
//! quoted `key="a b"` join of `TemplateEngine._mask`. The Python code stays the
//! reference; tests compare the two on generated, fuzzed and Loghub lines.
//! All delimiters are ASCII, so byte offsets at delimiters are valid `str` boundaries.

use std::borrow::Cow;

use pyo3::prelude::*;

mod index;
mod native_block;
mod records;

pub(crate) const VAR: &str = "<*>";

fn is_delim(b: u8) -> bool {
    matches!(
        b,
        b'=' | b':' | b',' | b';' | b'(' | b')' | b'[' | b']' | b'{' | b'}' | b'<' | b'>' | b'"' | b'\'' | b'|' | b'@' | b'#' | b'/'
    )
}

/// Python's `str.split()` whitespace: Unicode White_Space plus the ASCII separators 0x1c-0x1f.
fn py_is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

fn has_digit(s: &str) -> bool {
    s.bytes().any(|b| b.is_ascii_digit())
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_alpha(b: u8) -> bool {
    b.is_ascii_alphabetic()
}

/// `re.split` of `_SPLIT`: pieces and delimiters alternate, starting and ending with a piece.
fn split_parts(token: &str) -> Vec<&str> {
    let b = token.as_bytes();
    let n = b.len();
    let mut parts = Vec::with_capacity(8);
    let mut start = 0;
    let mut i = 0;
    while i < n {
        let c = b[i];
        if c == b'.' {
            let mut j = i + 1;
            while j < n && b[j] == b'.' {
                j += 1;
            }
            if j - i >= 2 || j == n || is_delim(b[j]) {
                parts.push(&token[start..i]);
                parts.push(&token[i..j]);
                start = j;
            }
            i = j;
        } else if is_delim(c) {
            parts.push(&token[start..i]);
            parts.push(&token[i..i + 1]);
            i += 1;
            start = i;
        } else {
            i += 1;
        }
    }
    parts.push(&token[start..]);
    parts
}

fn leading(b: &[u8], set: &[u8]) -> usize {
    b.iter().take_while(|c| set.contains(c)).count()
}

/// Start of the maximal trailing run of `set` characters in `s[from..]`.
fn trailing_start(b: &[u8], from: usize, set: &[u8]) -> usize {
    let mut k = b.len();
    while k > from && set.contains(&b[k - 1]) {
        k -= 1;
    }
    k
}

fn no_space(s: &str) -> bool {
    !s.chars().any(py_is_space)
}

const OPENERS: &[u8] = b"\"'([<{";
const URL_CLOSERS: &[u8] = b"\"')]>},;.:";
const WIN_CLOSERS: &[u8] = b"\"')]>},;:";

fn match_url(token: &str) -> Option<String> {
    let b = token.as_bytes();
    let i = leading(b, OPENERS);
    if i >= b.len() || !is_alpha(b[i]) {
        return None;
    }
    let mut j = i + 1;
    while j < b.len() && (b[j].is_ascii_alphanumeric() || matches!(b[j], b'+' | b'.' | b'-')) {
        j += 1;
    }
    if !token[j..].starts_with("://") {
        return None;
    }
    let rest = j + 3;
    if !no_space(&token[rest..]) {
        return None;
    }
    let t = trailing_start(b, rest, URL_CLOSERS);
    Some(format!("{}{}{}", &token[..rest], VAR, &token[t..]))
}

fn match_win_path(token: &str) -> Option<String> {
    let b = token.as_bytes();
    let i = leading(b, OPENERS);
    if i + 2 >= b.len() || !is_alpha(b[i]) || b[i + 1] != b':' || b[i + 2] != b'\\' {
        return None;
    }
    let rest = i + 3;
    if !no_space(&token[rest..]) {
        return None;
    }
    let t = trailing_start(b, rest, WIN_CLOSERS);
    Some(format!("{}{}{}", &token[..i], VAR, &token[t..]))
}

fn hex_run(b: &[u8], p: usize) -> usize {
    b[p..].iter().take_while(|c| c.is_ascii_hexdigit()).count()
}

/// `_ADDR`: `(hex{1,4}:){4,}hex{1,4}` then closers to the end, with the regex's backtracking order.
fn match_addr(token: &str) -> Option<String> {
    let b = token.as_bytes();
    if b.iter().filter(|c| **c == b':').count() < 4 {
        return None;
    }
    let n = b.len();
    let start = leading(b, b"\"'([<{/");
    let mut ends = vec![start]; // ends[k]: position after k groups "hex:"
    let mut p = start;
    loop {
        let h = hex_run(b, p);
        if (1..=4).contains(&h) && p + h < n && b[p + h] == b':' {
            p += h + 1;
            ends.push(p);
        } else {
            break;
        }
    }
    let max = ends.len() - 1;
    if max < 4 {
        return None;
    }
    for k in (4..=max).rev() {
        let q = ends[k];
        let h = hex_run(b, q);
        if !(1..=4).contains(&h) {
            continue;
        }
        let tail = q + h;
        if b[tail..].iter().all(|c| URL_CLOSERS.contains(c)) {
            return Some(format!("{}{}", VAR, &token[tail..]));
        }
    }
    None
}

fn is_label(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
}

fn is_host(piece: &str) -> bool {
    let parts: Vec<&str> = piece.split('.').collect();
    let m = parts.len();
    if m >= 3 {
        let last = parts[m - 1];
        if parts[..m - 1].iter().all(|p| is_label(p)) && last.len() >= 2 && last.bytes().all(is_alpha) {
            return true;
        }
    }
    if m == 2 && is_label(parts[0]) {
        return matches!(
            parts[1],
            "com" | "net" | "org" | "edu" | "gov" | "io" | "cn" | "hk" | "us" | "uk" | "de" | "jp" | "local"
        );
    }
    false
}

/// `_NAME_NUM`: `^_*[A-Za-z]{2,}[0-9]{1,2}(?:_?[A-Za-z]+)?(?:_[A-Za-z]+)*$`
fn is_name_num(piece: &str) -> bool {
    let b = piece.as_bytes();
    let mut i = leading(b, b"_");
    let l = b[i..].iter().take_while(|c| is_alpha(**c)).count();
    if l < 2 {
        return false;
    }
    i += l;
    let d = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    if !(1..=2).contains(&d) {
        return false;
    }
    i += d;
    // words joined by "_" after the number ("jk2_init", "DHCP4_PACKET_SEND"): the first
    // may follow the number directly ("IPv6"), later ones only after "_"
    let mut first = true;
    while i < b.len() {
        if b[i] == b'_' {
            i += 1;
        } else if !first {
            return false;
        }
        let l = b[i..].iter().take_while(|c| is_alpha(**c)).count();
        if l == 0 {
            return false;
        }
        i += l;
        first = false;
    }
    true
}

/// `_STEM_NUM`: `^([A-Za-z]{2,})([-.])[0-9]+$` -> the stem with its separator.
fn stem_num(piece: &str) -> Option<&str> {
    let b = piece.as_bytes();
    let l = b.iter().take_while(|c| is_alpha(**c)).count();
    if l < 2 || l >= b.len() || !matches!(b[l], b'-' | b'.') || !all_digits(&piece[l + 1..]) {
        return None;
    }
    Some(&piece[..l + 1])
}

fn is_literal(piece: &str) -> bool {
    piece.len() <= 5
        && (piece.eq_ignore_ascii_case("true") || piece.eq_ignore_ascii_case("false") || piece.eq_ignore_ascii_case("null"))
}

/// What `_mask_piece` makes of a piece: itself, a variable, or its stem and a variable.
enum Piece<'a> {
    Keep,
    Var,
    Stem(&'a str),
}

fn mask_piece<'a>(piece: &'a str, next_delim: &str, after: &str) -> Piece<'a> {
    if !has_digit(piece) {
        if is_literal(piece) {
            return Piece::Var;
        }
        if next_delim == ":" && all_digits(after) && is_host(piece) {
            return Piece::Var;
        }
        return Piece::Keep;
    }
    if next_delim == "=" || is_name_num(piece) {
        return Piece::Keep;
    }
    if let Some(stem) = stem_num(piece) {
        return Piece::Stem(stem);
    }
    Piece::Var
}

struct Out {
    s: String,
    last_var: bool,
}

impl Out {
    fn push(&mut self, part: &str) {
        self.s.push_str(part);
        self.last_var = part == VAR;
    }
}

fn mask_pieces(token: &str) -> String {
    if let Some(m) = match_url(token) {
        return m;
    }
    if let Some(m) = match_win_path(token) {
        return m;
    }
    if let Some(m) = match_addr(token) {
        return m;
    }
    let parts = split_parts(token);
    let n = parts.len();
    let mut out = Out { s: String::with_capacity(token.len() + 4), last_var: false };
    let mut i = 0;
    while i < n {
        let piece = parts[i];
        if piece.is_empty() && i + 2 < n && parts[i + 1] == "/" && !parts[i + 2].is_empty() {
            // an absolute path "/a/b/c": one variable
            let mut j = i + 1;
            while j + 1 < n && parts[j] == "/" {
                j += 2;
            }
            if !out.last_var {
                out.push(VAR);
            }
            i = j;
            if i < n {
                out.push(parts[i]);
            }
            i += 1;
            continue;
        }
        if !piece.is_empty() {
            let nxt = if i + 1 < n { parts[i + 1] } else { "" };
            let after = if i + 2 < n { parts[i + 2] } else { "" };
            match mask_piece(piece, nxt, after) {
                Piece::Keep => out.push(piece),
                Piece::Var => {
                    if !out.last_var {
                        out.push(VAR);
                    }
                }
                Piece::Stem(stem) => {
                    out.s.push_str(stem);
                    out.s.push_str(VAR);
                    out.last_var = false;
                }
            }
        }
        if i + 1 < n {
            out.push(parts[i + 1]);
        }
        i += 2;
    }
    out.s
}

fn value_end(b: &[u8], start: usize) -> usize {
    let mut depth = 0usize;
    let mut i = start;
    while i < b.len() {
        match b[i] {
            b'(' | b'[' | b'{' | b'<' => depth += 1,
            b')' | b']' | b'}' | b'>' => {
                if depth == 0 {
                    return i;
                }
                depth -= 1;
            }
            b',' | b';' if depth == 0 => return i,
            _ => {}
        }
        i += 1;
    }
    b.len()
}

fn has_brackets(v: &str) -> bool {
    v.bytes().any(|c| matches!(c, b'(' | b')' | b'{' | b'}' | b'<' | b'>')) || v.contains("][")
}

fn mask_value(value: &str) -> String {
    if value.is_empty() {
        return String::new();
    }
    if !has_digit(value) || has_brackets(value) {
        return mask_pieces(value);
    }
    let b = value.as_bytes();
    let q = b[0];
    if (q == b'"' || q == b'\'') && b.len() >= 2 {
        if let Some(k) = value[1..].find(q as char).map(|k| k + 1) {
            let inner_empty = k == 1;
            let qs = &value[..1];
            return format!("{qs}{}{qs}{}", if inner_empty { "" } else { VAR }, &value[k + 1..]);
        }
    }
    if q == b'[' && value.ends_with(']') && value.bytes().filter(|c| *c == b'[').count() == 1 {
        return format!("[{VAR}]");
    }
    VAR.to_string()
}

fn mask_kv(token: &str) -> String {
    let b = token.as_bytes();
    let n = b.len();
    let mut out = String::with_capacity(n + 4);
    let mut pos = 0;
    loop {
        let eq = token[pos..].find('=').map(|k| k + pos);
        match eq {
            Some(eq) if eq + 1 < n => {
                out.push_str(&mask_pieces(&token[pos..eq + 1]));
                if b[eq + 1] == b'=' {
                    out.push('=');
                    pos = eq + 2;
                    continue;
                }
                let end = value_end(b, eq + 1);
                out.push_str(&mask_value(&token[eq + 1..end]));
                pos = end;
                if pos >= n {
                    break;
                }
            }
            _ => {
                if pos < n {
                    out.push_str(&mask_pieces(&token[pos..]));
                }
                break;
            }
        }
    }
    out
}

/// `_NEEDS_WORK`: a digit, "/", "\\", "=", or true/false/null in any case
/// (Python's IGNORECASE also lets U+017F LONG S match "s").
fn needs_work(token: &str) -> bool {
    if token.bytes().any(|c| c.is_ascii_digit() || matches!(c, b'/' | b'\\' | b'=')) {
        return true;
    }
    if token.is_ascii() {
        let b = token.as_bytes();
        return b.windows(4).any(|w| w.eq_ignore_ascii_case(b"true") || w.eq_ignore_ascii_case(b"null"))
            || b.windows(5).any(|w| w.eq_ignore_ascii_case(b"false"));
    }
    // the last five characters, case-folded (other characters as 0), one byte each
    const TRUE: u64 = u32::from_be_bytes(*b"true") as u64;
    const NULL: u64 = u32::from_be_bytes(*b"null") as u64;
    const FALSE: u64 = (u32::from_be_bytes(*b"alse") as u64) | ((b'f' as u64) << 32);
    let mut w: u64 = 0;
    for c in token.chars() {
        let f = match c {
            'A'..='Z' | 'a'..='z' => c.to_ascii_lowercase() as u8,
            '\u{17f}' => b's',
            _ => 0,
        };
        w = (w << 8) | u64::from(f);
        let four = w & 0xffff_ffff;
        if four == TRUE || four == NULL || (w & 0xff_ffff_ffff) == FALSE {
            return true;
        }
    }
    false
}

/// `masking._message_text`: a quoted logfmt message (`msg="a b"`, `message="a b"`) is
/// masked word by word, as the statement's text.
fn message_text(token: &str) -> Option<String> {
    for key in ["msg=\"", "message=\""] {
        if token.starts_with(key) && token.contains(' ') && token.ends_with('"') && token.len() > key.len() {
            let words: Vec<Cow<'_, str>> = token[key.len()..token.len() - 1].split(' ').map(mask_one).collect();
            return Some(format!("{key}{}\"", words.join(" ")));
        }
    }
    None
}

fn mask_one(token: &str) -> Cow<'_, str> {
    if !needs_work(token) {
        return Cow::Borrowed(token);
    }
    if let Some(text) = message_text(token) {
        return Cow::Owned(text);
    }
    Cow::Owned(if token.contains('=') { mask_kv(token) } else { mask_pieces(token) })
}

/// Whether `text` holds a quote that is not escaped (`\"` inside a quoted value does not
/// end it); `_closes` in core.py.
fn closes(text: &str) -> bool {
    let b = text.as_bytes();
    b.iter().enumerate().any(|(k, &c)| c == b'"' && (k == 0 || b[k - 1] != b'\\'))
}

fn join_quoted(raw: Vec<&str>) -> Vec<Cow<'_, str>> {
    let mut out = Vec::with_capacity(raw.len());
    let n = raw.len();
    let mut i = 0;
    while i < n {
        let tok = raw[i];
        if let Some(k) = tok.find("=\"") {
            if !closes(&tok[k + 2..]) {
                let mut j = i + 1;
                while j < n && !closes(raw[j]) {
                    j += 1;
                }
                if j < n {
                    out.push(Cow::Owned(raw[i..=j].join(" ")));
                    i = j + 1;
                    continue;
                }
            }
        }
        out.push(Cow::Borrowed(tok));
        i += 1;
    }
    out
}


// ---------------------------------------------------------------- JSON records
// `masking.json_record`: a line that is one JSON object is split into one token per key
// and per value (a top-level "msg"/"message" value into its words, a nested object into
// its keys and values); see masking.py.

fn is_json_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

struct Record<'a> {
    s: &'a str,
    b: &'a [u8],
    raw: Vec<String>,
    masked: Vec<String>,
    pend: String,
    depth: usize,
    // set when a nested object's key is no field name (a map of names: one value)
    not_fields: bool,
}

/// `masking._FIELD_NAME`: a JSON key (quotes included) that is an identifier.
fn is_field_name(key: &str) -> bool {
    let k = key.as_bytes();
    k.len() >= 3
        && (k[1].is_ascii_alphabetic() || k[1] == b'_')
        && k[2..k.len() - 1].iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_')
}

impl<'a> Record<'a> {
    fn ws(&self, mut i: usize) -> Option<usize> {
        while i < self.b.len() && is_json_ws(self.b[i]) {
            i += 1;
        }
        if i >= self.b.len() {
            None
        } else {
            Some(i)
        }
    }

    fn string_end(&self, mut i: usize) -> Option<usize> {
        i += 1;
        while i < self.b.len() {
            match self.b[i] {
                b'\\' => i += 2,
                b'"' => return Some(i + 1),
                _ => i += 1,
            }
        }
        None
    }

    fn emit(&mut self, raw: &str, masked: String) {
        self.raw.push(raw.to_string());
        self.masked.push(masked);
    }

    fn obj(&mut self, i: usize) -> Option<usize> {
        self.pend.clear();
        self.pend.push('{');
        let mut i = self.ws(i + 1)?;
        loop {
            if self.b[i] != b'"' {
                return None;
            }
            let j = self.string_end(i)?;
            let key = &self.s[i..j];
            i = self.ws(j)?;
            if self.b[i] != b':' {
                return None;
            }
            if self.depth > 0 && !is_field_name(key) {
                self.not_fields = true;
                return None;
            }
            let tok = format!("{}{key}:", self.pend);
            self.emit(&tok, tok.clone());
            let v = self.ws(i + 1)?;
            i = self.value(v, key)?;
            i = self.ws(i)?;
            match self.b[i] {
                b',' => {
                    self.pend.clear();
                    self.pend.push(',');
                    i = self.ws(i + 1)?;
                }
                b'}' => {
                    self.raw.last_mut()?.push('}');
                    self.masked.last_mut()?.push('}');
                    return Some(i + 1);
                }
                _ => return None,
            }
        }
    }

    fn nested_end(&self, i: usize) -> Option<usize> {
        let b = self.b;
        let mut j = i + 1;
        let mut level = 1usize;
        while level > 0 {
            if j >= b.len() {
                return None;
            }
            match b[j] {
                b'"' => {
                    j = self.string_end(j)?;
                    continue;
                }
                b'[' | b'{' => level += 1,
                b']' | b'}' => level -= 1,
                _ => {}
            }
            j += 1;
        }
        Some(j)
    }

    /// Split the nested object at `i` into its keys and values; Some(false) when a key is no
    /// field name (nothing emitted then), None when the line is no record.
    fn fields(&mut self, i: usize) -> Option<bool> {
        let kept = self.raw.len();
        self.depth += 1;
        let end = self.obj(i);
        self.depth -= 1;
        if end.is_none() && self.not_fields {
            self.not_fields = false;
            self.raw.truncate(kept);
            self.masked.truncate(kept);
            return Some(false);
        }
        end.map(|_| true)
    }

    fn value(&mut self, i: usize, key: &str) -> Option<usize> {
        let (s, b) = (self.s, self.b);
        match b[i] {
            b'"' => {
                let j = self.string_end(i)?;
                let text = &s[i..j];
                if self.depth == 0 && (key == "\"msg\"" || key == "\"message\"") {
                    for w in split_words(text) {
                        let m = mask_one(w).into_owned();
                        self.emit(w, m);
                    }
                } else if text == "\"\"" {
                    self.emit(text, format!("\"{VAR}\""));
                } else {
                    self.emit(text, mask_value(text));
                }
                Some(j)
            }
            b'{' if self.b[self.ws(i + 1)?] != b'}' && self.fields(i)? => self.nested_end(i),
            b'[' | b'{' => {
                let j = self.nested_end(i)?;
                let text = &s[i..j];
                let masked = if b[i] == b'{' {
                    mask_value(text)
                } else if text[1..text.len() - 1].bytes().all(is_json_ws) {
                    "[]".to_string()
                } else {
                    format!("[{VAR}]")
                };
                self.emit(text, masked);
                Some(j)
            }
            _ => {
                let mut j = i;
                while j < b.len() && !matches!(b[j], b',' | b'}' | b']') && !is_json_ws(b[j]) {
                    j += 1;
                }
                if j == i {
                    return None;
                }
                let text = &s[i..j];
                self.emit(text, mask_value(text));
                Some(j)
            }
        }
    }
}

/// (raw tokens, masked tokens) of a line that is one JSON object, else None.
pub(crate) fn json_record(message: &str) -> Option<(Vec<String>, Vec<String>)> {
    let s = message.trim_matches(|c: char| matches!(c, ' ' | '\t' | '\r' | '\n'));
    let b = s.as_bytes();
    if b.len() < 4 || b[0] != b'{' || !(b[1] == b'"' || is_json_ws(b[1])) || b[b.len() - 1] != b'}' {
        return None;
    }
    let mut rec = Record { s, b, raw: Vec::new(), masked: Vec::new(), pend: String::new(), depth: 0, not_fields: false };
    let end = rec.obj(0)?;
    if end != b.len() {
        return None;
    }
    Some((rec.raw, rec.masked))
}

/// Whether `message` may be a JSON record (first non-blank character `{`): the cheap test
/// before [`json_record`].
fn maybe_record(message: &str) -> bool {
    message.trim_start_matches(|c: char| matches!(c, ' ' | '\t' | '\r' | '\n')).starts_with('{')
}

const DATE_WORDS: [&str; 19] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Mon", "Tue", "Wed", "Thu",
    "Fri", "Sat", "Sun",
];

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// `\W*$` on the rest of a token: Some(whether it holds only non-word characters), None
/// where that needs Unicode's idea of a word character (a non-ASCII character).
fn nonword_rest(rest: &str) -> Option<bool> {
    if !rest.is_ascii() {
        return None;
    }
    Some(rest.bytes().all(|b| !(b.is_ascii_alphanumeric() || b == b'_')))
}

fn digits(b: &[u8], from: usize) -> usize {
    b[from.min(b.len())..].iter().take_while(|c| c.is_ascii_digit()).count()
}

/// `_DAY`: `^[0-9]{1,2},?$`
fn is_day(t: &str) -> bool {
    let b = t.as_bytes();
    let d = digits(b, 0);
    (1..=2).contains(&d) && (b.len() == d || (b.len() == d + 1 && b[d] == b','))
}

/// `_YEAR`: `^[0-9]{4}\W*$` (None: Python must decide)
fn is_year(t: &str) -> Option<bool> {
    let b = t.as_bytes();
    if b.len() < 4 || !b[..4].iter().all(u8::is_ascii_digit) {
        return Some(false);
    }
    nonword_rest(&t[4..])
}

/// `_CLOCK`: `^[0-9]{1,2}:[0-9]{2}(:[0-9]{2})?(\.[0-9]+)?\W*$`, every way the regex may take.
fn is_clock(t: &str) -> Option<bool> {
    let b = t.as_bytes();
    let d = digits(b, 0);
    let h = if d >= 1 && b.get(1) == Some(&b':') {
        1
    } else if d >= 2 && b.get(2) == Some(&b':') {
        2
    } else {
        return Some(false);
    };
    let m = h + 1;
    if b.len() < m + 2 || !b[m..m + 2].iter().all(u8::is_ascii_digit) {
        return Some(false);
    }
    let p = m + 2;
    let mut unsure = false;
    let seconds = if b.len() >= p + 3 && b[p] == b':' && b[p + 1..p + 3].iter().all(u8::is_ascii_digit) {
        vec![p + 3, p]
    } else {
        vec![p]
    };
    for q in seconds {
        let mut ends = Vec::with_capacity(2);
        if b.get(q) == Some(&b'.') && digits(b, q + 1) > 0 {
            ends.push(q + 1 + digits(b, q + 1));
        }
        ends.push(q);
        for e in ends {
            match nonword_rest(&t[e..]) {
                Some(true) => return Some(true),
                Some(false) => {}
                None => unsure = true,
            }
        }
    }
    if unsure {
        None
    } else {
        Some(false)
    }
}

/// `masking.collapse_dates(raw, masked)`: None where a date test needs Unicode (Python decides).
pub(crate) fn collapse_dates<'a>(raw: &[Cow<'_, str>], masked: Vec<Cow<'a, str>>) -> Option<Vec<Cow<'a, str>>> {
    let n = raw.len();
    let mut masked: Vec<Option<Cow<'a, str>>> = masked.into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(n);
    let mut i = 0;
    while i < n {
        let tok = raw[i].as_ref();
        if !(tok.len() == 3 && DATE_WORDS.contains(&tok)) {
            out.push(masked[i].take().unwrap_or_default());
            i += 1;
            continue;
        }
        let mut j = i + 1;
        if WEEKDAYS.contains(&tok) && j < n && MONTHS.contains(&raw[j].as_ref()) {
            j += 1;
        }
        if j < n && is_day(&raw[j]) {
            j += 1;
        }
        let mut clock = None;
        if j < n && is_clock(&raw[j])? {
            clock = masked[j].take();
            j += 1;
        }
        if j < n && clock.is_some() && is_year(&raw[j])? {
            j += 1;
        }
        out.push(clock.unwrap_or(Cow::Borrowed(VAR)));
        i = j;
    }
    Some(out)
}

/// The masked tokens of a message with its date phrases collapsed (`TemplateEngine._mask`
/// before the list steps), or None where Python's Unicode rules must decide.
#[pyfunction]
fn mask_dates(message: &str) -> Option<Vec<String>> {
    let (masked, _) = mask_tokens(message);
    let raw = raw_tokens(message);
    collapse_dates(&raw, masked).map(|v| v.into_iter().map(Cow::into_owned).collect())
}

/// Mask one whitespace-free token exactly as `masking.mask_token`.
#[pyfunction]
fn mask_token(token: &str) -> String {
    mask_one(token).into_owned()
}

/// Split a message on Python whitespace, join quoted `key="a b"` values, mask every token.
/// Returns the masked tokens and whether a raw token is a month or weekday name
/// (the caller then collapses the date phrase with the raw tokens).
#[pyfunction]
fn mask_line(message: &str) -> (Vec<String>, bool) {
    let (toks, dated) = mask_tokens(message);
    (toks.into_iter().map(Cow::into_owned).collect(), dated)
}

/// Python's `str.split()` (ASCII lines byte by byte: whitespace there is 0x09-0x0d, 0x1c-0x20).
fn split_words(message: &str) -> Vec<&str> {
    if message.is_ascii() {
        message.split(|c: char| matches!(c as u8, 0x09..=0x0d | 0x1c..=0x20)).filter(|t| !t.is_empty()).collect()
    } else {
        message.split(py_is_space).filter(|t| !t.is_empty()).collect()
    }
}

/// The raw tokens `TemplateEngine._mask` works on: `message.split()`, quoted values joined.
pub(crate) fn raw_tokens(message: &str) -> Vec<Cow<'_, str>> {
    if maybe_record(message) {
        if let Some((raw, _)) = json_record(message) {
            return raw.into_iter().map(Cow::Owned).collect();
        }
    }
    let raw = split_words(message);
    if message.contains("=\"") {
        join_quoted(raw)
    } else {
        raw.into_iter().map(Cow::Borrowed).collect()
    }
}

/// [`mask_line`] for Rust callers (the template index's bulk path); tokens that need no
/// masking are borrowed from `message`.
pub(crate) fn mask_tokens(message: &str) -> (Vec<Cow<'_, str>>, bool) {
    if maybe_record(message) {
        if let Some((raw, masked)) = json_record(message) {
            let dated = raw.iter().any(|t| t.len() == 3 && DATE_WORDS.contains(&t.as_str()));
            return (masked.into_iter().map(Cow::Owned).collect(), dated);
        }
    }
    let toks = raw_tokens(message);
    let dated = toks.iter().any(|t| t.len() == 3 && DATE_WORDS.contains(&t.as_ref()));
    let masked = toks
        .into_iter()
        .map(|t| match t {
            Cow::Borrowed(t) => mask_one(t),
            Cow::Owned(t) => Cow::Owned(mask_one(&t).into_owned()),
        })
        .collect();
    (masked, dated)
}

#[pymodule]
fn template_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(mask_token, m)?)?;
    m.add_function(wrap_pyfunction!(mask_line, m)?)?;
    m.add_function(wrap_pyfunction!(mask_dates, m)?)?;
    m.add_class::<index::TemplateIndex>()?;
    m.add_function(wrap_pyfunction!(native_block::native_block, m)?)?;
    m.add_function(wrap_pyfunction!(records::decode_records, m)?)?;
    m.add_function(wrap_pyfunction!(records::log_columns, m)?)?;
    m.add_function(wrap_pyfunction!(records::poll_streams, m)?)?;
    m.add_class::<records::NativeRecord>()?;
    m.add_class::<records::NativeK8s>()?;
    Ok(())
}
