//! yomicloud wire → unified model: status and step rules mapped exhaustively (a value the
//! document does not list is an error naming it), boxes derived from "my" row in `data2` (and,
//! for administrators, from `get-handler-list admin=1`), a file's approval log as a table.

use super::wire::{self, AttachEntry, Content, Handler, StepDef, ViewApproval};
use crate::model::{
    Action, Attachment, Decision, Field, FieldKind, Inbox, RemoteApproval, Status, Step, StepMember,
    StepRule, User,
};
use std::collections::HashMap;

/// A mapping failure: the vendor sent a value the document does not define.
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

/// Approval status (document: 0 正在审批, 1 已通过, 2 已拒绝, 3 处理失败).
pub fn status(code: i64) -> Result<Status, MapError> {
    match code {
        0 => Ok(Status::Pending),
        1 => Ok(Status::Approved),
        2 => Ok(Status::Rejected),
        3 => Ok(Status::Failed),
        other => Err(format!("unknown approval status {other}")),
    }
}

/// Step rule (document: 1 一致同意, 2 任一同意, 3 同意人数大于n, 4 指定同意).
pub fn rule(step: &StepDef) -> Result<StepRule, MapError> {
    match step.rule {
        1 => Ok(StepRule::All),
        2 => Ok(StepRule::Any),
        3 => Ok(StepRule::MoreThan { n: step.approval_num.unwrap_or(0).max(0) as u32 }),
        4 => match step.select_id {
            Some(id) => Ok(StepRule::Designated { user_id: id.to_string() }),
            None => Err(format!("step \"{}\" has rule 4 (指定同意) but no selectId", step.name)),
        },
        other => Err(format!("unknown step rule {other} in step \"{}\"", step.name)),
    }
}

/// A result code of `status` / `status2` (0 none, 1 agreed, 2 refused).
pub fn decision(code: i64) -> Result<Decision, MapError> {
    match code {
        0 => Ok(Decision::Waiting),
        1 => Ok(Decision::Approved),
        2 => Ok(Decision::Rejected),
        other => Err(format!("unknown approver result {other}")),
    }
}

/// Words for the approver/cc extra permission (附加权限).
fn extra_permission(code: i64) -> &'static str {
    match code {
        1 => "可预览",
        2 => "可预览与下载",
        _ => "无",
    }
}

/// The approval types of `templet-content` (`data`): id → name.
pub fn task_types(data: &[Vec<serde_json::Value>]) -> HashMap<i64, String> {
    data.iter()
        .filter_map(|row| {
            let id = match row.first()? {
                serde_json::Value::String(s) => s.parse().ok()?,
                v => v.as_i64()?,
            };
            Some((id, row.get(1)?.as_str()?.to_string()))
        })
        .collect()
}

/// The content string, parsed (the document's double encoding).
pub fn content(record: &wire::ApprovalRecord) -> Result<Content, MapError> {
    serde_json::from_str(&record.content).map_err(|e| format!("approval {}: content is not valid JSON: {e}", record.id))
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
    let status = status(rec.status)?;
    let steps = steps(&content, &view.data2, &view.userinfo)?;
    let current = current_step(rec.status, &content, &view.data2);
    let mine = my_turn(&view.data2, &content, me, current);
    let roles = Roles { creator: rec.creator == me, cc: content.copyto.contains(&me), todo: mine.is_some(), managed: extras.managed };
    let boxes = boxes(roles, &view.data2, me);
    let actions = if mine.is_some() { vec![Action::Approve, Action::Reject] } else { vec![] };
    let form_name = types.get(&rec.task_type).cloned().unwrap_or_else(|| format!("审批类型 {}", rec.task_type));
    let updated_at = view.data2.iter().filter_map(|h| h.handletime).chain([rec.createtime, rec.end_time.unwrap_or(0)]).max().unwrap_or(rec.createtime);
    Ok(RemoteApproval { status_word: None, unreadable: None,
        remote_id: rec.id.to_string(),
        title: title(&content, view),
        form_name: form_name.clone(),
        submitter: User { id: rec.creator.to_string(), name: wire::user_name(&view.userinfo, rec.creator) },
        submitted_at: rec.createtime,
        updated_at,
        status,
        boxes,
        fields: fields(&content, view, &form_name).into_iter().chain(extras.file_log.and_then(|l| file_log_field(l, rec.id))).collect(),
        steps,
        attachments: attachments(view, extras.children),
        actions,
        raw,
    })
}

fn title(content: &Content, view: &ViewApproval) -> String {
    let file = view.file_map.as_ref().map(|f| f.file_name.as_str()).filter(|n| !n.is_empty());
    match file {
        Some(name) if !content.title.is_empty() => format!("{} · {}", content.title, name),
        Some(name) => name.to_string(),
        None => content.title.clone(),
    }
}

/// The step waiting for decisions: the first whose rows have no result yet, while the approval
/// is pending (choice 5 of docs/yomicloud-protocol.md).
pub fn current_step(status: i64, content: &Content, data2: &[Handler]) -> Option<usize> {
    if status != 0 {
        return None;
    }
    (0..content.step.len()).find(|&i| data2.iter().find(|h| h.step == i as i64).is_none_or(|h| h.status == 0))
}

/// The handler row through which `me` may act now, if any.
pub fn my_turn<'a>(data2: &'a [Handler], content: &Content, me: i64, current: Option<usize>) -> Option<&'a Handler> {
    let current = current?;
    let designated = content.step.get(current).filter(|s| s.rule == 4).and_then(|s| s.select_id);
    data2.iter().find(|h| {
        h.uid == me
            && h.status2 == 0
            && h.step == current as i64
            && h.utype.unwrap_or(1) == 1
            && designated.is_none_or(|d| d == me)
    })
}

/// What the account is to an approval, besides its approver rows.
struct Roles {
    creator: bool,
    cc: bool,
    todo: bool,
    managed: bool,
}

fn boxes(roles: Roles, data2: &[Handler], me: i64) -> Vec<Inbox> {
    let processed = data2.iter().any(|h| h.uid == me && (h.status2 == 1 || h.status2 == 2));
    [(Inbox::Todo, roles.todo), (Inbox::Submitted, roles.creator), (Inbox::Processed, processed), (Inbox::Cc, roles.cc), (MANAGED_BOX, roles.managed)]
        .into_iter()
        .filter_map(|(b, yes)| yes.then_some(b))
        .collect()
}

fn steps(content: &Content, data2: &[Handler], users: &wire::UserInfo) -> Result<Vec<Step>, MapError> {
    content
        .step
        .iter()
        .enumerate()
        .map(|(i, def)| {
            let rows: Vec<&Handler> = data2.iter().filter(|h| h.step == i as i64 && h.utype.unwrap_or(1) == 1).collect();
            let members = if rows.is_empty() {
                // No handling rows yet: show the approvers named by the step itself.
                def.ids.iter().map(|id| member_waiting(*id, users)).collect()
            } else {
                rows.iter().map(|h| member(h, users)).collect::<Result<_, _>>()?
            };
            Ok(Step {
                name: def.name.clone(),
                rule: rule(def)?,
                decision: rows.first().map(|h| decision(h.status)).transpose()?.unwrap_or(Decision::Waiting),
                members,
            })
        })
        .collect()
}

fn member_waiting(uid: i64, users: &wire::UserInfo) -> StepMember {
    StepMember { word: None, user: User { id: uid.to_string(), name: wire::user_name(users, uid) }, decision: Decision::Waiting, comment: None, decided_at: None }
}

fn member(h: &Handler, users: &wire::UserInfo) -> Result<StepMember, MapError> {
    Ok(StepMember { word: None,
        user: User { id: h.uid.to_string(), name: wire::user_name(users, h.uid) },
        decision: decision(h.status2)?,
        comment: h.note.clone().filter(|n| !n.is_empty()),
        decided_at: h.handletime.filter(|t| *t > 0),
    })
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
    if let Some(msg) = view.data.errmsg.as_deref().filter(|m| !m.is_empty()) {
        out.push(Field::new("处理失败原因", msg, FieldKind::Text));
    }
    out
}

/// The document's words for an approval status (接口7: 0正在审批,1已通过,2已拒绝,3处理失败).
fn status_words(code: i64) -> Result<&'static str, MapError> {
    status(code)?;
    Ok(["正在审批", "已通过", "已拒绝", "处理失败"][code as usize])
}

/// Reads a `get-file-approval-log` reply: its newest approvals as rows of 审批 / 类型 / 发起人 /
/// 发起时间 / 状态 (times in the system's time zone, as the window shows every time).
pub fn file_log(log: &wire::ApprovalList, types: &HashMap<i64, String>) -> Result<FileLog, MapError> {
    let mut records: Vec<&wire::ApprovalRecord> = log.data.iter().collect();
    records.sort_by_key(|r| std::cmp::Reverse((r.createtime, r.id)));
    let rows = records
        .iter()
        .take(FILE_LOG_ROWS)
        .map(|r| {
            let mut row = serde_json::Map::new();
            let title = content(r)?.title;
            let kind = types.get(&r.task_type).cloned().unwrap_or_else(|| format!("审批类型 {}", r.task_type));
            let when = chrono::DateTime::from_timestamp(r.createtime, 0).map(|t| t.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M").to_string());
            row.insert("审批".into(), format!("#{} {title}", r.id).trim_end().into());
            row.insert("类型".into(), kind.into());
            row.insert("发起人".into(), wire::user_name(&log.userinfo, r.creator).into());
            row.insert("发起时间".into(), when.unwrap_or_default().into());
            row.insert("状态".into(), status_words(r.status)?.into());
            Ok((r.id, row))
        })
        .collect::<Result<_, MapError>>()?;
    Ok(FileLog { rows, total: records.len() })
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

fn attachments(view: &ViewApproval, children: &[AttachEntry]) -> Vec<Attachment> {
    let Some(a) = &view.attachment else { return vec![] };
    if a.atype == 0 {
        return vec![Attachment { remote_id: a.file_id.to_string(), name: a.file_name.clone(), size: a.size.map(|s| s.max(0) as u64), is_folder: false }];
    }
    if children.is_empty() {
        let name = format!("多文件附件（{} 个文件）", a.total_num.unwrap_or(0));
        return vec![Attachment { remote_id: a.file_id.to_string(), name, size: a.total_size.map(|s| s.max(0) as u64), is_folder: true }];
    }
    children
        .iter()
        .map(|c| Attachment { remote_id: c.file_id.to_string(), name: c.file_name.clone(), size: c.size.map(|s| s.max(0) as u64), is_folder: c.file_type == 1 })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `view-approval` example of the document, verbatim but for its `//` comments, which
    /// are not JSON.
    pub const VIEW_EXAMPLE: &str = include_str!("../../../tests/fixtures/yomicloud/view-approval.jsonc");
    const TEMPLET_EXAMPLE: &str = include_str!("../../../tests/fixtures/yomicloud/templet-content.jsonc");

    fn view() -> (ViewApproval, serde_json::Value) {
        let raw = crate::connectors::de::document_example(VIEW_EXAMPLE);
        (serde_json::from_value(raw.clone()).unwrap(), raw)
    }

    #[test]
    fn document_example_maps_for_the_first_approver() {
        let (v, raw) = view();
        let types = task_types(&serde_json::from_value::<wire::TempletContent>(crate::connectors::de::document_example(TEMPLET_EXAMPLE)).unwrap().data);
        let a = approval(&v, raw, 3, &types, &Extras::default()).unwrap();
        assert_eq!(a.remote_id, "2");
        assert_eq!(a.title, "上传审批 · 质量控制");
        assert_eq!(a.form_name, "上传文件");
        assert_eq!(a.submitter.name, "测试3");
        assert_eq!(a.status, Status::Pending);
        assert_eq!(a.boxes, vec![Inbox::Todo]);
        assert_eq!(a.actions, vec![Action::Approve, Action::Reject]);
        assert_eq!(a.steps.len(), 2);
        assert_eq!(a.steps[0].name, "初审");
        assert_eq!(a.steps[0].rule, StepRule::Any);
        assert_eq!(a.steps[1].members[0].user.name, "系统管理员");
        assert!(a.fields.iter().any(|f| f.label == "发起人陈述" && f.value == "请批准!"));
        assert_eq!(a.attachments.len(), 1);
        assert!(a.attachments[0].is_folder);
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

    #[test]
    fn undocumented_values_are_errors_naming_the_value() {
        let (mut v, raw) = view();
        v.data.status = 9;
        assert!(approval(&v, raw.clone(), 3, &HashMap::new(), &Extras::default()).unwrap_err().contains('9'));
        let (mut v, _) = view();
        v.data.content = v.data.content.replace("\"type\": 2", "\"type\": 7");
        assert!(approval(&v, raw.clone(), 3, &HashMap::new(), &Extras::default()).unwrap_err().contains("rule 7"));
        let (mut v, _) = view();
        v.data2[0].status2 = 5;
        assert!(approval(&v, raw, 3, &HashMap::new(), &Extras::default()).unwrap_err().contains('5'));
    }

    #[test]
    fn other_document_examples_parse() {
        let ex = |s| crate::connectors::de::document_example(s);
        let body: wire::TempletBody = serde_json::from_value(ex(include_str!("../../../tests/fixtures/yomicloud/templet-body.jsonc"))).unwrap();
        assert_eq!((body.title.as_str(), body.step[0].realnames[0].as_str()), ("申请修改", "系统管理员"));
        let create: Content = serde_json::from_value(ex(include_str!("../../../tests/fixtures/yomicloud/create-approval-json.jsonc"))).unwrap();
        assert_eq!((create.tid, create.temp_auth_day, create.step[0].select_id), (Some(5), Some(4), Some(1)));
        assert_eq!(create.copyto, vec![4]);
        let dir = ex(include_str!("../../../tests/fixtures/yomicloud/list-dir-approval.jsonc"));
        assert_eq!(dir["approval"][1]["name"], "申请预览权限");
    }

    #[test]
    fn a_long_file_log_keeps_the_newest_rows_and_says_how_many_there_are() {
        let record = |id: i64, status: i64| {
            serde_json::json!({"id": id, "content": "{\"title\": \"上传审批\"}", "createtime": 1_700_000_000 + id, "creator": 4, "status": status, "taskType": 2})
        };
        let data: Vec<_> = (1..=12).map(|id| record(id, id % 4)).collect();
        let list: wire::ApprovalList = serde_json::from_value(serde_json::json!({"data": data, "userinfo": {"4": ["test03", "测试3", "0"]}})).unwrap();
        let types = HashMap::from([(2, "上传文件".to_string())]);
        let log = file_log(&list, &types).unwrap();
        let field = file_log_field(&log, 12).unwrap();
        assert_eq!(field.label, "文件审批记录（最近 10 条，共 12 条）");
        let rows: Vec<serde_json::Value> = serde_json::from_str(&field.value).unwrap();
        assert_eq!(rows.len(), FILE_LOG_ROWS);
        assert_eq!(rows[0]["审批"], "#12 上传审批（本审批）");
        assert_eq!((rows[0]["类型"].as_str(), rows[0]["发起人"].as_str(), rows[0]["状态"].as_str()), (Some("上传文件"), Some("测试3"), Some("正在审批")));
        assert_eq!(rows[9]["审批"], "#3 上传审批", "newest first, the two oldest left out");
        // This approval outside the newest rows: no row is marked.
        assert!(!file_log_field(&log, 1).unwrap().value.contains("本审批"));
        // A status the document does not list is an error naming it.
        let odd: wire::ApprovalList = serde_json::from_value(serde_json::json!({"data": [record(1, 7)]})).unwrap();
        assert!(file_log(&odd, &types).unwrap_err().contains('7'));
    }

    #[test]
    fn every_rule_maps() {
        let def = |rule, num, sel| StepDef { approval_num: num, ids: vec![1], name: "s".into(), realnames: vec![], select_id: sel, rule, usernames: vec![] };
        assert_eq!(rule(&def(1, None, None)), Ok(StepRule::All));
        assert_eq!(rule(&def(2, None, None)), Ok(StepRule::Any));
        assert_eq!(rule(&def(3, Some(2), None)), Ok(StepRule::MoreThan { n: 2 }));
        assert_eq!(rule(&def(4, None, Some(5))), Ok(StepRule::Designated { user_id: "5".into() }));
        assert!(rule(&def(4, None, None)).is_err());
    }

    #[test]
    fn templet_example_content_parses_twice() {
        let t: wire::TempletContent = serde_json::from_value(crate::connectors::de::document_example(TEMPLET_EXAMPLE)).unwrap();
        let body: wire::TempletBody = serde_json::from_str(&t.templet.unwrap().content).unwrap();
        assert_eq!(body.approval_type, 4);
        assert_eq!(body.step[0].rule, 2);
        assert_eq!(body.uids, vec![4]);
        assert_eq!(task_types(&t.data).get(&2).map(String::as_str), Some("上传文件"));
    }
}
