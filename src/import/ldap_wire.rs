//! The connection to the directory server, bounded. The LDAP client allocates whatever length a message
//! declares and buffers whatever the server sends, so it never talks to the server itself: guardplan connects
//! (and speaks TLS), and relays the server's bytes to the client over a loopback socket only while they stay
//! within [`Limits`]: the size of one message, the number of entries, the bytes in total and an overall
//! deadline. A server past a bound is cut off, and the import ends with the bound it crossed.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection};

/// How much of the server's answer the import reads at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of one LDAP message (an entry, a reply).
    pub message: u64,
    /// Search entries, all searches together.
    pub entries: u64,
    /// Bytes from the server in total (after TLS).
    pub total: u64,
    /// Time from the connection to the last reply.
    pub deadline: Duration,
}

/// Default `--max-message-mib`: an entry with 1,500 members (the most Active Directory sends at once) is
/// about 150 KB.
pub const DEFAULT_MESSAGE_MIB: u64 = 16;
/// Default `--max-entries`: the users, groups, computers and trusts of a large forest's domain.
pub const DEFAULT_ENTRIES: u64 = 1_000_000;
/// Default `--max-total-mib`: some five times what a domain of 100,000 accounts and computers sends.
pub const DEFAULT_TOTAL_MIB: u64 = 1024;
/// Default `--deadline` in seconds.
pub const DEFAULT_DEADLINE: u64 = 1800;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            message: DEFAULT_MESSAGE_MIB << 20,
            entries: DEFAULT_ENTRIES,
            total: DEFAULT_TOTAL_MIB << 20,
            deadline: Duration::from_secs(DEFAULT_DEADLINE),
        }
    }
}

/// How the bytes travel to the server.
pub enum Security {
    /// Plain LDAP (loopback only; checked before).
    Plain,
    /// TLS from the start (`ldaps://`).
    Tls(Arc<ClientConfig>),
    /// Plain LDAP upgraded with StartTLS before anything else is sent.
    StartTls(Arc<ClientConfig>),
}

/// Why a connection failed before the relay started.
#[derive(Debug)]
pub enum OpenError {
    /// The certificate or the TLS handshake.
    Tls(rustls::Error),
    /// Anything else, said in full.
    Other(String),
}

/// The first reason the relay stopped the server, shared by its threads.
type Failure = Arc<Mutex<Option<String>>>;

fn record(failure: &Failure, why: String) {
    let mut f = failure.lock().unwrap_or_else(PoisonError::into_inner);
    f.get_or_insert(why);
}

/// A running relay: the client's end of the loopback socket is handed to the LDAP client; dropping the relay
/// closes both connections and waits for its threads.
pub struct Relay {
    failure: Failure,
    server: TcpStream,
    local: TcpStream,
    threads: Vec<JoinHandle<()>>,
}

impl Relay {
    /// Why the relay cut the server off, if it did.
    pub fn failure(&self) -> Option<String> {
        self.failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.server.shutdown(Shutdown::Both);
        let _ = self.local.shutdown(Shutdown::Both);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// Connects to `host:port` within `timeout`, sets up the security, and starts relaying. Returns the stream
/// for the LDAP client.
pub fn open(
    host: &str,
    port: u16,
    security: Security,
    timeout: Duration,
    limits: Limits,
) -> Result<(TcpStream, Relay), OpenError> {
    let started = Instant::now();
    let deadline = started + limits.deadline;
    let other = |what: &str, e: io::Error| OpenError::Other(format!("{what}: {e}"));
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| other(&format!("cannot resolve `{host}`"), e))?
        .collect();
    let mut last = io::Error::new(io::ErrorKind::NotFound, "no address");
    let server = addrs
        .iter()
        .find_map(|a| match TcpStream::connect_timeout(a, timeout) {
            Ok(s) => Some(s),
            Err(e) => {
                last = e;
                None
            }
        })
        .ok_or_else(|| other(&format!("cannot connect to {host}:{port}"), last))?;
    server
        .set_write_timeout(Some(timeout))
        .and_then(|()| server.set_read_timeout(Some(timeout)))
        .map_err(|e| other("cannot set up the connection", e))?;
    let _ = server.set_nodelay(true);
    let name = || {
        ServerName::try_from(
            host.trim_start_matches('[')
                .trim_end_matches(']')
                .to_string(),
        )
        .map_err(|e| OpenError::Other(format!("`{host}` is not a host name: {e}")))
    };
    let tls = match security {
        Security::Plain => None,
        Security::Tls(config) => Some(handshake(&server, config, name()?)?),
        Security::StartTls(config) => {
            start_tls(&server, limits, deadline)?;
            Some(handshake(&server, config, name()?)?)
        }
    };
    let (client, local) = loopback_pair().map_err(|e| other("cannot open the local relay", e))?;
    let failure: Failure = Arc::default();
    let clone = |s: &TcpStream| {
        s.try_clone()
            .map_err(|e| other("cannot set up the connection", e))
    };
    let (server_up, server_down, local_up, local_down) = (
        clone(&server)?,
        clone(&server)?,
        clone(&local)?,
        clone(&local)?,
    );
    // The reading side wakes up at least once a second to see the deadline.
    server_down
        .set_read_timeout(Some(timeout.min(Duration::from_secs(1))))
        .map_err(|e| other("cannot set up the connection", e))?;
    let tls = tls.map(|c| Arc::new(Mutex::new(c)));
    let mut down = Down {
        server: server_down,
        local: local_down,
        tls: tls.clone(),
        frames: Frames::new(limits),
        deadline,
        failure: failure.clone(),
    };
    let up = Up {
        local: local_up,
        server: server_up,
        tls,
        failure: failure.clone(),
    };
    let threads = vec![
        std::thread::spawn(move || down.run()),
        std::thread::spawn(move || up.run()),
    ];
    Ok((
        client,
        Relay {
            failure,
            server,
            local,
            threads,
        },
    ))
}

/// Two connected loopback sockets; the accepted one is checked to be the one this process connected.
fn loopback_pair() -> io::Result<(TcpStream, TcpStream)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let client = TcpStream::connect(listener.local_addr()?)?;
    let mine = client.local_addr()?;
    loop {
        let (local, peer) = listener.accept()?;
        if peer == mine {
            let _ = local.set_nodelay(true);
            let _ = client.set_nodelay(true);
            return Ok((client, local));
        }
    }
}

fn handshake(
    server: &TcpStream,
    config: Arc<ClientConfig>,
    name: ServerName<'static>,
) -> Result<ClientConnection, OpenError> {
    let mut conn = ClientConnection::new(config, name).map_err(OpenError::Tls)?;
    let mut io = server;
    while conn.is_handshaking() {
        if let Err(e) = conn.complete_io(&mut io) {
            return Err(
                match e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                    Some(tls) => OpenError::Tls(tls.clone()),
                    None => OpenError::Other(format!("the TLS handshake failed: {e}")),
                },
            );
        }
    }
    Ok(conn)
}

/// The StartTLS extended request (RFC 4511 4.14.1), message 1.
const START_TLS: &[u8] = b"\x30\x1d\x02\x01\x01\x77\x18\x80\x161.3.6.1.4.1.1466.20037";

/// Asks for StartTLS and reads the server's answer (one message, within the bounds).
fn start_tls(server: &TcpStream, limits: Limits, deadline: Instant) -> Result<(), OpenError> {
    let mut io = server;
    let refused = |why: &str| {
        OpenError::Other(format!(
            "the server refused StartTLS ({why}); use ldaps:// if it offers LDAPS on port 636"
        ))
    };
    io.write_all(START_TLS)
        .map_err(|e| OpenError::Other(format!("cannot ask for StartTLS: {e}")))?;
    let mut frames = Frames::new(limits);
    let mut message = Vec::new();
    let mut buf = [0u8; 512];
    while !frames.between_messages() || message.is_empty() {
        past(deadline, limits.deadline).map_err(OpenError::Other)?;
        let n = io
            .read(&mut buf)
            .map_err(|e| OpenError::Other(format!("no answer to StartTLS: {e}")))?;
        if n == 0 {
            return Err(refused("it closed the connection"));
        }
        frames.feed(&buf[..n]).map_err(OpenError::Other)?;
        message.extend_from_slice(&buf[..n]);
    }
    // SEQUENCE { INTEGER id, [APPLICATION 24] { ENUMERATED resultCode, ... } }
    let result = tlv(&message)
        .and_then(|(_, body, _)| tlv(body))
        .and_then(|(_, _, rest)| tlv(rest))
        .filter(|(tag, _, _)| *tag == 0x78)
        .and_then(|(_, body, _)| tlv(body))
        .filter(|(tag, _, _)| *tag == 0x0A)
        .map(|(_, code, _)| code.iter().fold(0u64, |a, b| a << 8 | u64::from(*b)));
    match result {
        Some(0) => Ok(()),
        Some(code) => Err(refused(&format!("result code {code}"))),
        None => Err(refused("its answer is not an LDAP extended response")),
    }
}

/// One BER element of `b`: its tag, its contents and what follows.
fn tlv(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = b.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7F);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |a, b| a << 8 | usize::from(*b));
        (len, &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// Checks what a server sent, in the pieces it arrived in, as the relay does: `Ok` with the number of search
/// entries, or the bound the bytes cross. A message cut off at the end is not an error here.
pub fn scan<'a>(pieces: impl IntoIterator<Item = &'a [u8]>, limits: Limits) -> Result<u64, String> {
    let mut frames = Frames::new(limits);
    for piece in pieces {
        frames.feed(piece)?;
    }
    Ok(frames.entries)
}

/// Follows the message boundaries of the bytes the server sends, and checks them against the limits before
/// the client sees them.
struct Frames {
    limits: Limits,
    total: u64,
    entries: u64,
    /// The header of the message being read (tag and length), while incomplete.
    header: Vec<u8>,
    /// Bytes of the current message's contents still to come; `None` between messages.
    left: Option<u64>,
    /// The first bytes of the contents (message id and the operation's tag).
    head: Vec<u8>,
}

/// `protocolOp` tag of a search result entry.
const SEARCH_RESULT_ENTRY: u8 = 0x64;

impl Frames {
    fn new(limits: Limits) -> Self {
        Frames {
            limits,
            total: 0,
            entries: 0,
            header: Vec::new(),
            left: None,
            head: Vec::new(),
        }
    }

    fn between_messages(&self) -> bool {
        self.left.is_none() && self.header.is_empty()
    }

    /// Checks the next bytes; `Err` says which bound they cross.
    fn feed(&mut self, mut bytes: &[u8]) -> Result<(), String> {
        self.total += bytes.len() as u64;
        if self.total > self.limits.total {
            return Err(format!(
                "the server sent more than {} in total, the most guardplan reads (raise --max-total-mib \
                 for a directory this large)",
                crate::fsio::size(self.limits.total)
            ));
        }
        while !bytes.is_empty() {
            match self.left {
                None => {
                    self.header.push(bytes[0]);
                    bytes = &bytes[1..];
                    if let Some(len) = self.header_length()? {
                        if len > self.limits.message {
                            return Err(format!(
                                "the server announced a message of {len} bytes; the most guardplan reads is {} \
                                 (raise --max-message-mib if the directory really holds entries this large)",
                                crate::fsio::size(self.limits.message)
                            ));
                        }
                        self.header.clear();
                        self.head.clear();
                        self.left = Some(len);
                        self.end_if_done()?;
                    }
                }
                Some(left) => {
                    let n = usize::try_from(left).unwrap_or(usize::MAX).min(bytes.len());
                    let want = 8usize.saturating_sub(self.head.len()).min(n);
                    self.head.extend_from_slice(&bytes[..want]);
                    bytes = &bytes[n..];
                    self.left = Some(left - n as u64);
                    self.end_if_done()?;
                }
            }
        }
        Ok(())
    }

    /// The length the header declares, once it is complete.
    fn header_length(&self) -> Result<Option<u64>, String> {
        let h = &self.header;
        if h[0] != 0x30 {
            return Err(format!(
                "the server sent something that is not an LDAP message (a byte 0x{:02X} where a message starts); \
                 check that the URL points to a domain controller's LDAP port",
                h[0]
            ));
        }
        let Some(&first) = h.get(1) else {
            return Ok(None);
        };
        if first < 0x80 {
            return Ok(Some(u64::from(first)));
        }
        let n = usize::from(first & 0x7F);
        if n == 0 || n > 8 {
            return Err(
                "the server sent an LDAP message without a definite length, which LDAP forbids"
                    .into(),
            );
        }
        if h.len() < 2 + n {
            return Ok(None);
        }
        Ok(Some(
            h[2..2 + n].iter().fold(0u64, |a, b| a << 8 | u64::from(*b)),
        ))
    }

    /// Counts the message just completed.
    fn end_if_done(&mut self) -> Result<(), String> {
        if self.left != Some(0) {
            return Ok(());
        }
        self.left = None;
        // messageID is an INTEGER of at most 4 bytes, then comes the operation's tag.
        let op = match self.head.as_slice() {
            [0x02, n, rest @ ..] if usize::from(*n) < rest.len() => rest[usize::from(*n)],
            _ => 0,
        };
        if op == SEARCH_RESULT_ENTRY {
            self.entries += 1;
            if self.entries > self.limits.entries {
                return Err(format!(
                    "the server sent more than {} entries, the most guardplan reads (raise --max-entries for a \
                     directory this large)",
                    self.limits.entries
                ));
            }
        }
        Ok(())
    }
}

/// The server-to-client half: reads the server, checks, hands the bytes on.
struct Down {
    server: TcpStream,
    local: TcpStream,
    tls: Option<Arc<Mutex<ClientConnection>>>,
    frames: Frames,
    deadline: Instant,
    failure: Failure,
}

/// `Err` once `deadline` (`allowed` after the start) has passed.
fn past(deadline: Instant, allowed: Duration) -> Result<(), String> {
    if Instant::now() < deadline {
        return Ok(());
    }
    Err(format!(
        "the directory was not read within {} s (raise --deadline for a directory this large or a server this \
         slow)",
        allowed.as_secs()
    ))
}

impl Down {
    fn run(&mut self) {
        if let Err(why) = self.relay() {
            record(&self.failure, why);
        }
        let _ = self.local.shutdown(Shutdown::Both);
        let _ = self.server.shutdown(Shutdown::Both);
    }

    fn relay(&mut self) -> Result<(), String> {
        let mut buf = vec![0u8; 1 << 16];
        let mut plain = Vec::new();
        loop {
            past(self.deadline, self.frames.limits.deadline)?;
            let n = match self.server.read(&mut buf) {
                Ok(0) => return Ok(()),
                Ok(n) => n,
                // A quiet server is the client's to give up on (--timeout); the deadline is checked here.
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock
                            | io::ErrorKind::TimedOut
                            | io::ErrorKind::Interrupted
                    ) =>
                {
                    continue;
                }
                Err(_) => return Ok(()),
            };
            plain.clear();
            let bytes = match &self.tls {
                None => &buf[..n],
                Some(tls) => {
                    decrypt(tls, &buf[..n], &mut plain, &self.server)?;
                    plain.as_slice()
                }
            };
            self.frames.feed(bytes)?;
            if self.local.write_all(bytes).is_err() {
                return Ok(());
            }
        }
    }
}

/// Gives the TLS connection the bytes read from the server, and appends what they decrypt to.
fn decrypt(
    tls: &Mutex<ClientConnection>,
    mut record: &[u8],
    plain: &mut Vec<u8>,
    server: &TcpStream,
) -> Result<(), String> {
    let mut conn = tls.lock().unwrap_or_else(PoisonError::into_inner);
    let failed = |e: &dyn std::fmt::Display| format!("the TLS connection failed: {e}");
    while !record.is_empty() {
        conn.read_tls(&mut record).map_err(|e| failed(&e))?;
        conn.process_new_packets().map_err(|e| failed(&e))?;
        let mut chunk = [0u8; 1 << 14];
        loop {
            match conn.reader().read(&mut chunk) {
                Ok(0) => break,
                Ok(k) => plain.extend_from_slice(&chunk[..k]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => return Err(failed(&e)),
            }
        }
    }
    let mut out = server;
    while conn.wants_write() {
        conn.write_tls(&mut out).map_err(|e| failed(&e))?;
    }
    Ok(())
}

/// The client-to-server half: the client's requests, encrypted when the connection is.
struct Up {
    local: TcpStream,
    server: TcpStream,
    tls: Option<Arc<Mutex<ClientConnection>>>,
    failure: Failure,
}

impl Up {
    fn run(mut self) {
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = match self.local.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let sent = match &self.tls {
                None => self.server.write_all(&buf[..n]),
                Some(tls) => {
                    let mut conn = tls.lock().unwrap_or_else(PoisonError::into_inner);
                    let mut out = &self.server;
                    conn.writer().write_all(&buf[..n]).and_then(|()| {
                        while conn.wants_write() {
                            conn.write_tls(&mut out)?;
                        }
                        Ok(())
                    })
                }
            };
            if let Err(e) = sent {
                if e.kind() == io::ErrorKind::TimedOut || e.kind() == io::ErrorKind::WouldBlock {
                    record(
                        &self.failure,
                        "the server stopped reading the requests (raise --timeout for a slow server)".into(),
                    );
                }
                break;
            }
        }
        let _ = self.server.shutdown(Shutdown::Write);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            message: 100,
            entries: 2,
            total: 1000,
            deadline: Duration::from_secs(1),
        }
    }

    /// An LDAP message: SEQUENCE { INTEGER id, op }.
    fn message(id: u8, op: u8, body: &[u8]) -> Vec<u8> {
        let mut inner = vec![0x02, 0x01, id, op, body.len() as u8];
        inner.extend_from_slice(body);
        let mut m = vec![0x30, inner.len() as u8];
        m.extend(inner);
        m
    }

    #[test]
    fn messages_are_followed_across_any_split() {
        let mut bytes = message(2, SEARCH_RESULT_ENTRY, b"abc");
        bytes.extend(message(2, 0x65, b"\x0a\x01\x00"));
        for cut in 0..bytes.len() {
            let mut f = Frames::new(limits());
            f.feed(&bytes[..cut]).expect("within bounds");
            f.feed(&bytes[cut..]).expect("within bounds");
            assert!(f.between_messages());
            assert_eq!(f.entries, 1);
        }
        let bytes_one_at_a_time = bytes.chunks(1);
        assert_eq!(scan(bytes_one_at_a_time, limits()), Ok(1));
    }

    #[test]
    fn each_bound_is_checked() {
        // A message that declares 4 GiB (long form, four length bytes) is refused at its header.
        let e = Frames::new(limits())
            .feed(b"\x30\x84\xff\xff\xff\xff\x02")
            .expect_err("too large");
        assert!(e.contains("a message of 4294967295 bytes"), "{e}");
        assert!(e.contains("--max-message-mib"), "{e}");
        let mut f = Frames::new(limits());
        let entry = message(2, SEARCH_RESULT_ENTRY, b"x");
        f.feed(&entry).and_then(|()| f.feed(&entry)).expect("two");
        let e = f.feed(&entry).expect_err("a third entry");
        assert!(e.contains("more than 2 entries"), "{e}");
        let e = Frames::new(limits())
            .feed(&[0x30, 0x7f].repeat(600))
            .expect_err("too much");
        assert!(e.contains("--max-total-mib"), "{e}");
        let e = Frames::new(limits())
            .feed(b"HTTP/1.1 400")
            .expect_err("not LDAP");
        assert!(e.contains("0x48"), "{e}");
        let e = Frames::new(limits())
            .feed(b"\x30\x80")
            .expect_err("indefinite");
        assert!(e.contains("definite length"), "{e}");
    }

    #[test]
    fn ber_elements_are_split_without_reading_past_the_end() {
        assert_eq!(
            tlv(b"\x0a\x01\x00rest"),
            Some((0x0a, &b"\x00"[..], &b"rest"[..]))
        );
        assert_eq!(tlv(b"\x30\x82\x00\x01x"), Some((0x30, &b"x"[..], &b""[..])));
        assert_eq!(tlv(b"\x30\x05ab"), None);
        assert_eq!(tlv(b"\x30\x85\x01\x01\x01\x01\x01"), None);
    }
}
