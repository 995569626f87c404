//! Native unpacking of one fetched Kafka v2 record batch into the runtime's `Delivery` tuples.
//!
//! `logmesh_runtime.kafka._DeliveryRecords` calls `unpack_batch` once per batch of a fetched
//! partition's bytes. It answers for the common case only (magic 2, a codec the caller gave a
//! decoder for, well-formed records, UTF-8 header names) and otherwise says "fall back", and the
//! caller hands the rest of the bytes to aiokafka's own parser: aiokafka stays the reference, and the
//! differential tests (services/common/tests/test_fetch_deliveries.py) hold the two equal.
//! Decompression stays with the decoders the caller passes (aiokafka's, i.e. cramjam and zlib), so
//! no codec crates are built here; what moves to Rust is the CRC-32C, the varint walk and the tuples.
//!
//! The produce side: `write_batches` writes one partition's messages of a publish as complete v2 record
//! batches (what aiokafka's `DefaultRecordBatchBuilder` builds from the same records, byte for byte:
//! services/common/tests/test_produce_batches.py), split where aiokafka's builder would be full, each
//! records section compressed by the codec function the caller passes (aiokafka's own). `with_producer_state`
//! stamps an idempotent producer's id, epoch and base sequence into a written batch and re-computes its CRC.

use pyo3::exceptions::PyValueError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple, PyType};

/// What `unpack_batch` found at `pos`.
const DATA: u8 = 0; // deliveries (possibly none, e.g. all below `start`)
const CONTROL: u8 = 1; // a control batch: no deliveries, the position moves past it
const FALL_BACK: u8 = 2; // not for this parser: let aiokafka unpack from here on
const CORRUPT: u8 = 3; // CRC-32C mismatch

const LOG_OVERHEAD: usize = 12; // base offset + batch length
const HEADER_SIZE: usize = 61; // v2 batch header up to the first record
const CRC_START: usize = 21; // the checksum covers attributes .. end

fn be_i64(b: &[u8], at: usize) -> i64 {
    i64::from_be_bytes(b[at..at + 8].try_into().unwrap())
}
fn be_i32(b: &[u8], at: usize) -> i32 {
    i32::from_be_bytes(b[at..at + 4].try_into().unwrap())
}
fn be_u32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(b[at..at + 4].try_into().unwrap())
}
fn be_i16(b: &[u8], at: usize) -> i16 {
    i16::from_be_bytes(b[at..at + 2].try_into().unwrap())
}

// ------------------------------------------------------------------------------------------ CRC-32C

const CRC32C_POLY: u32 = 0x82F6_3B78; // Castagnoli, reflected

const fn crc_tables() -> [[u32; 256]; 8] {
    let mut tables = [[0u32; 256]; 8];
    let mut n = 0;
    while n < 256 {
        let mut crc = n as u32;
        let mut k = 0;
        while k < 8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ CRC32C_POLY } else { crc >> 1 };
            k += 1;
        }
        tables[0][n] = crc;
        n += 1;
    }
    let mut t = 1;
    while t < 8 {
        let mut n = 0;
        while n < 256 {
            let prev = tables[t - 1][n];
            tables[t][n] = (prev >> 8) ^ tables[0][(prev & 0xFF) as usize];
            n += 1;
        }
        t += 1;
    }
    tables
}

static CRC_TABLES: [[u32; 256]; 8] = crc_tables();

fn crc32c_portable(data: &[u8]) -> u32 {
    let t = &CRC_TABLES;
    let mut crc = !0u32;
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let lo = u32::from_le_bytes([c[0], c[1], c[2], c[3]]) ^ crc;
        crc = t[7][(lo & 0xFF) as usize]
            ^ t[6][((lo >> 8) & 0xFF) as usize]
            ^ t[5][((lo >> 16) & 0xFF) as usize]
            ^ t[4][(lo >> 24) as usize]
            ^ t[3][c[4] as usize]
            ^ t[2][c[5] as usize]
            ^ t[1][c[6] as usize]
            ^ t[0][c[7] as usize];
    }
    for &b in chunks.remainder() {
        crc = (crc >> 8) ^ t[0][((crc ^ b as u32) & 0xFF) as usize];
    }
    !crc
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse4.2")]
unsafe fn crc32c_sse42(data: &[u8]) -> u32 {
    use std::arch::x86_64::{_mm_crc32_u64, _mm_crc32_u8};
    let mut crc = !0u64;
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        crc = _mm_crc32_u64(crc, u64::from_le_bytes(c.try_into().unwrap()));
    }
    let mut crc = crc as u32;
    for &b in chunks.remainder() {
        crc = _mm_crc32_u8(crc, b);
    }
    !crc
}

fn crc32c(data: &[u8]) -> u32 {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("sse4.2") {
            return unsafe { crc32c_sse42(data) };
        }
    }
    crc32c_portable(data)
}

/// CRC-32C of `data`, for tests against aiokafka's own.
#[pyfunction]
fn crc32c_of(data: &[u8]) -> u32 {
    crc32c(data)
}

// ------------------------------------------------------------------------------------------ records

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn varint(&mut self) -> Option<i64> {
        let mut result: u64 = 0;
        let mut shift = 0;
        loop {
            let b = *self.buf.get(self.pos)?;
            self.pos += 1;
            result |= ((b & 0x7F) as u64) << shift;
            if b & 0x80 == 0 {
                return Some(((result >> 1) as i64) ^ -((result & 1) as i64)); // zigzag
            }
            shift += 7;
            if shift > 63 {
                return None;
            }
        }
    }
    fn byte(&mut self) -> Option<u8> {
        let b = *self.buf.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }
    /// `len` bytes, or None for a negative length (a null), or Err for a truncated/bad length.
    fn bytes(&mut self, len: i64) -> Result<Option<&'a [u8]>, ()> {
        if len < 0 {
            return if len == -1 { Ok(None) } else { Err(()) };
        }
        let end = self.pos.checked_add(len as usize).ok_or(())?;
        let out = self.buf.get(self.pos..end).ok_or(())?;
        self.pos = end;
        Ok(Some(out))
    }
}

/// `tuple.__new__(delivery, fields)` without the Python call: the namedtuple has no other state.
fn new_delivery(py: Python<'_>, ty: &Bound<'_, PyType>, fields: [PyObject; 7]) -> PyResult<PyObject> {
    unsafe {
        let raw = ffi::PyType_GenericAlloc(ty.as_type_ptr(), 7);
        if raw.is_null() {
            return Err(PyErr::fetch(py));
        }
        let obj = PyObject::from_owned_ptr(py, raw);
        for (i, field) in fields.into_iter().enumerate() {
            if ffi::PyTuple_SetItem(raw, i as ffi::Py_ssize_t, field.into_ptr()) != 0 {
                return Err(PyErr::fetch(py));
            }
        }
        Ok(obj)
    }
}

/// A record's headers (already validated) as aiokafka's `[(name, value)]`; None for a non-UTF-8 name.
fn header_pairs<'py>(py: Python<'py>, raw: &[u8]) -> PyResult<Option<Bound<'py, PyList>>> {
    let mut h = Reader { buf: raw, pos: 0 };
    let n = h.varint().unwrap_or(0);
    let pairs = PyList::empty(py);
    for _ in 0..n {
        let kl = h.varint().unwrap_or(-1);
        let Ok(Some(k)) = h.bytes(kl) else { return Ok(None) };
        let Ok(name) = std::str::from_utf8(k) else { return Ok(None) };
        let vl = h.varint().unwrap_or(-2);
        let Ok(v) = h.bytes(vl) else { return Ok(None) };
        let value: PyObject = match v {
            Some(v) => PyBytes::new(py, v).into_any().unbind(),
            None => py.None(),
        };
        pairs.append(PyTuple::new(py, [PyString::new(py, name).into_any().unbind(), value])?)?;
    }
    Ok(Some(pairs))
}

enum Outcome {
    Done,
    FallBack,
}

#[allow(clippy::too_many_arguments)]
fn unpack_records(
    py: Python<'_>,
    records: &[u8],
    count: i32,
    base_offset: i64,
    base_timestamp: i64,
    append_time: Option<i64>,
    start: i64,
    topic: &PyObject,
    partition: &PyObject,
    delivery: &Bound<'_, PyType>,
    headers_of: &Bound<'_, PyAny>,
    no_headers: &PyObject,
    out: &Bound<'_, PyList>,
) -> PyResult<Outcome> {
    let mut r = Reader { buf: records, pos: 0 };
    let mut last_raw: Option<&[u8]> = None;
    let mut last_headers: PyObject = no_headers.clone_ref(py);
    let empty = PyBytes::new(py, b"").into_any().unbind();
    for _ in 0..count {
        macro_rules! need {
            ($e:expr) => {
                match $e {
                    Some(v) => v,
                    None => return Ok(Outcome::FallBack),
                }
            };
        }
        let length = need!(r.varint());
        if length < 0 {
            return Ok(Outcome::FallBack);
        }
        let record_end = need!(r.pos.checked_add(length as usize));
        if record_end > records.len() {
            return Ok(Outcome::FallBack);
        }
        need!(r.byte()); // record attributes: unused
        let ts_delta = need!(r.varint());
        let offset_delta = need!(r.varint());
        let key_len = need!(r.varint());
        let Ok(key) = r.bytes(key_len) else { return Ok(Outcome::FallBack) };
        let value_len = need!(r.varint());
        let Ok(value) = r.bytes(value_len) else { return Ok(Outcome::FallBack) };
        let headers_start = r.pos;
        let header_count = need!(r.varint());
        if header_count < 0 {
            return Ok(Outcome::FallBack);
        }
        for _ in 0..header_count {
            let k = need!(r.varint());
            if k < 0 || r.bytes(k).is_err() {
                return Ok(Outcome::FallBack);
            }
            let v = need!(r.varint());
            if r.bytes(v).is_err() {
                return Ok(Outcome::FallBack);
            }
        }
        if r.pos != record_end {
            return Ok(Outcome::FallBack);
        }
        let offset = base_offset + offset_delta;
        if offset < start {
            continue;
        }
        let raw_headers = &records[headers_start..r.pos];
        if last_raw != Some(raw_headers) {
            last_headers = if header_count == 0 {
                no_headers.clone_ref(py)
            } else {
                match header_pairs(py, raw_headers)? {
                    Some(pairs) => headers_of.call1((pairs,))?.unbind(),
                    None => return Ok(Outcome::FallBack),
                }
            };
            last_raw = Some(raw_headers);
        }
        let timestamp = append_time.unwrap_or(base_timestamp + ts_delta);
        let key_obj: PyObject = match key {
            Some(k) => PyBytes::new(py, k).into_any().unbind(),
            None => py.None(),
        };
        let value_obj: PyObject = match value {
            Some(v) if !v.is_empty() => PyBytes::new(py, v).into_any().unbind(),
            _ => empty.clone_ref(py),
        };
        let fields = [
            topic.clone_ref(py),
            partition.clone_ref(py),
            offset.into_pyobject(py)?.into_any().unbind(),
            key_obj,
            timestamp.into_pyobject(py)?.into_any().unbind(),
            last_headers.clone_ref(py),
            value_obj,
        ];
        out.append(new_delivery(py, delivery, fields)?)?;
    }
    if r.pos != records.len() {
        return Ok(Outcome::FallBack);
    }
    Ok(Outcome::Done)
}

/// Unpack the record batch at `pos` of `buffer` (a fetched partition's bytes).
///
/// Returns None when no whole batch is left there (aiokafka's `has_next()` is false), otherwise
/// `(kind, deliveries, next_offset, next_pos)`: kind 0 data (`deliveries` those at or above `start`),
/// 1 a control batch, 2 fall back to aiokafka's parser from `pos` on, 3 a CRC-32C mismatch.
/// `decoders[codec]` decompresses a batch's records (codec 1 gzip .. 4 zstd); None: fall back.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn unpack_batch<'py>(
    py: Python<'py>,
    buffer: &Bound<'py, PyBytes>,
    pos: usize,
    start: i64,
    check_crcs: bool,
    topic: PyObject,
    partition: PyObject,
    delivery: &Bound<'py, PyType>,
    decoders: &Bound<'py, PyTuple>,
    headers_of: &Bound<'py, PyAny>,
    no_headers: PyObject,
) -> PyResult<Option<(u8, Bound<'py, PyList>, i64, usize)>> {
    let buf = buffer.as_bytes();
    let out = PyList::empty(py);
    if buf.len() < pos || buf.len() - pos < LOG_OVERHEAD {
        return Ok(None);
    }
    let b = &buf[pos..];
    let batch_length = be_i32(b, 8);
    if batch_length < 0 {
        return Ok(Some((FALL_BACK, out, 0, pos)));
    }
    let size = LOG_OVERHEAD + batch_length as usize;
    if b.len() < size {
        return Ok(None);
    }
    let b = &b[..size];
    if size < HEADER_SIZE || b[16] != 2 {
        return Ok(Some((FALL_BACK, out, 0, pos)));
    }
    let base_offset = be_i64(b, 0);
    let attributes = be_i16(b, 21);
    let last_offset_delta = be_i32(b, 23);
    let next_offset = base_offset + last_offset_delta as i64 + 1;
    let next_pos = pos + size;
    if check_crcs && crc32c(&b[CRC_START..]) != be_u32(b, 17) {
        return Ok(Some((CORRUPT, out, next_offset, next_pos)));
    }
    if attributes & 0x20 != 0 {
        return Ok(Some((CONTROL, out, next_offset, next_pos)));
    }
    let base_timestamp = be_i64(b, 27);
    let append_time = if attributes & 0x08 != 0 { Some(be_i64(b, 35)) } else { None };
    let count = be_i32(b, 57);
    let codec = (attributes & 0x07) as usize;
    let decompressed;
    let records: &[u8] = if codec == 0 {
        &b[HEADER_SIZE..]
    } else {
        let Ok(decoder) = decoders.get_item(codec) else { return Ok(Some((FALL_BACK, out, 0, pos))) };
        if decoder.is_none() {
            return Ok(Some((FALL_BACK, out, 0, pos)));
        }
        decompressed = decoder.call1((PyBytes::new(py, &b[HEADER_SIZE..]),))?.downcast_into::<PyBytes>()
            .map_err(|_| PyValueError::new_err("a decoder must return bytes"))?;
        decompressed.as_bytes()
    };
    match unpack_records(
        py, records, count, base_offset, base_timestamp, append_time, start, &topic, &partition, delivery,
        headers_of, &no_headers, &out,
    )? {
        Outcome::Done => Ok(Some((DATA, out, next_offset, next_pos))),
        Outcome::FallBack => Ok(Some((FALL_BACK, PyList::empty(py), 0, pos))),
    }
}

// ------------------------------------------------------------------------------------------ writing

const CRC_AT: usize = 17;
const PRODUCER_ID_AT: usize = 43;
const PRODUCER_EPOCH_AT: usize = 51;
const BASE_SEQUENCE_AT: usize = 53;

fn zigzag(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

fn put_varint(out: &mut Vec<u8>, value: i64) {
    let mut v = zigzag(value);
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn varint_len(value: i64) -> usize {
    let mut v = zigzag(value);
    let mut n = 1;
    while v >= 0x80 {
        v >>= 7;
        n += 1;
    }
    n
}

/// A key, value or header value: bytes, or None (written as length -1).
fn optional_bytes<'a>(obj: &'a Bound<'_, PyAny>, what: &str) -> PyResult<Option<&'a [u8]>> {
    if obj.is_none() {
        return Ok(None);
    }
    match obj.downcast::<PyBytes>() {
        Ok(b) => Ok(Some(b.as_bytes())),
        Err(_) => Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "{what} must be bytes or None, not {}",
            obj.get_type().name()?
        ))),
    }
}

fn put_optional(out: &mut Vec<u8>, data: Option<&[u8]>) {
    match data {
        Some(d) => {
            put_varint(out, d.len() as i64);
            out.extend_from_slice(d);
        }
        None => put_varint(out, -1),
    }
}

fn optional_len(data: Option<&[u8]>) -> usize {
    match data {
        Some(d) => varint_len(d.len() as i64) + d.len(),
        None => 1,
    }
}

/// The batch header (base offset 0, no leader epoch, no producer state) and its CRC, over `batch`, whose first
/// `HEADER_SIZE` bytes are reserved and whose records section (compressed or not) follows.
fn finish_header(batch: &mut [u8], attributes: i16, count: i32, timestamp_ms: i64) {
    let length = (batch.len() - LOG_OVERHEAD) as i32;
    batch[0..8].copy_from_slice(&0i64.to_be_bytes());
    batch[8..12].copy_from_slice(&length.to_be_bytes());
    batch[12..16].copy_from_slice(&(-1i32).to_be_bytes()); // partition leader epoch: the broker's
    batch[16] = 2; // magic
    batch[21..23].copy_from_slice(&attributes.to_be_bytes());
    batch[23..27].copy_from_slice(&(count - 1).to_be_bytes()); // last offset delta
    batch[27..35].copy_from_slice(&timestamp_ms.to_be_bytes()); // first timestamp
    batch[35..43].copy_from_slice(&timestamp_ms.to_be_bytes()); // max timestamp
    batch[57..61].copy_from_slice(&count.to_be_bytes());
    stamp_producer_state(batch, -1, -1, 0);
}

/// Producer id, epoch and base sequence into a batch's header, then its CRC (they lie inside the checksummed part).
fn stamp_producer_state(batch: &mut [u8], producer_id: i64, producer_epoch: i16, base_sequence: i32) {
    batch[PRODUCER_ID_AT..PRODUCER_ID_AT + 8].copy_from_slice(&producer_id.to_be_bytes());
    batch[PRODUCER_EPOCH_AT..PRODUCER_EPOCH_AT + 2].copy_from_slice(&producer_epoch.to_be_bytes());
    batch[BASE_SEQUENCE_AT..BASE_SEQUENCE_AT + 4].copy_from_slice(&base_sequence.to_be_bytes());
    let crc = crc32c(&batch[CRC_START..]);
    batch[CRC_AT..CRC_AT + 4].copy_from_slice(&crc.to_be_bytes());
}

/// The headers section every record of a publish carries (`[(name, value)]`, value bytes or None): written once.
fn headers_section(headers: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    let mut pairs = Vec::new();
    let mut count = 0i64;
    for pair in headers.try_iter()? {
        let pair = pair?;
        let (name, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = pair.extract()?;
        let name = name.downcast::<PyString>()?.to_str()?;
        put_varint(&mut pairs, name.len() as i64);
        pairs.extend_from_slice(name.as_bytes());
        put_optional(&mut pairs, optional_bytes(&value, "a header value")?);
        count += 1;
    }
    let mut section = Vec::with_capacity(pairs.len() + 2);
    put_varint(&mut section, count);
    section.extend_from_slice(&pairs);
    Ok(section)
}

struct Writer<'a, 'py> {
    py: Python<'py>,
    headers: &'a [u8],
    timestamp_ms: i64,
    batch_size: usize,
    codec: i16,
    compress: Option<&'a Bound<'py, PyAny>>,
}

/// Writes into a buffer whose exact size was computed beforehand (`Writer::write`'s first pass).
struct Cursor<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn varint(&mut self, value: i64) {
        let mut v = zigzag(value);
        while v >= 0x80 {
            self.buf[self.pos] = (v as u8) | 0x80;
            self.pos += 1;
            v >>= 7;
        }
        self.buf[self.pos] = v as u8;
        self.pos += 1;
    }
    fn bytes(&mut self, data: &[u8]) {
        self.buf[self.pos..self.pos + data.len()].copy_from_slice(data);
        self.pos += data.len();
    }
    fn optional(&mut self, data: Option<&[u8]>) {
        match data {
            Some(d) => {
                self.varint(d.len() as i64);
                self.bytes(d);
            }
            None => self.varint(-1),
        }
    }
}

type Record<'r> = (Option<&'r [u8]>, Option<&'r [u8]>);

impl<'py> Writer<'_, 'py> {
    /// A record's length field: attributes, timestamp delta (0: one timestamp per publish), its offset delta in
    /// its batch, key, value, the shared headers.
    fn body_len(&self, (key, value): &Record<'_>, offset_delta: i64) -> usize {
        1 + 1 + varint_len(offset_delta) + optional_len(*key) + optional_len(*value) + self.headers.len()
    }

    /// One partition's records as v2 batches of at most `batch_size` bytes before compression (a batch holds at
    /// least one record), appended to `out` as `(bytes, record count)`. First the batches' bounds and exact sizes,
    /// then each batch written straight into the Python bytes it ends up in (no intermediate buffer to copy).
    fn write(&self, records: &[Record<'_>], out: &Bound<'py, PyList>) -> PyResult<()> {
        let mut bounds: Vec<(usize, usize, usize)> = Vec::new(); // first record, end, records section's size
        let (mut first, mut size) = (0usize, HEADER_SIZE);
        for (index, record) in records.iter().enumerate() {
            let count = index - first;
            let body = self.body_len(record, count as i64);
            let required = body + varint_len(body as i64);
            // full as aiokafka's (Cython) builder, the one it uses, decides: when the record would reach the limit
            // (its pure-Python fallback builder lets a record end exactly at it)
            if count > 0 && required + size >= self.batch_size {
                bounds.push((first, index, size - HEADER_SIZE));
                first = index;
                let body = self.body_len(record, 0);
                size = HEADER_SIZE + body + varint_len(body as i64);
            } else {
                size += required;
            }
        }
        if first < records.len() {
            bounds.push((first, records.len(), size - HEADER_SIZE));
        }
        for (first, end, section_size) in bounds {
            let batch = &records[first..end];
            let count = (end - first) as i32;
            let written = match self.compress {
                None => PyBytes::new_with(self.py, HEADER_SIZE + section_size, |buf: &mut [u8]| {
                    self.write_section(batch, &mut buf[HEADER_SIZE..])?;
                    finish_header(buf, 0, count, self.timestamp_ms);
                    Ok(())
                })?,
                Some(compress) => {
                    // compressed always, as aiokafka's Cython builder does (its pure-Python builder would send a
                    // section that did not shrink as it is)
                    let section = PyBytes::new_with(self.py, section_size, |buf: &mut [u8]| self.write_section(batch, buf))?;
                    let compressed = compress.call1((section,))?;
                    let compressed = compressed
                        .downcast::<PyBytes>()
                        .map_err(|_| PyValueError::new_err("a compressor must return bytes"))?
                        .as_bytes();
                    PyBytes::new_with(self.py, HEADER_SIZE + compressed.len(), |buf: &mut [u8]| {
                        buf[HEADER_SIZE..].copy_from_slice(compressed);
                        finish_header(buf, self.codec, count, self.timestamp_ms);
                        Ok(())
                    })?
                }
            };
            out.append(PyTuple::new(self.py, [written.into_any(), count.into_pyobject(self.py)?.into_any()])?)?;
        }
        Ok(())
    }

    fn write_section(&self, records: &[Record<'_>], buf: &mut [u8]) -> PyResult<()> {
        let mut cursor = Cursor { buf, pos: 0 };
        for (offset_delta, record) in records.iter().enumerate() {
            cursor.varint(self.body_len(record, offset_delta as i64) as i64);
            cursor.bytes(&[0, 0]); // record attributes, timestamp delta 0
            cursor.varint(offset_delta as i64);
            cursor.optional(record.0);
            cursor.optional(record.1);
            cursor.bytes(self.headers);
        }
        if cursor.pos != cursor.buf.len() {
            return Err(PyValueError::new_err("record batch size mis-computed"));
        }
        Ok(())
    }
}

fn key_value<'py>(item: Bound<'py, PyAny>, what: &str) -> PyResult<Bound<'py, PyTuple>> {
    match item.downcast_into::<PyTuple>() {
        Ok(pair) if pair.len() == 2 => Ok(pair),
        _ => Err(pyo3::exceptions::PyTypeError::new_err(format!("{what} must be (key, value) tuples"))),
    }
}

fn writer_codec(codec: i16, compress: &Option<Bound<'_, PyAny>>) -> PyResult<()> {
    if !(0..=4).contains(&codec) || (codec == 0) != compress.is_none() {
        return Err(PyValueError::new_err("codec must be 0 without a compressor, or 1..4 with one"));
    }
    Ok(())
}

/// Write `messages` (a list of `(key, value)`, each bytes or None) of one partition as v2 record batches of at
/// most `batch_size` bytes before compression (a batch holds at least one record), every record stamped
/// `timestamp_ms` and carrying `headers` (`[(name, value)]`, value bytes or None). Returns `[(batch, count)]`
/// in order. `codec` is the attributes' compression id and `compress` its function (None for no compression).
#[pyfunction]
#[pyo3(signature = (messages, headers, timestamp_ms, batch_size, codec, compress))]
fn write_batches<'py>(
    py: Python<'py>,
    messages: &Bound<'py, PyList>,
    headers: &Bound<'py, PyAny>,
    timestamp_ms: i64,
    batch_size: usize,
    codec: i16,
    compress: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyList>> {
    writer_codec(codec, &compress)?;
    let headers = headers_section(headers)?;
    let mut pairs: Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>)> = Vec::with_capacity(messages.len());
    for item in messages.iter() {
        let item = key_value(item, "messages")?;
        pairs.push((item.get_item(0)?, item.get_item(1)?));
    }
    let mut records = Vec::with_capacity(pairs.len());
    for (key, value) in &pairs {
        records.push((optional_bytes(key, "a key")?, optional_bytes(value, "a value")?));
    }
    let out = PyList::empty(py);
    let writer = Writer { py, headers: &headers, timestamp_ms, batch_size, codec, compress: compress.as_ref() };
    writer.write(&records, &out)?;
    Ok(out)
}

/// A whole publish in one call: `items` (a list of `(key, value)`) placed by key and written as each partition's
/// v2 record batches (as `write_batches` writes them). `place(key)` answers `(key_bytes, partition)` for a key not
/// seen yet in this call (keys are placed once per call, as a dict's keys: equal keys share a place); `encode(value)`
/// turns a value that is not bytes (a contract model) into bytes. Returns `[(partition, [(batch, count)])]`,
/// partitions in the order their first record came, records in publish order within each.
#[pyfunction]
#[pyo3(signature = (items, place, encode, headers, timestamp_ms, batch_size, codec, compress))]
#[allow(clippy::too_many_arguments)]
fn write_publish<'py>(
    py: Python<'py>,
    items: &Bound<'py, PyList>,
    place: &Bound<'py, PyAny>,
    encode: &Bound<'py, PyAny>,
    headers: &Bound<'py, PyAny>,
    timestamp_ms: i64,
    batch_size: usize,
    codec: i16,
    compress: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyList>> {
    writer_codec(codec, &compress)?;
    let headers = headers_section(headers)?;
    let placed = PyDict::new(py); // key -> index into `groups`
    let mut places: Vec<(Option<Bound<'py, PyBytes>>, usize)> = Vec::new(); // per placed key: its bytes, its group
    let mut groups: Vec<(i64, Vec<(usize, Bound<'py, PyBytes>)>)> = Vec::new(); // partition, (place, value)
    for item in items.iter() {
        let item = key_value(item, "items")?;
        let key = item.get_borrowed_item(0)?;
        let place_index = match placed.get_item(&*key)? {
            Some(index) => index.extract::<usize>()?,
            None => {
                let (key_bytes, partition): (Bound<'py, PyAny>, i64) = place.call1((&*key,))?.extract()?;
                let key_bytes = if key_bytes.is_none() {
                    None
                } else {
                    Some(key_bytes.downcast_into::<PyBytes>().map_err(|_| {
                        pyo3::exceptions::PyTypeError::new_err("place must answer the key as bytes or None")
                    })?)
                };
                let group = match groups.iter().position(|(p, _)| *p == partition) {
                    Some(g) => g,
                    None => {
                        groups.push((partition, Vec::new()));
                        groups.len() - 1
                    }
                };
                places.push((key_bytes, group));
                placed.set_item(&*key, places.len() - 1)?;
                places.len() - 1
            }
        };
        let value = item.get_borrowed_item(1)?;
        let value = match value.downcast::<PyBytes>() {
            Ok(bytes) => bytes.clone(),
            Err(_) => encode.call1((&*value,))?.downcast_into::<PyBytes>().map_err(|_| {
                pyo3::exceptions::PyTypeError::new_err("encode must answer bytes")
            })?,
        };
        groups[places[place_index].1].1.push((place_index, value));
    }
    let out = PyList::empty(py);
    let writer = Writer { py, headers: &headers, timestamp_ms, batch_size, codec, compress: compress.as_ref() };
    for (partition, records) in &groups {
        let batches = PyList::empty(py);
        let records: Vec<Record<'_>> = records
            .iter()
            .map(|(place, value)| (places[*place].0.as_ref().map(|k| k.as_bytes()), Some(value.as_bytes())))
            .collect();
        writer.write(&records, &batches)?;
        out.append((*partition, batches))?;
    }
    Ok(out)
}

/// A written batch with an idempotent producer's id, epoch and base sequence, its CRC re-computed (they lie
/// inside the checksummed part).
#[pyfunction]
fn with_producer_state<'py>(
    py: Python<'py>,
    batch: &[u8],
    producer_id: i64,
    producer_epoch: i16,
    base_sequence: i32,
) -> PyResult<Bound<'py, PyBytes>> {
    if batch.len() < HEADER_SIZE || batch[16] != 2 {
        return Err(PyValueError::new_err("not a v2 record batch"));
    }
    let mut out = batch.to_vec();
    stamp_producer_state(&mut out, producer_id, producer_epoch, base_sequence);
    Ok(PyBytes::new(py, &out))
}

#[pymodule]
fn runtime_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(unpack_batch, m)?)?;
    m.add_function(wrap_pyfunction!(write_batches, m)?)?;
    m.add_function(wrap_pyfunction!(write_publish, m)?)?;
    m.add_function(wrap_pyfunction!(with_producer_state, m)?)?;
    m.add_function(wrap_pyfunction!(crc32c_of, m)?)?;
    Ok(())
}
