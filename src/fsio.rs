//! Every file guardplan reads or writes goes through here. Inputs are read in bounded memory and refused when
//! they are not regular files (a named pipe would hang, `/dev/zero` would never end); the pipe of `/dev/stdin`
//! or a shell's `<(...)` is read, within the same bound. Outputs are written by one atomic writer.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

pub mod decode;

/// The largest file read whole: an inventory, a plan, an import file, or one file inside an archive.
pub const MAX_FILE: u64 = 256 << 20;

/// The largest plan file: plans name selectors, not every host (a starting plan for 10,000 hosts is 13 KB), and
/// the TOML parser needs some twenty times the text it parses.
pub const MAX_PLAN: u64 = 16 << 20;

/// The most all the files of one archive may expand to together.
pub const MAX_ARCHIVE: u64 = 512 << 20;

/// Symbolic links followed at most when resolving an output path (as the kernel does).
const MAX_LINKS: usize = 40;

fn refused(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("is {what}, not a regular file: give the path of a regular file"),
    )
}

/// Why a file of this type cannot be read or replaced; `None` for a regular file.
fn special(ft: &std::fs::FileType) -> Option<&'static str> {
    if ft.is_file() {
        return None;
    }
    if ft.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return Some("a named pipe (FIFO)");
        }
        if ft.is_char_device() {
            return Some("a character device");
        }
        if ft.is_block_device() {
            return Some("a block device");
        }
        if ft.is_socket() {
            return Some("a socket");
        }
    }
    Some("a special file")
}

/// Whether `path` names an anonymous pipe this process holds (`/dev/stdin`, `/dev/fd/N`, a shell's `<(...)`):
/// its chain of links ends at `pipe:[N]`. A named pipe in the file system is not one.
fn is_anonymous_pipe(path: &Path) -> bool {
    let mut p = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        let Ok(target) = std::fs::read_link(&p) else {
            return false;
        };
        if target.to_str().is_some_and(|t| t.starts_with("pipe:[")) {
            return true;
        }
        p = match p.parent() {
            Some(dir) => dir.join(target),
            None => target,
        };
    }
    false
}

/// Opens an input file. Regular files and anonymous pipes are opened; named pipes, devices, sockets and
/// directories are refused with an error saying what the path is, without blocking on them.
pub fn open_input(path: &Path) -> io::Result<File> {
    let ft = std::fs::metadata(path)?.file_type();
    let pipe = !ft.is_file() && is_anonymous_pipe(path);
    if let (Some(what), false) = (special(&ft), pipe) {
        return Err(refused(what));
    }
    open_checked(path, pipe)
}

#[cfg(unix)]
fn open_checked(path: &Path, pipe: bool) -> io::Result<File> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    // Non-blocking, so a file swapped for a named pipe since the check cannot hang the open; the type is then
    // checked on what was opened.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)?;
    let ft = file.metadata()?.file_type();
    if let (Some(what), false) = (special(&ft), pipe && !ft.is_dir()) {
        return Err(refused(what));
    }
    // SAFETY: `fcntl` on a descriptor this function owns, with flags read from it.
    let ok = unsafe {
        let fd = file.as_raw_fd();
        let flags = libc::fcntl(fd, libc::F_GETFL);
        flags >= 0 && libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) >= 0
    };
    if !ok {
        return Err(io::Error::last_os_error());
    }
    Ok(file)
}

#[cfg(not(unix))]
fn open_checked(path: &Path, _pipe: bool) -> io::Result<File> {
    let file = File::open(path)?;
    if let Some(what) = special(&file.metadata()?.file_type()) {
        return Err(refused(what));
    }
    Ok(file)
}

/// A size for messages: MiB from 1 MiB up, bytes below.
pub fn size(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

/// Reads at most `limit` bytes from `reader`; more is an error that names the limit.
pub fn read_bounded(reader: impl Read, limit: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!(
                "is larger than {}, the most guardplan reads: check that it is the right file",
                size(limit)
            ),
        ));
    }
    Ok(bytes)
}

/// Reads a whole input file (see [`open_input`]), at most [`MAX_FILE`] bytes.
pub fn read_input(path: &Path) -> io::Result<Vec<u8>> {
    read_input_within(path, MAX_FILE)
}

/// Reads a whole input file (see [`open_input`]), at most `limit` bytes.
pub fn read_input_within(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    read_bounded(open_input(path)?, limit)
}

/// Where an output named on the command line goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Standard output: `-`, `/dev/stdout`, `/dev/fd/1` or `/proc/self/fd/1`.
    Stdout,
    /// A file, written by [`AtomicFile`].
    File(PathBuf),
}

impl Output {
    /// What `path` names.
    pub fn of(path: &Path) -> Output {
        match path.to_str() {
            Some("-" | "/dev/stdout" | "/dev/fd/1" | "/proc/self/fd/1") => Output::Stdout,
            _ => Output::File(path.to_path_buf()),
        }
    }
}

/// The file a write to `path` lands in: `path` with its symbolic links followed, so that a link stays a link
/// and its target is written. A dangling link resolves to the file it names.
fn resolve(path: &Path) -> io::Result<PathBuf> {
    let mut p = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = std::fs::read_link(&p)?;
                p = match p.parent() {
                    Some(dir) => dir.join(target),
                    None => target,
                };
            }
            Ok(_) => return Ok(p),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(p),
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        "has too many levels of symbolic links",
    ))
}

/// The metadata of what is at `target` (not following a link), refusing anything but a regular file.
fn existing_regular(target: &Path) -> io::Result<Option<std::fs::Metadata>> {
    match std::fs::symlink_metadata(target) {
        Ok(m) => match special(&m.file_type()) {
            None => Ok(Some(m)),
            Some(what) => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "is {what}, not a regular file: refusing to replace it (give a file path, or `-` for standard output)"
                ),
            )),
        },
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// A file being replaced atomically: a temporary file created exclusively beside the target (never through a
/// symbolic link), with the target's mode and owner, renamed over the target by [`AtomicFile::commit`]. Dropped
/// without a commit, it removes its temporary file and leaves the target as it was.
#[derive(Debug)]
pub struct AtomicFile {
    file: Option<File>,
    tmp: PathBuf,
    target: PathBuf,
}

impl AtomicFile {
    /// Starts replacing `path` (or the file its symbolic links lead to). Refuses when that is not a regular file.
    pub fn create(path: &Path) -> io::Result<AtomicFile> {
        let target = resolve(path)?;
        let existing = existing_regular(&target)?;
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "output".into());
        remove_abandoned(&dir, &name);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let mut n = 0u32;
        let (tmp, file) = loop {
            let tmp = dir.join(format!(".{name}.{}.{nanos:x}.{n}.tmp", std::process::id()));
            // `create_new` is O_CREAT|O_EXCL: it fails on anything already there, a planted link included.
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(if existing.is_some() { 0o600 } else { 0o666 });
            }
            match opts.open(&tmp) {
                Ok(f) => break (tmp, f),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 1000 => n += 1,
                Err(e) => return Err(e),
            }
        };
        let out = AtomicFile {
            file: Some(file),
            tmp,
            target,
        };
        if let (Some(m), Some(f)) = (&existing, &out.file) {
            keep_mode_and_owner(f, m)?;
        }
        Ok(out)
    }

    /// The file that is replaced (the target of a symbolic link).
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Flushes the content to disk and renames it over the target.
    pub fn commit(mut self) -> io::Result<()> {
        let Some(mut file) = self.file.take() else {
            return Err(io::Error::other("already committed"));
        };
        file.flush()?;
        file.sync_all()?;
        drop(file);
        // Checked again: the target may have been replaced by a device or a directory meanwhile.
        existing_regular(&self.target)?;
        std::fs::rename(&self.tmp, &self.target)?;
        self.tmp = PathBuf::new();
        // Make the rename itself durable where the platform allows opening a directory.
        if let Some(dir) = self.target.parent().filter(|d| !d.as_os_str().is_empty())
            && let Ok(d) = File::open(dir)
        {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

/// Removes the temporary files a writer of `name` left in `dir` when its process was killed mid-write (their
/// names carry the writer's process id, and that process is gone).
#[cfg(unix)]
fn remove_abandoned(dir: &Path, name: &str) {
    let prefix = format!(".{name}.");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.filter_map(Result::ok) {
        let file = e.file_name();
        let Some(rest) = file
            .to_str()
            .and_then(|f| f.strip_prefix(&prefix))
            .filter(|r| r.ends_with(".tmp"))
        else {
            continue;
        };
        let Some(pid) = rest
            .split('.')
            .next()
            .and_then(|p| p.parse::<libc::pid_t>().ok())
            .filter(|p| *p > 0)
        else {
            continue;
        };
        // SAFETY: signal 0 only asks whether the process exists; nothing is sent.
        let gone = unsafe { libc::kill(pid, 0) } != 0
            && io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
        if gone && e.file_type().is_ok_and(|t| t.is_file()) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

#[cfg(not(unix))]
fn remove_abandoned(_dir: &Path, _name: &str) {}

#[cfg(unix)]
fn keep_mode_and_owner(f: &File, m: &std::fs::Metadata) -> io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    f.set_permissions(m.permissions())?;
    let own = f.metadata()?;
    if own.uid() != m.uid() || own.gid() != m.gid() {
        // Only root may give a file away; a group the user belongs to can be kept. Failing that, the file
        // becomes the writer's, as with any editor.
        if std::os::unix::fs::fchown(f, Some(m.uid()), Some(m.gid())).is_err() {
            let _ = std::os::unix::fs::fchown(f, None, Some(m.gid()));
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn keep_mode_and_owner(f: &File, m: &std::fs::Metadata) -> io::Result<()> {
    f.set_permissions(m.permissions())
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.file {
            Some(f) => f.write(buf),
            None => Err(io::Error::other("already committed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.tmp.as_os_str().is_empty() {
            self.file = None;
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Replaces `path` with `bytes` through an [`AtomicFile`].
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = AtomicFile::create(path)?;
    f.write_all(bytes)?;
    f.commit()
}

/// Writes `bytes` to an [`Output`]: standard output, or a file replaced atomically.
pub fn write_output(out: &Output, bytes: &[u8]) -> io::Result<()> {
    match out {
        Output::Stdout => {
            let mut s = io::stdout().lock();
            s.write_all(bytes)?;
            s.flush()
        }
        Output::File(path) => write_atomic(path, bytes),
    }
}
