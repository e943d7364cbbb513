//! `guardplan import ldap` against a hostile directory server: a fake LDAP server on 127.0.0.1, started and
//! stopped by each test, that declares a huge message, floods entries, trickles them for ever or repeats its
//! paging cookie, in plain LDAP, LDAPS or StartTLS. Each import ends with exit code 2 and names the bound the
//! server crossed.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use assert_cmd::Command;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

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

/// The tag, contents and rest of the BER element at the start of `b`.
fn split(b: &[u8]) -> (u8, &[u8], &[u8]) {
    let (len, at) = if b[1] < 0x80 {
        (usize::from(b[1]), 2)
    } else {
        let n = usize::from(b[1] & 0x7F);
        (
            b[2..2 + n]
                .iter()
                .fold(0usize, |a, x| a << 8 | usize::from(*x)),
            2 + n,
        )
    };
    (b[0], &b[at..at + len], &b[at + len..])
}

/// Reads one LDAP message: its id, the tag of its operation and, for a search, its base.
fn request(s: &mut impl Read) -> Option<(u8, u8, String)> {
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
    let (_, id, rest) = split(&body);
    let (op, contents, _) = split(rest);
    let base = if op == 0x63 {
        String::from_utf8_lossy(split(contents).1).into_owned()
    } else {
        String::new()
    };
    Some((*id.last()?, op, base))
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
    /// Not hostile: the directory of `tests/fixtures/import/fabrikam.ldif`, in two pages.
    Fabrikam,
}

/// How the fake server speaks.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Wire {
    Plain,
    Ldaps,
    StartTls,
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ldap")
        .join(name)
}

/// The TLS side of the fake server: the test certificate for 127.0.0.1.
fn server_tls() -> Arc<rustls::ServerConfig> {
    let certs = CertificateDer::pem_file_iter(fixture("server.pem"))
        .expect("server.pem")
        .collect::<Result<Vec<_>, _>>()
        .expect("certificates");
    let key = PrivateKeyDer::from_pem_file(fixture("server.key")).expect("server.key");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("certificate");
    Arc::new(config)
}

/// Starts the fake server on a port of 127.0.0.1 for one connection; the thread ends when guardplan has
/// closed the connection.
fn serve(how: Hostile, wire: Wire) -> (u16, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("listen");
    let port = listener.local_addr().expect("addr").port();
    let server = std::thread::spawn(move || {
        let Ok((mut s, _)) = listener.accept() else {
            return;
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(30)));
        if wire == Wire::StartTls {
            // The StartTLS request, then a success.
            match request(&mut s) {
                Some((id, 0x77, _)) => {
                    if s.write_all(&message(id, success(0x78), None)).is_err() {
                        return;
                    }
                }
                _ => return,
            }
        }
        match wire {
            Wire::Plain => converse(&mut s, how),
            Wire::Ldaps | Wire::StartTls => {
                let Ok(conn) = rustls::ServerConnection::new(server_tls()) else {
                    return;
                };
                converse(&mut rustls::StreamOwned::new(conn, s), how);
            }
        }
    });
    (port, server)
}

/// Answers requests until guardplan hangs up.
fn converse(s: &mut (impl Read + Write), how: Hostile) {
    let mut pages = 0;
    while let Some((id, op, base)) = request(s) {
        let sent = match (op, how) {
            // Bind: success.
            (0x60, _) => s.write_all(&message(id, success(0x61), None)),
            (0x63, Hostile::Fabrikam) => {
                pages += 1;
                fabrikam(s, id, &base, pages)
            }
            // Search.
            (0x63, _) => answer(s, id, how),
            // Unbind, abandon, anything else: no answer.
            _ => Ok(()),
        };
        if sent.is_err() {
            return;
        }
    }
}

/// A search result entry with every attribute of an LDIF entry.
fn ldif_entry(e: &guardplan::import::Entry) -> Vec<u8> {
    let attrs: Vec<u8> = e
        .attrs
        .iter()
        .flat_map(|(k, vs)| {
            let vals: Vec<u8> = vs.iter().flat_map(|v| tlv(0x04, v)).collect();
            tlv(0x30, &[tlv(0x04, k.as_bytes()), tlv(0x31, &vals)].concat())
        })
        .collect();
    tlv(
        0x64,
        &[tlv(0x04, e.dn.as_bytes()), tlv(0x30, &attrs)].concat(),
    )
}

/// Answers the searches of an import with the fabrikam directory: the domain's objects in two pages, the root
/// DSE, then the partitions' crossRef objects.
fn fabrikam(s: &mut impl Write, id: u8, base: &str, search: usize) -> std::io::Result<()> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import/fabrikam.ldif");
    let text = std::fs::read_to_string(path).expect("fabrikam.ldif");
    let entries = guardplan::import::ldif::parse("fabrikam.ldif", &text).expect("LDIF");
    let cross_ref = |e: &&guardplan::import::Entry| {
        e.attrs
            .get("objectclass")
            .is_some_and(|v| v.iter().any(|c| c == b"crossRef"))
    };
    let (found, cookie): (Vec<Vec<u8>>, Option<&[u8]>) = if base.is_empty() {
        let config = [
            tlv(0x04, b"configurationNamingContext"),
            tlv(0x31, &tlv(0x04, b"CN=Configuration,DC=fabrikam,DC=example")),
        ]
        .concat();
        let dse = tlv(
            0x64,
            &[tlv(0x04, b""), tlv(0x30, &tlv(0x30, &config))].concat(),
        );
        (vec![dse], None)
    } else if base.starts_with("CN=Partitions") {
        let refs = entries.iter().filter(cross_ref).map(ldif_entry).collect();
        (refs, Some(b""))
    } else {
        let domain: Vec<_> = entries.iter().filter(|e| !cross_ref(e)).collect();
        let half = domain.len() / 2;
        match search {
            1 => (
                domain[..half].iter().map(|e| ldif_entry(e)).collect(),
                Some(b"page-2"),
            ),
            _ => (
                domain[half..].iter().map(|e| ldif_entry(e)).collect(),
                Some(b""),
            ),
        }
    };
    for e in found {
        s.write_all(&message(id, e, None))?;
    }
    s.write_all(&message(id, success(0x65), cookie.map(paged)))
}

fn answer(s: &mut impl Write, id: u8, how: Hostile) -> std::io::Result<()> {
    match how {
        Hostile::Fabrikam => unreachable!("answered by fabrikam()"),
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

/// Runs the import against the fake server in plain LDAP; returns the exit code and standard error.
fn import(how: Hostile, flags: &[&str]) -> (Option<i32>, String) {
    import_over(how, Wire::Plain, flags)
}

fn import_over(how: Hostile, wire: Wire, flags: &[&str]) -> (Option<i32>, String) {
    let (port, server) = serve(how, wire);
    let dir = tempfile::tempdir().expect("dir");
    let url = match wire {
        Wire::Ldaps => format!("ldaps://127.0.0.1:{port}"),
        _ => format!("ldap://127.0.0.1:{port}"),
    };
    let ca = fixture("ca.pem");
    let security: Vec<&std::ffi::OsStr> = match wire {
        Wire::Plain => vec!["--insecure-plain".as_ref()],
        _ => vec!["--ca-cert".as_ref(), ca.as_os_str()],
    };
    let out = Command::cargo_bin("guardplan")
        .expect("binary")
        .args(["import", "ldap", &url])
        .args(security)
        .args(["--base", "DC=corp,DC=example", "--bind", "CN=r"])
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

#[test]
fn the_bounds_hold_over_ldaps_and_starttls() {
    for wire in [Wire::Ldaps, Wire::StartTls] {
        let (code, err) = import_over(Hostile::HugeMessage, wire, &[]);
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains("a message of 4294967295 bytes"), "{err}");
        // Bind, search and a second page travel both ways through TLS before the cookie ends the search.
        let (code, err) = import_over(Hostile::SameCookie, wire, &[]);
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains("the same paging cookie twice"), "{err}");
    }
}

#[test]
fn a_server_certificate_from_an_unknown_ca_is_refused() {
    let (port, server) = serve(Hostile::SameCookie, Wire::Ldaps);
    let out = Command::cargo_bin("guardplan")
        .expect("binary")
        .args(["import", "ldap", &format!("ldaps://127.0.0.1:{port}")])
        .args(["--base", "DC=corp,DC=example", "-o", "never-written.toml"])
        .timeout(Duration::from_secs(120))
        .output()
        .expect("run");
    server.join().expect("the fake server ends");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("certificate is not trusted"), "{err}");
    assert!(err.contains("--ca-cert"), "{err}");
}

#[test]
fn a_directory_within_the_bounds_is_read_as_its_ldif_export_is() {
    let dir = tempfile::tempdir().expect("dir");
    let ldif = dir.path().join("from-ldif.toml");
    Command::cargo_bin("guardplan")
        .expect("binary")
        .args(["import", "ldif"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import/fabrikam.ldif"))
        .arg("-o")
        .arg(&ldif)
        .arg("--no-timestamp")
        .assert()
        .code(0);
    // Without the header, which names the source.
    let body = |p: &Path| {
        std::fs::read_to_string(p)
            .expect("inventory")
            .lines()
            .skip_while(|l| l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n")
    };
    for wire in [Wire::Plain, Wire::Ldaps, Wire::StartTls] {
        let (port, server) = serve(Hostile::Fabrikam, wire);
        let live = dir.path().join("from-ldap.toml");
        let _ = std::fs::remove_file(&live);
        let url = match wire {
            Wire::Ldaps => format!("ldaps://127.0.0.1:{port}"),
            _ => format!("ldap://127.0.0.1:{port}"),
        };
        let mut cmd = Command::cargo_bin("guardplan").expect("binary");
        cmd.args(["import", "ldap", &url, "--base", "DC=fabrikam,DC=example"]);
        match wire {
            Wire::Plain => cmd.arg("--insecure-plain"),
            _ => cmd.arg("--ca-cert").arg(fixture("ca.pem")),
        };
        cmd.arg("-o")
            .arg(&live)
            .arg("--no-timestamp")
            .timeout(Duration::from_secs(120))
            .assert()
            .code(0);
        server.join().expect("the fake server ends");
        let live = body(&live);
        assert!(live.contains("dns = \"fabrikam.example\""), "{live}");
        assert_eq!(live, body(&ldif));
    }
}
