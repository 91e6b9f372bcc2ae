//! Typed errors. `VendorError` is what a connector reports about one vendor call; `Error` is
//! what the service reports to the CLI and the UI, always naming the account involved.

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
    /// The host could not be reached or the connection broke.
    #[error("{call}: cannot reach the vendor: {reason}")]
    Unreachable { call: String, reason: String },
    /// An HTTP status the vendor does not document for success.
    #[error("{call}: the vendor answered HTTP {status}")]
    Http { call: String, status: u16 },
    /// The reply could not be understood.
    #[error("{call}: malformed reply: {reason}")]
    Malformed { call: String, reason: String },
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
}

/// Errors of the service layer.
#[derive(Debug, Error)]
pub enum Error {
    #[error("account \"{account}\" ({vendor}): {source}")]
    Vendor { account: String, vendor: String, source: Box<VendorError> },
    #[error("no account named or numbered `{0}`")]
    NoSuchAccount(String),
    #[error("no approval with id {0} in the cache")]
    NoSuchApproval(i64),
    #[error("an account named \"{0}\" already exists")]
    DuplicateAccount(String),
    #[error("invalid input: {0}")]
    Invalid(String),
    #[error(transparent)]
    Secrets(#[from] crate::secrets::SecretsError),
    #[error("local cache: {0}")]
    Store(#[from] crate::store::StoreError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
