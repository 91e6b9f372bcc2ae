//! yomicloud (a cloud drive's approval API, `002_…txt`): todo and processed come from
//! `get-handler-list utype=1`, cc from `utype=0`, submitted from `get-creator-list`; every
//! item is read with `view-approval` to learn its steps and "my" row; approve/reject go through
//! `handle-step`. Protocol details and our choices: docs/yomicloud-protocol.md.

pub mod auth;
pub mod client;
pub mod map;
pub mod wire;

use crate::connector::{Capabilities, Connector, Download, ListPage, SettingSpec, Source, VendorInfo};
use crate::error::VendorError;
use crate::model::{Action, Inbox, RemoteApproval, Vendor};
use crate::secrets::Secrets;
use crate::store::Account;
use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt};
use std::collections::HashMap;
use tokio::sync::OnceCell;

/// How many `view-approval` calls run at once during a sync.
const DETAIL_CONCURRENCY: usize = 4;

pub fn info() -> VendorInfo {
    VendorInfo {
        id: Vendor::Yomicloud,
        name: "云盘审批 (yomicloud)",
        settings: vec![
            SettingSpec { key: "uid", label: "用户 ID", secret: false, required: true, help: "The numeric user id the token belongs to." },
            SettingSpec { key: "token", label: "Token", secret: true, required: true, help: "The API token of your cloud-drive user (paste it from the drive's user settings)." },
        ],
        capabilities: Capabilities {
            boxes: vec![Inbox::Todo, Inbox::Submitted, Inbox::Processed, Inbox::Cc],
            actions: vec![Action::Approve, Action::Reject],
            attachments: true,
            submit: false,
        },
    }
}

pub struct YomiConnector {
    client: client::Client,
    types: OnceCell<HashMap<i64, String>>,
}

impl YomiConnector {
    pub fn new(account: &Account, secrets: &Secrets) -> Result<Self, VendorError> {
        let creds = auth::Credentials::from_account(account, secrets)?;
        Ok(YomiConnector { client: client::Client::new(&account.base_url, creds)?, types: OnceCell::new() })
    }

    /// Approval type names, read once per connector from `templet-content id=0`.
    async fn types(&self) -> Result<&HashMap<i64, String>, VendorError> {
        self.types.get_or_try_init(|| async { Ok(map::task_types(&self.client.templet_content(0, 0).await?.data)) }).await
    }

    async fn view(&self, remote_id: &str) -> Result<(wire::ViewApproval, serde_json::Value), VendorError> {
        self.client.view_approval(remote_id).await
    }

    /// The first level of a multi-file attachment, so the detail lists real files.
    async fn attachment_children(&self, view: &wire::ViewApproval) -> Result<Vec<wire::AttachEntry>, VendorError> {
        match &view.attachment {
            Some(a) if a.atype == 1 => Ok(self.client.attach_list(a.file_id, "").await?.data),
            _ => Ok(vec![]),
        }
    }
}

#[async_trait]
impl Connector for YomiConnector {
    fn sources(&self) -> Vec<Source> {
        vec![
            Source { name: "get-handler-list utype=1", boxes: vec![Inbox::Todo, Inbox::Processed] },
            Source { name: "get-handler-list utype=0", boxes: vec![Inbox::Cc] },
            Source { name: "get-creator-list", boxes: vec![Inbox::Submitted] },
        ]
    }

    async fn test(&self) -> Result<String, VendorError> {
        let types = self.types().await?;
        let todo = self.client.handler_list(1).await?.data.len();
        Ok(format!("连接成功：令牌有效（用户 {}），{} 种审批类型，{} 条审批与你相关", self.client.uid(), types.len(), todo))
    }

    async fn list(&self, source: &Source, _cursor: Option<&str>) -> Result<ListPage, VendorError> {
        let listed = match source.name {
            "get-handler-list utype=1" => self.client.handler_list(1).await?,
            "get-handler-list utype=0" => self.client.handler_list(0).await?,
            "get-creator-list" => self.client.creator_list().await?,
            other => return Err(VendorError::Config(format!("unknown yomicloud source {other}"))),
        };
        // The list has no steps or "my" row: read each item (choice 3: one page, no paging).
        let ids: Vec<String> = listed.data.iter().map(|r| r.id.to_string()).collect();
        let items = futures::stream::iter(ids.into_iter().map(|id| self.detail_of(id)))
            .buffered(DETAIL_CONCURRENCY)
            .try_collect()
            .await?;
        Ok(ListPage { items, next: None })
    }

    async fn detail(&self, remote_id: &str) -> Result<RemoteApproval, VendorError> {
        self.detail_of(remote_id.to_string()).await
    }

    async fn act(&self, remote_id: &str, action: Action, comment: &str) -> Result<(), VendorError> {
        let verdict = match action {
            Action::Approve => 1,
            Action::Reject => 2,
            Action::Cancel => return Err(VendorError::Unsupported("withdrawing an approval")),
        };
        let (view, _) = self.view(remote_id).await?;
        let content = map::content(&view.data).map_err(|e| VendorError::malformed("view-approval", e))?;
        let current = map::current_step(view.data.status, &content, &view.data2);
        let Some(row) = map::my_turn(&view.data2, &content, self.client.uid(), current) else {
            return Err(VendorError::NotAllowed("this approval is not waiting for your decision (already decided, or not your step yet)".into()));
        };
        self.client.handle_step(view.data.id, row.id, row.step, comment, verdict).await
    }

    async fn download(&self, attachment_id: &str) -> Result<Download, VendorError> {
        let (name, bytes) = self.client.download(attachment_id).await?;
        Ok(Download { name: name.unwrap_or_else(|| format!("attachment-{attachment_id}")), bytes })
    }
}

impl YomiConnector {
    async fn detail_of(&self, remote_id: String) -> Result<RemoteApproval, VendorError> {
        let types = self.types().await?;
        let (view, raw) = self.view(&remote_id).await?;
        let children = self.attachment_children(&view).await?;
        map::approval(&view, raw, self.client.uid(), types, &children).map_err(|e| VendorError::malformed("view-approval", e))
    }
}
