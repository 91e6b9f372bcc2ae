//! fxiaoke (纷享销客 open platform, `001_…txt`): the old 协同审批 API (read-only) walked over
//! windows of `approval/query` that stay within its 180 days however they are counted
//! ([`windows`]) and read with `approval/get`, plus the CRM approval flows
//! (`approvalInstances/query`, `approvalInstance/get`) that can be agreed, rejected and
//! cancelled. Boxes are derived per item from its detail; people are named through the
//! vendor's user calls (`people.rs`). Protocol and our choices: docs/fxiaoke-protocol.md.

pub mod auth;
pub mod client;
pub mod map;
pub mod people;
pub mod wire;

use crate::connector::{
    Capabilities, Connector, Download, ListItem, ListPage, ListTotal, Recall, SettingSpec, Source, VendorInfo,
};
use crate::error::VendorError;
use crate::model::Account;
use crate::model::{Action, Inbox, RemoteApproval, Vendor};
use crate::secrets::Secrets;
use async_trait::async_trait;
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::OnceCell;

/// A day, in ms (Beijing time has no daylight saving: every day is this long).
pub const DAY_MS: i64 = 86_400_000;
/// Days in one `approval/query` window. The document allows "不超过180天" and says no more: not
/// whether both ends count, nor in which zone days are counted. A window of 178 whole Beijing
/// days, its end the last millisecond before the next window, spans 178 days less 1 ms, touches
/// 178 calendar days in Beijing time and at most 179 in any other zone: within 180 days
/// whichever way the vendor counts, with a day to spare.
pub const WINDOW_DAYS: i64 = 178;
/// Defaults of the optional settings (docs/fxiaoke-protocol.md, "Our choices" 6–8).
pub const DEFAULT_HISTORY_DAYS: i64 = 365;
pub const DEFAULT_PAGE_SIZE: i64 = 100;
pub const MAX_PAGE_SIZE: i64 = 1000;
pub const DEFAULT_CRM_FLOWS: &str = "apprSalesOrderObj__crmappr,apprQuoteObj__crmappr,apprContractObj__crmappr";
/// How long a head as at a full walk stands for both lists ([`Connector::head_trusted_for`]).
/// It shows every change but two: an approval leaving the history, and a second update of the
/// top 协同 approval in the second of the first (its update time counts seconds).
const HEAD_TRUSTED_FOR: Duration = Duration::from_secs(3600);

/// The gap between two history reads of a first sync: 2 reads a second. Two thirds of the
/// history are 协同 approvals (the rest CRM instances, another endpoint), so the 协同 detail
/// endpoint gets about 1.33 of the 2 calls a second its pacing allows (`client::REFILL`): a
/// third is left for the user's decisions, their re-reads, and the next pass over the lists.
pub const HISTORY_GAP: Duration = Duration::from_millis(500);
/// The one source: its items carry every box they belong to.
const SOURCE: &str = "approval/query + crm/approvalInstances/query";

pub fn info() -> VendorInfo {
    let s =
        |key, label, secret, required, help| SettingSpec { key, label, secret, required, help, ..Default::default() };
    VendorInfo {
        id: Vendor::Fxiaoke,
        name: "纷享销客 (fxiaoke)",
        color: "orange",
        settings: vec![
            s("app_id", "appId", false, true, "The appId of your fxiaoke open-platform app (FSAID_…)."),
            s("app_secret", "appSecret", true, true, "The app's appSecret."),
            s("permanent_code", "永久授权码 permanentCode", true, true, "The permanentCode the company granted the app."),
            s("open_user_id", "openUserId", false, false, "Your openUserId (FSUID_…). Give this or your mobile number."),
            s("mobile", "手机号", false, false, "Your mobile number, used to look up your openUserId when it is not given."),
            s("history_days", "同步天数", false, false, "How many days back to sync (default 365), walked in 180-day windows."),
            s("crm_flows", "CRM 审批流", false, false, "Comma-separated CRM approval flow API names to include (default: sales order, quote and contract flows; empty list = none)."),
            s("page_size", "每页条数", false, false, "Items per list call, 1–1000 (default 100)."),
        ],
        capabilities: Capabilities {
            boxes: vec![Inbox::Todo, Inbox::Submitted, Inbox::Processed],
            actions: vec![Action::Approve, Action::Reject, Action::Cancel],
            attachments: true,
            submit: false,
            ..Default::default()
        },
    }
}

/// Where a sync walk stands in each of the two lists, which are walked side by side: each
/// endpoint has its own rate limit, so reading the two lists' details at once halves a first
/// sync. `None`: that list is done. `anchor` (ms) fixes the windows for the whole walk.
#[derive(Debug, Clone, PartialEq)]
struct Cursor {
    anchor: i64,
    old: Option<OldAt>,
    crm: Option<CrmAt>,
}

/// A page of `approval/query`: which window, which page.
#[derive(Debug, Clone, Copy, PartialEq)]
struct OldAt {
    window: usize,
    page: i64,
}

/// A page of `crm/approvalInstances/query`: which flow, which window, which page.
#[derive(Debug, Clone, Copy, PartialEq)]
struct CrmAt {
    flow: usize,
    window: usize,
    page: i64,
}

impl Cursor {
    /// `anchor:window.page:flow.window.page`, a `-` for a list that is done.
    fn parse(s: &str) -> Option<Cursor> {
        let [anchor, old, crm] = <[&str; 3]>::try_from(s.split(':').collect::<Vec<_>>()).ok()?;
        let numbers =
            |p: &str| p.split('.').map(|n| n.parse::<i64>().ok().filter(|n| *n >= 0)).collect::<Option<Vec<_>>>();
        let old = match old {
            "-" => None,
            o => match numbers(o)?.as_slice() {
                &[window, page] => Some(OldAt { window: window as usize, page }),
                _ => return None,
            },
        };
        let crm = match crm {
            "-" => None,
            c => match numbers(c)?.as_slice() {
                &[flow, window, page] => Some(CrmAt { flow: flow as usize, window: window as usize, page }),
                _ => return None,
            },
        };
        Some(Cursor { anchor: anchor.parse().ok()?, old, crm })
    }

    fn text(&self) -> String {
        let old = self.old.map_or("-".into(), |o| format!("{}.{}", o.window, o.page));
        let crm = self.crm.map_or("-".into(), |c| format!("{}.{}.{}", c.flow, c.window, c.page));
        format!("{}:{old}:{crm}", self.anchor)
    }
}

/// What one list gave to a page of the walk: its items, where it goes on, and its count.
struct Part<At> {
    listed: Vec<ListItem>,
    next: Option<At>,
    total: ListTotal,
}

/// The end of the day (Beijing time) that holds `now_ms`: the anchor of the windows, so that they
/// stay put all day (an approval crossing from one window to the next would change both heads).
pub fn end_of_day(now_ms: i64) -> i64 {
    let offset = i64::from(map::beijing().local_minus_utc()) * 1000;
    ((now_ms + offset).div_euclid(DAY_MS) + 1) * DAY_MS - offset
}

/// The windows covering the `history_days` days before `anchor` (a Beijing midnight: see
/// [`end_of_day`]), newest first, as `(startTime, endTime)` with both ends inside the window:
/// each starts at a Beijing midnight and ends 1 ms before the next one starts, so consecutive
/// windows neither overlap nor leave a gap, and none is longer than [`WINDOW_DAYS`].
pub fn windows(anchor: i64, history_days: i64) -> Vec<(i64, i64)> {
    let oldest = anchor - history_days.max(1) * DAY_MS;
    let mut out = Vec::new();
    let mut next_start = anchor;
    while next_start > oldest {
        let start = (next_start - WINDOW_DAYS * DAY_MS).max(oldest);
        out.push((start, next_start - 1));
        next_start = start;
    }
    out
}

pub struct FxConnector {
    client: client::Client,
    open_user_id: Option<String>,
    mobile: Option<String>,
    me: OnceCell<String>,
    history_days: i64,
    page_size: i64,
    crm_flows: Vec<String>,
    /// mediaId → file name, learnt from the details, for downloads.
    media_names: Mutex<HashMap<String, String>>,
    /// instanceId → the CRM list's row, which fills what the unpublished detail lacks.
    crm_rows: Mutex<HashMap<String, wire::CrmInstance>>,
    /// openUserId → name.
    people: people::People,
}

fn number_setting(
    account: &Account,
    key: &str,
    default: i64,
    range: std::ops::RangeInclusive<i64>,
) -> Result<i64, VendorError> {
    match account.setting(key) {
        None => Ok(default),
        Some(v) => v.trim().trim_matches('"').parse::<i64>().ok().filter(|n| range.contains(n)).ok_or_else(|| {
            VendorError::Config(format!(
                "{key} must be a whole number from {} to {}, not \"{v}\"",
                range.start(),
                range.end()
            ))
        }),
    }
}

impl FxConnector {
    pub fn new(account: &Account, secrets: &Secrets) -> Result<Self, VendorError> {
        let creds = auth::Credentials::from_account(account, secrets)?;
        let open_user_id = account.setting("open_user_id").map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        let mobile = account.setting("mobile").map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        if open_user_id.is_none() && mobile.is_none() {
            return Err(VendorError::Config("give either open_user_id (FSUID_…) or mobile".into()));
        }
        let flows = match account.settings.get("crm_flows") {
            None => DEFAULT_CRM_FLOWS.to_string(),
            Some(v) => v.as_str().map(str::to_string).unwrap_or_default(),
        };
        Ok(FxConnector {
            client: client::Client::new(&account.base_url, creds)?,
            open_user_id,
            mobile,
            me: OnceCell::new(),
            history_days: number_setting(account, "history_days", DEFAULT_HISTORY_DAYS, 1..=3650)?,
            page_size: number_setting(account, "page_size", DEFAULT_PAGE_SIZE, 1..=MAX_PAGE_SIZE)?,
            crm_flows: flows.split(',').map(str::trim).filter(|f| !f.is_empty()).map(str::to_string).collect(),
            media_names: Mutex::default(),
            crm_rows: Mutex::default(),
            people: people::People::default(),
        })
    }

    /// Paces this connector's calls through `pacer`, shared by every process on the cache.
    pub fn paced_by(mut self, pacer: std::sync::Arc<dyn crate::connector::Pacer>) -> Self {
        self.client = self.client.paced_by(pacer);
        self
    }

    pub fn client(&self) -> &client::Client {
        &self.client
    }

    /// The user's openUserId: the setting, or looked up once by mobile.
    pub async fn me(&self) -> Result<&str, VendorError> {
        self.me
            .get_or_try_init(|| async {
                if let Some(id) = &self.open_user_id {
                    return Ok(id.clone());
                }
                let mobile = self.mobile.as_deref().unwrap_or_default();
                let found = self.client.user_by_mobile(mobile).await?;
                let me = found.emp_list.first().ok_or_else(|| {
                    VendorError::Config(format!("no employee of this company has the mobile number {mobile}"))
                })?;
                self.people.learn(&me.open_user_id, me.name.as_deref().unwrap_or_default());
                Ok(me.open_user_id.clone())
            })
            .await
            .map(String::as_str)
    }

    /// Learns the names of the approval's files, for downloads.
    fn note_media(&self, a: &RemoteApproval) {
        let mut names = self.media_names.lock().unwrap_or_else(|p| p.into_inner());
        for f in &a.attachments {
            names.insert(f.remote_id.clone(), f.name.clone());
        }
    }

    async fn old_detail(&self, id: i64) -> Result<RemoteApproval, VendorError> {
        let me = self.me().await?;
        let (got, raw) = self.client.approval_get(id).await?;
        let mut a = map::approval(&got.approval, raw, me);
        self.people.name_all(&self.client, &mut a).await;
        self.note_media(&a);
        Ok(a)
    }

    /// A CRM instance's detail, its instance completed from the list's row (`row`, or the one
    /// this connector last listed).
    async fn crm_detail(
        &self,
        instance_id: &str,
        row: Option<wire::CrmInstance>,
    ) -> Result<(RemoteApproval, wire::CrmInstanceDetail), VendorError> {
        let me = self.me().await?;
        let (got, raw) = self.client.crm_instance_get(me, instance_id).await?;
        let row = row.or_else(|| self.crm_rows.lock().unwrap_or_else(|p| p.into_inner()).get(instance_id).cloned());
        let detail = got.instance_detail.completed(instance_id, row.as_ref());
        let mut a = map::crm_instance(&detail, raw, me);
        self.people.name_all(&self.client, &mut a).await;
        self.note_media(&a);
        Ok((a, detail))
    }

    /// A CRM instance list item as the sync reads it: its state stands for it between syncs;
    /// its row is kept for the detail, and tells one box (I applied) should the detail be
    /// unreadable.
    fn crm_item(&self, raw: Value, me: &str) -> ListItem {
        const CALL: &str = client::beyond_document::CRM_INSTANCES_QUERY;
        match super::parse_item::<wire::CrmInstance>(CALL, &raw) {
            Ok(i) => {
                let item = ListItem::new(format!("{}{}", map::CRM_PREFIX, i.instance_id), raw)
                    .seen_as(Value::String(i.state.clone()))
                    .finished_if(map::crm_status(&i.state).0.is_final());
                let item = if i.applicant_open_user_id == me { item.in_boxes(vec![Inbox::Submitted]) } else { item };
                let item = if i.instance_name.is_empty() { item } else { item.titled(i.instance_name.clone()) };
                self.crm_rows.lock().unwrap_or_else(|p| p.into_inner()).insert(i.instance_id.clone(), i);
                item
            }
            Err(e) => ListItem::unreadable(
                super::id_text(raw.get("instanceId")).map(|id| format!("{}{id}", map::CRM_PREFIX)),
                raw,
                e,
            ),
        }
    }

    async fn old_page(&self, anchor: i64, at: OldAt) -> Result<Part<OldAt>, VendorError> {
        let wins = windows(anchor, self.history_days);
        let &(start, end) = wins
            .get(at.window)
            .ok_or_else(|| VendorError::Config(format!("bad fxiaoke cursor: no window {}", at.window)))?;
        let q = self.client.approval_query(start, end, at.page, self.page_size).await?;
        let (count, got_some) = (q.total_count.unwrap_or(0), !q.approvals.is_empty());
        let listed = q.approvals.into_iter().map(old_item).collect();
        let next = if at.page * self.page_size < count && got_some {
            Some(OldAt { page: at.page + 1, ..at })
        } else {
            (at.window + 1 < wins.len()).then_some(OldAt { window: at.window + 1, page: 1 })
        };
        Ok(Part { listed, next, total: ListTotal { of: format!("approval/query window {}", at.window), count } })
    }

    async fn crm_page(&self, anchor: i64, at: CrmAt) -> Result<Part<CrmAt>, VendorError> {
        let wins = windows(anchor, self.history_days);
        let &(start, end) = wins
            .get(at.window)
            .ok_or_else(|| VendorError::Config(format!("bad fxiaoke cursor: no window {}", at.window)))?;
        let flow_name = self
            .crm_flows
            .get(at.flow)
            .ok_or_else(|| VendorError::Config(format!("bad fxiaoke cursor: no CRM flow {}", at.flow)))?;
        let me = self.me().await?.to_string();
        let q = self.client.crm_instances_query(&me, flow_name, start, end, at.page, self.page_size).await?;
        let result = q.query_result.unwrap_or(wire::CrmQueryResult { total: Some(0), instance_list: vec![] });
        let (count, got_some) = (result.total.unwrap_or(0), !result.instance_list.is_empty());
        let listed = result.instance_list.into_iter().map(|raw| self.crm_item(raw, &me)).collect();
        let next = if at.page * self.page_size < count && got_some {
            Some(CrmAt { page: at.page + 1, ..at })
        } else if at.window + 1 < wins.len() {
            Some(CrmAt { window: at.window + 1, page: 1, ..at })
        } else {
            (at.flow + 1 < self.crm_flows.len()).then_some(CrmAt { flow: at.flow + 1, window: 0, page: 1 })
        };
        Ok(Part { listed, next, total: ListTotal { of: format!("{flow_name} window {}", at.window), count } })
    }

    /// The top of one `approval/query` window: its count, its newest-updated approval, and
    /// that approval's update time, which the list item does not carry (a step can move
    /// without changing the item's status), read from the reply as it is (a detail we cannot
    /// read still has a time, or none).
    async fn old_top(&self, (start, end): (i64, i64)) -> Result<impl Hash, VendorError> {
        let q = self.client.approval_query(start, end, 1, 1).await?;
        let top = match q
            .approvals
            .first()
            .map(|raw| (raw.to_string(), super::parse_item::<wire::ApprovalRef>(client::path::APPROVAL_QUERY, raw)))
        {
            Some((raw, Ok(r))) => {
                let got =
                    self.client.call_raw(client::path::APPROVAL_GET, serde_json::json!({ "approvalId": r.id })).await?;
                Some((raw, got.pointer("/approval/feed/lastUpdateTime").map(Value::to_string)))
            }
            Some((raw, Err(_))) => Some((raw, None)),
            None => None,
        };
        Ok((q.total_count, top))
    }

    /// The top of one CRM flow's window: its count and its newest-modified instance.
    async fn crm_top(&self, me: &str, flow: &str, (start, end): (i64, i64)) -> Result<impl Hash, VendorError> {
        let q = self.client.crm_instances_query(me, flow, start, end, 1, 1).await?.query_result;
        let total = q.as_ref().and_then(|r| r.total);
        let top = q.and_then(|r| r.instance_list.into_iter().next()).map(|i| i.to_string());
        Ok((total, top))
    }

    /// A page of each list not yet done, read at the same time.
    async fn page(&self, at: Cursor) -> Result<ListPage, VendorError> {
        let old = async {
            match at.old {
                Some(o) => self.old_page(at.anchor, o).await.map(Some),
                None => Ok(None),
            }
        };
        let crm = async {
            match at.crm {
                Some(c) => self.crm_page(at.anchor, c).await.map(Some),
                None => Ok(None),
            }
        };
        let (old, crm) = futures::try_join!(old, crm)?;
        let next = Cursor {
            anchor: at.anchor,
            old: old.as_ref().and_then(|p| p.next),
            crm: crm.as_ref().and_then(|p| p.next),
        };
        let more = next.old.is_some() || next.crm.is_some();
        let (mut old_items, mut crm_items, mut totals) = (Vec::new(), Vec::new(), Vec::new());
        if let Some(p) = old {
            old_items = p.listed;
            totals.push(p.total);
        }
        if let Some(p) = crm {
            crm_items = p.listed;
            totals.push(p.total);
        }
        // Interleaved: the sync reads a page's items a few at a time in order, and each list's
        // details come from their own endpoint, under its own rate limit.
        let listed = interleave(old_items, crm_items);
        let page = ListPage::new(listed, more.then(|| next.text()));
        Ok(totals.into_iter().fold(page, |p, t| p.of_total(t.of, t.count)))
    }
}

/// An `approval/query` item as the sync reads it: its status (as the vendor wrote it) stands
/// for it between syncs. The list is the company's, so it cannot tell the user's boxes.
fn old_item(raw: Value) -> ListItem {
    match super::parse_item::<wire::ApprovalRef>(client::path::APPROVAL_QUERY, &raw) {
        Ok(r) => {
            // 1 待审批 may wait for the user; 2–5 have ended; an unknown code may wait.
            let word = wire::word_of(&r.status);
            let finished = map::status(&word).0.is_final();
            ListItem::new(r.id.to_string(), raw).seen_as(Value::String(word)).finished_if(finished)
        }
        Err(e) => ListItem::unreadable(super::id_text(raw.get("id")), raw, e),
    }
}

/// `a` and `b` taken turn about, the longer one's rest at the end.
fn interleave<T>(a: Vec<T>, b: Vec<T>) -> Vec<T> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter(), b.into_iter());
    loop {
        match (a.next(), b.next()) {
            (None, None) => return out,
            (x, y) => out.extend(x.into_iter().chain(y)),
        }
    }
}

fn check_source(source: &Source) -> Result<(), VendorError> {
    match source.name {
        SOURCE => Ok(()),
        other => Err(VendorError::Config(format!(
            "fxiaoke has no source {other} (ours, from `sources`: a bug, not vendor data)"
        ))),
    }
}

#[async_trait]
impl Connector for FxConnector {
    fn sources(&self) -> Vec<Source> {
        vec![Source { name: SOURCE, boxes: vec![Inbox::Todo, Inbox::Submitted, Inbox::Processed] }]
    }

    /// Finished items do not change: not read again while the list shows the same status (the
    /// list's status is what an item's `seen` holds) and with no time limit: every call counts
    /// under the rate limit.
    fn recall(&self) -> Recall {
        Recall { ttl: Duration::MAX, ..Recall::default() }
    }

    async fn test(&self) -> Result<String, VendorError> {
        let token = self.client.token().await?;
        let me = self.me().await?.to_string();
        let forms = self.client.approval_type_forms().await?.approval_type_forms.len();
        let name = self.people.name(&self.client, &me).await;
        let user = if name == me { me } else { format!("{name}（{me}）") };
        Ok(format!(
            "连接成功：企业 {}，用户 {user}，{forms} 种审批类型，{} 个 CRM 审批流",
            token.corp_id,
            self.crm_flows.len()
        ))
    }

    /// Both lists put the newest change first (the document's order for `approval/query`, our
    /// choice 5 for the CRM list), so any change puts the changed item at the top of its
    /// window with a newer update time: each window's count and top show every change. One
    /// call per window and CRM flow, plus a read of each 协同 window's top.
    async fn head(&self, source: &Source) -> Result<Option<u64>, VendorError> {
        check_source(source)?;
        let wins = windows(end_of_day(crate::model::now_ms()), self.history_days);
        let me = self.me().await?;
        let old = futures::future::try_join_all(wins.iter().map(|w| self.old_top(*w)));
        let crm = futures::future::try_join_all(
            self.crm_flows.iter().flat_map(|f| wins.iter().map(move |w| self.crm_top(me, f, *w))),
        );
        let (old, crm) = futures::try_join!(old, crm)?;
        Ok(Some(super::hash_of(&(old, crm))))
    }

    fn head_trusted_for(&self) -> Duration {
        HEAD_TRUSTED_FOR
    }

    /// History reads start at most one per [`HISTORY_GAP`], so the user's decisions and the
    /// next pass over the lists are not queued behind an hour of history.
    fn history_gap(&self) -> Option<Duration> {
        Some(HISTORY_GAP)
    }

    async fn list(&self, source: &Source, cursor: Option<&str>) -> Result<ListPage, VendorError> {
        check_source(source)?;
        let cursor = match cursor {
            None => {
                self.people.new_walk();
                Cursor {
                    anchor: end_of_day(crate::model::now_ms()),
                    old: Some(OldAt { window: 0, page: 1 }),
                    crm: (!self.crm_flows.is_empty()).then_some(CrmAt { flow: 0, window: 0, page: 1 }),
                }
            }
            Some(c) => Cursor::parse(c).ok_or_else(|| VendorError::Config(format!("bad fxiaoke cursor {c}")))?,
        };
        self.page(cursor).await
    }

    /// The item's detail: a CRM instance's (completed from its list row), or a 协同 approval's.
    async fn read(&self, _source: &Source, item: &ListItem) -> Result<RemoteApproval, VendorError> {
        if let Some(instance) = item.remote_id.strip_prefix(map::CRM_PREFIX) {
            let row = wire::CrmInstance::deserialize(&item.raw).ok();
            return Ok(self.crm_detail(instance, row).await?.0);
        }
        self.detail(&item.remote_id).await
    }

    async fn detail(&self, remote_id: &str) -> Result<RemoteApproval, VendorError> {
        if let Some(instance) = remote_id.strip_prefix(map::CRM_PREFIX) {
            return Ok(self.crm_detail(instance, None).await?.0);
        }
        let id = remote_id
            .parse()
            .map_err(|_| VendorError::NotAllowed(format!("\"{remote_id}\" is not a fxiaoke approval id")))?;
        self.old_detail(id).await
    }

    async fn act(&self, remote_id: &str, action: Action, comment: &str) -> Result<(), VendorError> {
        self.decide(remote_id, None, action, comment).await
    }

    async fn act_at(&self, remote_id: &str, step: &str, action: Action, comment: &str) -> Result<(), VendorError> {
        self.decide(remote_id, Some(step), action, comment).await
    }

    async fn download(&self, attachment_id: &str) -> Result<Download, VendorError> {
        let bytes = self.client.media_download(attachment_id).await?;
        let name = self.media_names.lock().unwrap_or_else(|p| p.into_inner()).get(attachment_id).cloned();
        Ok(Download { name: name.unwrap_or_else(|| format!("attachment-{attachment_id}")), bytes })
    }
}

impl FxConnector {
    /// Agrees, rejects (on the task awaiting the user; for a decision made at one task, `step`,
    /// only that very task) or cancels a CRM instance.
    async fn decide(
        &self,
        remote_id: &str,
        step: Option<&str>,
        action: Action,
        comment: &str,
    ) -> Result<(), VendorError> {
        const DEFAULT_AGREE_OPINION: &str = "同意";
        let Some(instance) = remote_id.strip_prefix(map::CRM_PREFIX) else {
            return Err(VendorError::Unsupported("acting on 协同审批 items (that API is read-only)"));
        };
        let (_, detail) = self.crm_detail(instance, None).await?;
        let me = self.me().await?.to_string();
        match action {
            Action::Approve | Action::Reject => {
                let Some(task) = map::crm_my_task(&detail, &me) else {
                    return Err(VendorError::NotAllowed(
                        "this CRM approval is not waiting for your decision (already decided, or not your step)".into(),
                    ));
                };
                if step.is_some_and(|step| step != task.id) {
                    let at =
                        task.task_name.as_deref().map(|n| format!(" (it awaits you at {n} now)")).unwrap_or_default();
                    return Err(VendorError::NotAllowed(format!(
                        "approval {remote_id} no longer awaits you at the step you saw{at}: decide again there"
                    )));
                }
                let verb = if action == Action::Approve { "agree" } else { "reject" };
                // fxiaoke wants an opinion with every decision; an approval may come without one.
                let opinion = if comment.is_empty() { DEFAULT_AGREE_OPINION } else { comment };
                self.client.crm_task_action(&me, &task.id, verb, opinion).await
            }
            Action::Cancel => {
                let i = detail.instance();
                if i.applicant_open_user_id != me || i.state != "in_progress" {
                    return Err(VendorError::NotAllowed(
                        "only the applicant can cancel, and only while the approval runs".into(),
                    ));
                }
                let reason = if comment.is_empty() { "申请人撤回" } else { comment };
                self.client.crm_instance_cancel(&me, &i.object_api_name, &i.data_id, reason).await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Calendar days a window touches in a zone `offset_ms` east of UTC, both ends counted.
    fn days_touched((start, end): (i64, i64), offset_ms: i64) -> i64 {
        (end + offset_ms).div_euclid(DAY_MS) - (start + offset_ms).div_euclid(DAY_MS) + 1
    }

    const BEIJING: i64 = 8 * 3_600_000;

    #[test]
    fn windows_stay_within_180_days_however_the_vendor_counts_them() {
        let anchor = end_of_day(1_795_275_000_000);
        for days in [1, 2, 177, 178, 179, 180, 181, 356, 357, 365, 366, 3650] {
            let w = windows(anchor, days);
            assert_eq!(w.len() as i64, (days + WINDOW_DAYS - 1) / WINDOW_DAYS, "{days} days");
            assert_eq!(w[0].1, anchor - 1, "the newest window ends with today");
            assert_eq!(w[w.len() - 1].0, anchor - days * DAY_MS, "the oldest begins {days} days ago");
            for &(start, end) in &w {
                assert!(start < end);
                assert!(end - start < 180 * DAY_MS - DAY_MS, "less than 179 days between the ends: {start}–{end}");
                assert!(end + 1 - start <= WINDOW_DAYS * DAY_MS, "ends included, at most {WINDOW_DAYS} days");
                assert!(days_touched((start, end), BEIJING) <= WINDOW_DAYS, "Beijing calendar days, ends included");
                for hours in -12..=14 {
                    assert!(days_touched((start, end), hours * 3_600_000) < 180, "calendar days at UTC{hours:+}");
                }
                assert_eq!((start + BEIJING).rem_euclid(DAY_MS), 0, "starts at a Beijing midnight");
                assert_eq!((end + 1 + BEIJING).rem_euclid(DAY_MS), 0, "ends the millisecond before one");
            }
            for pair in w.windows(2) {
                assert_eq!(
                    pair[1].1 + 1,
                    pair[0].0,
                    "{days} days: consecutive windows neither overlap nor leave a gap"
                );
            }
        }
        // Every millisecond around every edge of ten years of windows lies in exactly one window.
        let w = windows(anchor, 3650);
        let oldest = anchor - 3650 * DAY_MS;
        for t in
            w.iter().flat_map(|&(s, e)| [s - 1, s, s + 1, e - 1, e, e + 1]).filter(|t| (oldest..anchor).contains(t))
        {
            assert_eq!(w.iter().filter(|(s, e)| (*s..=*e).contains(&t)).count(), 1, "{t}");
        }
    }

    #[test]
    fn windows_end_at_the_end_of_the_beijing_day() {
        // 2026-11-21 23:30 and 2026-11-22 00:30 Beijing time (UTC+8).
        let (late, early) = (1_795_275_000_000, 1_795_278_600_000);
        assert_eq!(end_of_day(late), 1_795_276_800_000, "midnight that ends the 21st");
        assert_eq!(end_of_day(late - 23 * 3_600_000), end_of_day(late), "the same all day");
        assert_eq!(end_of_day(early), end_of_day(late) + 86_400_000);
    }

    #[test]
    fn cursors_round_trip() {
        let old = Some(OldAt { window: 1, page: 3 });
        let crm = Some(CrmAt { flow: 2, window: 0, page: 1 });
        for (old, crm) in [(old, crm), (old, None), (None, crm)] {
            let c = Cursor { anchor: 5, old, crm };
            assert_eq!(Cursor::parse(&c.text()), Some(c));
        }
        for bad in ["x:1", "5:1:2.0.1", "5:1.2:2.0", "5:-1.2:-", "old:5:1:3"] {
            assert_eq!(Cursor::parse(bad), None, "{bad}");
        }
    }
}
