//! The endpoints, as functions of the state and the JSON body: what the document (and, for
//! the CRM and people calls, the platform's current pages and the vendor's demo) says each
//! accepts and answers.

use std::time::Instant;

use chrono::{FixedOffset, TimeZone};
use serde_json::{json, Value};

use super::error::ApiError;
use super::state::{CrmInstance, CrmShape, OldApproval, State};
use super::wild::odd;

/// The longest `approval/query` window: the document's "查询时间间隔不超过180天".
pub const MAX_WINDOW_DAYS: i64 = 180;
const DAY_MS: i64 = 86_400_000;
const BEIJING_MS: i64 = 8 * 3_600_000;
/// The document: `pageSize` at most 1000, default 20.
pub const MAX_PAGE_SIZE: i64 = 1000;
pub const DEFAULT_PAGE_SIZE: i64 = 20;

/// What a call answers: JSON, or a file's bytes.
#[derive(Debug)]
pub enum Reply {
    Json(Value),
    File(Vec<u8>),
}

/// Per-call context.
pub struct Ctx {
    pub now: Instant,
    /// Unix ms.
    pub now_ms: i64,
}

pub type Endpoint = fn(&mut State, &Value, &Ctx) -> Result<Reply, ApiError>;

fn ok(mut v: Value) -> Result<Reply, ApiError> {
    if let Some(o) = v.as_object_mut() {
        o.insert("errorCode".into(), 0.into());
        o.insert("errorMessage".into(), "success".into());
    }
    Ok(Reply::Json(v))
}

fn text<'a>(body: &'a Value, name: &str) -> Result<&'a str, ApiError> {
    body.get(name).and_then(Value::as_str).filter(|s| !s.is_empty()).ok_or_else(|| ApiError::illegal(name))
}

/// A long given as a number or a numeric string (the CRM page types times as String).
fn long(body: &Value, name: &str) -> Result<Option<i64>, ApiError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| ApiError::illegal(name)),
        Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| ApiError::illegal(name)),
        Some(_) => Err(ApiError::illegal(name)),
    }
}

fn paging(body: &Value) -> Result<(i64, i64), ApiError> {
    let size = long(body, "pageSize")?.unwrap_or(DEFAULT_PAGE_SIZE);
    let page = long(body, "pageNumber")?.unwrap_or(1);
    if !(1..=MAX_PAGE_SIZE).contains(&size) {
        return Err(ApiError::illegal("pageSize"));
    }
    if page < 1 {
        return Err(ApiError::illegal("pageNumber"));
    }
    Ok((page, size))
}

/// `yyyy-MM-dd HH:mm:ss` in Beijing time.
pub fn format_time(secs: i64, pattern: &str) -> String {
    let tz = FixedOffset::east_opt(8 * 3600).expect("+8 is a valid offset");
    tz.timestamp_opt(secs, 0).single().map(|t| t.format(pattern).to_string()).unwrap_or_default()
}

pub fn corp_access_token(state: &mut State, body: &Value, ctx: &Ctx) -> Result<Reply, ApiError> {
    let (app_id, secret, code) = (text(body, "appId")?, text(body, "appSecret")?, text(body, "permanentCode")?);
    let (token, expires) = state.issue_token(app_id, secret, code, ctx.now)?;
    ok(json!({ "corpAccessToken": token, "corpId": state.corp_id, "expiresIn": expires }))
}

/// The calendar days (Beijing time) a window touches, both ends counted: the strictest way the
/// vendor might count its 180 days (our choice 16), so that 180 × 24 h from one midnight to the
/// next (181 days touched) is refused.
pub fn window_days(start_ms: i64, end_ms: i64) -> i64 {
    (end_ms + BEIJING_MS).div_euclid(DAY_MS) - (start_ms + BEIJING_MS).div_euclid(DAY_MS) + 1
}

/// `user/get` `{openUserId}` → the person (the platform's field table, the vendor demo's
/// `UserResult`); someone the company never had answers 30027 员工不存在 (our choice 17).
pub fn user_get(state: &mut State, body: &Value, _: &Ctx) -> Result<Reply, ApiError> {
    let id = text(body, "openUserId")?;
    let e = state.employee(id).ok_or(ApiError::NoSuchEmployee)?;
    ok(json!({
        "openUserId": e.open_user_id, "account": e.mobile, "name": e.name, "nickName": e.nick_name, "isStop": e.is_stop,
        "mobile": e.mobile, "position": "", "departmentIds": [e.department_id, State::ROOT_DEPARTMENT],
    }))
}

/// `user/simpleList` `{departmentId, fetchChild}` → `userList[] {openUserId, name, nickName}`:
/// the people of a department (with `fetchChild`, of its sub-departments too); 999999 is the
/// company's root, in which nobody sits directly. Stopped employees are not listed (our choice 17).
pub fn user_simple_list(state: &mut State, body: &Value, _: &Ctx) -> Result<Reply, ApiError> {
    let department =
        long(body, "departmentId")?.filter(|d| *d >= 0).ok_or_else(|| ApiError::illegal("departmentId"))?;
    let with_children = match body.get("fetchChild") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(ApiError::illegal("fetchChild")),
    };
    let listed = |e: &&super::state::Employee| {
        !e.is_stop && (e.department_id == department || (with_children && department == State::ROOT_DEPARTMENT))
    };
    let users: Vec<Value> = state
        .employees
        .iter()
        .filter(listed)
        .map(|e| json!({ "openUserId": e.open_user_id, "name": e.name, "nickName": e.nick_name }))
        .collect();
    ok(json!({ "userList": users, "traceId": format!("E-O.{}", users.len()), "errorDescription": "success" }))
}

pub fn user_by_mobile(state: &mut State, body: &Value, _: &Ctx) -> Result<Reply, ApiError> {
    let mobile = text(body, "mobile")?;
    let list: Vec<Value> = state
        .employees
        .iter()
        .filter(|e| e.mobile == mobile)
        .map(|e| json!({ "openUserId": e.open_user_id, "name": e.name, "mobile": e.mobile }))
        .collect();
    ok(json!({ "empList": list }))
}

pub fn approval_type_forms(state: &mut State, _: &Value, _: &Ctx) -> Result<Reply, ApiError> {
    let forms: Vec<Value> =
        state.forms.iter().map(|(t, name, id)| json!({ "approveType": t, "name": name, "id": id })).collect();
    ok(json!({ "approvalTypeForms": forms }))
}

/// Approvals created in `[startTime, endTime]` (ms), newest update first (the document's order;
/// the window by creation is our choice 5).
pub fn approval_query(state: &mut State, body: &Value, _: &Ctx) -> Result<Reply, ApiError> {
    let start = long(body, "startTime")?.ok_or_else(|| ApiError::illegal("startTime"))?;
    let end = long(body, "endTime")?.ok_or_else(|| ApiError::illegal("endTime"))?;
    if end < start || window_days(start, end) > MAX_WINDOW_DAYS {
        return Err(ApiError::illegal("startTime/endTime: at most 180 days"));
    }
    let (page, size) = paging(body)?;
    let form = body.get("approvalFormId").and_then(Value::as_str).filter(|s| !s.is_empty());
    let mut hits: Vec<&OldApproval> = state
        .approvals
        .values()
        .filter(|a| (start..=end).contains(&(a.create_time * 1000)) && form.is_none_or(|f| f == a.form_id))
        .collect();
    hits.sort_by_key(|a| (std::cmp::Reverse(a.last_update_time), std::cmp::Reverse(a.id)));
    let total = hits.len();
    let slice: Vec<Value> = hits
        .iter()
        .skip(((page - 1) * size) as usize)
        .take(size as usize)
        .map(|a| json!({ "id": a.id, "status": a.status }))
        .collect();
    ok(json!({ "approvals": slice, "totalCount": total, "pageSize": size, "pageNumber": page }))
}

fn media_json(state: &State, ids: &[String]) -> Vec<Value> {
    ids.iter()
        .filter_map(|id| state.media.get(id))
        .map(|m| json!({ "id": m.id, "type": m.kind, "name": m.name }))
        .collect()
}

pub fn approval_json(state: &State, a: &OldApproval) -> Value {
    let tasks: Vec<Value> = a
        .tasks
        .iter()
        .map(|t| {
            json!({
                "taskId": t.task_id, "type": t.kind, "state": t.state, "sequenceNumber": t.sequence.to_string(),
                "taskMembers": t.members.iter().map(|(id, s)| json!({ "state": s, "employeeId": id })).collect::<Vec<_>>(),
                "comments": t.comments.iter().map(|(id, c)| json!({ "senderId": id, "content": c, "attachments": [] })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut visible: Vec<String> = a.tasks.iter().flat_map(|t| t.members.iter().map(|(id, _)| id.clone())).collect();
    visible.push(a.sender.clone());
    visible.sort();
    visible.dedup();
    let mut feed = json!({
        "feedContent": a.feed_content,
        "createTime": format_time(a.create_time, "%Y-%m-%d %H:%M:%S"),
        "lastUpdateTime": format_time(a.last_update_time, "%Y-%m-%d %H:%M:%S"),
    });
    if !a.crm_objects.is_empty() {
        feed["crmObjects"] = a.crm_objects.iter().map(|(id, t)| json!({ "id": id, "type": t })).collect();
    }
    if !a.tables.is_empty() {
        feed["tables"] = json!(a.tables);
    }
    if !a.attachments.is_empty() {
        feed["attachments"] = json!(media_json(state, &a.attachments));
    }
    let mut out = json!({
        "approvalId": a.id, "feed": feed, "visibleDepartmentIds": a.visible_department_ids, "visibleEmployeeIds": visible,
        "approvalTasks": tasks, "senderId": a.sender, "status": a.status, "approveType": a.approve_type,
        "flowType": a.flow_type, "approvalFormName": a.form_name, "approvalFormId": a.form_id,
    });
    if let Some(t) = a.current_task() {
        out["currentTaskId"] = json!(t.task_id);
    }
    if let Some(r) = &a.form_record {
        out["formRecord"] = r.clone();
    }
    odd(&mut out, &a.oddities);
    out
}

pub fn approval_get(state: &mut State, body: &Value, _: &Ctx) -> Result<Reply, ApiError> {
    let id = long(body, "approvalId")?.ok_or_else(|| ApiError::illegal("approvalId"))?;
    let a = state.approvals.get(&id).ok_or_else(|| ApiError::illegal("approvalId"))?;
    ok(json!({ "approval": approval_json(state, a) }))
}

pub fn media_download(state: &mut State, body: &Value, _: &Ctx) -> Result<Reply, ApiError> {
    let id = text(body, "mediaId")?;
    state.media.get(id).map(|m| Reply::File(m.bytes.clone())).ok_or_else(|| ApiError::illegal("mediaId"))
}

fn current_user<'a>(state: &State, body: &'a Value) -> Result<&'a str, ApiError> {
    let id = text(body, "currentOpenUserId")?;
    state.employee(id).map(|_| id).ok_or_else(|| ApiError::illegal("currentOpenUserId"))
}

/// The instance as the list shows it (the platform's published example).
fn instance_json(i: &CrmInstance) -> Value {
    let mut row = json!({
        "instanceId": i.instance_id, "instanceName": i.instance_name, "dataId": i.data_id, "triggerType": i.trigger_type,
        "state": i.state, "createTime": i.create_time, "lastModifyTime": i.last_modify_time, "endTime": i.end_time.unwrap_or(0),
        "flowApiName": i.flow_api_name, "applicantOpenUserId": i.applicant, "cancelTime": i.cancel_time.unwrap_or(0),
        "objectApiName": i.object_api_name,
    });
    odd(&mut row, &i.row_oddities);
    row
}

/// The instance under the vendor's APL names (its `Fx.approval.getInstance` sample).
fn apl_instance_json(i: &CrmInstance) -> Value {
    let mut o = json!({
        "instanceId": i.instance_id, "objectId": i.data_id, "triggerType": i.trigger_type, "applicantId": i.applicant,
        "state": i.state, "createTime": i.create_time, "endTime": i.end_time.unwrap_or(0), "lastModifyTime": i.last_modify_time,
        "apiName": i.flow_api_name, "cancelTime": i.cancel_time.unwrap_or(0), "entityId": i.object_api_name,
        "triggerTypeName": null, "linkApp": null, "superWorkflowInstanceId": null,
    });
    odd(&mut o, &i.row_oddities);
    o
}

/// `approvalInstances/query`: instances of one flow created in `[startTime, endTime]` (ms),
/// newest modification first, as `approval/query` orders by update (our choice 5).
pub fn crm_instances_query(state: &mut State, body: &Value, _: &Ctx) -> Result<Reply, ApiError> {
    current_user(state, body)?;
    let flow = text(body, "flowApiName")?;
    let start = long(body, "startTime")?.ok_or_else(|| ApiError::illegal("startTime"))?;
    let end = long(body, "endTime")?.ok_or_else(|| ApiError::illegal("endTime"))?;
    let (page, size) = paging(body)?;
    let st = body.get("state").and_then(Value::as_str).filter(|s| !s.is_empty());
    let object = body.get("objectApiName").and_then(Value::as_str).filter(|s| !s.is_empty());
    let mut hits: Vec<&CrmInstance> = state
        .crm
        .values()
        .filter(|i| i.flow_api_name == flow && (start..=end).contains(&i.create_time))
        .filter(|i| st.is_none_or(|s| s == i.state) && object.is_none_or(|o| o == i.object_api_name))
        .collect();
    hits.sort_by(|a, b| {
        (b.last_modify_time, b.create_time, &b.instance_id).cmp(&(a.last_modify_time, a.create_time, &a.instance_id))
    });
    let total = hits.len();
    let list: Vec<Value> =
        hits.iter().skip(((page - 1) * size) as usize).take(size as usize).map(|i| instance_json(i)).collect();
    ok(json!({ "queryResult": { "total": total, "instanceList": list } }))
}

/// `instanceDetail` as the instance's [`CrmShape`] says; `null` for [`CrmShape::NoDetail`].
pub fn crm_instance_json(i: &CrmInstance) -> Value {
    let apl = i.shape == CrmShape::Apl;
    let tasks: Vec<Value> = i
        .tasks
        .iter()
        .enumerate()
        .map(|(n, t)| {
            let mut task = json!({
                "id": t.id, "type": t.kind, "state": t.state, "flowApiName": i.flow_api_name,
                "createTime": t.create_time, "modifyTime": t.modify_time, "endTime": t.end_time.unwrap_or(0),
                "opinions": t.opinions.iter().map(|o| json!({
                    "openUserId": o.open_user_id, "actionType": o.action_type, "opinion": o.opinion, "replyTime": o.reply_time,
                })).collect::<Vec<_>>(),
                "unCompletePersons": t.un_complete, "completeOpenPersons": t.complete,
            });
            if apl {
                let o = task.as_object_mut().expect("a task is an object");
                o.remove("flowApiName");
                o.insert("apiName".into(), json!(i.flow_api_name));
                let complete = o.remove("completeOpenPersons").unwrap_or_default();
                o.insert("completePersons".into(), complete);
                o.insert("taskName".into(), json!(format!("第{}审批节点", n + 1)));
                o.insert("errMsg".into(), Value::Null);
            }
            task
        })
        .collect();
    let instance = match i.shape {
        CrmShape::AsListed => instance_json(i),
        CrmShape::Apl => apl_instance_json(i),
        CrmShape::InstanceAsText => Value::String(instance_json(i).to_string()),
        CrmShape::NoDetail => return Value::Null,
    };
    let mut detail = json!({ "instance": instance, "tasks": tasks });
    odd(&mut detail, &i.detail_oddities);
    detail
}

pub fn crm_instance_get(state: &mut State, body: &Value, _: &Ctx) -> Result<Reply, ApiError> {
    let id = text(body, "instanceId")?;
    let i = state.crm.get(id).ok_or_else(|| ApiError::illegal("instanceId"))?;
    ok(json!({ "instanceDetail": crm_instance_json(i) }))
}

pub fn crm_task_action(state: &mut State, body: &Value, ctx: &Ctx) -> Result<Reply, ApiError> {
    let user = current_user(state, body)?.to_string();
    let task_id = text(body, "taskId")?;
    let agree = match text(body, "actionType")? {
        "agree" => true,
        "reject" => false,
        _ => return Err(ApiError::illegal("actionType")),
    };
    let opinion = text(body, "opinion")?.to_string();
    let (instance, task) = state.crm_task(task_id).ok_or_else(|| ApiError::illegal("taskId"))?;
    let i = state.crm.get_mut(&instance).ok_or_else(|| ApiError::illegal("taskId"))?;
    i.decide(task, &user, agree, &opinion, ctx.now_ms)?;
    ok(json!({}))
}

/// Cancels the running flow of the record `data.objectId` of object `data.entityId`; only its
/// applicant may (our choice 10).
pub fn crm_instance_cancel(state: &mut State, body: &Value, ctx: &Ctx) -> Result<Reply, ApiError> {
    let user = current_user(state, body)?.to_string();
    let data = body.get("data").ok_or_else(|| ApiError::illegal("data"))?;
    let (entity, object) = (text(data, "entityId")?, text(data, "objectId")?);
    text(data, "cancelReason")?;
    let i = state
        .crm
        .values_mut()
        .find(|i| i.object_api_name == entity && i.data_id == object && i.state == "in_progress")
        .ok_or(ApiError::NotAllowed)?;
    if i.applicant != user {
        return Err(ApiError::NotAllowed);
    }
    i.cancel(ctx.now_ms);
    ok(json!({}))
}
