//! yomicloud wire → unified model. Codes the document lists are mapped; a code it does not
//! list (status, step rule, result, type) is kept as the vendor sent it (`Status::Other` and
//! `status_word`, `StepRule::Other`, `Decision::Other` and `word`) and offers no action on a
//! guess; content keys the document does not list become fields rendered by their value. Boxes
//! are derived from "my" row in `data2` (and, for administrators, from `get-handler-list
//! admin=1`); a file's approval log is a table. Only an approval whose `content` cannot be read
//! at all is an error (one unreadable record, never its page).

use super::wire::{self, AttachEntry, Code, Content, Handler, StepDef, ViewApproval};
use crate::connectors::unknown;
use crate::model::{
    Action, Attachment, Decision, Field, FieldKind, Inbox, RemoteApproval, Status, Step, StepMark, StepMember,
    StepRule, User, Vendor,
};
use std::collections::HashMap;

/// A mapping failure: the record cannot be read (its content is not JSON).
pub type MapError = String;

/// The box of what `get-handler-list admin=1` lists. The document names that list 我管理的审批,
/// beside (not inside) 需要我处理的审批 and 抄送给我的审批, and an administrator cannot act
/// on an approval through it (only approvers can `handle-step`): so its own box, never todo or
/// cc (README, yomicloud choice 7).
pub const MANAGED_BOX: Inbox = Inbox::Managed;

/// How many approvals of a file's log a detail shows, newest first: enough to see the file's
/// recent history, few enough that a busy file does not weigh on every approval made on it.
pub const FILE_LOG_ROWS: usize = 10;

/// The label of the file-log field.
pub const FILE_LOG_LABEL: &str = "文件审批记录";

/// Content keys the document lists (接口1 template content, 接口6 `json`): shown by their own
/// fields or used for the steps; any other key is shown as a field of its own.
const DOCUMENTED_KEYS: &[&str] = &[
    "approvalType",
    "approverAuth",
    "attachmentId",
    "ccAuth",
    "copyto",
    "creatorNote",
    "desc",
    "destFolderId",
    "fileId",
    "fullPath",
    "mark",
    "step",
    "taskType",
    "tempAuthDay",
    "tid",
    "title",
    "uids",
];

/// What a detail read knows besides `view-approval`.
#[derive(Debug, Default)]
pub struct Extras<'a> {
    /// The first level of a multi-file attachment (`get-attach-list`), if fetched.
    pub children: &'a [AttachEntry],
    /// Whether `get-handler-list admin=1` lists the approval (administrator accounts).
    pub managed: bool,
    /// The approvals on the approval's file (`get-file-approval-log`), if read.
    pub file_log: Option<&'a FileLog>,
}

/// A file's approval log (`get-file-approval-log`), newest first, as table rows.
#[derive(Debug, Clone, PartialEq)]
pub struct FileLog {
    /// (approval id, row) for the newest [`FILE_LOG_ROWS`] approvals.
    rows: Vec<(i64, serde_json::Map<String, serde_json::Value>)>,
    /// How many approvals the file has in all.
    total: usize,
}

/// Approval status (document: 0 正在审批, 1 已通过, 2 已拒绝, 3 处理失败); any other code is
/// [`Status::Other`] with the code as the vendor sent it.
pub fn status(code: &Code) -> (Status, Option<String>) {
    match code.num() {
        Some(0) => (Status::Pending, None),
        Some(1) => (Status::Approved, None),
        Some(2) => (Status::Rejected, None),
        Some(3) => (Status::Failed, None),
        _ => unknown::status(Vendor::Yomicloud, "approval status", &code.word()),
    }
}

/// Step rule (document: 1 一致同意, 2 任一同意, 3 同意人数大于n, 4 指定同意). Rule 4 without a
/// `selectId` names nobody (no one is offered the decision); another code is kept as sent.
pub fn rule(step: &StepDef) -> StepRule {
    match step.rule.num() {
        Some(1) => StepRule::All,
        Some(2) => StepRule::Any,
        Some(3) => StepRule::MoreThan { n: step.approval_num.unwrap_or(0).clamp(0, u32::MAX as i64) as u32 },
        Some(4) => StepRule::Designated { user_id: step.select_id.map(|id| id.to_string()).unwrap_or_default() },
        _ => {
            let word = step.rule.word();
            unknown::note(Vendor::Yomicloud, "step rule", &word);
            StepRule::Other { word }
        }
    }
}

/// A result code of `status` / `status2` (0 none, 1 agreed, 2 refused); another code is
/// [`Decision::Other`] with the code as sent (never taken as a decision).
pub fn decision(code: &Code) -> (Decision, Option<String>) {
    match code.num() {
        Some(0) => (Decision::Waiting, None),
        Some(1) => (Decision::Approved, None),
        Some(2) => (Decision::Rejected, None),
        _ => {
            let word = code.word();
            unknown::note(Vendor::Yomicloud, "approver result", &word);
            (Decision::Other, Some(word))
        }
    }
}

/// Words for the approver/cc extra permission (附加权限).
fn extra_permission(code: i64) -> String {
    match code {
        0 => "无".into(),
        1 => "可预览".into(),
        2 => "可预览与下载".into(),
        other => other.to_string(),
    }
}

/// The approval types of `templet-content` (`data`): id → name.
pub fn task_types(data: &[Vec<serde_json::Value>]) -> HashMap<i64, String> {
    data.iter()
        .filter_map(|row| {
            let id = match row.first()? {
                serde_json::Value::String(s) => s.trim().parse().ok()?,
                v => v.as_i64()?,
            };
            Some((id, unknown::words(row.get(1)?)))
        })
        .collect()
}

/// The name of an approval type: the type table's, else the code as sent.
pub fn type_name(types: &HashMap<i64, String>, code: &Code) -> String {
    match code {
        Code::Num(n) => types.get(n).cloned().unwrap_or_else(|| format!("审批类型 {n}")),
        Code::Missing => "审批".into(),
        Code::Word(w) => {
            unknown::note(Vendor::Yomicloud, "approval type", w);
            w.clone()
        }
    }
}

/// The content, parsed: JSON inside a string as documented, or an object as it is. Anything
/// else makes the record unreadable.
pub fn content(record: &wire::ApprovalRecord) -> Result<Content, MapError> {
    let value = match &record.content {
        serde_json::Value::String(s) => {
            serde_json::from_str(s).map_err(|e| format!("approval {}: content is not valid JSON: {e}", record.id))?
        }
        serde_json::Value::Null => return Err(format!("approval {}: no content", record.id)),
        other => other.clone(),
    };
    if !value.is_object() {
        return Err(format!("approval {}: content is not a JSON object", record.id));
    }
    serde_json::from_value(value).map_err(|e| format!("approval {}: content cannot be read: {e}", record.id))
}

/// Maps a `view-approval` reply. `me` is the account's uid.
pub fn approval(
    view: &ViewApproval,
    raw: serde_json::Value,
    me: i64,
    types: &HashMap<i64, String>,
    extras: &Extras,
) -> Result<RemoteApproval, MapError> {
    let rec = &view.data;
    let content = content(rec)?;
    let (status, status_word) = status(&rec.status);
    let current = current_step(&rec.status, &content, &view.data2);
    let mine = my_turn(&view.data2, &content, me, current);
    let roles = Roles {
        creator: rec.creator == Some(me),
        cc: content.copyto.contains(&me),
        todo: mine.is_some(),
        managed: extras.managed,
    };
    let form_name = type_name(types, &rec.task_type);
    let created = rec.createtime();
    let updated_at = view
        .data2
        .iter()
        .filter_map(|h| h.handletime)
        .chain([created, rec.end_time.unwrap_or(0)])
        .max()
        .unwrap_or(created);
    let creator = rec.creator.unwrap_or(0);
    Ok(RemoteApproval {
        remote_id: rec.id.to_string(),
        title: title(&content, view, rec.id),
        form_name: form_name.clone(),
        submitter: User {
            id: rec.creator.map(|c| c.to_string()).unwrap_or_default(),
            name: wire::user_name(&view.userinfo, creator),
        },
        submitted_at: created,
        updated_at,
        status,
        boxes: boxes(roles, &view.data2, me),
        fields: fields(&content, view, &form_name)
            .into_iter()
            .chain(extras.file_log.and_then(|l| file_log_field(l, rec.id)))
            .collect(),
        steps: steps(&content, &view.data2, &view.userinfo),
        attachments: attachments(view, extras.children),
        actions: if mine.is_some() { vec![Action::Approve, Action::Reject] } else { vec![] },
        raw,
        status_word,
        unreadable: None,
        marks: marks(&content, &view.data2, me, mine),
    })
}

/// An approval we just created, from the `create-approval` json we sent, for when it cannot be
/// read back yet: pending, in 已发起, its steps as sent (the next sync reads it in full).
pub fn as_sent(
    id: i64,
    json: &serde_json::Value,
    me: i64,
    now: i64,
    types: &HashMap<i64, String>,
) -> Result<RemoteApproval, MapError> {
    let data = wire::ApprovalRecord {
        id,
        content: json.clone(),
        createtime: Some(now),
        creator: Some(me),
        end_time: None,
        errmsg: None,
        file_id: json.get("fileId").map(Code::of).and_then(|c| c.num()),
        status: Code::Num(0),
        task_type: json.get("taskType").map(Code::of).unwrap_or_default(),
    };
    let view = ViewApproval {
        attachment: None,
        data,
        data2: vec![],
        file_auth: None,
        file_map: None,
        userinfo: Default::default(),
    };
    approval(&view, json.clone(), me, types, &Extras::default())
}

fn title(content: &Content, view: &ViewApproval, id: i64) -> String {
    let file = view.file_map.as_ref().map(|f| f.file_name.trim()).filter(|n| !n.is_empty());
    let own = content.title.trim();
    match file {
        Some(name) if !own.is_empty() => format!("{own} · {name}"),
        Some(name) => name.to_string(),
        None if !own.is_empty() => own.to_string(),
        None => format!("审批 #{id}"),
    }
}

/// The step waiting for decisions while the approval is pending (choice 5 of
/// docs/yomicloud-protocol.md): steps run in order, a passed step (1) is behind us, and the
/// first step without a result (0, or no rows yet) is current. A step whose result we do not
/// know stops the search: which step is current is then unknown, and nothing is offered.
pub fn current_step(status: &Code, content: &Content, data2: &[Handler]) -> Option<usize> {
    if !status.is(0) {
        return None;
    }
    for i in 0..content.steps().len() {
        match data2.iter().find(|h| h.on_step(i)).map(|h| &h.status) {
            None => return Some(i),
            Some(c) if c.is(0) => return Some(i),
            Some(c) if c.is(1) => continue,
            Some(_) => return None,
        }
    }
    None
}

/// The handler row through which `me` may act now, if any: mine, on the current step, not yet
/// decided (`status2` 0), with the ids `handle-step` needs, and for rule 4 only when I am the
/// `selectId` (a rule-4 step without one offers nobody the decision). Under a rule we do not
/// know, the row decides as under rules 1-3: the vendor lists the step as awaiting me, and it
/// refuses (code 5) a decision its rule does not take.
pub fn my_turn<'a>(data2: &'a [Handler], content: &Content, me: i64, current: Option<usize>) -> Option<&'a Handler> {
    let current = current?;
    let step = content.steps().get(current)?;
    if step.rule.is(4) && step.select_id != Some(me) {
        return None;
    }
    data2
        .iter()
        .find(|h| h.uid == Some(me) && h.id.is_some() && h.status2.is(0) && h.on_step(current) && h.is_approver())
}

/// The vendor's marker of a handling row: the row (`auid`) and its step, what `handle-step`
/// names.
pub fn row_mark(h: &Handler) -> String {
    let text = |v: Option<i64>| v.map_or_else(|| "-".to_string(), |n| n.to_string());
    format!("{}/{}", text(h.id), text(h.step))
}

/// The approval's step marks for `me`: the row through which they may decide now (`mine`, see
/// [`my_turn`]) and each of their approver rows that shows a result (1 agreed, 2 refused).
pub fn marks(content: &Content, data2: &[Handler], me: i64, mine: Option<&Handler>) -> Vec<StepMark> {
    let name = |h: &Handler| {
        let defined = h
            .step
            .and_then(|i| usize::try_from(i).ok())
            .and_then(|i| content.steps().get(i))
            .map(|d| d.name.clone())
            .filter(|n| !n.trim().is_empty());
        defined.unwrap_or_else(|| format!("第 {} 步", h.step.map_or(0, |i| i + 1)))
    };
    let awaiting = mine.map(|h| StepMark { step: row_mark(h), name: name(h), decision: Decision::Waiting });
    let decided = data2.iter().filter(|h| h.uid == Some(me) && h.is_approver()).filter_map(|h| {
        let decision = match h.status2.num() {
            Some(1) => Decision::Approved,
            Some(2) => Decision::Rejected,
            _ => return None,
        };
        Some(StepMark { step: row_mark(h), name: name(h), decision })
    });
    awaiting.into_iter().chain(decided).collect()
}

/// What the account is to an approval, besides its approver rows.
struct Roles {
    creator: bool,
    cc: bool,
    todo: bool,
    managed: bool,
}

/// The boxes: processed when any of my approver rows has a result, the document's (1, 2) or
/// one we do not know (the vendor records something I did; it is shown as sent).
fn boxes(roles: Roles, data2: &[Handler], me: i64) -> Vec<Inbox> {
    let processed =
        data2.iter().any(|h| h.uid == Some(me) && h.is_approver() && !h.status2.is(0) && h.status2 != Code::Missing);
    [
        (Inbox::Todo, roles.todo),
        (Inbox::Submitted, roles.creator),
        (Inbox::Processed, processed),
        (Inbox::Cc, roles.cc),
        (MANAGED_BOX, roles.managed),
    ]
    .into_iter()
    .filter_map(|(b, yes)| yes.then_some(b))
    .collect()
}

fn steps(content: &Content, data2: &[Handler], users: &wire::UserInfo) -> Vec<Step> {
    content
        .steps()
        .iter()
        .enumerate()
        .map(|(i, def)| {
            let rows: Vec<&Handler> = data2.iter().filter(|h| h.on_step(i) && h.is_approver()).collect();
            let members = if rows.is_empty() {
                // No handling rows yet: show the approvers named by the step itself.
                def.ids.iter().enumerate().map(|(k, id)| member_waiting(*id, def.realnames.get(k), users)).collect()
            } else {
                rows.iter().map(|h| member(h, users)).collect()
            };
            Step {
                name: def.name.clone(),
                rule: rule(def),
                decision: rows.first().map_or(Decision::Waiting, |h| decision(&h.status).0),
                members,
            }
        })
        .collect()
}

fn member_waiting(uid: i64, realname: Option<&String>, users: &wire::UserInfo) -> StepMember {
    let name = match realname.filter(|n| !n.trim().is_empty()) {
        Some(n) if !users.contains_key(&uid.to_string()) => n.clone(),
        _ => wire::user_name(users, uid),
    };
    StepMember {
        user: User { id: uid.to_string(), name },
        decision: Decision::Waiting,
        word: None,
        comment: None,
        decided_at: None,
    }
}

fn member(h: &Handler, users: &wire::UserInfo) -> StepMember {
    let (decision, word) = decision(&h.status2);
    let uid = h.uid.unwrap_or(0);
    StepMember {
        user: User { id: h.uid.map(|u| u.to_string()).unwrap_or_default(), name: wire::user_name(users, uid) },
        decision,
        word,
        comment: h.note.clone().filter(|n| !n.is_empty()),
        decided_at: h.handletime.filter(|t| *t > 0),
    }
}

fn fields(c: &Content, view: &ViewApproval, form_name: &str) -> Vec<Field> {
    let mut out = vec![Field::new("审批类型", form_name, FieldKind::Select)];
    if let Some(path) = c.full_path.as_deref().filter(|p| !p.is_empty()) {
        out.push(Field::new("文件路径", path, FieldKind::File));
    } else if let Some(f) = view.file_map.as_ref().filter(|f| !f.file_name.is_empty()) {
        out.push(Field::new("文件", &f.file_name, FieldKind::File));
    }
    if let Some(note) = c.creator_note.as_deref().filter(|n| !n.is_empty()) {
        out.push(Field::new("发起人陈述", note, FieldKind::Text));
    }
    if let Some(desc) = c.desc.as_deref().filter(|d| !d.is_empty()) {
        out.push(Field::new("审批说明", desc, FieldKind::Text));
    }
    if let Some(days) = c.temp_auth_day.filter(|d| *d > 0) {
        out.push(Field::new("临时权限天数", days.to_string(), FieldKind::Number));
    }
    if let Some(a) = c.approver_auth {
        out.push(Field::new("审批人附加权限", extra_permission(a), FieldKind::Select));
    }
    for (key, value) in
        c.other.iter().filter(|(k, v)| !DOCUMENTED_KEYS.contains(&k.as_str()) && !unknown::words(v).is_empty())
    {
        unknown::note(Vendor::Yomicloud, "content field", key);
        out.push(unknown::field(key, value));
    }
    if let Some(msg) = view.data.errmsg.as_deref().filter(|m| !m.is_empty()) {
        out.push(Field::new("处理失败原因", msg, FieldKind::Text));
    }
    out
}

/// The document's words for an approval status (接口7: 0正在审批,1已通过,2已拒绝,3处理失败);
/// another code as the vendor sent it.
fn status_words(code: &Code) -> String {
    match code.num() {
        Some(n @ 0..=3) => ["正在审批", "已通过", "已拒绝", "处理失败"][n as usize].to_string(),
        _ => code.word(),
    }
}

/// Reads a `get-file-approval-log` reply: its newest approvals as rows of 审批 / 类型 / 发起人 /
/// 发起时间 / 状态 (times in the system's time zone, as the window shows every time). A row
/// whose content cannot be read shows no title; odd codes are shown as sent.
pub fn file_log(log: &wire::ApprovalList, types: &HashMap<i64, String>) -> FileLog {
    let mut records: Vec<&wire::ApprovalRecord> = log.data.iter().collect();
    records.sort_by_key(|r| std::cmp::Reverse((r.createtime(), r.id)));
    let rows = records
        .iter()
        .take(FILE_LOG_ROWS)
        .map(|r| {
            let mut row = serde_json::Map::new();
            let title = content(r).map(|c| c.title).unwrap_or_default();
            let when = chrono::DateTime::from_timestamp(r.createtime(), 0)
                .map(|t| t.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M").to_string());
            row.insert("审批".into(), format!("#{} {title}", r.id).trim_end().into());
            row.insert("类型".into(), type_name(types, &r.task_type).into());
            row.insert(
                "发起人".into(),
                r.creator.map(|c| wire::user_name(&log.userinfo, c)).unwrap_or_default().into(),
            );
            row.insert("发起时间".into(), when.unwrap_or_default().into());
            row.insert("状态".into(), status_words(&r.status).into());
            (r.id, row)
        })
        .collect();
    FileLog { rows, total: records.len() }
}

/// The log as a table field (none for an empty log); the row of approval `this` says so.
pub fn file_log_field(log: &FileLog, this: i64) -> Option<Field> {
    if log.rows.is_empty() {
        return None;
    }
    let rows: Vec<serde_json::Value> = log
        .rows
        .iter()
        .map(|(id, row)| {
            let mut row = row.clone();
            if *id == this {
                let marked = format!("{}（本审批）", row["审批"].as_str().unwrap_or_default());
                row.insert("审批".into(), marked.into());
            }
            serde_json::Value::Object(row)
        })
        .collect();
    let label = if log.total > log.rows.len() {
        format!("{FILE_LOG_LABEL}（最近 {} 条，共 {} 条）", log.rows.len(), log.total)
    } else {
        FILE_LOG_LABEL.to_string()
    };
    Some(Field::new(label, serde_json::Value::Array(rows).to_string(), FieldKind::Table))
}

/// The attachment: one file (`atype` 0, or a type we do not know: its `fileId` downloads), or
/// a multi-file attachment's first level (`atype` 1).
fn attachments(view: &ViewApproval, children: &[AttachEntry]) -> Vec<Attachment> {
    let Some(a) = &view.attachment else { return vec![] };
    let size = |s: Option<i64>| s.filter(|s| *s >= 0).map(|s| s as u64);
    if !a.atype.is(1) {
        let name = if a.file_name.trim().is_empty() { format!("附件 {}", a.file_id) } else { a.file_name.clone() };
        return vec![Attachment { remote_id: a.file_id.to_string(), name, size: size(a.size), is_folder: false }];
    }
    if children.is_empty() {
        let name = format!("多文件附件（{} 个文件）", a.total_num.unwrap_or(0));
        return vec![Attachment { remote_id: a.file_id.to_string(), name, size: size(a.total_size), is_folder: true }];
    }
    children
        .iter()
        .map(|c| Attachment {
            remote_id: c.file_id.to_string(),
            name: c.file_name.clone(),
            size: size(c.size),
            is_folder: c.file_type == Some(1),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The `view-approval` example of the document, verbatim but for its `//` comments, which
    /// are not JSON.
    pub const VIEW_EXAMPLE: &str = include_str!("../../../tests/fixtures/yomicloud/view-approval.jsonc");
    const TEMPLET_EXAMPLE: &str = include_str!("../../../tests/fixtures/yomicloud/templet-content.jsonc");

    fn view() -> (ViewApproval, serde_json::Value) {
        let raw = crate::connectors::de::document_example(VIEW_EXAMPLE);
        (serde_json::from_value(raw.clone()).unwrap(), raw)
    }

    /// The example with its content string edited by `edit` (on the decoded object).
    fn with_content(edit: impl FnOnce(&mut serde_json::Value)) -> (ViewApproval, serde_json::Value) {
        let (mut v, raw) = view();
        let mut c: serde_json::Value = serde_json::from_str(v.data.content.as_str().unwrap()).unwrap();
        edit(&mut c);
        v.data.content = c.to_string().into();
        (v, raw)
    }

    fn map(v: &ViewApproval, me: i64) -> RemoteApproval {
        approval(v, json!({}), me, &HashMap::new(), &Extras::default()).unwrap()
    }

    #[test]
    fn document_example_maps_for_the_first_approver() {
        let (v, raw) = view();
        let types = task_types(
            &serde_json::from_value::<wire::TempletContent>(crate::connectors::de::document_example(TEMPLET_EXAMPLE))
                .unwrap()
                .data,
        );
        let a = approval(&v, raw, 3, &types, &Extras::default()).unwrap();
        assert_eq!(a.remote_id, "2");
        assert_eq!(a.title, "上传审批 · 质量控制");
        assert_eq!(a.form_name, "上传文件");
        assert_eq!(a.submitter.name, "测试3");
        assert_eq!((a.status, a.status_word.clone()), (Status::Pending, None));
        assert_eq!(a.boxes, vec![Inbox::Todo]);
        assert_eq!(a.actions, vec![Action::Approve, Action::Reject]);
        assert_eq!(a.steps.len(), 2);
        assert_eq!(a.steps[0].name, "初审");
        assert_eq!(a.steps[0].rule, StepRule::Any);
        assert_eq!(a.steps[1].members[0].user.name, "系统管理员");
        assert!(a.fields.iter().any(|f| f.label == "发起人陈述" && f.value == "请批准!"));
        assert!(
            a.fields.iter().any(|f| f.label == "文件路径" && f.value == "公司文件/示例-按项目/质量控制"),
            "{:?}",
            a.fields
        );
        assert_eq!(a.attachments.len(), 1);
        assert!(a.attachments[0].is_folder);
    }

    /// Issue 14: a step is marked by the user's handling row and its step, what `handle-step`
    /// names; once decided the row keeps its marker and shows the result.
    #[test]
    fn my_row_on_the_current_step_is_marked_and_keeps_its_marker_once_decided() {
        let (v, _) = view();
        let first = map(&v, 3);
        assert_eq!(
            first.marks,
            vec![StepMark { step: "3/0".into(), name: "初审".into(), decision: Decision::Waiting }]
        );
        assert!(map(&v, 1).marks.is_empty(), "step 2 is not current yet: nothing awaits its approver");
        let (mut v, _) = view();
        (v.data2[0].status, v.data2[0].status2) = (Code::Num(1), Code::Num(1));
        let admin = map(&v, 1);
        assert_eq!(admin.awaiting().map(|m| m.step.as_str()), Some("4/1"), "the next step has its own marker");
        assert_eq!(
            map(&v, 3).marks,
            vec![StepMark { step: "3/0".into(), name: "初审".into(), decision: Decision::Approved }]
        );
    }

    #[test]
    fn second_step_approver_waits_and_creator_sees_submitted() {
        let (v, raw) = view();
        let admin = approval(&v, raw.clone(), 1, &HashMap::new(), &Extras::default()).unwrap();
        assert!(admin.boxes.is_empty() && admin.actions.is_empty(), "step 2 is not current yet");
        assert_eq!(admin.form_name, "审批类型 2");
        let creator = approval(&v, raw, 4, &HashMap::new(), &Extras::default()).unwrap();
        assert_eq!(creator.boxes, vec![Inbox::Submitted]);
    }

    /// Issue 13 replaced "a value the document does not list is an error naming it": such a
    /// value is kept as sent, and nothing is offered on a guess.
    #[test]
    fn an_unknown_status_is_shown_as_sent_and_offers_nothing() {
        let (mut v, _) = view();
        v.data.status = Code::Num(9);
        let a = map(&v, 3);
        assert_eq!((a.status, a.status_word.as_deref()), (Status::Other, Some("9")));
        assert!(a.actions.is_empty() && !a.boxes.contains(&Inbox::Todo));
        v.data.status = Code::Word("归档中".into());
        assert_eq!(map(&v, 4).status_word.as_deref(), Some("归档中"));
        assert_eq!(map(&v, 4).boxes, vec![Inbox::Submitted], "the creator still finds it");
        v.data.status = Code::Missing;
        assert_eq!(map(&v, 4).status, Status::Other);
        let parsed: wire::ApprovalRecord =
            serde_json::from_value(json!({"id": "5", "content": "{}", "status": "archived", "taskType": null}))
                .unwrap();
        assert_eq!((parsed.id, parsed.status, parsed.task_type), (5, Code::Word("archived".into()), Code::Missing));
    }

    #[test]
    fn an_unknown_rule_is_shown_as_sent_and_my_row_still_decides() {
        let (v, _) = with_content(|c| c["step"][0]["type"] = json!(7));
        let a = map(&v, 3);
        assert_eq!(a.steps[0].rule, StepRule::Other { word: "7".into() });
        assert_eq!(
            a.actions,
            vec![Action::Approve, Action::Reject],
            "the vendor lists the step as mine; it refuses what its rule does not take"
        );
        let (v, _) = with_content(|c| c["step"][0]["type"] = json!("会签"));
        assert_eq!(map(&v, 3).steps[0].rule, StepRule::Other { word: "会签".into() });
    }

    #[test]
    fn a_designated_step_without_its_approver_offers_nobody_the_decision() {
        let (v, _) = with_content(|c| c["step"][0]["type"] = json!(4));
        let a = map(&v, 3);
        assert_eq!(a.steps[0].rule, StepRule::Designated { user_id: String::new() });
        assert!(a.actions.is_empty());
        let (v, _) = with_content(|c| {
            c["step"][0]["type"] = json!(4);
            c["step"][0]["selectId"] = json!("3");
        });
        assert_eq!(map(&v, 3).actions, vec![Action::Approve, Action::Reject]);
    }

    #[test]
    fn an_unknown_result_is_a_word_never_a_decision() {
        let (mut v, _) = view();
        v.data2[0].status2 = Code::Num(5);
        let a = map(&v, 3);
        assert_eq!(
            (a.steps[0].members[0].decision, a.steps[0].members[0].word.as_deref()),
            (Decision::Other, Some("5"))
        );
        assert_eq!(a.boxes, vec![Inbox::Processed], "the vendor records something the user did");
        assert!(a.actions.is_empty());
        // A step result we do not know: which step is current is unknown, nothing is offered.
        let (mut v, _) = view();
        v.data2[0].status = Code::Word("transferred".into());
        let admin_turn = {
            v.data2[0].status2 = Code::Num(0);
            map(&v, 3)
        };
        assert_eq!(admin_turn.steps[0].decision, Decision::Other);
        assert!(admin_turn.actions.is_empty());
    }

    #[test]
    fn null_and_missing_optional_fields_never_fail_a_record() {
        let raw = json!({
            "attachment": {"atype": "x", "fileName": null},
            "code": 0,
            "data": {"id": 8, "content": {"title": null, "step": [{"ids": ["3", "x"], "name": null, "realnames": null, "type": "2", "usernames": null}], "copyto": null, "creatorNote": 12, "fullPath": null},
                     "createtime": null, "creator": "3", "endTime": "", "errmsg": null, "fileId": null, "status": "0", "taskType": null},
            "data2": [{"handleType": null, "handletime": null, "id": "11", "note": null, "status": 0, "status2": "0", "step": "0", "uid": 3}, "not a row"],
            "fileAuth": null,
            "fileMap": null,
            "userinfo": null,
        });
        let v: ViewApproval = serde_json::from_value(raw.clone()).unwrap();
        let a = approval(&v, raw, 3, &HashMap::new(), &Extras::default()).unwrap();
        assert_eq!((a.title.as_str(), a.form_name.as_str(), a.status), ("审批 #8", "审批", Status::Pending));
        assert_eq!(a.boxes, vec![Inbox::Todo, Inbox::Submitted]);
        assert_eq!(a.actions, vec![Action::Approve, Action::Reject]);
        assert_eq!(a.steps[0].members[0].user.name, "用户 3");
        assert!(a.fields.iter().any(|f| f.label == "发起人陈述" && f.value == "12"));
        assert!(a.attachments.is_empty(), "an attachment without its fileId cannot be downloaded: left out");
    }

    #[test]
    fn content_keys_the_document_does_not_list_are_fields_by_their_value() {
        let (v, _) = with_content(|c| {
            c["projectCode"] = json!("P-2024-𠀀");
            c["amount"] = json!(1234.5);
            c["contacts"] = json!([{"name": "王芳"}, {"name": "李娜"}]);
            c["empty"] = json!(null);
        });
        let a = map(&v, 3);
        let field = |label: &str| a.fields.iter().find(|f| f.label == label).map(|f| (f.value.as_str(), f.kind));
        assert_eq!(field("projectCode"), Some(("P-2024-𠀀", FieldKind::Text)));
        assert_eq!(field("amount"), Some(("1234.5", FieldKind::Number)));
        assert_eq!(field("contacts"), Some(("王芳、李娜", FieldKind::Text)));
        assert_eq!(field("empty"), None);
        assert_eq!(field("mark"), None, "a documented key is not repeated as a field");
    }

    #[test]
    fn content_that_cannot_be_read_makes_the_record_unreadable() {
        for content in [json!("{\"title\": \"损坏"), json!(null), json!(42), json!("[1, 2]")] {
            let (mut v, _) = view();
            v.data.content = content.clone();
            let e = approval(&v, json!({}), 3, &HashMap::new(), &Extras::default()).unwrap_err();
            assert!(e.contains("approval 2"), "{content}: {e}");
        }
    }

    #[test]
    fn an_unknown_task_type_is_named_as_sent() {
        let types = HashMap::from([(2, "上传文件".to_string())]);
        assert_eq!(type_name(&types, &Code::Num(2)), "上传文件");
        assert_eq!(type_name(&types, &Code::Num(12)), "审批类型 12");
        assert_eq!(type_name(&types, &Code::Word("归档".into())), "归档");
        assert_eq!(
            task_types(&[vec![json!(9), json!("归档审批 😀")], vec![json!("x")]]),
            HashMap::from([(9, "归档审批 😀".to_string())])
        );
    }

    #[test]
    fn other_document_examples_parse() {
        let ex = |s| crate::connectors::de::document_example(s);
        let body: wire::TempletBody =
            serde_json::from_value(ex(include_str!("../../../tests/fixtures/yomicloud/templet-body.jsonc"))).unwrap();
        assert_eq!((body.title.as_str(), body.step[0].realnames[0].as_str()), ("申请修改", "系统管理员"));
        let create: Content =
            serde_json::from_value(ex(include_str!("../../../tests/fixtures/yomicloud/create-approval-json.jsonc")))
                .unwrap();
        assert_eq!((create.tid, create.temp_auth_day, create.steps()[0].select_id), (Some(5), Some(4), Some(1)));
        assert_eq!(create.copyto, vec![4]);
        assert_eq!(create.full_path.as_deref(), Some("公司文件/dzz_1.1_UTF8_20120408.zip"));
        let dir = ex(include_str!("../../../tests/fixtures/yomicloud/list-dir-approval.jsonc"));
        assert_eq!(dir["approval"][1]["name"], "申请预览权限");
    }

    #[test]
    fn a_long_file_log_keeps_the_newest_rows_and_says_how_many_there_are() {
        let record = |id: i64, status: serde_json::Value| json!({"id": id, "content": "{\"title\": \"上传审批\"}", "createtime": 1_700_000_000 + id, "creator": 4, "status": status, "taskType": 2});
        let data: Vec<_> = (1..=12).map(|id| record(id, json!(id % 4))).collect();
        let list: wire::ApprovalList =
            serde_json::from_value(json!({"data": data, "userinfo": {"4": ["test03", "测试3", "0"]}})).unwrap();
        let types = HashMap::from([(2, "上传文件".to_string())]);
        let log = file_log(&list, &types);
        let field = file_log_field(&log, 12).unwrap();
        assert_eq!(field.label, "文件审批记录（最近 10 条，共 12 条）");
        let rows: Vec<serde_json::Value> = serde_json::from_str(&field.value).unwrap();
        assert_eq!(rows.len(), FILE_LOG_ROWS);
        assert_eq!(rows[0]["审批"], "#12 上传审批（本审批）");
        assert_eq!(
            (rows[0]["类型"].as_str(), rows[0]["发起人"].as_str(), rows[0]["状态"].as_str()),
            (Some("上传文件"), Some("测试3"), Some("正在审批"))
        );
        assert_eq!(rows[9]["审批"], "#3 上传审批", "newest first, the two oldest left out");
        // This approval outside the newest rows: no row is marked.
        assert!(!file_log_field(&log, 1).unwrap().value.contains("本审批"));
        // A status the document does not list is shown as sent; an unreadable content has no title.
        let odd: wire::ApprovalList = serde_json::from_value(
            json!({"data": [record(1, json!(7)), {"id": 2, "content": "{", "status": "归档中"}]}),
        )
        .unwrap();
        let rows: Vec<serde_json::Value> =
            serde_json::from_str(&file_log_field(&file_log(&odd, &types), 0).unwrap().value).unwrap();
        assert_eq!(
            (rows[0]["状态"].as_str(), rows[1]["状态"].as_str(), rows[1]["审批"].as_str()),
            (Some("7"), Some("归档中"), Some("#2"))
        );
    }

    #[test]
    fn every_rule_maps() {
        let def = |rule: i64, num, sel| StepDef {
            approval_num: num,
            ids: vec![1],
            name: "s".into(),
            realnames: vec![],
            select_id: sel,
            rule: Code::Num(rule),
            usernames: vec![],
        };
        assert_eq!(rule(&def(1, None, None)), StepRule::All);
        assert_eq!(rule(&def(2, None, None)), StepRule::Any);
        assert_eq!(rule(&def(3, Some(2), None)), StepRule::MoreThan { n: 2 });
        assert_eq!(rule(&def(4, None, Some(5))), StepRule::Designated { user_id: "5".into() });
        assert_eq!(rule(&def(4, None, None)), StepRule::Designated { user_id: String::new() });
        assert_eq!(rule(&def(5, None, None)), StepRule::Other { word: "5".into() });
    }

    #[test]
    fn every_result_and_status_maps() {
        assert_eq!(decision(&Code::Num(1)), (Decision::Approved, None));
        assert_eq!(decision(&Code::Num(2)), (Decision::Rejected, None));
        assert_eq!(decision(&Code::Num(0)), (Decision::Waiting, None));
        assert_eq!(decision(&Code::Word("转交".into())), (Decision::Other, Some("转交".into())));
        assert_eq!(status(&Code::Num(3)), (Status::Failed, None));
        assert_eq!(status(&Code::Num(4)), (Status::Other, Some("4".into())));
    }

    #[test]
    fn templet_example_content_parses_twice() {
        let t: wire::TempletContent =
            serde_json::from_value(crate::connectors::de::document_example(TEMPLET_EXAMPLE)).unwrap();
        let body = t.templet.unwrap().body().unwrap();
        assert_eq!(body.approval_type, Code::Num(4));
        assert_eq!(body.step[0].rule, Code::Num(2));
        assert_eq!(body.uids, vec![4]);
        assert_eq!(task_types(&t.data).get(&2).map(String::as_str), Some("上传文件"));
    }
}
