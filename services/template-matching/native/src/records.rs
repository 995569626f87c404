//! `logs.records` values decoded in one call per poll.
//!
//! The contract (`logmesh_contracts.LogRecord`) is the definition; this reads only the spelling the mesh
//! writes (ingestion's encoder) and a little around it: a JSON object whose keys are the record's own
//! fields, each at most once; strings with any JSON escape except a lone surrogate; an integer schema
//! version >= 1; timestamps `YYYY-MM-DDTHH:MM:SS[.f{1,6}]` with `Z` or `+00:00`; a `k8s` object of
//! strings or nulls and a `metadata` object of strings, without repeated keys. Every limit and default
//! is the contract's. Any other value answers `None`, and the caller hands it to the Python path
//! (msgspec, then the contract), which accepts it or gives the dead-letter reason, as before.

use std::borrow::Cow;
use std::collections::HashMap;

use pyo3::prelude::*;
use pyo3::sync::GILOnceCell;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple, PyType};

const LEVELS: [&str; 7] = ["TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "ERROR", "FATAL"];
const K8S_FIELDS: [&str; 8] = ["cluster", "namespace", "pod", "container", "node", "service", "kind", "name"];

static DATETIME: GILOnceCell<(Py<PyAny>, Py<PyAny>)> = GILOnceCell::new();

/// `K8sRef`'s fields, as the contract's value object reads them.
#[pyclass(frozen, get_all, module = "template_native")]
pub struct NativeK8s {
    cluster: Option<Py<PyString>>,
    namespace: Option<Py<PyString>>,
    pod: Option<Py<PyString>>,
    container: Option<Py<PyString>>,
    node: Option<Py<PyString>>,
    service: Option<Py<PyString>>,
    kind: Option<Py<PyString>>,
    name: Option<Py<PyString>>,
}

#[derive(Clone, Copy)]
struct Instant {
    civil: (i32, u8, u8, u8, u8, u8, u32),
    epoch_us: i64,
}

/// A `LogRecord` read by attribute (the domain takes it as it takes the contract's model), with the
/// event and receive times also as DateTime64(3) ticks for the `logs` columns.
#[pyclass(frozen, module = "template_native")]
pub struct NativeRecord {
    #[pyo3(get)]
    schema_version: i64,
    #[pyo3(get)]
    event_id: Py<PyString>,
    #[pyo3(get)]
    org: Py<PyString>,
    #[pyo3(get)]
    service: Py<PyString>,
    #[pyo3(get)]
    host: Option<Py<PyString>>,
    #[pyo3(get)]
    level: Py<PyString>,
    #[pyo3(get)]
    message: Py<PyString>,
    #[pyo3(get)]
    dashboard: Option<Py<PyString>>,
    #[pyo3(get)]
    k8s: Py<NativeK8s>,
    metadata: Vec<(Py<PyString>, Py<PyString>)>,
    #[pyo3(get)]
    redacted: bool,
    #[pyo3(get)]
    truncated: bool,
    ts: Instant,
    received: Instant,
}

fn datetime_of(py: Python<'_>, at: &Instant) -> PyResult<PyObject> {
    let (cls, utc) = DATETIME.get_or_try_init(py, || -> PyResult<_> {
        let module = py.import("datetime")?;
        Ok((module.getattr("datetime")?.unbind(), module.getattr("timezone")?.getattr("utc")?.unbind()))
    })?;
    let (y, mo, d, h, mi, s, us) = at.civil;
    Ok(cls.bind(py).call1((y, mo, d, h, mi, s, us, utc.bind(py)))?.unbind())
}

#[pymethods]
impl NativeRecord {
    #[getter]
    fn timestamp(&self, py: Python<'_>) -> PyResult<PyObject> {
        datetime_of(py, &self.ts)
    }

    #[getter]
    fn received_at(&self, py: Python<'_>) -> PyResult<PyObject> {
        datetime_of(py, &self.received)
    }

    /// A new dict on each read (records are frozen; most polls never read it, so no dict per record).
    #[getter]
    fn metadata<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        metadata_dict(py, &self.metadata)
    }

    /// DateTime64(3) ticks of the event time (milliseconds since the epoch, floored).
    #[getter]
    fn ts_ms(&self) -> i64 {
        self.ts.epoch_us.div_euclid(1000)
    }

    #[getter]
    fn received_ms(&self) -> i64 {
        self.received.epoch_us.div_euclid(1000)
    }
}

fn metadata_dict<'py>(py: Python<'py>, pairs: &[(Py<PyString>, Py<PyString>)]) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (key, value) in pairs {
        dict.set_item(key.bind(py), value.bind(py))?;
    }
    Ok(dict)
}

// ------------------------------------------------------------------------------------------- parsing

struct Reader<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Reader<'a> {
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        self.ws();
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            Some(())
        } else {
            None
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.b.get(self.i).copied()
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        self.ws();
        if self.b[self.i..].starts_with(word) {
            self.i += word.len();
            Some(())
        } else {
            None
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.b.get(self.i..self.i + 4)?;
        let mut n = 0u32;
        for &c in digits {
            n = n * 16 + (c as char).to_digit(16)?;
        }
        self.i += 4;
        Some(n)
    }

    /// A JSON string: borrowed from the value when it holds no escape.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        self.eat(b'"')?;
        let start = self.i;
        let mut ascii = true;
        while let Some(&c) = self.b.get(self.i) {
            match c {
                b'"' => {
                    let raw = &self.b[start..self.i];
                    let text = if ascii {
                        // SAFETY: every byte was checked to be below 0x80, and ASCII is valid UTF-8
                        unsafe { std::str::from_utf8_unchecked(raw) }
                    } else {
                        std::str::from_utf8(raw).ok()?
                    };
                    self.i += 1;
                    return Some(Cow::Borrowed(text));
                }
                b'\\' => return self.escaped(start),
                0..=0x1f => return None, // a raw control character: invalid JSON
                _ => {
                    ascii &= c < 0x80;
                    self.i += 1;
                }
            }
        }
        None
    }

    fn escaped(&mut self, start: usize) -> Option<Cow<'a, str>> {
        let mut out = String::with_capacity(self.i - start + 16);
        let mut run = start;
        loop {
            let c = *self.b.get(self.i)?;
            match c {
                b'"' => {
                    out.push_str(std::str::from_utf8(&self.b[run..self.i]).ok()?);
                    self.i += 1;
                    return Some(Cow::Owned(out));
                }
                b'\\' => {
                    out.push_str(std::str::from_utf8(&self.b[run..self.i]).ok()?);
                    self.i += 1;
                    let e = *self.b.get(self.i)?;
                    self.i += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let high = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&high) {
                                if self.b.get(self.i..self.i + 2)? != b"\\u" {
                                    return None; // a lone surrogate: the Python path judges it
                                }
                                self.i += 2;
                                let low = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&low) {
                                    return None;
                                }
                                0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                            } else if (0xDC00..0xE000).contains(&high) {
                                return None;
                            } else {
                                high
                            };
                            out.push(char::from_u32(code)?);
                        }
                        _ => return None,
                    }
                    run = self.i;
                }
                0..=0x1f => return None,
                _ => self.i += 1,
            }
        }
    }

    fn string_or_null(&mut self) -> Option<Option<Cow<'a, str>>> {
        if self.peek()? == b'n' {
            self.literal(b"null")?;
            Some(None)
        } else {
            self.string().map(Some)
        }
    }

    fn boolean(&mut self) -> Option<bool> {
        match self.peek()? {
            b't' => self.literal(b"true").map(|_| true),
            b'f' => self.literal(b"false").map(|_| false),
            _ => None,
        }
    }

    /// A JSON integer (no fraction or exponent) within i64.
    fn integer(&mut self) -> Option<i64> {
        self.ws();
        let start = self.i;
        if self.b.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        let digits = self.i;
        while self.i < self.b.len() && self.b[self.i].is_ascii_digit() {
            self.i += 1;
        }
        let n = self.i - digits;
        if n == 0 || (n > 1 && self.b[digits] == b'0') || n > 18 {
            return None;
        }
        if matches!(self.b.get(self.i), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        std::str::from_utf8(&self.b[start..self.i]).ok()?.parse().ok()
    }

    /// `{"key": value, ...}` with `value` read by `each` (which refuses a repeated key); None on any other shape.
    fn object(&mut self, mut each: impl FnMut(&mut Self, Cow<'a, str>) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(());
        }
        loop {
            let key = self.string()?;
            self.eat(b':')?;
            each(self, key)?;
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }
}

fn days_in_month(y: i32, m: u8) -> u8 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date.
fn days_from_civil(y: i32, m: u8, d: u8) -> i64 {
    let y = i64::from(y) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DDTHH:MM:SS[.f{1,6}](Z|+00:00)`, a real date and time in years 1-9999.
fn instant(text: &str) -> Option<Instant> {
    let b = text.as_bytes();
    let num = |from: usize, len: usize| -> Option<u32> {
        let part = b.get(from..from + len)?;
        part.iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (y, mo, d) = (num(0, 4)? as i32, num(5, 2)? as u8, num(8, 2)? as u8);
    let (h, mi, s) = (num(11, 2)? as u8, num(14, 2)? as u8, num(17, 2)? as u8);
    if y == 0 || !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 59 {
        return None;
    }
    let mut i = 19;
    let mut us = 0u32;
    if b[i] == b'.' {
        let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 || digits > 6 {
            return None;
        }
        us = num(i + 1, digits)? * 10u32.pow((6 - digits) as u32);
        i += 1 + digits;
    }
    if &b[i..] != b"Z" && &b[i..] != b"+00:00" {
        return None;
    }
    let seconds = days_from_civil(y, mo, d) * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(s);
    Some(Instant { civil: (y, mo, d, h, mi, s, us), epoch_us: seconds * 1_000_000 + i64::from(us) })
}

struct Fields<'a> {
    schema_version: i64,
    event_id: Option<Cow<'a, str>>,
    org: Option<Cow<'a, str>>,
    timestamp: Option<Instant>,
    received_at: Option<Instant>,
    service: Option<Cow<'a, str>>,
    host: Option<Cow<'a, str>>,
    level: Option<usize>,
    message: Option<Cow<'a, str>>,
    dashboard: Option<Cow<'a, str>>,
    k8s: [Option<Cow<'a, str>>; 8],
    metadata: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    redacted: bool,
    truncated: bool,
}

const FIELDS: [&str; 14] = [
    "schema_version", "event_id", "org", "timestamp", "received_at", "service", "host", "level", "message",
    "dashboard", "k8s", "metadata", "redacted", "truncated",
];

fn chars_within(s: &str, low: usize, high: usize) -> bool {
    // byte length bounds the character count from above
    if s.len() <= high && s.len() >= low {
        return true;
    }
    let n = s.chars().count();
    n >= low && n <= high
}

fn parse(value: &[u8]) -> Option<Fields<'_>> {
    let mut r = Reader { b: value, i: 0 };
    let mut f = Fields {
        schema_version: 1, event_id: None, org: None, timestamp: None, received_at: None, service: None,
        host: None, level: None, message: None, dashboard: None, k8s: Default::default(), metadata: Vec::new(),
        redacted: false, truncated: false,
    };
    let mut seen = 0u32;
    r.object(|r, key| {
        // a field the contract does not know, or one given twice: the Python path judges the value
        let at = FIELDS.iter().position(|&name| name == key)?;
        if seen & (1 << at) != 0 {
            return None;
        }
        seen |= 1 << at;
        match at {
            0 => f.schema_version = r.integer().filter(|&n| n >= 1)?,
            1 => f.event_id = Some(r.string().filter(|s| chars_within(s, 1, 128))?),
            2 => f.org = Some(r.string().filter(|s| chars_within(s, 1, 128))?),
            3 => f.timestamp = Some(instant(&r.string()?)?),
            4 => f.received_at = Some(instant(&r.string()?)?),
            5 => f.service = Some(r.string().filter(|s| chars_within(s, 0, 256))?),
            6 => f.host = r.string_or_null()?,
            7 => {
                let level = r.string()?;
                f.level = Some(LEVELS.iter().position(|&l| l == level)?);
            }
            8 => f.message = Some(r.string()?),
            9 => f.dashboard = r.string_or_null()?,
            10 => {
                let mut k8s_seen = 0u32;
                r.object(|r, field| {
                    let at = K8S_FIELDS.iter().position(|&name| name == field)?;
                    if k8s_seen & (1 << at) != 0 {
                        return None;
                    }
                    k8s_seen |= 1 << at;
                    f.k8s[at] = r.string_or_null()?;
                    Some(())
                })?
            }
            11 => r.object(|r, name| {
                if f.metadata.iter().any(|(k, _)| *k == name) {
                    return None;
                }
                let value = r.string()?;
                f.metadata.push((name, value));
                Some(())
            })?,
            12 => f.redacted = r.boolean()?,
            _ => f.truncated = r.boolean()?,
        }
        Some(())
    })?;
    r.ws();
    if r.i != value.len() || f.event_id.is_none() || f.org.is_none() || f.message.is_none() {
        return None;
    }
    f.timestamp?;
    f.received_at?;
    Some(f)
}

/// Interns the strings a poll repeats (org, service, level, k8s fields, metadata): one Python object each.
struct Strings<'py> {
    py: Python<'py>,
    seen: HashMap<String, Py<PyString>>,
}

impl<'py> Strings<'py> {
    fn get(&mut self, s: &str) -> Py<PyString> {
        if let Some(obj) = self.seen.get(s) {
            return obj.clone_ref(self.py);
        }
        let obj = PyString::new(self.py, s).unbind();
        if self.seen.len() < 4096 {
            self.seen.insert(s.to_owned(), obj.clone_ref(self.py));
        }
        obj
    }
}

/// One `NativeK8s` per distinct k8s reference of a poll (a pod's records share it: it is frozen), keyed by the
/// addresses of its interned field strings. An address stands for one string: every string in a key is held
/// by the value stored under it, so none is freed and its address reused while the table lives.
struct K8sRefs {
    seen: HashMap<[usize; 8], Py<NativeK8s>>,
}

impl K8sRefs {
    fn get(&mut self, py: Python<'_>, fields: [Option<Py<PyString>>; 8]) -> PyResult<Py<NativeK8s>> {
        let key = fields.each_ref().map(|f| f.as_ref().map_or(0, |s| s.as_ptr() as usize));
        if let Some(k8s) = self.seen.get(&key) {
            return Ok(k8s.clone_ref(py));
        }
        let [cluster, namespace, pod, container, node, service, kind, name] = fields;
        let k8s = Py::new(py, NativeK8s { cluster, namespace, pod, container, node, service, kind, name })?;
        if self.seen.len() < 4096 {
            self.seen.insert(key, k8s.clone_ref(py));
        }
        Ok(k8s)
    }
}

fn build(py: Python<'_>, f: Fields, strings: &mut Strings<'_>, k8s_refs: &mut K8sRefs) -> PyResult<NativeRecord> {
    let unique = |s: Option<Cow<'_, str>>| PyString::new(py, s.as_deref().unwrap_or_default()).unbind();
    let k8s = k8s_refs.get(py, f.k8s.map(|v| v.map(|s| strings.get(&s))))?;
    let metadata = f.metadata.iter().map(|(key, value)| (strings.get(key), strings.get(value))).collect();
    Ok(NativeRecord {
        schema_version: f.schema_version,
        event_id: unique(f.event_id),
        org: strings.get(f.org.as_deref().unwrap_or_default()),
        service: strings.get(f.service.as_deref().unwrap_or("unknown")),
        host: f.host.map(|s| strings.get(&s)),
        level: strings.get(LEVELS[f.level.unwrap_or(2)]),
        message: unique(f.message),
        dashboard: f.dashboard.map(|s| strings.get(&s)),
        k8s,
        metadata,
        redacted: f.redacted,
        truncated: f.truncated,
        ts: f.timestamp.expect("checked in parse"),
        received: f.received_at.expect("checked in parse"),
    })
}

/// Per value its `NativeRecord`, or None where the value is not the plain spelling this reads; and how
/// many are None. With `delivery` (a tuple type and an index), `values` are tuples of exactly that type
/// holding the value at that index (the runtime's deliveries), so no list of values is built in Python
/// first; any other item raises `TypeError`.
#[pyfunction]
#[pyo3(signature = (values, delivery=None))]
pub fn decode_records<'py>(
    py: Python<'py>,
    values: Bound<'py, PyList>,
    delivery: Option<(Bound<'py, PyType>, usize)>,
) -> PyResult<(Bound<'py, PyList>, usize)> {
    let mut strings = Strings { py, seen: HashMap::new() };
    let mut k8s_refs = K8sRefs { seen: HashMap::new() };
    let mut out: Vec<PyObject> = Vec::with_capacity(values.len());
    let mut missed = 0;
    for item in values.iter() {
        let value = match &delivery {
            Some((ty, index)) if item.get_type().is(ty) => {
                item.downcast::<PyTuple>()?.get_item(*index)?.downcast_into::<PyBytes>()?
            }
            Some(_) => return Err(PyTypeError::new_err("not a delivery of the given type")),
            None => item.downcast_into::<PyBytes>()?,
        };
        match parse(value.as_bytes()) {
            Some(fields) => out.push(Py::new(py, build(py, fields, &mut strings, &mut k8s_refs)?)?.into_any()),
            None => {
                missed += 1;
                out.push(py.None());
            }
        }
    }
    Ok((PyList::new(py, out)?, missed))
}

/// The `logs` columns of a batch of `NativeRecord`s, in `LOG_COLUMNS` order, with `template_ids`.
#[pyfunction]
pub fn log_columns<'py>(
    py: Python<'py>,
    records: Vec<Bound<'py, NativeRecord>>,
    template_ids: Bound<'py, PyList>,
) -> PyResult<Vec<Bound<'py, PyList>>> {
    let empty = PyString::new(py, "");
    // the column lives only for the insert, which reads it: records without metadata share one empty dict
    let no_metadata = PyDict::new(py).into_any().unbind();
    let or_empty = |v: &Option<Py<PyString>>| v.as_ref().map_or_else(|| empty.clone().into_any(), |s| s.bind(py).clone().into_any());
    let mut columns: Vec<Vec<PyObject>> = (0..17).map(|_| Vec::with_capacity(records.len())).collect();
    for record in &records {
        let r = record.get();
        let k = r.k8s.get();
        let row: [PyObject; 17] = [
            r.org.clone_ref(py).into_any(),
            r.service.clone_ref(py).into_any(),
            r.ts.epoch_us.div_euclid(1000).into_pyobject(py)?.into_any().unbind(),
            r.event_id.clone_ref(py).into_any(),
            r.received.epoch_us.div_euclid(1000).into_pyobject(py)?.into_any().unbind(),
            r.level.clone_ref(py).into_any(),
            py.None(), // template id, below
            r.message.clone_ref(py).into_any(),
            or_empty(&r.host).unbind(),
            or_empty(&k.namespace).unbind(),
            or_empty(&k.pod).unbind(),
            or_empty(&k.container).unbind(),
            or_empty(&k.node).unbind(),
            or_empty(&k.service).unbind(),
            if r.metadata.is_empty() { no_metadata.clone_ref(py) } else { metadata_dict(py, &r.metadata)?.into_any().unbind() },
            pyo3::types::PyBool::new(py, r.redacted).to_owned().into_any().unbind(),
            pyo3::types::PyBool::new(py, r.truncated).to_owned().into_any().unbind(),
        ];
        for (column, value) in columns.iter_mut().zip(row) {
            column.push(value);
        }
    }
    columns[6] = template_ids.iter().map(|t| t.unbind()).collect();
    columns.into_iter().map(|c| PyList::new(py, c)).collect()
}

/// What the anomaly windows need of a poll of `NativeRecord`s, counted in one pass (the detector's
/// `_observe_at_once`): the event times' lowest and highest millisecond ticks; per stream (org, service),
/// in the order of their first records, `(org, service, records, error records, the first `kept` error
/// records' indexes, the index of its last record with a k8s namespace, pod or service, or -1)`; per
/// stream and template, in the order of their first records, `(stream's position, template id, records,
/// the first max(kept, 1) records' indexes)`. None when a record is not a `NativeRecord` or a template id
/// not a `str` (the detector's record-by-record loop takes the poll).
#[pyfunction]
#[allow(clippy::type_complexity)]
pub fn poll_streams<'py>(
    py: Python<'py>,
    records: Bound<'py, PyList>,
    template_ids: Bound<'py, PyList>,
    error_levels: Vec<String>,
    kept: usize,
) -> PyResult<Option<(i64, i64, Bound<'py, PyList>, Bound<'py, PyList>)>> {
    if records.len() != template_ids.len() {
        return Err(PyValueError::new_err(format!(
            "{} records but {} template ids", records.len(), template_ids.len()
        )));
    }
    let mut held: Vec<Bound<'py, NativeRecord>> = Vec::with_capacity(records.len());
    let mut ids: Vec<Bound<'py, PyString>> = Vec::with_capacity(records.len());
    for (record, template_id) in records.iter().zip(template_ids.iter()) {
        let (Ok(record), Ok(template_id)) = (record.downcast_into::<NativeRecord>(), template_id.downcast_into::<PyString>())
        else {
            return Ok(None);
        };
        held.push(record);
        ids.push(template_id);
    }
    struct Stream {
        first: usize,
        records: usize,
        errors: usize,
        error_at: Vec<usize>,
        k8s_at: i64,
    }
    struct Group {
        stream: usize,
        first: usize,
        records: usize,
        at: Vec<usize>,
    }
    let sampled = kept.max(1);
    let (mut low, mut high) = (i64::MAX, i64::MIN);
    let mut stream_of: HashMap<(&str, &str), usize> = HashMap::new();
    let mut streams: Vec<Stream> = Vec::new();
    let mut group_of: HashMap<(usize, &str), usize> = HashMap::new();
    let mut groups: Vec<Group> = Vec::new();
    let records_ref: Vec<&NativeRecord> = held.iter().map(|r| r.get()).collect();
    let is_set = |s: &Option<Py<PyString>>| -> PyResult<bool> {
        Ok(match s {
            Some(s) => s.bind(py).len()? > 0,
            None => false,
        })
    };
    for (at, (r, template_id)) in records_ref.iter().zip(&ids).enumerate() {
        let tick = r.ts.epoch_us.div_euclid(1000);
        low = low.min(tick);
        high = high.max(tick);
        let key = (r.org.bind(py).to_str()?, r.service.bind(py).to_str()?);
        let s = *stream_of.entry(key).or_insert_with(|| {
            streams.push(Stream { first: at, records: 0, errors: 0, error_at: Vec::new(), k8s_at: -1 });
            streams.len() - 1
        });
        let stream = &mut streams[s];
        stream.records += 1;
        let level = r.level.bind(py).to_str()?;
        if error_levels.iter().any(|e| e == level) {
            stream.errors += 1;
            if stream.error_at.len() < kept {
                stream.error_at.push(at);
            }
        }
        let k8s = r.k8s.get();
        if is_set(&k8s.namespace)? || is_set(&k8s.pod)? || is_set(&k8s.service)? {
            stream.k8s_at = at as i64;
        }
        let g = *group_of.entry((s, template_id.to_str()?)).or_insert_with(|| {
            groups.push(Group { stream: s, first: at, records: 0, at: Vec::new() });
            groups.len() - 1
        });
        let group = &mut groups[g];
        group.records += 1;
        if group.at.len() < sampled {
            group.at.push(at);
        }
    }
    let stream_list = PyList::empty(py);
    for s in &streams {
        let first = records_ref[s.first];
        stream_list.append((
            first.org.clone_ref(py), first.service.clone_ref(py), s.records, s.errors, s.error_at.clone(), s.k8s_at,
        ))?;
    }
    let group_list = PyList::empty(py);
    for g in &groups {
        group_list.append((g.stream, ids[g.first].clone(), g.records, g.at.clone()))?;
    }
    Ok(Some((low, high, stream_list, group_list)))
}
