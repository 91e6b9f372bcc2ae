//! The `inbox` command end to end: a real binary, a real cache directory, the real keychain
//! (the test command runs under a headless gnome-keyring) and the yomicloud simulator over HTTP.

use assert_cmd::Command;
use serde_json::Value;
use vendor_sim::common::Fault;
use vendor_sim::yomicloud::Sim;
use vendor_sim::Simulator;

struct Cli {
    dir: tempfile::TempDir,
}

impl Cli {
    fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("inbox").unwrap();
        c.arg("--data-dir").arg(self.dir.path());
        c
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).output().unwrap();
        assert!(out.status.success(), "inbox {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    fn fails(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).output().unwrap();
        assert!(!out.status.success(), "inbox {args:?} should fail");
        String::from_utf8(out.stderr).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }

    fn add(&self, name: &str, base_url: &str, uid: i64, token: &str) -> String {
        let out = self
            .cmd()
            .args([
                "account",
                "add",
                "yomicloud",
                "--name",
                name,
                "--base-url",
                base_url,
                "--set",
                &format!("uid={uid}"),
                "--secrets-stdin",
            ])
            .write_stdin(serde_json::json!({ "token": token }).to_string())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn add_sync_list_approve_reject_headless() {
    let sim = Sim::new(11, 80);
    let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let me = sim.demo_user();
    let cli = Cli { dir: tempfile::tempdir().unwrap() };

    let added = cli.add("工作云盘", &server.base_url, me.uid, &me.token);
    assert!(added.contains("工作云盘"));
    let accounts = cli.ok(&["account", "list", "--json"]);
    assert!(!accounts.contains(&me.token), "secrets never appear in output");
    assert!(cli.ok(&["account", "test", "工作云盘"]).contains("连接成功"));
    assert!(cli.ok(&["sync"]).contains("工作云盘: 同步完成 · "));

    let todo = cli.json(&["list", "--box", "todo", "--json"]);
    assert_eq!(todo["total"].as_u64().unwrap() as usize, sim.todo_ids_for(me.uid).len());
    let first = &todo["items"][0];
    let (id, remote) = (first["id"].as_i64().unwrap(), first["remote_id"].as_str().unwrap().parse::<i64>().unwrap());
    let shown = cli.json(&["show", &id.to_string(), "--json"]);
    assert_eq!(shown["title"], first["title"]);
    assert!(!shown["steps"].as_array().unwrap().is_empty());
    assert!(cli.ok(&["show", &id.to_string()]).contains("you can: approve, reject"));

    assert!(cli.ok(&["approve", &id.to_string(), "--comment", "同意"]).contains("approve #"));
    assert_eq!(sim.approver_status2(remote, me.uid), Some(1), "the simulator's state changed");
    let processed = cli.json(&["list", "--box", "processed", "--json", "--limit", "500"]);
    assert!(ids(&processed).contains(&id));
    assert!(!ids(&cli.json(&["list", "--box", "todo", "--json"])).contains(&id));

    let next = ids(&cli.json(&["list", "--box", "todo", "--json"]))[0];
    let missing = cli.fails(&["reject", &next.to_string()]);
    assert!(missing.contains("--comment"), "{missing}");
    cli.ok(&["reject", &next.to_string(), "--comment", "附件不全"]);
    let search = cli.json(&["list", "--search", "附件不全", "--json"]);
    assert_eq!(ids(&search), vec![next], "comments are searchable");

    // A malformed reply fails the sync with the account named and leaves the cache as it was.
    let before = cli.ok(&["list", "--json", "--limit", "500"]);
    sim.set_fault(Some(Fault::MalformedJson));
    let err = cli.fails(&["sync", "工作云盘"]);
    assert!(err.contains("工作云盘") && err.contains("malformed"), "{err}");
    assert_eq!(cli.ok(&["list", "--json", "--limit", "500"]), before);
    sim.set_fault(None);

    // A bad token is reported as such, without the token.
    cli.add("坏令牌", &server.base_url, me.uid, "bad-token-xyz");
    let err = cli.fails(&["sync", "坏令牌"]);
    assert!(
        err.contains("坏令牌") && err.contains("refused the credentials") && !err.contains("bad-token-xyz"),
        "{err}"
    );
    assert!(cli.ok(&["account", "list"]).contains("last sync failed"));

    // An unreachable host too.
    cli.add("不可达", "http://127.0.0.1:9", me.uid, "t");
    let err = cli.fails(&["sync", "不可达"]);
    assert!(err.contains("不可达") && err.contains("cannot reach"), "{err}");
    assert_eq!(cli.ok(&["list", "--json", "--limit", "500"]), before);

    for name in ["工作云盘", "坏令牌", "不可达"] {
        assert!(cli.ok(&["account", "remove", name]).contains("removed"));
    }
    assert_eq!(cli.json(&["list", "--json"])["total"], 0);
    server.shutdown().await;
}

/// Everything the cache holds for `account`, as `inbox list --account … --json` and `inbox show
/// --json` of each approval print it.
fn cached(cli: &Cli, account: &str) -> (Value, Vec<String>) {
    let page = cli.json(&["list", "--account", account, "--json", "--limit", "500"]);
    let shown = ids(&page).iter().map(|id| cli.ok(&["show", &id.to_string(), "--json"])).collect();
    (page, shown)
}

/// Two accounts that synced fine; then (a) the vendor stops taking the tokens part-way through
/// a sync (`/__sim/fault` `expired_token` after a few calls), then (b) the host goes away (the
/// simulator stops, its port is closed). Each next sync fails naming the account and its cause,
/// and leaves exactly the approvals, details included, that the account had cached.
#[tokio::test(flavor = "multi_thread")]
async fn a_synced_account_keeps_its_cache_when_its_token_dies_or_its_host_goes_away() {
    let sim = Sim::new(11, 80);
    let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let (me, other) = (sim.demo_user(), sim.user(4).unwrap());
    let cli = Cli { dir: tempfile::tempdir().unwrap() };
    cli.add("公司云盘", &server.base_url, me.uid, &me.token);
    cli.add("同事云盘", &server.base_url, other.uid, &other.token);
    let synced = cli.ok(&["sync"]);
    assert!(synced.contains("公司云盘: 同步完成 · ") && synced.contains("同事云盘: 同步完成 · "), "{synced}");
    let before = [cached(&cli, "公司云盘"), cached(&cli, "同事云盘")];
    for (page, _) in &before {
        assert!(page["total"].as_u64().unwrap() > 0, "each account has approvals cached");
    }

    // (a) The tokens stop working after the sync's first three calls.
    let fault = serde_json::json!({"fault": "expired_token", "after": 3, "times": 1});
    reqwest::Client::new()
        .post(format!("{}/__sim/fault", server.base_url))
        .json(&fault)
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    let err = cli.fails(&["sync", "公司云盘"]);
    assert!(err.contains("公司云盘") && err.contains("refused the credentials") && err.contains("code 1"), "{err}");
    assert!(!err.contains(&me.token), "the token never appears: {err}");
    assert!(sim.fault().is_none(), "the expiry happened during that sync");
    assert_eq!(cached(&cli, "公司云盘"), before[0]);
    let accounts = cli.json(&["account", "list", "--json"]);
    let state = |name: &str| accounts.as_array().unwrap().iter().find(|a| a["name"] == name).unwrap()["sync"].clone();
    assert!(state("公司云盘")["last_error"].as_str().unwrap().contains("refused the credentials"));

    // (b) The host goes away: nothing listens on the account's base URL any more.
    server.shutdown().await;
    let err = cli.fails(&["sync", "同事云盘"]);
    assert!(err.contains("同事云盘") && err.contains("cannot reach"), "{err}");
    assert_eq!(cached(&cli, "同事云盘"), before[1]);
    assert_eq!(cached(&cli, "公司云盘"), before[0]);
    assert!(cli.ok(&["account", "list"]).matches("last sync failed").count() == 2);
}

/// `--set` takes several settings at once and may be repeated; both forms store the same
/// settings, and a value keeps any `=` after the first.
#[test]
fn settings_come_in_one_set_or_in_repeated_sets() {
    let cli = Cli { dir: tempfile::tempdir().unwrap() };
    let add = |name: &str, sets: &[&str]| {
        let mut args = vec!["account", "add", "qiyuesuo", "--name", name, "--base-url", "http://127.0.0.1:9"];
        args.extend_from_slice(sets);
        args.push("--secrets-stdin");
        let out = cli.cmd().args(&args).write_stdin(r#"{"app_secret":"s"}"#).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    add("一次", &["--set", "app_token=tok", "employee=13800000000", "tenant_name=上海某某=有限公司"]);
    add("多次", &["--set", "app_token=tok", "--set", "employee=13800000000", "--set", "tenant_name=上海某某=有限公司"]);
    add("混合", &["--set", "app_token=tok", "employee=13800000000", "--set", "tenant_name=上海某某=有限公司"]);
    let expected =
        serde_json::json!({"app_token": "tok", "employee": "13800000000", "tenant_name": "上海某某=有限公司"});
    let accounts = cli.json(&["account", "list", "--json"]);
    let accounts = accounts.as_array().unwrap();
    assert_eq!(accounts.len(), 3);
    for a in accounts {
        assert_eq!(a["settings"], expected, "{}", a["name"]);
    }
    let err = cli.fails(&[
        "account",
        "add",
        "qiyuesuo",
        "--name",
        "坏",
        "--base-url",
        "http://127.0.0.1:9",
        "--set",
        "app_token=tok",
        "employee",
    ]);
    assert!(err.contains("expected key=value, got `employee`"), "{err}");
}

#[test]
fn bad_input_gets_clear_errors() {
    let cli = Cli { dir: tempfile::tempdir().unwrap() };
    assert!(cli.fails(&["show", "42"]).contains("no approval with id 42"));
    assert!(cli.fails(&["account", "test", "nobody"]).contains("no account named or numbered `nobody`"));
    assert!(cli.fails(&["list", "--box", "inbox"]).contains("unknown box"));
    assert!(cli.fails(&["sync"]).contains("no accounts yet"));
    let out = cli
        .cmd()
        .args([
            "account",
            "add",
            "yomicloud",
            "--name",
            "x",
            "--base-url",
            "ftp://x",
            "--set",
            "uid=1",
            "--secrets-stdin",
        ])
        .write_stdin("{\"token\":\"t\"}")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("http://"));
}

/// `inbox templates` and `inbox submit --attach` against the yomicloud simulator: the template's
/// form (fields, the designated-approver choice, steps, files required), then a submission with
/// a file that the vendor confirms and lists as the demo user's.
#[tokio::test(flavor = "multi_thread")]
async fn templates_then_submit_with_a_file() {
    let sim = Sim::new(11, 40);
    let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let me = sim.demo_user();
    let cli = Cli { dir: tempfile::tempdir().unwrap() };
    cli.add("云盘", &server.base_url, me.uid, &me.token);

    // The 8th seeded template: 合同上传审批, files required, a designated 法务终审.
    let found = cli.json(&["templates", "云盘", "--template", "8", "--json"]);
    let t = &found[0];
    assert_eq!(
        (t["id"].as_str(), t["name"].as_str(), t["attachments"].as_str()),
        (Some("8"), Some("合同上传审批"), Some("required"))
    );
    let keys: Vec<&str> = t["fields"].as_array().unwrap().iter().map(|f| f["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["creatorNote", "selectId.1"]);
    let choice = &t["fields"][1];
    assert_eq!((choice["kind"].as_str(), choice["required"].as_bool()), (Some("select"), Some(true)));
    let options: Vec<&str> =
        choice["options"].as_array().unwrap().iter().map(|o| o["value"].as_str().unwrap()).collect();
    assert_eq!(options, ["1", "12"]);
    assert_eq!(t["steps"].as_array().unwrap().len(), 2);
    let target = t["target"].as_str().expect("the template's folder").to_string();
    assert!(
        cli.ok(&["templates", "云盘", "--template", "8"]).contains("selectId.1*"),
        "the text form marks required fields"
    );
    // Listing a folder's templates is for administrators: the vendor's refusal, in words.
    let refused = cli.fails(&["templates", "云盘", "--file", &target]);
    assert!(refused.contains("templet-list") && refused.contains("没有权限"), "{refused}");

    let tmp = tempfile::tempdir().unwrap();
    let form = tmp.path().join("form.json");
    let submission = serde_json::json!({
        "template_id": "8",
        "target": target,
        "fields": [{"key": "creatorNote", "value": "CLI 上传合同"}, {"key": "selectId.1", "value": "12"}],
    });
    std::fs::write(&form, submission.to_string()).unwrap();
    let file = tmp.path().join("合同.pdf");
    std::fs::write(&file, vec![7u8; 70 * 1024]).unwrap();
    // Without the file the template's rule refuses it before anything is sent; the draft stays.
    let missing = cli.fails(&["submit", "云盘", "--form", form.to_str().unwrap()]);
    assert!(missing.contains("attachments") && missing.contains("需要上传文件"), "{missing}");

    let before = sim.submitted_ids_for(me.uid).len();
    let sent =
        cli.json(&["submit", "云盘", "--form", form.to_str().unwrap(), "--attach", file.to_str().unwrap(), "--json"]);
    assert_eq!(sent["status"].as_str(), Some("pending"));
    assert!(sent["title"].as_str().unwrap().starts_with("合同上传审批"), "{}", sent["title"]);
    // The demo user is also one of 法务初审's approvers, so it may be a todo of theirs too.
    assert!(sent["boxes"].as_array().unwrap().contains(&serde_json::json!("submitted")), "{}", sent["boxes"]);
    let attachments = sent["attachments"].as_array().unwrap();
    assert_eq!((attachments.len(), attachments[0]["name"].as_str()), (1, Some("合同.pdf")));
    let remote: i64 = sent["remote_id"].as_str().unwrap().parse().unwrap();
    assert_eq!(sim.submitted_ids_for(me.uid).len(), before + 1);
    assert!(sim.submitted_ids_for(me.uid).contains(&remote), "the vendor lists it as the demo user's");
    let submitted = cli.json(&["list", "--box", "submitted", "--json", "--limit", "500"]);
    assert!(ids(&submitted).contains(&sent["id"].as_i64().unwrap()), "in the cache's submitted box");
    server.shutdown().await;
}

/// Issue 15: the first command on a new data directory is quiet (the log folder did not exist
/// yet, and the log rotation complained about it on stderr).
#[tokio::test(flavor = "multi_thread")]
async fn a_first_run_on_a_new_data_directory_prints_no_error() {
    let sim = Sim::new(11, 10);
    let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let me = sim.demo_user();
    let fresh = tempfile::tempdir().unwrap();
    let cli = Cli { dir: tempfile::TempDir::new_in(fresh.path()).unwrap() };
    std::fs::remove_dir(cli.dir.path()).unwrap();
    let out = cli
        .cmd()
        .args([
            "account",
            "add",
            "yomicloud",
            "--name",
            "云盘",
            "--base-url",
            &server.base_url,
            "--set",
            &format!("uid={}", me.uid),
            "--secrets-stdin",
        ])
        .write_stdin(serde_json::json!({ "token": me.token }).to_string())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "", "nothing on stderr");
    assert!(cli.dir.path().join("logs").is_dir());
    let out = cli.cmd().args(["account", "list"]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stderr), "", "nor on the second run");
}
