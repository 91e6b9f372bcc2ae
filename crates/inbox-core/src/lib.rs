//! Approval Inbox's whole backend as a plain library: the unified approval model, the SQLite
//! cache, one connector per vendor, the sync scheduler and the keychain. The CLI and the Tauri
//! shell are thin callers of [`Service`].

pub mod callback;
pub mod connector;
pub mod connectors;
pub mod error;
pub mod logging;
pub mod memory;
pub mod model;
pub mod outbox;
pub mod platform;
pub mod sample;
pub mod scheduler;
pub mod secrets;
pub mod service;
pub mod store;
pub mod submission;
pub mod sync;

pub use connector::{Capabilities, Connector, ListPage, SettingSpec, Source, VendorInfo};
pub use error::{Error, ErrorKind, ErrorReply, VendorError};
pub use model::*;
pub use service::{AccountInput, AppInfo, Service};
pub use store::{
    Draft, DraftState, Facets, ListQuery, NewTodos, OutboxEntry, OutboxKind, OutboxState, Page, Sort, Store,
};
pub use submission::{
    FieldValue, PathSummary, Progress, Submission, Template, TemplateQuery, UploadProgress, UploadProgressEvent,
    UploadState,
};
