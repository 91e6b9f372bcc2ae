//! serde types mirroring yomicloud's approval API document (`002_…txt`), field for field.
//! Names follow the document's JSON; numbers that the document writes both as numbers and as
//! strings go through the lenient deserializers.

use crate::connectors::de;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `userinfo`: uid → `[username, realname, flag]`.
pub type UserInfo = BTreeMap<String, Vec<serde_json::Value>>;

/// An approval record: `view-approval`'s `data`, and each item of the list calls' `data`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ApprovalRecord {
    #[serde(deserialize_with = "de::int")]
    pub id: i64,
    /// The approval's content (see [`Content`]), JSON encoded inside a string.
    pub content: String,
    #[serde(deserialize_with = "de::int")]
    pub createtime: i64,
    #[serde(deserialize_with = "de::int")]
    pub creator: i64,
    #[serde(rename = "endTime", default, deserialize_with = "de::opt_int")]
    pub end_time: Option<i64>,
    #[serde(default)]
    pub errmsg: Option<String>,
    #[serde(rename = "fileId", default, deserialize_with = "de::opt_int")]
    pub file_id: Option<i64>,
    /// 0 正在审批, 1 已通过, 2 已拒绝, 3 处理失败.
    #[serde(deserialize_with = "de::int")]
    pub status: i64,
    #[serde(rename = "taskType", deserialize_with = "de::int")]
    pub task_type: i64,
}

/// The decoded `content` of an approval: what `create-approval`'s `json` parameter holds.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Content {
    #[serde(default, deserialize_with = "de::opt_int")]
    pub approver_auth: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub attachment_id: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub cc_auth: Option<i64>,
    #[serde(default, deserialize_with = "de::int_list")]
    pub copyto: Vec<i64>,
    #[serde(default)]
    pub creator_note: Option<String>,
    #[serde(default)]
    pub desc: Option<String>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub file_id: Option<i64>,
    #[serde(default)]
    pub full_path: Option<String>,
    #[serde(default)]
    pub mark: Option<bool>,
    #[serde(default)]
    pub step: Vec<StepDef>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub task_type: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub temp_auth_day: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub tid: Option<i64>,
    #[serde(default)]
    pub title: String,
}

/// One step of a template or an approval.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepDef {
    #[serde(default, deserialize_with = "de::opt_int")]
    pub approval_num: Option<i64>,
    #[serde(default, deserialize_with = "de::int_list")]
    pub ids: Vec<i64>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub realnames: Vec<String>,
    /// Only for rule 4 (指定同意): the designated approver.
    #[serde(default, deserialize_with = "de::opt_int")]
    pub select_id: Option<i64>,
    /// 1 一致同意, 2 任一同意, 3 同意人数大于n, 4 指定同意.
    #[serde(rename = "type", deserialize_with = "de::int")]
    pub rule: i64,
    #[serde(default)]
    pub usernames: Vec<String>,
}

/// One approver's row (`view-approval`'s `data2`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Handler {
    #[serde(deserialize_with = "de::int")]
    pub aid: i64,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub handle_type: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub handletime: Option<i64>,
    /// The handling id: `auid` for `handle-step`.
    #[serde(deserialize_with = "de::int")]
    pub id: i64,
    #[serde(default)]
    pub note: Option<String>,
    /// The step's result: 0 none yet, 1 passed, 2 refused.
    #[serde(deserialize_with = "de::int")]
    pub status: i64,
    /// This approver's result: 0 not yet, 1 agreed, 2 refused.
    #[serde(deserialize_with = "de::int")]
    pub status2: i64,
    #[serde(deserialize_with = "de::int")]
    pub step: i64,
    #[serde(deserialize_with = "de::int")]
    pub uid: i64,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub utype: Option<i64>,
}

/// `view-approval`'s `attachment`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentInfo {
    /// 0 single file, 1 multi-file (a folder).
    #[serde(deserialize_with = "de::int")]
    pub atype: i64,
    #[serde(deserialize_with = "de::int")]
    pub file_id: i64,
    #[serde(default)]
    pub file_name: String,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub size: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub total_num: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub total_size: Option<i64>,
}

/// `view-approval`'s `fileMap`: the file or folder under approval.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileMap {
    #[serde(default, deserialize_with = "de::opt_int")]
    pub file_id: Option<i64>,
    #[serde(default)]
    pub file_name: String,
    #[serde(default)]
    pub file_extend: Option<String>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub file_type: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub size: Option<i64>,
}

/// The reply of `view-approval`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ViewApproval {
    #[serde(default)]
    pub attachment: Option<AttachmentInfo>,
    pub data: ApprovalRecord,
    #[serde(default)]
    pub data2: Vec<Handler>,
    #[serde(default)]
    pub file_auth: Option<String>,
    #[serde(default)]
    pub file_map: Option<FileMap>,
    #[serde(default)]
    pub userinfo: UserInfo,
}

/// Which list `get-handler-list` answers (document, interface 9, 获取审批列表(需要我处理的审批、
/// 抄送给我的审批、我管理的审批)): `utype` 1 需要我处理的, `utype` 0 抄送给我的, `admin` 1 我管理的.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandlerList {
    /// `utype=1`: approvals the caller approves in.
    Approver,
    /// `utype=0`: approvals copied to the caller.
    Cc,
    /// `admin=1`: 我管理的审批 (a super admin gets every approval, an ordinary admin those on
    /// the files they manage).
    Managed,
}

impl HandlerList {
    /// The call's form fields.
    pub fn form(self) -> Vec<(&'static str, String)> {
        match self {
            HandlerList::Approver => vec![("utype", "1".into())],
            HandlerList::Cc => vec![("utype", "0".into())],
            // `utype` goes along: the document lists it without saying it may be left out, and
            // says that with admin=1 its value means nothing.
            HandlerList::Managed => vec![("utype", "1".into()), ("admin", "1".into())],
        }
    }
}

/// The reply of `get-handler-list`, `get-creator-list` and `get-file-approval-log`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ApprovalList {
    /// The items that can be read (a sync reads the raw items one by one instead).
    #[serde(default, deserialize_with = "de::readable_items")]
    pub data: Vec<ApprovalRecord>,
    #[serde(default)]
    pub userinfo: UserInfo,
}

/// The reply of `templet-content`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct TempletContent {
    /// Approval types: `[id, name, scope, extra, needs_upload]`, all as strings.
    #[serde(default)]
    pub data: Vec<Vec<serde_json::Value>>,
    #[serde(default)]
    pub templet: Option<Templet>,
    #[serde(default)]
    pub userinfo: UserInfo,
    /// The file or folder asked about (`fileId` > 0).
    #[serde(default, rename = "fileMap")]
    pub file_map: Option<FileMap>,
}

/// A template (`templet`); its `content` is a [`TempletBody`] encoded as a string.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Templet {
    pub content: String,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub createtime: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub creator_id: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub file_id: Option<i64>,
    #[serde(deserialize_with = "de::int")]
    pub id: i64,
    #[serde(rename = "mType", default, deserialize_with = "de::opt_int")]
    pub m_type: Option<i64>,
    #[serde(default)]
    pub title: String,
}

/// A template's decoded content.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TempletBody {
    #[serde(deserialize_with = "de::int")]
    pub approval_type: i64,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub approver_auth: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub cc_auth: Option<i64>,
    #[serde(default)]
    pub desc: Option<String>,
    #[serde(default)]
    pub step: Vec<StepDef>,
    #[serde(default)]
    pub title: String,
    #[serde(default, deserialize_with = "de::int_list")]
    pub uids: Vec<i64>,
}

/// One entry of `get-attach-list`'s `data` (see docs/yomicloud-protocol.md, choice 6).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttachEntry {
    #[serde(deserialize_with = "de::int")]
    pub file_id: i64,
    pub file_name: String,
    /// 1 folder, 0 file.
    #[serde(deserialize_with = "de::int")]
    pub file_type: i64,
    #[serde(default)]
    pub file_extend: Option<String>,
    #[serde(default, deserialize_with = "de::opt_int")]
    pub size: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct AttachList {
    #[serde(default)]
    pub data: Vec<AttachEntry>,
}

/// The display name of a uid: the real name, else the username, else `用户 <uid>`.
pub fn user_name(users: &UserInfo, uid: i64) -> String {
    users
        .get(&uid.to_string())
        .and_then(|v| {
            let s = |i: usize| v.get(i).and_then(|x| x.as_str()).filter(|s| !s.is_empty());
            s(1).or(s(0)).map(str::to_string)
        })
        .unwrap_or_else(|| format!("用户 {uid}"))
}

/// The reply of `templet-list`: templates shaped like `templet-content`'s `templet`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct TempletList {
    #[serde(default)]
    pub data: Vec<Templet>,
}

/// `{code: 0, id}` of `create-approval` (protocol choice 10).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Created {
    #[serde(deserialize_with = "de::int")]
    pub id: i64,
}

/// `{rootid, uuid}` of `create-multifiles-attachment`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct MultiAttachment {
    #[serde(deserialize_with = "de::int")]
    pub rootid: i64,
    pub uuid: String,
}

/// `{fileId, fileName, size}` of `upload-attachment`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Uploaded {
    #[serde(deserialize_with = "de::int")]
    pub file_id: i64,
    #[serde(default)]
    pub file_name: String,
}
