//! End-to-end tests over real HTTP: a running server, reqwest as the client, every endpoint.

use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

use super::{Sim, SimUser};
use crate::common::{Fault, RunningServer, Simulator};

struct Fixture {
    sim: Sim,
    server: RunningServer,
    http: reqwest::Client,
    me: SimUser,
    admin: SimUser,
}

async fn fixture() -> Fixture {
    let sim = Sim::new(1, 60);
    let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let (me, admin) = (sim.demo_user(), sim.user(1).unwrap());
    Fixture { sim, server, http: reqwest::Client::new(), me, admin }
}

impl Fixture {
    fn url(&self, name: &str) -> String {
        format!("{}/app/approval/{name}", self.server.base_url)
    }

    async fn raw(&self, name: &str, token: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut form: Vec<(&str, &str)> = vec![("token", token)];
        form.extend_from_slice(fields);
        self.http.post(self.url(name)).form(&form).send().await.unwrap()
    }

    async fn call_as(&self, who: &SimUser, name: &str, fields: &[(&str, &str)]) -> Value {
        let resp = self.raw(name, &who.token, fields).await;
        assert_eq!(resp.status(), 200, "{name}");
        resp.json().await.unwrap()
    }

    async fn call(&self, name: &str, fields: &[(&str, &str)]) -> Value {
        self.call_as(&self.me, name, fields).await
    }

    async fn upload(&self, tail: &str, declared: usize, name: &str, data: &[u8], atype: &str) -> Value {
        let url = self.url(&format!("upload-attachment/{}/{declared}{tail}", self.me.token));
        let form = Form::new()
            .text("fileSize2", declared.to_string())
            .text("atype", atype.to_string())
            .part("file", Part::bytes(data.to_vec()).file_name(name.to_string()));
        self.http.post(url).multipart(form).send().await.unwrap().json().await.unwrap()
    }
}

fn code(v: &Value) -> i64 {
    v["code"].as_i64().unwrap_or(-1)
}

/// The content string parses as a JSON object (the document's "parse twice").
fn content_of(item: &Value) -> Value {
    let text = item["content"].as_str().expect("content is a string");
    let inner: Value = serde_json::from_str(text).expect("content parses as JSON");
    assert!(inner.is_object());
    inner
}

fn assert_userinfo(v: &Value) {
    for (uid, info) in v.as_object().expect("userinfo object") {
        assert!(uid.parse::<i64>().is_ok());
        let arr = info.as_array().unwrap();
        assert_eq!(arr.len(), 3);
        assert!(arr.iter().all(Value::is_string));
        assert_eq!(arr[2], "0");
    }
}

#[tokio::test]
async fn every_endpoint_refuses_a_bad_token() {
    let f = fixture().await;
    for (name, _) in super::routes::ENDPOINTS {
        let v: Value = f.raw(name, "nope", &[("id", "1")]).await.json().await.unwrap();
        assert_eq!(v, json!({"code": 1, "msg": "token无效或已过期"}), "{name}");
    }
    let v: Value = f.http.post(f.url("get-creator-list")).send().await.unwrap().json().await.unwrap();
    assert_eq!(code(&v), 1, "no token at all");
    let url = f.url("upload-attachment/nope/3");
    let form = Form::new().part("file", Part::bytes(b"abc".to_vec()).file_name("a.txt"));
    let v: Value = f.http.post(url).multipart(form).send().await.unwrap().json().await.unwrap();
    assert_eq!(code(&v), 1);
}

#[tokio::test]
async fn view_and_handle_round_trip() {
    let f = fixture().await;
    let todo = f.sim.todo_ids_for(f.me.uid);
    assert!(!todo.is_empty());
    let aid = todo[0].to_string();

    let view = f.call("view-approval", &[("id", &aid)]).await;
    let keys: Vec<&str> = view.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["attachment", "code", "data", "data2", "fileAuth", "fileMap", "userinfo"]);
    assert_eq!(code(&view), 0);
    let content = content_of(&view["data"]);
    assert!(content["step"].is_array());
    assert_userinfo(&view["userinfo"]);
    for key in [
        "approvalId",
        "creatorId",
        "fileExtend",
        "fileId",
        "fileName",
        "fileType",
        "lockStatus",
        "lockUser",
        "parentId",
        "size",
    ] {
        assert!(view["fileMap"].get(key).is_some(), "fileMap.{key}");
    }
    let data2 = view["data2"].as_array().unwrap();
    assert!(data2.iter().all(|r| r["utype"] == 1 && r["aid"] == view["data"]["id"]));
    let mine = data2.iter().find(|r| r["uid"] == f.me.uid && r["status2"] == 0).unwrap().clone();

    // Listed in utype 1, and in nobody else's view: a stranger is refused.
    let listed = f.call("get-handler-list", &[("utype", "1")]).await;
    assert!(listed["data"].as_array().unwrap().iter().any(|i| i["id"].as_i64() == Some(todo[0])));
    let stranger = f
        .sim
        .users()
        .into_iter()
        .find(|u| u.uid != 1 && f.sim.with_state(|s| s.visible_approval(u.uid, todo[0]).is_err()));
    if let Some(stranger) = stranger {
        assert_eq!(code(&f.call_as(&stranger, "view-approval", &[("id", &aid)]).await), 3);
    }

    let (auid, step) = (mine["id"].as_i64().unwrap(), mine["step"].as_i64().unwrap());
    let handle = |step: i64| {
        let (aid, auid, step) = (aid.clone(), auid.to_string(), step.to_string());
        let f = &f;
        async move {
            let form =
                [("aid", aid.as_str()), ("auid", &auid), ("step", &step), ("status", "1"), ("note", "同意,测试")];
            f.call("handle-step", &form).await
        }
    };
    assert_eq!(code(&handle(step + 1).await), 2, "step must match the row");
    assert_eq!(handle(step).await, json!({"code": 0}));
    assert_eq!(f.sim.approver_status2(todo[0], f.me.uid), Some(1));
    assert!(!f.sim.todo_ids_for(f.me.uid).contains(&todo[0]));
    assert_eq!(code(&handle(step).await), 5, "handled twice");

    let after = f.call("view-approval", &[("id", &aid)]).await;
    let row = after["data2"].as_array().unwrap().iter().find(|r| r["id"] == mine["id"]).unwrap().clone();
    assert_eq!((row["status2"].as_i64(), row["note"].as_str()), (Some(1), Some("同意,测试")));
    assert!(row["handletime"].as_i64().unwrap() > 0);
}

#[tokio::test]
async fn lists_and_templates() {
    let f = fixture().await;
    let types = f.call("templet-content", &[("id", "0"), ("fileId", "0")]).await;
    assert_eq!(types["data"][0], json!(["1", "不处理", "0", "0", "0"]));
    assert_eq!(types["data"][1], json!(["2", "上传文件", "1", "3", "1"]));
    assert!(types["data"].as_array().unwrap().iter().all(|r| r.as_array().unwrap().iter().all(Value::is_string)));

    let created = f.call("get-creator-list", &[]).await;
    let items = created["data"].as_array().unwrap();
    assert_eq!(items.len(), f.sim.submitted_ids_for(f.me.uid).len());
    assert!(items.iter().all(|i| i["creator"] == f.me.uid));
    content_of(&items[0]);
    assert_userinfo(&created["userinfo"]);
    let cc = f.call("get-handler-list", &[("utype", "0")]).await;
    assert_eq!(cc["data"].as_array().unwrap().len(), f.sim.cc_ids_for(f.me.uid).len());
    assert_eq!(code(&f.call("get-handler-list", &[("admin", "1")]).await), 3);
    assert_eq!(code(&f.call("get-handler-list", &[]).await), 2);
    let all = f.call_as(&f.admin, "get-handler-list", &[("admin", "1")]).await;
    assert_eq!(all["data"].as_array().unwrap().len(), 60);

    // Templates: admin only, create, list (with inheritance), read, remove.
    assert_eq!(code(&f.call("templet-list2", &[]).await), 3);
    let list2 = f.call_as(&f.admin, "templet-list2", &[]).await;
    let first = &list2["data"][0];
    assert!(first["path"].as_str().unwrap().starts_with("公司文件"));
    let tid = first["id"].to_string();
    let one = f.call("templet-content", &[("id", &tid), ("fileId", "0")]).await;
    assert_eq!(content_of(&one["templet"])["title"], one["templet"]["title"]);
    assert_userinfo(&one["userinfo"]);
    let content = json!({"approvalType": "3", "approverAuth": 1, "ccAuth": 0, "desc": "d", "destFolderId": 0,
        "mark": false, "title": "预览", "uids": [4],
        "step": [{"approvalNum": 0, "ids": ["1"], "name": "审批", "realnames": ["系统管理员"], "type": 2, "usernames": ["admin"]}]})
    .to_string();
    let form = [("fileId", "2"), ("tid", "0"), ("title", "预览"), ("mType", "0"), ("content", content.as_str())];
    assert_eq!(code(&f.call("set-templet", &form).await), 3);
    let made = f.call_as(&f.admin, "set-templet", &form).await;
    let new_id = made["id"].as_i64().unwrap();
    let new_tid = new_id.to_string();
    let on_file = f.call_as(&f.admin, "templet-list", &[("fileId", "2")]).await;
    assert!(on_file["data"].as_array().unwrap().iter().any(|t| t["id"].as_i64() == Some(new_id)));
    assert_eq!(code(&f.call_as(&f.admin, "remove-templet", &[("id", &new_tid)]).await), 0);
    assert_eq!(code(&f.call("templet-content", &[("id", &new_tid)]).await), 4);
}

#[tokio::test]
async fn uploads_create_approval_and_downloads() {
    let f = fixture().await;
    assert_eq!(code(&f.upload("", 10, "a.txt", b"abc", "0").await), 6, "size mismatch");
    let single = f.upload("", 3, "说明.txt", b"abc", "0").await;
    assert_eq!(code(&single), 0);

    let rpath = json!(["图片资料", "图片资料/素材", "文档"]).to_string();
    let multi = f.call("create-multifiles-attachment", &[("rpath", &rpath)]).await;
    let (rootid, uuid) = (multi["rootid"].as_i64().unwrap(), multi["uuid"].as_str().unwrap().to_string());
    let png = b"\x89PNG fake image";
    let up = f.upload(&format!("/{uuid}/{rootid}/图片资料|素材"), png.len(), "logo3.png", png, "1").await;
    assert_eq!(code(&up), 0, "{up}");
    let logo_id = up["fileId"].to_string();
    assert_eq!(code(&f.upload(&format!("/{uuid}/{rootid}"), 2, "readme.md", b"hi", "1").await), 0);
    assert_eq!(code(&f.upload(&format!("/{uuid}/{rootid}/别处"), 2, "x.md", b"hi", "1").await), 2);

    let root = rootid.to_string();
    let top = f.call("get-attach-list", &[("fileId", &root), ("basePath", "")]).await;
    let names: Vec<&str> = top["data"].as_array().unwrap().iter().map(|i| i["fileName"].as_str().unwrap()).collect();
    assert_eq!(names, ["图片资料", "文档", "readme.md"]);
    assert_eq!(top["data"][0]["fileType"], 1);
    let deep = f.call("get-attach-list", &[("fileId", &root), ("basePath", "图片资料/素材")]).await;
    assert_eq!(deep["data"][0]["fileName"], "logo3.png");
    assert_eq!(deep["data"][0]["size"], png.len());

    let resp = f.raw("download-attachment", &f.me.token, &[("fileId", &logo_id)]).await;
    assert_eq!(resp.headers()["content-type"], "application/octet-stream");
    assert_eq!(resp.headers()["content-disposition"], "attachment; filename*=UTF-8''logo3.png");
    assert_eq!(resp.bytes().await.unwrap().as_ref(), png);
    let zip = f.raw("download-attachment-zip", &f.me.token, &[("fileId", &root)]).await.bytes().await.unwrap();
    assert!(zip.starts_with(b"PK"));

    // Start an upload approval on 公司文件 (id 1) with the multi-file attachment.
    let tid = f.sim.with_state(|s| s.templets.values().find(|t| t.title == "上传审批" && t.file_id == 1).unwrap().id);
    let tpl = f.call("templet-content", &[("id", &tid.to_string()), ("fileId", "1")]).await;
    let mut req = content_of(&tpl["templet"]);
    req["step"][0]["ids"] = json!([3, 2]);
    req["step"][1]["ids"] = json!([1]);
    let extra = json!({"attachmentId": rootid, "copyto": [4], "creatorNote": "请批准!", "fileId": 1,
        "fullPath": "公司文件", "taskType": 2, "tid": tid});
    req.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let bad = json!({"tid": tid, "fileId": 1, "step": [{"type": 4, "ids": [1]}]}).to_string();
    assert_eq!(code(&f.call("create-approval", &[("json", &bad)]).await), 2, "type 4 without selectId");
    let made = f.call("create-approval", &[("json", &req.to_string())]).await;
    assert_eq!(code(&made), 0, "{made}");
    let aid = made["id"].to_string();
    let view = f.call("view-approval", &[("id", &aid)]).await;
    assert_eq!(content_of(&view["data"])["creatorNote"], "请批准!");
    assert_eq!(view["attachment"]["atype"], 1);
    assert_eq!(view["attachment"]["totalNum"], 2);
    assert_eq!(view["attachment"]["totalSize"], png.len() + 2);
    let ids: Vec<i64> = view["data2"].as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert_eq!(ids.len(), 3);
    assert!(ids.windows(2).all(|w| w[1] == w[0] + 1), "handling ids increment: {ids:?}");
    assert_eq!(f.sim.approval_status(made["id"].as_i64().unwrap()), Some(0));

    let log = f.call("get-file-approval-log", &[("fileId", &root)]).await;
    assert_eq!(log["data"][0]["id"].to_string(), aid);

    assert_eq!(code(&f.call("remove-approval", &[("id", &aid)]).await), 3);
    assert_eq!(code(&f.call_as(&f.admin, "remove-approval", &[("id", &aid)]).await), 0);
    assert_eq!(code(&f.call("view-approval", &[("id", &aid)]).await), 4);
}

#[tokio::test]
async fn faults_break_replies_until_cleared() {
    let f = fixture().await;
    f.sim.set_fault(Some(Fault::MalformedJson));
    let resp = f.raw("get-creator-list", &f.me.token, &[]).await;
    assert_eq!(resp.status(), 200);
    assert!(serde_json::from_slice::<Value>(&resp.bytes().await.unwrap()).is_err());
    let admin = format!("{}/__sim/fault", f.server.base_url);
    let r = f.http.post(&admin).json(&json!({"fault": "server_error"})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(f.raw("get-creator-list", &f.me.token, &[]).await.status(), 500);
    f.http.post(&admin).json(&json!({"fault": null})).send().await.unwrap();
    assert_eq!(f.sim.fault(), None);
    assert_eq!(code(&f.call("get-creator-list", &[]).await), 0);
}

#[tokio::test]
async fn dropping_the_server_frees_the_port() {
    let sim = Sim::new(2, 5);
    let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let addr = server.addr;
    drop(server);
    // The aborted task releases the listener when the runtime next drops it.
    for _ in 0..40 {
        if let Ok(again) = sim.serve(addr).await {
            again.shutdown().await;
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("port {addr} was not freed");
}

/// `fullPath` is the file's path from the drive's root (document, create-approval's example and
/// view-approval's content); the simulator refuses another value, so a client sending the file
/// name alone is caught. A wild tenant's drive answers a created approval without its `id`.
#[tokio::test]
async fn create_approval_checks_full_path_and_a_wild_drive_answers_without_the_id() {
    for tenant in [super::Tenant::Tidy, super::Tenant::Wild] {
        let sim = Sim::for_tenant(1, 20, tenant);
        let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let f = Fixture { me: sim.demo_user(), admin: sim.user(1).unwrap(), sim, server, http: reqwest::Client::new() };
        let (tid, file, path, name) = f.sim.with_state(|s| {
            let t = s.templets.values().find(|t| t.content["approvalType"] == "3" && t.m_type == 0).unwrap();
            let file = s
                .files
                .values()
                .filter(|x| x.attachment_root == 0 && !x.is_folder && s.is_within(x.id, t.file_id))
                .map(|x| x.id)
                .min()
                .unwrap();
            (t.id, file, s.path_of(file), s.files[&file].name.clone())
        });
        assert!(path.starts_with("公司文件/") && path.ends_with(&format!("/{name}")), "{path}");
        let tpl = f.call("templet-content", &[("id", &tid.to_string()), ("fileId", &file.to_string())]).await;
        assert_eq!(tpl["fileMap"]["fileName"], name.as_str());
        assert!(tpl["fileMap"]["parentId"].as_i64().unwrap() > 0, "the way up to the root");
        let request = |full_path: &str| {
            let mut req = content_of(&tpl["templet"]);
            let copyto = req.as_object_mut().unwrap().remove("uids").unwrap();
            let extra = json!({"tid": tid, "fileId": file, "fullPath": full_path, "creatorNote": "路径", "copyto": copyto, "taskType": 3, "tempAuthDay": 3});
            req.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            req.to_string()
        };
        let wrong = f.call("create-approval", &[("json", &request(&name))]).await;
        assert_eq!(
            (code(&wrong), wrong["msg"].as_str()),
            (2, Some("参数错误: fullPath")),
            "the file name alone is not the path"
        );
        let made = f.call("create-approval", &[("json", &request(&path))]).await;
        assert_eq!(code(&made), 0, "{made}");
        let mine = f.call("get-creator-list", &[]).await;
        let newest = &mine["data"][0];
        assert_eq!(content_of(newest)["fullPath"], path.as_str());
        match tenant {
            super::Tenant::Tidy => assert_eq!(made["id"], newest["id"], "choice 10: {{code: 0, id}}"),
            super::Tenant::Wild => assert!(made.get("id").is_none(), "a wild drive's reply has no id: {made}"),
        }
    }
}
