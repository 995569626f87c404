//! ClickHouse's Native format, one block, for the `logs` insert.
//!
//! The adapter holds a poll's rows column by column as Python lists; clickhouse-connect's writers
//! walk them value by value in Python (about a third of template-matching's insert CPU). This writes
//! the same bytes in one call. It knows only the wire types the `logs` insert sends and only the
//! plain values the record path produces (exact `str`, `int` within Int64, `bool`, `dict[str, str]`);
//! anything else raises `ValueError`, and the adapter then inserts through clickhouse-connect as before.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyInt, PyList, PyString};

const STRING: u8 = 0;
const INT64: u8 = 1;
const BOOL: u8 = 2;
const MAP_STRING_STRING: u8 = 3;

fn leb128(mut n: u64, out: &mut Vec<u8>) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn put_str(s: &str, out: &mut Vec<u8>) {
    leb128(s.len() as u64, out);
    out.extend_from_slice(s.as_bytes());
}

fn refuse(column: &str, row: usize, what: &str) -> PyErr {
    PyValueError::new_err(format!("column {column} row {row}: {what}"))
}

/// The UTF-8 of an exact `str` (a subclass or a lone surrogate is refused: the caller's fallback decides).
fn exact_str<'a>(value: &'a Bound<'_, PyAny>, column: &str, row: usize) -> PyResult<&'a str> {
    let s = value.downcast_exact::<PyString>().map_err(|_| refuse(column, row, "not a str"))?;
    s.to_str().map_err(|_| refuse(column, row, "not encodable as UTF-8"))
}

fn write_column(kind: u8, name: &str, column: &Bound<'_, PyList>, rows: usize, out: &mut Vec<u8>) -> PyResult<()> {
    if column.len() != rows {
        return Err(PyValueError::new_err(format!("column {name} holds {} values for {rows} rows", column.len())));
    }
    match kind {
        STRING => {
            for (row, value) in column.iter().enumerate() {
                put_str(exact_str(&value, name, row)?, out);
            }
        }
        INT64 => {
            for (row, value) in column.iter().enumerate() {
                let int = value.downcast_exact::<PyInt>().map_err(|_| refuse(name, row, "not an int"))?;
                let tick: i64 = int.extract().map_err(|_| refuse(name, row, "outside Int64"))?;
                out.extend_from_slice(&tick.to_le_bytes());
            }
        }
        BOOL => {
            for (row, value) in column.iter().enumerate() {
                let flag = value.downcast_exact::<PyBool>().map_err(|_| refuse(name, row, "not a bool"))?;
                out.push(u8::from(flag.is_true()));
            }
        }
        MAP_STRING_STRING => {
            // Array(Tuple(String, String)) on the wire: every row's end offset, then all keys, then all values
            let mut maps = Vec::with_capacity(rows);
            let mut end: u64 = 0;
            for (row, value) in column.iter().enumerate() {
                let map = value.downcast_exact::<PyDict>().map_err(|_| refuse(name, row, "not a dict"))?.clone();
                end += map.len() as u64;
                out.extend_from_slice(&end.to_le_bytes());
                maps.push(map);
            }
            for (row, map) in maps.iter().enumerate() {
                for key in map.keys().iter() {
                    put_str(exact_str(&key, name, row)?, out);
                }
            }
            for (row, map) in maps.iter().enumerate() {
                for value in map.values().iter() {
                    put_str(exact_str(&value, name, row)?, out);
                }
            }
        }
        _ => return Err(PyValueError::new_err(format!("column {name}: unknown wire kind {kind}"))),
    }
    Ok(())
}

/// One Native block: `names[i]` of wire type `types[i]`, written as `kinds[i]` (0 String, 1 Int64 ticks
/// as DateTime64, 2 Bool, 3 Map(String, String)) from the list `columns[i]`.
#[pyfunction]
pub fn native_block<'py>(
    py: Python<'py>,
    names: Vec<String>,
    types: Vec<String>,
    kinds: Vec<u8>,
    columns: Vec<Bound<'py, PyList>>,
) -> PyResult<Bound<'py, PyBytes>> {
    if names.len() != types.len() || names.len() != kinds.len() || names.len() != columns.len() {
        return Err(PyValueError::new_err("names, types, kinds and columns differ in length"));
    }
    let rows = columns.first().map_or(0, |c| c.len());
    let mut out: Vec<u8> = Vec::with_capacity(64 + rows * (16 * columns.len() + 256));
    leb128(columns.len() as u64, &mut out);
    leb128(rows as u64, &mut out);
    for (((name, wire), kind), column) in names.iter().zip(&types).zip(&kinds).zip(&columns) {
        put_str(name, &mut out);
        put_str(wire, &mut out);
        write_column(*kind, name, column, rows, &mut out)?;
    }
    Ok(PyBytes::new(py, &out))
}
