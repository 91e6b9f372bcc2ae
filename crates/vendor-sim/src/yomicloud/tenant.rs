//! A real tenant's drive (`Tenant::Wild`): what a live yomicloud has that the document's one
//! example per reply does not. On top of the seeded drive it adds a folder and files with odd
//! names (emoji, rare CJK, spaces, `|`, a 200-character name), a user with an odd name, an
//! approval type the document does not show, and approvals the demo user takes part in whose
//! codes no document lists (approval status 7 and 归档中, step rule 5, approver result 3, step
//! result 4, task type 12), whose optional fields are missing or `null`, whose content has keys
//! no document lists and 10 kB texts, and one whose content is not JSON at all. Two of them wait
//! for the demo user and can be decided. The codes of the lists stay true to the state machine:
//! an odd status is not pending, so nobody can act on it.
//!
//! Every record is made through `State::create_approval_from` and `State::handle_step` (what the
//! endpoints use), then given its oddities, so the lists, indexes and boxes stay consistent.

use serde_json::{json, Value};

use super::seed::{ADMIN_UID, DEMO_UID};
use super::state::{request_from_value, ApprovalType, Handling, State, User, UTYPE_APPROVER};
use super::views::content_string;
use crate::wild::{long_text, odd_text};

/// The wild records, by what makes them odd (for tests to look at).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WildIds {
    /// Waits for the demo user: a file with an odd name, a 10 kB statement, an odd-named
    /// attachment, another approver's result 3, the demo user's row with `uid` as a string.
    pub odd_todo: i64,
    /// Waits for the demo user on a step with rule 5.
    pub unknown_rule_todo: i64,
    /// Submitted by the demo user; status 7, its `id` a string in the lists.
    pub unknown_status: i64,
    /// Copied to the demo user; status "归档中" (a word).
    pub status_word: i64,
    /// Decided by the demo user; optional fields missing or `null`, no `fileMap`, the creator
    /// missing from `userinfo`, content keys no document lists.
    pub sparse: i64,
    /// Copied to the demo user; task type 12 (not in the type table), step result 4.
    pub unknown_type: i64,
    /// Submitted by the demo user; its content is not JSON.
    pub unreadable: i64,
    /// The odd folder, and its file with the 200-character name.
    pub odd_folder: i64,
    pub long_named_file: i64,
}

/// The approval type no document shows (extra flag 2, 暂时未使用).
const ARCHIVE_TYPE: i64 = 9;

/// Adds the wild records to a seeded drive (`now`: the drive's clock).
pub fn seed(s: &mut State, now: i64) -> WildIds {
    let odd_user = add_odd_user(s);
    s.types.push(ApprovalType { id: ARCHIVE_TYPE, name: "归档审批", scope: 0, extra: 2, upload: 0 });
    let root = s.files.values().filter(|f| f.parent_id == 0 && f.attachment_root == 0).map(|f| f.id).min().unwrap_or(1);
    let folder = s.add_file(root, &odd_text("特殊字符目录"), None, ADMIN_UID, 0);
    let file = |s: &mut State, name: &str| s.add_file(folder, name, Some(format!("{name}\n").into_bytes()), 4, 0);
    let odd_file = file(s, "报告 😀𪚥.docx");
    let bare = file(s, "no-extension");
    let spaced = file(s, "  前后空格  .txt");
    let piped = file(s, "名字|竖线&符号#%.pdf");
    let long_name = format!("{}.xlsx", "很长的文件名".repeat(33));
    let long_named_file = file(s, &long_name);

    let two_steps = |first: &[i64]| vec![step("初审 😀", 2, first), step("终审", 2, &[ADMIN_UID])];
    let mut wild = WildIds { odd_folder: folder, long_named_file, ..WildIds::default() };

    // Waits for the demo user; another approver of the step answered with a result no document lists.
    let upload = s.templet(folder, 1, 2, &odd_text("上传审批"), two_steps(&[DEMO_UID, odd_user]), &[]);
    let attachment = s.upload_single(4, "图片 😀𪚥 final(1).png", b"\x89PNG odd".to_vec());
    wild.odd_todo = s.start(4, upload, folder, &long_text("申请说明"), Some(attachment), now - 3_600);
    s.set_row(wild.odd_todo, odd_user, |r| {
        r.status2 = 3;
        r.note = long_text("转交说明");
    });
    let demo_row = s.row_id(wild.odd_todo, DEMO_UID);
    if let Some(a) = s.approvals.get_mut(&wild.odd_todo) {
        a.quirks.rows.extend([(demo_row, "uid", Some(json!(DEMO_UID.to_string()))), (demo_row, "utype", None)]);
    }

    // Waits for the demo user on a step whose rule (5) no document lists.
    let archive = s.templet(folder, 0, ARCHIVE_TYPE, "归档审批", vec![step("会签 𪚥", 1, &[DEMO_UID, 6])], &[DEMO_UID]);
    wild.unknown_rule_todo = s.start(5, archive, bare, &odd_text("请会签"), None, now - 7_200);
    if let Some(a) = s.approvals.get_mut(&wild.unknown_rule_todo) {
        a.steps[0].rule = 5;
        a.rows.iter_mut().filter(|r| r.utype == UTYPE_APPROVER).for_each(|r| r.handle_type = 5);
        a.content = edit_content(&a.content, |c| c["step"][0]["type"] = json!(5));
    }

    // Submitted by the demo user; a status no document lists; its id a string in the lists.
    let plain = s.templet(folder, 0, 1, &odd_text("通用审批"), vec![step("审批", 2, &[ADMIN_UID])], &[]);
    wild.unknown_status = s.start(DEMO_UID, plain, long_named_file, "状态未知的审批", None, now - 9_000);
    if let Some(a) = s.approvals.get_mut(&wild.unknown_status) {
        a.status = 7;
        a.quirks.item.push(("id", Some(json!(a.id.to_string()))));
    }

    // Copied to the demo user; its status a word.
    let copied = s.templet(folder, 0, 1, "抄送审批", vec![step("审批", 2, &[ADMIN_UID])], &[DEMO_UID]);
    wild.status_word = s.start(6, copied, spaced, &odd_text("请知悉"), None, now - 10_000);
    if let Some(a) = s.approvals.get_mut(&wild.status_word) {
        a.status = 9;
        a.quirks.item.push(("status", Some(json!("归档中"))));
    }

    // Decided by the demo user; optional fields missing or null, keys no document lists.
    let sparse = s.templet(folder, 0, 1, "资料审批", vec![step("审批", 2, &[DEMO_UID, 8])], &[]);
    wild.sparse = s.start(7, sparse, piped, "", None, now - 20_000);
    s.decide(wild.sparse, DEMO_UID, 1, now - 19_000);
    let other_row = s.row_id(wild.sparse, 8);
    if let Some(a) = s.approvals.get_mut(&wild.sparse) {
        a.content = edit_content(&a.content, |c| {
            for key in ["desc", "copyto", "creatorNote"] {
                c[key] = Value::Null;
            }
            if let Some(c) = c.as_object_mut() {
                c.remove("fullPath");
                c.insert("projectCode".into(), json!("P-2024-𠀀"));
                c.insert("amount".into(), json!(1234.5));
                c.insert("contacts".into(), json!([{ "name": "王芳" }, { "name": odd_text("欧阳") }]));
                c.insert("remark".into(), json!(long_text("补充说明")));
            }
            c["step"][0]["approvalNum"] = Value::Null;
            c["step"][0]["realnames"] = Value::Null;
        });
        a.quirks.item.extend([("endTime", None), ("errmsg", Some(Value::Null)), ("fileId", Some(Value::Null))]);
        a.quirks.rows.extend([(other_row, "handletime", Some(Value::Null)), (other_row, "note", Some(Value::Null))]);
        a.quirks.no_file_map = true;
        a.quirks.unknown_users.push(7);
    }

    // Copied to the demo user; a task type not in the type table, a step result no document lists.
    wild.unknown_type = s.start(9, copied, odd_file, "类型未知", None, now - 30_000);
    s.decide(wild.unknown_type, ADMIN_UID, 1, now - 29_000);
    if let Some(a) = s.approvals.get_mut(&wild.unknown_type) {
        a.task_type = 12;
        a.step_status[0] = 4;
        a.content = edit_content(&a.content, |c| c["taskType"] = json!("12"));
    }

    // Submitted by the demo user; content that is not JSON.
    wild.unreadable = s.start(DEMO_UID, plain, odd_file, "损坏", None, now - 40_000);
    if let Some(a) = s.approvals.get_mut(&wild.unreadable) {
        a.content = "{\"title\": \"损坏的审批\", \"step\": [".into();
    }
    s.wild = Some(wild.clone());
    wild
}

/// A user whose name has emoji and rare CJK, approving in the odd folder.
fn add_odd_user(s: &mut State) -> i64 {
    let uid = s.users.keys().max().copied().unwrap_or(0) + 1;
    let token = s.new_handle()[..32].to_string();
    s.add_user(User { uid, username: "ouyang_𪚥".into(), realname: odd_text("欧阳"), token, super_admin: false });
    uid
}

/// A step of a template's content (ids as strings, as in the document's example).
fn step(name: &str, rule: i64, ids: &[i64]) -> Value {
    json!({ "approvalNum": 0, "ids": ids.iter().map(i64::to_string).collect::<Vec<_>>(), "name": name, "type": rule })
}

/// An approval content edited as JSON, encoded again as the vendor does.
fn edit_content(content: &str, edit: impl FnOnce(&mut Value)) -> String {
    let mut value: Value = serde_json::from_str(content).unwrap_or_else(|_| json!({}));
    edit(&mut value);
    content_string(&value, true)
}

impl State {
    /// A template on `folder` (`mType` `m_type`, type `task`); answers its id.
    fn templet(&mut self, folder: i64, m_type: i64, task: i64, title: &str, steps: Vec<Value>, cc: &[i64]) -> i64 {
        let content = json!({ "approvalType": task.to_string(), "approverAuth": 0, "ccAuth": 0, "desc": odd_text("请说明"), "destFolderId": 0, "mark": false, "step": steps, "title": title, "uids": cc });
        self.add_templet(folder, m_type, title, content, ADMIN_UID, 0)
    }

    /// Starts an approval on template `tid` as a client would (0 when refused, which the tests
    /// of this module rule out).
    fn start(&mut self, creator: i64, tid: i64, file_id: i64, note: &str, attachment: Option<i64>, when: i64) -> i64 {
        let Some(t) = self.templets.get(&tid) else { return 0 };
        let mut json = t.content.clone();
        let copyto = json.as_object_mut().and_then(|o| o.remove("uids")).unwrap_or(Value::Null);
        let extra = json!({ "tid": tid, "fileId": file_id, "fullPath": self.path_of(file_id), "creatorNote": note, "copyto": copyto,
            "taskType": json["approvalType"].clone(), "attachmentId": attachment.unwrap_or(0) });
        if let (Some(obj), Value::Object(extra)) = (json.as_object_mut(), extra) {
            obj.extend(extra);
        }
        request_from_value(json).and_then(|req| self.create_approval_from(creator, req, when)).unwrap_or_else(|err| {
            tracing::warn!(%err, "wild seed approval refused");
            0
        })
    }

    /// `uid` decides on their row of approval `aid`, now.
    fn decide(&mut self, aid: i64, uid: i64, decision: i64, now: i64) {
        let Some(row) = self.approvals.get(&aid).and_then(|a| a.actionable_row(uid)).cloned() else { return };
        let h = Handling { uid, auid: row.id, step: row.step, decision, note: "同意 👍", now };
        if let Err(err) = self.handle_step(aid, &h) {
            tracing::warn!(%err, "wild seed decision refused");
        }
    }

    /// The handling id of `uid`'s approver row in approval `aid` (0 if none).
    fn row_id(&self, aid: i64, uid: i64) -> i64 {
        self.approvals
            .get(&aid)
            .and_then(|a| a.rows.iter().find(|r| r.uid == uid && r.utype == UTYPE_APPROVER))
            .map_or(0, |r| r.id)
    }

    /// Changes `uid`'s approver row of approval `aid`.
    fn set_row(&mut self, aid: i64, uid: i64, change: impl FnOnce(&mut super::state::Row)) {
        if let Some(row) = self
            .approvals
            .get_mut(&aid)
            .and_then(|a| a.rows.iter_mut().find(|r| r.uid == uid && r.utype == UTYPE_APPROVER))
        {
            change(row);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yomicloud::{seed, views};

    const NOW: i64 = 1_735_000_000;

    fn drive() -> (State, WildIds) {
        let mut s = seed::generate_at(5, 40, NOW);
        let wild = seed(&mut s, NOW);
        (s, wild)
    }

    #[test]
    fn every_wild_record_was_made_and_lands_in_the_demo_users_lists() {
        let (s, w) = drive();
        let ids =
            [w.odd_todo, w.unknown_rule_todo, w.unknown_status, w.status_word, w.sparse, w.unknown_type, w.unreadable];
        assert!(ids.iter().all(|id| *id > 0), "{w:?}");
        let todo = s.todo_ids(DEMO_UID);
        assert!(todo.contains(&w.odd_todo) && todo.contains(&w.unknown_rule_todo), "two wild todos: {todo:?}");
        let mine: Vec<i64> = s.created_by(DEMO_UID).iter().map(|a| a.id).collect();
        assert!(mine.contains(&w.unknown_status) && mine.contains(&w.unreadable));
        let cc: Vec<i64> = s.cc_of(DEMO_UID).iter().map(|a| a.id).collect();
        assert!(cc.contains(&w.status_word) && cc.contains(&w.unknown_type));
        assert_eq!(s.approvals[&w.sparse].rows.iter().find(|r| r.uid == DEMO_UID).map(|r| r.status2), Some(1));
    }

    #[test]
    fn the_replies_carry_the_oddities() {
        let (s, w) = drive();
        let item = |id: i64| views::approval_item(&s.approvals[&id]);
        assert_eq!(item(w.status_word)["status"], "归档中");
        assert_eq!(item(w.unknown_status)["status"], 7);
        assert_eq!(item(w.unknown_status)["id"], w.unknown_status.to_string());
        assert_eq!(item(w.unknown_type)["taskType"], 12);
        assert!(item(w.sparse).get("endTime").is_none() && item(w.sparse)["errmsg"].is_null());
        assert!(serde_json::from_str::<Value>(item(w.unreadable)["content"].as_str().unwrap()).is_err());
        let content: Value = serde_json::from_str(item(w.odd_todo)["content"].as_str().unwrap()).unwrap();
        assert!(content["creatorNote"].as_str().unwrap().len() >= 10_000);
        assert_eq!(content["fullPath"].as_str(), Some(format!("公司文件/{}", odd_text("特殊字符目录")).as_str()));
        let rows = views::data2(&s.approvals[&w.odd_todo]);
        assert!(rows.as_array().unwrap().iter().any(|r| r["status2"] == 3));
        assert!(rows
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["uid"].as_str() == Some(&DEMO_UID.to_string()) && r.get("utype").is_none()));
        assert!(views::data2(&s.approvals[&w.unknown_type]).as_array().unwrap().iter().all(|r| r["status"] == 4));
        assert_eq!(views::data2(&s.approvals[&w.unknown_rule_todo])[0]["handleType"], 5);
        assert_eq!(
            s.path_of(w.long_named_file),
            format!("公司文件/{}/{}.xlsx", odd_text("特殊字符目录"), "很长的文件名".repeat(33))
        );
    }
}
