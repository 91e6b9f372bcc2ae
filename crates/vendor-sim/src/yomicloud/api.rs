//! The endpoints of the vendor document (section numbers in the comments), as plain functions
//! from (state, caller, form parameters, now) to a reply. The HTTP glue lives in `routes.rs`.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::error::{ApiError, NO_FILE, NO_TEMPLET};
use super::files::MultiUpload;
use super::state::{as_int, parse_step, Approval, Handling, State, Templet, User};
use super::views;

/// The form fields of a call (`application/x-www-form-urlencoded`).
#[derive(Debug, Default, Clone)]
pub struct Params(HashMap<String, String>);

impl Params {
    /// Decodes a url-encoded body; a repeated field keeps its last value.
    pub fn parse(body: &[u8]) -> Self {
        Params(form_urlencoded::parse(body).into_owned().collect())
    }

    /// Builds parameters from pairs (tests, multipart text fields).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Params(pairs.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    /// A field, if sent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// A required text field.
    pub fn text(&self, name: &str) -> Result<&str, ApiError> {
        self.get(name).filter(|v| !v.trim().is_empty()).ok_or_else(|| ApiError::param(name))
    }

    /// A required integer field.
    pub fn int(&self, name: &str) -> Result<i64, ApiError> {
        self.text(name)?.trim().parse().map_err(|_| ApiError::param(name))
    }

    /// An optional integer field (absent or empty = `default`).
    pub fn int_or(&self, name: &str, default: i64) -> Result<i64, ApiError> {
        match self.get(name).map(str::trim) {
            None | Some("") => Ok(default),
            Some(v) => v.parse().map_err(|_| ApiError::param(name)),
        }
    }
}

/// What a call answers: a JSON envelope, or file bytes.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Json(Value),
    File { name: String, content_type: &'static str, bytes: Vec<u8> },
}

/// The signature every form endpoint has.
pub type Endpoint = fn(&mut State, &User, &Params, i64) -> Result<Reply, ApiError>;

/// `{"code": 0}` plus the given fields.
fn ok(fields: Value) -> Result<Reply, ApiError> {
    let mut out = json!({ "code": 0 });
    if let (Value::Object(out), Value::Object(fields)) = (&mut out, fields) {
        out.extend(fields);
    }
    Ok(Reply::Json(out))
}

fn require_admin(user: &User) -> Result<(), ApiError> {
    if user.super_admin {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

/// 1 `templet-content`: the type table, plus the template (`id` > 0) and the file (`fileId` > 0).
pub fn templet_content(s: &mut State, _: &User, p: &Params, _: i64) -> Result<Reply, ApiError> {
    let (id, file_id) = (p.int_or("id", 0)?, p.int_or("fileId", 0)?);
    let mut out = json!({ "data": views::types_json(&s.types) });
    if file_id > 0 {
        let f = s.files.get(&file_id).filter(|f| f.attachment_root == 0).ok_or(NO_FILE)?;
        out["fileMap"] = views::file_map(f, 0);
    }
    if id > 0 {
        let t = s.templets.get(&id).ok_or(NO_TEMPLET)?;
        out["templet"] = views::templet_json(t);
        out["userinfo"] = views::userinfo(s, views::templet_people(t));
    }
    ok(out)
}

/// Checks a template's `content` (steps shaped right, users known, type known, scope matching
/// `mType`); answers it decoded.
fn check_templet_content(s: &State, content: &str, m_type: i64) -> Result<Value, ApiError> {
    let value: Value = serde_json::from_str(content).map_err(|_| ApiError::param("content"))?;
    let type_id = value.get("approvalType").and_then(as_int).ok_or_else(|| ApiError::param("approvalType"))?;
    let kind = s.types.iter().find(|t| t.id == type_id).ok_or_else(|| ApiError::param("approvalType"))?;
    if !(0..=2).contains(&m_type) || (kind.scope != 0 && kind.scope != m_type) {
        return Err(ApiError::param("mType"));
    }
    let steps = value.get("step").and_then(Value::as_array).filter(|a| !a.is_empty());
    for step in steps.ok_or_else(|| ApiError::param("step"))? {
        // The approver for rule 4 is picked when an approval is started, not in the template.
        let mut step = step.clone();
        if step.get("type").and_then(as_int) == Some(4) {
            step["selectId"] = step["ids"].get(0).cloned().unwrap_or(Value::Null);
        }
        let rule = parse_step(&step)?;
        if !rule.ids.iter().all(|id| s.users.contains_key(id)) {
            return Err(ApiError::param("step.ids"));
        }
    }
    Ok(value)
}

/// 2 `set-templet`: creates (`tid` 0) or replaces a template. Super admin only.
pub fn set_templet(s: &mut State, user: &User, p: &Params, now: i64) -> Result<Reply, ApiError> {
    require_admin(user)?;
    let (file_id, tid, m_type) = (p.int("fileId")?, p.int_or("tid", 0)?, p.int_or("mType", 0)?);
    let title = p.text("title")?.to_string();
    let content = check_templet_content(s, p.text("content")?, m_type)?;
    s.files.get(&file_id).filter(|f| f.attachment_root == 0).ok_or(NO_FILE)?;
    if tid > 0 {
        let t = s.templets.get_mut(&tid).ok_or(NO_TEMPLET)?;
        (t.file_id, t.m_type, t.title, t.content) = (file_id, m_type, title, content);
        (t.editor_id, t.edittime) = (user.uid, now);
        return ok(json!({ "id": tid }));
    }
    let id = s.add_templet(file_id, m_type, &title, content, user.uid, now);
    ok(json!({ "id": id }))
}

impl State {
    /// Stores a new template and answers its id.
    pub fn add_templet(&mut self, file_id: i64, m_type: i64, title: &str, content: Value, uid: i64, now: i64) -> i64 {
        let id = self.next_templet_id;
        self.next_templet_id += 1;
        let t = Templet {
            id,
            file_id,
            m_type,
            title: title.to_string(),
            content,
            creator_id: uid,
            editor_id: uid,
            createtime: now,
            edittime: now,
        };
        self.templets.insert(id, t);
        id
    }
}

/// 3 `templet-list`: the templates on a file and those it inherits from its folders.
pub fn templet_list(s: &mut State, user: &User, p: &Params, _: i64) -> Result<Reply, ApiError> {
    require_admin(user)?;
    let file_id = p.int("fileId")?;
    s.files.get(&file_id).filter(|f| f.attachment_root == 0).ok_or(NO_FILE)?;
    let data: Vec<Value> =
        s.templets.values().filter(|t| s.is_within(file_id, t.file_id)).map(views::templet_json).collect();
    ok(json!({ "data": data }))
}

/// 4 `templet-list2`: every template the admin manages, with the full path of its file.
pub fn templet_list2(s: &mut State, user: &User, _: &Params, _: i64) -> Result<Reply, ApiError> {
    require_admin(user)?;
    let data: Vec<Value> = s
        .templets
        .values()
        .map(|t| {
            let mut item = views::templet_json(t);
            item["path"] = json!(s.path_of(t.file_id));
            item
        })
        .collect();
    ok(json!({ "data": data }))
}

/// 5 `remove-templet`. Approvals already started are not affected.
pub fn remove_templet(s: &mut State, user: &User, p: &Params, _: i64) -> Result<Reply, ApiError> {
    require_admin(user)?;
    s.templets.remove(&p.int("id")?).ok_or(NO_TEMPLET)?;
    ok(json!({}))
}

/// 6 `create-approval`. The document shows no reply: the simulator answers the new approval's
/// `id` (choice 10); a wild tenant's drive answers without it, as a vendor release may (no id
/// at all, or the id under another key), so a client must find the approval it made.
pub fn create_approval(s: &mut State, user: &User, p: &Params, now: i64) -> Result<Reply, ApiError> {
    let id = s.create_approval(user.uid, p.text("json")?, now)?;
    match s.wild {
        None => ok(json!({ "id": id })),
        Some(_) if id % 2 == 1 => ok(json!({ "msg": "发起成功" })),
        Some(_) => ok(json!({ "data": { "approvalId": id } })),
    }
}

/// A list reply: items shaped like `view-approval.data`, and `userinfo` for their creators.
fn list(s: &State, items: &[&Approval]) -> Result<Reply, ApiError> {
    let data: Vec<Value> = items.iter().map(|a| views::approval_item(a)).collect();
    let userinfo =
        views::userinfo(s, items.iter().filter(|a| !a.quirks.unknown_users.contains(&a.creator)).map(|a| a.creator));
    ok(json!({ "data": data, "userinfo": userinfo }))
}

/// 7 `get-creator-list`: what the caller submitted, newest first.
pub fn get_creator_list(s: &mut State, user: &User, _: &Params, _: i64) -> Result<Reply, ApiError> {
    list(s, &s.created_by(user.uid))
}

/// 8 `view-approval`: admin, creator, approvers and cc only.
pub fn view_approval(s: &mut State, user: &User, p: &Params, _: i64) -> Result<Reply, ApiError> {
    let a = s.visible_approval(user.uid, p.int("id")?)?;
    let file_map =
        s.files.get(&a.file_id).filter(|_| !a.quirks.no_file_map).map_or(Value::Null, |f| views::file_map(f, a.id));
    let people = views::people_of(a).filter(|uid| !a.quirks.unknown_users.contains(uid));
    ok(json!({
        "attachment": views::attachment_json(s, a.attachment_id),
        "data": views::approval_item(a),
        "data2": views::data2(a),
        "fileAuth": "A",
        "fileMap": file_map,
        "userinfo": views::userinfo(s, people),
    }))
}

/// 9 `get-handler-list`: utype 1 approver of (any state), utype 0 cc'd on, admin=1 everything.
pub fn get_handler_list(s: &mut State, user: &User, p: &Params, _: i64) -> Result<Reply, ApiError> {
    if p.int_or("admin", 0)? == 1 {
        require_admin(user)?;
        return list(s, &s.all_approvals());
    }
    match p.int("utype")? {
        0 => list(s, &s.cc_of(user.uid)),
        1 => list(s, &s.approver_of(user.uid)),
        _ => Err(ApiError::param("utype")),
    }
}

/// 10 `handle-step`.
pub fn handle_step(s: &mut State, user: &User, p: &Params, now: i64) -> Result<Reply, ApiError> {
    let h = Handling {
        uid: user.uid,
        auid: p.int("auid")?,
        step: p.int("step")?,
        decision: p.int("status")?,
        note: p.get("note").unwrap_or(""),
        now,
    };
    s.handle_step(p.int("aid")?, &h)?;
    ok(json!({}))
}

/// The path and form of an `upload-attachment` call.
#[derive(Debug, Default, Clone)]
pub struct Upload {
    pub filesize: String,
    pub uuid: Option<String>,
    pub rootid: Option<String>,
    pub rpath: Option<String>,
    pub fields: Params,
    pub file_name: Option<String>,
    pub data: Option<Vec<u8>>,
}

/// 11 `upload-attachment`: one file, single (`atype` 0) or into a multi-file attachment.
pub fn upload_attachment(s: &mut State, user: &User, up: Upload) -> Result<Reply, ApiError> {
    let declared: i64 = up.filesize.trim().parse().map_err(|_| ApiError::param("filesize"))?;
    let data = up.data.ok_or_else(|| ApiError::param("file"))?;
    let size2 = up.fields.int_or("fileSize2", declared)?;
    if data.len() as i64 != declared || size2 != declared {
        return Err(ApiError::SizeMismatch);
    }
    let multi = up.uuid.is_some();
    if up.fields.int_or("atype", i64::from(multi))? != i64::from(multi) {
        return Err(ApiError::param("atype"));
    }
    let name = up.file_name.filter(|n| !n.trim().is_empty()).ok_or_else(|| ApiError::param("file"))?;
    let size = data.len();
    let id = match (up.uuid.as_deref(), up.rootid.as_deref()) {
        (Some(uuid), Some(rootid)) => {
            let rootid = rootid.parse().map_err(|_| ApiError::param("rootid"))?;
            let m = MultiUpload { owner: user.uid, uuid, rootid, rpath: up.rpath.as_deref(), name: &name };
            s.upload_multi(m, data)?
        }
        _ => s.upload_single(user.uid, &name, data),
    };
    ok(json!({ "fileId": id, "fileName": name, "size": size }))
}

/// 12 `create-multifiles-attachment`: `rpath` is a JSON list of folder paths (optional).
pub fn create_multifiles_attachment(s: &mut State, user: &User, p: &Params, _: i64) -> Result<Reply, ApiError> {
    let folders: Vec<String> = match p.get("rpath").map(str::trim) {
        None | Some("") => Vec::new(),
        Some(text) => serde_json::from_str(text).map_err(|_| ApiError::param("rpath"))?,
    };
    let (rootid, uuid) = s.create_multi(user.uid, &folders)?;
    ok(json!({ "rootid": rootid, "uuid": uuid }))
}

/// 13 `download-attachment`: the bytes of one attachment file.
pub fn download_attachment(s: &mut State, user: &User, p: &Params, _: i64) -> Result<Reply, ApiError> {
    let f = s.attachment_node(user.uid, p.int("fileId")?)?;
    if f.is_folder {
        return Err(ApiError::param("fileId"));
    }
    Ok(Reply::File { name: f.name.clone(), content_type: "application/octet-stream", bytes: f.data.clone() })
}

/// 14 `get-attach-list`: one folder level of a multi-file attachment.
pub fn get_attach_list(s: &mut State, user: &User, p: &Params, _: i64) -> Result<Reply, ApiError> {
    let items = s.attach_list(user.uid, p.int("fileId")?, p.get("basePath").unwrap_or(""))?;
    let data: Vec<Value> = items.into_iter().map(views::attach_item).collect();
    ok(json!({ "data": data }))
}

/// 15 `remove-approval`: super admin only.
pub fn remove_approval(s: &mut State, user: &User, p: &Params, _: i64) -> Result<Reply, ApiError> {
    require_admin(user)?;
    s.remove_approval(p.int("id")?)?;
    ok(json!({}))
}

/// 16 `download-attachment-zip`: the whole attachment as a zip.
pub fn download_attachment_zip(s: &mut State, user: &User, p: &Params, _: i64) -> Result<Reply, ApiError> {
    let (name, bytes) = s.attachment_zip(user.uid, p.int("fileId")?)?;
    Ok(Reply::File { name, content_type: "application/zip", bytes })
}

/// 17 `get-file-approval-log`: the approvals on a drive file or attachment the caller may see.
pub fn get_file_approval_log(s: &mut State, user: &User, p: &Params, _: i64) -> Result<Reply, ApiError> {
    let file_id = p.int("fileId")?;
    s.files.get(&file_id).ok_or(NO_FILE)?;
    let items: Vec<&Approval> = s.on_file(file_id).into_iter().filter(|a| s.can_view(user.uid, a)).collect();
    list(s, &items)
}
