//! Reading one raw record (a JSON line, a CSV row) without ever holding more than the record
//! size limit of it: a 400 MB line inside a 1 MB `.gz` ends in a clear error, not an
//! allocation failure.

use std::io::{self, BufRead, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::byte_size::format_bytes;
use super::schema::IngestOptions;

/// What [`read_line_within`] found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum LineRead {
    /// The end of the input: nothing was read.
    End,
    /// A line (with its newline, if it had one) is in the buffer.
    Line,
    /// The line is longer than the limit; the buffer holds its first part.
    TooLong,
}

/// Appends the next line to `buf`, but never more than `max` bytes of it (newline excluded).
pub(crate) fn read_line_within(
    reader: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    max: u64,
) -> io::Result<LineRead> {
    let mut read_any = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(if read_any {
                LineRead::Line
            } else {
                LineRead::End
            });
        }
        read_any = true;
        let (take, complete) = match memchr::memchr(b'\n', available) {
            Some(i) => (i + 1, true),
            None => (available.len(), false),
        };
        let content = (buf.len() + take - usize::from(complete)) as u64;
        if content > max {
            return Ok(LineRead::TooLong);
        }
        buf.extend_from_slice(&available[..take]);
        reader.consume(take);
        if complete {
            return Ok(LineRead::Line);
        }
    }
}

/// A reader that fails once more than a budget of bytes passes without [`RecordBudget::reset`]:
/// put under a parser that buffers whole records (the CSV reader), it caps the record it holds.
pub(crate) struct BudgetedReader<R> {
    inner: R,
    budget: RecordBudget,
}

/// The shared counter of a [`BudgetedReader`]; the parser's owner resets it after each record.
#[derive(Clone)]
pub(crate) struct RecordBudget {
    left: Arc<AtomicU64>,
    max: u64,
}

impl RecordBudget {
    pub fn new(max: u64) -> Self {
        RecordBudget {
            left: Arc::new(AtomicU64::new(max)),
            max,
        }
    }

    pub fn reset(&self) {
        self.left.store(self.max, Ordering::Relaxed);
    }

    /// Whether the reader stopped because a record outgrew the budget.
    pub fn exhausted(&self) -> bool {
        self.left.load(Ordering::Relaxed) == 0
    }
}

impl<R: Read> BudgetedReader<R> {
    pub fn new(inner: R, budget: RecordBudget) -> Self {
        BudgetedReader { inner, budget }
    }
}

impl<R: Read> Read for BudgetedReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let left = self.budget.left.load(Ordering::Relaxed);
        if left == 0 {
            return Err(io::Error::other("record over the size limit"));
        }
        let want = out.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut out[..want])?;
        self.budget.left.store(left - n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// The error for a record past [`IngestOptions::max_record_bytes`].
pub(crate) fn record_too_long_message(what: &str, options: &IngestOptions) -> String {
    format!(
        "{what} is longer than {}, more than any document within the limit of {} needs \
         (reading stopped there); raise the limit with --max-doc-bytes (or [ingest] \
         max_doc_bytes) if documents this long are expected",
        format_bytes(options.max_record_bytes()),
        format_bytes(options.max_doc_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_read_up_to_the_limit_and_no_further() {
        let mut input: &[u8] = b"short\nsixteen bytes...\nlast";
        let mut buf = Vec::new();
        assert_eq!(
            read_line_within(&mut input, &mut buf, 8).unwrap(),
            LineRead::Line
        );
        assert_eq!(buf, b"short\n");
        buf.clear();
        assert_eq!(
            read_line_within(&mut input, &mut buf, 8).unwrap(),
            LineRead::TooLong
        );
        assert!(buf.len() <= 8);

        let mut input: &[u8] = b"12345678\nabc";
        buf.clear();
        assert_eq!(
            read_line_within(&mut input, &mut buf, 8).unwrap(),
            LineRead::Line
        );
        buf.clear();
        assert_eq!(
            read_line_within(&mut input, &mut buf, 8).unwrap(),
            LineRead::Line
        );
        assert_eq!(buf, b"abc");
        buf.clear();
        assert_eq!(
            read_line_within(&mut input, &mut buf, 8).unwrap(),
            LineRead::End
        );
    }

    #[test]
    fn a_budgeted_reader_stops_a_record_at_the_budget() {
        let budget = RecordBudget::new(10);
        let mut reader = BudgetedReader::new(&[7u8; 100][..], budget.clone());
        let mut out = Vec::new();
        assert!(reader.read_to_end(&mut out).is_err());
        assert_eq!(out.len(), 10);
        assert!(budget.exhausted());
        budget.reset();
        let mut more = [0u8; 4];
        assert_eq!(reader.read(&mut more).unwrap(), 4);
    }
}
