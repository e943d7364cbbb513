//! A streaming reader of the events that say who connected over Remote Desktop, as Windows exports them:
//! Security 4624 ("An account was successfully logged on"), Security 4778 ("A session was reconnected to a
//! Window Station") and TerminalServices-RemoteConnectionManager 1149 ("User authentication succeeded"), in `wevtutil qe Security /f:xml` (a stream of `<Event>` elements with no root) and
//! `Get-WinEvent ... | ForEach-Object { $_.ToXml() }` (one `<Event>` per line, UTF-16 when PowerShell 5 wrote
//! the file). A root element around the events (`wevtutil /e:Events`) is accepted too. A field given twice
//! with two values is refused: which one Windows wrote cannot be told.
//!
//! The file is read a block at a time with a pull parser: memory does not grow with the file. A single tag or
//! text longer than [`MAX_ITEM`], elements nested deeper than [`MAX_DEPTH`] and values longer than
//! [`MAX_VALUE`] are refused, so a hostile file cannot make it grow either.

use std::io::{self, BufRead, Read};

pub use crate::fsio::decode::{decoded, line_col};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// The longest single piece of XML (a tag, a text) accepted, in bytes.
pub const MAX_ITEM: usize = 1 << 20;
/// The deepest nesting of elements accepted.
pub const MAX_DEPTH: usize = 64;
/// The longest value of a field that is kept, in bytes.
pub const MAX_VALUE: usize = 4096;

/// The facts of one event that verification reads (4624, 4778 or 1149). Fields missing from the event are
/// empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Logon {
    /// `System/EventID`.
    pub event_id: u32,
    /// `System/Version`: version 0 and 1 of event 4624 have no `RestrictedAdminMode`.
    pub version: String,
    /// `EventData/Data[@Name='LogonType']` of a 4624 (10 is Remote Desktop, 7 a reconnection, 3 the network
    /// logon that Network Level Authentication makes first); 0 for other events.
    pub logon_type: u32,
    /// `System/Computer`: the target.
    pub computer: String,
    /// `System/TimeCreated/@SystemTime`.
    pub time: String,
    /// `TargetUserName` (4624), `AccountName` (4778), `Param1` (1149).
    pub user: String,
    /// `TargetDomainName` (4624), `AccountDomain` (4778), `Param2` (1149).
    pub domain: String,
    /// `WorkstationName` (4624: the target's own name in a logon after Network Level Authentication),
    /// `ClientName` (4778).
    pub workstation: String,
    /// `IpAddress` (4624), `ClientAddress` (4778), `Param3` (1149): the client's address.
    pub ip: String,
    /// `TargetLogonId` (4624), `LogonID` (4778).
    pub logon_id: String,
    /// `TargetLinkedLogonId` (4624): the other half of an administrator's logon (elevated and filtered token).
    pub linked_logon_id: String,
    /// `RestrictedAdminMode`: `%%1842` (Yes), `%%1843` (No), `-`.
    pub restricted_admin: String,
    /// `RemoteCredentialGuard` (version 3 events): `%%1842` (Yes), `%%1843` (No), `-`.
    pub remote_guard: String,
    /// Byte offset of the event's start tag in the (decoded) input.
    pub at: u64,
}

/// Why an event file cannot be read: a message and the byte offset it applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventError {
    /// Byte offset in the decoded input (UTF-8).
    pub offset: u64,
    /// What is wrong.
    pub message: String,
}

/// The events passed on: the others are only counted.
pub const EVENTS_READ: [u32; 3] = [4624, 4778, 1149];

/// What a yes/no field of an event says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    /// `%%1842` or `Yes`.
    Yes,
    /// `%%1843`, `No` or `-`.
    No,
    /// The event has no such field.
    Missing,
    /// Any other value (a localized rendering, a third party's): what it means is not known.
    Unknown,
}

/// What a yes/no field says (`%%1842` and `%%1843` are the message numbers Windows writes; `Yes`, `No` in any
/// case are the English rendering; `-` is "not applicable").
pub fn flag(value: &str) -> Flag {
    match value.trim() {
        "" => Flag::Missing,
        "%%1842" => Flag::Yes,
        "%%1843" | "-" => Flag::No,
        v if v.eq_ignore_ascii_case("yes") => Flag::Yes,
        v if v.eq_ignore_ascii_case("no") => Flag::No,
        _ => Flag::Unknown,
    }
}

/// Whether an event field says yes.
pub fn is_yes(value: &str) -> bool {
    flag(value) == Flag::Yes
}

/// A reader that refuses to deliver more than [`MAX_ITEM`] bytes between two marks: no single XML item can
/// make the parser's buffer grow past it.
struct Limited<R> {
    inner: R,
    since_mark: usize,
}

impl<R: BufRead> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = {
            let avail = self.fill_buf()?;
            let n = avail.len().min(buf.len());
            buf[..n].copy_from_slice(&avail[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Limited<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.since_mark > MAX_ITEM {
            return Err(io::Error::other(TOO_LONG));
        }
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        self.since_mark += amt;
        self.inner.consume(amt);
    }
}

const TOO_LONG: &str = "a single tag or text is longer than 1 MiB";

/// Where a field's text goes while its element is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    EventId,
    Version,
    Computer,
    LogonType,
    User,
    Domain,
    Workstation,
    Ip,
    RestrictedAdmin,
    RemoteGuard,
    LogonId,
    LinkedLogonId,
}

impl Field {
    fn of_data(name: &[u8]) -> Option<Field> {
        Some(match name {
            b"LogonType" => Field::LogonType,
            b"TargetUserName" | b"AccountName" => Field::User,
            b"TargetDomainName" | b"AccountDomain" => Field::Domain,
            b"WorkstationName" | b"ClientName" => Field::Workstation,
            b"IpAddress" | b"ClientAddress" => Field::Ip,
            b"RestrictedAdminMode" => Field::RestrictedAdmin,
            b"RemoteCredentialGuard" => Field::RemoteGuard,
            b"TargetLogonId" | b"LogonID" => Field::LogonId,
            b"TargetLinkedLogonId" => Field::LinkedLogonId,
            _ => return None,
        })
    }

    /// The fields of a 1149 event (`UserData/EventXML/Param1..3`).
    fn of_param(name: &[u8]) -> Option<Field> {
        Some(match name {
            b"Param1" => Field::User,
            b"Param2" => Field::Domain,
            b"Param3" => Field::Ip,
            _ => return None,
        })
    }

    fn bit(self) -> u16 {
        1 << self as u16
    }
}

/// The state of the event being read.
#[derive(Default)]
struct Current {
    logon: Logon,
    event_id: String,
    logon_type: String,
    /// Depth of the `<Event>` element, when inside one.
    depth: Option<usize>,
    /// The section (`System` or `EventData`) open right below `<Event>`.
    section: Section,
    /// The field whose element is open, and that element's depth.
    capture: Option<(Field, usize)>,
    /// Where the `EventID` and `LogonType` elements start, for messages about their values.
    event_id_at: u64,
    logon_type_at: u64,
    /// The fields already given in this event.
    given: u16,
    /// A field given a second time: its first value, and where the second starts.
    again: Option<(String, u64)>,
}

#[derive(Default, Clone, Copy, PartialEq, Eq)]
enum Section {
    #[default]
    None,
    System,
    Data,
    /// `UserData`, where 1149 keeps its fields one level deeper (`EventXML/Param1`).
    User,
}

impl Current {
    fn slot(&mut self, f: Field) -> &mut String {
        let l = &mut self.logon;
        match f {
            Field::EventId => &mut self.event_id,
            Field::Version => &mut l.version,
            Field::LogonId => &mut l.logon_id,
            Field::LinkedLogonId => &mut l.linked_logon_id,
            Field::LogonType => &mut self.logon_type,
            Field::Computer => &mut l.computer,
            Field::User => &mut l.user,
            Field::Domain => &mut l.domain,
            Field::Workstation => &mut l.workstation,
            Field::Ip => &mut l.ip,
            Field::RestrictedAdmin => &mut l.restricted_admin,
            Field::RemoteGuard => &mut l.remote_guard,
        }
    }

    fn start_event(&mut self, depth: usize, at: u64) {
        let l = &mut self.logon;
        for s in [
            &mut l.computer,
            &mut l.time,
            &mut l.user,
            &mut l.domain,
            &mut l.workstation,
            &mut l.ip,
            &mut l.restricted_admin,
            &mut l.remote_guard,
            &mut l.version,
            &mut l.logon_id,
            &mut l.linked_logon_id,
            &mut self.event_id,
            &mut self.logon_type,
        ] {
            s.clear();
        }
        self.given = 0;
        self.again = None;
        l.at = at;
        l.event_id = 0;
        l.logon_type = 0;
        self.depth = Some(depth);
        self.section = Section::None;
        self.capture = None;
    }
}

fn err(offset: u64, message: impl Into<String>) -> EventError {
    EventError {
        offset,
        message: message.into(),
    }
}

/// Reads every event of `input` (UTF-8, already decoded: see [`decoded`]) and calls `each` with every event of
/// [`EVENTS_READ`], in file order. Returns how many events the input held.
pub fn read_logons<R: BufRead>(input: R, mut each: impl FnMut(&Logon)) -> Result<u64, EventError> {
    let mut reader = Reader::from_reader(Limited {
        inner: input,
        since_mark: 0,
    });
    // End tags are matched here, against a stack of bounded depth, rather than by the parser's unbounded one.
    reader.config_mut().check_end_names = false;
    let mut buf = Vec::with_capacity(4096);
    // The names of the open elements, one after the other, and where each starts.
    let mut names: Vec<u8> = Vec::new();
    let mut starts: Vec<usize> = Vec::new();
    let mut cur = Current::default();
    let mut events = 0u64;
    loop {
        buf.clear();
        reader.get_mut().since_mark = 0;
        let before = reader.buffer_position();
        let ev = match reader.read_event_into(&mut buf) {
            Ok(ev) => ev,
            Err(quick_xml::Error::Io(e)) if e.to_string() == TOO_LONG => {
                return Err(err(
                    before,
                    format!("{TOO_LONG}: this is not an export of Windows events"),
                ));
            }
            Err(quick_xml::Error::Io(e)) if crate::fsio::decode::bad_text(&e).is_some() => {
                let (offset, what) = crate::fsio::decode::bad_text(&e)
                    .map_or((before, e.to_string()), |b| (b.offset, b.message.clone()));
                return Err(err(
                    offset,
                    format!("the UTF-16 text is not well formed: {what}; export the events again"),
                ));
            }
            Err(e) => {
                let at = match e {
                    quick_xml::Error::Syntax(_) | quick_xml::Error::IllFormed(_) => {
                        reader.error_position()
                    }
                    _ => reader.buffer_position(),
                };
                return Err(err(at, format!("malformed XML: {e}")));
            }
        };
        match ev {
            Event::Start(e) => {
                if starts.len() >= MAX_DEPTH {
                    return Err(err(
                        before,
                        format!("elements are nested deeper than {MAX_DEPTH} levels"),
                    ));
                }
                starts.push(names.len());
                names.extend_from_slice(e.name().as_ref());
                let depth = starts.len();
                open(&mut cur, &e, depth, before)?;
            }
            Event::Empty(e) => {
                let depth = starts.len() + 1;
                open(&mut cur, &e, depth, before)?;
                if close(&mut cur, depth, &mut each)? {
                    events += 1;
                }
            }
            Event::End(e) => {
                let Some(start) = starts.pop() else {
                    return Err(err(
                        before,
                        format!(
                            "closing tag </{}> without an opening tag",
                            String::from_utf8_lossy(e.name().as_ref())
                        ),
                    ));
                };
                if names[start..] != *e.name().as_ref() {
                    return Err(err(
                        before,
                        format!(
                            "closing tag </{}> does not match <{}>",
                            String::from_utf8_lossy(e.name().as_ref()),
                            String::from_utf8_lossy(&names[start..])
                        ),
                    ));
                }
                names.truncate(start);
                if close(&mut cur, starts.len() + 1, &mut each)? {
                    events += 1;
                }
            }
            // Only the text of a field, or text outside any element, is looked at: the rest is skipped unread.
            Event::Text(t) if cur.capture.is_some() || starts.is_empty() => {
                let text = t
                    .decode()
                    .map_err(|e| err(before, format!("text is not UTF-8: {e}")))?;
                if starts.is_empty() && !text.trim().is_empty() {
                    return Err(err(
                        before,
                        "text outside any element: this is not an export of Windows events",
                    ));
                }
                append(&mut cur, &text, before)?;
            }
            Event::Text(_) => {}
            Event::CData(t) => {
                let text = t
                    .decode()
                    .map_err(|e| err(before, format!("text is not UTF-8: {e}")))?;
                append(&mut cur, &text, before)?;
            }
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => {
                        let name = r.decode().map_err(|e| err(before, e.to_string()))?;
                        match quick_xml::escape::resolve_predefined_entity(&name) {
                            Some(s) => s.to_string(),
                            None => {
                                return Err(err(before, format!("unknown entity &{name};")));
                            }
                        }
                    }
                    Err(e) => return Err(err(before, format!("bad character reference: {e}"))),
                };
                append(&mut cur, &c, before)?;
            }
            Event::Eof => {
                if let Some(&start) = starts.last() {
                    return Err(err(
                        reader.buffer_position(),
                        format!(
                            "the file ends inside <{}>: it was cut short",
                            String::from_utf8_lossy(&names[start..])
                        ),
                    ));
                }
                return Ok(events);
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
}

/// An element opens at `depth` (1 for a top-level element).
fn open(cur: &mut Current, e: &BytesStart<'_>, depth: usize, at: u64) -> Result<(), EventError> {
    let name = e.local_name();
    let name = name.as_ref();
    let Some(ev) = cur.depth else {
        if name == b"Event" {
            cur.start_event(depth, at);
        }
        return Ok(());
    };
    if depth == ev + 1 {
        cur.section = match name {
            b"System" => Section::System,
            b"EventData" => Section::Data,
            b"UserData" => Section::User,
            _ => Section::None,
        };
        return Ok(());
    }
    if cur.section == Section::User && depth == ev + 3 {
        if let Some(field) = Field::of_param(name) {
            capture(cur, field, depth, at);
        }
        return Ok(());
    }
    if depth != ev + 2 {
        return Ok(());
    }
    match (cur.section, name) {
        (Section::System, b"EventID") => {
            cur.event_id_at = at;
            capture(cur, Field::EventId, depth, at);
        }
        (Section::System, b"Version") => capture(cur, Field::Version, depth, at),
        (Section::System, b"Computer") => capture(cur, Field::Computer, depth, at),
        (Section::System, b"TimeCreated") => {
            if let Some(v) = attribute(e, b"SystemTime", at)? {
                cur.logon.time = v;
            }
        }
        (Section::Data, b"Data") => {
            // The names of the fields read are plain ASCII: the raw value is compared, nothing is allocated.
            if let Some(field) = raw_attribute(e, b"Name", at)?
                .as_deref()
                .and_then(Field::of_data)
            {
                if field == Field::LogonType {
                    cur.logon_type_at = at;
                }
                capture(cur, field, depth, at);
            }
        }
        _ => {}
    }
    Ok(())
}

/// A field's element opens: its text goes to the field. A field given before keeps its first value aside, to
/// be compared with the second when it closes.
fn capture(cur: &mut Current, field: Field, depth: usize, at: u64) {
    if cur.given & field.bit() != 0 {
        let first = std::mem::take(cur.slot(field));
        cur.again = Some((first, at));
    }
    cur.given |= field.bit();
    cur.slot(field).clear();
    cur.capture = Some((field, depth));
}

/// The name an event gives a field (for messages).
fn field_name(f: Field) -> &'static str {
    match f {
        Field::EventId => "EventID",
        Field::Version => "Version",
        Field::Computer => "Computer",
        Field::LogonType => "LogonType",
        Field::User => "TargetUserName",
        Field::Domain => "TargetDomainName",
        Field::Workstation => "WorkstationName",
        Field::Ip => "IpAddress",
        Field::RestrictedAdmin => "RestrictedAdminMode",
        Field::RemoteGuard => "RemoteCredentialGuard",
        Field::LogonId => "TargetLogonId",
        Field::LinkedLogonId => "TargetLinkedLogonId",
    }
}

/// The raw value of an attribute (entities not expanded), by local name.
fn raw_attribute<'a>(
    e: &'a BytesStart<'_>,
    key: &[u8],
    at: u64,
) -> Result<Option<std::borrow::Cow<'a, [u8]>>, EventError> {
    for a in e.attributes() {
        let a = a.map_err(|x| err(at, format!("malformed attribute: {x}")))?;
        if a.key.local_name().as_ref() == key {
            return Ok(Some(a.value));
        }
    }
    Ok(None)
}

/// The value of an attribute, by local name.
fn attribute(e: &BytesStart<'_>, key: &[u8], at: u64) -> Result<Option<String>, EventError> {
    for a in e.attributes() {
        let a = a.map_err(|x| err(at, format!("malformed attribute: {x}")))?;
        if a.key.local_name().as_ref() == key {
            let v = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|x| err(at, format!("malformed attribute value: {x}")))?;
            if v.len() > MAX_VALUE {
                return Err(err(at, format!("a value is longer than {MAX_VALUE} bytes")));
            }
            return Ok(Some(v.into_owned()));
        }
    }
    Ok(None)
}

fn append(cur: &mut Current, text: &str, at: u64) -> Result<(), EventError> {
    let Some((field, _)) = cur.capture else {
        return Ok(());
    };
    let slot = cur.slot(field);
    if slot.len() + text.len() > MAX_VALUE {
        return Err(err(at, format!("a value is longer than {MAX_VALUE} bytes")));
    }
    slot.push_str(text);
    Ok(())
}

/// An element at `depth` closes; returns whether it was an event.
fn close(
    cur: &mut Current,
    depth: usize,
    each: &mut impl FnMut(&Logon),
) -> Result<bool, EventError> {
    if let Some((field, d)) = cur.capture
        && d == depth
    {
        cur.capture = None;
        if let Some((first, at)) = cur.again.take() {
            let second = cur.slot(field).trim();
            if first.trim() != second {
                return Err(err(
                    at,
                    format!(
                        "{} is given twice in one event, `{}` then `{}`: which one Windows wrote cannot be told",
                        field_name(field),
                        super::kept(&first),
                        super::kept(second)
                    ),
                ));
            }
        }
    }
    let Some(ev) = cur.depth else {
        return Ok(false);
    };
    if depth == ev + 1 {
        cur.section = Section::None;
    }
    if depth != ev {
        return Ok(false);
    }
    cur.depth = None;
    let start = cur.logon.at;
    let id = cur.event_id.trim();
    if id.is_empty() {
        return Err(err(start, "an <Event> without <System><EventID>"));
    }
    cur.logon.event_id = id
        .parse()
        .map_err(|_| err(cur.event_id_at, format!("EventID `{id}` is not a number")))?;
    if !EVENTS_READ.contains(&cur.logon.event_id) {
        return Ok(true);
    }
    normalize_time(&mut cur.logon.time);
    if cur.logon.event_id != 4624 {
        cur.logon.logon_type = 0;
        each(&cur.logon);
        return Ok(true);
    }
    let lt = cur.logon_type.trim();
    if lt.is_empty() {
        return Err(err(start, "an event 4624 without a LogonType"));
    }
    cur.logon.logon_type = lt.parse().map_err(|_| {
        err(
            cur.logon_type_at,
            format!("event 4624 with LogonType `{lt}`, which is not a number"),
        )
    })?;
    each(&cur.logon);
    Ok(true)
}

/// `SystemTime` as Windows writes it (`2019-02-13T15:14:52.409735Z`), also from the form some converters write
/// (`2019-02-13 15:14:52.409735+00:00`).
fn normalize_time(t: &mut String) {
    if t.len() > 19 && t.as_bytes()[10] == b' ' && t.ends_with("+00:00") {
        t.replace_range(10..11, "T");
        t.truncate(t.len() - 6);
        t.push('Z');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Vec<Logon>, EventError> {
        let mut out = Vec::new();
        read_logons(text.as_bytes(), |l| out.push(l.clone()))?;
        Ok(out)
    }

    const ONE: &str = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>\
        <Provider Name='Microsoft-Windows-Security-Auditing'/><EventID>4624</EventID><Version>3</Version>\
        <TimeCreated SystemTime='2026-11-30T09:15:02.1234567Z'/><Computer>SRV-01.contoso.com</Computer>\
        </System><EventData><Data Name='LogonType'>10</Data><Data Name='TargetUserName'>alice</Data>\
        <Data Name='TargetDomainName'>CONTOSO</Data><Data Name='WorkstationName'>PAW-01</Data>\
        <Data Name='IpAddress'>10.0.0.5</Data><Data Name='RestrictedAdminMode'>-</Data>\
        <Data Name='RemoteCredentialGuard'>%%1842</Data></EventData></Event>";

    #[test]
    fn reads_the_fields_of_a_logon() {
        let l = read(ONE).unwrap();
        assert_eq!(l.len(), 1);
        let l = &l[0];
        assert_eq!(
            (l.event_id, l.logon_type),
            (4624, 10),
            "event id and logon type"
        );
        assert_eq!(l.computer, "SRV-01.contoso.com");
        assert_eq!(l.time, "2026-11-30T09:15:02.1234567Z");
        assert_eq!((l.domain.as_str(), l.user.as_str()), ("CONTOSO", "alice"));
        assert_eq!(
            (l.workstation.as_str(), l.ip.as_str()),
            ("PAW-01", "10.0.0.5")
        );
        assert!(!is_yes(&l.restricted_admin));
        assert!(is_yes(&l.remote_guard));
    }

    #[test]
    fn other_events_are_counted_not_passed_on() {
        let other = ONE.replace("4624", "4634");
        let mut n = 0;
        let total = read_logons(format!("{ONE}\n{other}\n{ONE}").as_bytes(), |_| n += 1).unwrap();
        assert_eq!((total, n), (3, 2));
    }

    #[test]
    fn entities_and_character_references_are_resolved() {
        let l = read(&ONE.replace(">alice<", ">a&amp;b&#x43;<")).unwrap();
        assert_eq!(l[0].user, "a&bC");
    }

    #[test]
    fn a_root_element_around_the_events_is_accepted() {
        let l = read(&format!("<?xml version='1.0'?><Events>{ONE}{ONE}</Events>")).unwrap();
        assert_eq!(l.len(), 2);
    }

    #[test]
    fn broken_files_say_where() {
        let cut = &ONE[..ONE.len() - 20];
        let e = read(cut).unwrap_err();
        assert!(e.message.contains("cut short"), "{e:?}");
        let e = read(&ONE.replace("</Computer>", "</Computr>")).unwrap_err();
        assert!(e.message.contains("does not match"), "{e:?}");
        let e = read(&ONE.replace(">10<", ">ten<")).unwrap_err();
        assert!(e.message.contains("LogonType `ten`"), "{e:?}");
        let e = read(&ONE.replace("alice", "&bogus;")).unwrap_err();
        assert!(e.message.contains("unknown entity"), "{e:?}");
        let e = read("date,user\n2026,alice\n").unwrap_err();
        assert!(e.message.contains("not an export"), "{e:?}");
    }

    #[test]
    fn hostile_nesting_and_long_items_are_refused() {
        let deep = "<a>".repeat(MAX_DEPTH + 1);
        let e = read(&deep).unwrap_err();
        assert!(e.message.contains("nested deeper"), "{e:?}");
        let long = format!(
            "<Event><System><Computer>{}</Computer>",
            "x".repeat(MAX_ITEM + 10)
        );
        let e = read(&long).unwrap_err();
        assert!(e.message.contains("longer than"), "{e:?}");
        let value = ONE.replace("alice", &"a".repeat(MAX_VALUE + 1));
        let e = read(&value).unwrap_err();
        assert!(e.message.contains("longer than"), "{e:?}");
    }

    #[test]
    fn a_field_given_twice_with_two_values_is_refused() {
        let forged = ONE.replace(
            "<Data Name='RemoteCredentialGuard'>%%1842</Data>",
            "<Data Name='RemoteCredentialGuard'>%%1843</Data><Data Name='RemoteCredentialGuard'>%%1842</Data>",
        );
        let e = read(&forged).unwrap_err();
        assert!(
            e.message.contains(
                "RemoteCredentialGuard is given twice in one event, `%%1843` then `%%1842`"
            ),
            "{e:?}"
        );
        assert_eq!(
            e.offset as usize,
            forged.rfind("<Data Name='RemoteCredentialGuard'>").unwrap()
        );
        // The same value twice says nothing new.
        let same = ONE.replace(
            "<Data Name='LogonType'>10</Data>",
            "<Data Name='LogonType'>10</Data><Data Name='LogonType'> 10</Data>",
        );
        assert_eq!(read(&same).unwrap().len(), 1);
        // Each event has its own fields.
        assert_eq!(read(&format!("{ONE}{ONE}")).unwrap().len(), 2);
    }

    #[test]
    fn reconnections_and_1149_are_read_too() {
        let reconnect = "<Event><System><EventID>4778</EventID><Computer>SRV-01</Computer></System><EventData>\
            <Data Name='AccountName'>alice</Data><Data Name='AccountDomain'>CORP</Data><Data Name='LogonID'>0x1f</Data>\
            <Data Name='SessionName'>RDP-Tcp#3</Data><Data Name='ClientName'>PAW-01</Data>\
            <Data Name='ClientAddress'>10.0.0.5</Data></EventData></Event>";
        let auth = "<Event><System><EventID>1149</EventID><Computer>SRV-01</Computer>\
            <TimeCreated SystemTime='2018-11-06 21:45:50.411263+00:00'/></System><UserData><EventXML xmlns='Event_NS'>\
            <Param1>alice</Param1><Param2>CORP</Param2><Param3>10.0.0.5</Param3></EventXML></UserData></Event>";
        let l = read(&format!("{reconnect}{auth}")).unwrap();
        assert_eq!(l.len(), 2);
        assert_eq!(
            (
                l[0].event_id,
                l[0].user.as_str(),
                l[0].workstation.as_str(),
                l[0].ip.as_str(),
                l[0].logon_id.as_str()
            ),
            (4778, "alice", "PAW-01", "10.0.0.5", "0x1f")
        );
        assert_eq!(
            (
                l[1].event_id,
                l[1].user.as_str(),
                l[1].domain.as_str(),
                l[1].ip.as_str()
            ),
            (1149, "alice", "CORP", "10.0.0.5")
        );
        assert_eq!(l[1].time, "2018-11-06T21:45:50.411263Z");
    }

    #[test]
    fn flags_know_their_values_and_no_others() {
        assert_eq!(flag(" %%1842 "), Flag::Yes);
        assert_eq!(flag("YES"), Flag::Yes);
        assert_eq!(flag("%%1843"), Flag::No);
        assert_eq!(flag("-"), Flag::No);
        assert_eq!(flag(""), Flag::Missing);
        assert_eq!(flag("Ja"), Flag::Unknown);
        assert_eq!(flag("Oui"), Flag::Unknown);
    }

    #[test]
    fn utf16_with_a_byte_order_mark_is_decoded() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in ONE.encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let mut out = Vec::new();
        read_logons(io::BufReader::new(decoded(&bytes[..])), |l| {
            out.push(l.user.clone())
        })
        .unwrap();
        assert_eq!(out, ["alice"]);
    }
}
