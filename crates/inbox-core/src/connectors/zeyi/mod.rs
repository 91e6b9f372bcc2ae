//! zeyi (则一 TMS audit API, `000_…txt`): a push vendor. We send an approval
//! (`audit/send`), may cancel it (`audit/cancel`), and 则一 calls us back with the result
//! (`crate::callback` runs that listener). There is no list or read endpoint: zeyi approvals
//! live in the submitted box of the cache, sync has no source to walk (so it never removes
//! them), and the state shown is what we sent, did and were told. Both calls are safe to send
//! again after a reply that was lost (the business id holds one approval; a finished approval
//! cannot be cancelled twice), so a call whose outcome is unknown is resent at once and the
//! vendor's refusal of the resend read as the answer it is. Protocol and choices:
//! docs/zeyi-protocol.md.

pub mod auth;
pub mod client;
pub mod map;
pub mod relay;
pub mod wire;

use crate::connector::{
    Capabilities, Choice, Connector, Download, ListItem, ListPage, SettingSpec, Source, VendorInfo, When,
};
use crate::error::VendorError;
use crate::model::Account;
use crate::model::{Action, FieldKind, Inbox, RemoteApproval, Status, Vendor};
use crate::secrets::Secrets;
use crate::submission::{AttachmentRule, FieldValue, Progress, Submission, Template, TemplateQuery};
use async_trait::async_trait;
use auth::{Cipher, KeyPair};
use client::{Sent, FINISHED_CODE, NOT_FOUND_CODE};
use md5::{Digest, Md5};
use std::time::Duration;

/// How often a send or a cancel is tried when its reply does not arrive or cannot be read
/// (the same body each time, choice 3).
const ATTEMPTS: u32 = 3;
/// Default request timeout; the `timeout_ms` setting overrides it.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The business key used by the connection test's cancel probe (choice 7).
const PROBE_ID: &str = "approval-inbox-connection-test";

/// The `mode` setting's values: 则一 called from this machine, or through the company's relay.
pub const DIRECT: &str = "direct";
pub const VIA_RELAY: &str = "relay";
const MODES: &[Choice] = &[Choice { value: DIRECT, label: "直连" }, Choice { value: VIA_RELAY, label: "经中继" }];
const IN_DIRECT: Option<When> = Some(When { key: "mode", value: DIRECT });
const IN_RELAY: Option<When> = Some(When { key: "mode", value: VIA_RELAY });

pub fn info() -> VendorInfo {
    let s =
        |key, label, secret, required, help| SettingSpec { key, label, secret, required, help, ..Default::default() };
    let direct = |spec: SettingSpec| SettingSpec { when: IN_DIRECT, ..spec };
    let relay = |spec: SettingSpec| SettingSpec { when: IN_RELAY, ..spec };
    VendorInfo {
        id: Vendor::Zeyi,
        name: "则一 TMS (zeyi)",
        color: "purple",
        settings: vec![
            SettingSpec { choices: MODES, ..s("mode", "连接方式", false, false, "直连: this computer calls 则一 (its address must be on 则一's whitelist) and receives its callbacks; 经中继: through your company's inbox-relay, which holds 则一's keys (only its URL and your token here).") },
            relay(s("relay_url", "中继地址", false, true, "The address of your company's inbox-relay, e.g. https://relay.example.com.")),
            relay(s("relay_token", "中继令牌", true, true, "Your token for the relay (irt1.…), given once by its administrator (inbox-relay user add); kept in the system keychain.")),
            direct(s("app_key", "appKey", false, true, "The appKey 则一 gave you (sent as the appKey header).")),
            direct(s("app_secret", "appSecret", true, true, "The appSecret 则一 gave you: signs requests and, with encryption on, is the AES key (16, 24 or 32 characters).")),
            s("username", "发起人工号", false, true, "Your 则一 employee number: the default sender of approvals and the operator of cancellations (through a relay, the 工号 of your token)."),
            direct(s("encrypt", "加密", false, false, "\"true\" when 则一 asked for AES-encrypted bodies; default \"false\".")),
            direct(s("iv", "IV", false, false, "The 16-character AES IV 则一 gave you; default 0102030405060708.")),
            direct(s("callback_app_key", "回调 appKey", false, true, "The appKey WE issued to 则一 for its callbacks (identifies this account to the callback listener).")),
            direct(s("callback_app_secret", "回调 appSecret", true, true, "The appSecret we issued to 则一 for its callbacks.")),
            s("timeout_ms", "超时(毫秒)", false, false, "Request timeout in milliseconds; default 30000."),
        ],
        capabilities: Capabilities {
            boxes: vec![Inbox::Submitted],
            actions: vec![Action::Cancel],
            submit: true,
            // The business id derived from the form makes a resend harmless (zeyi-protocol.md).
            idempotent_submit: true,
            template_label: Some("审批类型（auditType）"),
            ..Default::default()
        },
    }
}

/// Whether the account reaches 则一 through the company's relay (`mode = "relay"`).
pub fn via_relay(account: &Account) -> bool {
    account.vendor == Vendor::Zeyi && account.setting("mode").is_some_and(|m| m.trim() == VIA_RELAY)
}

/// The relay of a relay-mode account (`None` in direct mode).
pub fn relay_of(account: &Account, secrets: &Secrets) -> Result<Option<relay::Relay>, VendorError> {
    if !via_relay(account) {
        return Ok(None);
    }
    relay::Relay::new(&required(account, "relay_url")?, &secret(secrets, "relay_token")?, timeout_of(account)?)
        .map(Some)
}

/// The `timeout_ms` setting, or the default.
fn timeout_of(account: &Account) -> Result<Duration, VendorError> {
    match account.setting("timeout_ms") {
        None => Ok(DEFAULT_TIMEOUT),
        Some(ms) => ms
            .trim()
            .parse()
            .map(Duration::from_millis)
            .map_err(|_| VendorError::Config(format!("`timeout_ms` must be a number, not \"{ms}\""))),
    }
}

/// Whether the account encrypts bodies (`encrypt` setting, "true"/"false", default false).
fn encrypts(account: &Account) -> Result<bool, VendorError> {
    match account.setting("encrypt").as_deref().map(str::trim) {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(VendorError::Config(format!("`encrypt` must be \"true\" or \"false\", not \"{other}\""))),
    }
}

fn required(account: &Account, key: &str) -> Result<String, VendorError> {
    account.setting(key).ok_or_else(|| VendorError::Config(format!("the setting `{key}` is missing")))
}

fn secret(secrets: &Secrets, key: &str) -> Result<String, VendorError> {
    secrets.get(key).map(str::to_string).ok_or_else(|| VendorError::Config(format!("the secret `{key}` is missing")))
}

/// The cipher for `keys`, when the account encrypts (a bad key length is a configuration error).
fn cipher_for(account: &Account, keys: &KeyPair) -> Result<Option<Cipher>, VendorError> {
    if !encrypts(account)? {
        return Ok(None);
    }
    let iv = account.setting("iv").unwrap_or_else(|| auth::DEFAULT_IV.to_string());
    keys.cipher(&iv).map(Some).map_err(|e| VendorError::Config(format!("encryption: {e}")))
}

/// What the callback listener needs of an account: the pair we issued to 则一 and, when the
/// account encrypts, the cipher keyed by that pair's secret.
pub fn callback_keys(account: &Account, secrets: &Secrets) -> Result<(KeyPair, Option<Cipher>), VendorError> {
    let keys = KeyPair::new(required(account, "callback_app_key")?, secret(secrets, "callback_app_secret")?);
    let cipher = cipher_for(account, &keys)?;
    Ok((keys, cipher))
}

pub struct ZeyiConnector {
    client: client::Client,
    /// What derived business ids are made unique by: the app key, or the sender via a relay.
    app_key: String,
    username: String,
    /// The relay, in relay mode (its connection test differs).
    relay: Option<relay::Relay>,
}

impl ZeyiConnector {
    pub fn new(account: &Account, secrets: &Secrets) -> Result<Self, VendorError> {
        let username = required(account, "username")?;
        if let Some(relay) = relay_of(account, secrets)? {
            // No keys here: the relay signs. Derived business ids are namespaced by the sender,
            // whom the relay holds to their own ids.
            let namespace = format!("relay:{username}");
            let client = client::Client::via_relay(relay.clone());
            return Ok(ZeyiConnector { client, app_key: namespace, username, relay: Some(relay) });
        }
        let keys = KeyPair::new(required(account, "app_key")?, secret(secrets, "app_secret")?);
        let cipher = cipher_for(account, &keys)?;
        // The callback pair is checked here too, so a bad one shows at "test", not at 则一's call.
        callback_keys(account, secrets)?;
        let app_key = keys.app_key.clone();
        Ok(ZeyiConnector {
            client: client::Client::new(&account.base_url, keys, cipher, timeout_of(account)?)?,
            app_key,
            username,
            relay: None,
        })
    }

    /// The send body from the submission form: `id` derived when absent, `username` defaulted.
    fn send_body(&self, form: &serde_json::Value) -> Result<wire::SendBody, VendorError> {
        let mut form = form.as_object().cloned().ok_or_else(|| invalid_form("it must be a JSON object"))?;
        match form.get("id") {
            Some(serde_json::Value::Number(n)) => {
                let id = n.to_string();
                form.insert("id".into(), id.into());
            }
            Some(serde_json::Value::String(s)) if !s.trim().is_empty() => {}
            _ => {
                form.remove("id");
                form.insert("id".into(), derive_id(&self.app_key, &form).into());
            }
        }
        if form.get("username").is_none_or(|v| v.as_str().is_some_and(|s| s.trim().is_empty())) {
            form.insert("username".into(), self.username.clone().into());
        }
        let body: wire::SendBody = serde_json::from_value(form.into()).map_err(|e| invalid_form(&e.to_string()))?;
        for f in &body.audit_form_list {
            map::field_kind(&f.kind).map_err(|e| invalid_form(&e))?;
        }
        if body.audit_type.trim().is_empty() || body.audit_form_list.is_empty() {
            return Err(invalid_form("`auditType` and a non-empty `auditFormList` are required"));
        }
        Ok(body)
    }

    /// Sends, again with the same body (same `id`) while the outcome is unknown: 则一 keeps at
    /// most one pending-or-approved approval per id, so a resend cannot create a second one,
    /// and its `AUDIT_EXISTS` answer means an earlier attempt landed (choice 3).
    async fn send_until_answered(&self, body: &wire::SendBody) -> Result<RemoteApproval, VendorError> {
        let mut attempt = 1;
        loop {
            let now = crate::model::now();
            match self.client.send(body).await {
                Ok(Sent::Created(sent, _)) if sent.id != body.id => {
                    let e = VendorError::malformed(
                        "audit/send",
                        format!("the reply names business id \"{}\", we sent \"{}\"", sent.id, body.id),
                    );
                    return Err(e.as_outcome());
                }
                Ok(Sent::Created(sent, reply)) => return Ok(map::submitted(body, &sent, reply, now)),
                Ok(Sent::Exists(named, reply)) => {
                    let named = named.filter(|n| n.id == body.id);
                    tracing::info!(id = %body.id, attempt, "audit/send: 则一 already has this business id; taken as sent");
                    return Ok(map::already_sent(body, named.as_ref(), reply, now, attempt > 1));
                }
                Err(e) if may_have_landed(&e) && attempt < ATTEMPTS => {
                    tracing::warn!(id = %body.id, "{e}; sending again with the same id");
                    pause(attempt).await;
                    attempt += 1;
                }
                Err(e) => return Err(outcome_of(e)),
            }
        }
    }

    /// Cancels, again while the outcome is unknown. `AUDIT_FINISHED` after an attempt of this
    /// call whose reply was lost means that attempt cancelled it; on a first attempt it means
    /// the approval ended some other way we cannot see yet (choice 11).
    async fn cancel_until_answered(
        &self,
        cached: &RemoteApproval,
        body: &wire::CancelBody,
    ) -> Result<RemoteApproval, VendorError> {
        let mut attempt = 1;
        loop {
            let now = crate::model::now();
            match self.client.cancel(body).await {
                Ok(_) => return Ok(map::cancelled(cached.clone(), body, now)),
                Err(VendorError::Vendor { code, .. }) if code == FINISHED_CODE && attempt > 1 => {
                    return Ok(map::cancelled_on_resend(cached.clone(), body, now))
                }
                Err(VendorError::Vendor { code, .. }) if code == FINISHED_CODE => {
                    return Ok(map::ended_unknown(cached.clone(), now))
                }
                Err(e) if may_have_landed(&e) && attempt < ATTEMPTS => {
                    tracing::warn!(id = %body.id, "{e}; cancelling again");
                    pause(attempt).await;
                    attempt += 1;
                }
                Err(e) => return Err(outcome_of(e)),
            }
        }
    }
}

/// Whether a failed call may nevertheless have been carried out: no reply (timeout, broken
/// connection), a gateway's 5xx instead of 则一's envelope, or a reply we cannot read.
fn may_have_landed(e: &VendorError) -> bool {
    match e {
        VendorError::Unreachable { .. } | VendorError::Malformed { .. } | VendorError::OutcomeUnknown { .. } => true,
        VendorError::Http { status, .. } => *status >= 500,
        _ => false,
    }
}

/// The error to report once the attempts are used up: a call that may have landed is "outcome
/// unknown" (a resend is safe, see the module doc), a host never reached stays unreachable.
fn outcome_of(e: VendorError) -> VendorError {
    match e {
        VendorError::Http { call, status } if status >= 500 => {
            VendorError::OutcomeUnknown { call, reason: format!("HTTP {status} instead of 则一's answer") }
        }
        other => other.as_outcome(),
    }
}

async fn pause(attempt: u32) {
    tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
}

fn invalid_form(reason: &str) -> VendorError {
    VendorError::NotAllowed(format!("the zeyi submission form is invalid: {reason} (shape: docs/zeyi-protocol.md)"))
}

/// A business key for a form without one: the same form always gets the same id (choice 3).
fn derive_id(app_key: &str, form: &serde_json::Map<String, serde_json::Value>) -> String {
    let mut md5 = Md5::new();
    md5.update(app_key.as_bytes());
    md5.update(b"\n");
    md5.update(serde_json::Value::Object(form.clone()).to_string().as_bytes());
    format!("AI{}", &hex::encode(md5.finalize())[..30])
}

#[async_trait]
impl Connector for ZeyiConnector {
    /// None: 则一 has no list endpoint, and a sync must never remove what the callback keeps.
    fn sources(&self) -> Vec<Source> {
        vec![]
    }

    /// Cancels an approval that cannot exist (choice 7). Only 则一's answer for "no such
    /// approval" (`AUDIT_NOT_FOUND`) proves that it checked and accepted our keys and
    /// encryption; any other answer is shown in words as what it is, never as 连接成功.
    /// Through a relay: whom the relay knows the token as (`/v1/me`), which must be the account's
    /// 工号 (the relay refuses sends as anyone else); 则一's keys are the relay's to test.
    async fn test(&self) -> Result<String, VendorError> {
        if let Some(relay) = &self.relay {
            return relay_probe(relay, &self.username).await;
        }
        let probe = wire::CancelBody {
            id: PROBE_ID.into(),
            audit_id: PROBE_ID.into(),
            kind: "test".into(),
            remark: "连接测试".into(),
            username: None,
        };
        probe_answer(self.client.cancel(&probe).await)
    }

    async fn list(&self, source: &Source, _cursor: Option<&str>) -> Result<ListPage, VendorError> {
        Err(VendorError::Config(format!("zeyi has no list endpoint (asked for {})", source.name)))
    }

    async fn read(&self, source: &Source, _item: &ListItem) -> Result<RemoteApproval, VendorError> {
        Err(VendorError::Config(format!("zeyi has no list endpoint (asked for {})", source.name)))
    }

    /// 则一 has no read endpoint: the cache (updated by our actions and 则一's callbacks) is the
    /// state (choice 5).
    async fn detail(&self, _remote_id: &str) -> Result<RemoteApproval, VendorError> {
        Err(VendorError::Unsupported("reading an approval (则一 has no read endpoint; its callback brings the result)"))
    }

    async fn act(&self, _remote_id: &str, action: Action, _comment: &str) -> Result<(), VendorError> {
        Err(match action {
            Action::Cancel => VendorError::NotAllowed(
                "a zeyi cancel needs the cached approval (its business id and type): use Service::act".into(),
            ),
            _ => VendorError::Unsupported("approving or rejecting (则一 decides; we only send and cancel)"),
        })
    }

    /// A cancel needs the business id and type we sent (the cache's `raw.send`) and 则一's
    /// auditId. An approval whose end the cache already knows is not sent again: cancelled is
    /// what the cancel wanted (a lost reply's attempt, or 则一 stopped it); approved or
    /// rejected is said as it is, never as cancelled.
    async fn act_cached(
        &self,
        cached: &RemoteApproval,
        action: Action,
        comment: &str,
    ) -> Result<Option<RemoteApproval>, VendorError> {
        if action != Action::Cancel {
            return self.act(&cached.remote_id, action, comment).await.map(|()| None);
        }
        match cached.status {
            Status::Cancelled => return Ok(Some(cached.clone())),
            Status::Approved | Status::Rejected | Status::Failed | Status::Other => {
                let state = cached.status_word.clone().unwrap_or_else(|| cached.status.as_str().to_string());
                return Err(VendorError::NotAllowed(format!(
                    "则一 has already ended this approval ({state}): it was not cancelled"
                )));
            }
            Status::Pending | Status::Sending => {}
        }
        if map::is_awaiting(&cached.remote_id) {
            return Err(VendorError::NotAllowed(
                "则一 has not named this approval's auditId yet, which a cancel needs: its callback brings it".into(),
            ));
        }
        let (id, audit_type) = map::business_ref(&cached.raw).ok_or_else(|| {
            VendorError::NotAllowed(
                "this approval's business id is unknown to the cache, so it cannot be cancelled".into(),
            )
        })?;
        let remark = if comment.trim().is_empty() { "发起人撤销".to_string() } else { comment.trim().to_string() };
        let body = wire::CancelBody {
            id,
            audit_id: cached.remote_id.clone(),
            kind: audit_type,
            remark,
            username: Some(self.username.clone()),
        };
        self.cancel_until_answered(cached, &body).await.map(Some)
    }

    async fn download(&self, _attachment_id: &str) -> Result<Download, VendorError> {
        Err(VendorError::Unsupported("downloading attachments (zeyi file fields are URLs)"))
    }

    /// 则一 has no list of approval types: the type it gave us is the template, open to any
    /// text or file (URL) item; 则一 chooses the flow from `conditionParamList`.
    async fn templates(&self, query: &TemplateQuery) -> Result<Vec<Template>, VendorError> {
        let Some(audit_type) = query.template_id.as_deref().map(str::trim).filter(|t| !t.is_empty()) else {
            return Err(VendorError::NotAllowed(
                "则一 has no list of approval types: name the type (auditType) 则一 gave you".into(),
            ));
        };
        Ok(vec![Template {
            id: audit_type.to_string(),
            name: audit_type.to_string(),
            target: None,
            description: "则一审批：任意文本或文件（URL）表单项；流程由则一按条件参数决定".into(),
            fields: vec![],
            steps: vec![],
            attachments: AttachmentRule::None,
            open_fields: true,
        }])
    }

    async fn submit(&self, submission: &Submission, _progress: Progress) -> Result<RemoteApproval, VendorError> {
        let body = self.send_body(&send_form(submission)?)?;
        self.send_until_answered(&body).await.map_err(|e| with_field(e, submission))
    }
}

/// The relay-mode connection test: the relay answers for the token, as the account's 工号.
async fn relay_probe(relay: &relay::Relay, username: &str) -> Result<String, VendorError> {
    let me = relay.me().await?;
    if me.username != username {
        return Err(VendorError::Config(format!(
            "the relay knows this token as 工号 {}, but the account sends as {username}: set 发起人工号 (username) to {} or use your own token",
            me.username, me.username
        )));
    }
    Ok(format!("连接成功：中继 {} 认出了令牌（{} {}）；则一的密钥由中继保管", relay.url(), me.username, me.name))
}

/// The connection test's verdict on the answer to its cancel probe.
fn probe_answer(answer: Result<serde_json::Value, VendorError>) -> Result<String, VendorError> {
    match answer {
        Err(VendorError::Vendor { code, message, .. }) if code == NOT_FOUND_CODE => {
            Ok(format!("连接成功：则一接受了签名（测试撤销不存在的审批，答复 {code}: {message}）"))
        }
        Err(VendorError::Vendor { call, code, message }) => {
            let message = format!(
                "{message}（测试连接只把 {NOT_FOUND_CODE} 当作则一接受了签名与加密设置的证明；这个答复不能证明）"
            );
            Err(VendorError::Vendor { call, code, message })
        }
        Ok(reply) => Err(VendorError::Vendor {
            call: "audit/cancel".into(),
            code: "success".into(),
            message: format!(
                "则一答复撤销一个不存在的审批成功（{}），不能证明它检查并接受了签名",
                crate::connectors::unknown::words(&reply["message"])
            ),
        }),
        Err(e) => Err(e),
    }
}

/// Names the submission field a `PARAM_ERROR` concerns (`auditFormList[2].value` → the third
/// field's key), so the form can show 则一's message next to it.
fn with_field(e: VendorError, s: &Submission) -> VendorError {
    let VendorError::Vendor { message, .. } = &e else { return e };
    let index = |list: &str| message.split(&format!("{list}[")).nth(1)?.split(']').next()?.parse::<usize>().ok();
    let field = index("auditFormList")
        .and_then(|i| s.fields.get(i))
        .or_else(|| index("conditionParamList").and_then(|i| s.conditions.get(i)));
    match field {
        Some(f) => VendorError::Field { field: f.key.clone(), source: Box::new(e) },
        None => e,
    }
}

/// A generic submission from the document's send body (the demo's and older scripts' forms);
/// `username` is left to the account's setting.
pub fn submission_from_form(form: &serde_json::Value) -> Result<Submission, VendorError> {
    let body: wire::SendBody = serde_json::from_value({
        let mut f = form.clone();
        if let Some(o) = f.as_object_mut() {
            o.entry("id").or_insert_with(|| "".into());
            o.entry("username").or_insert_with(|| "".into());
        }
        f
    })
    .map_err(|e| invalid_form(&e.to_string()))?;
    let mut fields = Vec::new();
    for f in &body.audit_form_list {
        let kind = match map::field_kind(&f.kind).map_err(|e| invalid_form(&e))? {
            FieldKind::File => FieldKind::File,
            _ => FieldKind::Text,
        };
        fields.push(FieldValue { key: f.name.clone(), value: f.value.clone(), kind });
    }
    let conditions =
        body.condition_param_list.unwrap_or_default().into_iter().map(|c| FieldValue::text(c.name, c.value)).collect();
    Ok(Submission {
        template_id: body.audit_type,
        target: None,
        fields,
        conditions,
        attachments: vec![],
        request_id: body.id,
        uploaded: None,
    })
}

/// The document's send body from a generic submission: the template is the `auditType`, the
/// request id the business `id`, file fields carry a URL (named by its last segment).
fn send_form(s: &Submission) -> Result<serde_json::Value, VendorError> {
    if !s.attachments.is_empty() {
        return Err(invalid_form("则一 file items carry a URL; local files cannot be uploaded to 则一"));
    }
    let mut items = Vec::new();
    for f in &s.fields {
        let item = match f.kind {
            FieldKind::File => {
                // 则一 checks the URL and names the item (PARAM_ERROR), mapped by `with_field`.
                let url = f.value.trim();
                let name = url.split(['?', '#']).next().unwrap_or(url).rsplit('/').next().unwrap_or("").to_string();
                serde_json::json!({"type": "file", "name": f.key, "value": url, "extendValue": name})
            }
            _ => serde_json::json!({"type": "text", "name": f.key, "value": f.value}),
        };
        items.push(item);
    }
    let mut form = serde_json::json!({"auditType": s.template_id, "auditFormList": items});
    if !s.conditions.is_empty() {
        form["conditionParamList"] =
            s.conditions.iter().map(|c| serde_json::json!({"name": c.key, "value": c.value})).collect();
    }
    if !s.request_id.trim().is_empty() {
        form["id"] = s.request_id.trim().into();
    }
    Ok(form)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(settings: serde_json::Value) -> Account {
        Account {
            id: 1,
            name: "则一".into(),
            vendor: Vendor::Zeyi,
            base_url: "http://127.0.0.1:1".into(),
            settings: settings.as_object().unwrap().clone(),
            demo: false,
            sync: Default::default(),
        }
    }

    fn secrets(secret: &str) -> Secrets {
        Secrets(serde_json::json!({"app_secret": secret, "callback_app_secret": secret}).as_object().unwrap().clone())
    }

    fn settings(encrypt: &str) -> serde_json::Value {
        serde_json::json!({"app_key": "k", "username": "E001", "callback_app_key": "cb", "encrypt": encrypt})
    }

    #[test]
    fn configuration_errors_are_named() {
        assert!(ZeyiConnector::new(&account(settings("false")), &secrets("short")).is_ok());
        let e = ZeyiConnector::new(&account(settings("true")), &secrets("short")).err().unwrap().to_string();
        assert!(e.contains("16, 24 or 32"), "{e}");
        assert!(ZeyiConnector::new(&account(settings("true")), &secrets("ea29cb560a574c488700634b3318d204")).is_ok());
        let e = ZeyiConnector::new(&account(settings("yes")), &secrets("x")).err().unwrap().to_string();
        assert!(e.contains("yes"), "{e}");
    }

    #[test]
    fn forms_get_a_stable_id_and_the_default_sender() {
        let c = ZeyiConnector::new(&account(settings("false")), &secrets("s")).unwrap();
        let form = serde_json::json!({"auditType": "purchase", "auditFormList": [{"type": "text", "name": "金额", "value": "100.00"}]});
        let a = c.send_body(&form).unwrap();
        assert_eq!(a.id, c.send_body(&form).unwrap().id, "the same form, the same id");
        assert!(a.id.starts_with("AI") && a.username == "E001");
        let with_id = serde_json::json!({"id": "PO-9", "username": "E007", "auditType": "t", "auditFormList": [{"type": "file", "name": "单据", "value": "https://x/y.pdf"}]});
        let b = c.send_body(&with_id).unwrap();
        assert_eq!((b.id.as_str(), b.username.as_str()), ("PO-9", "E007"));
        for bad in [
            serde_json::json!([1]),
            serde_json::json!({"auditType": "t", "auditFormList": [{"type": "image", "name": "n", "value": "v"}]}),
            serde_json::json!({"auditType": "t", "auditFormList": []}),
            serde_json::json!({"auditType": "t", "auditFormList": [], "colour": "red"}),
        ] {
            assert!(matches!(c.send_body(&bad), Err(VendorError::NotAllowed(_))), "{bad}");
        }
    }

    fn answered(code: &str) -> Result<serde_json::Value, VendorError> {
        let reply = format!(
            r#"{{"success":false,"businessException":true,"errorCode":"{code}","message":"说明 {code}","result":null}}"#
        );
        client::envelope("audit/cancel", 200, reply.as_bytes())
    }

    #[test]
    fn only_audit_not_found_proves_the_connection() {
        let ok = probe_answer(answered("AUDIT_NOT_FOUND")).unwrap();
        assert!(ok.contains("连接成功") && ok.contains("AUDIT_NOT_FOUND"), "{ok}");
        for code in ["DECRYPT_ERROR", "SIGN_ERROR", "APP_KEY_INVALID"] {
            let e = probe_answer(answered(code)).unwrap_err();
            assert!(matches!(e, VendorError::Auth { .. }), "{code}: {e}");
            assert!(e.to_string().contains(code) && !e.to_string().contains("连接成功"), "{e}");
        }
        for code in ["PARAM_ERROR", "HEADER_MISSING", "NOT_INITIATOR", "AUDIT_FINISHED", "SYSTEM_BUSY", "审批不存在"]
        {
            let e = probe_answer(answered(code)).unwrap_err().to_string();
            assert!(
                e.contains(code) && e.contains("说明") && e.contains("AUDIT_NOT_FOUND") && !e.contains("连接成功"),
                "{code}: {e}"
            );
        }
        let success = client::envelope(
            "audit/cancel",
            200,
            br#"{"success":true,"businessException":false,"message":"ok","result":null}"#,
        );
        let e = probe_answer(success).unwrap_err().to_string();
        assert!(e.contains("不能证明") && !e.contains("连接成功"), "{e}");
        let e = probe_answer(Err(VendorError::Http { call: "audit/cancel".into(), status: 502 })).unwrap_err();
        assert!(matches!(e, VendorError::Http { status: 502, .. }));
    }

    #[test]
    fn only_calls_that_may_have_landed_are_sent_again() {
        let call = || "audit/send".to_string();
        assert!(may_have_landed(&VendorError::Unreachable { call: call(), reason: "timed out".into() }));
        assert!(may_have_landed(&VendorError::Http { call: call(), status: 502 }));
        assert!(may_have_landed(&VendorError::malformed("audit/send", "cut off")));
        assert!(!may_have_landed(&VendorError::Http { call: call(), status: 404 }));
        assert!(!may_have_landed(&VendorError::Vendor {
            call: call(),
            code: "PARAM_ERROR".into(),
            message: "".into()
        }));
        assert!(!may_have_landed(&VendorError::Auth { call: call(), code: "SIGN_ERROR".into(), message: "".into() }));
        assert!(
            matches!(outcome_of(VendorError::Http { call: call(), status: 502 }), VendorError::OutcomeUnknown { reason, .. } if reason.contains("HTTP 502"))
        );
        assert!(matches!(
            outcome_of(VendorError::Unreachable { call: call(), reason: "refused".into() }),
            VendorError::Unreachable { .. }
        ));
    }
}
