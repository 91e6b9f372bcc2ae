//! Files and text the way a Windows desk gives them (issue 15), against the yomicloud simulator
//! over real HTTP and a real SQLite file. `scripts/test.sh` runs these on Linux and, built for
//! `x86_64-pc-windows-gnu`, under Wine, where every path is a Windows one: a drive letter and
//! backslashes (`C:\users\…\Temp\.tmpXXXX\资料`).
//! - A folder chosen by its full path uploads with its tree as `/`-separated folders, every
//!   name one a Windows desk can hold; a file downloads back under its name, to a folder or to
//!   the path a save dialog chose.
//! - Text with Windows line ends (CRLF) is kept as the user typed it: what a user writes (a
//!   contract's note, a reason) is sent and cached byte for byte, never rewritten; `inbox show`
//!   prints its lines either way (`inbox-cli/tests/windows_text.rs`).

mod support;
use inbox_core::{Action, FieldValue, Inbox, Progress, Submission};
use std::path::PathBuf;
use vendor_sim::yomicloud::Sim;
use vendor_sim::Simulator;

use support::DRIVE_APPROVER as APPROVER;

type World = support::DriveWorld;

async fn world() -> World {
    World::of(support::World::new(Sim::new(15, 10), "云盘").await)
}

fn upload_form(w: &World, paths: Vec<PathBuf>) -> Submission {
    Submission {
        template_id: w.upload.to_string(),
        target: Some(w.folder.to_string()),
        fields: vec![FieldValue::text("creatorNote", "上传资料")],
        attachments: paths,
        ..Default::default()
    }
}

#[tokio::test]
async fn a_folder_chosen_by_its_full_path_uploads_its_tree_and_downloads_back() {
    let w = world().await;
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("资料");
    std::fs::create_dir_all(root.join("图片")).unwrap();
    std::fs::write(root.join("图片").join("报表.xlsx"), b"xlsx bytes").unwrap();
    std::fs::write(root.join("说明.txt"), "第一行\r\n第二行\r\n").unwrap();
    // Names a Windows desk cannot hold exist on Linux and macOS only.
    #[cfg(unix)]
    std::fs::write(root.join("aux.txt"), b"aux").unwrap();
    if cfg!(windows) {
        let shown = root.display().to_string();
        assert!(shown.as_bytes().get(1) == Some(&b':') && shown.contains('\\'), "a Windows path: {shown}");
    }

    let sent = w.service.submit(w.account, &upload_form(&w, vec![root.clone()]), Progress::ignore()).await.unwrap();
    let attachment = w.sim.with_state(|s| s.approvals[&sent.remote.remote_id.parse::<i64>().unwrap()].attachment_id);
    let mut names: Vec<(String, bool)> = w.sim.with_state(|s| {
        s.files
            .values()
            .filter(|f| f.attachment_root == attachment && f.id != attachment)
            .map(|f| (f.name.clone(), f.is_folder))
            .collect()
    });
    names.sort();
    let mut expected = vec![
        ("图片".to_string(), true),
        ("报表.xlsx".into(), false),
        ("说明.txt".into(), false),
        ("资料".into(), true),
    ];
    if cfg!(unix) {
        expected.push(("aux_.txt".into(), false));
    }
    expected.sort();
    assert_eq!(names, expected, "the tree as the vendor holds it: no backslash, no drive, no device name");

    // One file chosen by its full path, downloaded back into a folder and to a chosen path.
    let single = root.join("图片").join("报表.xlsx");
    let sent = w.service.submit(w.account, &upload_form(&w, vec![single]), Progress::ignore()).await.unwrap();
    w.service.sync_account(w.account).await.unwrap();
    let cached = w.service.approval(sent.id).unwrap();
    let file = cached.remote.attachments.iter().find(|a| !a.is_folder).expect("the uploaded file is listed");
    let into = tempfile::tempdir().unwrap();
    let path = w.service.download(sent.id, &file.remote_id, into.path()).await.unwrap();
    assert_eq!(path, into.path().join("报表.xlsx"));
    assert_eq!(std::fs::read(&path).unwrap(), b"xlsx bytes");
    let chosen = into.path().join("另存为 2026.xlsx");
    assert_eq!(w.service.download_to(sent.id, &file.remote_id, &chosen).await.unwrap(), chosen);
    assert_eq!(std::fs::read(&chosen).unwrap(), b"xlsx bytes");
}

/// What a save dialog hands over on Windows: only a full path with its drive is taken.
#[cfg(windows)]
#[test]
fn a_save_path_needs_its_drive_on_windows() {
    use inbox_core::service::check_save_path;
    let dir = tempfile::tempdir().unwrap();
    let ok = dir.path().join("发票.pdf");
    assert!(check_save_path(&ok).is_ok(), "{}", ok.display());
    let forward = PathBuf::from(ok.display().to_string().replace('\\', "/"));
    assert!(check_save_path(&forward).is_ok(), "forward slashes name the same place: {}", forward.display());
    let drive = &ok.display().to_string()[..2];
    for (path, why) in [
        (PathBuf::from("\\发票.pdf"), "absolute"),
        (PathBuf::from(format!("{drive}发票.pdf")), "absolute"),
        (dir.path().join("a").join("..").join("发票.pdf"), ".."),
        (dir.path().to_path_buf(), "folder"),
        (dir.path().join("无此目录").join("发票.pdf"), "does not exist"),
    ] {
        let e = check_save_path(&path).unwrap_err().to_string();
        assert!(e.contains(why), "{}: {e}", path.display());
    }
}

#[tokio::test]
async fn windows_line_ends_in_form_text_and_comments_are_kept_as_typed() {
    let w = world().await;
    let note = "用途：\r\n1. 审阅合同\r\n2. 核对金额";
    let form = Submission {
        template_id: w.preview.to_string(),
        target: Some(w.file.to_string()),
        fields: vec![
            FieldValue::text("creatorNote", note),
            FieldValue::text("tempAuthDay", "3"),
            FieldValue::text("selectId.0", APPROVER.to_string()),
        ],
        ..Default::default()
    };
    let sent = w.service.submit(w.account, &form, Progress::ignore()).await.unwrap();
    w.service.sync_account(w.account).await.unwrap();
    let cached = w.service.approval(sent.id).unwrap();
    assert!(cached.remote.fields.iter().any(|f| f.value == note), "the note as typed: {:?}", cached.remote.fields);

    let approver = w.sim.user(APPROVER).unwrap();
    let mut demo = w.sim.demo_account(&w.server.base_url);
    demo.settings.insert("uid".into(), APPROVER.to_string().into());
    demo.secrets.insert("token".into(), approver.token.into());
    let second = support::add_demo(&w.service, "云盘-审批人", &demo);
    w.service.sync_account(second).await.unwrap();
    let todo =
        w.service.store().approval_by_remote(second, &sent.remote.remote_id).unwrap().expect("in the approver's cache");
    assert!(todo.remote.boxes.contains(&Inbox::Todo));
    let reason = "同意。\r\n请于周五前归还";
    w.service.act(todo.id, Action::Approve, reason).await.unwrap();
    w.service.sync_account(w.account).await.unwrap();
    let decided = w.service.approval(sent.id).unwrap();
    let comments: Vec<&str> =
        decided.remote.steps.iter().flat_map(|s| s.members.iter()).filter_map(|m| m.comment.as_deref()).collect();
    assert!(comments.contains(&reason), "the comment as typed: {comments:?}");
}
