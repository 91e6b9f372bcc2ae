//! serde types mirroring yomicloud's approval API document (`002_…txt`), field for field, read
//! tolerantly: vendor data is untrusted and the document shows one example per reply. Numbers
//! the document writes both as numbers and as strings go through the lenient deserializers; a
//! code (status, rule, result, type) may be any value and is kept as [`Code`]; an optional field
//! that is missing, `null` or of another type is absent, never an error. Only the ids needed to
//! act (the approval's `id`, a row's `id`/`step`/`uid`, an attachment's `fileId`) must be read.

use crate::connectors::de;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use std::collections::BTreeMap;

/// `userinfo`: uid → `[username, realname, flag]`.
pub type UserInfo = BTreeMap<String, Vec<Value>>;

/// A code the document lists as numbers (approval status, step rule, a result, a type), as the
/// vendor sent it: a number (or a numeric string) to look up, any other value as its words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Code {
    /// Missing or `null`.
    #[default]
    Missing,
    Num(i64),
    /// Anything else, in words (`unknown::words`): a text as written, other values as JSON.
    Word(String),
}

impl Code {
    pub fn num(&self) -> Option<i64> {
        match self {
            Code::Num(n) => Some(*n),
            _ => None,
        }
    }

    pub fn is(&self, n: i64) -> bool {
        self.num() == Some(n)
    }

    /// The code as the vendor wrote it, to show where we do not know it.
    pub fn word(&self) -> String {
        match self {
            Code::Missing => "（空）".into(),
            Code::Num(n) => n.to_string(),
            Code::Word(w) => w.clone(),
        }
    }

    /// The code of a value as the vendor sent it.
    pub fn of(value: &Value) -> Code {
        match value {
            Value::Null => Code::Missing,
            Value::Number(n) => n
                .as_i64()
                .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9e15).map(|f| f as i64))
                .map_or_else(|| Code::Word(n.to_string()), Code::Num),
            Value::String(s) => s.trim().parse().map_or_else(|_| Code::Word(s.clone()), Code::Num),
            other => Code::Word(crate::connectors::unknown::words(other)),
        }
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Code::of(&Value::deserialize(d)?))
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Code::Missing => s.serialize_none(),
            Code::Num(n) => s.serialize_i64(*n),
            Code::Word(w) => s.serialize_str(w),
        }
    }
}

/// An optional integer: a number or numeric string; anything else (`null`, `""`, a word) is absent.
fn opt_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(Code::of(&Value::deserialize(d)?).num())
}

/// An optional text: a string as it is, a number or boolean in words; `null` is absent.
fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => None,
        Value::String(s) => Some(s),
        other => Some(crate::connectors::unknown::words(&other)),
    })
}

/// A text that may be missing or `null` (then empty).
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(opt_text(d)?.unwrap_or_default())
}

/// A list of texts: `null` is empty, a lone value is a list of one.
fn texts<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => vec![],
        Value::Array(items) => items.iter().map(crate::connectors::unknown::words).collect(),
        other => vec![crate::connectors::unknown::words(&other)],
    })
}

/// A list of ids (numbers or numeric strings): `null` is empty, a lone id a list of one, and an
/// item that is no id is left out (it could name nobody).
fn ids<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<i64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items.iter().filter_map(|v| Code::of(v).num()).collect(),
        other => Code::of(&other).num().into_iter().collect(),
    })
}

/// An optional part of a reply: absent when missing, `null` or of a shape we cannot read (the
/// record is still read without it).
fn lenient<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
    Ok(T::deserialize(Value::deserialize(d)?).ok())
}

/// `userinfo`: entries that are not `[username, realname, flag]` lists are left out.
fn users<'de, D: Deserializer<'de>>(d: D) -> Result<UserInfo, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Object(map) => map
            .into_iter()
            .filter_map(|(k, v)| match v {
                Value::Array(items) => Some((k, items)),
                _ => None,
            })
            .collect(),
        _ => UserInfo::new(),
    })
}

/// The type table (`templet-content` `data`): rows that are not lists are left out.
fn rows<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<Value>>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items
            .into_iter()
            .filter_map(|v| match v {
                Value::Array(row) => Some(row),
                _ => None,
            })
            .collect(),
        _ => vec![],
    })
}

/// An approval record: `view-approval`'s `data`, and each item of the list calls' `data`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ApprovalRecord {
    #[serde(deserialize_with = "de::int")]
    pub id: i64,
    /// The approval's content (see [`Content`]): JSON encoded inside a string, as documented
    /// (an object is read as well); see `map::content`.
    #[serde(default)]
    pub content: Value,
    #[serde(default, deserialize_with = "opt_int")]
    pub createtime: Option<i64>,
    #[serde(default, deserialize_with = "opt_int")]
    pub creator: Option<i64>,
    #[serde(rename = "endTime", default, deserialize_with = "opt_int")]
    pub end_time: Option<i64>,
    #[serde(default, deserialize_with = "opt_text")]
    pub errmsg: Option<String>,
    #[serde(rename = "fileId", default, deserialize_with = "opt_int")]
    pub file_id: Option<i64>,
    /// 0 正在审批, 1 已通过, 2 已拒绝, 3 处理失败; anything else is shown as sent.
    #[serde(default)]
    pub status: Code,
    #[serde(rename = "taskType", default)]
    pub task_type: Code,
}

impl ApprovalRecord {
    pub fn createtime(&self) -> i64 {
        self.createtime.unwrap_or(0)
    }
}

/// The decoded `content` of an approval: what `create-approval`'s `json` parameter holds.
/// Keys the document does not list are kept in `other` (shown as fields, `map::fields`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Content {
    #[serde(default, deserialize_with = "opt_int")]
    pub approver_auth: Option<i64>,
    #[serde(default, deserialize_with = "opt_int")]
    pub attachment_id: Option<i64>,
    #[serde(default, deserialize_with = "opt_int")]
    pub cc_auth: Option<i64>,
    #[serde(default, deserialize_with = "ids")]
    pub copyto: Vec<i64>,
    #[serde(default, deserialize_with = "opt_text")]
    pub creator_note: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub desc: Option<String>,
    #[serde(default, deserialize_with = "opt_int")]
    pub file_id: Option<i64>,
    #[serde(default, deserialize_with = "opt_text")]
    pub full_path: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub step: Option<Vec<StepDef>>,
    #[serde(default)]
    pub task_type: Code,
    #[serde(default, deserialize_with = "opt_int")]
    pub temp_auth_day: Option<i64>,
    #[serde(default, deserialize_with = "opt_int")]
    pub tid: Option<i64>,
    #[serde(default, deserialize_with = "text")]
    pub title: String,
    /// Every other key, as sent.
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

impl Content {
    /// The steps (none when missing or unreadable).
    pub fn steps(&self) -> &[StepDef] {
        self.step.as_deref().unwrap_or_default()
    }
}

/// One step of a template or an approval.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepDef {
    #[serde(default, deserialize_with = "opt_int")]
    pub approval_num: Option<i64>,
    #[serde(default, deserialize_with = "ids")]
    pub ids: Vec<i64>,
    #[serde(default, deserialize_with = "text")]
    pub name: String,
    #[serde(default, deserialize_with = "texts")]
    pub realnames: Vec<String>,
    /// Only for rule 4 (指定同意): the designated approver.
    #[serde(default, deserialize_with = "opt_int")]
    pub select_id: Option<i64>,
    /// 1 一致同意, 2 任一同意, 3 同意人数大于n, 4 指定同意.
    #[serde(rename = "type", default)]
    pub rule: Code,
    #[serde(default, deserialize_with = "texts")]
    pub usernames: Vec<String>,
}

/// One approver's row (`view-approval`'s `data2`). The ids are optional here: a row without
/// them cannot be acted through, which `map::my_turn` checks.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Handler {
    #[serde(default, deserialize_with = "opt_int")]
    pub aid: Option<i64>,
    #[serde(default)]
    pub handle_type: Code,
    #[serde(default, deserialize_with = "opt_int")]
    pub handletime: Option<i64>,
    /// The handling id: `auid` for `handle-step`.
    #[serde(default, deserialize_with = "opt_int")]
    pub id: Option<i64>,
    #[serde(default, deserialize_with = "opt_text")]
    pub note: Option<String>,
    /// The step's result: 0 none yet, 1 passed, 2 refused.
    #[serde(default)]
    pub status: Code,
    /// This approver's result: 0 not yet, 1 agreed, 2 refused.
    #[serde(default)]
    pub status2: Code,
    #[serde(default, deserialize_with = "opt_int")]
    pub step: Option<i64>,
    #[serde(default, deserialize_with = "opt_int")]
    pub uid: Option<i64>,
    #[serde(default, deserialize_with = "opt_int")]
    pub utype: Option<i64>,
}

impl Handler {
    /// Whether the row is an approver's (`utype` 1, the only kind the document shows in `data2`).
    pub fn is_approver(&self) -> bool {
        self.utype.unwrap_or(1) == 1
    }

    pub fn on_step(&self, step: usize) -> bool {
        self.step == Some(step as i64)
    }
}

/// `view-approval`'s `attachment`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentInfo {
    /// 0 single file, 1 multi-file (a folder).
    #[serde(default)]
    pub atype: Code,
    #[serde(deserialize_with = "de::int")]
    pub file_id: i64,
    #[serde(default, deserialize_with = "text")]
    pub file_name: String,
    #[serde(default, deserialize_with = "opt_int")]
    pub size: Option<i64>,
    #[serde(default, deserialize_with = "opt_int")]
    pub total_num: Option<i64>,
    #[serde(default, deserialize_with = "opt_int")]
    pub total_size: Option<i64>,
}

/// `fileMap` (of `view-approval`, and of `templet-content` asked with a `fileId`): the file or
/// folder under approval.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileMap {
    #[serde(default, deserialize_with = "opt_int")]
    pub file_id: Option<i64>,
    #[serde(default, deserialize_with = "text")]
    pub file_name: String,
    #[serde(default, deserialize_with = "opt_text")]
    pub file_extend: Option<String>,
    #[serde(default, deserialize_with = "opt_int")]
    pub file_type: Option<i64>,
    /// The folder holding it (the document's example: 质量控制 in folder 3); 0 at the top.
    #[serde(default, deserialize_with = "opt_int")]
    pub parent_id: Option<i64>,
    #[serde(default, deserialize_with = "opt_int")]
    pub size: Option<i64>,
}

/// The reply of `view-approval`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ViewApproval {
    #[serde(default, deserialize_with = "lenient")]
    pub attachment: Option<AttachmentInfo>,
    pub data: ApprovalRecord,
    /// Rows that cannot be read at all (not objects) are left out: they name nobody to act.
    #[serde(default, deserialize_with = "de::readable_items")]
    pub data2: Vec<Handler>,
    #[serde(default, deserialize_with = "opt_text")]
    pub file_auth: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub file_map: Option<FileMap>,
    #[serde(default, deserialize_with = "users")]
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
    #[serde(default, deserialize_with = "users")]
    pub userinfo: UserInfo,
}

/// The reply of `templet-content`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct TempletContent {
    /// Approval types: `[id, name, scope, extra, needs_upload]`, all as strings.
    #[serde(default, deserialize_with = "rows")]
    pub data: Vec<Vec<Value>>,
    #[serde(default, deserialize_with = "lenient")]
    pub templet: Option<Templet>,
    #[serde(default, deserialize_with = "users")]
    pub userinfo: UserInfo,
    /// The file or folder asked about (`fileId` > 0). The document says the reply then holds
    /// 文件或文件夹的相关信息 without naming the key; we read `fileMap`, as in `view-approval`
    /// (docs/yomicloud-protocol.md, choice 20).
    #[serde(default, rename = "fileMap", deserialize_with = "lenient")]
    pub file_map: Option<FileMap>,
}

/// A template (`templet`); its `content` is a [`TempletBody`] encoded as a string.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Templet {
    /// JSON inside a string, as documented (an object is read as well).
    #[serde(default)]
    pub content: Value,
    #[serde(default, deserialize_with = "opt_int")]
    pub createtime: Option<i64>,
    #[serde(default, deserialize_with = "opt_int")]
    pub creator_id: Option<i64>,
    #[serde(default, deserialize_with = "opt_int")]
    pub file_id: Option<i64>,
    #[serde(deserialize_with = "de::int")]
    pub id: i64,
    #[serde(rename = "mType", default, deserialize_with = "opt_int")]
    pub m_type: Option<i64>,
    #[serde(default, deserialize_with = "text")]
    pub title: String,
}

impl Templet {
    /// The content as a JSON object (decoded from its string).
    pub fn content_value(&self) -> Result<Value, String> {
        let value = match &self.content {
            Value::String(s) => {
                serde_json::from_str(s).map_err(|e| format!("template {}: content is not valid JSON: {e}", self.id))?
            }
            other => other.clone(),
        };
        if value.is_object() {
            Ok(value)
        } else {
            Err(format!("template {}: content is not an object", self.id))
        }
    }

    pub fn body(&self) -> Result<TempletBody, String> {
        serde_json::from_value(self.content_value()?).map_err(|e| format!("template {}: {e}", self.id))
    }
}

/// A template's decoded content.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TempletBody {
    /// The approval type (a row of `templet-content`'s `data`).
    #[serde(default)]
    pub approval_type: Code,
    #[serde(default, deserialize_with = "opt_int")]
    pub approver_auth: Option<i64>,
    #[serde(default, deserialize_with = "opt_int")]
    pub cc_auth: Option<i64>,
    #[serde(default, deserialize_with = "opt_text")]
    pub desc: Option<String>,
    #[serde(default, deserialize_with = "de::readable_items")]
    pub step: Vec<StepDef>,
    #[serde(default, deserialize_with = "text")]
    pub title: String,
    #[serde(default, deserialize_with = "ids")]
    pub uids: Vec<i64>,
}

/// One entry of `get-attach-list`'s `data` (see docs/yomicloud-protocol.md, choice 6).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttachEntry {
    #[serde(deserialize_with = "de::int")]
    pub file_id: i64,
    #[serde(default, deserialize_with = "text")]
    pub file_name: String,
    /// 1 folder, 0 file.
    #[serde(default, deserialize_with = "opt_int")]
    pub file_type: Option<i64>,
    #[serde(default, deserialize_with = "opt_text")]
    pub file_extend: Option<String>,
    #[serde(default, deserialize_with = "opt_int")]
    pub size: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct AttachList {
    #[serde(default, deserialize_with = "de::readable_items")]
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
    #[serde(default, deserialize_with = "de::readable_items")]
    pub data: Vec<Templet>,
}

/// `{code: 0, id}` of `create-approval`: the document shows no reply; this is the simulator's
/// (protocol choice 10). Any other success reply leaves the outcome to be read from
/// `get-creator-list` (`YomiConnector::create_once`).
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
