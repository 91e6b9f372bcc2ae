//! yomicloud (a cloud drive's approval API, `002_…txt`): todo and processed come from
//! `get-handler-list utype=1`, cc from `utype=0`, submitted from `get-creator-list`, and for
//! administrator accounts 我管理的 from `admin=1`; every item is read with `view-approval` to
//! learn its steps and "my" row, and its file's `get-file-approval-log`; approve/reject go
//! through `handle-step`. Protocol details and our choices: docs/yomicloud-protocol.md.

pub mod auth;
pub mod client;
pub mod map;
pub mod submit;
pub mod wire;

use crate::connector::{Capabilities, Connector, Download, ListItem, ListPage, SettingSpec, Source, VendorInfo};
use crate::error::VendorError;
use crate::model::Account;
use crate::model::{Action, Inbox, RemoteApproval, Vendor};
use crate::secrets::Secrets;
use crate::submission::{Progress, Submission, Template, TemplateQuery};
use async_trait::async_trait;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;
use wire::HandlerList;

/// How many listed approvals one sync page reads and stores. The vendor's lists are not paged
/// (choice 3); reading a whole list's approvals before storing any held them all at once
/// (about 100 MB for the three lists of a 6k-approval user, BENCHMARKS.md).
const PAGE: usize = 100;

/// The lists a sync walks, by source name.
const APPROVER_SOURCE: &str = "get-handler-list utype=1";
const CC_SOURCE: &str = "get-handler-list utype=0";
const CREATOR_SOURCE: &str = "get-creator-list";
const MANAGED_SOURCE: &str = "get-handler-list admin=1";

/// How far the vendor's clock may be behind ours when an approval we just sent is looked up by
/// its creation time (choice 22).
const CLOCK_SLACK: i64 = 10 * 60;

pub fn info() -> VendorInfo {
    VendorInfo {
        id: Vendor::Yomicloud,
        name: "云盘审批 (yomicloud)",
        color: "blue",
        settings: vec![
            SettingSpec { key: "uid", label: "用户 ID", secret: false, required: true, help: "The numeric user id the token belongs to.", ..Default::default() },
            SettingSpec { key: "token", label: "Token", secret: true, required: true, help: "The API token of your cloud-drive user (paste it from the drive's user settings).", ..Default::default() },
            SettingSpec {
                key: "admin",
                label: "管理员",
                secret: false,
                required: false,
                help: "\"true\" when this user is a drive administrator: the approvals they manage (all of them for the super admin) fill 我管理的; default \"false\".", ..Default::default() },
        ],
        capabilities: Capabilities {
            boxes: vec![Inbox::Todo, Inbox::Submitted, Inbox::Processed, Inbox::Cc, map::MANAGED_BOX],
            actions: vec![Action::Approve, Action::Reject],
            attachments: true,
            submit: true,
            submit_target: true,
            ..Default::default()
        },
    }
}

pub struct YomiConnector {
    client: client::Client,
    types: OnceCell<HashMap<i64, String>>,
    /// Administrator accounts only (`admin` setting): the approval ids `get-handler-list
    /// admin=1` listed at its last read. A detail read outside that list (after acting) needs
    /// them to keep the approval in 我管理的; `None` until the list was read once.
    managed: Option<tokio::sync::Mutex<Option<HashSet<i64>>>>,
    /// The list walks in progress, by source: what is left of each list's one reply, as the
    /// items' JSON text (a fraction of their parsed size), walked [`PAGE`] items at a time.
    walks: Mutex<HashMap<&'static str, VecDeque<String>>>,
    /// The file logs read during the latest walk of each source (see [`FileLogs`]).
    logs: Mutex<HashMap<&'static str, Arc<FileLogs>>>,
    /// Submissions (`request_id`) whose `create-approval` may have landed without our learning
    /// it, with when they were first sent: a resend looks in `get-creator-list` first.
    unsettled: Mutex<HashMap<String, i64>>,
}

/// Whether the account is a drive administrator (`admin` setting, "true"/"false", default false).
fn is_admin(account: &Account) -> Result<bool, VendorError> {
    match account.setting("admin").as_deref().map(str::trim) {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(VendorError::Config(format!("`admin` must be \"true\" or \"false\", not \"{other}\""))),
    }
}

/// `get-file-approval-log` read during one list walk, by file id: approvals on the same file
/// share its log, so a walk asks for each file's log once, not once per approval.
#[derive(Default)]
struct FileLogs(Mutex<HashMap<i64, Arc<OnceCell<Option<map::FileLog>>>>>);

impl YomiConnector {
    pub fn new(account: &Account, secrets: &Secrets) -> Result<Self, VendorError> {
        let creds = auth::Credentials::from_account(account, secrets)?;
        let managed = is_admin(account)?.then(|| tokio::sync::Mutex::new(None));
        Ok(YomiConnector {
            client: client::Client::new(&account.base_url, creds)?,
            types: OnceCell::new(),
            managed,
            walks: Mutex::default(),
            logs: Mutex::default(),
            unsettled: Mutex::default(),
        })
    }

    /// Reads `get-handler-list admin=1` and remembers which approvals it lists.
    async fn managed_list(&self) -> Result<Vec<serde_json::Value>, VendorError> {
        let listed = self.client.list_items(Some(HandlerList::Managed)).await?;
        if let Some(known) = &self.managed {
            *known.lock().await =
                Some(listed.iter().filter_map(|item| super::id_text(item.get("id"))?.parse().ok()).collect());
        }
        Ok(listed)
    }

    /// Whether the approval is in the administrator's list (read once if not yet known).
    async fn is_managed(&self, id: i64) -> Result<bool, VendorError> {
        let Some(known) = &self.managed else { return Ok(false) };
        let mut known = known.lock().await;
        if known.is_none() {
            *known = Some(self.client.handler_list(HandlerList::Managed).await?.data.iter().map(|r| r.id).collect());
        }
        Ok(known.as_ref().is_some_and(|ids| ids.contains(&id)))
    }

    /// The approval log of a file, read once per walk. A file that is gone (code 4: a 删除文件
    /// approval removes it) or that the user may not see (code 3) has no log to show; that
    /// must not fail the approval's own read.
    async fn file_log(&self, logs: &FileLogs, file_id: i64) -> Result<Option<map::FileLog>, VendorError> {
        let cell = logs.0.lock().unwrap_or_else(|p| p.into_inner()).entry(file_id).or_default().clone();
        let read = || async {
            let types = self.types().await?;
            match self.client.file_approval_log(file_id).await {
                Ok(list) => Ok(Some(map::file_log(&list, types))),
                Err(VendorError::Vendor { code, .. })
                    if [client::CODE_NOT_FOUND, client::CODE_NO_PERMISSION].iter().any(|c| c.to_string() == code) =>
                {
                    Ok(None)
                }
                Err(e) => Err(e),
            }
        };
        cell.get_or_try_init(read).await.cloned()
    }

    /// Approval type names, read once per connector from `templet-content id=0`.
    async fn types(&self) -> Result<&HashMap<i64, String>, VendorError> {
        self.types
            .get_or_try_init(|| async { Ok(map::task_types(&self.client.templet_content(0, 0).await?.data)) })
            .await
    }

    async fn view(&self, remote_id: &str) -> Result<(wire::ViewApproval, serde_json::Value), VendorError> {
        self.client.view_approval(remote_id).await
    }

    /// The first level of a multi-file attachment, so the detail lists real files.
    async fn attachment_children(&self, view: &wire::ViewApproval) -> Result<Vec<wire::AttachEntry>, VendorError> {
        match &view.attachment {
            Some(a) if a.atype.is(1) => Ok(self.client.attach_list(a.file_id, "").await?.data),
            _ => Ok(vec![]),
        }
    }
}

#[async_trait]
impl Connector for YomiConnector {
    fn sources(&self) -> Vec<Source> {
        let mut sources = vec![
            Source { name: APPROVER_SOURCE, boxes: vec![Inbox::Todo, Inbox::Processed] },
            Source { name: CC_SOURCE, boxes: vec![Inbox::Cc] },
            Source { name: CREATOR_SOURCE, boxes: vec![Inbox::Submitted] },
        ];
        if self.managed.is_some() {
            // First, so the other lists' detail reads already know what is managed.
            sources.insert(0, Source { name: MANAGED_SOURCE, boxes: vec![map::MANAGED_BOX] });
        }
        sources
    }

    async fn test(&self) -> Result<String, VendorError> {
        let types = self.types().await?;
        let todo = self.client.handler_list(HandlerList::Approver).await?.data.len();
        let mut said = format!(
            "连接成功：令牌有效（用户 {}），{} 种审批类型，{} 条审批与你相关",
            self.client.uid(),
            types.len(),
            todo
        );
        if self.managed.is_some() {
            // A non-administrator is refused here (code 3), so a wrong `admin` setting shows now.
            said.push_str(&format!("，你管理 {} 条审批", self.managed_list().await?.len()));
        }
        Ok(said)
    }

    async fn list(&self, source: &Source, cursor: Option<&str>) -> Result<ListPage, VendorError> {
        // Taken out whatever the cursor: a walk that a failed page left behind goes with it.
        let left = self.walks.lock().unwrap_or_else(|p| p.into_inner()).remove(source.name);
        let mut rest = match (cursor, left) {
            (None, _) => self.start_walk(source).await?,
            (Some(_), Some(rest)) => rest,
            (Some(_), None) => {
                return Err(VendorError::Config(format!(
                    "the walk of the yomicloud list {} was lost; the next sync walks it again",
                    source.name
                )))
            }
        };
        let page: Vec<String> = rest.drain(..rest.len().min(PAGE)).collect();
        let next = (!rest.is_empty()).then(|| {
            let left = format!("{} left", rest.len());
            self.walks.lock().unwrap_or_else(|p| p.into_inner()).insert(source.name, rest);
            left
        });
        Ok(ListPage::new(page.iter().map(|text| listed(source, text)).collect(), next))
    }

    /// The list has no steps or "my" row: each item is read with `view-approval` (choice 3).
    async fn read(&self, source: &Source, item: &ListItem) -> Result<RemoteApproval, VendorError> {
        let logs = self.logs.lock().unwrap_or_else(|p| p.into_inner()).get(source.name).cloned().unwrap_or_default();
        self.detail_of(item.remote_id.clone(), &logs).await
    }

    async fn detail(&self, remote_id: &str) -> Result<RemoteApproval, VendorError> {
        self.detail_of(remote_id.to_string(), &FileLogs::default()).await
    }

    async fn act(&self, remote_id: &str, action: Action, comment: &str) -> Result<(), VendorError> {
        self.handle(remote_id, None, action, comment).await
    }

    async fn act_at(&self, remote_id: &str, step: &str, action: Action, comment: &str) -> Result<(), VendorError> {
        self.handle(remote_id, Some(step), action, comment).await
    }

    /// One template by id (`templet-content`, open to every user), or every template of a file
    /// or folder (`templet-list`, which the vendor allows only to administrators).
    async fn templates(&self, query: &TemplateQuery) -> Result<Vec<Template>, VendorError> {
        let target = query.target.as_deref().map(|t| parse_id("file id", t)).transpose()?;
        let content = self.client.templet_content(0, target.unwrap_or(0)).await?;
        let templets = match query.template_id.as_deref() {
            Some(tid) => {
                self.client.templet_content(parse_id("template id", tid)?, 0).await?.templet.into_iter().collect()
            }
            None => {
                let file = target.ok_or_else(|| {
                    VendorError::NotAllowed("yomicloud lists templates per file or folder: give its file id".into())
                })?;
                self.client.templet_list(file).await?.data
            }
        };
        templets
            .iter()
            .map(|t| submit::template(t, &content.data, target).map_err(|e| VendorError::record("templet-content", e)))
            .collect()
    }

    async fn submit(&self, s: &Submission, progress: Progress) -> Result<RemoteApproval, VendorError> {
        let tid = parse_id("template id", &s.template_id)?;
        let file_id = parse_id("file id", s.target.as_deref().unwrap_or(""))?;
        // templet-content with both ids, as the document advises before create-approval.
        let content = self.client.templet_content(tid, file_id).await?;
        let templet = content
            .templet
            .ok_or_else(|| VendorError::malformed("templet-content", "no `templet` for the template id"))?;
        let full_path = match &content.file_map {
            Some(file) => Some(self.full_path(file).await?),
            None => None,
        };
        let attachment = submit::attachment(&self.client, s, &progress).await?;
        let json = submit::request(&templet, s, file_id, full_path.as_deref(), attachment)?;
        let id = self.create_once(&json, &s.request_id).await.map_err(|e| match &e {
            VendorError::Vendor { message, .. } => match submit::field_of(message, s) {
                Some(field) => VendorError::Field { field, source: Box::new(e) },
                None => e,
            },
            _ => e,
        })?;
        self.created(id, &json).await
    }

    async fn remove(&self, remote_id: &str) -> Result<(), VendorError> {
        self.client.remove_approval(remote_id).await
    }

    async fn download(&self, attachment_id: &str) -> Result<Download, VendorError> {
        let (name, bytes) = self.client.download(attachment_id).await?;
        Ok(Download { name: name.unwrap_or_else(|| format!("attachment-{attachment_id}")), bytes })
    }
}

impl YomiConnector {
    /// Finds the user's row of the current step, then sends the verdict with `handle-step`.
    /// Decides through the user's row on the current step; for a decision made at one step
    /// (`step`, see [`map::row_mark`]) only through that very row.
    async fn handle(
        &self,
        remote_id: &str,
        step: Option<&str>,
        action: Action,
        comment: &str,
    ) -> Result<(), VendorError> {
        let verdict = match action {
            Action::Approve => 1,
            Action::Reject => 2,
            Action::Cancel => return Err(VendorError::Unsupported("withdrawing an approval")),
        };
        let (view, _) = self.view(remote_id).await?;
        let content = map::content(&view.data).map_err(|e| VendorError::record("view-approval", e))?;
        let current = map::current_step(&view.data.status, &content, &view.data2);
        let row = map::my_turn(&view.data2, &content, self.client.uid(), current);
        let Some((auid, at)) = row.and_then(|r| Some((r.id?, r.step?))) else {
            return Err(VendorError::NotAllowed(
                "this approval is not waiting for your decision (already decided, or not your step yet)".into(),
            ));
        };
        if step.is_some_and(|step| row.is_some_and(|r| map::row_mark(r) != step)) {
            return Err(VendorError::NotAllowed(format!("approval {remote_id} no longer awaits you at the step you saw (it awaits you at step {} now): decide again there", at + 1)));
        }
        self.client.handle_step(view.data.id, auid, at, comment, verdict).await
    }

    /// The path of the file or folder under approval from the drive's root, its own name last
    /// (`fullPath`, as the document's examples: `公司文件/示例-按项目/质量控制` for the folder
    /// whose `fileMap.fileName` is 质量控制). No call gives it to a plain user, so it is read up
    /// the `parentId` chain with `templet-content` (`id` 0: the document's way to learn about a
    /// file or folder) until a folder at the top (`parentId` 0). A folder the user may not see
    /// (or cannot be read) ends the walk there: the path starts at the highest folder the user
    /// sees (docs/yomicloud-protocol.md, choice 20).
    async fn full_path(&self, file: &wire::FileMap) -> Result<String, VendorError> {
        /// Deeper than any drive is organised; a cycle in the vendor's data ends here too.
        const MAX_DEPTH: usize = 64;
        let mut names = vec![file.file_name.clone()];
        let mut seen: HashSet<i64> = file.file_id.into_iter().collect();
        let mut parent = file.parent_id;
        while let Some(id) = parent.filter(|id| *id > 0 && names.len() < MAX_DEPTH && seen.insert(*id)) {
            match self.client.templet_content(0, id).await {
                Ok(reply) => match reply.file_map {
                    Some(folder) => {
                        names.push(folder.file_name);
                        parent = folder.parent_id;
                    }
                    None => break,
                },
                Err(e) if e.is_item_level() => {
                    tracing::warn!(folder = id, "the path of the file stops below this folder: {e}");
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        names.retain(|n| !n.trim().is_empty());
        names.reverse();
        Ok(names.join("/"))
    }

    /// `create-approval` at most once. When the call may have reached the vendor without a
    /// readable answer (the connection broke, a gateway's 5xx, or a reply without the `id` the
    /// document never promised), the vendor's state decides: `get-creator-list` is read and a
    /// match (same template, file, statement and attachment, made since we sent) is the
    /// approval. With no match, a broken connection is sent again once (choice 22); an answer
    /// that came back says "not created", and the draft may be sent again. Should the creator
    /// list itself fail, the outcome stays unknown, and the next send of the same submission
    /// (`request_id`) looks first.
    async fn create_once(&self, json: &serde_json::Value, request_id: &str) -> Result<i64, VendorError> {
        let started = crate::model::now();
        if let Some(earlier) = self.unsettled(request_id) {
            if let Some(id) = self.find_created(json, earlier).await? {
                tracing::info!(approval = id, "an earlier send of this submission had created the approval");
                self.settle(request_id, None);
                return Ok(id);
            }
        }
        let (outcome, settled) = match self.client.create_approval(json).await {
            Err(e) if may_have_landed(&e) => self.reconcile(json, started, e).await,
            other => (other, true),
        };
        self.settle(request_id, (!settled).then_some(started));
        outcome
    }

    /// What happened to a `create-approval` whose answer we could not read (`e`), from the
    /// vendor's list of the user's approvals; and whether that is now known (`false`: it may
    /// still have landed, so the next send of the submission looks first).
    async fn reconcile(
        &self,
        json: &serde_json::Value,
        started: i64,
        e: VendorError,
    ) -> (Result<i64, VendorError>, bool) {
        tracing::warn!("{e}; looking for the approval in {CREATOR_SOURCE}");
        match self.find_created(json, started).await {
            Ok(Some(id)) => (Ok(id), true),
            Ok(None) if matches!(e, VendorError::Unreachable { .. }) => match self.client.create_approval(json).await {
                Err(again) if may_have_landed(&again) => {
                    (Err(unsettled_create(&again, "sent again after a broken connection")), false)
                }
                other => (other, true),
            },
            Ok(None) => {
                let said = format!(
                    "{e} — {CREATOR_SOURCE} shows no such approval, so it was not created; the draft can be sent again"
                );
                (Err(VendorError::NotAllowed(said)), true)
            }
            // The vendor cannot be reached at all now: that is what the user is told (a refused
            // connection sent nothing; after a timeout the next send looks first).
            Err(lookup @ VendorError::Unreachable { .. }) if matches!(e, VendorError::Unreachable { .. }) => {
                tracing::warn!("{lookup}");
                (Err(e), false)
            }
            Err(lookup) => {
                (Err(unsettled_create(&e, &format!("{CREATOR_SOURCE} could not be read either ({lookup})"))), false)
            }
        }
    }

    /// The first send time of a submission whose `create-approval` outcome is still unknown.
    fn unsettled(&self, request_id: &str) -> Option<i64> {
        self.unsettled.lock().unwrap_or_else(|p| p.into_inner()).get(request_id).copied()
    }

    /// Remembers (`Some(started)`) or forgets a submission whose outcome is unknown.
    fn settle(&self, request_id: &str, started: Option<i64>) {
        if request_id.trim().is_empty() {
            return;
        }
        let mut unsettled = self.unsettled.lock().unwrap_or_else(|p| p.into_inner());
        match started {
            Some(t) => {
                unsettled.entry(request_id.to_string()).or_insert(t);
            }
            None => {
                unsettled.remove(request_id);
            }
        }
    }

    /// The newest approval of ours in `get-creator-list` made from this `create-approval` json
    /// since `started` (less [`CLOCK_SLACK`]: the vendor's clock is not ours). The vendor keeps
    /// the json as the approval's content but may re-encode it (the document's example turns
    /// `taskType` 4 into `"2"`), so numbers compare by value and a missing key equals `null`/0.
    async fn find_created(&self, json: &serde_json::Value, started: i64) -> Result<Option<i64>, VendorError> {
        let mine = self.client.creator_list().await?.data;
        Ok(mine
            .iter()
            .filter(|r| r.createtime.is_none_or(|t| t >= started - CLOCK_SLACK))
            .filter(|r| map::content(r).is_ok_and(|c| same_request(json, &c)))
            .map(|r| r.id)
            .max())
    }

    /// The approval just created, as the vendor now has it; when it cannot be read back, as we
    /// sent it (status pending, in 已发起): it exists, and a failure here must not invite a
    /// second send. The next sync reads it in full.
    async fn created(&self, id: i64, json: &serde_json::Value) -> Result<RemoteApproval, VendorError> {
        match self.detail_of(id.to_string(), &FileLogs::default()).await {
            Ok(approval) => Ok(approval),
            Err(e) => {
                tracing::warn!(approval = id, "the approval was created but cannot be read back yet: {e}");
                let types = self.types.get().cloned().unwrap_or_default();
                map::as_sent(id, json, self.client.uid(), crate::model::now(), &types)
                    .map_err(|m| VendorError::record("create-approval", m))
            }
        }
    }

    /// Reads the source's list (one call: the vendor does not page it) to be walked a page at a
    /// time, with fresh file logs for the walk.
    async fn start_walk(&self, source: &Source) -> Result<VecDeque<String>, VendorError> {
        let items = match source.name {
            APPROVER_SOURCE => self.client.list_items(Some(HandlerList::Approver)).await?,
            CC_SOURCE => self.client.list_items(Some(HandlerList::Cc)).await?,
            CREATOR_SOURCE => self.client.list_items(None).await?,
            MANAGED_SOURCE if self.managed.is_some() => self.managed_list().await?,
            other => {
                return Err(VendorError::Config(format!(
                    "yomicloud has no source {other} (ours: a bug, not vendor data)"
                )))
            }
        };
        self.logs.lock().unwrap_or_else(|p| p.into_inner()).insert(source.name, Arc::default());
        Ok(items.into_iter().map(|item| item.to_string()).collect())
    }

    async fn detail_of(&self, remote_id: String, logs: &FileLogs) -> Result<RemoteApproval, VendorError> {
        // Type names only name the approval: a vendor refusing `templet-content` leaves them
        // unnamed (shown by number) instead of failing every read of the account.
        let unnamed = HashMap::new();
        let types = match self.types().await {
            Ok(types) => types,
            Err(e) if e.is_item_level() => {
                tracing::warn!("approval type names could not be read: {e}");
                &unnamed
            }
            Err(e) => return Err(e),
        };
        let (view, raw) = self.view(&remote_id).await?;
        let children = self.attachment_children(&view).await?;
        // The file's log and the 我管理的 mark only add to the approval: a failure to read them
        // must not fail its read (a sync page, or the read-back of an approval just started).
        let file_log = match view.data.file_id.filter(|id| *id > 0) {
            Some(file_id) => self.file_log(logs, file_id).await.unwrap_or_else(|e| {
                tracing::warn!(approval = %remote_id, "the file's approval log could not be read: {e}");
                None
            }),
            None => None,
        };
        let managed = self.is_managed(view.data.id).await.unwrap_or_else(|e| {
            tracing::warn!(approval = %remote_id, "the list of managed approvals could not be read: {e}");
            false
        });
        let extras = map::Extras { children: &children, managed, file_log: file_log.as_ref() };
        map::approval(&view, raw, self.client.uid(), types, &extras)
            .map_err(|e| VendorError::record("view-approval", e))
    }
}

/// A list item as the sync reads it. The approver list holds both todo and processed, which
/// only the detail tells apart; the other lists speak for one box.
fn listed(source: &Source, text: &str) -> ListItem {
    let raw: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
    let boxes = if source.boxes.len() == 1 { source.boxes.clone() } else { vec![] };
    match super::parse_item::<wire::ApprovalRecord>(source.name, &raw) {
        Ok(record) => {
            // 0 正在审批 may wait for the user; 1–3 have ended; an unknown code may wait.
            let finished = map::status(&record.status).0.is_final();
            ListItem::new(record.id.to_string(), raw).in_boxes(boxes).finished_if(finished)
        }
        Err(e) => ListItem::unreadable(super::id_text(raw.get("id")), raw, e).in_boxes(boxes),
    }
}

/// Whether a failed state-changing call may have been carried out: it may have reached the
/// vendor (a connection that broke, a gateway's 5xx) or its answer could not be read.
fn may_have_landed(e: &VendorError) -> bool {
    match e {
        VendorError::Unreachable { .. } | VendorError::OutcomeUnknown { .. } => true,
        VendorError::Http { status, .. } => *status >= 500,
        _ => false,
    }
}

/// A `create-approval` whose outcome stays unknown after `what`.
fn unsettled_create(e: &VendorError, what: &str) -> VendorError {
    VendorError::OutcomeUnknown {
        call: "create-approval".into(),
        reason: format!(
            "{e}; {what}. Look in 已发起 after the next sync before sending it again: a resend looks for it first"
        ),
    }
}

/// Whether an approval's content is the `create-approval` json we sent: same template, file,
/// statement and attachment.
fn same_request(sent: &serde_json::Value, content: &wire::Content) -> bool {
    let int = |key: &str| sent.get(key).map(wire::Code::of).and_then(|c| c.num()).filter(|n| *n != 0);
    let note = |n: Option<&str>| n.unwrap_or("").trim().to_string();
    int("tid") == content.tid.filter(|n| *n != 0)
        && int("fileId") == content.file_id.filter(|n| *n != 0)
        && int("attachmentId") == content.attachment_id.filter(|n| *n != 0)
        && note(sent.get("creatorNote").and_then(|v| v.as_str())) == note(content.creator_note.as_deref())
}

fn parse_id(what: &str, text: &str) -> Result<i64, VendorError> {
    text.trim().parse().map_err(|_| VendorError::Field {
        field: if what == "file id" { "target".into() } else { "template_id".into() },
        source: Box::new(VendorError::NotAllowed(format!("a yomicloud {what} is a number, not \"{text}\""))),
    })
}
