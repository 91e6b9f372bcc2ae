//! fxiaoke wire → unified model. Old 协同审批 items (`approval/get`) and CRM approval-flow
//! instances (`approvalInstance/get`) both become [`RemoteApproval`]s. A map never fails: every
//! status, state, task type, action and enum code the documents list is mapped to its meaning,
//! and one they do not list is kept as the vendor wrote it (`connectors::unknown`): a status
//! becomes [`Status::Other`] with its word, a decision [`Decision::Other`], a rule
//! [`StepRule::Other`], an enum code is shown as the code, a custom field of a new type renders
//! by its value. Boxes are derived per item as the vendor README says; form records become
//! labelled fields (money as `Money`, times as `Date` = Unix seconds, a time we cannot read as
//! its text); the vendor's HTML tables are sanitised with `ammonia` before they become
//! `Table` values. People are ids here; the connector puts names on them (`people.rs`).

use super::wire::{
    self, word_of, ApprovalTask, CrmInstanceDetail, CrmTask, CustomField, MediaRef, PresetRecord, TripItem,
};
use crate::connectors::unknown;
use crate::model::{
    Action, Attachment, Decision, Field, FieldKind, Inbox, RemoteApproval, Status, Step, StepMark, StepMember,
    StepRule, User, Vendor,
};
use chrono::{FixedOffset, NaiveDate, NaiveDateTime, TimeZone};
use serde::Deserialize;
use serde_json::Value;

/// Prefix of CRM instance ids, so they never collide with 协同审批 ids.
pub const CRM_PREFIX: &str = "crm:";

const VENDOR: Vendor = Vendor::Fxiaoke;

/// The vendor's local times (`yyyy-MM-dd HH:mm[:ss]`) are Beijing time (our choice 4).
pub(super) fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"))
}

/// A vendor time text → Unix seconds; `None` for a text in none of the documented forms.
pub fn time(text: &str) -> Option<i64> {
    let t = text.trim();
    let naive = NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M"))
        .or_else(|_| NaiveDate::parse_from_str(t, "%Y-%m-%d").map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default()))
        .ok()?;
    beijing().from_local_datetime(&naive).single().map(|d| d.timestamp())
}

/// 整个审批流程状态: 1待审批, 2同意, 3不同意, 4已取消, 5错误; any other code is [`Status::Other`]
/// with the code as the vendor wrote it.
pub fn status(code: &str) -> (Status, Option<String>) {
    match code.trim() {
        "1" => (Status::Pending, None),
        "2" => (Status::Approved, None),
        "3" => (Status::Rejected, None),
        "4" => (Status::Cancelled, None),
        "5" => (Status::Failed, None),
        "" => (Status::Other, None),
        other => unknown::status(VENDOR, "approval status", other),
    }
}

/// Node / member state of 协同审批; a state the document does not list is shown, never taken
/// as a decision.
pub fn task_decision(state: &str) -> (Decision, Option<String>) {
    match state {
        "agree" => (Decision::Approved, None),
        "reject" | "go_back" => (Decision::Rejected, None),
        "cancel" | "schedule" | "in_progress" | "error" => (Decision::Waiting, None),
        "" => (Decision::Other, None),
        other => {
            unknown::note(VENDOR, "task state", other);
            (Decision::Other, Some(other.to_string()))
        }
    }
}

/// Words for a node state (shown in the step name); an unknown state as the vendor wrote it.
fn task_state_words(state: &str) -> &str {
    match state {
        "agree" => "同意",
        "reject" => "不同意",
        "cancel" => "已取消",
        "go_back" => "驳回上一级",
        "schedule" | "in_progress" => "待审批",
        "error" => "异常",
        other => other,
    }
}

/// Task type: all_pass 会签, one_pass 多人审批 (any one), single 个人审批; another word is
/// [`StepRule::Other`].
pub fn rule(kind: &str) -> StepRule {
    match kind {
        "all_pass" => StepRule::All,
        "one_pass" | "single" => StepRule::Any,
        "" => StepRule::Other { word: String::new() },
        other => {
            unknown::note(VENDOR, "task type", other);
            StepRule::Other { word: other.to_string() }
        }
    }
}

/// An enum code's words from `table`, or the code itself as the vendor wrote it.
fn coded(what: &str, code: &str, table: fn(i64) -> Option<&'static str>) -> String {
    match code.trim().parse::<i64>().ok().and_then(table) {
        Some(words) => words.to_string(),
        None => {
            unknown::note(VENDOR, what, code);
            code.to_string()
        }
    }
}

pub fn travel_type(code: &str) -> String {
    coded("travelType", code, |c| {
        Some(match c {
            1 => "飞机",
            2 => "汽车",
            3 => "火车",
            4 => "住宿",
            5 => "打车",
            6 => "餐饮",
            7 => "其他",
            _ => return None,
        })
    })
}

pub fn vehicle(code: &str) -> String {
    coded("vehicle", code, |c| {
        Some(match c {
            1 => "火车",
            2 => "飞机",
            3 => "汽车",
            4 => "其他",
            _ => return None,
        })
    })
}

/// 请假 types, and 8 = 加班 (the overtime form's fixed value).
pub fn leave_type(code: &str) -> String {
    coded("leaveType", code, |c| {
        Some(match c {
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
            _ => return None,
        })
    })
}

pub fn attachment_type(code: &str) -> String {
    coded("attachment type", code, |c| {
        Some(match c {
            1 => "录音",
            2 => "图片",
            3 => "文件",
            _ => return None,
        })
    })
}

/// 审批对象类型 (crmObject.type).
pub fn crm_object_type(code: &str) -> String {
    coded("crmObject type", code, |c| {
        Some(match c {
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
            _ => return None,
        })
    })
}

/// The preset form kinds of `approveType` (the name shown when the reply has no form name).
fn approve_kind(code: i64) -> Option<&'static str> {
    Some(match code {
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
        _ => return None,
    })
}

/// approveType → the form's kind in words, or the code as the vendor wrote it.
pub fn approve_type(code: &str) -> String {
    coded("approveType", code, approve_kind)
}

fn flow_type(code: &str) -> String {
    coded("flowType", code, |c| {
        Some(match c {
            1 => "自由审批流程",
            2 => "固定审批流程",
            _ => return None,
        })
    })
}

/// A person by id; the connector names them.
fn user(id: &str) -> User {
    User { id: id.to_string(), name: id.to_string() }
}

fn money(v: f64) -> String {
    format!("{v:.2}")
}

/// An amount: a number (or numeric text) as money, anything else as the vendor wrote it.
fn amount(v: &Option<Value>) -> Option<(String, FieldKind)> {
    let v = v.as_ref().filter(|v| !v.is_null())?;
    Some(match wire::number_of(v) {
        Some(n) => (money(n), FieldKind::Money),
        None => (unknown::words(v), FieldKind::Text),
    })
}

/// Like [`amount`], for a plain number shown with `decimals`.
fn number(v: &Option<Value>, decimals: usize) -> Option<(String, FieldKind)> {
    let v = v.as_ref().filter(|v| !v.is_null())?;
    Some(match wire::number_of(v) {
        Some(n) => (format!("{n:.decimals$}"), FieldKind::Number),
        None => (unknown::words(v), FieldKind::Text),
    })
}

/// A time field: Unix seconds when readable, else the vendor's text.
fn date(text: &str) -> (String, FieldKind) {
    match time(text) {
        Some(t) => (t.to_string(), FieldKind::Date),
        None => (text.to_string(), FieldKind::Text),
    }
}

fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Maps an `approval/get` reply for the user `me` (an openUserId).
pub fn approval(a: &wire::Approval, raw: Value, me: &str) -> RemoteApproval {
    let (status, status_word) = status(a.status.as_deref().unwrap_or_default());
    let kind = non_empty(&a.approve_type).map(approve_type).unwrap_or_else(|| "协同审批".into());
    let form_name = non_empty(&a.approval_form_name).map(str::to_string).unwrap_or(kind);
    let created = a.feed.create_time.as_deref().and_then(time);
    let updated = a.feed.last_update_time.as_deref().and_then(time);
    let submitted_at = created.or(updated).unwrap_or(0);
    let mut attachments = Vec::new();
    let fields = fields(a, &form_name, &mut attachments);
    RemoteApproval {
        remote_id: a.approval_id.to_string(),
        title: title(&a.feed.feed_content, &form_name),
        form_name,
        submitter: user(&a.sender_id),
        submitted_at,
        updated_at: updated.unwrap_or(submitted_at).max(submitted_at),
        status,
        status_word,
        boxes: boxes(a, me),
        fields,
        steps: a.approval_tasks.iter().map(step).collect(),
        attachments,
        actions: vec![],
        raw,
        unreadable: None,
        marks: vec![],
    }
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

/// todo: a node `in_progress` with me `in_progress` in it, while the approval is pending;
/// submitted: I sent it; processed: I am a member who agreed, refused or sent it back. A state
/// we do not know puts nobody anywhere.
pub fn boxes(a: &wire::Approval, me: &str) -> Vec<Inbox> {
    let pending = status(a.status.as_deref().unwrap_or_default()).0 == Status::Pending;
    let mut todo = false;
    let mut processed = false;
    for t in &a.approval_tasks {
        for m in t.task_members.iter().filter(|m| m.employee_id == me) {
            todo |= pending && t.state == "in_progress" && m.state == "in_progress";
            processed |= matches!(task_decision(&m.state).0, Decision::Approved | Decision::Rejected);
        }
    }
    [(Inbox::Todo, todo), (Inbox::Submitted, !me.is_empty() && a.sender_id == me), (Inbox::Processed, processed)]
        .into_iter()
        .filter_map(|(b, y)| y.then_some(b))
        .collect()
}

fn step(t: &ApprovalTask) -> Step {
    let mut name = match non_empty(&t.sequence_number) {
        Some(seq) => format!("第 {seq} 级审批"),
        None => "审批节点".to_string(),
    };
    if !t.state.is_empty() {
        name.push_str(&format!("（{}）", task_state_words(&t.state)));
    }
    if let Some(err) = non_empty(&t.error_message) {
        name.push_str(&format!(" — {err}"));
    }
    let members = t
        .task_members
        .iter()
        .map(|m| {
            let comment = t
                .comments
                .iter()
                .filter(|c| c.sender_id == m.employee_id)
                .map(|c| c.content.clone())
                .collect::<Vec<_>>()
                .join("\n");
            let (decision, word) = task_decision(&m.state);
            StepMember {
                user: user(&m.employee_id),
                decision,
                word,
                comment: Some(comment).filter(|c| !c.is_empty()),
                decided_at: None,
            }
        })
        .collect();
    Step { name, rule: rule(&t.kind), decision: task_decision(&t.state).0, members }
}

fn fields(a: &wire::Approval, form_name: &str, files: &mut Vec<Attachment>) -> Vec<Field> {
    let mut out = vec![Field::new("审批类型", form_name, FieldKind::Select)];
    if let Some(ft) = non_empty(&a.flow_type) {
        out.push(Field::new("审批流程类型", flow_type(ft), FieldKind::Select));
    }
    if let Some(t) = non_empty(&a.feed.create_time).filter(|t| time(t).is_none()) {
        out.push(Field::new("提交时间", t, FieldKind::Text));
    }
    if !a.feed.feed_content.is_empty() {
        out.push(Field::new("审批内容", &a.feed.feed_content, FieldKind::Text));
    }
    if let Some(record) = a.form_record.as_ref().filter(|r| !r.is_null()) {
        form_fields(non_empty(&a.approve_type).and_then(|t| t.parse().ok()), record, &mut out, files);
    }
    for o in &a.feed.crm_objects {
        out.push(Field::new(format!("关联{}", crm_object_type(&o.kind)), &o.id, FieldKind::Text));
    }
    for (i, html) in a.feed.tables.iter().enumerate() {
        out.push(Field::new(format!("表格 {}", i + 1), sanitize_table(html), FieldKind::Table));
    }
    media(&a.feed.attachments, "", &mut out, files);
    for t in &a.approval_tasks {
        for c in &t.comments {
            media(&c.attachments, "批复", &mut out, files);
        }
    }
    out
}

/// The form record by `approveType`: 100 is the custom form, 1–9 the preset forms; a record of
/// a type we do not know, or one that is not the shape its type documents, still shows every
/// value it holds.
fn form_fields(approve_type: Option<i64>, record: &Value, out: &mut Vec<Field>, files: &mut Vec<Attachment>) {
    let custom_shaped =
        record.as_object().is_some_and(|o| o.values().filter(|v| !v.is_null()).any(|v| CustomField::of(v).is_some()));
    match approve_type {
        Some(100) => custom_fields(record, out, files),
        Some(t @ 1..=9) => match PresetRecord::deserialize(record) {
            Ok(rec) => preset_fields(t, &rec, "", out, files),
            Err(_) => any_fields(record, out),
        },
        _ if custom_shaped => custom_fields(record, out, files),
        _ => any_fields(record, out),
    }
}

/// Every value of a record of unknown shape, by key.
fn any_fields(record: &Value, out: &mut Vec<Field>) {
    match record {
        Value::Object(o) => out.extend(o.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| unknown::field(k, v))),
        other => out.push(unknown::field("表单", other)),
    }
}

/// The vendor's table HTML reduced to table structure and plain text formatting: no scripts,
/// handlers, styles, links, images or frames (nothing that could run or load remote content
/// in the webview).
pub fn sanitize_table(html: &str) -> String {
    const TAGS: &[&str] = &[
        "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "colgroup", "col", "br", "p", "div", "span",
        "b", "strong", "i", "em", "u",
    ];
    ammonia::Builder::default()
        .tags(TAGS.iter().copied().collect())
        .generic_attributes(Default::default())
        .tag_attributes(
            std::iter::once(("td", ["colspan", "rowspan"].into_iter().collect()))
                .chain(std::iter::once(("th", ["colspan", "rowspan"].into_iter().collect())))
                .collect(),
        )
        .url_schemes(Default::default())
        .link_rel(None)
        .clean(html)
        .to_string()
}

/// Attachments: a `File` field naming the kind in words, and a downloadable attachment (one
/// without a mediaId cannot be downloaded, so it is only named).
fn media(list: &[MediaRef], prefix: &str, out: &mut Vec<Field>, files: &mut Vec<Attachment>) {
    for m in list {
        let name = if m.name.is_empty() { m.id.clone() } else { m.name.clone() };
        out.push(Field::new(format!("{prefix}附件（{}）", attachment_type(&m.kind)), &name, FieldKind::File));
        if !m.id.is_empty() && !files.iter().any(|f| f.remote_id == m.id) {
            files.push(Attachment { remote_id: m.id.clone(), name, size: None, is_folder: false });
        }
    }
}

/// Fields of a preset form, in the order of the document's table for `approve_type`; lines of
/// `details[]` are labelled `明细 n ·`.
fn preset_fields(t: i64, r: &PresetRecord, prefix: &str, out: &mut Vec<Field>, files: &mut Vec<Attachment>) {
    let mut push =
        |label: &str, (value, kind): (String, FieldKind)| out.push(Field::new(format!("{prefix}{label}"), value, kind));
    let text = |v: &Option<String>| non_empty(v).map(|s| (s.to_string(), FieldKind::Text));
    let date = |v: &Option<String>| non_empty(v).map(date);
    let select = |v: &Option<String>, words: fn(&str) -> String| non_empty(v).map(|c| (words(c), FieldKind::Select));
    if let Some(v) = text(&r.title) {
        push("标题", v)
    }
    if let Some(v) = text(&r.company_name) {
        push("公司名称", v)
    }
    if let Some(v) = select(&r.travel_type, travel_type) {
        push("类型", v)
    }
    if let Some(v) = select(&r.leave_type, leave_type) {
        push(if t == 9 { "类型" } else { "请假类型" }, v)
    }
    if let Some((v, _)) = text(&r.borrower_id) {
        push("借款人", (v, FieldKind::User))
    }
    if let Some(v) = text(&r.reason) {
        push("事由", v)
    }
    if let Some(v) = text(&r.approve_reason) {
        push("事由", v)
    }
    let amount_label = match t {
        5 => "借款金额",
        7 => "金额",
        _ => "报销金额",
    };
    if let Some(v) = amount(&r.amount) {
        push(amount_label, v)
    }
    if let Some(v) = amount(&r.travel_amount) {
        push("报销金额", v)
    }
    if let Some(v) = amount(&r.payment_amount) {
        push("付款金额", v)
    }
    if let Some(v) = number(&r.discount_percent, 2) {
        push("折扣率", v)
    }
    if let Some(v) = amount(&r.approve_budget) {
        push("预算", v)
    }
    if let Some(v) = amount(&r.approve_prepayments) {
        push("预支", v)
    }
    if let Some(v) = text(&r.start_address) {
        push("出发地点", v)
    }
    if let Some(v) = text(&r.end_address) {
        push("目的地点", v)
    }
    if let Some(v) = text(&r.start_point) {
        push("出发地", v)
    }
    if let Some(v) = text(&r.end_point) {
        push("目的地", v)
    }
    if let Some(v) = select(&r.vehicle, vehicle) {
        push("交通工具", v)
    }
    if let Some(v) = non_empty(&r.days_number) {
        push("住宿天数", (v.to_string(), FieldKind::Number))
    }
    let (start_label, end_label) = match t {
        8 | 4 => ("出发时间", "到达时间"),
        _ => ("开始时间", "结束时间"),
    };
    if let Some(v) = date(&r.start_time) {
        push(start_label, v)
    }
    if let Some(v) = date(&r.end_time) {
        push(end_label, v)
    }
    if let Some(v) = number(&r.hours, 1) {
        push(if t == 9 { "加班小时数" } else { "请假小时数" }, v)
    }
    if let Some(v) = date(&r.payment_time) {
        push("付款时间", v)
    }
    if let Some(v) = text(&r.payment_type) {
        push("付款方式", v)
    }
    if let Some(v) = r.invoiced.as_ref().filter(|v| !v.is_null()) {
        push("是否开票", (unknown::words(v), FieldKind::Select))
    }
    if let Some(v) = text(&r.receiver_name) {
        push("收款人姓名", v)
    }
    if let Some(v) = text(&r.receiver_account) {
        push("收款人账号", v)
    }
    if let Some(v) = text(&r.open_bank) {
        push("开户行", v)
    }
    if let Some(v) = text(&r.customer_id) {
        push("客户", v)
    }
    if !r.member_ids.is_empty() {
        push("出差人", (r.member_ids.join("、"), FieldKind::User))
    }
    if let Some(v) = text(&r.remark) {
        push(if t == 7 { "说明" } else { "备注" }, v)
    }
    for (i, item) in r.items.iter().enumerate() {
        trip_item(item, &format!("{prefix}行程 {} · ", i + 1), out);
    }
    media(&r.attachments, prefix, out, files);
    for (i, d) in r.details.iter().enumerate() {
        preset_fields(t, d, &format!("{prefix}明细 {} · ", i + 1), out, files);
    }
}

fn trip_item(item: &TripItem, prefix: &str, out: &mut Vec<Field>) {
    let mut push =
        |label: &str, (value, kind): (String, FieldKind)| out.push(Field::new(format!("{prefix}{label}"), value, kind));
    if let Some(v) = non_empty(&item.start_point) {
        push("出发地", (v.to_string(), FieldKind::Text))
    }
    if let Some(v) = non_empty(&item.end_point) {
        push("目的地", (v.to_string(), FieldKind::Text))
    }
    if let Some(v) = non_empty(&item.start_time) {
        push("出发时间", date(v))
    }
    if let Some(v) = non_empty(&item.end_time) {
        push("到达时间", date(v))
    }
    if let Some(v) = non_empty(&item.vehicle) {
        push("交通工具", (vehicle(v), FieldKind::Select))
    }
    if let Some(v) = non_empty(&item.days_number) {
        push("住宿天数", (v.to_string(), FieldKind::Number))
    }
}

/// A custom form (approveType 100): `text`, `select_one`, `select_many`, `file_attachment`,
/// `image` (the value of the last two is a mediaId, or a list of them); a field of another type,
/// or an entry that is not `{label, value, type}`, renders by its value (`unknown::field`).
fn custom_fields(record: &Value, out: &mut Vec<Field>, files: &mut Vec<Attachment>) {
    let Some(entries) = record.as_object() else { return any_fields(record, out) };
    for (key, entry) in entries.iter().filter(|(_, v)| !v.is_null()) {
        let Some(f) = CustomField::of(entry) else {
            out.push(unknown::field(key, entry));
            continue;
        };
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
            other => {
                unknown::note(VENDOR, "custom field type", other);
                out.push(unknown::field(&label, &f.value));
            }
        }
    }
}

fn value_list(v: &Value) -> Vec<String> {
    match v {
        Value::Null => vec![],
        Value::Array(items) => items.iter().flat_map(value_list).collect(),
        other => vec![word_of(other)],
    }
}

// ---- CRM approval flows ---------------------------------------------------------------

/// Instance state: in_progress, pass, reject, cancel, error; another word is [`Status::Other`].
pub fn crm_status(state: &str) -> (Status, Option<String>) {
    match state {
        "in_progress" => (Status::Pending, None),
        "pass" => (Status::Approved, None),
        "reject" => (Status::Rejected, None),
        "cancel" => (Status::Cancelled, None),
        "error" => (Status::Failed, None),
        "" => (Status::Other, None),
        other => unknown::status(VENDOR, "CRM instance state", other),
    }
}

/// Task state: in_progress, pass, auto_pass, reject, cancel, go_back, auto_go_back, schedule,
/// error; another word is [`Decision::Other`].
pub fn crm_task_decision(state: &str) -> (Decision, Option<String>) {
    match state {
        "pass" | "auto_pass" => (Decision::Approved, None),
        "reject" | "go_back" | "auto_go_back" => (Decision::Rejected, None),
        "in_progress" | "schedule" | "cancel" | "error" => (Decision::Waiting, None),
        "" => (Decision::Other, None),
        other => {
            unknown::note(VENDOR, "CRM task state", other);
            (Decision::Other, Some(other.to_string()))
        }
    }
}

/// An opinion's `actionType`: agree and reject are decisions; every other word (the vendor's
/// APL shows cancel, addTag 前加签, tagAfter 后加签, retrieve 取回重审, auto_pass, auto_agree,
/// skip_task_validate) is shown as the vendor wrote it.
pub fn crm_opinion_decision(action: &str) -> (Decision, Option<String>) {
    const PUBLISHED: &[&str] =
        &["cancel", "addTag", "tagAfter", "retrieve", "auto_pass", "auto_agree", "skip_task_validate"];
    match action {
        "agree" => (Decision::Approved, None),
        "reject" => (Decision::Rejected, None),
        other => {
            if !PUBLISHED.contains(&other) {
                unknown::note(VENDOR, "CRM opinion actionType", other);
            }
            (Decision::Other, Some(other.to_string()).filter(|w| !w.is_empty()))
        }
    }
}

/// triggerType: Create 新建, Update 编辑, Invalid 作废, Delete 删除; another word as written.
pub fn trigger_type(t: &str) -> String {
    match t {
        "Create" => "新建".into(),
        "Update" => "编辑".into(),
        "Invalid" => "作废".into(),
        "Delete" => "删除".into(),
        other => {
            unknown::note(VENDOR, "CRM triggerType", other);
            other.to_string()
        }
    }
}

/// The task `me` may decide now: the instance and the task in progress, me among the persons
/// who have not completed it.
pub fn crm_my_task<'a>(d: &'a CrmInstanceDetail, me: &str) -> Option<&'a CrmTask> {
    if d.instance.as_ref()?.state != "in_progress" || me.is_empty() {
        return None;
    }
    d.tasks.iter().find(|t| t.state == "in_progress" && t.un_complete_persons.iter().any(|p| p == me))
}

/// The instance's step marks for `me`, by task id: the task awaiting them ([`crm_my_task`]) and
/// each task showing their own agree or reject (an opinion of theirs). `names` are the steps'
/// names as shown, in task order.
pub fn crm_marks(d: &CrmInstanceDetail, me: &str, names: &[String]) -> Vec<StepMark> {
    let name = |n: usize| names.get(n).cloned().unwrap_or_else(|| format!("第 {} 级审批", n + 1));
    let waiting = crm_my_task(d, me).map(|t| t.id.as_str());
    let mut out = Vec::new();
    for (n, t) in d.tasks.iter().enumerate() {
        if waiting == Some(t.id.as_str()) {
            out.push(StepMark { step: t.id.clone(), name: name(n), decision: Decision::Waiting });
        }
        let mine = t
            .opinions
            .iter()
            .rev()
            .filter(|o| !me.is_empty() && o.open_user_id == me)
            .map(|o| crm_opinion_decision(&o.action_type).0)
            .find(|d| matches!(d, Decision::Approved | Decision::Rejected));
        if let Some(decision) = mine {
            out.push(StepMark { step: t.id.clone(), name: name(n), decision });
        }
    }
    out
}

/// Maps an `approvalInstance/get` reply for `me` (its instance completed from the list row:
/// [`CrmInstanceDetail::completed`]).
pub fn crm_instance(d: &CrmInstanceDetail, raw: Value, me: &str) -> RemoteApproval {
    let i = d.instance();
    let (status, status_word) = crm_status(&i.state);
    let mine = crm_my_task(d, me).is_some();
    let submitted = !me.is_empty() && i.applicant_open_user_id == me;
    let mut processed = false;
    let mut steps = Vec::with_capacity(d.tasks.len());
    for (n, t) in d.tasks.iter().enumerate() {
        let mut members = Vec::new();
        for o in &t.opinions {
            processed |= !me.is_empty() && o.open_user_id == me;
            let (decision, word) = crm_opinion_decision(&o.action_type);
            members.push(StepMember {
                user: user(&o.open_user_id),
                decision,
                word,
                comment: Some(o.opinion.clone()).filter(|c| !c.is_empty()),
                decided_at: o.reply_time.filter(|ms| *ms > 0).map(|ms| ms / 1000),
            });
        }
        for p in &t.un_complete_persons {
            members.push(StepMember {
                user: user(p),
                decision: Decision::Waiting,
                word: None,
                comment: None,
                decided_at: None,
            });
        }
        let (decision, word) = crm_task_decision(&t.state);
        let mut name = t.task_name.clone().unwrap_or_else(|| format!("第 {} 级审批", n + 1));
        if let Some(w) = word {
            name.push_str(&format!("（{w}）"));
        }
        steps.push(Step { name, rule: rule(&t.kind), decision, members });
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
        fields.push(Field::new("触发操作", trigger_type(t), FieldKind::Select));
    }
    if let Some(end) = i.end_time.filter(|t| *t > 0) {
        fields.push(Field::new("结束时间", (end / 1000).to_string(), FieldKind::Date));
    }
    // An instance without a creation time: its first task's.
    let created = i
        .create_time
        .filter(|t| *t > 0)
        .or_else(|| d.tasks.iter().filter_map(|t| t.create_time).filter(|t| *t > 0).min())
        .unwrap_or(0);
    let updated =
        [i.last_modify_time, i.end_time, i.cancel_time].into_iter().flatten().max().unwrap_or(created).max(created);
    let title = [&i.instance_name, &i.flow_api_name]
        .into_iter()
        .find(|t| !t.is_empty())
        .cloned()
        .unwrap_or_else(|| format!("CRM 审批 {}", i.instance_id));
    let object = if i.object_api_name.is_empty() {
        "CRM 审批流".to_string()
    } else {
        format!("CRM 审批流 · {}", i.object_api_name)
    };
    let marks = crm_marks(d, me, &steps.iter().map(|s| s.name.clone()).collect::<Vec<_>>());
    RemoteApproval {
        remote_id: format!("{CRM_PREFIX}{}", i.instance_id),
        title,
        form_name: object,
        submitter: user(&i.applicant_open_user_id),
        submitted_at: created / 1000,
        updated_at: updated / 1000,
        status,
        status_word,
        boxes,
        fields,
        steps,
        attachments: vec![],
        actions,
        raw,
        unreadable: None,
        marks,
    }
}

#[cfg(test)]
#[path = "map_tests.rs"]
mod tests;
