//! fxiaoke wire → unified model. Old 协同审批 items (`approval/get`) and CRM approval-flow
//! instances (`approvalInstance/get`) both become [`RemoteApproval`]s; every status, state,
//! task type and enum code the documents list is mapped exhaustively, and a value they do not
//! list is an error naming it. Boxes are derived per item as the vendor README says; form
//! records become labelled fields (money as `Money`, times as `Date` = Unix seconds); the
//! vendor's HTML tables are sanitised with `ammonia` before they become `Table` values.

use super::wire::{self, ApprovalTask, CrmInstanceDetail, CrmTask, CustomRecord, MediaRef, PresetRecord, TripItem};
use crate::model::{Action, Attachment, Decision, Field, FieldKind, Inbox, RemoteApproval, Status, Step, StepMember, StepRule, User};
use chrono::{FixedOffset, NaiveDate, NaiveDateTime, TimeZone};

/// A mapping failure: the vendor sent a value the documents do not define.
pub type MapError = String;

/// Prefix of CRM instance ids, so they never collide with 协同审批 ids.
pub const CRM_PREFIX: &str = "crm:";

/// The vendor's local times (`yyyy-MM-dd HH:mm[:ss]`) are Beijing time (our choice 4).
pub(super) fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"))
}

/// A vendor time text → Unix seconds.
pub fn time(text: &str) -> Result<i64, MapError> {
    let t = text.trim();
    let naive = NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M"))
        .or_else(|_| NaiveDate::parse_from_str(t, "%Y-%m-%d").map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default()))
        .map_err(|_| format!("unreadable time \"{text}\""))?;
    beijing().from_local_datetime(&naive).single().map(|d| d.timestamp()).ok_or_else(|| format!("unreadable time \"{text}\""))
}

/// 整个审批流程状态: 1待审批, 2同意, 3不同意, 4已取消, 5错误.
pub fn status(code: i64) -> Result<Status, MapError> {
    match code {
        1 => Ok(Status::Pending),
        2 => Ok(Status::Approved),
        3 => Ok(Status::Rejected),
        4 => Ok(Status::Cancelled),
        5 => Ok(Status::Failed),
        other => Err(format!("unknown approval status {other}")),
    }
}

/// Node / member state of 协同审批.
pub fn task_decision(state: &str) -> Result<Decision, MapError> {
    match state {
        "agree" => Ok(Decision::Approved),
        "reject" | "go_back" => Ok(Decision::Rejected),
        "cancel" | "schedule" | "in_progress" | "error" => Ok(Decision::Waiting),
        other => Err(format!("unknown task state \"{other}\"")),
    }
}

/// Words for a node state (shown in the step name when it is not plain waiting).
fn task_state_words(state: &str) -> &'static str {
    match state {
        "agree" => "同意",
        "reject" => "不同意",
        "cancel" => "已取消",
        "go_back" => "驳回上一级",
        "schedule" | "in_progress" => "待审批",
        _ => "异常",
    }
}

/// Task type: all_pass 会签, one_pass 多人审批 (any one), single 个人审批.
pub fn rule(kind: &str) -> Result<StepRule, MapError> {
    match kind {
        "all_pass" => Ok(StepRule::All),
        "one_pass" | "single" => Ok(StepRule::Any),
        other => Err(format!("unknown task type \"{other}\"")),
    }
}

pub fn travel_type(code: i64) -> Result<&'static str, MapError> {
    Ok(match code {
        1 => "飞机",
        2 => "汽车",
        3 => "火车",
        4 => "住宿",
        5 => "打车",
        6 => "餐饮",
        7 => "其他",
        other => return Err(format!("unknown travelType {other}")),
    })
}

pub fn vehicle(code: i64) -> Result<&'static str, MapError> {
    Ok(match code {
        1 => "火车",
        2 => "飞机",
        3 => "汽车",
        4 => "其他",
        other => return Err(format!("unknown vehicle {other}")),
    })
}

/// 请假 types, and 8 = 加班 (the overtime form's fixed value).
pub fn leave_type(code: i64) -> Result<&'static str, MapError> {
    Ok(match code {
        1 => "事假",
        2 => "病假",
        3 => "调休",
        4 => "年休假",
        5 => "婚假",
        6 => "生育假",
        7 => "丧假",
        8 => "加班",
        9 => "外勤",
        10 => "出差",
        11 => "其他",
        other => return Err(format!("unknown leaveType {other}")),
    })
}

pub fn attachment_type(code: i64) -> Result<&'static str, MapError> {
    Ok(match code {
        1 => "录音",
        2 => "图片",
        3 => "文件",
        other => return Err(format!("unknown attachment type {other}")),
    })
}

/// 审批对象类型 (crmObject.type).
pub fn crm_object_type(code: i64) -> Result<&'static str, MapError> {
    Ok(match code {
        2 => "旧客户",
        3 => "旧联系人",
        100 => "销售记录",
        101 => "线索",
        102 => "客户",
        103 => "联系人",
        104 => "产品",
        105 => "回款",
        106 => "退款",
        107 => "销售流程",
        108 => "商机",
        109 => "开票",
        110 => "成交",
        111 => "订单",
        112 => "退货单",
        113 => "拜访",
        114 => "拜访动作",
        115 => "盘点动作",
        116 => "合同",
        117 => "线索池",
        118 => "公海",
        119 => "竞争对手",
        120 => "市场活动",
        121 => "盘点",
        200 => "自定义对象",
        other => return Err(format!("unknown crmObject type {other}")),
    })
}

/// approveType → the form's kind (the name shown when the reply has no form name).
pub fn approve_type(code: i64) -> Result<&'static str, MapError> {
    Ok(match code {
        1 => "普通审批",
        2 => "请假单",
        3 => "报销单",
        4 => "出差申请单",
        5 => "借款申请单",
        6 => "付款申请单",
        7 => "折扣申请单",
        8 => "差旅报销单",
        9 => "加班",
        100 => "固定审批流程",
        other => return Err(format!("unknown approveType {other}")),
    })
}

fn flow_type(code: i64) -> Result<&'static str, MapError> {
    Ok(match code {
        1 => "自由审批流程",
        2 => "固定审批流程",
        other => return Err(format!("unknown flowType {other}")),
    })
}

fn user(id: &str) -> User {
    User { id: id.to_string(), name: id.to_string() }
}

fn money(v: f64) -> String {
    format!("{v:.2}")
}

/// Maps an `approval/get` reply for the user `me` (an openUserId).
pub fn approval(a: &wire::Approval, raw: serde_json::Value, me: &str) -> Result<RemoteApproval, MapError> {
    let status = status(a.status)?;
    let kind = approve_type(a.approve_type)?;
    let form_name = a.approval_form_name.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| kind.to_string());
    let submitted_at = time(&a.feed.create_time)?;
    let updated_at = a.feed.last_update_time.as_deref().filter(|t| !t.is_empty()).map(time).transpose()?.unwrap_or(submitted_at);
    let steps = a.approval_tasks.iter().map(step).collect::<Result<Vec<_>, _>>()?;
    let mut attachments = Vec::new();
    let fields = fields(a, &form_name, &mut attachments)?;
    Ok(RemoteApproval { status_word: None, unreadable: None,
        remote_id: a.approval_id.to_string(),
        title: title(&a.feed.feed_content, &form_name),
        form_name,
        submitter: user(&a.sender_id),
        submitted_at,
        updated_at,
        status,
        boxes: boxes(a, me)?,
        fields,
        steps,
        attachments,
        actions: vec![],
        raw,
    })
}

fn title(content: &str, form_name: &str) -> String {
    let first = content.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    if first.is_empty() {
        return form_name.to_string();
    }
    let short: String = first.chars().take(60).collect();
    if short == form_name {
        short
    } else {
        format!("{form_name} · {short}")
    }
}

/// todo: a node `in_progress` with me `in_progress` in it; submitted: I sent it; processed: I
/// am a member who agreed, refused or sent it back.
pub fn boxes(a: &wire::Approval, me: &str) -> Result<Vec<Inbox>, MapError> {
    let mut todo = false;
    let mut processed = false;
    for t in &a.approval_tasks {
        task_decision(&t.state)?;
        for m in t.task_members.iter().filter(|m| m.employee_id == me) {
            todo |= t.state == "in_progress" && m.state == "in_progress" && a.status == 1;
            processed |= task_decision(&m.state)? != Decision::Waiting;
        }
    }
    Ok([(Inbox::Todo, todo), (Inbox::Submitted, a.sender_id == me), (Inbox::Processed, processed)]
        .into_iter()
        .filter_map(|(b, y)| y.then_some(b))
        .collect())
}

fn step(t: &ApprovalTask) -> Result<Step, MapError> {
    let seq = t.sequence_number.clone().unwrap_or_default();
    let mut name = if seq.is_empty() { "审批节点".to_string() } else { format!("第 {seq} 级审批") };
    name.push_str(&format!("（{}）", task_state_words(&t.state)));
    if let Some(err) = t.error_message.as_deref().filter(|e| !e.is_empty()) {
        name.push_str(&format!(" — {err}"));
    }
    let members = t
        .task_members
        .iter()
        .map(|m| {
            let comment = t.comments.iter().filter(|c| c.sender_id == m.employee_id).map(|c| c.content.clone()).collect::<Vec<_>>().join("\n");
            Ok(StepMember { word: None, user: user(&m.employee_id), decision: task_decision(&m.state)?, comment: Some(comment).filter(|c| !c.is_empty()), decided_at: None })
        })
        .collect::<Result<_, MapError>>()?;
    Ok(Step { name, rule: rule(&t.kind)?, decision: task_decision(&t.state)?, members })
}

fn fields(a: &wire::Approval, form_name: &str, files: &mut Vec<Attachment>) -> Result<Vec<Field>, MapError> {
    let mut out = vec![Field::new("审批类型", form_name, FieldKind::Select)];
    if let Some(ft) = a.flow_type {
        out.push(Field::new("审批流程类型", flow_type(ft)?, FieldKind::Select));
    }
    if !a.feed.feed_content.is_empty() {
        out.push(Field::new("审批内容", &a.feed.feed_content, FieldKind::Text));
    }
    match (a.approve_type, &a.form_record) {
        (_, None) => {}
        (100, Some(v)) => {
            let rec: CustomRecord = serde_json::from_value(v.clone()).map_err(|e| format!("custom formRecord: {e}"))?;
            custom_fields(&rec, &mut out, files)?;
        }
        (t, Some(v)) => {
            let rec: PresetRecord = serde_json::from_value(v.clone()).map_err(|e| format!("formRecord of approveType {t}: {e}"))?;
            preset_fields(t, &rec, "", &mut out, files)?;
        }
    }
    for o in &a.feed.crm_objects {
        out.push(Field::new(format!("关联{}", crm_object_type(o.kind)?), &o.id, FieldKind::Text));
    }
    for (i, html) in a.feed.tables.iter().enumerate() {
        out.push(Field::new(format!("表格 {}", i + 1), sanitize_table(html), FieldKind::Table));
    }
    media(&a.feed.attachments, "", &mut out, files)?;
    for t in &a.approval_tasks {
        for c in &t.comments {
            media(&c.attachments, "批复", &mut out, files)?;
        }
    }
    Ok(out)
}

/// The vendor's table HTML reduced to table structure and plain text formatting: no scripts,
/// handlers, styles, links, images or frames (nothing that could run or load remote content
/// in the webview).
pub fn sanitize_table(html: &str) -> String {
    const TAGS: &[&str] = &["table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "colgroup", "col", "br", "p", "div", "span", "b", "strong", "i", "em", "u"];
    ammonia::Builder::default()
        .tags(TAGS.iter().copied().collect())
        .generic_attributes(Default::default())
        .tag_attributes(std::iter::once(("td", ["colspan", "rowspan"].into_iter().collect())).chain(std::iter::once(("th", ["colspan", "rowspan"].into_iter().collect()))).collect())
        .url_schemes(Default::default())
        .link_rel(None)
        .clean(html)
        .to_string()
}

/// Attachments: a `File` field naming the kind in words, and a downloadable attachment.
fn media(list: &[MediaRef], prefix: &str, out: &mut Vec<Field>, files: &mut Vec<Attachment>) -> Result<(), MapError> {
    for m in list {
        let kind = attachment_type(m.kind)?;
        out.push(Field::new(format!("{prefix}附件（{kind}）"), &m.name, FieldKind::File));
        if !files.iter().any(|f| f.remote_id == m.id) {
            files.push(Attachment { remote_id: m.id.clone(), name: m.name.clone(), size: None, is_folder: false });
        }
    }
    Ok(())
}

/// Fields of a preset form, in the order of the document's table for `approve_type`; lines of
/// `details[]` are labelled `明细 n ·`.
fn preset_fields(t: i64, r: &PresetRecord, prefix: &str, out: &mut Vec<Field>, files: &mut Vec<Attachment>) -> Result<(), MapError> {
    let mut push = |label: &str, value: String, kind: FieldKind| out.push(Field::new(format!("{prefix}{label}"), value, kind));
    let text = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
    let date = |v: &Option<String>| -> Result<Option<String>, MapError> { v.as_deref().filter(|s| !s.is_empty()).map(|s| time(s).map(|t| t.to_string())).transpose() };
    if let Some(v) = text(&r.title) { push("标题", v, FieldKind::Text) }
    if let Some(v) = text(&r.company_name) { push("公司名称", v, FieldKind::Text) }
    if let Some(v) = r.travel_type { push("类型", travel_type(v)?.into(), FieldKind::Select) }
    if let Some(v) = r.leave_type { push(if t == 9 { "类型" } else { "请假类型" }, leave_type(v)?.into(), FieldKind::Select) }
    if let Some(v) = text(&r.borrower_id) { push("借款人", v, FieldKind::User) }
    if let Some(v) = text(&r.reason) { push("事由", v, FieldKind::Text) }
    if let Some(v) = text(&r.approve_reason) { push("事由", v, FieldKind::Text) }
    let amount_label = match t { 5 => "借款金额", 7 => "金额", _ => "报销金额" };
    if let Some(v) = r.amount { push(amount_label, money(v), FieldKind::Money) }
    if let Some(v) = r.travel_amount { push("报销金额", money(v), FieldKind::Money) }
    if let Some(v) = r.payment_amount { push("付款金额", money(v), FieldKind::Money) }
    if let Some(v) = r.discount_percent { push("折扣率", format!("{v:.2}"), FieldKind::Number) }
    if let Some(v) = r.approve_budget { push("预算", money(v), FieldKind::Money) }
    if let Some(v) = r.approve_prepayments { push("预支", money(v), FieldKind::Money) }
    if let Some(v) = text(&r.start_address) { push("出发地点", v, FieldKind::Text) }
    if let Some(v) = text(&r.end_address) { push("目的地点", v, FieldKind::Text) }
    if let Some(v) = text(&r.start_point) { push("出发地", v, FieldKind::Text) }
    if let Some(v) = text(&r.end_point) { push("目的地", v, FieldKind::Text) }
    if let Some(v) = r.vehicle { push("交通工具", vehicle(v)?.into(), FieldKind::Select) }
    if let Some(v) = r.days_number { push("住宿天数", v.to_string(), FieldKind::Number) }
    let (start_label, end_label) = match t { 8 | 4 => ("出发时间", "到达时间"), 7 => ("开始时间", "结束时间"), _ => ("开始时间", "结束时间") };
    if let Some(v) = date(&r.start_time)? { push(start_label, v, FieldKind::Date) }
    if let Some(v) = date(&r.end_time)? { push(end_label, v, FieldKind::Date) }
    if let Some(v) = r.hours { push(if t == 9 { "加班小时数" } else { "请假小时数" }, format!("{v:.1}"), FieldKind::Number) }
    if let Some(v) = date(&r.payment_time)? { push("付款时间", v, FieldKind::Date) }
    if let Some(v) = text(&r.payment_type) { push("付款方式", v, FieldKind::Text) }
    if let Some(v) = r.invoiced { push("是否开票", if v { "是" } else { "否" }.into(), FieldKind::Select) }
    if let Some(v) = text(&r.receiver_name) { push("收款人姓名", v, FieldKind::Text) }
    if let Some(v) = text(&r.receiver_account) { push("收款人账号", v, FieldKind::Text) }
    if let Some(v) = text(&r.open_bank) { push("开户行", v, FieldKind::Text) }
    if let Some(v) = text(&r.customer_id) { push("客户", v, FieldKind::Text) }
    if !r.member_ids.is_empty() { push("出差人", r.member_ids.join("、"), FieldKind::User) }
    if let Some(v) = text(&r.remark) { push(if t == 7 { "说明" } else { "备注" }, v, FieldKind::Text) }
    for (i, item) in r.items.iter().enumerate() {
        trip_item(item, &format!("{prefix}行程 {} · ", i + 1), out)?;
    }
    media(&r.attachments, prefix, out, files)?;
    for (i, d) in r.details.iter().enumerate() {
        preset_fields(t, d, &format!("{prefix}明细 {} · ", i + 1), out, files)?;
    }
    Ok(())
}

fn trip_item(item: &TripItem, prefix: &str, out: &mut Vec<Field>) -> Result<(), MapError> {
    let mut push = |label: &str, value: String, kind: FieldKind| out.push(Field::new(format!("{prefix}{label}"), value, kind));
    if let Some(v) = item.start_point.clone() { push("出发地", v, FieldKind::Text) }
    if let Some(v) = item.end_point.clone() { push("目的地", v, FieldKind::Text) }
    if let Some(v) = item.start_time.as_deref() { push("出发时间", time(v)?.to_string(), FieldKind::Date) }
    if let Some(v) = item.end_time.as_deref() { push("到达时间", time(v)?.to_string(), FieldKind::Date) }
    if let Some(v) = item.vehicle { push("交通工具", vehicle(v)?.into(), FieldKind::Select) }
    if let Some(v) = item.days_number { push("住宿天数", v.to_string(), FieldKind::Number) }
    Ok(())
}

/// A custom form (approveType 100): `text`, `select_one`, `select_many`, `file_attachment`,
/// `image`; the value of the last two is a mediaId (or a list of them).
fn custom_fields(rec: &CustomRecord, out: &mut Vec<Field>, files: &mut Vec<Attachment>) -> Result<(), MapError> {
    for (key, f) in rec {
        let label = if f.label.is_empty() { key.clone() } else { f.label.clone() };
        let values = value_list(&f.value);
        match f.kind.as_str() {
            "text" => out.push(Field::new(label, values.join(""), FieldKind::Text)),
            "select_one" => out.push(Field::new(label, values.join(""), FieldKind::Select)),
            "select_many" => out.push(Field::new(label, values.join("、"), FieldKind::Select)),
            "file_attachment" | "image" => {
                let kind = if f.kind == "image" { "图片" } else { "文件" };
                for (i, id) in values.iter().enumerate() {
                    let name = if values.len() > 1 { format!("{label} {}", i + 1) } else { label.clone() };
                    out.push(Field::new(format!("{label}（{kind}）"), &name, FieldKind::File));
                    files.push(Attachment { remote_id: id.clone(), name, size: None, is_folder: false });
                }
            }
            other => return Err(format!("unknown custom field type \"{other}\" (field {key})")),
        }
    }
    Ok(())
}

fn value_list(v: &serde_json::Value) -> Vec<String> {
    match v {
        serde_json::Value::Null => vec![],
        serde_json::Value::String(s) => vec![s.clone()],
        serde_json::Value::Array(items) => items.iter().flat_map(value_list).collect(),
        other => vec![other.to_string()],
    }
}

// ---- CRM approval flows ---------------------------------------------------------------

/// Instance state: in_progress, pass, reject, cancel, error.
pub fn crm_status(state: &str) -> Result<Status, MapError> {
    match state {
        "in_progress" => Ok(Status::Pending),
        "pass" => Ok(Status::Approved),
        "reject" => Ok(Status::Rejected),
        "cancel" => Ok(Status::Cancelled),
        "error" => Ok(Status::Failed),
        other => Err(format!("unknown CRM instance state \"{other}\"")),
    }
}

/// Task state: in_progress, pass, auto_pass, reject, cancel, go_back, auto_go_back, schedule, error.
pub fn crm_task_decision(state: &str) -> Result<Decision, MapError> {
    match state {
        "pass" | "auto_pass" => Ok(Decision::Approved),
        "reject" | "go_back" | "auto_go_back" => Ok(Decision::Rejected),
        "in_progress" | "schedule" | "cancel" | "error" => Ok(Decision::Waiting),
        other => Err(format!("unknown CRM task state \"{other}\"")),
    }
}

fn crm_opinion_decision(action: &str) -> Result<Decision, MapError> {
    match action {
        "agree" => Ok(Decision::Approved),
        "reject" => Ok(Decision::Rejected),
        other => Err(format!("unknown CRM opinion actionType \"{other}\"")),
    }
}

fn trigger_type(t: &str) -> Result<&'static str, MapError> {
    Ok(match t {
        "Create" => "新建",
        "Update" => "编辑",
        "Invalid" => "作废",
        "Delete" => "删除",
        other => return Err(format!("unknown CRM triggerType \"{other}\"")),
    })
}

/// The task `me` may decide now: in progress, me among the persons who have not completed.
pub fn crm_my_task<'a>(d: &'a CrmInstanceDetail, me: &str) -> Option<&'a CrmTask> {
    if d.instance.state != "in_progress" {
        return None;
    }
    d.tasks.iter().find(|t| t.state == "in_progress" && t.un_complete_persons.iter().any(|p| p == me))
}

/// Maps an `approvalInstance/get` reply for `me`.
pub fn crm_instance(d: &CrmInstanceDetail, raw: serde_json::Value, me: &str) -> Result<RemoteApproval, MapError> {
    let i = &d.instance;
    let status = crm_status(&i.state)?;
    let mine = crm_my_task(d, me).is_some();
    let submitted = i.applicant_open_user_id == me;
    let mut processed = false;
    let mut steps = Vec::with_capacity(d.tasks.len());
    for (n, t) in d.tasks.iter().enumerate() {
        let mut members = Vec::new();
        for o in &t.opinions {
            processed |= o.open_user_id == me;
            members.push(StepMember { word: None,
                user: user(&o.open_user_id),
                decision: crm_opinion_decision(&o.action_type)?,
                comment: Some(o.opinion.clone()).filter(|c| !c.is_empty()),
                decided_at: o.reply_time.map(|ms| ms / 1000),
            });
        }
        for p in &t.un_complete_persons {
            members.push(StepMember { word: None, user: user(p), decision: Decision::Waiting, comment: None, decided_at: None });
        }
        steps.push(Step { name: format!("第 {} 级审批", n + 1), rule: rule(&t.kind)?, decision: crm_task_decision(&t.state)?, members });
    }
    let mut actions = Vec::new();
    if mine {
        actions.extend([Action::Approve, Action::Reject]);
    }
    if submitted && status == Status::Pending {
        actions.push(Action::Cancel);
    }
    let boxes = [(Inbox::Todo, mine), (Inbox::Submitted, submitted), (Inbox::Processed, processed)]
        .into_iter()
        .filter_map(|(b, y)| y.then_some(b))
        .collect();
    let mut fields = vec![
        Field::new("审批流程", &i.flow_api_name, FieldKind::Text),
        Field::new("对象", &i.object_api_name, FieldKind::Text),
        Field::new("数据 ID", &i.data_id, FieldKind::Text),
    ];
    if let Some(t) = i.trigger_type.as_deref().filter(|t| !t.is_empty()) {
        fields.push(Field::new("触发操作", trigger_type(t)?, FieldKind::Select));
    }
    if let Some(end) = i.end_time.filter(|t| *t > 0) {
        fields.push(Field::new("结束时间", (end / 1000).to_string(), FieldKind::Date));
    }
    let updated = [i.last_modify_time, i.end_time, i.cancel_time].into_iter().flatten().max().unwrap_or(i.create_time).max(i.create_time);
    Ok(RemoteApproval { status_word: None, unreadable: None,
        remote_id: format!("{CRM_PREFIX}{}", i.instance_id),
        title: if i.instance_name.is_empty() { i.flow_api_name.clone() } else { i.instance_name.clone() },
        form_name: format!("CRM 审批流 · {}", i.object_api_name),
        submitter: user(&i.applicant_open_user_id),
        submitted_at: i.create_time / 1000,
        updated_at: updated / 1000,
        status,
        boxes,
        fields,
        steps,
        attachments: vec![],
        actions,
        raw,
    })
}

#[cfg(test)]
#[path = "map_tests.rs"]
mod tests;
