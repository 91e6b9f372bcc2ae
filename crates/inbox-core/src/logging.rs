//! Logs for the app and the CLI: `tracing` to stderr and to a daily-rotating file in
//! `<data dir>/logs/` (a week kept). Every line passes a redacting writer that replaces each
//! secret value the process has seen (keychain or demo secrets, registered by `secrets.rs`)
//! and the value of any `token`/`sign`/`secret`/`password`-like `key=value` with `***`, so a
//! careless `tracing` call cannot leak one.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, RwLock};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Values shorter than this are not redacted: they would blank out ordinary words.
const MIN_SECRET_LEN: usize = 6;
/// Keys whose `key=value` / `"key":"value"` values are always hidden.
const SECRET_KEYS: &[&str] =
    &["token", "sign", "secret", "password", "permanent_code", "appsecret", "signature", "authorization"];

fn known() -> &'static RwLock<Vec<String>> {
    static KNOWN: OnceLock<RwLock<Vec<String>>> = OnceLock::new();
    KNOWN.get_or_init(RwLock::default)
}

/// Registers secret values that must never appear in a log line.
pub fn redact<'a>(values: impl IntoIterator<Item = &'a str>) {
    let mut known = known().write().unwrap_or_else(|p| p.into_inner());
    for v in values.into_iter().map(str::trim).filter(|v| v.len() >= MIN_SECRET_LEN) {
        if !known.iter().any(|k| k == v) {
            known.push(v.to_string());
        }
    }
    // Longest first, so a secret containing another is hidden whole.
    known.sort_by_key(|k| std::cmp::Reverse(k.len()));
}

/// `line` with every registered secret and every secret-named value replaced by `***`.
pub fn scrub(line: &str) -> String {
    let mut out = line.to_string();
    for secret in known().read().unwrap_or_else(|p| p.into_inner()).iter() {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), "***");
        }
    }
    scrub_named(&out)
}

/// Hides the value after `key=` or `"key":"` for every secret-looking key (case-insensitive).
fn scrub_named(line: &str) -> String {
    let lower = line.to_ascii_lowercase();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < line.len() {
        let hit = SECRET_KEYS
            .iter()
            .flat_map(|k| lower[i..].match_indices(k).map(move |(at, _)| (i + at, i + at + k.len())))
            .filter_map(|(at, after)| {
                let sep = ["=", "\":\"", "\": \""].into_iter().find(|s| lower[after..].starts_with(s))?;
                Some((at, after + sep.len()))
            })
            .min();
        let Some((_, value_start)) = hit else { break };
        out.push_str(&line[i..value_start]);
        let end = line[value_start..].find(['"', '&', ',', ' ', '}']).map_or(line.len(), |n| value_start + n);
        if end > value_start {
            out.push_str("***");
        }
        i = end;
    }
    out.push_str(&line[i.min(line.len())..]);
    out
}

/// A writer that scrubs each buffered record before passing it on.
pub struct Redacting<W: Write> {
    inner: W,
    buf: Vec<u8>,
}

impl<W: Write> Write for Redacting<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.buf.is_empty() {
            let text = scrub(&String::from_utf8_lossy(&self.buf));
            self.buf.clear();
            self.inner.write_all(text.as_bytes())?;
        }
        self.inner.flush()
    }
}

impl<W: Write> Drop for Redacting<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// Wraps a `MakeWriter` so every record it writes is scrubbed.
pub struct RedactingMake<M>(pub M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for RedactingMake<M> {
    type Writer = Redacting<M::Writer>;
    fn make_writer(&'a self) -> Self::Writer {
        Redacting { inner: self.0.make_writer(), buf: Vec::new() }
    }
}

/// Where the log files of `data_dir` live.
pub fn log_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("logs")
}

/// Starts logging for a process: stderr at `stderr_level` (e.g. "warn"), and the file at
/// `info` (both overridable with `INBOX_LOG`). Keep the guard alive until exit so the file is
/// flushed. A file that cannot be opened leaves stderr only.
pub fn init(data_dir: &Path, file_prefix: &str, stderr_level: &str) -> Option<WorkerGuard> {
    let filter = |default: &str| EnvFilter::try_from_env("INBOX_LOG").unwrap_or_else(|_| default.into());
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(RedactingMake(Mutex::new(io::stderr())))
        .with_filter(filter(stderr_level));
    // The folder first: the appender's pruning of old files reads it and complains on stderr
    // when it is missing (a first run on a new data directory). Its own error is reported below.
    let _ = crate::platform::create_private_dir(&log_dir(data_dir));
    let file = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(file_prefix)
        .filename_suffix("log")
        .max_log_files(7)
        .build(log_dir(data_dir));
    match file {
        Ok(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let file = tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(RedactingMake(writer))
                .with_filter(filter("info"));
            let _ = tracing_subscriber::registry().with(stderr).with(file).try_init();
            Some(guard)
        }
        Err(e) => {
            let _ = tracing_subscriber::registry().with(stderr).try_init();
            tracing::warn!("cannot open the log file in {}: {e}", log_dir(data_dir).display());
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_values_and_named_values_are_hidden() {
        redact(["s3cr3t-token-value", "abc"]);
        let line = scrub("sync failed: token s3cr3t-token-value refused; abc stays; url ?access_token=zzz111&x=1 {\"sign\":\"deadbeef\"}");
        assert!(
            !line.contains("s3cr3t-token-value") && !line.contains("zzz111") && !line.contains("deadbeef"),
            "{line}"
        );
        assert!(line.contains("abc stays") && line.contains("x=1"), "{line}");
    }

    #[test]
    fn the_writer_scrubs_what_passes_through() {
        redact(["another-secret-42"]);
        let mut out = Vec::new();
        {
            let mut w = Redacting { inner: &mut out, buf: Vec::new() };
            w.write_all(b"leaked another-secret-42 here\n").unwrap();
        }
        assert_eq!(String::from_utf8(out).unwrap(), "leaked *** here\n");
    }
}
