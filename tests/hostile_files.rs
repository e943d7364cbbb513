//! Hostile files: special files refused without hanging, archives read within bounds, and outputs written by
//! the one atomic writer (symbolic links kept, devices refused, no temporary file left behind).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use guardplan::fsio::Output;
#[cfg(unix)]
use guardplan::fsio::{self, AtomicFile};
use guardplan::import::bloodhound;

fn guardplan() -> Command {
    let mut c = Command::cargo_bin("guardplan").expect("binary");
    // A guard, not a measure: a command that blocks on a special file fails here instead of hanging the suite.
    c.timeout(Duration::from_secs(60));
    c
}

fn sample(dir: &Path) -> PathBuf {
    let path = dir.join("inv.toml");
    let out = guardplan().arg("sample").output().expect("sample");
    std::fs::write(&path, out.stdout).expect("write");
    path
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo");
    assert!(status.success());
}

#[cfg(unix)]
#[test]
fn special_files_are_refused_as_every_input() {
    let dir = tempfile::tempdir().expect("dir");
    let inv = sample(dir.path());
    let fifo = dir.path().join("fifo.toml");
    mkfifo(&fifo);
    let zero = dir.path().join("zero.toml");
    std::os::unix::fs::symlink("/dev/zero", &zero).expect("symlink");
    let out_path = dir.path().join("out.toml");
    let plan = Path::new(env!("CARGO_MANIFEST_DIR")).join("plans/contoso.plan.toml");
    let plan_s = plan.to_str().expect("utf-8 path");
    let contoso = dir.path().join("contoso.toml");
    std::fs::write(&contoso, guardplan::inventory::SAMPLE_TOML).expect("write");
    let contoso_s = contoso.to_str().expect("utf-8 path");
    // A link to a named pipe or a device is what it leads to.
    let fifo_link = dir.path().join("link-to-fifo.json");
    std::os::unix::fs::symlink(&fifo, &fifo_link).expect("symlink");
    let socket = dir.path().join("socket.json");
    let _listening = std::os::unix::net::UnixListener::bind(&socket).expect("socket");
    for (i, (special, what)) in [
        (&fifo, "named pipe"),
        (&fifo_link, "named pipe"),
        (&zero, "character device"),
        (&socket, "socket"),
    ]
    .into_iter()
    .enumerate()
    {
        let s = special.to_str().expect("utf-8 path");
        let inv_s = inv.to_str().expect("utf-8 path");
        let out_s = out_path.to_str().expect("utf-8 path");
        for args in [
            vec!["check", s],
            vec!["check", inv_s, "--plan", s],
            vec!["tui", inv_s, "--plan", s],
            vec!["import", "ldif", s, "-o", out_s],
            vec!["import", "bloodhound", s, "-o", out_s],
            vec!["import", "state", s, "--merge", inv_s, "-o", out_s],
            vec![
                "verify",
                contoso_s,
                "--plan",
                plan_s,
                "--through",
                "prerequisites",
                s,
            ],
            vec![
                "export",
                contoso_s,
                "--plan",
                plan_s,
                "--format",
                "markdown",
                "--events",
                s,
                "--through",
                "prerequisites",
            ],
            vec![
                "import",
                "ldap",
                "ldaps://127.0.0.1:1",
                "--ca-cert",
                s,
                "--base",
                "DC=x",
                "-o",
                out_s,
            ],
        ] {
            let out = guardplan().args(&args).output().expect("run");
            let err = stderr_of(&out);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
            assert!(
                err.contains(what),
                "{args:?} does not say it is a {what}: {err}"
            );
            assert!(err.contains(s), "{args:?} does not name the file: {err}");
        }
        // A BloodHound folder whose users.json is the special file.
        let folder = dir.path().join(format!("bh-{i}"));
        std::fs::create_dir(&folder).expect("folder");
        if what == "named pipe" {
            mkfifo(&folder.join("users.json"));
        } else if what == "socket" {
            continue;
        } else {
            std::os::unix::fs::symlink("/dev/zero", folder.join("users.json")).expect("symlink");
        }
        let out = guardplan()
            .args(["import", "bloodhound"])
            .arg(&folder)
            .arg("-o")
            .arg(&out_path)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
        assert!(stderr_of(&out).contains(what), "{}", stderr_of(&out));
    }
    assert!(!out_path.exists(), "nothing written");
}

#[cfg(unix)]
#[test]
fn an_inventory_through_an_anonymous_pipe_still_loads() {
    let dir = tempfile::tempdir().expect("dir");
    let inv = sample(dir.path());
    let out = guardplan()
        .args(["check", "/dev/stdin"])
        .pipe_stdin(&inv)
        .expect("stdin")
        .output()
        .expect("run");
    // A regular file as standard input, then a real pipe.
    assert_ne!(out.status.code(), Some(2), "{}", stderr_of(&out));
    let text = std::fs::read(&inv).expect("read");
    let out = guardplan()
        .args(["check", "/dev/stdin"])
        .write_stdin(text)
        .output()
        .expect("run");
    assert_ne!(out.status.code(), Some(2), "{}", stderr_of(&out));
}

/// A ZIP with `entries` deflated.
fn zip_of(path: &Path, entries: &[(&str, Vec<u8>)]) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).expect("create"));
    for (name, bytes) in entries {
        zip.start_file(
            *name,
            zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated),
        )
        .expect("start");
        zip.write_all(bytes).expect("write");
    }
    zip.finish().expect("finish");
}

#[test]
fn archives_are_read_within_a_limit_per_file_and_in_total() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("bomb.zip");
    let mib = vec![b' '; 1 << 20];
    zip_of(
        &path,
        &[
            ("a.json", mib.clone()),
            ("b.json", mib.clone()),
            ("c.json", mib.clone()),
        ],
    );
    assert!(std::fs::metadata(&path).expect("meta").len() < 64 << 10);
    let files = bloodhound::read_collection_within(&path, 2 << 20, 4 << 20).expect("within");
    assert_eq!(files.len(), 3);
    let err = bloodhound::read_collection_within(&path, 512 << 10, 4 << 20).expect_err("per file");
    assert!(
        err.contains("a.json") && err.contains("larger than 524288 bytes"),
        "{err}"
    );
    let err = bloodhound::read_collection_within(&path, 2 << 20, (5 << 20) / 2).expect_err("total");
    assert!(
        err.contains("c.json") && err.contains("expands to more than 2 MiB"),
        "{err}"
    );
}

/// A stored ZIP whose central directory lists the one local entry twice, under two names: both "files" share
/// the same bytes, the trick that lets a small archive expand many times over.
fn overlapping_zip(data: &[u8]) -> Vec<u8> {
    let crc = {
        let mut c = 0xFFFF_FFFFu32;
        for b in data {
            c ^= u32::from(*b);
            for _ in 0..8 {
                c = if c & 1 == 1 {
                    (c >> 1) ^ 0xEDB8_8320
                } else {
                    c >> 1
                };
            }
        }
        !c
    };
    let len = data.len() as u32;
    let mut out = Vec::new();
    let name = b"users.json";
    out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
    out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&(name.len() as u16).to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(name);
    out.extend_from_slice(data);
    let cd_start = out.len() as u32;
    for alias in [b"users.json", b"usera.json"] {
        out.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        out.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(alias.len() as u16).to_le_bytes());
        out.extend_from_slice(&[0; 12]);
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(alias);
    }
    let cd_len = out.len() as u32 - cd_start;
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0, 0, 0, 0, 2, 0, 2, 0]);
    out.extend_from_slice(&cd_len.to_le_bytes());
    out.extend_from_slice(&cd_start.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

#[test]
fn archives_with_overlapping_entries_are_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("overlap.zip");
    std::fs::write(
        &path,
        overlapping_zip(br#"{"meta":{"type":"users"},"data":[]}"#),
    )
    .expect("write");
    let out = guardplan()
        .args(["import", "bloodhound"])
        .arg(&path)
        .arg("-o")
        .arg(dir.path().join("out.toml"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("overlap"), "{}", stderr_of(&out));
}

#[cfg(unix)]
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("list")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

#[cfg(unix)]
#[test]
fn the_writer_keeps_links_mode_and_refuses_devices() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("dir");
    let real = dir.path().join("real.plan.toml");
    std::fs::write(&real, "old").expect("write");
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let link = dir.path().join("link.plan.toml");
    std::os::unix::fs::symlink("real.plan.toml", &link).expect("symlink");

    fsio::write_atomic(&link, b"new").expect("written through the link");
    assert!(
        std::fs::symlink_metadata(&link)
            .expect("meta")
            .file_type()
            .is_symlink(),
        "the link stays a link"
    );
    assert_eq!(std::fs::read(&real).expect("read"), b"new");
    let mode = std::fs::metadata(&real).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o640, "mode kept");

    let err = fsio::write_atomic(Path::new("/dev/full"), b"x").expect_err("a device");
    assert!(err.to_string().contains("character device"), "{err}");
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).expect("dir");
    let err = fsio::write_atomic(&sub, b"x").expect_err("a directory");
    assert!(err.to_string().contains("directory"), "{err}");

    // A temporary file planted as a link to another file is never written through: the writer's names are
    // fresh and created exclusively, and an unfinished write leaves nothing behind.
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "keep").expect("write");
    std::os::unix::fs::symlink(&victim, dir.path().join(".real.plan.toml.tmp")).expect("plant");
    {
        let mut f = AtomicFile::create(&real).expect("create");
        f.write_all(b"half").expect("write");
        // Dropped without commit.
    }
    assert_eq!(
        std::fs::read(&real).expect("read"),
        b"new",
        "target unchanged"
    );
    assert_eq!(std::fs::read(&victim).expect("read"), b"keep");
    assert_eq!(
        leftovers(dir.path()),
        vec![".real.plan.toml.tmp".to_string()]
    );
}

#[test]
fn standard_output_names_are_standard_output() {
    for name in ["-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"] {
        assert_eq!(Output::of(Path::new(name)), Output::Stdout, "{name}");
    }
    assert_eq!(
        Output::of(Path::new("plan.toml")),
        Output::File(PathBuf::from("plan.toml"))
    );
}

#[cfg(unix)]
#[test]
fn commands_write_to_standard_output_and_refuse_devices() {
    let dir = tempfile::tempdir().expect("dir");
    let inv = sample(dir.path());
    for out_name in ["-", "/dev/stdout"] {
        let out = guardplan()
            .args(["plan", "init"])
            .arg(&inv)
            .args(["-o", out_name])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
        let text = String::from_utf8(out.stdout).expect("utf-8");
        assert!(text.contains("[[stage]]"), "{text}");
    }
    for force in [false, true] {
        let mut cmd = guardplan();
        cmd.args(["plan", "init"])
            .arg(&inv)
            .args(["-o", "/dev/full"]);
        if force {
            cmd.arg("--force");
        }
        let out = cmd.output().expect("run");
        assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
        assert!(stderr_of(&out).contains("/dev/full"), "{}", stderr_of(&out));
        assert!(
            stderr_of(&out).contains("not a regular file"),
            "{}",
            stderr_of(&out)
        );
    }
    let plan = dir.path().join("p.plan.toml");
    let out = guardplan()
        .args(["plan", "init"])
        .arg(&inv)
        .arg("-o")
        .arg(&plan)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let out = guardplan()
        .arg("export")
        .arg(&inv)
        .arg("--plan")
        .arg(&plan)
        .args(["--format", "json", "-o", "/dev/full"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(leftovers(dir.path()).is_empty());
}

#[cfg(unix)]
#[test]
fn a_full_standard_error_does_not_stop_a_command() {
    let dir = tempfile::tempdir().expect("dir");
    let inv = sample(dir.path());
    let plan = dir.path().join("p.plan.toml");
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full")
    };
    let run = |args: &[&std::ffi::OsStr]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_guardplan"))
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(full())
            .status()
            .expect("run")
    };
    let status = run(&[
        "plan".as_ref(),
        "init".as_ref(),
        inv.as_ref(),
        "-o".as_ref(),
        plan.as_ref(),
    ]);
    assert_eq!(status.code(), Some(0), "plan init");
    assert!(plan.exists());
    let scripts = dir.path().join("scripts");
    let status = run(&[
        "export".as_ref(),
        inv.as_ref(),
        "--plan".as_ref(),
        plan.as_ref(),
        "--format".as_ref(),
        "scripts".as_ref(),
        "-o".as_ref(),
        scripts.as_ref(),
    ]);
    assert_eq!(status.code(), Some(0), "export scripts");
    assert!(std::fs::read_dir(&scripts).expect("scripts").count() > 0);
}

#[test]
fn a_collection_folder_is_read_within_a_total_limit() {
    let dir = tempfile::tempdir().expect("dir");
    for name in ["a.json", "b.json", "c.json"] {
        std::fs::write(dir.path().join(name), vec![b' '; 1 << 20]).expect("write");
    }
    assert_eq!(
        bloodhound::read_collection_within(dir.path(), 2 << 20, 4 << 20)
            .expect("within")
            .len(),
        3
    );
    let err =
        bloodhound::read_collection_within(dir.path(), 2 << 20, (5 << 20) / 2).expect_err("total");
    assert!(
        err.contains("c.json") && err.contains("more than 2 MiB"),
        "{err}"
    );
}

#[test]
fn an_oversized_plan_is_refused_before_it_is_parsed() {
    let dir = tempfile::tempdir().expect("dir");
    let inv = sample(dir.path());
    let plan = dir.path().join("big.plan.toml");
    let mut f = std::fs::File::create(&plan).expect("create");
    let line = vec![b'#'; 1 << 20];
    for _ in 0..17 {
        f.write_all(&line).expect("write");
        f.write_all(b"\n").expect("write");
    }
    drop(f);
    let out = guardplan()
        .arg("check")
        .arg(&inv)
        .arg("--plan")
        .arg(&plan)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("larger than 16 MiB"),
        "{}",
        stderr_of(&out)
    );
}

#[cfg(unix)]
#[test]
fn temporary_files_of_a_killed_writer_are_cleaned_up_and_a_running_ones_kept() {
    let dir = tempfile::tempdir().expect("dir");
    let target = dir.path().join("x.plan.toml");
    // No process has this id (Linux's limit is 4,194,304).
    let dead = dir.path().join(".x.plan.toml.999999999.1f.0.tmp");
    let alive = dir
        .path()
        .join(format!(".x.plan.toml.{}.2f.0.tmp", std::process::id()));
    let other = dir.path().join(".y.plan.toml.999999999.1f.0.tmp");
    for p in [&dead, &alive, &other] {
        std::fs::write(p, "half").expect("write");
    }
    fsio::write_atomic(&target, b"whole").expect("written");
    assert!(!dead.exists(), "left by a process that is gone");
    assert!(alive.exists(), "a running writer's file is not touched");
    assert!(other.exists(), "another file's temporary is not touched");
    assert_eq!(std::fs::read(&target).expect("read"), b"whole");
}
