//! The UI's TypeScript types are generated from the Rust types that cross the IPC boundary
//! (ts-rs), so the window and the backend cannot drift apart: this test renders them and fails
//! when `ui/src/bindings.ts` differs. `UPDATE_BINDINGS=1 cargo test -p inbox-core --test
//! ui_bindings` rewrites the file after a change to one of these types.

use inbox_core::connector::{Capabilities, Choice, When};
use inbox_core::store::{BoxCounts, FacetValue};
use inbox_core::submission::{AttachmentRule, FieldOption, TemplateField};
use inbox_core::sync::SyncEvent;
use inbox_core::*;
use ts_rs::{Config, TS};

const HEADER: &str =
    "// Generated from the Rust types by crates/inbox-core/tests/ui_bindings.rs (ts-rs); do not edit.\n\
// After changing one of those types: UPDATE_BINDINGS=1 cargo test -p inbox-core --test ui_bindings\n";

/// Every type the shell's commands take or return and every event payload, in reading order.
fn declarations() -> Vec<String> {
    // Timestamps, ids and byte counts are i64/u64 in Rust and plain numbers in JSON: none
    // comes near 2^53, and the UI does arithmetic and formatting on them.
    let cfg = Config::new().with_large_int("number");
    macro_rules! decls {
        ($($t:ty),* $(,)?) => { vec![$(format!("export {}", <$t as TS>::decl(&cfg))),*] };
    }
    decls![
        Vendor,
        Inbox,
        Status,
        Action,
        Decision,
        User,
        FieldKind,
        Field,
        StepRule,
        StepMember,
        Step,
        Attachment,
        Unreadable,
        StepMark,
        RemoteApproval,
        Approval,
        ApprovalSummary,
        Page,
        BoxCounts,
        SyncPhase,
        SyncProgress,
        SyncState,
        Account,
        Choice,
        When,
        SettingSpec,
        Capabilities,
        VendorInfo,
        Sort,
        ListQuery,
        AccountInput,
        AppInfo,
        SyncEvent,
        FacetValue,
        Facets,
        FieldOption,
        TemplateField,
        AttachmentRule,
        Template,
        TemplateQuery,
        FieldValue,
        Submission,
        UploadState,
        UploadProgress,
        UploadProgressEvent,
        DraftState,
        Draft,
        PathSummary,
        OutboxKind,
        OutboxState,
        OutboxEntry,
        ErrorKind,
        ErrorReply,
    ]
}

fn rendered() -> String {
    let mut out = String::from(HEADER);
    for d in declarations() {
        out.push('\n');
        out.push_str(d.trim_end());
        out.push('\n');
    }
    out
}

#[test]
fn the_ui_types_are_generated_from_the_rust_types() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/bindings.ts");
    let want = rendered();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &want).unwrap();
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default().replace("\r\n", "\n");
    assert!(
        have == want,
        "ui/src/bindings.ts is stale: a Rust type crossing IPC changed. Regenerate it with \
         UPDATE_BINDINGS=1 cargo test -p inbox-core --test ui_bindings"
    );
}
