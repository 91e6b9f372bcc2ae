//! The simulated company: employees, the app's credentials, issued tokens, 协同审批 approvals,
//! CRM approval-flow instances with their state machine, media files, and the per-endpoint
//! call log behind the rate limit. A record of a wild tenant (`wild.rs`) also says how its
//! replies differ from the documented shape ([`Oddities`], [`CrmShape`]).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::error::ApiError;

/// Token lifetime the platform gives (`expiresIn`).
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(7200);
/// The platform's limit: about 60 calls per 20 s per endpoint.
pub const RATE_WINDOW: Duration = Duration::from_secs(20);
pub const RATE_LIMIT: usize = 60;

/// A person of the company, with what `user/get` and `user/simpleList` publish of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Employee {
    pub open_user_id: String,
    /// 员工姓名.
    pub name: String,
    /// 员工昵称.
    pub nick_name: String,
    pub mobile: String,
    /// The department the person sits in (every one under the company's root, 999999).
    pub department_id: i64,
    /// 停用: someone who left. `user/get` still answers for them; `user/simpleList` does not
    /// list them (our choice 17).
    pub is_stop: bool,
}

/// How a wild record's reply differs from the documented shape: JSON pointers (into the
/// record's reply object) set to `null`, and ones left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Oddities {
    pub nulls: Vec<&'static str>,
    pub absent: Vec<&'static str>,
}

/// How `approvalInstance/get` shows a CRM instance (none of it is published).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CrmShape {
    /// The list row's fields, as the client's docs choose (docs/fxiaoke-protocol.md, choice 3).
    #[default]
    AsListed,
    /// The vendor's APL names: `objectId`, `entityId`, `apiName`, `applicantId`, `taskName`,
    /// `completePersons`; no `instanceName`.
    Apl,
    /// `instance` as JSON text (the platform's table types it String).
    InstanceAsText,
    /// `instanceDetail: null`: a record nobody can read.
    NoDetail,
}

/// An attachment (`{id, type, name}`) whose bytes `media/download` serves.
#[derive(Debug, Clone)]
pub struct Media {
    pub id: String,
    pub kind: i64,
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A node of a 协同审批 approval.
#[derive(Debug, Clone)]
pub struct OldTask {
    pub task_id: String,
    pub kind: &'static str,
    pub state: &'static str,
    pub sequence: u32,
    /// (openUserId, state)
    pub members: Vec<(String, &'static str)>,
    /// (openUserId, content)
    pub comments: Vec<(String, String)>,
}

/// A 协同审批 approval as `approval/get` shows it.
#[derive(Debug, Clone)]
pub struct OldApproval {
    pub id: i64,
    pub approve_type: i64,
    pub form_id: String,
    pub form_name: String,
    pub flow_type: i64,
    pub feed_content: String,
    /// Unix seconds.
    pub create_time: i64,
    pub last_update_time: i64,
    pub sender: String,
    /// 1 待审批, 2 同意, 3 不同意, 4 已取消, 5 错误.
    pub status: i64,
    pub tasks: Vec<OldTask>,
    pub form_record: Option<Value>,
    pub tables: Vec<String>,
    pub attachments: Vec<String>,
    /// (id, type)
    pub crm_objects: Vec<(String, i64)>,
    pub visible_department_ids: Vec<i64>,
    /// How its `approval/get` reply differs from the document's (a wild tenant's record).
    pub oddities: Oddities,
}

impl OldApproval {
    pub fn current_task(&self) -> Option<&OldTask> {
        self.tasks.iter().find(|t| t.state == "in_progress")
    }

    /// Someone changes the approver of the current step to `user` in fxiaoke's own console
    /// (the API has no action call); the document counts this as an update
    /// (`feed.lastUpdateTime`: "包括…更换审批人操作").
    pub fn change_approver(&mut self, user: &str, now_secs: i64) {
        let Some(task) = self.tasks.iter_mut().find(|t| t.state == "in_progress") else { return };
        task.members.retain(|(_, st)| *st != "in_progress");
        task.members.push((user.to_string(), "in_progress"));
        self.last_update_time = now_secs;
    }
}

#[derive(Debug, Clone)]
pub struct Opinion {
    pub open_user_id: String,
    pub action_type: &'static str,
    pub opinion: String,
    pub reply_time: i64,
}

#[derive(Debug, Clone)]
pub struct CrmTask {
    pub id: String,
    pub kind: &'static str,
    pub state: &'static str,
    pub create_time: i64,
    pub modify_time: i64,
    pub end_time: Option<i64>,
    pub opinions: Vec<Opinion>,
    pub un_complete: Vec<String>,
    pub complete: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct CrmInstance {
    pub instance_id: String,
    pub instance_name: String,
    pub data_id: String,
    pub trigger_type: &'static str,
    pub state: &'static str,
    /// Milliseconds.
    pub create_time: i64,
    pub last_modify_time: i64,
    pub end_time: Option<i64>,
    pub cancel_time: Option<i64>,
    pub flow_api_name: String,
    pub object_api_name: String,
    pub applicant: String,
    pub tasks: Vec<CrmTask>,
    /// How its detail is shown, and what its list row and detail leave `null` or out.
    pub shape: CrmShape,
    /// Pointers into the instance object (list row and detail alike).
    pub row_oddities: Oddities,
    /// Pointers into `instanceDetail`.
    pub detail_oddities: Oddities,
}

impl CrmInstance {
    /// The task `user` may decide now.
    pub fn task_for(&self, user: &str) -> Option<&CrmTask> {
        if self.state != "in_progress" {
            return None;
        }
        self.tasks.iter().find(|t| t.state == "in_progress" && t.un_complete.iter().any(|p| p == user))
    }

    /// Applies a decision on task `task` by `user` and moves the flow on: a rejection ends the
    /// instance; an agreement completes the task (all_pass: when everyone agreed) and starts
    /// the next one, or passes the instance after the last.
    pub fn decide(&mut self, task: usize, user: &str, agree: bool, opinion: &str, now_ms: i64) -> Result<(), ApiError> {
        let t = self.tasks.get_mut(task).ok_or_else(|| ApiError::illegal("taskId"))?;
        if t.state != "in_progress" || !t.un_complete.iter().any(|p| p == user) {
            return Err(ApiError::NotAllowed);
        }
        t.un_complete.retain(|p| p != user);
        t.complete.push(user.to_string());
        t.opinions.push(Opinion {
            open_user_id: user.into(),
            action_type: if agree { "agree" } else { "reject" },
            opinion: opinion.into(),
            reply_time: now_ms,
        });
        t.modify_time = now_ms;
        self.last_modify_time = now_ms;
        if !agree {
            t.state = "reject";
            t.end_time = Some(now_ms);
            t.un_complete.clear();
            self.finish("reject", now_ms);
            return Ok(());
        }
        if t.kind == "all_pass" && !t.un_complete.is_empty() {
            return Ok(());
        }
        t.state = "pass";
        t.end_time = Some(now_ms);
        t.un_complete.clear();
        match self.tasks.iter_mut().find(|t| t.state == "schedule") {
            Some(next) => {
                next.state = "in_progress";
                next.modify_time = now_ms;
            }
            None => self.finish("pass", now_ms),
        }
        Ok(())
    }

    /// The applicant withdraws the flow.
    pub fn cancel(&mut self, now_ms: i64) {
        self.cancel_time = Some(now_ms);
        self.finish("cancel", now_ms);
    }

    fn finish(&mut self, state: &'static str, now_ms: i64) {
        self.state = state;
        self.end_time = Some(now_ms);
        self.last_modify_time = now_ms;
        for t in self.tasks.iter_mut().filter(|t| t.state == "schedule" || t.state == "in_progress") {
            t.state = "cancel";
            t.un_complete.clear();
        }
    }
}

/// The whole simulated tenant.
#[derive(Debug)]
pub struct State {
    pub corp_id: String,
    pub app_id: String,
    pub app_secret: String,
    pub permanent_code: String,
    pub employees: Vec<Employee>,
    pub demo_user: String,
    pub forms: Vec<(i64, String, String)>,
    pub approvals: BTreeMap<i64, OldApproval>,
    pub crm: BTreeMap<String, CrmInstance>,
    pub media: HashMap<String, Media>,
    /// token → when it stops working.
    pub tokens: HashMap<String, Instant>,
    pub tokens_issued: usize,
    pub token_lifetime: Duration,
    /// After this many more authenticated calls, every token expires (a test's mid-sync expiry).
    pub expire_after_calls: Option<usize>,
    pub rate_limit: usize,
    pub calls: HashMap<String, VecDeque<Instant>>,
    pub call_counts: HashMap<String, usize>,
    /// Calls refused with 20050, all endpoints together.
    pub rate_limited: usize,
    pub next_token: u64,
}

impl State {
    pub fn empty() -> Self {
        State {
            corp_id: String::new(),
            app_id: String::new(),
            app_secret: String::new(),
            permanent_code: String::new(),
            employees: vec![],
            demo_user: String::new(),
            forms: vec![],
            approvals: BTreeMap::new(),
            crm: BTreeMap::new(),
            media: HashMap::new(),
            tokens: HashMap::new(),
            tokens_issued: 0,
            token_lifetime: TOKEN_LIFETIME,
            expire_after_calls: None,
            rate_limit: RATE_LIMIT,
            calls: HashMap::new(),
            call_counts: HashMap::new(),
            rate_limited: 0,
            next_token: 1,
        }
    }

    /// Every issued token stops working now (the next call answers 20016).
    pub fn expire_tokens(&mut self) {
        self.tokens.clear();
    }

    /// A new 协同审批 approval arrives for the demo user: a copy of the newest one waiting for
    /// them, with the same times, so it heads `approval/query` ([`Fault::PageShift`]).
    ///
    /// [`Fault::PageShift`]: crate::common::Fault::PageShift
    pub fn arrive(&mut self) {
        let demo = self.demo_user.clone();
        let waiting = |a: &&OldApproval| {
            a.status == 1
                && a.current_task().is_some_and(|t| t.members.iter().any(|(m, st)| *m == demo && *st == "in_progress"))
        };
        let Some(newest) = self.approvals.values().filter(waiting).max_by_key(|a| (a.last_update_time, a.id)).cloned()
        else {
            return;
        };
        let id = self.approvals.keys().max().copied().unwrap_or(0) + 1;
        self.approvals.insert(id, OldApproval { id, ..newest });
    }

    /// Ends every approval still in progress but one in `keep_one_in` (协同 and CRM alike, in
    /// id order) as its approvers would, each waiting one agreeing: a tenant whose history has
    /// mostly ended, as a real one's has (about 1 % still waiting), for the first-sync bench.
    pub fn settle(&mut self, keep_one_in: usize, now_ms: i64) {
        let keep = |n: usize| keep_one_in > 0 && n.is_multiple_of(keep_one_in);
        for (n, a) in self.approvals.values_mut().filter(|a| a.status == 1).enumerate() {
            if keep(n) {
                continue;
            }
            for t in a.tasks.iter_mut().filter(|t| matches!(t.state, "in_progress" | "schedule")) {
                t.state = "agree";
                for (_, st) in t.members.iter_mut().filter(|(_, st)| matches!(*st, "in_progress" | "schedule")) {
                    *st = "agree";
                }
            }
            a.status = 2;
        }
        for (n, i) in self.crm.values_mut().filter(|i| i.state == "in_progress").enumerate() {
            if keep(n) {
                continue;
            }
            // Each waiting approver agrees until the flow passes (bounded: a flow has few tasks).
            for _ in 0..64 {
                let Some((task, user)) = i.tasks.iter().enumerate().find_map(|(k, t)| {
                    (t.state == "in_progress").then(|| t.un_complete.first().map(|u| (k, u.clone()))).flatten()
                }) else {
                    break;
                };
                if i.decide(task, &user, true, "同意", now_ms).is_err() {
                    break;
                }
            }
        }
    }

    /// The company's root department (`user/simpleList`: 999999 = the whole company).
    pub const ROOT_DEPARTMENT: i64 = 999_999;

    pub fn employee(&self, id: &str) -> Option<&Employee> {
        self.employees.iter().find(|e| e.open_user_id == id)
    }

    /// Records a call to `path`; refuses it when the last 20 s already hold the limit.
    pub fn count_call(&mut self, path: &str, now: Instant) -> Result<(), ApiError> {
        *self.call_counts.entry(path.to_string()).or_default() += 1;
        let log = self.calls.entry(path.to_string()).or_default();
        while log.front().is_some_and(|t| now.duration_since(*t) >= RATE_WINDOW) {
            log.pop_front();
        }
        if log.len() >= self.rate_limit {
            self.rate_limited += 1;
            return Err(ApiError::RateLimited);
        }
        log.push_back(now);
        Ok(())
    }

    /// Checks `corpAccessToken` + `corpId` of a body.
    pub fn check_token(&mut self, body: &Value, now: Instant) -> Result<(), ApiError> {
        if let Some(left) = self.expire_after_calls {
            if left == 0 {
                self.tokens.clear();
                self.expire_after_calls = None;
            } else {
                self.expire_after_calls = Some(left - 1);
            }
        }
        let token = body.get("corpAccessToken").and_then(Value::as_str).unwrap_or("");
        let corp = body.get("corpId").and_then(Value::as_str).unwrap_or("");
        match self.tokens.get(token) {
            Some(until) if *until > now && corp == self.corp_id => Ok(()),
            _ => Err(ApiError::Token),
        }
    }

    /// Issues a token for the app's credentials.
    pub fn issue_token(
        &mut self,
        app_id: &str,
        secret: &str,
        code: &str,
        now: Instant,
    ) -> Result<(String, u64), ApiError> {
        if app_id != self.app_id || secret != self.app_secret || code != self.permanent_code {
            return Err(ApiError::AppCredentials);
        }
        let token = format!(
            "{:032X}",
            (self.next_token as u128).wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835) ^ 0x5A5A
        );
        self.next_token += 1;
        self.tokens_issued += 1;
        self.tokens.insert(token.clone(), now + self.token_lifetime);
        Ok((token, self.token_lifetime.as_secs()))
    }

    /// The CRM instance and task index of a `taskId`.
    pub fn crm_task(&self, task_id: &str) -> Option<(String, usize)> {
        self.crm.values().find_map(|i| i.tasks.iter().position(|t| t.id == task_id).map(|p| (i.instance_id.clone(), p)))
    }
}
