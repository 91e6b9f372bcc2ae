//! The relay's configuration: where it listens, where it stores (a SQLite file in a data
//! directory, or a PostgreSQL URL), how long it keeps results, and the company's 则一
//! credentials. They come from a TOML file (`--config`; refused when group or others can read
//! it and it holds a secret), then environment variables (`INBOX_RELAY_…`, a secret also as
//! `…_FILE` naming a file that holds it, for container secrets), then the command line; later
//! sources win. The credentials live here and nowhere else: desktops never see them.

use inbox_core::callback::Limits;
use inbox_core::connectors::zeyi::auth::{KeyPair, DEFAULT_IV};
use serde::Deserialize;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where the relay listens unless told otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8780";
/// Where the SQLite file lives unless told otherwise (the systemd unit's StateDirectory).
pub const DEFAULT_DATA_DIR: &str = "/var/lib/inbox-relay";
/// A desktop offline for a week must still get its results: retention may not be shorter.
pub const MIN_RETENTION_DAYS: u64 = 7;
const DEFAULT_RETENTION_DAYS: u64 = 30;
const DEFAULT_MAX_POLL_SECS: u64 = 60;
/// Above this a proxy or NAT in between is likely to cut the idle connection first.
const MAX_POLL_CEILING_SECS: u64 = 300;
/// Below the desktop's own 30 s timeout, so a slow 则一 is reported by the relay in words.
const DEFAULT_TIMEOUT_MS: u64 = 20_000;

/// Why a configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("the configuration file {path} is not valid: {reason}")]
    Parse { path: String, reason: String },
    #[error("the configuration file {path} holds secrets and can be read by group or others (mode {mode:o}): run `chmod 600 {path}`")]
    Permissions { path: String, mode: u32 },
    #[error("configuration: {0}")]
    Invalid(String),
}

fn invalid(message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid(message.into())
}

/// Where the relay keeps its state.
#[derive(Clone, PartialEq, Eq)]
pub enum Storage {
    /// One SQLite file, `relay.sqlite3`, in this directory; one relay process at a time.
    Sqlite { data_dir: PathBuf },
    /// A PostgreSQL database shared by any number of relay instances.
    Postgres { url: String },
}

impl fmt::Debug for Storage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Storage::Sqlite { data_dir } => f.debug_struct("Sqlite").field("data_dir", data_dir).finish(),
            Storage::Postgres { url } => {
                let shown = match url_password(url) {
                    Some(password) => url.replacen(&format!(":{password}@"), ":<redacted>@", 1),
                    None => url.clone(),
                };
                f.debug_struct("Postgres").field("url", &shown).finish()
            }
        }
    }
}

/// The company's 则一 integration, as 则一 configured it.
#[derive(Clone)]
pub struct ZeyiConfig {
    /// 则一's host, e.g. `https://gw.shjiuze.cn`.
    pub base_url: String,
    /// The pair 则一 issued to the company (signs our calls; with `encrypt`, the AES key).
    pub app_key: String,
    pub app_secret: String,
    pub encrypt: bool,
    pub iv: String,
    /// The pair the company issued to 则一 for its callbacks.
    pub callback_app_key: String,
    pub callback_app_secret: String,
    /// How long to wait for 则一's answer.
    pub timeout: Duration,
    /// The local address outbound calls leave from (the one 则一 whitelists), when the host has
    /// several.
    pub outbound_addr: Option<IpAddr>,
}

impl fmt::Debug for ZeyiConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZeyiConfig")
            .field("base_url", &self.base_url)
            .field("app_key", &self.app_key)
            .field("app_secret", &"<redacted>")
            .field("encrypt", &self.encrypt)
            .field("iv", &self.iv)
            .field("callback_app_key", &self.callback_app_key)
            .field("callback_app_secret", &"<redacted>")
            .field("timeout", &self.timeout)
            .field("outbound_addr", &self.outbound_addr)
            .finish()
    }
}

impl ZeyiConfig {
    /// The pair 则一 issued to us.
    pub fn keys(&self) -> KeyPair {
        KeyPair::new(&self.app_key, &self.app_secret)
    }

    /// The pair we issued to 则一.
    pub fn callback_keys(&self) -> KeyPair {
        KeyPair::new(&self.callback_app_key, &self.callback_app_secret)
    }

    /// Checks what 则一 would otherwise refuse at the first call: URL, keys, and with encryption
    /// the AES key lengths and the IV.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(self.base_url.starts_with("http://") || self.base_url.starts_with("https://")) {
            return Err(invalid(format!(
                "zeyi.base_url must start with http:// or https://, not \"{}\"",
                self.base_url
            )));
        }
        for (name, value) in [
            ("zeyi.app_key", &self.app_key),
            ("zeyi.app_secret", &self.app_secret),
            ("zeyi.callback_app_key", &self.callback_app_key),
            ("zeyi.callback_app_secret", &self.callback_app_secret),
        ] {
            if value.trim().is_empty() {
                return Err(invalid(format!("{name} is missing")));
            }
        }
        if self.encrypt {
            self.keys().cipher(&self.iv).map_err(|e| invalid(format!("zeyi encryption (app_secret, iv): {e}")))?;
            self.callback_keys()
                .cipher(&self.iv)
                .map_err(|e| invalid(format!("zeyi encryption (callback_app_secret, iv): {e}")))?;
        }
        if self.timeout.is_zero() || self.timeout > Duration::from_secs(120) {
            return Err(invalid("zeyi.timeout_ms must be between 1 and 120000"));
        }
        Ok(())
    }
}

/// Everything the relay needs.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub storage: Storage,
    /// Required to serve; user management works without it.
    pub zeyi: Option<ZeyiConfig>,
    /// How long accepted results are kept for desktops to pull.
    pub retention: Duration,
    /// The longest long-poll granted (`GET /v1/events?timeout=`).
    pub max_poll: Duration,
    /// Rate and size limits of the callback route (the desktop listener's defaults).
    pub callback_limits: Limits,
}

impl Config {
    /// A configuration for `storage` with every default (tests, embedding).
    pub fn new(storage: Storage, zeyi: Option<ZeyiConfig>) -> Self {
        Config {
            listen: DEFAULT_LISTEN.parse().unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 8780))),
            storage,
            zeyi,
            retention: Duration::from_secs(DEFAULT_RETENTION_DAYS * 86_400),
            max_poll: Duration::from_secs(DEFAULT_MAX_POLL_SECS),
            callback_limits: Limits::default(),
        }
    }

    /// The secret values to keep out of logs.
    pub fn secrets(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(z) = &self.zeyi {
            out.push(z.app_secret.clone());
            out.push(z.callback_app_secret.clone());
        }
        if let Storage::Postgres { url } = &self.storage {
            if let Some(password) = url_password(url) {
                out.push(password);
            }
        }
        out
    }
}

/// The password part of a `postgres://user:password@host/db` URL.
fn url_password(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let userinfo = rest.split_once('@')?.0;
    userinfo.split_once(':').map(|(_, p)| p.to_string()).filter(|p| !p.is_empty())
}

/// What the command line (and its environment variables) sets; these win over the file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub listen: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
}

/// The file's shape. Every key is optional; unknown keys are refused (a typo is not ignored).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    retention_days: Option<u64>,
    max_poll_secs: Option<u64>,
    #[serde(default)]
    callback: FileLimits,
    #[serde(default)]
    zeyi: FileZeyi,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileLimits {
    max_body: Option<usize>,
    per_second: Option<f64>,
    burst: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileZeyi {
    base_url: Option<String>,
    app_key: Option<String>,
    app_secret: Option<String>,
    encrypt: Option<bool>,
    iv: Option<String>,
    callback_app_key: Option<String>,
    callback_app_secret: Option<String>,
    timeout_ms: Option<u64>,
    outbound_addr: Option<String>,
}

/// Loads the configuration from the file, the process environment and `overrides`.
pub fn load(overrides: &Overrides) -> Result<Config, ConfigError> {
    load_with(overrides, &|name| std::env::var(name).ok())
}

/// [`load`] with the environment given (tests).
pub fn load_with(overrides: &Overrides, env: &dyn Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
    let file = match &overrides.config_file {
        Some(path) => read_file(path)?,
        None => FileConfig::default(),
    };
    let var = |name: &str| -> Result<Option<String>, ConfigError> {
        let key = format!("INBOX_RELAY_{name}");
        if let Some(v) = env(&key).filter(|v| !v.trim().is_empty()) {
            return Ok(Some(v));
        }
        match env(&format!("{key}_FILE")).filter(|v| !v.trim().is_empty()) {
            Some(path) => std::fs::read_to_string(&path)
                .map(|s| Some(s.trim_end_matches(['\r', '\n']).to_string()))
                .map_err(|e| ConfigError::Read { path, reason: e.to_string() }),
            None => Ok(None),
        }
    };
    let number = |name: &str, value: Option<String>| -> Result<Option<u64>, ConfigError> {
        value
            .map(|v| {
                v.trim()
                    .parse::<u64>()
                    .map_err(|_| invalid(format!("INBOX_RELAY_{name} must be a whole number, not \"{v}\"")))
            })
            .transpose()
    };

    let listen = match overrides.listen {
        Some(addr) => addr,
        None => {
            let text = var("LISTEN")?.or(file.listen).unwrap_or_else(|| DEFAULT_LISTEN.to_string());
            text.trim().parse().map_err(|_| {
                invalid(format!("listen must be an address and port such as 0.0.0.0:8780, not \"{text}\""))
            })?
        }
    };

    let database_url =
        overrides.database_url.clone().or(var("DATABASE_URL")?).or(file.database_url).filter(|u| !u.trim().is_empty());
    let data_dir = overrides.data_dir.clone().or(var("DATA_DIR")?.map(PathBuf::from)).or(file.data_dir);
    let storage = match (database_url, data_dir) {
        (Some(_), Some(_)) => {
            return Err(invalid("give either a data directory (SQLite) or a database URL (PostgreSQL), not both"))
        }
        (Some(url), None) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Storage::Postgres { url }
        }
        (Some(_), None) => {
            return Err(invalid(
                "the database URL must start with postgres:// (for SQLite give a data directory instead)",
            ))
        }
        (None, dir) => Storage::Sqlite { data_dir: dir.unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR)) },
    };

    let retention_days =
        number("RETENTION_DAYS", var("RETENTION_DAYS")?)?.or(file.retention_days).unwrap_or(DEFAULT_RETENTION_DAYS);
    if retention_days < MIN_RETENTION_DAYS {
        return Err(invalid(format!("retention_days must be at least {MIN_RETENTION_DAYS} (a desktop offline for a week must still get its results), not {retention_days}")));
    }
    let max_poll_secs =
        number("MAX_POLL_SECS", var("MAX_POLL_SECS")?)?.or(file.max_poll_secs).unwrap_or(DEFAULT_MAX_POLL_SECS);
    if !(1..=MAX_POLL_CEILING_SECS).contains(&max_poll_secs) {
        return Err(invalid(format!(
            "max_poll_secs must be between 1 and {MAX_POLL_CEILING_SECS}, not {max_poll_secs}"
        )));
    }

    let defaults = Limits::default();
    let callback_limits = Limits {
        max_body: file.callback.max_body.unwrap_or(defaults.max_body),
        per_second: file.callback.per_second.unwrap_or(defaults.per_second),
        burst: file.callback.burst.unwrap_or(defaults.burst),
        ..defaults
    };
    if callback_limits.max_body < 1024 || callback_limits.per_second <= 0.0 || callback_limits.burst < 1.0 {
        return Err(invalid("callback limits: max_body must be at least 1024, per_second above 0, burst at least 1"));
    }

    let z = file.zeyi;
    let base_url = var("ZEYI_BASE_URL")?.or(z.base_url);
    let zeyi = match base_url {
        None => None,
        Some(base_url) => {
            let encrypt = match var("ZEYI_ENCRYPT")? {
                Some(v) => match v.trim() {
                    "true" => true,
                    "false" => false,
                    other => {
                        return Err(invalid(format!("INBOX_RELAY_ZEYI_ENCRYPT must be true or false, not \"{other}\"")))
                    }
                },
                None => z.encrypt.unwrap_or(false),
            };
            let outbound = var("ZEYI_OUTBOUND_ADDR")?.or(z.outbound_addr);
            let outbound_addr = outbound
                .map(|a| {
                    a.trim()
                        .parse::<IpAddr>()
                        .map_err(|_| invalid(format!("zeyi.outbound_addr must be an IP address, not \"{a}\"")))
                })
                .transpose()?;
            let timeout_ms =
                number("ZEYI_TIMEOUT_MS", var("ZEYI_TIMEOUT_MS")?)?.or(z.timeout_ms).unwrap_or(DEFAULT_TIMEOUT_MS);
            let config = ZeyiConfig {
                base_url: base_url.trim().trim_end_matches('/').to_string(),
                app_key: var("ZEYI_APP_KEY")?.or(z.app_key).unwrap_or_default(),
                app_secret: var("ZEYI_APP_SECRET")?.or(z.app_secret).unwrap_or_default(),
                encrypt,
                iv: var("ZEYI_IV")?.or(z.iv).unwrap_or_else(|| DEFAULT_IV.to_string()),
                callback_app_key: var("ZEYI_CALLBACK_APP_KEY")?.or(z.callback_app_key).unwrap_or_default(),
                callback_app_secret: var("ZEYI_CALLBACK_APP_SECRET")?.or(z.callback_app_secret).unwrap_or_default(),
                timeout: Duration::from_millis(timeout_ms),
                outbound_addr,
            };
            config.validate()?;
            Some(config)
        }
    };

    Ok(Config {
        listen,
        storage,
        zeyi,
        retention: Duration::from_secs(retention_days * 86_400),
        max_poll: Duration::from_secs(max_poll_secs),
        callback_limits,
    })
}

/// Reads and parses the file, refusing one that holds a secret and is readable by others.
fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let shown = path.display().to_string();
    let text =
        std::fs::read_to_string(path).map_err(|e| ConfigError::Read { path: shown.clone(), reason: e.to_string() })?;
    let parsed: FileConfig =
        toml::from_str(&text).map_err(|e| ConfigError::Parse { path: shown.clone(), reason: e.to_string() })?;
    let holds_secret = parsed.zeyi.app_secret.is_some()
        || parsed.zeyi.callback_app_secret.is_some()
        || parsed.database_url.as_deref().and_then(url_password).is_some();
    if holds_secret {
        check_private(path, &shown)?;
    }
    Ok(parsed)
}

#[cfg(unix)]
fn check_private(path: &Path, shown: &str) -> Result<(), ConfigError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| ConfigError::Read { path: shown.to_string(), reason: e.to_string() })?
        .permissions()
        .mode()
        & 0o777;
    if mode & 0o077 != 0 {
        return Err(ConfigError::Permissions { path: shown.to_string(), mode });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path, _shown: &str) -> Result<(), ConfigError> {
    // Windows ACLs are not modes; the deploy/ files target Linux hosts.
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| map.get(k).cloned()
    }

    fn write(dir: &Path, text: &str, mode: u32) -> PathBuf {
        let path = dir.join("relay.toml");
        std::fs::write(&path, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        let _ = mode;
        path
    }

    #[test]
    fn the_file_then_the_environment_then_the_command_line() {
        let dir = tempfile::tempdir().unwrap();
        let text = format!("listen = \"0.0.0.0:9000\"\nretention_days = 10\n[zeyi]\nbase_url = \"https://gw.example/\"\napp_key = \"ak\"\napp_secret = \"{SECRET}\"\ncallback_app_key = \"ck\"\ncallback_app_secret = \"{SECRET}\"\nencrypt = true\n");
        let path = write(dir.path(), &text, 0o600);
        let over = Overrides { config_file: Some(path), ..Default::default() };
        let c = load_with(&over, &env_of(&[("INBOX_RELAY_ZEYI_APP_KEY", "from-env")])).unwrap();
        assert_eq!(c.listen.to_string(), "0.0.0.0:9000");
        assert_eq!(c.retention, Duration::from_secs(10 * 86_400));
        let z = c.zeyi.as_ref().unwrap();
        assert_eq!(
            (z.base_url.as_str(), z.app_key.as_str(), z.encrypt, z.iv.as_str()),
            ("https://gw.example", "from-env", true, DEFAULT_IV)
        );
        assert_eq!(c.storage, Storage::Sqlite { data_dir: PathBuf::from(DEFAULT_DATA_DIR) });
        assert!(!format!("{c:?}").contains(SECRET), "secrets never print");
        let over = Overrides {
            listen: Some("127.0.0.1:1".parse().unwrap()),
            database_url: Some("postgres://u:pw-123456@db/relay".into()),
            ..over
        };
        let c = load_with(&over, &env_of(&[])).unwrap();
        assert_eq!(
            (c.listen.port(), c.storage.clone()),
            (1, Storage::Postgres { url: "postgres://u:pw-123456@db/relay".into() })
        );
        assert!(c.secrets().contains(&"pw-123456".to_string()) && c.secrets().contains(&SECRET.to_string()));
        assert!(
            !format!("{c:?}").contains("pw-123456") && format!("{c:?}").contains("postgres://u:<redacted>@db/relay"),
            "{c:?}"
        );
    }

    #[test]
    fn a_readable_file_with_secrets_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), &format!("[zeyi]\nbase_url = \"http://x\"\napp_secret = \"{SECRET}\"\n"), 0o644);
        let e = load_with(&Overrides { config_file: Some(path), ..Default::default() }, &env_of(&[])).unwrap_err();
        assert!(
            matches!(e, ConfigError::Permissions { mode: 0o644, .. }) && e.to_string().contains("chmod 600"),
            "{e}"
        );
        let path = write(dir.path(), "retention_days = 8\n", 0o644);
        assert!(
            load_with(&Overrides { config_file: Some(path), ..Default::default() }, &env_of(&[])).is_ok(),
            "no secret, no rule"
        );
    }

    #[test]
    fn wrong_values_are_named() {
        let none = Overrides::default();
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("INBOX_RELAY_RETENTION_DAYS", "3")], "at least 7"),
            (&[("INBOX_RELAY_MAX_POLL_SECS", "0")], "max_poll_secs"),
            (&[("INBOX_RELAY_LISTEN", "nowhere")], "listen"),
            (&[("INBOX_RELAY_DATABASE_URL", "mysql://x"), ("INBOX_RELAY_DATA_DIR", "/d")], "not both"),
            (&[("INBOX_RELAY_DATABASE_URL", "mysql://x")], "postgres://"),
            (&[("INBOX_RELAY_ZEYI_BASE_URL", "gw.example")], "http://"),
            (
                &[("INBOX_RELAY_ZEYI_BASE_URL", "http://gw"), ("INBOX_RELAY_ZEYI_APP_KEY", "k")],
                "zeyi.app_secret is missing",
            ),
            (
                &[
                    ("INBOX_RELAY_ZEYI_BASE_URL", "http://gw"),
                    ("INBOX_RELAY_ZEYI_APP_KEY", "k"),
                    ("INBOX_RELAY_ZEYI_APP_SECRET", "short"),
                    ("INBOX_RELAY_ZEYI_CALLBACK_APP_KEY", "c"),
                    ("INBOX_RELAY_ZEYI_CALLBACK_APP_SECRET", "short"),
                    ("INBOX_RELAY_ZEYI_ENCRYPT", "true"),
                ],
                "16, 24 or 32",
            ),
            (&[("INBOX_RELAY_ZEYI_BASE_URL", "http://gw"), ("INBOX_RELAY_ZEYI_ENCRYPT", "yes")], "true or false"),
        ];
        for (env, words) in cases {
            let e = load_with(&none, &env_of(env)).unwrap_err().to_string();
            assert!(e.contains(words), "{env:?}: {e}");
        }
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "colour = \"red\"\n", 0o600);
        let e = load_with(&Overrides { config_file: Some(path), ..Default::default() }, &env_of(&[]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("colour"), "{e}");
    }

    #[test]
    fn secrets_may_come_from_files() {
        let dir = tempfile::tempdir().unwrap();
        let secret_file = dir.path().join("app_secret");
        std::fs::write(&secret_file, format!("{SECRET}\n")).unwrap();
        let env = env_of(&[
            ("INBOX_RELAY_ZEYI_BASE_URL", "http://gw"),
            ("INBOX_RELAY_ZEYI_APP_KEY", "k"),
            ("INBOX_RELAY_ZEYI_APP_SECRET_FILE", secret_file.to_str().unwrap()),
            ("INBOX_RELAY_ZEYI_CALLBACK_APP_KEY", "c"),
            ("INBOX_RELAY_ZEYI_CALLBACK_APP_SECRET", SECRET),
        ]);
        let c = load_with(&Overrides::default(), &env).unwrap();
        assert_eq!(c.zeyi.unwrap().app_secret, SECRET);
    }
}
