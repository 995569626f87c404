//! Native template index: the template engine's fast path for lines of known templates.
//!
//! `TemplateEngine` (Python) stays the owner of every template and does all mining. This
//! index mirrors, per token count, what `_Bucket.index` / `patterns` / `pattern_list` hold
//! (kept in step by `_Bucket.add` / `remove`), the clusters' `pending` flags, and owns the
//! exact-message cache. `assign_text` / `assign_list` answer line after line exactly as
//! `TemplateEngine.assign` would (message cache, masking, collapsing, lookup in the same
//! pattern order) and stop at the first line that needs Python: no template matches, the
//! template is pending a sibling merge, or a cached template was merged away (Python then
//! tells the index where it went). Hits are counted here and handed to Python by
//! `take_hits` after every call, so `_Cluster.count` is exact whenever Python runs.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString};

use crate::{collapse_dates, mask_tokens, raw_tokens, VAR};

/// FxHash-style word-at-a-time hasher (the hash needs no DoS resistance: keys are
/// verified on every hit, and the message cache is bounded).
#[derive(Default, Clone, Copy)]
struct FxHasher {
    hash: u64,
}

const FX: u64 = 0x517c_c1b7_2722_0a95;

impl FxHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.hash = (self.hash.rotate_left(5) ^ w).wrapping_mul(FX);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]));
        }
        let r = chunks.remainder();
        if !r.is_empty() {
            let mut buf = [0u8; 8];
            buf[..r.len()].copy_from_slice(r);
            self.add(u64::from_le_bytes(buf));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

/// For maps keyed by hashes this module already mixed.
#[derive(Default, Clone, Copy)]
struct PassHasher {
    hash: u64,
}

impl Hasher for PassHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.hash = (self.hash.rotate_left(8) ^ u64::from(b)).wrapping_mul(FX);
        }
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.hash = i;
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;
type HashIndex = HashMap<u64, Vec<u32>, BuildHasherDefault<PassHasher>>;
/// key hash of masked tokens -> (those tokens, what `_collapse` made of them)
type CollapseMemo = HashMap<u64, Vec<(Vec<String>, Vec<String>)>, BuildHasherDefault<PassHasher>>;

#[inline]
fn fmix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// Hash of token `s` at position `pos`; a key's hash is the (wrapping) sum over its
/// tokens, so a wildcard pattern changes it by one subtraction and one addition per
/// wildcard instead of building and hashing a new key.
#[inline]
fn token_hash(s: &str, pos: usize) -> u64 {
    let mut h = FxHasher::default();
    h.write(s.as_bytes());
    fmix(h.finish() ^ (s.len() as u64) ^ ((pos as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15)))
}

fn key_hash<S: AsRef<str>>(toks: &[S]) -> u64 {
    toks.iter().enumerate().fold(0u64, |h, (i, t)| h.wrapping_add(token_hash(t.as_ref(), i)))
}

/// The exact-message cache (`message -> cluster`): the messages in one arena, a map from
/// their hash to a chain of entries; no allocation per message.
#[derive(Default)]
struct MessageCache {
    map: HashMap<u64, u32, BuildHasherDefault<PassHasher>>,
    entries: Vec<CacheEntry>,
    arena: String,
}

struct CacheEntry {
    start: usize,
    len: usize,
    seq: u32,
    /// the next entry with the same hash (`NO_ENTRY`: none)
    next: u32,
}

const NO_ENTRY: u32 = u32::MAX;

impl MessageCache {
    fn hash(message: &str) -> u64 {
        let mut h = FxHasher::default();
        h.write(message.as_bytes());
        fmix(h.finish() ^ (message.len() as u64))
    }

    /// Number of distinct messages held.
    fn len(&self) -> usize {
        self.entries.len()
    }

    fn find(&self, message: &str, h: u64) -> Option<usize> {
        let mut i = *self.map.get(&h)?;
        loop {
            let e = &self.entries[i as usize];
            if &self.arena[e.start..e.start + e.len] == message {
                return Some(i as usize);
            }
            if e.next == NO_ENTRY {
                return None;
            }
            i = e.next;
        }
    }

    fn get(&self, message: &str, h: u64) -> Option<u32> {
        self.find(message, h).map(|i| self.entries[i].seq)
    }

    fn insert(&mut self, message: &str, h: u64, seq: u32) {
        if let Some(i) = self.find(message, h) {
            self.entries[i].seq = seq;
            return;
        }
        let next = self.map.get(&h).copied().unwrap_or(NO_ENTRY);
        let start = self.arena.len();
        self.arena.push_str(message);
        self.map.insert(h, self.entries.len() as u32);
        self.entries.push(CacheEntry { start, len: message.len(), seq, next });
    }

    fn clear(&mut self) {
        self.map.clear();
        self.entries.clear();
        self.arena.clear();
    }
}

/// One wildcard position of a template: `(pos, prefix, suffix)` as `_Cluster.wild` has it.
struct Wild {
    pos: usize,
    pre: String,
    suf: String,
    /// the template token there (`pre + "<*>" + suf`) and its hash at `pos`
    repl: String,
    repl_hash: u64,
}

struct Pattern {
    items: Vec<Wild>,
    count: usize,
}

impl Pattern {
    fn same(&self, wild: &[(usize, String, String)]) -> bool {
        self.items.len() == wild.len()
            && self.items.iter().zip(wild).all(|(a, (pos, pre, suf))| a.pos == *pos && a.pre == *pre && a.suf == *suf)
    }
}

#[derive(Default)]
struct Bucket {
    /// key hash -> clusters whose key has it (`_Bucket.index`, collisions verified)
    index: HashIndex,
    /// `_Bucket.patterns` in the dict's insertion order, with counts
    patterns: Vec<Pattern>,
    /// `_Bucket.pattern_list`: indices into `patterns`, fewest wildcards first (stable)
    order: Vec<usize>,
}

impl Bucket {
    fn reorder(&mut self) {
        let mut order: Vec<usize> = (0..self.patterns.len()).collect();
        order.sort_by_key(|&i| self.patterns[i].items.len());
        self.order = order;
    }
}

struct Cluster {
    /// in a bucket (`_Bucket.add` .. `remove`)
    live: bool,
    /// a variable-length template (`TemplateEngine._spans`) not merged away: outside the
    /// buckets, but still what its cached messages resolve to
    span_alive: bool,
    /// `_Cluster.pending`: a line answered from the message cache goes through lookup
    pending: bool,
    /// pending with a sibling merge due (`_due_group`): a line found by lookup stops here
    due: bool,
    hits: u32,
    /// where a merged-away cluster went, as Python last said (0: not known)
    redirect: u32,
    key: Vec<String>,
    key_hash: u64,
    wild: Vec<(usize, String, String)>,
    template: String,
    template_id: String,
    json: Option<String>,
    text: Option<String>,
}

const RENDER_NONE: u8 = 0;
const RENDER_JSON: u8 = 1;
const RENDER_TEXT: u8 = 2;

/// `json.dumps(s)` (ensure_ascii): the string with its quotes.
fn json_string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let unit = |out: &mut String, u: u32| {
        out.push_str("\\u");
        for shift in [12, 8, 4, 0] {
            out.push(HEX[((u >> shift) & 0xf) as usize] as char);
        }
    };
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let cp = c as u32;
                if cp >= 0x10000 {
                    let v = cp - 0x10000;
                    unit(out, 0xd800 | (v >> 10));
                    unit(out, 0xdc00 | (v & 0x3ff));
                } else {
                    unit(out, cp);
                }
            }
        }
    }
    out.push('"');
}

/// The stream's output line: `json.dumps({"cluster": str(seq), "template": ..., "template_id":
/// ...}) + "\n"` (mode 1) or `f"{template_id}\t{template}\n"` (mode 2).
fn render_line(seq: u32, template: &str, template_id: &str, mode: u8) -> String {
    let mut s = String::with_capacity(template.len() + 64);
    if mode == RENDER_JSON {
        s.push_str("{\"cluster\": \"");
        s.push_str(&seq.to_string());
        s.push_str("\", \"template\": ");
        json_string(&mut s, template);
        s.push_str(", \"template_id\": ");
        json_string(&mut s, template_id);
        s.push_str("}\n");
    } else {
        s.push_str(template_id);
        s.push('\t');
        s.push_str(template);
        s.push('\n');
    }
    s
}

enum Step {
    Done(u32),
    /// Python must answer this line
    Stop,
    /// a cached cluster was merged away: Python must say where it went (then retry)
    Dead(u32),
}

/// Whether `_collapse_value_lists` can change the tokens: a token opening a bracketed list
/// ("[a,", "(a,", after its key: "ids=[a,") or a token ending in "," after a token ending
/// in ":". A necessary condition only; when it holds the line's collapse runs in Python.
fn may_hold_value_list(toks: &[Cow<'_, str>]) -> bool {
    toks.iter().enumerate().any(|(i, t)| {
        t.ends_with(',')
            && (t.bytes().any(|b| matches!(b, b'[' | b'(' | b'{')) || (i > 0 && toks[i - 1].ends_with(':')))
    })
}

/// `_join_padding`: a lone bracket padded by a printf width (`[ 8550.518700]`, `[info     ]`)
/// is joined to the token it encloses. `line` has a space next to a bracket (the caller checks).
fn join_padding(toks: Vec<Cow<'_, str>>) -> Vec<Cow<'_, str>> {
    const TRAIL: &[char] = &[',', ';', ':', '.'];
    let mut out: Vec<Cow<'_, str>> = Vec::with_capacity(toks.len());
    let mut it = toks.into_iter().peekable();
    while let Some(t) = it.next() {
        let pair = match t.as_ref() {
            "[" => Some(('[', ']')),
            "(" => Some(('(', ')')),
            _ => None,
        };
        if let (Some((open, close)), Some(nxt)) = (pair, it.peek()) {
            let body = nxt.trim_end_matches(TRAIL);
            if nxt.starts_with(VAR) && body.ends_with(close) && body.matches(close).count() == 1 && !body.contains(open) {
                let nxt = it.next().unwrap_or_default();
                out.push(Cow::Owned(format!("{t}{nxt}")));
                continue;
            }
        }
        let open = match t.trim_end_matches(TRAIL) {
            "]" => Some(b'['),
            ")" => Some(b'('),
            _ => None,
        };
        if let (Some(open), Some(last)) = (open, out.last_mut()) {
            let b = last.as_bytes();
            if b.len() >= 2
                && b[0] == open
                && b[1].is_ascii_alphabetic()
                && b[2..].iter().all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
            {
                *last = Cow::Owned(format!("{last}{t}"));
                continue;
            }
        }
        out.push(t);
    }
    out
}

/// `_VALUE_GROUP`s at the start of `s` ("[" + non-word, non-space, non-bracket characters
/// holding a value + "]"), consumed: what is left after them.
fn skip_value_groups(mut s: &str) -> &str {
    fn plain(c: char) -> bool {
        !(c.is_alphanumeric() || c == '_' || c.is_whitespace() || c == '[' || c == ']')
    }
    while let Some(rest) = s.strip_prefix('[') {
        let end = rest.find(|c: char| !plain(c)).unwrap_or(rest.len());
        let (body, after) = rest.split_at(end);
        match after.strip_prefix(']') {
            Some(after) if body.contains(VAR) => s = after,
            _ => break,
        }
    }
    s
}

/// `_join_padded_chains`: a token of closed groups of values and an opening bracket
/// (`[`, `[<*>][`) is joined to the next token when that one starts with a value that closes
/// the bracket, its own further groups of values (and an opening bracket, or a tail without
/// brackets) kept. `line` holds "][" (the caller checks).
fn join_padded_chains(toks: Vec<Cow<'_, str>>) -> Vec<Cow<'_, str>> {
    fn head(t: &str) -> bool {
        skip_value_groups(t) == "["
    }
    fn piece(t: &str) -> bool {
        match t.strip_prefix(VAR).and_then(|r| r.strip_prefix(']')) {
            Some(r) => {
                let rest = skip_value_groups(r);
                rest == "[" || !rest.contains(['[', ']'])
            }
            None => false,
        }
    }
    let mut out: Vec<Cow<'_, str>> = Vec::with_capacity(toks.len());
    for t in toks {
        if let Some(last) = out.last_mut() {
            if piece(&t) && head(last) {
                *last = Cow::Owned(format!("{last}{t}"));
                continue;
            }
        }
        out.push(t);
    }
    out
}

/// `_drop_conversions`: "(<number> <unit>)" right after "<number> <unit word>" is left out
/// (its trailing punctuation stays on the unit word).
fn drop_conversions(toks: Vec<Cow<'_, str>>) -> Vec<Cow<'_, str>> {
    const TRAIL: &[char] = &[',', ';', ':', '.'];
    fn unit_close(t: &str) -> bool {
        let b = t.as_bytes();
        let body = match b.last() {
            Some(b',' | b';' | b':' | b'.') => &b[..b.len() - 1],
            _ => b,
        };
        body.len() >= 2
            && body.len() <= 4
            && body[body.len() - 1] == b')'
            && body[..body.len() - 1].iter().all(u8::is_ascii_alphabetic)
    }
    fn unit_word(t: &str) -> bool {
        (1..=12).contains(&t.len()) && t.bytes().all(|c| c.is_ascii_alphabetic())
    }
    let mut out: Vec<Cow<'_, str>> = Vec::with_capacity(toks.len());
    let mut it = toks.into_iter().peekable();
    while let Some(t) = it.next() {
        let n = out.len();
        if t.len() == VAR.len() + 1
            && t.starts_with('(')
            && t.ends_with(VAR)
            && n >= 2
            && out[n - 2] == VAR
            && unit_word(&out[n - 1])
            && it.peek().is_some_and(|x| unit_close(x))
        {
            let close = it.next().unwrap_or_default();
            let tail = &close[close.trim_end_matches(TRAIL).len()..];
            if !tail.is_empty() {
                let joined = format!("{}{tail}", out[n - 1]);
                out[n - 1] = Cow::Owned(joined);
            }
            continue;
        }
        out.push(t);
    }
    out
}

/// Whether `_collapse` joins padded brackets in this line (`_join_padding`).
fn may_be_padded(line: &str) -> bool {
    line.contains("[ ") || line.contains("( ") || line.contains(" ]") || line.contains(" )")
}

/// `_collapse_lists`: a run of `run` or more variables is one variable.
fn collapse_lists(toks: Vec<Cow<'_, str>>, run: usize) -> Vec<Cow<'_, str>> {
    let mut out = Vec::with_capacity(toks.len());
    let mut k = 0;
    for tok in toks {
        if tok.as_ref() == VAR {
            k += 1;
        } else {
            if k >= run {
                out.truncate(out.len() - k + 1);
            }
            k = 0;
        }
        out.push(tok);
    }
    if k >= run {
        out.truncate(out.len() - k + 1);
    }
    out
}

/// A template with a variable of any length (`_Cluster.span`): its tokens and that position;
/// or a gapped template (`_Cluster.gaps`, non-empty): variables for any number of tokens,
/// none included, at those positions.
struct Span {
    seq: u32,
    pos: usize,
    tokens: Vec<String>,
    alive: bool,
    gaps: Vec<usize>,
}

/// `_gap_covers`: the tokens before the first gap and after the last cover the line's ends,
/// every run between two gaps covers tokens of the line in order, placed as early as it can.
fn gap_covers(tpl: &[String], gaps: &[usize], toks: &[Cow<'_, str>]) -> bool {
    let n = toks.len();
    let head = gaps[0];
    let last = gaps[gaps.len() - 1] + 1;
    let tail = tpl.len() - last;
    if head + tail > n {
        return false;
    }
    if !(0..head).all(|i| covered(&tpl[i], &toks[i])) {
        return false;
    }
    if !(0..tail).all(|j| covered(&tpl[last + j], &toks[n - tail + j])) {
        return false;
    }
    let (mut pos, end) = (head, n - tail);
    for w in gaps.windows(2) {
        let run = &tpl[w[0] + 1..w[1]];
        let k = run.len();
        while pos + k <= end && !run.iter().zip(&toks[pos..pos + k]).all(|(a, t)| covered(a, t)) {
            pos += 1;
        }
        if pos + k > end {
            return false;
        }
        pos += k;
    }
    true
}

/// `_covered`: template token `a` covers line token `t`.
fn covered(a: &str, t: &str) -> bool {
    if a == t || a == VAR {
        return true;
    }
    match a.find(VAR) {
        Some(k) => {
            let (pre, suf) = (&a[..k], &a[k + VAR.len()..]);
            t.len() > pre.len() + suf.len() && t.starts_with(pre) && t.ends_with(suf)
        }
        None => false,
    }
}

/// The fast-path mirror of one `TemplateEngine` (see the module comment).
#[pyclass(module = "template_native")]
pub struct TemplateIndex {
    buckets: FxMap<usize, Bucket>,
    clusters: Vec<Option<Cluster>>,
    cache: MessageCache,
    cache_size: usize,
    dirty: Vec<u32>,
    value_shapes: bool,
    list_run: usize,
    padded_brackets: bool,
    padded_bracket_chains: bool,
    closed_quotes: bool,
    unit_conversions: bool,
    /// `collapse` results by masked tokens (`_collapse` is a function of the tokens alone
    /// once the line holds a ","), so that Python runs once per distinct list shape
    collapsed: CollapseMemo,
    collapsed_len: usize,
    /// `TemplateEngine._spans`, in order (pushed by Python whenever it changed)
    spans: Vec<Span>,
    /// `TemplateEngine._gapped`, by number (the same)
    gapped: Vec<Span>,
}

const COLLAPSED_MAX: usize = 1 << 16;

impl TemplateIndex {
    fn cluster(&self, seq: u32) -> Option<&Cluster> {
        self.clusters.get(seq as usize).and_then(Option::as_ref)
    }

    /// The live cluster a cached one stands for now; Err(seq) where the chain is not known.
    fn resolve(&self, mut seq: u32) -> Result<u32, u32> {
        // bounded: a redirect cycle (a bug on the Python side) sends the line to Python
        for _ in 0..1024 {
            match self.cluster(seq) {
                Some(c) if c.live || c.span_alive => return Ok(seq),
                Some(c) if c.redirect != 0 && c.redirect != seq => seq = c.redirect,
                _ => return Err(seq),
            }
        }
        Err(seq)
    }

    fn hit(&mut self, seq: u32) {
        if let Some(Some(c)) = self.clusters.get_mut(seq as usize) {
            if c.hits == 0 {
                self.dirty.push(seq);
            }
            c.hits += 1;
        }
    }

    /// `_remember` (`h`: the message's `MessageCache::hash`).
    fn remember_line(&mut self, message: &str, h: u64, seq: u32) {
        if self.cache_size == 0 {
            return;
        }
        if self.cache.len() >= self.cache_size {
            self.cache.clear();
        }
        self.cache.insert(message, h, seq);
    }

    /// `TemplateEngine._mask`: native masking, date phrases and runs of variables; value
    /// lists through the Python `collapse` (memoised) when the line may hold one, and the
    /// whole line through the Python `mask` where a date test needs Unicode.
    fn tokens<'a>(
        &mut self,
        line: &'a str,
        mask: &Bound<'_, PyAny>,
        collapse: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<Cow<'a, str>>> {
        let (mut toks, dated) = mask_tokens(line);
        if self.closed_quotes && toks.iter().any(|t| open_value(t)) {
            toks = closed_quotes(&raw_tokens(line), toks);
        }
        if dated {
            match collapse_dates(&raw_tokens(line), toks) {
                Some(collapsed) => toks = collapsed,
                None => {
                    let toks: Vec<String> = mask.call1((line,))?.extract()?;
                    return Ok(toks.into_iter().map(Cow::Owned).collect());
                }
            }
        }
        if line.contains("()") {
            // an empty bracket is an empty value (`_collapse`): the bracket around a value
            for t in toks.iter_mut() {
                if t.as_ref() == "()" {
                    *t = Cow::Borrowed("(<*>)");
                }
            }
        }
        if self.padded_brackets && may_be_padded(line) {
            toks = join_padding(toks);
            if self.padded_bracket_chains && line.contains("][") {
                toks = join_padded_chains(toks);
            }
        }
        if self.unit_conversions && line.contains(" (") {
            toks = drop_conversions(toks);
        }
        if self.value_shapes && line.contains(',') && may_hold_value_list(&toks) {
            let h = key_hash(&toks);
            if let Some(known) = self.collapsed.get(&h) {
                if let Some((_, out)) = known.iter().find(|(input, _)| input.iter().eq(toks.iter().map(|t| t.as_ref()))) {
                    return Ok(out.iter().map(|t| Cow::Owned(t.clone())).collect());
                }
            }
            let list = PyList::new(mask.py(), toks.iter().map(|t| t.as_ref()))?;
            let out: Vec<String> = collapse.call1((line, list))?.extract()?;
            if self.collapsed_len >= COLLAPSED_MAX {
                self.collapsed.clear();
                self.collapsed_len = 0;
            }
            let input = toks.iter().map(|t| t.to_string()).collect();
            self.collapsed.entry(h).or_default().push((input, out.clone()));
            self.collapsed_len += 1;
            return Ok(out.into_iter().map(Cow::Owned).collect());
        }
        let run = self.list_run;
        if run > 0 && toks.len() >= run && toks.iter().filter(|t| t.as_ref() == VAR).count() >= run {
            return Ok(collapse_lists(toks, run));
        }
        Ok(toks)
    }

    /// `_Bucket.lookup`: the first pattern (fewest wildcards first) whose key is known.
    fn lookup(&self, toks: &[Cow<'_, str>]) -> Option<u32> {
        let b = self.buckets.get(&toks.len())?;
        let hashes: Vec<u64> = toks.iter().enumerate().map(|(i, t)| token_hash(t, i)).collect();
        let base = hashes.iter().fold(0u64, |h, x| h.wrapping_add(*x));
        for &pi in &b.order {
            let pat = &b.patterns[pi];
            let mut h = base;
            let mut fits = true;
            for w in &pat.items {
                if !w.pre.is_empty() || !w.suf.is_empty() {
                    // a variable inside a token stands for at least one character
                    let t = &toks[w.pos];
                    if t.len() <= w.pre.len() + w.suf.len() || !t.starts_with(&w.pre) || !t.ends_with(&w.suf) {
                        fits = false;
                        break;
                    }
                }
                h = h.wrapping_sub(hashes[w.pos]).wrapping_add(w.repl_hash);
            }
            if !fits {
                continue;
            }
            if let Some(cands) = b.index.get(&h) {
                let mut key: Vec<&str> = toks.iter().map(|t| t.as_ref()).collect();
                for w in &pat.items {
                    key[w.pos] = &w.repl;
                }
                for &seq in cands {
                    if let Some(c) = self.cluster(seq) {
                        if c.key.iter().zip(&key).all(|(a, b)| a == *b) {
                            return Some(seq);
                        }
                    }
                }
            }
        }
        None
    }

    /// What `set_spans` / `set_gapped` share: the old entries' clusters are no longer alive
    /// as such, the new ones are, with their templates.
    fn push_spans(
        &mut self,
        old: Vec<Span>,
        new: impl Iterator<Item = (u32, usize, Vec<String>, bool, Vec<usize>, String, String)>,
    ) -> Vec<Span> {
        for sp in &old {
            if let Some(Some(c)) = self.clusters.get_mut(sp.seq as usize) {
                c.span_alive = false;
            }
        }
        let mut out = Vec::new();
        for (seq, pos, tokens, alive, gaps, template, template_id) in new {
            if pos >= tokens.len() || gaps.iter().any(|&g| g >= tokens.len()) {
                continue;
            }
            if let Some(Some(c)) = self.clusters.get_mut(seq as usize) {
                c.span_alive = alive;
                if c.template != template || c.template_id != template_id {
                    c.template = template;
                    c.template_id = template_id;
                    c.json = None;
                    c.text = None;
                }
            }
            out.push(Span { seq, pos, tokens, alive, gaps });
        }
        out
    }

    /// `_match_span` where it answers without learning (`_covering_span`): the first live
    /// variable-length template, of those whose first token can cover the line's, that
    /// covers it token for token. Where none does Python decides (it may generalise one).
    fn covering_span(&self, toks: &[Cow<'_, str>]) -> Option<u32> {
        let n = toks.len();
        for sp in &self.spans {
            if !sp.alive {
                continue;
            }
            let ns = sp.tokens.len() - sp.pos - 1;
            if n < sp.pos + ns + 1 {
                continue;
            }
            // `_span_candidates`: only templates whose first token is the line's or holds a
            // variable are candidates (the spans come in Python's candidate order, by number)
            if n > 0 && sp.pos > 0 && sp.tokens[0] != toks[0] && !sp.tokens[0].contains("<*>") {
                continue;
            }
            let head = (0..sp.pos).all(|i| covered(&sp.tokens[i], &toks[i]));
            let tail = (0..ns).all(|j| covered(&sp.tokens[sp.pos + 1 + j], &toks[n - ns + j]));
            if head && tail {
                return Some(sp.seq);
            }
        }
        None
    }

    /// `_covering_gapped`, tried by `_learn` before the spans: the first gapped template (by
    /// number) whose first token is the line's or holds a variable that covers the line.
    fn covering_gapped(&self, toks: &[Cow<'_, str>]) -> Option<u32> {
        let first = toks.first()?;
        self.gapped
            .iter()
            .filter(|sp| sp.alive)
            .filter(|sp| sp.tokens[0] == *first || sp.tokens[0].contains("<*>"))
            .find(|sp| gap_covers(&sp.tokens, &sp.gaps, toks))
            .map(|sp| sp.seq)
    }

    /// `TemplateEngine.assign` for one line, or where Python must take over.
    // `Option::is_none_or` would need Rust 1.82; the crate builds with 1.78
    #[allow(clippy::unnecessary_map_or)]
    fn assign_one(&mut self, line: &str, mask: &Bound<'_, PyAny>, collapse: &Bound<'_, PyAny>) -> PyResult<Step> {
        // an empty cache (size 0) is never searched, so the line is not hashed either
        let h = if self.cache_size > 0 { MessageCache::hash(line) } else { 0 };
        let cached = if self.cache_size > 0 { self.cache.get(line, h) } else { None };
        if let Some(seq) = cached {
            match self.resolve(seq) {
                Err(dead) => return Ok(Step::Dead(dead)),
                Ok(s) => {
                    if !self.clusters[s as usize].as_ref().is_some_and(|c| c.pending) {
                        self.hit(s);
                        return Ok(Step::Done(s));
                    }
                }
            }
        }
        let toks = self.tokens(line, mask, collapse)?;
        let seq = match self.lookup(&toks) {
            // a found template with a sibling merge due: Python merges
            Some(seq) if self.cluster(seq).map_or(true, |c| c.due) => return Ok(Step::Stop),
            Some(seq) => seq,
            // `_learn` tries the variable-length templates only after the buckets and does not
            // merge there, but `assign` still reports a retired number the template announces
            // (flagged like a due merge): Python answers those lines
            None => match self.covering_gapped(&toks).or_else(|| self.covering_span(&toks)) {
                Some(seq) if self.cluster(seq).map_or(true, |c| c.due) => return Ok(Step::Stop),
                Some(seq) => seq,
                None => return Ok(Step::Stop),
            },
        };
        self.hit(seq);
        self.remember_line(line, h, seq);
        Ok(Step::Done(seq))
    }

    fn render(&mut self, seq: u32, mode: u8, out: &mut String) {
        let Some(Some(c)) = self.clusters.get_mut(seq as usize) else {
            return;
        };
        let slot = if mode == RENDER_JSON { &mut c.json } else { &mut c.text };
        if slot.is_none() {
            *slot = Some(render_line(seq, &c.template, &c.template_id, mode));
        }
        if let Some(s) = slot {
            out.push_str(s);
        }
    }
}

#[pymethods]
impl TemplateIndex {
    #[new]
    #[pyo3(signature = (message_cache_size, value_shapes, list_run, padded_brackets = true, unit_conversions = true, closed_quotes = false, padded_bracket_chains = true))]
    fn new(
        message_cache_size: usize,
        value_shapes: bool,
        list_run: usize,
        padded_brackets: bool,
        unit_conversions: bool,
        closed_quotes: bool,
        padded_bracket_chains: bool,
    ) -> Self {
        TemplateIndex {
            buckets: FxMap::default(),
            clusters: Vec::new(),
            cache: MessageCache::default(),
            cache_size: message_cache_size,
            dirty: Vec::new(),
            value_shapes,
            list_run,
            padded_brackets,
            padded_bracket_chains,
            unit_conversions,
            closed_quotes,
            collapsed: HashMap::default(),
            collapsed_len: 0,
            spans: Vec::new(),
            gapped: Vec::new(),
        }
    }

    /// `_Bucket.add(c)`: `key` is `c.key`, `wild` is `c.wild`.
    fn add(&mut self, seq: u32, key: Vec<String>, wild: Vec<(usize, String, String)>, template: String, template_id: String) {
        let n = key.len();
        let kh = key_hash(&key);
        let b = self.buckets.entry(n).or_default();
        // index[key] = c: replaces the cluster that had this key
        let cands = b.index.entry(kh).or_default();
        let clusters = &self.clusters;
        if let Some(slot) = cands
            .iter_mut()
            .find(|s| clusters.get(**s as usize).and_then(Option::as_ref).is_some_and(|c| c.key == key))
        {
            *slot = seq;
        } else {
            cands.push(seq);
        }
        if let Some(p) = b.patterns.iter_mut().find(|p| p.same(&wild)) {
            p.count += 1;
        } else {
            let items = wild
                .iter()
                .filter(|(pos, _, _)| *pos < n)
                .map(|(pos, pre, suf)| {
                    let repl = format!("{pre}{VAR}{suf}");
                    let repl_hash = token_hash(&repl, *pos);
                    Wild { pos: *pos, pre: pre.clone(), suf: suf.clone(), repl, repl_hash }
                })
                .collect();
            b.patterns.push(Pattern { items, count: 1 });
            b.reorder();
        }
        let i = seq as usize;
        if self.clusters.len() <= i {
            self.clusters.resize_with(i + 1, || None);
        }
        let (pending, due, hits, redirect, span_alive) = match &self.clusters[i] {
            Some(c) => (c.pending, c.due, c.hits, c.redirect, c.span_alive),
            None => (false, false, 0, 0, false),
        };
        self.clusters[i] = Some(Cluster {
            live: true,
            span_alive,
            pending,
            due,
            hits,
            redirect,
            key,
            key_hash: kh,
            wild,
            template,
            template_id,
            json: None,
            text: None,
        });
    }

    /// `_Bucket.remove(c)`.
    fn remove(&mut self, seq: u32) {
        let Some(Some(c)) = self.clusters.get_mut(seq as usize) else {
            return;
        };
        if !c.live {
            return;
        }
        c.live = false;
        let (n, kh) = (c.key.len(), c.key_hash);
        let Some(b) = self.buckets.get_mut(&n) else {
            return;
        };
        if let Some(cands) = b.index.get_mut(&kh) {
            cands.retain(|s| *s != seq);
            if cands.is_empty() {
                b.index.remove(&kh);
            }
        }
        let wild = &self.clusters[seq as usize].as_ref().map(|c| &c.wild);
        if let Some(wild) = wild {
            if let Some(k) = b.patterns.iter().position(|p| p.same(wild)) {
                b.patterns[k].count -= 1;
                if b.patterns[k].count == 0 {
                    b.patterns.remove(k);
                    b.reorder();
                }
            }
        }
    }

    /// `TemplateEngine._spans` as it is now: (cluster, span position, tokens, not merged,
    /// template, template id) in order.
    fn set_spans(&mut self, spans: Vec<(u32, usize, Vec<String>, bool, String, String)>) {
        let spans = spans.into_iter().map(|(seq, pos, tokens, alive, template, template_id)| {
            (seq, pos, tokens, alive, Vec::new(), template, template_id)
        });
        let old = std::mem::take(&mut self.spans);
        self.spans = self.push_spans(old, spans);
    }

    /// `TemplateEngine._gapped` as it is now: (cluster, tokens, gap positions, not merged,
    /// template, template id) in order (pushed after `set_spans`: a span that became gapped
    /// is alive again here).
    fn set_gapped(&mut self, gapped: Vec<(u32, Vec<String>, Vec<usize>, bool, String, String)>) {
        let gapped = gapped.into_iter().map(|(seq, tokens, gaps, alive, template, template_id)| {
            (seq, 0, tokens, alive, gaps, template, template_id)
        });
        let old = std::mem::take(&mut self.gapped);
        self.gapped = self.push_spans(old, gapped);
    }

    /// `c.pending = value` (a merge may be due from now on).
    fn set_pending(&mut self, seq: u32, value: bool) {
        if let Some(Some(c)) = self.clusters.get_mut(seq as usize) {
            c.pending = value;
            c.due = value;
        }
    }

    /// `c` is pending but no merge is due (Python checked `_due_group`): lines that lookup
    /// finds for it are answered here until `set_pending` is called again.
    fn settle(&mut self, seq: u32) {
        if let Some(Some(c)) = self.clusters.get_mut(seq as usize) {
            c.due = false;
        }
    }

    /// The merged-away cluster `seq` resolves to `target` now (`_Cluster.resolve`).
    fn redirect(&mut self, seq: u32, target: u32) {
        if let Some(Some(c)) = self.clusters.get_mut(seq as usize) {
            c.redirect = target;
        }
    }

    /// The exact-message cache: the cluster a message was answered with (0: none).
    fn cached(&self, message: &str) -> u32 {
        self.cache.get(message, MessageCache::hash(message)).unwrap_or(0)
    }

    /// `_remember`: cache a message's cluster (the cache is cleared when full).
    fn remember(&mut self, message: &str, seq: u32) {
        self.remember_line(message, MessageCache::hash(message), seq);
    }

    fn clear_cache(&mut self) {
        self.cache.clear();
    }

    fn cache_len(&self) -> usize {
        self.cache.len()
    }

    /// (cluster, lines) answered natively since the last call; the caller adds them to counts.
    fn take_hits(&mut self) -> Vec<(u32, u32)> {
        let dirty = std::mem::take(&mut self.dirty);
        let mut out = Vec::with_capacity(dirty.len());
        for seq in dirty {
            if let Some(Some(c)) = self.clusters.get_mut(seq as usize) {
                out.push((seq, c.hits));
                c.hits = 0;
            }
        }
        out
    }

    /// The stream's output line for a line Python answered (1: JSON line, 2:
    /// "id<TAB>template"), from the template as Python has it now.
    #[staticmethod]
    fn render_line(seq: u32, template: &str, template_id: &str, mode: u8) -> String {
        render_line(seq, template, template_id, mode)
    }

    /// Answer the lines of `text` from byte offset `pos` (lines end in "\n", each stripped of
    /// trailing "\r"/"\n" like the stream's `rstrip`). Returns (output, next offset, line,
    /// dead): output is the rendered lines (`mode` 1 or 2) or the clusters as native-endian
    /// u32 (`mode` 0); `line` is the line Python must answer (the offset is past it), and
    /// `dead`, when not 0, the merged-away cached cluster that stopped it: Python should
    /// `redirect` it so that its other cached lines are answered here again.
    #[pyo3(signature = (text, pos, mode, mask, collapse))]
    fn assign_text<'py>(
        &mut self,
        py: Python<'py>,
        text: &str,
        pos: usize,
        mode: u8,
        mask: &Bound<'py, PyAny>,
        collapse: &Bound<'py, PyAny>,
    ) -> PyResult<(PyObject, usize, Option<String>, u32)> {
        if mode > RENDER_TEXT {
            return Err(pyo3::exceptions::PyValueError::new_err("mode: 0 (clusters), 1 (JSON lines) or 2 (text lines)"));
        }
        let bytes = text.as_bytes();
        let n = bytes.len();
        let mut p = pos.min(n);
        let mut rendered = String::with_capacity(if mode == RENDER_NONE { 0 } else { 2 * (n - p) });
        let mut seqs: Vec<u8> = Vec::new();
        let mut stopped: Option<String> = None;
        let mut dead = 0;
        while p < n {
            let end = bytes[p..].iter().position(|&b| b == b'\n').map_or(n, |k| p + k);
            let line = text[p..end].trim_end_matches(['\r', '\n']);
            let next = (end + 1).min(n);
            match self.assign_one(line, mask, collapse)? {
                Step::Done(seq) => {
                    if mode == RENDER_NONE {
                        seqs.extend_from_slice(&seq.to_ne_bytes());
                    } else {
                        self.render(seq, mode, &mut rendered);
                    }
                    p = next;
                }
                Step::Stop => {
                    stopped = Some(line.to_string());
                    p = next;
                    break;
                }
                Step::Dead(seq) => {
                    stopped = Some(line.to_string());
                    dead = seq;
                    p = next;
                    break;
                }
            }
        }
        let out: PyObject = if mode == RENDER_NONE {
            PyBytes::new(py, &seqs).into_any().unbind()
        } else {
            PyString::new(py, &rendered).into_any().unbind()
        };
        Ok((out, p, stopped, dead))
    }

    /// Answer `messages[start:]` in order; returns (clusters as native-endian u32 (array "I"),
    /// index, dead): `index` is the first message Python must answer (`len(messages)`: none)
    /// and `dead` as in `assign_text`.
    /// A message that is not a str, or cannot be UTF-8 (lone surrogates), goes to Python.
    #[pyo3(signature = (messages, start, mask, collapse))]
    fn assign_list<'py>(
        &mut self,
        py: Python<'py>,
        messages: &Bound<'py, PyList>,
        start: usize,
        mask: &Bound<'py, PyAny>,
        collapse: &Bound<'py, PyAny>,
    ) -> PyResult<(PyObject, usize, u32)> {
        let n = messages.len();
        let mut seqs: Vec<u8> = Vec::with_capacity(4 * n.saturating_sub(start));
        let mut i = start;
        let mut dead = 0;
        while i < n {
            let item = messages.get_item(i)?;
            let Ok(s) = item.downcast::<PyString>() else {
                break;
            };
            let Ok(line) = s.to_str() else {
                break;
            };
            match self.assign_one(line, mask, collapse)? {
                Step::Done(seq) => {
                    seqs.extend_from_slice(&seq.to_ne_bytes());
                    i += 1;
                }
                Step::Stop => break,
                Step::Dead(seq) => {
                    dead = seq;
                    break;
                }
            }
        }
        Ok((PyBytes::new(py, &seqs).into_any().unbind(), i, dead))
    }
}

/// `_closed_quotes`: a raw token quoted whole (one quote opening it, one closing it, "," ";"
/// "." ":" after it) that holds a "=" and whose masking lost the closing quote gets it back
/// before what followed it (`"http://shop/a?page=7"` masked `"http://<*><*>` -> `"http://<*><*>"`).
fn closed_quotes<'a>(raw: &[Cow<'_, str>], mut toks: Vec<Cow<'a, str>>) -> Vec<Cow<'a, str>> {
    if raw.len() != toks.len() {
        return toks;
    }
    for (r, m) in raw.iter().zip(toks.iter_mut()) {
        let r = r.as_ref();
        let q = match r.chars().next() {
            Some(c @ ('"' | '\'')) => c,
            _ => continue,
        };
        if !r.contains('=') || !open_value(m.as_ref()) {
            continue;
        }
        let body = r.trim_end_matches([',', ';', '.', ':']);
        if body.len() < 3 || !body.ends_with(q) || body.matches(q).count() != 2 {
            continue;
        }
        let trail = &r[body.len()..];
        let ms = m.as_ref();
        if !ms.ends_with(trail) {
            continue;
        }
        let head = &ms[..ms.len() - trail.len()];
        if head.ends_with(q) {
            continue;
        }
        let fixed = format!("{head}{q}{trail}");
        *m = Cow::Owned(fixed);
    }
    toks
}

/// `_open_value`: a masked token that opens a quote it never closes and ends in a variable
/// ("," ";" "." ":" after it); only then is the line split again (`closed_quotes`).
fn open_value(m: &str) -> bool {
    let q = match m.as_bytes().first() {
        Some(&c @ (b'"' | b'\'')) => c,
        _ => return false,
    };
    m.bytes().filter(|&c| c == q).count() == 1 && m.trim_end_matches([',', ';', '.', ':']).ends_with(VAR)
}
