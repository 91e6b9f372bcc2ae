//! Every example payload of yomicloud's own document (`tests/fixtures/yomicloud/public/`, each
//! file a verbatim line range, see its README) read by the client's types and maps: the replies
//! mapped with meaningful values asserted, the requests compared with what the client sends,
//! and the prose line and the list-dir fragment for what they show.

use inbox_core::connectors::de::document_example;
use inbox_core::connectors::yomicloud::map::{self, Extras};
use inbox_core::connectors::yomicloud::submit;
use inbox_core::connectors::yomicloud::wire::{Code, Content, TempletBody, TempletContent, ViewApproval};
use inbox_core::{Action, FieldValue, Inbox, Status, StepRule, Submission};
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/yomicloud/public")
}

fn read(name: &str) -> String {
    std::fs::read_to_string(dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn templet_reply() -> TempletContent {
    serde_json::from_value(document_example(&read("templet-content-reply.jsonc"))).unwrap()
}

/// A new file in the folder needs a test here: the set is exactly the files read below.
#[test]
fn every_public_fixture_is_read_by_a_test() {
    let files: BTreeSet<String> =
        std::fs::read_dir(dir()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    let read_here: BTreeSet<String> = [
        "README.md",
        "templet-content-reply.jsonc",
        "templet-content-body.jsonc",
        "create-approval-json-param.jsonc",
        "view-approval-reply.jsonc",
        "create-multifiles-attachment-rpath.json",
        "upload-attachment-rpath-example.txt",
        "list-dir-approval-fragment.jsonc",
    ]
    .map(String::from)
    .into();
    assert_eq!(files, read_here);
}

#[test]
fn templet_content_reply_gives_types_template_and_users() {
    let reply = templet_reply();
    let types = map::task_types(&reply.data);
    assert_eq!(
        types,
        HashMap::from([(1, "不处理".to_string()), (2, "上传文件".to_string())]),
        "the rows shown; `...` elides the rest"
    );
    assert_eq!(submit::type_flags(&reply.data, 2).upload, 1, "上传文件 needs an upload");
    let templet = reply.templet.clone().expect("templet");
    assert_eq!(
        (templet.id, templet.file_id, templet.m_type, templet.title.as_str()),
        (5, Some(71), Some(2), "申请修改")
    );
    let body = templet.body().unwrap();
    assert_eq!(
        (body.approval_type.clone(), body.desc.as_deref(), body.uids.clone()),
        (Code::Num(4), Some("请说明修改内容"), vec![4])
    );
    assert_eq!(
        (body.step[0].ids.clone(), body.step[0].rule.clone(), body.step[0].name.as_str()),
        (vec![1], Code::Num(2), "d")
    );
    assert_eq!(inbox_core::connectors::yomicloud::wire::user_name(&reply.userinfo, 4), "测试3");
    assert!(reply.file_map.is_none(), "the example was asked without a fileId");

    let form = submit::template(&templet, &reply.data, Some(71)).unwrap();
    assert_eq!((form.id.as_str(), form.name.as_str(), form.target.as_deref()), ("5", "申请修改", Some("71")));
    assert_eq!(form.fields[0].label, "请说明修改内容", "the statement is labelled with the template's desc");
    assert_eq!(form.steps[0].rule, StepRule::Any);
    assert_eq!(form.steps[0].members[0].user.name, "系统管理员");
}

#[test]
fn templet_content_body_is_the_decoded_content() {
    let body: TempletBody = serde_json::from_value(document_example(&read("templet-content-body.jsonc"))).unwrap();
    assert_eq!(
        (body.title.as_str(), body.approval_type.clone(), body.approver_auth, body.cc_auth),
        ("申请修改", Code::Num(4), Some(0), Some(0))
    );
    assert_eq!(
        (body.step[0].name.as_str(), body.step[0].approval_num, body.step[0].usernames.clone()),
        ("审批", Some(0), vec!["admin".to_string()])
    );
    // The same template as the reply's string, but for the step name (d there, 审批 here).
    let mut from_reply = templet_reply().templet.unwrap().body().unwrap();
    from_reply.step[0].name = "审批".into();
    assert_eq!(serde_json::to_value(&from_reply).unwrap(), serde_json::to_value(&body).unwrap());
}

#[test]
fn create_approval_json_has_the_path_and_our_request_has_every_key_of_it() {
    let example = document_example(&read("create-approval-json-param.jsonc"));
    let content: Content = serde_json::from_value(example.clone()).unwrap();
    assert_eq!(
        content.full_path.as_deref(),
        Some("公司文件/dzz_1.1_UTF8_20120408.zip"),
        "a path from the root, its own name last"
    );
    assert_eq!(
        (content.tid, content.file_id, content.attachment_id, content.temp_auth_day),
        (Some(5), Some(71), Some(79), Some(4))
    );
    assert_eq!(
        (content.task_type.clone(), content.copyto.clone(), content.steps()[0].select_id),
        (Code::Num(4), vec![4], Some(1))
    );

    // What the client sends for the reply's template on file 71, with the document's values.
    let templet = templet_reply().templet.unwrap();
    let s = Submission {
        template_id: "5".into(),
        target: Some("71".into()),
        fields: vec![FieldValue::text("creatorNote", "修改了部分内容"), FieldValue::text("tempAuthDay", "4")],
        ..Default::default()
    };
    let ours = submit::request(&templet, &s, 71, Some("公司文件/dzz_1.1_UTF8_20120408.zip"), Some(79)).unwrap();
    let missing: Vec<&String> =
        example.as_object().unwrap().keys().filter(|k| ours.get(k.as_str()).is_none()).collect();
    assert!(missing.is_empty(), "keys of the document's json we do not send: {missing:?}");
    for key in ["fullPath", "fileId", "tid", "taskType", "copyto", "creatorNote", "attachmentId", "tempAuthDay"] {
        assert_eq!(ours[key], example[key], "{key}");
    }
}

#[test]
fn view_approval_reply_maps_with_its_path_steps_and_boxes() {
    let raw = document_example(&read("view-approval-reply.jsonc"));
    let view: ViewApproval = serde_json::from_value(raw.clone()).unwrap();
    let file = view.file_map.clone().unwrap();
    assert_eq!((file.file_name.as_str(), file.parent_id, file.file_type), ("质量控制", Some(3), Some(1)));
    let content = map::content(&view.data).unwrap();
    assert_eq!(content.full_path.as_deref(), Some("公司文件/示例-按项目/质量控制"), "the path, not fileMap.fileName");
    assert!(content.copyto.is_empty(), "copyto is null in the example");

    let types = map::task_types(&templet_reply().data);
    let a = map::approval(&view, raw.clone(), 3, &types, &Extras::default()).unwrap();
    assert_eq!(
        (a.remote_id.as_str(), a.title.as_str(), a.form_name.as_str()),
        ("2", "上传审批 · 质量控制", "上传文件")
    );
    assert_eq!(
        (a.status, a.status_word.clone(), a.submitter.name.as_str(), a.submitted_at),
        (Status::Pending, None, "测试3", 1_635_170_411)
    );
    assert!(
        a.fields.iter().any(|f| f.label == "文件路径" && f.value == "公司文件/示例-按项目/质量控制"),
        "{:?}",
        a.fields
    );
    assert_eq!((a.boxes.clone(), a.actions.clone()), (vec![Inbox::Todo], vec![Action::Approve, Action::Reject]));
    assert_eq!(a.steps.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["初审", "终审"]);
    assert_eq!(a.attachments[0].remote_id, "98");
    // The final approver waits for the first step; the creator sees it as submitted.
    assert!(map::approval(&view, raw.clone(), 1, &types, &Extras::default()).unwrap().actions.is_empty());
    assert_eq!(map::approval(&view, raw, 4, &types, &Extras::default()).unwrap().boxes, vec![Inbox::Submitted]);
}

#[test]
fn create_multifiles_rpath_lists_folders_parents_first() {
    let folders: Vec<String> = serde_json::from_str(&read("create-multifiles-attachment-rpath.json")).unwrap();
    assert_eq!(folders, ["qdoc", "qmake", "qdoc/images", "qdoc/style", "qmake/images", "qmake/style"]);
    for (i, f) in folders.iter().enumerate() {
        if let Some((parent, _)) = f.rsplit_once('/') {
            assert!(folders[..i].iter().any(|p| p == parent), "{f}: its folder comes first, as the client sends them");
        }
    }
}

#[test]
fn upload_rpath_example_is_the_folder_with_bars() {
    let line = read("upload-attachment-rpath-example.txt");
    assert!(line.contains("图片资料/素材/logo3.png") && line.contains("图片资料|素材"), "{line}");
    // The client's rule (submit.rs, upload_one): the file's folder with `/` turned into `|`.
    let folder = "图片资料/素材/logo3.png".rsplit_once('/').unwrap().0;
    assert_eq!(folder.replace('/', "|"), "图片资料|素材");
}

/// A fragment (README: `....` stands for the reply's other keys): only `approval` is there.
#[test]
fn list_dir_fragment_shows_the_templates_one_can_start() {
    assert!(read("README.md").contains("`list-dir-approval-fragment.jsonc` | 18、其它说明 | 491–503 | fragment"));
    let fragment = document_example(&read("list-dir-approval-fragment.jsonc"));
    assert_eq!(fragment.as_object().unwrap().keys().collect::<Vec<_>>(), ["approval"]);
    let starts: Vec<(i64, &str)> = fragment["approval"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["id"].as_i64().unwrap(), t["name"].as_str().unwrap()))
        .collect();
    assert_eq!(starts, [(6, "上传审批"), (3, "申请预览权限")]);
}
