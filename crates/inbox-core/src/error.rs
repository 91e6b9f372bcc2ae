//! Typed errors. `VendorError` is what a connector reports about one vendor call; `Error` is
//! what the service reports to the CLI and the UI, always naming the account involved.

use serde::Serialize;
use thiserror::Error;

/// What went wrong talking to a vendor. Every variant names the vendor call, so a user reading
/// the message knows what was being done. Secrets never appear here.
#[derive(Debug, Error)]
pub enum VendorError {
    /// The vendor answered with its own error code.
    #[error("{call}: the vendor answered code {code}: {message}")]
    Vendor { call: String, code: String, message: String },
    /// The vendor refused our credentials.
    #[error("{call}: the vendor refused the credentials (code {code}: {message})")]
    Auth { call: String, code: String, message: String },
    /// A relay in front of the vendor (the 则一 relay, docs/relay.md) refused the call itself:
    /// it never reached the vendor.
    #[error("{call}: the relay refused it (code {code}: {message}); nothing was sent to the vendor")]
    Relay { call: String, code: String, message: String },
    /// The host could not be reached or the connection broke.
    #[error("{call}: cannot reach the vendor: {reason}")]
    Unreachable { call: String, reason: String },
    /// An HTTP status the vendor does not document for success.
    #[error("{call}: the vendor answered HTTP {status}")]
    Http { call: String, status: u16 },
    /// A local file could not be read while it was being sent (deleted, moved, unreadable).
    #[error("{call}: a local file could not be read: {reason}")]
    LocalFile { call: String, reason: String },
    /// The reply could not be understood as a reply at all (not JSON, no envelope): the
    /// vendor or the way to it is not as documented, for every record alike.
    #[error("{call}: malformed reply: {reason}")]
    Malformed { call: String, reason: String },
    /// The envelope was fine, but the record in it could not be read (a shape or a value we
    /// cannot make sense of): one record, not the account, is affected.
    #[error("{call}: unreadable record: {reason}")]
    Record { call: String, reason: String },
    /// The vendor asked us to slow down (a rate-limit answer in its envelope).
    #[error("{call}: the vendor asks to slow down: {message}")]
    Throttled { call: String, message: String },
    /// A call that changes state reached the vendor, but its answer cannot be read: whether it
    /// was carried out is unknown until the vendor's state is read again.
    #[error(
        "{call}: the vendor's answer could not be read, so whether it was carried out is not known yet ({reason})"
    )]
    OutcomeUnknown { call: String, reason: String },
    /// A list kept changing while it was paged, walk after walk: what was read is stored, but
    /// nothing leaves a box on the strength of it.
    #[error("{call}: the list kept changing while it was being read ({walks} tries); what was read is kept and the rest follows at the next sync")]
    Moving { call: String, walks: usize },
    /// The account's settings cannot work (missing field, bad URL …).
    #[error("configuration: {0}")]
    Config(String),
    /// The vendor does not offer this.
    #[error("{0} is not supported by this vendor")]
    Unsupported(&'static str),
    /// The action does not apply to this approval now.
    #[error("{0}")]
    NotAllowed(String),
    /// A submission was refused because of one of its fields (a `FieldValue` key, or
    /// `attachments`), so the form can show the message next to it.
    #[error("{source} (field `{field}`)")]
    Field { field: String, source: Box<VendorError> },
}

impl VendorError {
    pub fn malformed(call: &str, reason: impl ToString) -> Self {
        VendorError::Malformed { call: call.to_string(), reason: reason.to_string() }
    }

    /// A record inside a well-formed reply that could not be read.
    pub fn record(call: &str, reason: impl ToString) -> Self {
        VendorError::Record { call: call.to_string(), reason: reason.to_string() }
    }

    /// Whether the failure concerns one record only (its shape, or the vendor refusing that
    /// record), so a sync keeps it as a placeholder and goes on; anything else (credentials,
    /// network, envelope, rate limit, settings) fails the account's sync as a whole.
    pub fn is_item_level(&self) -> bool {
        matches!(self, VendorError::Record { .. } | VendorError::Vendor { .. } | VendorError::NotAllowed(_))
    }

    /// The answer to a state-changing call, seen as that call's outcome: a reply that reached
    /// us but could not be read says nothing about what the vendor did.
    pub fn as_outcome(self) -> Self {
        match self {
            VendorError::Malformed { call, reason } | VendorError::Record { call, reason } => {
                VendorError::OutcomeUnknown { call, reason }
            }
            other => other,
        }
    }

    /// The call the error names, where it names one.
    pub fn call(&self) -> Option<&str> {
        match self {
            VendorError::Vendor { call, .. }
            | VendorError::Auth { call, .. }
            | VendorError::Relay { call, .. }
            | VendorError::Unreachable { call, .. }
            | VendorError::Http { call, .. }
            | VendorError::Malformed { call, .. }
            | VendorError::Record { call, .. }
            | VendorError::Throttled { call, .. }
            | VendorError::OutcomeUnknown { call, .. }
            | VendorError::LocalFile { call, .. }
            | VendorError::Moving { call, .. } => Some(call),
            VendorError::Field { source, .. } => source.call(),
            VendorError::Config(_) | VendorError::Unsupported(_) | VendorError::NotAllowed(_) => None,
        }
    }
}

/// Errors of the service layer.
#[derive(Debug, Error)]
pub enum Error {
    #[error("account \"{account}\" ({vendor}): {source}")]
    Vendor { account: String, vendor: String, source: Box<VendorError> },
    #[error("no account named or numbered `{0}`")]
    NoSuchAccount(String),
    /// The cache file failed SQLite's check: nothing more is written to it.
    #[error("the local cache is damaged ({0}): nothing more is written to it. Close the app, move the data folder's cache.sqlite3 away (keep it for support) and start again; the accounts must then be added again (their secrets stay in the keychain)")]
    CacheDamaged(String),
    /// Another process (the app, or another `inbox`) is syncing this account right now.
    #[error("account \"{0}\" is being synced by another process (the app or another `inbox`); its result will be in the cache")]
    SyncBusy(String),
    #[error("no approval with id {0} in the cache")]
    NoSuchApproval(i64),
    #[error("an account named \"{0}\" already exists")]
    DuplicateAccount(String),
    #[error("invalid input: {0}")]
    Invalid(String),
    /// Input refused for one field the user typed (`field` is its key: `name`, `base_url`, a
    /// setting's key), so the window can mark that field.
    #[error("invalid input: {reason}")]
    InvalidField { field: &'static str, reason: String },
    /// What was asked contradicts something already under way (a decision being sent).
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Secrets(#[from] crate::secrets::SecretsError),
    #[error("local cache: {0}")]
    Store(#[from] crate::store::StoreError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What kind of failure an [`Error`] is, for a caller that decides by kind (the window: retry
/// offered, a field marked, the account form opened) and never by parsing the words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// No such account, approval, draft or entry.
    NotFound,
    /// The input was refused before anything was sent; `field` says which where known.
    Invalid,
    /// The vendor refused or answered something we could not use.
    Vendor,
    /// The vendor refused the account's credentials, or the keychain could not give them.
    Credentials,
    /// The vendor could not be reached (network, timeout, 5xx, rate limit): worth a retry.
    Offline,
    /// Another process is doing this right now (a sync).
    Busy,
    /// It contradicts something already under way (a decision being sent).
    Conflict,
    /// The local cache is damaged; nothing more is written to it.
    Damaged,
    /// The local cache or a local file could not be read or written.
    Io,
}

/// An error as the window receives it: its kind, the sentence to show, and the input field it
/// concerns where there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ErrorReply {
    pub kind: ErrorKind,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub field: Option<String>,
}

impl VendorError {
    /// The kind of this vendor failure ([`ErrorKind`]).
    pub fn kind(&self) -> ErrorKind {
        match self {
            VendorError::Auth { .. } => ErrorKind::Credentials,
            VendorError::Unreachable { .. } | VendorError::Throttled { .. } => ErrorKind::Offline,
            VendorError::Http { status, .. } if *status >= 500 || *status == 429 => ErrorKind::Offline,
            VendorError::LocalFile { .. } => ErrorKind::Io,
            VendorError::Config(_) => ErrorKind::Invalid,
            VendorError::Field { source, .. } => match source.kind() {
                ErrorKind::Vendor => ErrorKind::Invalid,
                other => other,
            },
            _ => ErrorKind::Vendor,
        }
    }
}

impl Error {
    /// A vendor's failure on one of the user's accounts, named by it.
    pub fn vendor(account: &crate::model::Account, source: VendorError) -> Error {
        Error::Vendor { account: account.name.clone(), vendor: account.vendor.to_string(), source: Box::new(source) }
    }

    /// The kind of this failure ([`ErrorKind`]).
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Vendor { source, .. } => source.kind(),
            Error::NoSuchAccount(_) | Error::NoSuchApproval(_) => ErrorKind::NotFound,
            Error::CacheDamaged(_) => ErrorKind::Damaged,
            Error::SyncBusy(_) => ErrorKind::Busy,
            Error::DuplicateAccount(_) | Error::Invalid(_) | Error::InvalidField { .. } => ErrorKind::Invalid,
            Error::Conflict(_) => ErrorKind::Conflict,
            Error::Secrets(_) => ErrorKind::Credentials,
            Error::Store(_) => ErrorKind::Io,
        }
    }

    /// This error as the window receives it.
    pub fn reply(&self) -> ErrorReply {
        let field = match self {
            Error::Vendor { source, .. } => match source.as_ref() {
                VendorError::Field { field, .. } => Some(field.clone()),
                _ => None,
            },
            Error::DuplicateAccount(_) => Some("name".to_string()),
            Error::InvalidField { field, .. } => Some(field.to_string()),
            _ => None,
        };
        ErrorReply { kind: self.kind(), message: self.to_string(), field }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of_account(source: VendorError) -> Error {
        Error::Vendor { account: "云盘".into(), vendor: "yomicloud".into(), source: Box::new(source) }
    }

    #[test]
    fn the_window_can_tell_errors_apart_by_kind() {
        let auth = of_account(VendorError::Auth { call: "x".into(), code: "1".into(), message: "token".into() });
        let down = of_account(VendorError::Unreachable { call: "x".into(), reason: "refused".into() });
        let busy = of_account(VendorError::Http { call: "x".into(), status: 503 });
        let refused = of_account(VendorError::Vendor { call: "x".into(), code: "3".into(), message: "ended".into() });
        let field = of_account(VendorError::Field {
            field: "selectId".into(),
            source: Box::new(VendorError::Vendor { call: "x".into(), code: "2".into(), message: "bad".into() }),
        });
        let kinds = [&auth, &down, &busy, &refused, &field, &Error::NoSuchApproval(3)].map(|e| e.kind());
        use ErrorKind::*;
        assert_eq!(kinds, [Credentials, Offline, Offline, Vendor, Invalid, NotFound]);
        assert_eq!(field.reply().field.as_deref(), Some("selectId"));
        assert_eq!(Error::DuplicateAccount("a".into()).reply().field.as_deref(), Some("name"));
        let url = Error::InvalidField { field: "base_url", reason: "the base URL must start with http://".into() };
        assert_eq!((url.kind(), url.reply().field.as_deref()), (Invalid, Some("base_url")));
        assert_eq!(refused.reply().message, refused.to_string(), "the sentence is the error's own");
    }
}
