//! `guardplan import ldap` refuses bad TLS arguments before it connects anywhere, and gives up on a silent server.

use assert_cmd::Command;

fn import_ldap(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::cargo_bin("guardplan")
        .expect("binary")
        .args(["import", "ldap"])
        .args(args)
        .args(["--base", "DC=corp,DC=example,DC=com", "-o"])
        .arg(std::env::temp_dir().join("guardplan-never-written.toml"))
        .env("GUARDPLAN_LDAP_PASSWORD", "pw")
        // A guard against a hang, not a measure.
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("run");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn ca_cert_must_be_a_readable_pem_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let der = tmp.path().join("root.cer");
    std::fs::write(&der, [0x30, 0x82, 0x01, 0x0a, 0x02, 0x01]).expect("write");
    // Port 1 on the loopback: if the file were accepted, the error would be about the connection instead.
    let with_ca = |file: &std::path::Path| {
        import_ldap(&[
            "ldaps://127.0.0.1:1",
            "--ca-cert",
            file.to_str().expect("path"),
        ])
    };
    let (code, err) = with_ca(&der);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("root.cer holds no certificate"), "{err}");
    assert!(err.contains("--ca-cert expects PEM"), "{err}");

    let missing = tmp.path().join("missing.pem");
    let (code, err) = with_ca(&missing);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("missing.pem"), "{err}");
}

#[test]
fn ca_cert_and_plain_ldap_exclude_each_other() {
    let (code, err) = import_ldap(&[
        "ldap://127.0.0.1:1",
        "--insecure-plain",
        "--ca-cert",
        "ca.pem",
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("cannot be used with"), "{err}");
}

#[test]
fn plain_ldap_to_another_host_is_refused() {
    let (code, err) = import_ldap(&["ldap://dc01.corp.example.com", "--insecure-plain"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("only to ldap://127.0.0.1"), "{err}");
}

#[test]
fn a_server_that_stops_answering_ends_the_search_at_the_timeout() {
    // Accepts the connection and reads the search request, but never replies.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming().flatten() {
            let mut c = conn;
            let mut buf = [0u8; 4096];
            let _ = std::io::Read::read(&mut c, &mut buf);
            held.push(c);
        }
    });
    let url = format!("ldap://127.0.0.1:{port}");
    let (code, err) = import_ldap(&[&url, "--insecure-plain", "--timeout", "1"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("no answer within 1 s"), "{err}");
}
