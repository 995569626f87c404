//! Native unpacking of one fetched Kafka v2 record batch into the runtime's `Delivery` tuples.
//!
//! `logmesh_runtime.kafka._DeliveryRecords` calls `unpack_batch` once per batch of a fetched
//! partition's bytes. It answers for the common case only (magic 2, a codec the caller gave a
//! decoder for, well-formed records, UTF-8 header names) and otherwise says "fall back", and the
//! caller hands the rest of the bytes to aiokafka's own parser: aiokafka stays the reference, and the
//! differential tests (services/common/tests/test_fetch_deliveries.py) hold the two equal.
//! Decompression stays with the decoders the caller passes (aiokafka's, i.e. cramjam and zlib), so
//! no codec crates are built here; what moves to Rust is the CRC-32C, the varint walk and the tuples.

use pyo3::exceptions::PyValueError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple, PyType};

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

#[pymodule]
fn runtime_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(unpack_batch, m)?)?;
    m.add_function(wrap_pyfunction!(crc32c_of, m)?)?;
    Ok(())
}
