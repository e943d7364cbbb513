//! Event log files (`.evtx`) as Windows writes them, read a chunk at a time with the `evtx` parser: each
//! record is rendered as the XML Windows exports and read by the same reader as an export, so a file and its
//! export give the same events.

use std::io::{Read, Seek};

use ::evtx::{EvtxParser, ParserSettings};

use super::events::{EventError, Logon, read_logons};

/// The first bytes of an event log file.
pub const MAGIC: &[u8; 8] = b"ElfFile\0";

/// Whether a file starts as an event log file does.
pub fn is_evtx(head: &[u8]) -> bool {
    head.starts_with(MAGIC)
}

/// Why an event log file cannot be read: a message with the record (or chunk) it applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvtxError {
    /// The record's number (`EventRecordID`), when known.
    pub record: Option<u64>,
    /// What is wrong.
    pub message: String,
}

/// Reads every record of an event log file, in file order, and calls `each` with every event the XML reader
/// passes on. Returns how many records the file held. A damaged file ends in an error, whatever the parser
/// does with it.
pub fn read_records<R: Read + Seek>(input: R, each: impl FnMut(&Logon)) -> Result<u64, EvtxError> {
    // The parser is not known to panic on any input; if it ever did, the file is refused, not the run crashed.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_all(input, each))).unwrap_or_else(
        |_| {
            Err(EvtxError {
                record: None,
                message: "the event log parser failed on this file: it is damaged".into(),
            })
        },
    )
}

fn read_all<R: Read + Seek>(input: R, mut each: impl FnMut(&Logon)) -> Result<u64, EvtxError> {
    let mut parser = EvtxParser::from_read_seek(input)
        .map_err(|e| EvtxError {
            record: None,
            message: format!("not a readable event log file: {}", chain(&e)),
        })?
        .with_configuration(ParserSettings::new().num_threads(1));
    let mut n = 0u64;
    for record in parser.records_bytes() {
        let record = record.map_err(|e| EvtxError {
            record: None,
            message: format!("a record cannot be read after {n} records: {}", chain(&e)),
        })?;
        n += 1;
        read_logons(&record.data[..], &mut each).map_err(|e: EventError| EvtxError {
            record: Some(record.event_record_id),
            message: e.message,
        })?;
    }
    Ok(n)
}

/// An error and its causes, in one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cause = c.source();
    }
    s
}
