//! Data model of the simulated yomicloud drive (users, files, templates, approvals, approver
//! rows, attachments), the indexes that keep per-user lists fast, and the approval state
//! machine (docs/yomicloud-protocol.md choice 5). Everything here is synchronous and takes the
//! current time as a parameter, so it is testable without a clock or a server.

use std::collections::{BTreeMap, HashMap};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

use super::error::{ApiError, NO_APPROVAL, NO_FILE, NO_TEMPLET};

/// Approval `status`: 0 正在审批.
pub const PENDING: i64 = 0;
/// Approval `status`: 1 已通过.
pub const APPROVED: i64 = 1;
/// Approval `status`: 2 已拒绝.
pub const REJECTED: i64 = 2;
/// Approval `status`: 3 处理失败 (approved, but applying the result failed).
pub const FAILED: i64 = 3;

/// `utype` of an approver row.
pub const UTYPE_APPROVER: i64 = 1;
/// `utype` of a cc (抄送) row.
pub const UTYPE_CC: i64 = 0;

/// A drive user. `super_admin` is the only administrator role simulated.
#[derive(Debug, Clone)]
pub struct User {
    pub uid: i64,
    pub username: String,
    pub realname: String,
    pub token: String,
    pub super_admin: bool,
}

/// One row of the approval-type table (`templet-content` `data`).
#[derive(Debug, Clone)]
pub struct ApprovalType {
    pub id: i64,
    pub name: &'static str,
    /// 0 any, 1 folders only, 2 files only.
    pub scope: i64,
    /// Extra data asked when approving (1 = a time limit, `tempAuthDay`).
    pub extra: i64,
    /// 0 nothing, 1 an uploaded file is needed, 2 a new folder is needed.
    pub upload: i64,
}

/// The type table. The document shows rows 1 and 2 only; the rest are our choice.
pub fn approval_types() -> Vec<ApprovalType> {
    let row = |id, name, scope, extra, upload| ApprovalType { id, name, scope, extra, upload };
    vec![
        row(1, "不处理", 0, 0, 0),
        row(2, "上传文件", 1, 3, 1),
        row(3, "申请预览权限", 0, 1, 0),
        row(4, "修改文件", 2, 0, 1),
        row(5, "申请下载权限", 0, 1, 0),
        row(6, "申请编辑权限", 0, 1, 0),
        row(7, "删除文件", 0, 0, 0),
        row(8, "新建文件夹", 1, 0, 2),
    ]
}

/// A file or folder: drive content, or an uploaded attachment (then `attachment_root` != 0).
#[derive(Debug, Clone)]
pub struct FileNode {
    pub id: i64,
    pub parent_id: i64,
    pub name: String,
    pub is_folder: bool,
    pub size: i64,
    pub creator_id: i64,
    pub data: Vec<u8>,
    pub lock_status: i64,
    pub lock_user: i64,
    /// The attachment this node belongs to (its root id), 0 for drive files.
    pub attachment_root: i64,
}

impl FileNode {
    /// The part after the last dot, as the drive reports it in `fileExtend`.
    pub fn extension(&self) -> &str {
        if self.is_folder {
            return "";
        }
        self.name.rsplit_once('.').map(|(_, ext)| ext).unwrap_or("")
    }
}

/// An uploaded attachment: a single file (`atype` 0) or a folder of files (`atype` 1).
#[derive(Debug, Clone)]
pub struct Attachment {
    /// The attachment id = its root file id (`attachmentId`, `rootid`).
    pub id: i64,
    pub atype: i64,
    pub owner: i64,
    /// Upload handle of a multi-file attachment (empty for single files).
    pub uuid: String,
    /// The approval it was attached to, 0 while unused.
    pub approval_id: i64,
}

/// An approval template.
#[derive(Debug, Clone)]
pub struct Templet {
    pub id: i64,
    pub file_id: i64,
    pub m_type: i64,
    pub title: String,
    /// The decoded `content` object (sent encoded as a string).
    pub content: Value,
    pub creator_id: i64,
    pub editor_id: i64,
    pub createtime: i64,
    pub edittime: i64,
}

/// One step of an approval as submitted in `create-approval`'s `json.step[]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRule {
    /// 1 all agree, 2 any agrees, 3 more than `approval_num` agree, 4 `select_id` decides.
    pub rule: i64,
    pub approval_num: i64,
    pub ids: Vec<i64>,
    pub select_id: Option<i64>,
}

/// A person's row in an approval: an approver (shown in `data2`) or a cc.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The handling id (`auid`).
    pub id: i64,
    pub uid: i64,
    /// Step index (0-based); -1 for cc rows.
    pub step: i64,
    pub handle_type: i64,
    /// 0 not handled, 1 agreed, 2 refused.
    pub status2: i64,
    pub handletime: i64,
    pub note: String,
    pub utype: i64,
}

/// An approval with its steps and rows.
#[derive(Debug, Clone)]
pub struct Approval {
    pub id: i64,
    pub tid: i64,
    pub creator: i64,
    pub createtime: i64,
    pub end_time: i64,
    pub errmsg: String,
    pub file_id: i64,
    pub status: i64,
    pub task_type: i64,
    pub attachment_id: i64,
    /// `data.content` exactly as sent: the submitted json re-encoded (it never changes).
    pub content: String,
    pub steps: Vec<StepRule>,
    /// Per step: 0 no result, 1 passed, 2 refused.
    pub step_status: Vec<i64>,
    pub rows: Vec<Row>,
    /// How a wild tenant's copy of it reads (`tenant.rs`); empty for the documents' shapes.
    pub quirks: Quirks,
}

/// What a real tenant's replies have that the document's example does not, per approval: keys
/// of its item (`data`, list items) and of its `data2` rows set to another value (`Some`) or
/// left out (`None`), `fileMap` as `null`, users missing from `userinfo`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Quirks {
    pub item: Vec<(&'static str, Option<Value>)>,
    /// (handling id, key, value).
    pub rows: Vec<(i64, &'static str, Option<Value>)>,
    pub no_file_map: bool,
    pub unknown_users: Vec<i64>,
}

impl Quirks {
    /// Applies the quirks for `object` (an item, or the row `row`) to its JSON.
    pub fn apply(&self, object: &mut Value, row: Option<i64>) {
        let Value::Object(map) = object else { return };
        let keys = match row {
            None => self.item.iter().map(|(k, v)| (*k, v)).collect::<Vec<_>>(),
            Some(id) => self.rows.iter().filter(|(r, _, _)| *r == id).map(|(_, k, v)| (*k, v)).collect(),
        };
        for (key, value) in keys {
            match value {
                Some(v) => map.insert(key.to_string(), v.clone()),
                None => map.remove(key),
            };
        }
    }
}

impl Approval {
    /// The step being decided: the lowest step without a result, while the approval is pending.
    pub fn current_step(&self) -> Option<usize> {
        if self.status != PENDING {
            return None;
        }
        self.step_status.iter().position(|s| *s == 0)
    }

    /// Uids of all approvers, each once.
    pub fn approver_uids(&self) -> Vec<i64> {
        let mut uids: Vec<i64> = self.rows.iter().filter(|r| r.utype == UTYPE_APPROVER).map(|r| r.uid).collect();
        uids.sort_unstable();
        uids.dedup();
        uids
    }

    /// Uids of the cc list.
    pub fn cc_uids(&self) -> Vec<i64> {
        self.rows.iter().filter(|r| r.utype == UTYPE_CC).map(|r| r.uid).collect()
    }

    /// The row `uid` can act on now, if any (the todo rule of the protocol, choice 4).
    pub fn actionable_row(&self, uid: i64) -> Option<&Row> {
        let step = self.current_step()?;
        if self.steps[step].rule == 4 && self.steps[step].select_id != Some(uid) {
            return None;
        }
        self.rows.iter().find(|r| r.utype == UTYPE_APPROVER && r.uid == uid && r.step == step as i64 && r.status2 == 0)
    }

    /// Records `uid`'s decision (1 agree, 2 refuse) on row `auid` of step `step`, then moves the
    /// step and the approval on. Every refusal leaves the approval unchanged.
    pub fn handle(&mut self, h: &Handling<'_>) -> Result<(), ApiError> {
        let idx = self.check_handling(h)?;
        let row = &mut self.rows[idx];
        row.status2 = h.decision;
        row.handletime = h.now;
        row.note = h.note.to_string();
        let step = row.step as usize;
        self.step_status[step] = self.evaluate_step(step);
        self.settle(h.now);
        Ok(())
    }

    /// All the refusals of `handle-step`, in the order a caller would hit them.
    fn check_handling(&self, h: &Handling<'_>) -> Result<usize, ApiError> {
        if h.decision != 1 && h.decision != 2 {
            return Err(ApiError::param("status"));
        }
        let idx = self
            .rows
            .iter()
            .position(|r| r.id == h.auid && r.utype == UTYPE_APPROVER)
            .ok_or_else(|| ApiError::param("auid"))?;
        let row = &self.rows[idx];
        if row.uid != h.uid {
            return Err(ApiError::Forbidden);
        }
        if row.step != h.step {
            return Err(ApiError::param("step"));
        }
        if self.status != PENDING || row.status2 != 0 || self.current_step() != Some(row.step as usize) {
            return Err(ApiError::WrongState);
        }
        let rule = &self.steps[row.step as usize];
        if rule.rule == 4 && rule.select_id != Some(h.uid) {
            return Err(ApiError::WrongState);
        }
        Ok(idx)
    }

    /// The result of step `step` from its rows: 0 undecided, 1 passed, 2 refused.
    pub fn evaluate_step(&self, step: usize) -> i64 {
        let rule = &self.steps[step];
        let rows = || self.rows.iter().filter(|r| r.utype == UTYPE_APPROVER && r.step == step as i64);
        let total = rows().count() as i64;
        let agreed = rows().filter(|r| r.status2 == 1).count() as i64;
        let refused = rows().filter(|r| r.status2 == 2).count() as i64;
        match rule.rule {
            1 if refused > 0 => 2,
            1 if agreed == total => 1,
            2 if agreed > 0 => 1,
            2 if refused == total => 2,
            3 if agreed > rule.approval_num => 1,
            // Even if everyone left agreed, `approval_num + 1` agreements are out of reach.
            3 if total - refused < rule.approval_num + 1 => 2,
            4 => rows().find(|r| Some(r.uid) == rule.select_id).map_or(0, |r| r.status2),
            _ => 0,
        }
    }

    /// Ends the approval when a step was refused or the last step passed.
    fn settle(&mut self, now: i64) {
        if self.step_status.contains(&2) {
            self.status = REJECTED;
            self.end_time = now;
        } else if self.step_status.iter().all(|s| *s == 1) {
            self.status = APPROVED;
            self.end_time = now;
        }
    }
}

/// One `handle-step` call.
#[derive(Debug, Clone)]
pub struct Handling<'a> {
    pub uid: i64,
    pub auid: i64,
    pub step: i64,
    /// 1 agree, 2 refuse.
    pub decision: i64,
    pub note: &'a str,
    pub now: i64,
}

/// The validated `json` of `create-approval`.
#[derive(Debug, Clone)]
pub struct ApprovalRequest {
    pub tid: i64,
    pub file_id: i64,
    pub task_type: Option<i64>,
    pub attachment_id: i64,
    pub copyto: Vec<i64>,
    pub steps: Vec<StepRule>,
    /// The whole submitted object, kept as `data.content`.
    pub value: Value,
}

/// Reads an integer sent as a number or as a numeric string (the document uses both).
pub fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn int_field(obj: &Value, name: &str) -> Result<Option<i64>, ApiError> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => as_int(v).map(Some).ok_or_else(|| ApiError::param(name)),
    }
}

fn int_list(obj: &Value, name: &str) -> Result<Vec<i64>, ApiError> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items.iter().map(|v| as_int(v).ok_or_else(|| ApiError::param(name))).collect(),
        Some(_) => Err(ApiError::param(name)),
    }
}

/// Parses one `step[]` entry (shape and rule only; users are checked against the state later).
pub fn parse_step(v: &Value) -> Result<StepRule, ApiError> {
    let rule = int_field(v, "type")?.ok_or_else(|| ApiError::param("step.type"))?;
    let approval_num = int_field(v, "approvalNum")?.unwrap_or(0);
    let ids = int_list(v, "ids")?;
    let select_id = int_field(v, "selectId")?;
    let step = StepRule { rule, approval_num, ids, select_id };
    validate_step(&step)?;
    Ok(step)
}

fn validate_step(s: &StepRule) -> Result<(), ApiError> {
    if !(1..=4).contains(&s.rule) {
        return Err(ApiError::param("step.type"));
    }
    if s.ids.is_empty() {
        return Err(ApiError::param("step.ids"));
    }
    // Rule 3 with approvalNum >= approvers could never pass.
    if s.rule == 3 && !(0..s.ids.len() as i64).contains(&s.approval_num) {
        return Err(ApiError::param("step.approvalNum"));
    }
    if s.rule == 4 && !s.select_id.is_some_and(|id| s.ids.contains(&id)) {
        return Err(ApiError::param("step.selectId"));
    }
    Ok(())
}

/// Parses the `json` parameter of `create-approval`.
pub fn parse_request(json: &str) -> Result<ApprovalRequest, ApiError> {
    request_from_value(serde_json::from_str(json).map_err(|_| ApiError::param("json"))?)
}

/// Reads an already decoded `create-approval` json.
pub fn request_from_value(value: Value) -> Result<ApprovalRequest, ApiError> {
    if !value.is_object() {
        return Err(ApiError::param("json"));
    }
    let tid = int_field(&value, "tid")?.ok_or_else(|| ApiError::param("tid"))?;
    let file_id = int_field(&value, "fileId")?.ok_or_else(|| ApiError::param("fileId"))?;
    let steps = match value.get("step") {
        Some(Value::Array(items)) if !items.is_empty() => items.iter().map(parse_step).collect::<Result<_, _>>()?,
        _ => return Err(ApiError::param("step")),
    };
    Ok(ApprovalRequest {
        tid,
        file_id,
        task_type: int_field(&value, "taskType")?,
        attachment_id: int_field(&value, "attachmentId")?.unwrap_or(0),
        copyto: int_list(&value, "copyto")?,
        steps,
        value,
    })
}

/// The whole simulated drive. Lists are served from the per-user indexes, never by a scan.
#[derive(Debug)]
pub struct State {
    pub users: BTreeMap<i64, User>,
    pub tokens: HashMap<String, i64>,
    pub types: Vec<ApprovalType>,
    pub files: HashMap<i64, FileNode>,
    pub children: HashMap<i64, Vec<i64>>,
    pub attachments: HashMap<i64, Attachment>,
    pub templets: BTreeMap<i64, Templet>,
    pub approvals: BTreeMap<i64, Approval>,
    /// The uid the demo account signs in as.
    pub demo_uid: i64,
    /// A real tenant's drive (`tenant.rs`): its odd records, and its `create-approval` replies
    /// without the `id` the document never promised.
    pub wild: Option<super::tenant::WildIds>,
    pub(crate) by_creator: HashMap<i64, Vec<i64>>,
    pub(crate) by_approver: HashMap<i64, Vec<i64>>,
    pub(crate) by_cc: HashMap<i64, Vec<i64>>,
    pub(crate) by_file: HashMap<i64, Vec<i64>>,
    pub(crate) next_file_id: i64,
    pub(crate) next_templet_id: i64,
    pub(crate) next_approval_id: i64,
    pub(crate) next_row_id: i64,
    pub(crate) rng: StdRng,
}

impl State {
    /// An empty drive; `seed` drives the upload handles it will hand out.
    pub fn empty(seed: u64) -> Self {
        State {
            users: BTreeMap::new(),
            tokens: HashMap::new(),
            types: approval_types(),
            files: HashMap::new(),
            children: HashMap::new(),
            attachments: HashMap::new(),
            templets: BTreeMap::new(),
            approvals: BTreeMap::new(),
            demo_uid: 0,
            wild: None,
            by_creator: HashMap::new(),
            by_approver: HashMap::new(),
            by_cc: HashMap::new(),
            by_file: HashMap::new(),
            next_file_id: 1,
            next_templet_id: 1,
            next_approval_id: 1,
            next_row_id: 1,
            rng: StdRng::seed_from_u64(seed ^ 0x5eed_u64),
        }
    }

    /// Adds a user and its token.
    pub fn add_user(&mut self, user: User) {
        self.tokens.insert(user.token.clone(), user.uid);
        self.users.insert(user.uid, user);
    }

    /// Every user's token stops working (as after a password change): the next call is refused
    /// with code 1 ([`Fault::ExpiredToken`]).
    ///
    /// [`Fault::ExpiredToken`]: crate::common::Fault::ExpiredToken
    pub fn expire_tokens(&mut self) {
        self.tokens.clear();
        for user in self.users.values_mut() {
            user.token.push('r');
            self.tokens.insert(user.token.clone(), user.uid);
        }
    }

    /// The user a token belongs to.
    pub fn user_by_token(&self, token: &str) -> Result<&User, ApiError> {
        self.tokens.get(token).and_then(|uid| self.users.get(uid)).ok_or(ApiError::BadToken)
    }

    /// A fresh 64-hex-digit handle (the document's example attachment names look like this).
    pub fn new_handle(&mut self) -> String {
        (0..4).map(|_| format!("{:016x}", self.rng.random::<u64>())).collect()
    }

    /// Whether `uid` may see approval `a` (super admin, creator, approver or cc).
    pub fn can_view(&self, uid: i64, a: &Approval) -> bool {
        self.users.get(&uid).is_some_and(|u| u.super_admin) || a.creator == uid || a.rows.iter().any(|r| r.uid == uid)
    }

    /// An approval `uid` may see.
    pub fn visible_approval(&self, uid: i64, aid: i64) -> Result<&Approval, ApiError> {
        let a = self.approvals.get(&aid).ok_or(NO_APPROVAL)?;
        if self.can_view(uid, a) {
            Ok(a)
        } else {
            Err(ApiError::Forbidden)
        }
    }

    /// Approvals from an index, newest first.
    fn indexed(&self, index: &HashMap<i64, Vec<i64>>, key: i64) -> Vec<&Approval> {
        let ids = index.get(&key).map(Vec::as_slice).unwrap_or(&[]);
        ids.iter().rev().filter_map(|id| self.approvals.get(id)).collect()
    }

    /// What `uid` submitted (`get-creator-list`), newest first.
    pub fn created_by(&self, uid: i64) -> Vec<&Approval> {
        self.indexed(&self.by_creator, uid)
    }

    /// Every approval `uid` is an approver in, any state (`get-handler-list` utype 1).
    pub fn approver_of(&self, uid: i64) -> Vec<&Approval> {
        self.indexed(&self.by_approver, uid)
    }

    /// Every approval `uid` is cc'd on (`get-handler-list` utype 0).
    pub fn cc_of(&self, uid: i64) -> Vec<&Approval> {
        self.indexed(&self.by_cc, uid)
    }

    /// Approvals on a drive file or using an attachment (`get-file-approval-log`), newest first.
    pub fn on_file(&self, file_id: i64) -> Vec<&Approval> {
        self.indexed(&self.by_file, file_id)
    }

    /// Every approval, newest first (`admin=1` for a super admin).
    pub fn all_approvals(&self) -> Vec<&Approval> {
        self.approvals.values().rev().collect()
    }

    /// Approval ids `uid` can act on right now, newest first.
    pub fn todo_ids(&self, uid: i64) -> Vec<i64> {
        self.approver_of(uid).into_iter().filter(|a| a.actionable_row(uid).is_some()).map(|a| a.id).collect()
    }

    /// Validates a `create-approval` request against the drive and stores the approval.
    pub fn create_approval(&mut self, creator: i64, json: &str, now: i64) -> Result<i64, ApiError> {
        self.create_approval_from(creator, parse_request(json)?, now)
    }

    /// [`State::create_approval`] for a request already decoded (the seed skips the text).
    pub fn create_approval_from(&mut self, creator: i64, req: ApprovalRequest, now: i64) -> Result<i64, ApiError> {
        let task_type = self.check_request(creator, &req)?;
        let content = super::views::content_string(&req.value, true);
        let id = self.next_approval_id;
        self.next_approval_id += 1;
        let mut approval = Approval {
            id,
            tid: req.tid,
            creator,
            createtime: now,
            end_time: 0,
            errmsg: String::new(),
            file_id: req.file_id,
            status: PENDING,
            task_type,
            attachment_id: req.attachment_id,
            content,
            step_status: vec![0; req.steps.len()],
            steps: req.steps,
            rows: Vec::new(),
            quirks: Quirks::default(),
        };
        self.add_rows(&mut approval, &req.copyto);
        self.insert_approval(approval);
        Ok(id)
    }

    /// Checks template, file, task type, users and attachment; answers the task type.
    fn check_request(&self, creator: i64, req: &ApprovalRequest) -> Result<i64, ApiError> {
        let templet = self.templets.get(&req.tid).ok_or(NO_TEMPLET)?;
        let file = self.files.get(&req.file_id).filter(|f| f.attachment_root == 0).ok_or(NO_FILE)?;
        if !self.is_within(req.file_id, templet.file_id) {
            return Err(ApiError::param("tid"));
        }
        if (templet.m_type == 1 && !file.is_folder) || (templet.m_type == 2 && file.is_folder) {
            return Err(ApiError::param("fileId"));
        }
        // The document: 当前文件或文件夹路径, e.g. 公司文件/示例-按项目/质量控制 for 质量控制. The
        // simulator refuses any other value (choice 13), so a client sending a wrong one shows.
        match req.value.get("fullPath") {
            None | Some(Value::Null) => {}
            Some(path) if path.as_str() == Some(self.path_of(req.file_id).as_str()) => {}
            Some(_) => return Err(ApiError::param("fullPath")),
        }
        let templet_type = templet.content.get("approvalType").and_then(as_int).unwrap_or(1);
        let task_type = req.task_type.unwrap_or(templet_type);
        if task_type != templet_type {
            return Err(ApiError::param("taskType"));
        }
        let known = |ids: &[i64]| ids.iter().all(|id| self.users.contains_key(id));
        if !req.steps.iter().all(|s| known(&s.ids)) {
            return Err(ApiError::param("step.ids"));
        }
        if !known(&req.copyto) {
            return Err(ApiError::param("copyto"));
        }
        self.check_attachment(creator, req, task_type)?;
        Ok(task_type)
    }

    /// A type that needs an upload needs an attachment the creator uploaded and has not used yet;
    /// any other type may still name one.
    fn check_attachment(&self, creator: i64, req: &ApprovalRequest, task_type: i64) -> Result<(), ApiError> {
        let needs = self.types.iter().any(|t| t.id == task_type && t.upload == 1);
        if req.attachment_id == 0 && !needs {
            return Ok(());
        }
        match self.attachments.get(&req.attachment_id) {
            Some(att) if att.approval_id == 0 && att.owner == creator => Ok(()),
            _ => Err(ApiError::param("attachmentId")),
        }
    }

    /// Whether `id` is `ancestor` or lies below it.
    pub fn is_within(&self, mut id: i64, ancestor: i64) -> bool {
        // The parent chain is short; the bound guards against a corrupt cycle.
        for _ in 0..64 {
            if id == ancestor {
                return true;
            }
            match self.files.get(&id) {
                Some(f) if f.parent_id != 0 => id = f.parent_id,
                _ => return false,
            }
        }
        false
    }

    /// Creates approver rows (step by step, `id` incrementing) and then cc rows.
    fn add_rows(&mut self, a: &mut Approval, copyto: &[i64]) {
        for (step, rule) in a.steps.iter().enumerate() {
            for uid in &rule.ids {
                a.rows.push(self.row(*uid, step as i64, rule.rule, UTYPE_APPROVER));
            }
        }
        for uid in copyto {
            a.rows.push(self.row(*uid, -1, 0, UTYPE_CC));
        }
    }

    fn row(&mut self, uid: i64, step: i64, handle_type: i64, utype: i64) -> Row {
        let id = self.next_row_id;
        self.next_row_id += 1;
        Row { id, uid, step, handle_type, status2: 0, handletime: 0, note: String::new(), utype }
    }

    /// Stores an approval and indexes it by creator, approvers, cc, file and attachment.
    fn insert_approval(&mut self, a: Approval) {
        let id = a.id;
        push(&mut self.by_creator, a.creator, id);
        for uid in a.approver_uids() {
            push(&mut self.by_approver, uid, id);
        }
        for uid in a.cc_uids() {
            push(&mut self.by_cc, uid, id);
        }
        push(&mut self.by_file, a.file_id, id);
        if a.attachment_id != 0 {
            push(&mut self.by_file, a.attachment_id, id);
            if let Some(att) = self.attachments.get_mut(&a.attachment_id) {
                att.approval_id = id;
            }
        }
        self.approvals.insert(id, a);
    }

    /// Removes an approval and its index entries (`remove-approval`).
    pub fn remove_approval(&mut self, id: i64) -> Result<(), ApiError> {
        let a = self.approvals.remove(&id).ok_or(NO_APPROVAL)?;
        let mut keys = vec![(0, a.creator), (2, a.file_id), (2, a.attachment_id)];
        keys.extend(a.approver_uids().into_iter().map(|u| (1, u)));
        keys.extend(a.cc_uids().into_iter().map(|u| (3, u)));
        for (which, key) in keys {
            let index = match which {
                0 => &mut self.by_creator,
                1 => &mut self.by_approver,
                2 => &mut self.by_file,
                _ => &mut self.by_cc,
            };
            if let Some(ids) = index.get_mut(&key) {
                ids.retain(|x| *x != id);
            }
        }
        Ok(())
    }

    /// `handle-step`: records a decision, and applies the result of an approval it completes.
    pub fn handle_step(&mut self, aid: i64, h: &Handling<'_>) -> Result<(), ApiError> {
        let a = self.approvals.get_mut(&aid).ok_or(NO_APPROVAL)?;
        a.handle(h)?;
        if a.status == APPROVED {
            self.apply_result(aid);
        }
        Ok(())
    }

    /// Ids of the files directly inside folder `id`.
    pub fn children_of(&self, id: i64) -> &[i64] {
        self.children.get(&id).map(Vec::as_slice).unwrap_or(&[])
    }

    /// A drive path such as `公司文件/示例-按项目/质量控制`.
    pub fn path_of(&self, id: i64) -> String {
        let mut names = Vec::new();
        let mut cur = self.files.get(&id);
        while let Some(f) = cur {
            names.push(f.name.as_str());
            cur = if f.parent_id == 0 || names.len() > 64 { None } else { self.files.get(&f.parent_id) };
        }
        names.reverse();
        names.join("/")
    }
}

fn push(index: &mut HashMap<i64, Vec<i64>>, key: i64, id: i64) {
    let ids = index.entry(key).or_default();
    // Approvals are inserted in id order, so a push keeps the list sorted and free of repeats.
    if ids.last() != Some(&id) {
        ids.push(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An approval with one row per (step, uid), rules as given.
    fn approval(steps: Vec<StepRule>) -> Approval {
        let mut rows = Vec::new();
        for (i, s) in steps.iter().enumerate() {
            for uid in &s.ids {
                let id = rows.len() as i64 + 1;
                rows.push(Row {
                    id,
                    uid: *uid,
                    step: i as i64,
                    handle_type: s.rule,
                    status2: 0,
                    handletime: 0,
                    note: String::new(),
                    utype: UTYPE_APPROVER,
                });
            }
        }
        Approval {
            id: 1,
            tid: 1,
            creator: 9,
            createtime: 100,
            end_time: 0,
            errmsg: String::new(),
            file_id: 1,
            status: PENDING,
            task_type: 1,
            attachment_id: 0,
            content: "{}".into(),
            step_status: vec![0; steps.len()],
            steps,
            rows,
            quirks: Quirks::default(),
        }
    }

    fn rule(rule: i64, ids: &[i64], approval_num: i64, select_id: Option<i64>) -> StepRule {
        StepRule { rule, approval_num, ids: ids.to_vec(), select_id }
    }

    fn auid(a: &Approval, uid: i64, step: i64) -> i64 {
        a.rows.iter().find(|r| r.uid == uid && r.step == step).unwrap().id
    }

    fn act(a: &mut Approval, uid: i64, step: i64, decision: i64) -> Result<(), ApiError> {
        let auid = auid(a, uid, step);
        a.handle(&Handling { uid, auid, step, decision, note: "意见", now: 200 })
    }

    #[test]
    fn rule1_needs_everyone() {
        let mut a = approval(vec![rule(1, &[1, 2, 3], 0, None)]);
        act(&mut a, 1, 0, 1).unwrap();
        act(&mut a, 2, 0, 1).unwrap();
        assert_eq!((a.status, a.step_status[0], a.end_time), (PENDING, 0, 0));
        act(&mut a, 3, 0, 1).unwrap();
        assert_eq!((a.status, a.step_status[0], a.end_time), (APPROVED, 1, 200));
        let row = a.rows.iter().find(|r| r.uid == 3).unwrap();
        assert_eq!((row.status2, row.handletime, row.note.as_str()), (1, 200, "意见"));
    }

    #[test]
    fn rule1_one_refusal_rejects() {
        let mut a = approval(vec![rule(1, &[1, 2], 0, None), rule(2, &[5], 0, None)]);
        act(&mut a, 2, 0, 2).unwrap();
        assert_eq!((a.status, a.step_status.clone()), (REJECTED, vec![2, 0]));
        // Finished: the other approver of the step can no longer act.
        assert_eq!(act(&mut a, 1, 0, 1), Err(ApiError::WrongState));
        assert_eq!(act(&mut a, 5, 1, 1), Err(ApiError::WrongState));
    }

    #[test]
    fn rule2_any_agrees_and_all_refusals_reject() {
        let mut a = approval(vec![rule(2, &[1, 2], 0, None), rule(2, &[3, 4], 0, None)]);
        act(&mut a, 2, 0, 1).unwrap();
        assert_eq!((a.status, a.step_status.clone(), a.current_step()), (PENDING, vec![1, 0], Some(1)));
        // Step 0 is decided: its other approver is too late.
        assert_eq!(act(&mut a, 1, 0, 1), Err(ApiError::WrongState));
        act(&mut a, 3, 1, 2).unwrap();
        assert_eq!(a.status, PENDING, "one refusal of two is not enough under rule 2");
        act(&mut a, 4, 1, 2).unwrap();
        assert_eq!((a.status, a.step_status.clone()), (REJECTED, vec![1, 2]));
    }

    #[test]
    fn rule3_more_than_n() {
        let mut a = approval(vec![rule(3, &[1, 2, 3, 4], 1, None)]);
        act(&mut a, 1, 0, 1).unwrap();
        assert_eq!(a.status, PENDING, "1 agreement is not more than 1");
        act(&mut a, 2, 0, 1).unwrap();
        assert_eq!((a.status, a.step_status[0]), (APPROVED, 1));
    }

    #[test]
    fn rule3_refusals_make_it_impossible() {
        let mut a = approval(vec![rule(3, &[1, 2, 3, 4], 2, None)]);
        act(&mut a, 1, 0, 2).unwrap();
        assert_eq!(a.status, PENDING, "3 agreements still possible");
        act(&mut a, 2, 0, 2).unwrap();
        assert_eq!((a.status, a.step_status[0]), (REJECTED, 2));
    }

    #[test]
    fn rule4_only_the_designated_decides() {
        let mut a = approval(vec![rule(4, &[1, 2, 3], 0, Some(2)), rule(2, &[5], 0, None)]);
        assert_eq!(act(&mut a, 1, 0, 1), Err(ApiError::WrongState));
        assert!(a.actionable_row(1).is_none());
        assert!(a.actionable_row(2).is_some());
        act(&mut a, 2, 0, 1).unwrap();
        assert_eq!((a.status, a.current_step()), (PENDING, Some(1)));
        act(&mut a, 5, 1, 1).unwrap();
        assert_eq!(a.status, APPROVED);
    }

    #[test]
    fn rule4_designated_refusal_rejects() {
        let mut a = approval(vec![rule(4, &[1, 2], 0, Some(1))]);
        act(&mut a, 1, 0, 2).unwrap();
        assert_eq!((a.status, a.step_status[0]), (REJECTED, 2));
    }

    #[test]
    fn wrong_step_is_refused() {
        let mut a = approval(vec![rule(2, &[1], 0, None), rule(2, &[2], 0, None)]);
        assert_eq!(act(&mut a, 2, 1, 1), Err(ApiError::WrongState), "step 1 is not current yet");
        assert!(a.actionable_row(2).is_none());
        let auid = auid(&a, 1, 0);
        let h = Handling { uid: 1, auid, step: 1, decision: 1, note: "", now: 1 };
        assert_eq!(a.handle(&h), Err(ApiError::param("step")), "step must match the row");
        assert_eq!(a.rows[0].status2, 0);
    }

    #[test]
    fn double_handling_is_refused() {
        let mut a = approval(vec![rule(1, &[1, 2], 0, None)]);
        act(&mut a, 1, 0, 1).unwrap();
        assert_eq!(act(&mut a, 1, 0, 2), Err(ApiError::WrongState));
        assert_eq!(a.rows[0].status2, 1, "the first decision stands");
    }

    #[test]
    fn someone_elses_row_and_bad_status() {
        let mut a = approval(vec![rule(1, &[1, 2], 0, None)]);
        let auid = auid(&a, 1, 0);
        let h = Handling { uid: 2, auid, step: 0, decision: 1, note: "", now: 1 };
        assert_eq!(a.handle(&h), Err(ApiError::Forbidden));
        let h = Handling { uid: 1, auid, step: 0, decision: 3, note: "", now: 1 };
        assert_eq!(a.handle(&h), Err(ApiError::param("status")));
        let h = Handling { uid: 1, auid: 99, step: 0, decision: 1, note: "", now: 1 };
        assert_eq!(a.handle(&h), Err(ApiError::param("auid")));
    }

    #[test]
    fn request_validation() {
        let ok = r#"{"tid":5,"fileId":"7","step":[{"type":4,"ids":["1",3],"selectId":3}],"copyto":null}"#;
        let req = parse_request(ok).unwrap();
        assert_eq!((req.tid, req.file_id, req.copyto.len()), (5, 7, 0));
        assert_eq!(req.steps[0].ids, vec![1, 3]);
        let no_select = r#"{"tid":5,"fileId":7,"step":[{"type":4,"ids":[1]}]}"#;
        assert_eq!(parse_request(no_select).unwrap_err(), ApiError::param("step.selectId"));
        let no_steps = r#"{"tid":5,"fileId":7,"step":[]}"#;
        assert_eq!(parse_request(no_steps).unwrap_err(), ApiError::param("step"));
        let bad_num = r#"{"tid":5,"fileId":7,"step":[{"type":3,"ids":[1,2],"approvalNum":2}]}"#;
        assert_eq!(parse_request(bad_num).unwrap_err(), ApiError::param("step.approvalNum"));
        assert_eq!(parse_request("{not json").unwrap_err(), ApiError::param("json"));
        assert_eq!(parse_request(r#"{"fileId":7}"#).unwrap_err(), ApiError::param("tid"));
    }
}
