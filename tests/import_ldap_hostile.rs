//! `guardplan import ldap` against a hostile directory server: a fake LDAP server on 127.0.0.1, started and
//! stopped by each test, that declares a huge message, floods entries, trickles them for ever or repeats its
//! paging cookie. Each import ends with exit code 2 and names the bound the server crossed.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread::JoinHandle;
use std::time::Duration;

use assert_cmd::Command;

/// A BER element with a definite length.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// An LDAP message: SEQUENCE { INTEGER id, op, [0] controls }.
fn message(id: u8, op: Vec<u8>, controls: Option<Vec<u8>>) -> Vec<u8> {
    let mut body = tlv(0x02, &[id]);
    body.extend(op);
    if let Some(c) = controls {
        body.extend(tlv(0xA0, &c));
    }
    tlv(0x30, &body)
}

/// An LDAPResult of `tag` with result code 0.
fn success(tag: u8) -> Vec<u8> {
    let mut r = tlv(0x0A, &[0]);
    r.extend(tlv(0x04, b""));
    r.extend(tlv(0x04, b""));
    tlv(tag, &r)
}

/// A search result entry with one attribute.
fn entry(dn: &str) -> Vec<u8> {
    let mut e = tlv(0x04, dn.as_bytes());
    let attr = [tlv(0x04, b"objectClass"), tlv(0x31, &tlv(0x04, b"user"))].concat();
    e.extend(tlv(0x30, &tlv(0x30, &attr)));
    tlv(0x64, &e)
}

/// The Paged Results control of a reply, with `cookie`.
fn paged(cookie: &[u8]) -> Vec<u8> {
    let value = tlv(0x30, &[tlv(0x02, &[0]), tlv(0x04, cookie)].concat());
    tlv(
        0x30,
        &[tlv(0x04, b"1.2.840.113556.1.4.319"), tlv(0x04, &value)].concat(),
    )
}

/// Reads one LDAP message: its id and the tag of its operation.
fn request(s: &mut TcpStream) -> Option<(u8, u8)> {
    let mut head = [0u8; 2];
    s.read_exact(&mut head).ok()?;
    let len = if head[1] < 0x80 {
        usize::from(head[1])
    } else {
        let mut n = vec![0u8; usize::from(head[1] & 0x7F)];
        s.read_exact(&mut n).ok()?;
        n.iter().fold(0usize, |a, b| a << 8 | usize::from(*b))
    };
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).ok()?;
    let id_len = usize::from(body[1]);
    Some((body[2 + id_len - 1], body[2 + id_len]))
}

/// How the fake server answers a search.
#[derive(Clone, Copy)]
enum Hostile {
    /// Declares a message of 4 GiB and streams its contents.
    HugeMessage,
    /// Sends entries and never ends the search.
    Flood,
    /// Sends an entry every 200 ms for ever: each wait is short, the search never ends.
    Trickle,
    /// Ends every page with the same paging cookie.
    SameCookie,
}

/// Starts the fake server on a port of 127.0.0.1 for one connection; the thread ends when guardplan has
/// closed the connection.
fn serve(how: Hostile) -> (u16, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("listen");
    let port = listener.local_addr().expect("addr").port();
    let server = std::thread::spawn(move || {
        let Ok((mut s, _)) = listener.accept() else {
            return;
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(30)));
        while let Some((id, op)) = request(&mut s) {
            let sent = match op {
                // Bind: success.
                0x60 => s.write_all(&message(id, success(0x61), None)),
                // Search.
                0x63 => answer(&mut s, id, how),
                // Unbind, abandon, anything else: no answer.
                _ => Ok(()),
            };
            if sent.is_err() {
                return;
            }
        }
    });
    (port, server)
}

fn answer(s: &mut TcpStream, id: u8, how: Hostile) -> std::io::Result<()> {
    match how {
        Hostile::HugeMessage => {
            s.write_all(b"\x30\x84\xff\xff\xff\xff\x02\x01")?;
            s.write_all(&[id])?;
            let block = vec![0u8; 1 << 16];
            // Until guardplan hangs up, or 4 GiB.
            for _ in 0..(1 << 16) {
                s.write_all(&block)?;
            }
            Ok(())
        }
        Hostile::Flood => {
            let page: Vec<u8> = (0..1000)
                .flat_map(|i| message(id, entry(&format!("CN=u{i},DC=corp,DC=example")), None))
                .collect();
            loop {
                s.write_all(&page)?;
            }
        }
        Hostile::Trickle => loop {
            s.write_all(&message(id, entry("CN=slow,DC=corp,DC=example"), None))?;
            std::thread::sleep(Duration::from_millis(200));
        },
        Hostile::SameCookie => {
            s.write_all(&message(id, entry("CN=again,DC=corp,DC=example"), None))?;
            s.write_all(&message(id, success(0x65), Some(paged(b"same"))))
        }
    }
}

/// Runs the import against the fake server; returns the exit code and standard error.
fn import(how: Hostile, flags: &[&str]) -> (Option<i32>, String) {
    let (port, server) = serve(how);
    let dir = tempfile::tempdir().expect("dir");
    let out = Command::cargo_bin("guardplan")
        .expect("binary")
        .args(["import", "ldap", &format!("ldap://127.0.0.1:{port}")])
        .args([
            "--insecure-plain",
            "--base",
            "DC=corp,DC=example",
            "--bind",
            "CN=r",
        ])
        .args(flags)
        .arg("-o")
        .arg(dir.path().join("out.toml"))
        .env("GUARDPLAN_LDAP_PASSWORD", "pw")
        // A guard against a hang, not a measure.
        .timeout(Duration::from_secs(120))
        .output()
        .expect("run");
    server.join().expect("the fake server ends");
    assert!(!dir.path().join("out.toml").exists(), "nothing is written");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_message_larger_than_the_bound_is_refused_at_its_header() {
    let (code, err) = import(Hostile::HugeMessage, &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains(
            "the server announced a message of 4294967295 bytes; the most guardplan reads is 16 MiB"
        ),
        "{err}"
    );
    assert!(err.contains("--max-message-mib"), "{err}");
}

#[test]
fn endless_entries_end_at_the_entry_bound_and_at_the_byte_bound() {
    let (code, err) = import(Hostile::Flood, &["--max-entries", "5000"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("more than 5000 entries"), "{err}");
    assert!(err.contains("--max-entries"), "{err}");
    let (code, err) = import(Hostile::Flood, &["--max-total-mib", "1"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("more than 1 MiB in total"), "{err}");
    assert!(err.contains("--max-total-mib"), "{err}");
}

#[test]
fn a_server_that_keeps_answering_slowly_ends_at_the_deadline() {
    let (code, err) = import(Hostile::Trickle, &["--deadline", "2", "--timeout", "5"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("not read within 2 s"), "{err}");
    assert!(err.contains("--deadline"), "{err}");
}

#[test]
fn a_repeated_paging_cookie_ends_the_search() {
    let (code, err) = import(Hostile::SameCookie, &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("the same paging cookie twice"), "{err}");
}

#[test]
fn plain_ldap_to_a_name_is_refused_before_connecting() {
    for url in [
        "ldap://localhost",
        "ldap://localhost:389",
        "ldap://127.0.0.1.nip.io",
    ] {
        let out = Command::cargo_bin("guardplan")
            .expect("binary")
            .args(["import", "ldap", url, "--insecure-plain", "--base", "DC=x"])
            .args(["-o", "never-written.toml"])
            .output()
            .expect("run");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{url}: {err}");
        assert!(err.contains("not a name such as localhost"), "{url}: {err}");
    }
}
