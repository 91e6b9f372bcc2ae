//! A deterministic, realistic drive: Chinese users, departments with folders and files,
//! templates for every approval type with multi-step flows mixing all four rules, attachments
//! with real bytes, and approvals in every state over the last ~90 days.
//!
//! Approvals are created and handled through the same code the HTTP endpoints use
//! (`State::create_approval`, `State::handle_step`), so the seed can only hold states the
//! server itself could reach. The demo user (uid 3, `test02` / 测试2) gets a fixed block of
//! approvals first: todo, submitted, processed and cc items, interleaved so that even a small
//! `approvals` count gives each box something.

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use super::state::{request_from_value, Handling, State, User, APPROVED, FAILED, PENDING};

/// The demo account's uid.
pub const DEMO_UID: i64 = 3;
/// The super admin's uid.
pub const ADMIN_UID: i64 = 1;

const DAY: i64 = 86_400;

/// (username, realname); uid = position + 1.
const USERS: &[(&str, &str)] = &[
    ("admin", "系统管理员"),
    ("test01", "测试1"),
    ("test02", "测试2"),
    ("test03", "测试3"),
    ("zhangwei", "张伟"),
    ("wangfang", "王芳"),
    ("lina", "李娜"),
    ("liuyang", "刘洋"),
    ("chenjing", "陈静"),
    ("yangguang", "杨光"),
    ("zhaomin", "赵敏"),
    ("huanglei", "黄磊"),
];

/// Department folders under 公司文件, their sub-folders and typical files.
const DEPARTMENTS: &[(&str, &[&str], &[&str])] = &[
    (
        "示例-按项目",
        &["质量控制", "项目A-智慧园区", "项目B-供应链平台"],
        &["项目计划书.docx", "里程碑进度表.xlsx", "验收报告.pdf", "风险登记册.xlsx", "周报汇总.docx"],
    ),
    (
        "财务部",
        &["2024年度报表", "报销单据", "预算管理"],
        &["第三季度财务报表.xlsx", "差旅报销汇总.xlsx", "年度预算草案.docx", "审计意见书.pdf", "发票清单.csv"],
    ),
    (
        "人事行政",
        &["制度文件", "招聘资料", "培训资料"],
        &["员工手册.docx", "考勤管理办法.pdf", "岗位说明书.docx", "新员工入职流程.pptx", "薪酬制度.pdf"],
    ),
    (
        "市场部",
        &["宣传物料", "客户资料", "活动策划"],
        &["品牌VI规范.pdf", "产品宣传册.pdf", "客户拜访记录.xlsx", "展会方案.pptx", "竞品分析.docx"],
    ),
    (
        "研发中心",
        &["产品设计", "技术文档", "测试报告"],
        &["需求规格说明书V2.3.docx", "系统架构设计.pdf", "接口文档.md", "测试用例.xlsx", "发布说明.txt"],
    ),
    (
        "法务合规",
        &["合同归档", "合同模板"],
        &["采购合同模板.docx", "保密协议.pdf", "框架合作协议.docx", "授权委托书.pdf"],
    ),
];

/// A template to seed: (type, title, desc, department index or None for 公司文件, mType,
/// steps as (name, rule, approvalNum, uids), cc uids).
type TempletSpec = (i64, &'static str, &'static str, Option<usize>, i64, &'static [StepSpec], &'static [i64]);
type StepSpec = (&'static str, i64, i64, &'static [i64]);

const TEMPLETS: &[TempletSpec] = &[
    (2, "上传审批", "上传审批", None, 1, &[("初审", 2, 0, &[3, 2]), ("终审", 2, 0, &[1])], &[4]),
    (4, "申请修改", "请说明修改内容", None, 2, &[("部门审批", 4, 0, &[5, 3, 6]), ("终审", 1, 0, &[1, 7])], &[4]),
    (3, "申请预览权限", "请说明预览用途", None, 0, &[("审批", 2, 0, &[1, 3])], &[]),
    (
        5,
        "申请下载权限",
        "请说明下载用途及期限",
        Some(1),
        0,
        &[("会签", 3, 1, &[8, 9, 3, 10]), ("财务总监", 4, 0, &[11, 12])],
        &[3],
    ),
    (6, "申请编辑权限", "请说明编辑范围", Some(4), 0, &[("技术负责人", 1, 0, &[5, 3]), ("终审", 2, 0, &[1])], &[2, 7]),
    (7, "删除文件审批", "请说明删除原因", Some(2), 2, &[("主管审批", 2, 0, &[6, 7]), ("行政确认", 1, 0, &[9])], &[3]),
    (8, "新建文件夹", "请说明新建文件夹用途", Some(3), 1, &[("审批", 2, 0, &[10, 3, 1])], &[8]),
    (
        2,
        "合同上传审批",
        "请上传合同扫描件",
        Some(5),
        1,
        &[("法务初审", 3, 0, &[12, 11, 3]), ("法务终审", 4, 0, &[1, 12])],
        &[5],
    ),
    (3, "申请预览权限", "请说明预览用途", Some(3), 0, &[("市场部审批", 1, 0, &[8, 10])], &[]),
    (4, "修改审批", "请说明修改内容", Some(1), 2, &[("财务审核", 2, 0, &[9, 11]), ("终审", 1, 0, &[1])], &[2, 4]),
    (2, "上传审批", "上传审批", Some(4), 1, &[("组长审批", 2, 0, &[5, 2]), ("评审", 3, 1, &[1, 3, 7])], &[4]),
    (1, "通用审批", "请说明事项", Some(0), 0, &[("指定审批", 4, 0, &[3, 4, 2])], &[6]),
];

/// What a seeded approval should end as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Pending after at most this many decisions.
    Pending(usize),
    Approved,
    /// Refused at this step (or the last one).
    Rejected(usize),
    Failed,
}

/// The demo user's role in a crafted approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DemoRole {
    /// Waiting for the demo user now.
    Todo,
    /// The demo user decided (agree or refuse), others may have gone on.
    Processed(i64),
    Submitted(Outcome),
    Cc(Outcome),
}

/// The demo block: (template index, role), interleaved so small seeds cover every box.
const DEMO_BLOCK: &[(usize, DemoRole)] = &[
    (0, DemoRole::Todo),
    (8, DemoRole::Submitted(Outcome::Pending(0))),
    (0, DemoRole::Processed(1)),
    (5, DemoRole::Cc(Outcome::Approved)),
    (1, DemoRole::Todo),
    (9, DemoRole::Submitted(Outcome::Approved)),
    (4, DemoRole::Processed(1)),
    (5, DemoRole::Cc(Outcome::Pending(1))),
    (3, DemoRole::Todo),
    (5, DemoRole::Submitted(Outcome::Rejected(1))),
    (6, DemoRole::Processed(2)),
    (5, DemoRole::Cc(Outcome::Rejected(0))),
    (4, DemoRole::Todo),
    (8, DemoRole::Submitted(Outcome::Failed)),
    (10, DemoRole::Processed(1)),
    (5, DemoRole::Cc(Outcome::Approved)),
    (7, DemoRole::Todo),
    (9, DemoRole::Submitted(Outcome::Pending(1))),
    (2, DemoRole::Processed(2)),
    (5, DemoRole::Cc(Outcome::Pending(0))),
    (10, DemoRole::Todo),
    (5, DemoRole::Submitted(Outcome::Approved)),
    (7, DemoRole::Processed(1)),
    (11, DemoRole::Todo),
    (6, DemoRole::Todo),
];

const AGREE_NOTES: &[&str] = &["同意", "同意,请按流程执行", "已核实,同意", "可以", "没问题,通过", "同意,注意保密"];
const REFUSE_NOTES: &[&str] =
    &["不同意,请补充说明", "内容有误,请修改后重新提交", "权限范围过大", "请先与部门负责人确认"];
const CREATOR_NOTES: &[&str] = &[
    "请批准!",
    "修改了部分内容",
    "项目需要,请审批",
    "客户要求更新资料",
    "季度汇报需要使用",
    "请尽快处理,谢谢",
    "按会议决定提交",
    "",
];
const DOC_NAMES: &[&str] =
    &["会议纪要", "需求变更说明", "测试报告", "设计说明", "客户反馈汇总", "合同补充条款", "培训资料", "周报"];

/// A tiny valid PNG (1×1), so image attachments are real images.
const PNG_1X1: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0D, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0, 0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D,
    0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// Builds the drive with `approvals` approvals, times relative to now.
pub fn generate(seed: u64, approvals: usize) -> State {
    generate_at(seed, approvals, crate::common::now_secs())
}

/// Builds the drive as it would be at `now` (fully deterministic for a given seed and `now`).
pub fn generate_at(seed: u64, approvals: usize, now: i64) -> State {
    let mut g = Gen { rng: StdRng::seed_from_u64(seed), state: State::empty(seed), now, templets: Vec::new() };
    g.users();
    let start = now - 120 * DAY;
    let departments = g.drive();
    g.templets_from_specs(&departments, start);
    g.approvals(approvals);
    g.state
}

/// A seeded template and the files it can be started on.
struct SeededTemplet {
    id: i64,
    spec: &'static TempletSpec,
    targets: Vec<i64>,
}

struct Gen {
    rng: StdRng,
    state: State,
    now: i64,
    templets: Vec<SeededTemplet>,
}

impl Gen {
    fn users(&mut self) {
        for (i, (username, realname)) in USERS.iter().enumerate() {
            let token: String = (0..2).map(|_| format!("{:016x}", self.rng.random::<u64>())).collect();
            let uid = i as i64 + 1;
            let user = User {
                uid,
                username: username.to_string(),
                realname: realname.to_string(),
                token,
                super_admin: uid == ADMIN_UID,
            };
            self.state.add_user(user);
        }
        self.state.demo_uid = DEMO_UID;
    }

    /// 公司文件 with the departments; answers the department folder ids (root last).
    fn drive(&mut self) -> Vec<i64> {
        let root = self.state.add_file(0, "公司文件", None, ADMIN_UID, 0);
        let mut departments = Vec::new();
        for (name, subs, files) in DEPARTMENTS {
            let dept = self.state.add_file(root, name, None, ADMIN_UID, 0);
            departments.push(dept);
            for sub in *subs {
                let folder = self.state.add_file(dept, sub, None, ADMIN_UID, 0);
                self.fill_folder(folder, files);
            }
        }
        self.lock_some_files();
        departments.push(root);
        departments
    }

    /// A few of the department's files, with text content, in a folder.
    fn fill_folder(&mut self, folder: i64, names: &[&str]) {
        let count = self.rng.random_range(2..=names.len());
        for name in names.choose_multiple(&mut self.rng, count) {
            let creator = self.rng.random_range(2..=USERS.len() as i64);
            let data = text_content(name, &mut self.rng);
            self.state.add_file(folder, name, Some(data), creator, 0);
        }
    }

    /// Locks two drive files, so some modifications fail naturally (处理失败).
    fn lock_some_files(&mut self) {
        let mut ids: Vec<i64> = self.state.files.values().filter(|f| !f.is_folder).map(|f| f.id).collect();
        ids.sort_unstable();
        for id in ids.choose_multiple(&mut self.rng, 2).copied().collect::<Vec<_>>() {
            let user = self.rng.random_range(5..=USERS.len() as i64);
            if let Some(f) = self.state.files.get_mut(&id) {
                (f.lock_status, f.lock_user) = (1, user);
            }
        }
    }

    fn templets_from_specs(&mut self, departments: &[i64], created: i64) {
        let root = *departments.last().expect("root folder");
        for spec in TEMPLETS {
            let folder = spec.3.map_or(root, |d| departments[d]);
            let content = templet_content(&self.state, spec);
            let id = self.state.add_templet(folder, spec.4, spec.1, content, ADMIN_UID, created);
            let targets = self.targets(folder, spec.4);
            self.templets.push(SeededTemplet { id, spec, targets });
        }
    }

    /// Drive files below `folder` (itself included) that a template of `m_type` applies to.
    fn targets(&self, folder: i64, m_type: i64) -> Vec<i64> {
        let mut out = Vec::new();
        let mut todo = vec![folder];
        while let Some(id) = todo.pop() {
            let f = &self.state.files[&id];
            if m_type == 0 || (m_type == 1) == f.is_folder {
                out.push(id);
            }
            todo.extend_from_slice(self.state.children_of(id));
        }
        out.sort_unstable();
        out
    }

    /// The demo block first (as far as it goes), then random approvals, all created in time order.
    fn approvals(&mut self, count: usize) {
        let mut plans: Vec<(i64, Plan)> = Vec::with_capacity(count);
        for (i, (t, role)) in DEMO_BLOCK.iter().take(count).enumerate() {
            // Todo items are recent; the rest spread over the period.
            let age = if *role == DemoRole::Todo { self.rng.random_range(DAY / 2..6 * DAY) } else { self.age() };
            plans.push((self.now - age - i as i64, Plan::Demo(*t, *role)));
        }
        for _ in plans.len()..count {
            let age = self.age();
            plans.push((self.now - age, Plan::Random));
        }
        plans.sort_by_key(|(t, _)| *t);
        for (createtime, plan) in plans {
            match plan {
                Plan::Demo(t, role) => self.demo_approval(t, role, createtime),
                Plan::Random => self.random_approval(createtime),
            }
        }
    }

    /// Seconds ago an approval was created: up to 90 days, more of them recent.
    fn age(&mut self) -> i64 {
        let x: f64 = self.rng.random();
        (x * x * 90.0 * DAY as f64) as i64 + 600
    }

    fn demo_approval(&mut self, t: usize, role: DemoRole, createtime: i64) {
        let demo = DEMO_UID;
        let creator = match role {
            DemoRole::Submitted(_) => demo,
            _ => self.creator_for(t, Some(demo)),
        };
        let select = if role == DemoRole::Todo { Some(demo) } else { None };
        let Some(aid) = self.create(t, creator, createtime, select) else { return };
        let mut clock = Clock::new(createtime, self.now);
        match role {
            DemoRole::Todo => self.advance_to(aid, demo, &mut clock, true),
            DemoRole::Processed(decision) => {
                self.advance_to(aid, demo, &mut clock, false);
                let _ = self.act_as(aid, demo, decision, &mut clock);
                let rest = if self.rng.random_bool(0.5) { Outcome::Approved } else { Outcome::Pending(1) };
                self.drive_to(aid, rest, Some(demo), &mut clock);
            }
            DemoRole::Submitted(outcome) | DemoRole::Cc(outcome) => self.drive_to(aid, outcome, Some(demo), &mut clock),
        }
    }

    fn random_approval(&mut self, createtime: i64) {
        let t = self.random_templet();
        let creator = self.creator_for(t, None);
        let Some(aid) = self.create(t, creator, createtime, None) else { return };
        let mut clock = Clock::new(createtime, self.now);
        let recent = self.now - createtime < 7 * DAY;
        let roll: f64 = self.rng.random();
        let steps = self.templets[t].spec.5.len();
        let outcome = match roll {
            r if r < if recent { 0.55 } else { 0.12 } => Outcome::Pending(self.rng.random_range(0..3)),
            r if r < 0.75 => Outcome::Approved,
            r if r < 0.93 => Outcome::Rejected(self.rng.random_range(0..steps)),
            _ => Outcome::Failed,
        };
        self.drive_to(aid, outcome, None, &mut clock);
        // The demo user's todo box is the crafted block only: a random approval waiting for
        // them is handled by them instead (it lands in "processed").
        while self.state.approvals[&aid].actionable_row(DEMO_UID).is_some() {
            let decision = if self.rng.random_bool(0.85) { 1 } else { 2 };
            if self.act_as(aid, DEMO_UID, decision, &mut clock).is_err() {
                break;
            }
        }
    }

    /// A template for a random approval. The demo user approves in most templates, so the
    /// others are weighted up to keep the demo user's share of approvals near half.
    fn random_templet(&mut self) -> usize {
        let weight = |spec: &TempletSpec| if spec.5.iter().any(|s| s.3.contains(&DEMO_UID)) { 1 } else { 2 };
        let total: u32 = self.templets.iter().map(|t| weight(t.spec)).sum();
        let mut pick = self.rng.random_range(0..total);
        for (i, t) in self.templets.iter().enumerate() {
            let w = weight(t.spec);
            if pick < w {
                return i;
            }
            pick -= w;
        }
        0
    }

    /// A creator who is not an approver of template `t` (nor `avoid`); rarely the admin.
    fn creator_for(&mut self, t: usize, avoid: Option<i64>) -> i64 {
        let spec = self.templets[t].spec;
        let approvers: Vec<i64> = spec.5.iter().flat_map(|s| s.3.iter().copied()).collect();
        let candidates: Vec<i64> =
            (2..=USERS.len() as i64).filter(|u| !approvers.contains(u) && Some(*u) != avoid).collect();
        *candidates.choose(&mut self.rng).unwrap_or(&ADMIN_UID)
    }

    /// Starts an approval on template `t` through `State::create_approval`.
    fn create(&mut self, t: usize, creator: i64, createtime: i64, select: Option<i64>) -> Option<i64> {
        let seeded = &self.templets[t];
        let (tid, spec) = (seeded.id, seeded.spec);
        let file_id = *seeded.targets.choose(&mut self.rng)?;
        let attachment_id = self.attachment_for(spec.0, file_id, creator, createtime);
        let json = self.request_json(tid, spec, file_id, attachment_id, select);
        let created =
            request_from_value(json).and_then(|req| self.state.create_approval_from(creator, req, createtime));
        match created {
            Ok(id) => Some(id),
            Err(err) => {
                tracing::warn!(%err, "seed approval refused");
                None
            }
        }
    }

    /// The `create-approval` json, as a client would build it from the template.
    fn request_json(&mut self, tid: i64, spec: &TempletSpec, file_id: i64, att: i64, select: Option<i64>) -> Value {
        let steps: Vec<Value> = spec.5.iter().map(|s| self.step_json(s, select)).collect();
        let kind = self.state.types.iter().find(|k| k.id == spec.0).map_or(0, |k| k.extra);
        let (approver_auth, cc_auth) = auth_of(spec.0);
        let mut v = json!({
            "approverAuth": approver_auth,
            "attachmentId": att,
            "ccAuth": cc_auth,
            "copyto": if spec.6.is_empty() { Value::Null } else { json!(spec.6) },
            "creatorNote": *CREATOR_NOTES.choose(&mut self.rng).unwrap_or(&""),
            "desc": spec.2,
            "fileId": file_id,
            "fullPath": self.state.path_of(file_id),
            "mark": false,
            "step": steps,
            "taskType": spec.0.to_string(),
            "tid": tid,
            "title": spec.1,
        });
        if kind == 1 {
            v["tempAuthDay"] = json!(*[1, 3, 7, 15, 30].choose(&mut self.rng).unwrap_or(&7));
        }
        v
    }

    fn step_json(&mut self, s: &StepSpec, select: Option<i64>) -> Value {
        let (name, rule, approval_num, ids) = *s;
        let mut step = json!({
            "approvalNum": approval_num,
            "ids": ids,
            "name": name,
            "realnames": ids.iter().map(|u| USERS[*u as usize - 1].1).collect::<Vec<_>>(),
            "type": rule,
            "usernames": ids.iter().map(|u| USERS[*u as usize - 1].0).collect::<Vec<_>>(),
        });
        if rule == 4 {
            let chosen = select.filter(|u| ids.contains(u)).or_else(|| ids.choose(&mut self.rng).copied());
            step["selectId"] = json!(chosen);
        }
        step
    }

    /// Uploads the attachment an upload (2) or modification (4) needs; 0 for other types.
    fn attachment_for(&mut self, task: i64, file_id: i64, owner: i64, when: i64) -> i64 {
        match task {
            2 if self.rng.random_bool(0.4) => self.multi_attachment(owner, when),
            2 => {
                let base = *DOC_NAMES.choose(&mut self.rng).unwrap_or(&"资料");
                let name = dated_name(base, ".txt", when, &mut self.rng);
                let data = text_content(&name, &mut self.rng);
                self.state.upload_single(owner, &name, data)
            }
            4 => {
                let name = self.state.files[&file_id].name.clone();
                let data = text_content(&format!("{name}(修订版)"), &mut self.rng);
                self.state.upload_single(owner, &name, data)
            }
            _ => 0,
        }
    }

    /// A multi-file attachment: a dated folder with documents and images in sub-folders.
    fn multi_attachment(&mut self, owner: i64, when: i64) -> i64 {
        let top = dated_name("提交材料", "", when, &mut self.rng);
        let folders = [top.clone(), format!("{top}/文档"), format!("{top}/图片资料"), format!("{top}/图片资料/素材")];
        let Ok((root, uuid)) = self.state.create_multi(owner, &folders) else { return 0 };
        let count = self.rng.random_range(2..=5);
        for i in 0..count {
            let (rpath, name, data) = match i % 3 {
                0 => (format!("{top}|文档"), format!("{}.txt", DOC_NAMES[i % DOC_NAMES.len()]), None),
                1 => (format!("{top}|图片资料|素材"), format!("logo{i}.png"), Some(PNG_1X1.to_vec())),
                _ => (top.clone(), format!("说明{i}.md"), None),
            };
            let data = data.unwrap_or_else(|| text_content(&name, &mut self.rng));
            let up = super::files::MultiUpload { owner, uuid: &uuid, rootid: root, rpath: Some(&rpath), name: &name };
            let _ = self.state.upload_multi(up, data);
        }
        root
    }

    /// Others decide until `uid` can act. With `keep_waiting`, a decision that would decide the
    /// step without `uid` is skipped, so `uid` is left waiting (todo).
    fn advance_to(&mut self, aid: i64, uid: i64, clock: &mut Clock, keep_waiting: bool) {
        for _ in 0..32 {
            let a = &self.state.approvals[&aid];
            if a.status != PENDING {
                return;
            }
            let others: Vec<i64> = actionable(a).into_iter().filter(|u| *u != uid).collect();
            let waiting = a.actionable_row(uid).is_some();
            let Some(&other) = others.choose(&mut self.rng) else { return };
            if waiting && (self.rng.random_bool(0.5) || !keep_waiting) {
                return;
            }
            if waiting && !self.still_waiting_after(aid, other, uid) {
                return;
            }
            if self.act_as(aid, other, 1, clock).is_err() {
                return;
            }
        }
    }

    /// Whether `uid` could still act after `other` agreed (tried on a copy).
    fn still_waiting_after(&self, aid: i64, other: i64, uid: i64) -> bool {
        let mut copy = self.state.approvals[&aid].clone();
        let Some(row) = copy.actionable_row(other).cloned() else { return false };
        let h = Handling { uid: other, auid: row.id, step: row.step, decision: 1, note: "", now: 0 };
        copy.handle(&h).is_ok() && copy.actionable_row(uid).is_some()
    }

    /// Decisions until the approval reaches `outcome`; `skip` never acts.
    fn drive_to(&mut self, aid: i64, outcome: Outcome, skip: Option<i64>, clock: &mut Clock) {
        let mut acts = 0;
        loop {
            let a = &self.state.approvals[&aid];
            let Some(step) = a.current_step() else { break };
            if let Outcome::Pending(max) = outcome {
                if acts >= max || self.rng.random_bool(0.3) {
                    break;
                }
            }
            let who: Vec<i64> = actionable(a).into_iter().filter(|u| Some(*u) != skip).collect();
            let Some(&uid) = who.choose(&mut self.rng) else { break };
            let refuse_at = match outcome {
                Outcome::Rejected(k) => k.min(a.steps.len() - 1),
                _ => usize::MAX,
            };
            let decision = if step >= refuse_at { 2 } else { 1 };
            if self.act_as(aid, uid, decision, clock).is_err() {
                break;
            }
            acts += 1;
        }
        if outcome == Outcome::Failed {
            self.mark_failed(aid);
        }
    }

    /// An approved approval whose result could not be applied (if it is not failed already).
    fn mark_failed(&mut self, aid: i64) {
        let Some(a) = self.state.approvals.get_mut(&aid) else { return };
        if a.status == APPROVED {
            a.status = FAILED;
            a.errmsg = failure_message(a.task_type).to_string();
        }
    }

    /// `uid` decides on their actionable row, at the next moment of `clock`.
    fn act_as(&mut self, aid: i64, uid: i64, decision: i64, clock: &mut Clock) -> Result<(), ()> {
        let a = &self.state.approvals[&aid];
        let row = a.actionable_row(uid).ok_or(())?;
        let (auid, step) = (row.id, row.step);
        let notes = if decision == 1 { AGREE_NOTES } else { REFUSE_NOTES };
        let note = *notes.choose(&mut self.rng).unwrap_or(&"");
        let now = clock.tick(&mut self.rng);
        let h = Handling { uid, auid, step, decision, note, now };
        self.state.handle_step(aid, &h).map_err(|_| ())
    }
}

/// Which kind of approval a planned slot becomes.
#[derive(Debug, Clone, Copy)]
enum Plan {
    Demo(usize, DemoRole),
    Random,
}

/// Handling times: after the creation, increasing, never in the future.
struct Clock {
    t: i64,
    now: i64,
}

impl Clock {
    fn new(createtime: i64, now: i64) -> Self {
        Clock { t: createtime, now }
    }

    fn tick(&mut self, rng: &mut StdRng) -> i64 {
        let room = (self.now - 60 - self.t).max(1);
        let step = rng.random_range(300..=2 * DAY).min(room / 2).max(1);
        self.t += step;
        self.t
    }
}

/// Uids that can act on the approval now.
fn actionable(a: &super::state::Approval) -> Vec<i64> {
    let mut uids = a.approver_uids();
    uids.retain(|u| a.actionable_row(*u).is_some());
    uids
}

/// (approverAuth, ccAuth) per type: preview for permission requests, download for uploads.
fn auth_of(task: i64) -> (i64, i64) {
    match task {
        2 | 4 => (2, 1),
        3 | 5 | 6 => (1, 0),
        _ => (0, 0),
    }
}

fn failure_message(task: i64) -> &'static str {
    match task {
        2 => "目标文件夹中已存在同名文件",
        4 => "文件已被其他用户锁定",
        3 | 5 | 6 => "权限设置失败,请联系管理员",
        7 => "文件正在被使用,无法删除",
        8 => "文件夹名称已存在",
        _ => "处理超时",
    }
}

/// The template `content` object (ids as strings, as in the document's example).
fn templet_content(state: &State, spec: &TempletSpec) -> Value {
    let (task, title, desc, _, _, steps, cc) = *spec;
    let (approver_auth, cc_auth) = auth_of(task);
    let steps: Vec<Value> = steps
        .iter()
        .map(|(name, rule, num, ids)| {
            let user = |u: &i64| state.users.get(u);
            json!({
                "approvalNum": num,
                "ids": ids.iter().map(|u| u.to_string()).collect::<Vec<_>>(),
                "name": name,
                "realnames": ids.iter().filter_map(user).map(|u| u.realname.clone()).collect::<Vec<_>>(),
                "type": rule,
                "usernames": ids.iter().filter_map(user).map(|u| u.username.clone()).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "approvalType": task.to_string(),
        "approverAuth": approver_auth,
        "ccAuth": cc_auth,
        "desc": desc,
        "destFolderId": 0,
        "mark": false,
        "step": steps,
        "title": title,
        "uids": cc,
    })
}

/// `会议纪要-0915-42.txt`-style names: the date of `when`, plus a number to keep them apart.
fn dated_name(base: &str, ext: &str, when: i64, rng: &mut StdRng) -> String {
    let (_, month, day) = civil_from_days(when.div_euclid(DAY));
    format!("{base}-{month:02}{day:02}-{}{ext}", rng.random_range(10..100))
}

/// (year, month, day) of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// A few lines of plausible Chinese text for a document called `name`.
fn text_content(name: &str, rng: &mut StdRng) -> Vec<u8> {
    const LINES: &[&str] = &[
        "一、背景说明:根据公司年度工作计划,现将相关情况汇报如下。",
        "二、主要内容:本次调整涉及流程优化、人员分工与时间安排。",
        "三、进度安排:预计两周内完成,每周五同步进展。",
        "四、风险提示:部分数据尚待财务部确认。",
        "五、附件:详见共享文件夹中的相关材料。",
        "备注:本文件仅限内部使用,请勿外传。",
    ];
    let mut text = format!("{name}\n\n");
    let count = rng.random_range(2..=LINES.len());
    for line in LINES.choose_multiple(rng, count) {
        text.push_str(line);
        text.push('\n');
    }
    text.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_735_000_000;

    fn boxes(s: &State, uid: i64) -> (usize, usize, usize, usize) {
        let todo = s.todo_ids(uid).len();
        let submitted = s.created_by(uid).len();
        let processed = s
            .approver_of(uid)
            .iter()
            .filter(|a| a.rows.iter().any(|r| r.uid == uid && r.utype == 1 && r.status2 != 0))
            .count();
        let cc = s.cc_of(uid).len();
        (todo, submitted, processed, cc)
    }

    #[test]
    fn deterministic() {
        let a = generate_at(7, 300, NOW);
        let b = generate_at(7, 300, NOW);
        assert_eq!(a.users[&DEMO_UID].token, b.users[&DEMO_UID].token);
        let sa: Vec<_> = a.approvals.values().map(|x| (x.status, x.content.clone(), x.createtime)).collect();
        let sb: Vec<_> = b.approvals.values().map(|x| (x.status, x.content.clone(), x.createtime)).collect();
        assert_eq!(sa, sb);
    }

    #[test]
    fn every_count_is_honoured_and_every_state_present() {
        let s = generate_at(1, 200, NOW);
        assert_eq!(s.approvals.len(), 200);
        for status in 0..=3 {
            assert!(s.approvals.values().any(|a| a.status == status), "status {status}");
        }
        for rule in 1..=4 {
            assert!(s.approvals.values().any(|a| a.steps.iter().any(|st| st.rule == rule)), "rule {rule}");
        }
        assert!(s.approvals.values().all(|a| a.createtime > NOW - 91 * DAY && a.createtime < NOW));
        assert!(s.approvals.values().all(|a| a.rows.iter().all(|r| r.handletime <= NOW)));
        assert!(s.attachments.values().any(|a| a.atype == 1) && s.attachments.values().any(|a| a.atype == 0));
        assert_eq!(generate_at(1, 3, NOW).approvals.len(), 3);
        assert_eq!(generate_at(1, 0, NOW).approvals.len(), 0);
    }

    #[test]
    fn demo_user_has_every_box() {
        let s = generate_at(1, 200, NOW);
        let (todo, submitted, processed, cc) = boxes(&s, DEMO_UID);
        eprintln!("demo boxes with 200 approvals: todo {todo}, submitted {submitted}, processed {processed}, cc {cc}");
        assert_eq!(todo, 8, "the crafted todo block");
        assert!(submitted >= 6 && processed >= 6 && cc >= 5, "{submitted} {processed} {cc}");
        // Todo covers all four rules, including a designated (rule 4) one.
        let rules: Vec<i64> = s
            .todo_ids(DEMO_UID)
            .iter()
            .map(|id| {
                let a = &s.approvals[id];
                a.steps[a.current_step().unwrap()].rule
            })
            .collect();
        for rule in 1..=4 {
            assert!(rules.contains(&rule), "todo rules {rules:?}");
        }
        let small = generate_at(1, 8, NOW);
        let (t, su, p, c) = boxes(&small, DEMO_UID);
        assert!(t >= 2 && su >= 2 && p >= 2 && c >= 2, "{t} {su} {p} {c}");
    }

    #[test]
    fn ten_thousand_are_seeded_with_todos_for_the_demo_user() {
        // How fast is the benches' business (BENCHMARKS.md); a test asserts no time.
        let s = generate_at(3, 10_000, NOW);
        assert_eq!(s.approvals.len(), 10_000);
        assert!(!s.todo_ids(DEMO_UID).is_empty(), "the demo user has todos among 10k");
    }

    #[test]
    fn dates_are_civil() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
    }
}
