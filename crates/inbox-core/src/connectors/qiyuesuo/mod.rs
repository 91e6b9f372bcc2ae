//! qiyuesuo (契约锁 e-signature, `003_…txt`): there is no "my pending audits" call, so one
//! source walks `contract/list` (all signatory types, the last six months, `selectOffset` /
//! `selectLimit` paging), reads each contract with `contract/detail`, and derives the boxes
//! from the detail's published fields ([`map::awaiting_me`] is the todo rule). Replies are read
//! in the open platform v2 shape or the private cloud 4.0 shape, whichever the server sends.
//! Approve/reject go through `employeeaudit`; the contract's documents are its attachments
//! (`document/download`); `vendor_link` gives the contract's page (`pageurl`) for the browser.
//! Protocol details and our choices: docs/qiyuesuo-protocol.md.

pub mod auth;
pub mod client;
pub mod map;
pub mod wire;

use crate::connector::{Capabilities, Connector, Download, ListItem, ListPage, SettingSpec, Source, VendorInfo};
use crate::error::VendorError;
use crate::model::Account;
use crate::model::{Action, Inbox, RemoteApproval, Vendor};
use crate::secrets::Secrets;
use async_trait::async_trait;

/// `selectLimit` of each page (the vendor allows up to 1000).
pub const PAGE_SIZE: usize = 100;
/// How far back the sync looks (`publishTimeStart`): the vendor's own default, six months.
pub const WINDOW_SECS: i64 = 183 * 86_400;
/// The one source.
pub const SOURCE: &str = "contract/list signatoryType=ALL";

pub fn info() -> VendorInfo {
    VendorInfo {
        id: Vendor::Qiyuesuo,
        name: "契约锁 (qiyuesuo)",
        color: "cyan",
        settings: vec![
            SettingSpec { key: "app_token", label: "AppToken", secret: false, required: true, help: "开放平台应用的 App Token (the open-platform app's token).", ..Default::default() },
            SettingSpec { key: "app_secret", label: "AppSecret", secret: true, required: true, help: "开放平台应用的 App Secret; signs every request, never sent.", ..Default::default() },
            SettingSpec { key: "employee", label: "员工手机号", secret: false, required: true, help: "The mobile number (contact) the audits are assigned to: whose todo this inbox shows. On a private cloud whose contracts name operators by id only, your user id (GET /user?mobile=… answers it).", ..Default::default() },
            SettingSpec { key: "header_prefix", label: "请求头前缀", secret: false, required: false, help: "x-qys-open- (SaaS, default) or x-qys- (private cloud).", ..Default::default() },
            SettingSpec { key: "tenant_name", label: "子公司名称", secret: false, required: false, help: "Only when auditing as a subsidiary: its full name, sent as tenantName.", ..Default::default() },
        ],
        capabilities: Capabilities { boxes: vec![Inbox::Todo, Inbox::Submitted, Inbox::Processed], actions: vec![Action::Approve, Action::Reject], attachments: true, vendor_link: true, ..Default::default() },
    }
}

pub struct QiyuesuoConnector {
    client: client::Client,
    employee: String,
    tenant_name: Option<String>,
}

/// Where a walk of the list stands: the page offset and the fixed time window.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Cursor {
    offset: usize,
    start: i64,
    end: i64,
}

impl Cursor {
    fn first(now: i64) -> Self {
        Cursor { offset: 0, start: now - WINDOW_SECS, end: now }
    }

    fn parse(text: &str) -> Result<Self, VendorError> {
        let parts: Vec<i64> = text.split(';').filter_map(|p| p.parse().ok()).collect();
        match parts[..] {
            [offset, start, end] if offset >= 0 => Ok(Cursor { offset: offset as usize, start, end }),
            _ => Err(VendorError::Config(format!("bad qiyuesuo list cursor \"{text}\""))),
        }
    }

    fn to_text(self) -> String {
        format!("{};{};{}", self.offset, self.start, self.end)
    }
}

impl QiyuesuoConnector {
    pub fn new(account: &Account, secrets: &Secrets) -> Result<Self, VendorError> {
        let creds = auth::Credentials::from_account(account, secrets)?;
        let employee = account.setting("employee").map(|e| e.trim().to_string()).filter(|e| !e.is_empty());
        let employee =
            employee.ok_or_else(|| VendorError::Config("the employee's mobile number (employee) is missing".into()))?;
        let tenant_name = account.setting("tenant_name").map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
        Ok(QiyuesuoConnector { client: client::Client::new(&account.base_url, creds)?, employee, tenant_name })
    }

    /// Checks that the contract awaits this employee's audit (for a decision made at one audit,
    /// `step`, that very audit: `employeeaudit` decides whichever audit is current), then sends
    /// it to `employeeaudit`.
    async fn audit(
        &self,
        remote_id: &str,
        step: Option<&str>,
        action: Action,
        comment: &str,
    ) -> Result<(), VendorError> {
        let pass = match action {
            Action::Approve => true,
            Action::Reject => false,
            Action::Cancel => return Err(VendorError::Unsupported("withdrawing a contract")),
        };
        let (contract, _) = self.client.detail(remote_id).await?;
        let Some(waiting) = map::awaiting_me(&contract, &self.employee).filter(|w| w.actionable) else {
            return Err(VendorError::NotAllowed(
                "this contract is not waiting for your audit (already decided, or not your step yet)".into(),
            ));
        };
        if step.is_some_and(|step| step != map::action_mark(waiting.action)) {
            let at = waiting.action.name.as_deref().map(|n| format!(" (it awaits you at {n} now)")).unwrap_or_default();
            return Err(VendorError::NotAllowed(format!(
                "contract {remote_id} no longer awaits you at the audit you saw{at}: decide again there"
            )));
        }
        let req = wire::AuditRequest {
            contract_id: Some(contract.id),
            biz_id: None,
            tenant_name: self.tenant_name.clone(),
            pass,
            comment: comment.to_string(),
        };
        self.client.employee_audit(&req).await
    }

    async fn detail_of(&self, remote_id: &str) -> Result<RemoteApproval, VendorError> {
        let (contract, raw) = self.client.detail(remote_id).await?;
        Ok(map::approval(&contract, raw, &self.employee))
    }
}

#[async_trait]
impl Connector for QiyuesuoConnector {
    fn sources(&self) -> Vec<Source> {
        vec![Source { name: SOURCE, boxes: vec![Inbox::Todo, Inbox::Submitted, Inbox::Processed] }]
    }

    async fn test(&self) -> Result<String, VendorError> {
        let c = Cursor::first(chrono::Utc::now().timestamp());
        let list = self.client.list(0, 1, &map::format_time(c.start), &map::format_time(c.end)).await?;
        let count = list.total_count.map_or_else(|| "若干".to_string(), |n| n.to_string());
        Ok(format!("连接成功：签名有效，近半年共 {count} 份合同；待办按员工 {} 计算", self.employee))
    }

    async fn list(&self, source: &Source, cursor: Option<&str>) -> Result<ListPage, VendorError> {
        if source.name != SOURCE {
            return Err(VendorError::Config(format!(
                "qiyuesuo has no source {} (ours: a bug, not vendor data)",
                source.name
            )));
        }
        let at = match cursor {
            Some(text) => Cursor::parse(text)?,
            None => Cursor::first(chrono::Utc::now().timestamp()),
        };
        let page =
            self.client.list(at.offset, PAGE_SIZE, &map::format_time(at.start), &map::format_time(at.end)).await?;
        let total = page.total_count;
        let raw = page.items();
        let read = raw.len();
        let items = raw.into_iter().map(|item| listed(item, &self.employee)).collect();
        let next_offset = at.offset + read;
        // Without a readable count, a full page says there may be more.
        let more = read > 0 && total.map_or(read >= PAGE_SIZE, |t| (next_offset as i64) < t);
        let page = ListPage::new(items, more.then(|| Cursor { offset: next_offset, ..at }.to_text()));
        Ok(match total {
            Some(t) => page.of_total("contract/list", t),
            None => page,
        })
    }

    /// The contract's detail; a contract of the company that concerns someone else is in no box.
    async fn read(&self, _source: &Source, item: &ListItem) -> Result<RemoteApproval, VendorError> {
        self.detail_of(&item.remote_id).await
    }

    async fn detail(&self, remote_id: &str) -> Result<RemoteApproval, VendorError> {
        self.detail_of(remote_id).await
    }

    async fn act(&self, remote_id: &str, action: Action, comment: &str) -> Result<(), VendorError> {
        self.audit(remote_id, None, action, comment).await
    }

    async fn act_at(&self, remote_id: &str, step: &str, action: Action, comment: &str) -> Result<(), VendorError> {
        self.audit(remote_id, Some(step), action, comment).await
    }

    /// A contract document (the attachment's id is the document id) as the PDF the vendor's
    /// `document/download` answers.
    async fn download(&self, attachment_id: &str) -> Result<Download, VendorError> {
        self.client.document(attachment_id).await
    }

    /// The contract's page in 契约锁 (`POST /v2/contract/pageurl`, pageType SIGN, the employee
    /// as `user`). Called on demand: the URL is short-lived and costs a call.
    async fn vendor_link(&self, remote_id: &str) -> Result<String, VendorError> {
        let user = wire::UserRef::employee(&self.employee);
        let req = wire::PageUrlRequest {
            contract_id: remote_id.to_string(),
            tenant_name: self.tenant_name.clone(),
            page_type: "SIGN",
            user,
        };
        self.client.page_url(&req).await
    }
}

/// A `contract/list` item as the sync reads it: its contract id and subject, and the one box
/// the item alone tells (submitted, when its creator is `me`). Whose audit is running only the
/// detail shows, so an item that cannot be read stays out of todo.
fn listed(raw: serde_json::Value, me: &str) -> ListItem {
    match super::parse_item::<wire::ContractSummary>(client::CALL_LIST, &raw) {
        Ok(c) => {
            let boxes = map::listed_boxes(c.creator.as_ref(), c.creator_id.as_deref(), me);
            // SIGNING, DRAFT, FILLING may wait for the user; a word neither edition publishes may too.
            let finished = c.status.as_deref().and_then(map::contract_status).is_some_and(|(s, _)| s.is_final());
            ListItem::new(c.id, raw).titled(c.subject.unwrap_or_default()).in_boxes(boxes).finished_if(finished)
        }
        Err(e) => ListItem::unreadable(super::id_text(raw.get("id")), raw, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_keep_their_window() {
        let c = Cursor { offset: 200, start: 10, end: 20 };
        assert_eq!(Cursor::parse(&c.to_text()).unwrap(), c);
        assert!(Cursor::parse("x").is_err());
        assert_eq!(Cursor::first(1_000_000_000).end - Cursor::first(1_000_000_000).start, WINDOW_SECS);
    }

    #[test]
    fn a_list_item_tells_submitted_by_its_creator_in_either_edition() {
        let v2 = listed(
            serde_json::json!({ "id": "1", "subject": "采购合同", "creator": { "name": "陈思远", "contact": "13857100001" } }),
            "13857100001",
        );
        assert_eq!((v2.boxes, v2.title.as_deref()), (vec![Inbox::Submitted], Some("采购合同")));
        let private = listed(
            serde_json::json!({ "id": 2, "creatorId": "2422042842433986573", "creatorName": "阿萨德" }),
            "2422042842433986573",
        );
        assert_eq!((private.remote_id.as_str(), private.boxes), ("2", vec![Inbox::Submitted]));
        let theirs = listed(serde_json::json!({ "id": "3", "subject": null, "creator": null }), "13857100001");
        assert!(theirs.boxes.is_empty() && theirs.title.is_none() && theirs.unreadable.is_none());
        let odd = listed(serde_json::json!({ "id": { "value": 4 }, "subject": "x" }), "13857100001");
        assert!(odd.unreadable.is_some());
    }
}
