//! etcd snapshot files: what `etcdctl snapshot save` writes, checked
//! without etcdctl, and how the toolkit names them in a directory.
//!
//! Facts this relies on (measured on etcd 3.4.23; `etcdctl snapshot
//! restore` checks the same trailer unless told `--skip-hash-check`):
//!
//! * a snapshot is etcd's bbolt database followed by 32 bytes, the SHA-256
//!   of everything before them (24,608 bytes = 24,576 + 32 for 50 keys);
//! * a bbolt file starts with two meta pages (page 0 and 1, each flagged
//!   `0x04`), each holding the magic `0xED0CDAED`, version 2, the page size,
//!   the high-water page number, the transaction ID and an FNV-1a 64
//!   checksum of the meta fields before it, little-endian; the meta with
//!   the higher transaction ID is the current one, and its high-water mark
//!   times the page size is the database's size (`totalSize` in
//!   `etcdctl snapshot status`).
//!
//! The toolkit names a snapshot `etcd-snapshot-YYYYMMDDTHHMMSSZ.db` (UTC,
//! the time it was asked for), beside `NAME.json`, what `etcdctl snapshot
//! status` said of it. Nothing else in the directory counts.

use ring::digest;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::Read;
use std::path::Path;
use time::OffsetDateTime;
use time::macros::format_description;

/// The SHA-256 etcd appends.
const TRAILER: u64 = 32;
/// bbolt's magic number.
const MAGIC: u32 = 0xED0C_DAED;
/// bbolt's file format version.
const VERSION: u32 = 2;
/// The flag of a meta page.
const META_PAGE: u16 = 0x04;
/// The page sizes bbolt can use (it takes the OS page size).
const PAGE_SIZES: std::ops::RangeInclusive<u32> = 512..=65536;
/// The bytes of a meta page that are read: the page header (16) and the
/// meta (64).
const META_BYTES: usize = 80;

/// How a snapshot's name starts.
pub const PREFIX: &str = "etcd-snapshot-";
/// How it ends.
pub const SUFFIX: &str = ".db";
/// What its record's name adds to its own.
pub const RECORD: &str = ".json";

/// What a snapshot that verifies is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Verified {
    /// The file's size.
    pub bytes: u64,
    /// The database's size (the file's, less the checksum).
    pub db_bytes: u64,
    /// bbolt's page size.
    pub page_size: u32,
}

/// Reads the file at `path` in full and says whether it is an etcd
/// snapshot that `etcdctl snapshot restore` would take: a regular file (a
/// directory, FIFO or device is refused before it is opened, and again
/// after, without blocking), a bbolt database whose current meta page is
/// sound and whose size it states, and etcd's SHA-256 of it at the end.
/// The reason is a phrase to follow the file's name.
pub fn verify(path: &Path) -> Result<Verified, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot be read: {e}"))?;
    regular(&meta)?;
    let mut file = clikit::open_nonblocking(path).map_err(|e| format!("cannot be read: {e}"))?;
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot be read: {e}"))?;
    regular(&meta)?;
    let bytes = meta.len();
    if bytes == 0 {
        return Err("is empty".into());
    }
    if bytes < META_BYTES as u64 + TRAILER {
        return Err(format!(
            "is truncated: {bytes} bytes, too few for an etcd snapshot"
        ));
    }
    let read = read_all(&mut file, bytes - TRAILER)?;
    let page_size = current_meta(&read.head)?;
    let db_bytes = read.db_bytes(page_size)?;
    if db_bytes != bytes - TRAILER {
        return Err(format!(
            "is truncated or has bytes added: its database says {db_bytes} bytes and a \
             32-byte checksum, the file holds {bytes}"
        ));
    }
    if read.digest.as_ref() != read.trailer {
        return Err(
            "is corrupt: its SHA-256 does not match the checksum etcd wrote at its end".into(),
        );
    }
    Ok(Verified {
        bytes,
        db_bytes,
        page_size: page_size.size,
    })
}

fn regular(meta: &std::fs::Metadata) -> Result<(), String> {
    match clikit::special_kind(meta) {
        None => Ok(()),
        Some(what) => Err(format!("is {what}, not a snapshot file")),
    }
}

/// What one pass over a snapshot gives.
struct Pass {
    /// The first two pages of the largest page size (or the whole body).
    head: Vec<u8>,
    /// The SHA-256 of the body.
    digest: digest::Digest,
    /// The last 32 bytes.
    trailer: [u8; TRAILER as usize],
}

/// The current meta page: its page size and high-water mark.
#[derive(Debug, Clone, Copy)]
struct Meta {
    size: u32,
    high_water: u64,
    txid: u64,
}

impl Pass {
    /// The database's size its current meta states.
    fn db_bytes(&self, m: Meta) -> Result<u64, String> {
        m.high_water
            .checked_mul(u64::from(m.size))
            .ok_or_else(|| "is not an etcd snapshot: its meta page is nonsense".to_owned())
    }
}

/// Hashes the first `body` bytes, keeping the first pages, and reads the
/// trailer; a file that ends early (it shrank while read) is refused.
fn read_all(file: &mut File, body: u64) -> Result<Pass, String> {
    let keep = (2 * *PAGE_SIZES.end() as u64).min(body) as usize;
    let mut head = Vec::with_capacity(keep);
    let mut ctx = digest::Context::new(&digest::SHA256);
    let mut buf = vec![0u8; 1 << 20];
    let mut left = body;
    let short = || "is truncated: it ended while it was read".to_owned();
    while left > 0 {
        let want = (buf.len() as u64).min(left) as usize;
        let n = file
            .read(&mut buf[..want])
            .map_err(|e| format!("cannot be read: {e}"))?;
        if n == 0 {
            return Err(short());
        }
        if head.len() < keep {
            let take = (keep - head.len()).min(n);
            head.extend_from_slice(&buf[..take]);
        }
        ctx.update(&buf[..n]);
        left -= n as u64;
    }
    let mut trailer = [0u8; TRAILER as usize];
    file.read_exact(&mut trailer).map_err(|_| short())?;
    Ok(Pass {
        head,
        digest: ctx.finish(),
        trailer,
    })
}

/// The current meta page of a bbolt file that starts with `head`.
fn current_meta(head: &[u8]) -> Result<Meta, String> {
    let not = |why: &str| format!("is not an etcd snapshot: {why}");
    let size = u32_at(head, 24);
    if u32_at(head, 16) != MAGIC {
        return Err(not("no bbolt database at its start"));
    }
    if !PAGE_SIZES.contains(&size) || !size.is_power_of_two() {
        return Err(not("its page size is nonsense"));
    }
    let metas = [0usize, size as usize]
        .into_iter()
        .filter_map(|at| head.get(at..at + META_BYTES).and_then(meta_page));
    metas
        .max_by_key(|m| m.txid)
        .ok_or_else(|| not("neither meta page is sound (checksum)"))
}

/// A sound meta page, or `None`.
fn meta_page(p: &[u8]) -> Option<Meta> {
    let flags = u16::from_le_bytes([p[8], p[9]]);
    let sound = flags == META_PAGE
        && u32_at(p, 16) == MAGIC
        && u32_at(p, 20) == VERSION
        && u64_at(p, 72) == fnv1a(&p[16..72]);
    sound.then(|| Meta {
        size: u32_at(p, 24),
        high_water: u64_at(p, 56),
        txid: u64_at(p, 64),
    })
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(w)
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

/// FNV-1a, 64 bits: bbolt's meta checksum.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The name of a snapshot asked for at `t`.
pub fn name_at(t: OffsetDateTime) -> String {
    let f = format_description!("[year][month][day]T[hour][minute][second]Z");
    let stamp = t
        .to_offset(time::UtcOffset::UTC)
        .format(f)
        .expect("a UTC time formats");
    format!("{PREFIX}{stamp}{SUFFIX}")
}

/// When the snapshot named `name` was asked for, or `None` when the name
/// is not a snapshot's.
pub fn taken(name: &str) -> Option<OffsetDateTime> {
    let stamp = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    let f = format_description!("[year][month][day]T[hour][minute][second]Z");
    time::PrimitiveDateTime::parse(stamp, f)
        .ok()
        .map(time::PrimitiveDateTime::assume_utc)
}

/// What the toolkit records beside a snapshot: `etcdctl snapshot status`'s
/// answer, and where and how it was taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The endpoint it was taken from.
    pub endpoint: String,
    /// etcd's revision in it.
    pub revision: u64,
    /// Its keys (etcd's own included).
    pub total_key: u64,
    /// The database's size.
    pub total_size: u64,
    /// etcd's hash of its contents (`snapshot status`'s `hash`).
    pub hash: u64,
    /// The file's size.
    pub bytes: u64,
}

impl Record {
    /// The record beside the snapshot at `path`, if there is one; an
    /// unreadable or malformed record is an error naming it.
    pub fn read(snapshot: &Path) -> Result<Option<Record>, String> {
        let path = record_path(snapshot);
        let name = path.display();
        // Bounded and regular files only, as every input.
        let text = match clikit::read_text(&path.to_string_lossy()) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("{name}: {e}")),
            Ok(text) => text,
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| format!("{name}: {e}"))
    }
}

/// Where the record of the snapshot at `snapshot` is.
pub fn record_path(snapshot: &Path) -> std::path::PathBuf {
    let mut s = snapshot.as_os_str().to_owned();
    s.push(RECORD);
    s.into()
}

/// `etcdctl snapshot status -w json`: `{hash, revision, totalKey,
/// totalSize}`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EtcdStatus {
    /// etcd's hash of the contents.
    pub hash: u64,
    /// The revision.
    pub revision: u64,
    /// The keys.
    pub total_key: u64,
    /// The database's size.
    pub total_size: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bbolt-shaped file: two meta pages of `size`, `pages` pages in all,
    /// and etcd's trailer.
    pub(crate) fn fake_snapshot(size: u32, pages: u64) -> Vec<u8> {
        let mut b = vec![0u8; (u64::from(size) * pages) as usize];
        for (i, txid) in [(0usize, 2u64), (1, 3)] {
            let p = &mut b[i * size as usize..];
            p[..8].copy_from_slice(&(i as u64).to_le_bytes());
            p[8..10].copy_from_slice(&META_PAGE.to_le_bytes());
            p[16..20].copy_from_slice(&MAGIC.to_le_bytes());
            p[20..24].copy_from_slice(&VERSION.to_le_bytes());
            p[24..28].copy_from_slice(&size.to_le_bytes());
            p[56..64].copy_from_slice(&pages.to_le_bytes());
            p[64..72].copy_from_slice(&txid.to_le_bytes());
            let sum = fnv1a(&p[16..72]);
            p[72..80].copy_from_slice(&sum.to_le_bytes());
        }
        let sum = digest::digest(&digest::SHA256, &b);
        b.extend_from_slice(sum.as_ref());
        b
    }

    fn verdict(bytes: &[u8]) -> Result<Verified, String> {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("s.db");
        std::fs::write(&p, bytes).unwrap();
        verify(&p)
    }

    #[test]
    fn a_sound_file_verifies() {
        let v = verdict(&fake_snapshot(4096, 6)).unwrap();
        assert_eq!(v.bytes, 6 * 4096 + 32);
        assert_eq!(v.db_bytes, 6 * 4096);
    }

    #[test]
    fn each_fault_is_named() {
        let good = fake_snapshot(4096, 6);
        let mut flipped = good.clone();
        flipped[3 * 4096] ^= 1;
        let mut bad_meta = good.clone();
        bad_meta[60] ^= 1; // page 0's high water
        bad_meta[4096 + 60] ^= 1; // page 1's
        let cases: [(&[u8], &str); 6] = [
            (&[], "is empty"),
            (&good[..50], "truncated"),
            (&good[..good.len() - 100], "truncated or has bytes added"),
            (&flipped, "SHA-256 does not match"),
            (&bad_meta, "neither meta page is sound"),
            (&[7u8; 9000], "no bbolt database"),
        ];
        for (bytes, want) in cases {
            let e = verdict(bytes).unwrap_err();
            assert!(e.contains(want), "{want}: {e}");
        }
    }

    #[test]
    fn one_sound_meta_page_is_enough() {
        // bbolt writes the two metas in turn; a torn write leaves one.
        let mut b = fake_snapshot(4096, 6);
        b[4096 + 72] ^= 1;
        let body = b.len() - 32;
        let sum = digest::digest(&digest::SHA256, &b[..body]);
        b[body..].copy_from_slice(sum.as_ref());
        assert!(verdict(&b).is_ok());
    }

    #[test]
    fn special_files_are_refused_without_blocking() {
        let d = tempfile::tempdir().unwrap();
        assert!(verify(d.path()).unwrap_err().contains("a directory"));
        assert!(
            verify(Path::new("/dev/zero"))
                .unwrap_err()
                .contains("a device")
        );
        let fifo = d.path().join("fifo");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        assert!(verify(&fifo).unwrap_err().contains("a FIFO"));
        assert!(
            verify(&d.path().join("none"))
                .unwrap_err()
                .contains("cannot be read")
        );
    }

    #[test]
    fn names_carry_the_time() {
        let t = time::macros::datetime!(2026-12-05 19:12:00 UTC);
        let n = name_at(t);
        assert_eq!(n, "etcd-snapshot-20261205T191200Z.db");
        assert_eq!(taken(&n), Some(t));
        for other in [
            "etcd-snapshot-20261205T191200Z.db.json",
            ".etcd-snapshot-20261205T191200Z.db",
            "etcd-snapshot-2026.db",
            "etcd-snapshot-20261305T191200Z.db",
        ] {
            assert_eq!(taken(other), None, "{other}");
        }
    }
}
