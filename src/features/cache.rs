//! On-disk embedding cache, so a nightly re-run only embeds new documents.
//!
//! Entries are keyed by (model fingerprint, token limit, chunking, dimension) — one folder per
//! key, so vectors of another model or size are never mixed in — and by a 128-bit hash of the
//! text. Each run appends whole segment files written atomically (temp file + rename), so
//! concurrent runs never see each other's half-written data and a crash loses at most the
//! segment being written. Every record carries a checksum: a corrupt or truncated entry is
//! reported, ignored and recomputed, never trusted. Many small segments are merged into one.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read, Write};
#[cfg(unix)]
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use xxhash_rust::xxh3::{xxh3_128, xxh3_64};

use crate::error::{Error, Result};
use crate::output::AtomicFile;

const MAGIC: &[u8; 8] = b"DPEMBv1\0";
const HEADER_LEN: usize = 8 + 16 + 4 + 4 + 4 + 8;
const SEGMENT_EXT: &str = "dpemb";
/// Segments beyond this many are merged when the cache is opened.
const MAX_SEGMENTS: usize = 32;

/// What makes embeddings comparable: the same model files, token limit, chunking and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheKey {
    pub model: u128,
    pub max_tokens: u32,
    pub chunked: bool,
    pub dim: u32,
}

impl CacheKey {
    fn folder(&self) -> String {
        format!(
            "{:032x}-t{}-{}-d{}",
            self.model,
            self.max_tokens,
            if self.chunked { "chunked" } else { "cut" },
            self.dim
        )
    }

    fn header(&self) -> [u8; HEADER_LEN] {
        let mut h = [0u8; HEADER_LEN];
        h[..8].copy_from_slice(MAGIC);
        h[8..24].copy_from_slice(&self.model.to_le_bytes());
        h[24..28].copy_from_slice(&self.dim.to_le_bytes());
        h[28..32].copy_from_slice(&self.max_tokens.to_le_bytes());
        h[32..36].copy_from_slice(&u32::from(self.chunked).to_le_bytes());
        let sum = xxh3_64(&h[..36]);
        h[36..].copy_from_slice(&sum.to_le_bytes());
        h
    }

    /// Text hash, flags, vector, checksum.
    fn record_len(&self) -> usize {
        16 + 4 + 4 * self.dim as usize + 8
    }
}

/// A cached embedding.
#[derive(Debug, Clone, PartialEq)]
pub struct Cached {
    pub values: Vec<f32>,
    /// The text was over the token limit when it was embedded.
    pub truncated: bool,
}

/// The hash a text is cached under.
pub fn text_key(text: &str) -> u128 {
    xxh3_128(text.as_bytes())
}

/// Entries found unusable while reading the cache (they are recomputed).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CacheHealth {
    pub corrupt_records: u64,
    pub truncated_segments: u64,
    pub foreign_segments: u64,
}

pub struct EmbeddingCache {
    dir: PathBuf,
    key: CacheKey,
    files: Vec<File>,
    /// Text hash → (segment, byte offset of the record).
    index: HashMap<u128, (usize, u64)>,
    health: CacheHealth,
}

fn cache_io(path: &Path, e: std::io::Error) -> Error {
    Error::output(path, e)
}

/// A name no concurrent run (or thread) picks too.
fn fresh_segment_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "seg-{nanos:x}-{}-{}.{SEGMENT_EXT}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

impl EmbeddingCache {
    /// Opens (creating if needed) the cache folder for `key` under `root` and indexes every
    /// valid record. Unreadable parts are counted in [`EmbeddingCache::health`], not trusted.
    pub fn open(root: &Path, key: CacheKey) -> Result<EmbeddingCache> {
        let dir = root.join(key.folder());
        std::fs::create_dir_all(&dir).map_err(|e| cache_io(&dir, e))?;
        let mut cache = EmbeddingCache {
            dir,
            key,
            files: Vec::new(),
            index: HashMap::new(),
            health: CacheHealth::default(),
        };
        let mut segments: Vec<PathBuf> = std::fs::read_dir(&cache.dir)
            .map_err(|e| cache_io(&cache.dir, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == SEGMENT_EXT))
            .collect();
        segments.sort();
        for path in &segments {
            cache.index_segment(path);
        }
        if segments.len() > MAX_SEGMENTS {
            cache.compact(&segments)?;
        }
        Ok(cache)
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    pub fn health(&self) -> CacheHealth {
        self.health
    }

    pub fn folder(&self) -> &Path {
        &self.dir
    }

    /// Reads one segment's records into the index; a segment that vanished (merged by a
    /// concurrent run) is skipped.
    fn index_segment(&mut self, path: &Path) {
        let Ok(file) = File::open(path) else {
            return;
        };
        let Ok(reader_file) = file.try_clone() else {
            return;
        };
        let mut reader = BufReader::with_capacity(1 << 20, reader_file);
        let mut header = [0u8; HEADER_LEN];
        if reader.read_exact(&mut header).is_err() {
            self.health.truncated_segments += 1;
            tracing::warn!("embedding cache: {} is truncated; ignored", path.display());
            return;
        }
        if header != self.key.header() {
            self.health.foreign_segments += 1;
            tracing::warn!(
                "embedding cache: {} belongs to another model or size (or its header is corrupt); ignored",
                path.display()
            );
            return;
        }
        let segment = self.files.len();
        let record_len = self.key.record_len();
        let mut record = vec![0u8; record_len];
        let mut offset = HEADER_LEN as u64;
        let mut corrupt = 0;
        loop {
            match read_full(&mut reader, &mut record) {
                Ok(0) => break,
                Ok(n) if n < record_len => {
                    self.health.truncated_segments += 1;
                    tracing::warn!(
                        "embedding cache: {} ends in a partial record; the rest is used",
                        path.display()
                    );
                    break;
                }
                Ok(_) => {}
                Err(_) => break,
            }
            if let Some(hash) = verified_hash(&record) {
                self.index.entry(hash).or_insert((segment, offset));
            } else {
                corrupt += 1;
            }
            offset += record_len as u64;
        }
        if corrupt > 0 {
            self.health.corrupt_records += corrupt;
            tracing::warn!(
                "embedding cache: {corrupt} corrupt record(s) in {} ignored; they are recomputed",
                path.display()
            );
        }
        self.files.push(file);
    }

    /// The cached vector of a text, checked again on read (the file may have changed since).
    pub fn get(&self, hash: u128) -> Option<Cached> {
        let &(segment, offset) = self.index.get(&hash)?;
        let mut record = vec![0u8; self.key.record_len()];
        read_at(&self.files[segment], &mut record, offset).ok()?;
        match verified_hash(&record) {
            Some(h) if h == hash => Some(Cached {
                truncated: record[16] & 1 == 1,
                values: record[20..record.len() - 8]
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect(),
            }),
            _ => None,
        }
    }

    /// Stores new entries as one atomically written segment.
    pub fn put(&mut self, entries: &[(u128, &[f32], bool)]) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let path = self.dir.join(fresh_segment_name());
        let offsets = self.write_segment(&path, entries.iter().copied())?;
        let file = File::open(&path).map_err(|e| cache_io(&path, e))?;
        let segment = self.files.len();
        self.files.push(file);
        for ((hash, _, _), offset) in entries.iter().zip(offsets) {
            self.index.insert(*hash, (segment, offset));
        }
        Ok(())
    }

    fn write_segment<'v>(
        &self,
        path: &Path,
        entries: impl Iterator<Item = (u128, &'v [f32], bool)>,
    ) -> Result<Vec<u64>> {
        let mut out = AtomicFile::create(path)?;
        out.write_all(&self.key.header())
            .map_err(|e| cache_io(path, e))?;
        let mut record = Vec::with_capacity(self.key.record_len());
        let mut offsets = Vec::new();
        let mut offset = HEADER_LEN as u64;
        for (hash, values, truncated) in entries {
            if values.len() != self.key.dim as usize {
                return Err(Error::Data(format!(
                    "embedding cache: a vector of {} values for a {}-dimensional cache",
                    values.len(),
                    self.key.dim
                )));
            }
            record.clear();
            record.extend_from_slice(&hash.to_le_bytes());
            record.extend_from_slice(&u32::from(truncated).to_le_bytes());
            for v in values {
                record.extend_from_slice(&v.to_le_bytes());
            }
            let sum = xxh3_64(&record);
            record.extend_from_slice(&sum.to_le_bytes());
            out.write_all(&record).map_err(|e| cache_io(path, e))?;
            offsets.push(offset);
            offset += record.len() as u64;
        }
        out.commit()?;
        Ok(offsets)
    }

    /// Merges every valid record into one new segment, then removes the merged ones.
    fn compact(&mut self, segments: &[PathBuf]) -> Result<()> {
        let mut entries: Vec<(u128, Cached)> = self
            .index
            .keys()
            .filter_map(|&h| self.get(h).map(|v| (h, v)))
            .collect();
        entries.sort_by_key(|e| e.0);
        let path = self.dir.join(fresh_segment_name());
        let offsets = self.write_segment(
            &path,
            entries
                .iter()
                .map(|(h, c)| (*h, c.values.as_slice(), c.truncated)),
        )?;
        for old in segments {
            // Another run may have merged it already.
            let _ = std::fs::remove_file(old);
        }
        self.files = vec![File::open(&path).map_err(|e| cache_io(&path, e))?];
        self.index = entries
            .iter()
            .zip(offsets)
            .map(|((h, _), offset)| (*h, (0, offset)))
            .collect();
        Ok(())
    }
}

/// The record's text hash when its checksum holds.
fn verified_hash(record: &[u8]) -> Option<u128> {
    let (body, sum) = record.split_at(record.len() - 8);
    let stored = u64::from_le_bytes(sum.try_into().ok()?);
    (xxh3_64(body) == stored).then(|| u128::from_le_bytes(body[..16].try_into().unwrap_or([0; 16])))
}

/// Reads until `buf` is full or the input ends; returns the bytes read.
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut done = 0;
    while done < buf.len() {
        match reader.read(&mut buf[done..])? {
            0 => break,
            n => done += n,
        }
    }
    Ok(done)
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    file.read_exact_at(buf, offset)
}

#[cfg(not(unix))]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::io::{Seek, SeekFrom};
    let mut f = file.try_clone()?;
    f.seek(SeekFrom::Start(offset))?;
    f.read_exact(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(dim: u32) -> CacheKey {
        CacheKey {
            model: 42,
            max_tokens: 256,
            chunked: false,
            dim,
        }
    }

    fn vector(seed: u32, dim: usize) -> Vec<f32> {
        (0..dim)
            .map(|i| (seed * 31 + i as u32) as f32 * 0.25)
            .collect()
    }

    #[test]
    fn stores_and_reloads_entries() {
        let root = tempfile::tempdir().unwrap();
        let mut cache = EmbeddingCache::open(root.path(), key(4)).unwrap();
        let (a, b) = (vector(1, 4), vector(2, 4));
        cache
            .put(&[(text_key("a"), &a, false), (text_key("b"), &b, true)])
            .unwrap();
        assert_eq!(cache.get(text_key("a")).unwrap().values, a);
        let reopened = EmbeddingCache::open(root.path(), key(4)).unwrap();
        assert_eq!(reopened.len(), 2);
        assert_eq!(
            reopened.get(text_key("b")),
            Some(Cached {
                values: b,
                truncated: true
            })
        );
        assert_eq!(reopened.get(text_key("c")), None);
        assert_eq!(reopened.health(), CacheHealth::default());
    }

    #[test]
    fn another_model_or_size_never_mixes_in() {
        let root = tempfile::tempdir().unwrap();
        let mut cache = EmbeddingCache::open(root.path(), key(4)).unwrap();
        cache.put(&[(text_key("a"), &vector(1, 4), false)]).unwrap();
        let other_dim = EmbeddingCache::open(root.path(), key(8)).unwrap();
        assert!(other_dim.is_empty());
        let other_model = EmbeddingCache::open(
            root.path(),
            CacheKey {
                model: 43,
                ..key(4)
            },
        )
        .unwrap();
        assert!(other_model.is_empty());
        // A segment copied into the wrong folder is detected by its header.
        let seg = std::fs::read_dir(cache.folder())
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        std::fs::copy(&seg, other_model.folder().join("stray.dpemb")).unwrap();
        let reopened = EmbeddingCache::open(
            root.path(),
            CacheKey {
                model: 43,
                ..key(4)
            },
        )
        .unwrap();
        assert!(reopened.is_empty());
        assert_eq!(reopened.health().foreign_segments, 1);
    }

    #[test]
    fn corrupt_and_truncated_records_are_detected_not_trusted() {
        let root = tempfile::tempdir().unwrap();
        let mut cache = EmbeddingCache::open(root.path(), key(4)).unwrap();
        let vs: Vec<Vec<f32>> = (0..3).map(|i| vector(i, 4)).collect();
        let entries: Vec<(u128, &[f32], bool)> = vs
            .iter()
            .enumerate()
            .map(|(i, v)| (text_key(&i.to_string()), v.as_slice(), false))
            .collect();
        cache.put(&entries).unwrap();
        let seg = std::fs::read_dir(cache.folder())
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        let mut bytes = std::fs::read(&seg).unwrap();
        let record = key(4).record_len();
        // Flip a bit inside the first record's vector, and cut the last record short.
        bytes[HEADER_LEN + 24] ^= 0x40;
        bytes.truncate(bytes.len() - 5);
        std::fs::write(&seg, &bytes).unwrap();
        let reopened = EmbeddingCache::open(root.path(), key(4)).unwrap();
        assert_eq!(reopened.get(text_key("0")), None);
        assert_eq!(reopened.get(text_key("1")).unwrap().values, vs[1]);
        assert_eq!(reopened.get(text_key("2")), None);
        let health = reopened.health();
        assert_eq!((health.corrupt_records, health.truncated_segments), (1, 1));
        assert_eq!(bytes.len(), HEADER_LEN + 3 * record - 5);
    }

    #[test]
    fn a_record_changed_after_indexing_is_rechecked_on_read() {
        let root = tempfile::tempdir().unwrap();
        let mut cache = EmbeddingCache::open(root.path(), key(4)).unwrap();
        cache.put(&[(text_key("a"), &vector(1, 4), false)]).unwrap();
        let reopened = EmbeddingCache::open(root.path(), key(4)).unwrap();
        let seg = std::fs::read_dir(reopened.folder())
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        let mut bytes = std::fs::read(&seg).unwrap();
        bytes[HEADER_LEN + 17] ^= 1;
        // Rewrite in place (same inode), as a disk error would.
        std::fs::OpenOptions::new()
            .write(true)
            .open(&seg)
            .unwrap()
            .write_all(&bytes)
            .unwrap();
        assert_eq!(reopened.get(text_key("a")), None);
    }

    #[test]
    fn concurrent_writers_never_corrupt_each_other() {
        let root = tempfile::tempdir().unwrap();
        std::thread::scope(|scope| {
            for t in 0..4u32 {
                let root = root.path();
                scope.spawn(move || {
                    let mut cache = EmbeddingCache::open(root, key(8)).unwrap();
                    for i in 0..20u32 {
                        let v = vector(t * 100 + i, 8);
                        cache
                            .put(&[(text_key(&format!("{t}-{i}")), v.as_slice(), false)])
                            .unwrap();
                    }
                });
            }
        });
        let reopened = EmbeddingCache::open(root.path(), key(8)).unwrap();
        assert_eq!(reopened.len(), 80);
        assert_eq!(reopened.health(), CacheHealth::default());
        for t in 0..4u32 {
            for i in 0..20u32 {
                let got = reopened.get(text_key(&format!("{t}-{i}"))).unwrap();
                assert_eq!(got.values, vector(t * 100 + i, 8));
            }
        }
    }

    #[test]
    fn many_segments_are_merged() {
        let root = tempfile::tempdir().unwrap();
        let mut cache = EmbeddingCache::open(root.path(), key(2)).unwrap();
        let vs: Vec<Vec<f32>> = (0..40).map(|i| vector(i, 2)).collect();
        for (i, v) in vs.iter().enumerate() {
            cache
                .put(&[(text_key(&i.to_string()), v.as_slice(), false)])
                .unwrap();
        }
        let reopened = EmbeddingCache::open(root.path(), key(2)).unwrap();
        let files = std::fs::read_dir(reopened.folder()).unwrap().count();
        assert_eq!(files, 1);
        for (i, v) in vs.iter().enumerate() {
            assert_eq!(&reopened.get(text_key(&i.to_string())).unwrap().values, v);
        }
    }
}
