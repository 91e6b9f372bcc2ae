//! The JSON shapes of the vendor document: approval items, `data2` rows, `userinfo`, templates,
//! `fileMap`, `attachment` and the type table. Keys come out sorted, as in the document's
//! examples (serde_json's default map is ordered).

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::state::{Approval, ApprovalType, FileNode, State, Templet, UTYPE_APPROVER};

/// Encodes a JSON value the way the vendor does inside strings: 4-space indented, and for
/// approvals with a trailing newline (as in the `view-approval` example).
pub fn content_string(value: &Value, trailing_newline: bool) -> String {
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    // A Value always serialises; the fallback only keeps the function total.
    if value.serialize(&mut ser).is_err() {
        return value.to_string();
    }
    let mut text = String::from_utf8(out).unwrap_or_default();
    if trailing_newline {
        text.push('\n');
    }
    text
}

/// `data` of `view-approval`, and one item of every approval list.
pub fn approval_item(a: &Approval) -> Value {
    let mut item = json!({
        "content": a.content,
        "createtime": a.createtime,
        "creator": a.creator,
        "endTime": a.end_time,
        "errmsg": a.errmsg,
        "fileId": a.file_id,
        "id": a.id,
        "status": a.status,
        "taskType": a.task_type,
    });
    a.quirks.apply(&mut item, None);
    item
}

/// `data2`: the approver rows only, in handling-id order; `status` is the row's step result.
pub fn data2(a: &Approval) -> Value {
    let rows = a.rows.iter().filter(|r| r.utype == UTYPE_APPROVER).map(|r| {
        let mut row = json!({
            "aid": a.id,
            "handleType": r.handle_type,
            "handletime": r.handletime,
            "id": r.id,
            "note": r.note,
            "status": a.step_status.get(r.step as usize).copied().unwrap_or(0),
            "status2": r.status2,
            "step": r.step,
            "uid": r.uid,
            "utype": r.utype,
        });
        a.quirks.apply(&mut row, Some(r.id));
        row
    });
    Value::Array(rows.collect())
}

/// `userinfo`: uid (string) → `[username, realname, "0"]` for every known uid given.
pub fn userinfo(state: &State, uids: impl IntoIterator<Item = i64>) -> Value {
    let mut map = Map::new();
    for uid in uids {
        if let Some(u) = state.users.get(&uid) {
            map.insert(uid.to_string(), json!([u.username, u.realname, "0"]));
        }
    }
    Value::Object(map)
}

/// Everyone an approval involves: creator, approvers, cc.
pub fn people_of(a: &Approval) -> impl Iterator<Item = i64> + '_ {
    std::iter::once(a.creator).chain(a.rows.iter().map(|r| r.uid))
}

/// A template as in `templet-content`'s `templet` (content encoded as a string).
pub fn templet_json(t: &Templet) -> Value {
    json!({
        "content": content_string(&t.content, false),
        "createtime": t.createtime,
        "creatorId": t.creator_id,
        "editorId": t.editor_id,
        "edittime": t.edittime,
        "fileId": t.file_id,
        "id": t.id,
        "mType": t.m_type,
        "title": t.title,
    })
}

/// The uids a template names: step approvers (`ids`, strings or numbers) and cc (`uids`).
pub fn templet_people(t: &Templet) -> Vec<i64> {
    let ids = |v: Option<&Value>| -> Vec<i64> {
        v.and_then(Value::as_array).map(|a| a.iter().filter_map(super::state::as_int).collect()).unwrap_or_default()
    };
    let mut uids = ids(t.content.get("uids"));
    if let Some(steps) = t.content.get("step").and_then(Value::as_array) {
        uids.extend(steps.iter().flat_map(|s| ids(s.get("ids"))));
    }
    uids.sort_unstable();
    uids.dedup();
    uids
}

/// The type table: rows of strings `[id, name, scope, extra, upload]`.
pub fn types_json(types: &[ApprovalType]) -> Value {
    let rows = types
        .iter()
        .map(|t| json!([t.id.to_string(), t.name, t.scope.to_string(), t.extra.to_string(), t.upload.to_string()]));
    Value::Array(rows.collect())
}

/// `fileMap`: the approved file or folder.
pub fn file_map(f: &FileNode, approval_id: i64) -> Value {
    json!({
        "approvalId": approval_id,
        "creatorId": f.creator_id,
        "fileExtend": f.extension(),
        "fileId": f.id,
        "fileName": f.name,
        "fileType": i64::from(f.is_folder),
        "lockStatus": f.lock_status,
        "lockUser": f.lock_user,
        "parentId": f.parent_id,
        "size": f.size,
    })
}

/// One entry of `get-attach-list` (protocol choice 6).
pub fn attach_item(f: &FileNode) -> Value {
    json!({
        "fileExtend": f.extension(),
        "fileId": f.id,
        "fileName": f.name,
        "fileType": i64::from(f.is_folder),
        "size": f.size,
    })
}

/// `attachment` of `view-approval`; `null` when the approval has none.
pub fn attachment_json(state: &State, attachment_id: i64) -> Value {
    let (Some(att), Some(root)) = (state.attachments.get(&attachment_id), state.files.get(&attachment_id)) else {
        return Value::Null;
    };
    let (size, total_num, total_size) = if att.atype == 0 {
        (root.size, 0, 0)
    } else {
        let (num, bytes) = state.tree_totals(root.id);
        (0, num, bytes)
    };
    json!({
        "atype": att.atype,
        "fileId": root.id,
        "fileName": root.name,
        "size": size,
        "totalNum": total_num,
        "totalSize": total_size,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_is_four_space_indented_and_sorted() {
        let v = json!({"title": "申请修改", "approvalType": "4", "step": [{"ids": ["1"]}]});
        let s = content_string(&v, false);
        assert_eq!(
            s,
            "{\n    \"approvalType\": \"4\",\n    \"step\": [\n        {\n            \"ids\": [\n                \"1\"\n            ]\n        }\n    ],\n    \"title\": \"申请修改\"\n}"
        );
        assert!(content_string(&v, true).ends_with("}\n"));
    }
}
