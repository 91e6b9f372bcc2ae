//! weiwenjia (励销云 / 爱客CRM approval center, `004_…txt`): todo, submitted and processed come
//! one-to-one from `approval_center/list` scopes `todo`, `submission`, `processed`, walked page
//! by page and narrowed by the account's filter settings; every item is completed with
//! `execute_records/detail` in the shape of the vendor's page 获取审批流信息 (permission flags →
//! actions, node history → steps); pass / reject / cancel go to the record's execute endpoint.
//! A record's unknown words and field types are shown as the vendor wrote them, never an error.
//! Protocol details and our choices: docs/weiwenjia-protocol.md.

pub mod auth;
pub mod client;
pub mod fields;
pub mod map;
pub mod wire;

use crate::connector::{
    Capabilities, Connector, Download, ListItem, ListPage, Recall, SettingSpec, Source, VendorInfo,
};
use crate::error::VendorError;
use crate::model::Account;
use crate::model::{Action, Inbox, RemoteApproval, Vendor};
use crate::secrets::Secrets;
use async_trait::async_trait;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Mutex;

/// Items per list page (our choice 4: the simulator and, we assume, the vendor cap at 100).
pub const PER_PAGE: u32 = 50;

/// `execute_action` values (ASSUMPTION A2 of docs/weiwenjia-protocol.md for reject and cancel).
pub const ACTION_PASS: &str = "pass";
pub const ACTION_REJECT: &str = "reject";
pub const ACTION_CANCEL: &str = "cancel";

/// The three sources: (source name, list scope, box).
const SOURCES: [(&str, &str, Inbox); 3] = [
    ("approval_center/list scope=todo", "todo", Inbox::Todo),
    ("approval_center/list scope=submission", "submission", Inbox::Submitted),
    ("approval_center/list scope=processed", "processed", Inbox::Processed),
];

pub fn info() -> VendorInfo {
    VendorInfo {
        id: Vendor::Weiwenjia,
        name: "励销云 (weiwenjia)",
        color: "green",
        settings: vec![
            SettingSpec {
                key: "platform",
                label: "平台 (X-LXY-PLATFORM)",
                secret: false,
                required: true,
                help: "lixiaoyun (励销), ikcrm (爱客CRM), wxwork (企业微信) or dingtalk (钉钉): the platform your account signs in on.", ..Default::default() },
            SettingSpec { key: "uid", label: "用户 uid", secret: false, required: true, help: "Your numeric uid on the platform (the `uid` of your user object).", ..Default::default() },
            SettingSpec { key: "access_token", label: "用户 token (ACCESS-TOKEN)", secret: true, required: true, help: "Your user token for the approval center (process-platform.weiwenjia.com).", ..Default::default() },
            SettingSpec {
                key: "entity_types",
                label: "只同步这些审批对象",
                secret: false,
                required: false,
                help: "Comma-separated approval object types to sync, e.g. Contract,报价单 (module keys, or an aPaaS app's name); empty = all.", ..Default::default() },
            SettingSpec {
                key: "submitter_uids",
                label: "只同步这些提交人",
                secret: false,
                required: false,
                help: "Comma-separated submitter uids to sync; empty = everyone.", ..Default::default() },
            SettingSpec {
                key: "status",
                label: "只同步这些状态",
                secret: false,
                required: false,
                help: "Comma-separated statuses to sync: applying (审批中), pass, veto, revocation; empty = all.", ..Default::default() },
        ],
        capabilities: Capabilities {
            boxes: vec![Inbox::Todo, Inbox::Submitted, Inbox::Processed],
            actions: vec![Action::Approve, Action::Reject, Action::Cancel],
            attachments: false,
            submit: false,
            ..Default::default()
        },
    }
}

pub struct WeiwenjiaConnector {
    client: client::Client,
    /// What the account's settings narrow every list to (empty = everything).
    filter: wire::ListFilter,
    /// The latest list item of each approval in progress: the detail call has no form fields,
    /// so a detail read (after acting) reuses what the list last said. Finished approvals
    /// cannot be acted on, so theirs are not kept (a read of one walks the lists instead).
    /// Kept as JSON text: a parsed `Value` takes several times the memory.
    items: Mutex<HashMap<String, Box<str>>>,
}

/// List item fields that change by themselves: the relative age, "大约 17 小时".
const VOLATILE: &[&str] = &["distance_submission_time"];

impl WeiwenjiaConnector {
    pub fn new(account: &Account, secrets: &Secrets) -> Result<Self, VendorError> {
        let creds = auth::Credentials::from_account(account, secrets)?;
        let filter = list_filter(account)?;
        Ok(WeiwenjiaConnector {
            client: client::Client::new(&account.base_url, creds)?,
            filter,
            items: Mutex::new(HashMap::new()),
        })
    }

    fn remember(&self, item: &wire::ListItem, raw: &Value) {
        let key = map::remote_id(&item.entity_type, item.entity_data.id);
        let mut items = self.items.lock().unwrap_or_else(|p| p.into_inner());
        if item.status.as_deref() == Some(map::IN_PROGRESS) {
            items.insert(key, raw.to_string().into_boxed_str());
        } else {
            items.remove(&key);
        }
    }

    fn remembered(&self, remote_id: &str) -> Option<(wire::ListItem, Value)> {
        let text = self.items.lock().unwrap_or_else(|p| p.into_inner()).get(remote_id).cloned()?;
        let raw: Value = serde_json::from_str(&text).ok()?;
        let item = serde_json::from_value(raw.clone()).ok()?;
        Some((item, raw))
    }

    /// The list item of a remote id: remembered, else searched for in the three scopes.
    async fn item_of(&self, remote_id: &str) -> Result<(wire::ListItem, Value), VendorError> {
        if let Some(hit) = self.remembered(remote_id) {
            return Ok(hit);
        }
        for (_, scope, _) in SOURCES {
            let mut page: i64 = 1;
            loop {
                let (data, _) = self.client.list(scope, page as u32, PER_PAGE, &self.filter).await?;
                let more = data.has_next(page);
                for raw in data.list {
                    let Ok(item) = super::parse_item::<wire::ListItem>("approval_center/list", &raw) else { continue };
                    self.remember(&item, &raw);
                    if map::remote_id(&item.entity_type, item.entity_data.id) == remote_id {
                        return Ok((item, raw));
                    }
                }
                if !more {
                    break;
                }
                page += 1;
            }
        }
        Err(VendorError::NotAllowed(format!("approval {remote_id} is in none of your lists any more")))
    }

    /// Completes a list item with its detail. The list that returned the item (`listed_in`, none
    /// for a read after acting) puts it in its box whatever the detail shows: the lists are the
    /// authority for their boxes.
    async fn complete(
        &self,
        item: wire::ListItem,
        item_raw: Value,
        listed_in: &[Inbox],
    ) -> Result<RemoteApproval, VendorError> {
        let (detail, detail_raw) = self.client.detail(&item.entity_type, item.entity_data.id).await?;
        let mut approval = map::approval(&item, item_raw, &detail, detail_raw, self.client.uid());
        approval.boxes.extend(listed_in);
        approval.boxes.sort();
        approval.boxes.dedup();
        Ok(approval)
    }

    /// A list item as the sync reads it: in the box of its scope.
    fn listed(&self, source: &Source, raw: Value) -> ListItem {
        match super::parse_item::<wire::ListItem>(source.name, &raw) {
            Ok(item) => {
                self.remember(&item, &raw);
                let title = item.entity_data.main_field_value.clone().unwrap_or_default();
                // pass / veto / revocation have ended; in_progress, a missing or unknown word may wait.
                let finished = item.status.as_deref().is_some_and(|w| map::status(w).0.is_final());
                ListItem::new(map::remote_id(&item.entity_type, item.entity_data.id), raw)
                    .in_boxes(source.boxes.clone())
                    .titled(title)
                    .finished_if(finished)
            }
            Err(e) => {
                let id = raw
                    .get("entity_type")
                    .and_then(Value::as_str)
                    .zip(super::id_text(raw.pointer("/entity_data/id")))
                    .map(|(t, id)| format!("{t}:{id}"));
                ListItem::unreadable(id, raw, e).in_boxes(source.boxes.clone())
            }
        }
    }

    /// Checks the vendor's permission flag and, for a decision made at one node (`step`, see
    /// [`map::awaiting`]), that this node still awaits the user, then sends the action to the
    /// execute record. The execute call names the record, not the node: this read is what
    /// keeps a decision on the node the user saw.
    async fn execute(
        &self,
        remote_id: &str,
        step: Option<&str>,
        action: Action,
        comment: &str,
    ) -> Result<(), VendorError> {
        let (entity_type, entity_id) = Self::entity(remote_id)?;
        let (detail, _) = self.client.detail(entity_type, entity_id).await?;
        let (verb, allowed) = match action {
            Action::Approve => (ACTION_PASS, detail.has_approval_permission),
            Action::Reject => (ACTION_REJECT, detail.has_reject_permission),
            Action::Cancel => (ACTION_CANCEL, detail.has_cancel_permission),
        };
        if !allowed {
            return Err(VendorError::NotAllowed(format!("the vendor no longer lets you {} approval {remote_id} (already decided, not your node, or not yours to withdraw)", action.as_str())));
        }
        if let Some(step) = step {
            let now = map::awaiting(&detail);
            if now.as_ref().map(|m| m.step.as_str()) != Some(step) {
                let at = now.map(|m| format!(" (it awaits you at {} now)", m.name)).unwrap_or_default();
                return Err(VendorError::NotAllowed(format!(
                    "approval {remote_id} no longer awaits you at the node you saw{at}: decide again there"
                )));
            }
        }
        let record = detail.record_id().ok_or_else(|| {
            VendorError::record(
                "execute_records/detail",
                "the detail names no execute record (execute_record_id) to act on",
            )
        })?;
        self.client.execute(record, verb, comment).await
    }

    fn entity(remote_id: &str) -> Result<(&str, i64), VendorError> {
        map::parse_remote_id(remote_id).ok_or_else(|| {
            VendorError::NotAllowed(format!("\"{remote_id}\" is not a weiwenjia approval id (entity_type:entity_id)"))
        })
    }
}

/// The vendor's `scope` of one of our sources.
fn scope_of(source: &Source) -> Result<&'static str, VendorError> {
    SOURCES.iter().find(|(n, _, _)| *n == source.name).map(|(_, s, _)| *s).ok_or_else(|| {
        VendorError::Config(format!("weiwenjia has no source {} (ours: a bug, not vendor data)", source.name))
    })
}

/// The list filter of the account's optional settings `entity_types`, `submitter_uids` and
/// `status`, each a comma-separated list (an ASCII or a full-width comma).
fn list_filter(account: &Account) -> Result<wire::ListFilter, VendorError> {
    let values = |key: &str| -> Vec<String> {
        account
            .setting(key)
            .unwrap_or_default()
            .split([',', '，'])
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .collect()
    };
    let bad = |key: &str, v: &str, want: &str| VendorError::Config(format!("`{key}` takes {want}, not \"{v}\""));
    let submitter_uids = values("submitter_uids")
        .iter()
        .map(|v| v.parse().map_err(|_| bad("submitter_uids", v, "uids (numbers)")))
        .collect::<Result<_, _>>()?;
    let status = values("status")
        .iter()
        .map(|v| wire::ListStatus::parse(v).ok_or_else(|| bad("status", v, "applying, pass, veto or revocation")))
        .collect::<Result<_, _>>()?;
    Ok(wire::ListFilter { entity_types: values("entity_types"), submitter_uids, status })
}

#[async_trait]
impl Connector for WeiwenjiaConnector {
    fn sources(&self) -> Vec<Source> {
        SOURCES.iter().map(|(name, _, b)| Source { name, boxes: vec![*b] }).collect()
    }

    fn recall(&self) -> Recall {
        Recall { volatile: VOLATILE, ..Recall::default() }
    }

    async fn test(&self) -> Result<String, VendorError> {
        let (todo, _) = self.client.list("todo", 1, 1, &self.filter).await?;
        Ok(format!(
            "连接成功：令牌有效（平台 {}，uid {}），{} 条审批待你处理",
            self.client.platform(),
            self.client.uid(),
            todo.total_count.unwrap_or(todo.list.len() as i64)
        ))
    }

    /// The vendor's todo scope is exactly what awaits the user, so a todo arriving or leaving
    /// changes its count or first page; what a first page cannot show (an older approval's
    /// node history, a withdrawal right that lapsed, which `act` checks again anyway) waits at
    /// most `sync::FULL_WALK_AFTER`.
    async fn head(&self, source: &Source) -> Result<Option<u64>, VendorError> {
        let (data, _) = self.client.list(scope_of(source)?, 1, PER_PAGE, &self.filter).await?;
        let items: Vec<u64> = data.list.iter().map(|item| crate::connectors::fingerprint(item, VOLATILE)).collect();
        Ok(Some(super::hash_of(&(data.total_count, items))))
    }

    async fn list(&self, source: &Source, cursor: Option<&str>) -> Result<ListPage, VendorError> {
        let scope = scope_of(source)?;
        let page: u32 = match cursor {
            None => 1,
            Some(c) => c.parse().map_err(|_| VendorError::Config(format!("bad page cursor \"{c}\"")))?,
        };
        let (data, _) = self.client.list(scope, page, PER_PAGE, &self.filter).await?;
        // `has_next_page` decides; a page number that does not move would loop forever.
        let next = (data.has_next(page as i64) && data.page.unwrap_or(page as i64) >= page as i64)
            .then(|| (page + 1).to_string());
        let items = data.list.into_iter().map(|raw| self.listed(source, raw)).collect();
        // The vendor's count witnesses a list moving under the walk; without one there is none.
        let page = ListPage::new(items, next);
        Ok(match data.total_count {
            Some(total) => page.of_total(scope, total),
            None => page,
        })
    }

    async fn read(&self, source: &Source, listed: &ListItem) -> Result<RemoteApproval, VendorError> {
        let item = super::parse_item::<wire::ListItem>(source.name, &listed.raw)?;
        self.complete(item, listed.raw.clone(), &source.boxes).await
    }

    async fn detail(&self, remote_id: &str) -> Result<RemoteApproval, VendorError> {
        Self::entity(remote_id)?;
        let (item, raw) = self.item_of(remote_id).await?;
        self.complete(item, raw, &[]).await
    }

    async fn act(&self, remote_id: &str, action: Action, comment: &str) -> Result<(), VendorError> {
        self.execute(remote_id, None, action, comment).await
    }

    async fn act_at(&self, remote_id: &str, step: &str, action: Action, comment: &str) -> Result<(), VendorError> {
        self.execute(remote_id, Some(step), action, comment).await
    }

    async fn download(&self, _attachment_id: &str) -> Result<Download, VendorError> {
        Err(VendorError::Unsupported("downloading attachments"))
    }
}
