//! The five vendors side by side through the `inbox` command, as a user would do it: every
//! simulator running (`vendor_sim::start_all`, what `vendor-sim serve` prints), one `account
//! add` per vendor (secrets into the real keychain), `sync`, a todo list that mixes vendors, and
//! one decision per vendor that changes that simulator's state.

use serde_json::Value;
use vendor_sim::DemoAccount;

mod support;

use support::Inbox as Cli;

impl Cli {
    /// `inbox account add` exactly from a line of `vendor-sim serve`.
    fn add(&self, demo: &DemoAccount) {
        let name = format!("demo-{}", demo.vendor);
        let mut args =
            vec!["account", "add", &demo.vendor, "--name", &name, "--base-url", &demo.base_url, "--secrets-stdin"];
        let sets: Vec<String> = demo
            .settings
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().map(str::to_string).unwrap_or(v.to_string())))
            .collect();
        for s in &sets {
            args.extend(["--set", s]);
        }
        let out = self.run(&args, Some(Value::Object(demo.secrets.clone()).to_string()));
        assert!(out.status.success(), "adding {}: {}", demo.vendor, String::from_utf8_lossy(&out.stderr));
    }
}

/// The first todo of `vendor` that can be approved (fxiaoke: a CRM flow, the part that acts).
fn todo_of<'a>(todo: &'a [Value], vendor: &str) -> &'a Value {
    todo.iter()
        .find(|a| {
            a["vendor"] == vendor
                && a["actions"].as_array().unwrap().iter().any(|x| x == "approve")
                && (vendor != "fxiaoke" || a["remote_id"].as_str().unwrap().starts_with("crm:"))
        })
        .unwrap_or_else(|| panic!("no approvable {vendor} todo"))
}

#[tokio::test(flavor = "multi_thread")]
async fn five_vendors_in_one_inbox() {
    // fxiaoke at its quick-sync size: each of its approvals costs a rate-limited call.
    let sizes = vendor_sim::Sizes::quick(40);
    let running = vendor_sim::start_all("127.0.0.1".parse().unwrap(), 3, sizes).await.unwrap();
    let cli = Cli::new();
    for demo in running.accounts() {
        cli.add(demo);
    }
    let listed = cli.ok(&["account", "list"]);
    for vendor in vendor_sim::VENDORS {
        assert!(listed.contains(&format!("demo-{vendor}")), "{listed}");
    }
    let synced = cli.ok(&["sync"]);
    // Not a terminal here: the progress comes as plain lines, each account's phases in words.
    for vendor in ["yomicloud", "fxiaoke", "qiyuesuo", "weiwenjia"] {
        let said: Vec<&str> = synced.lines().filter(|l| l.starts_with(&format!("demo-{vendor}: "))).collect();
        assert!(said.iter().any(|l| l.contains("待办已就绪 · 历史")), "{vendor}: {synced}");
        assert!(said.iter().any(|l| l.contains("同步完成")), "{vendor}: {synced}");
    }

    // zeyi has no list: what we send is what we have.
    let form = tempfile::NamedTempFile::new().unwrap();
    let submission =
        inbox_core::connectors::zeyi::submission_from_form(&vendor_sim::zeyi::seed::demo_forms()[0]).unwrap();
    std::fs::write(form.path(), serde_json::to_string(&submission).unwrap()).unwrap();
    let sent = cli.json(&["submit", "demo-zeyi", "--form", form.path().to_str().unwrap(), "--json"]);
    assert_eq!(sent["boxes"], serde_json::json!(["submitted"]));

    let todo = cli.json(&["list", "--box", "todo", "--json", "--limit", "500"]);
    let todo = todo["items"].as_array().unwrap().clone();
    for vendor in ["yomicloud", "fxiaoke", "qiyuesuo", "weiwenjia"] {
        assert!(todo.iter().any(|a| a["vendor"] == vendor), "todo has {vendor} items");
    }
    let submitted = cli.json(&["list", "--box", "submitted", "--json", "--limit", "500"]);
    for vendor in vendor_sim::VENDORS {
        assert!(
            submitted["items"].as_array().unwrap().iter().any(|a| a["vendor"] == *vendor),
            "submitted has {vendor} items"
        );
    }

    let approve = |item: &Value| {
        let id = item["id"].as_i64().unwrap().to_string();
        cli.ok(&["approve", &id, "--comment", "命令行同意"]);
        item["remote_id"].as_str().unwrap().to_string()
    };

    let y = approve(todo_of(&todo, "yomicloud"));
    let me = running.yomicloud().demo_user();
    assert_eq!(running.yomicloud().approver_status2(y.parse().unwrap(), me.uid), Some(1));

    let f = approve(todo_of(&todo, "fxiaoke"));
    let instance = f.trim_start_matches("crm:");
    assert!(
        running.fxiaoke().crm_task_states(instance).iter().any(|s| s == "pass"),
        "{:?}",
        running.fxiaoke().crm_task_states(instance)
    );

    let q = approve(todo_of(&todo, "qiyuesuo"));
    let employee = running.qiyuesuo().demo_employee();
    assert_eq!(running.qiyuesuo().audit_of(&q, &employee.contact), Some((true, "命令行同意".to_string())));

    let w = approve(todo_of(&todo, "weiwenjia"));
    let user = running.weiwenjia().demo_user();
    assert!(running
        .weiwenjia()
        .decisions_of(&w, user.uid)
        .iter()
        .any(|(verb, opinion)| *verb == "pass" && opinion == "命令行同意"));

    let zeyi_id = sent["id"].as_i64().unwrap().to_string();
    cli.ok(&["cancel", &zeyi_id, "--comment", "重复提交"]);
    let audit = running.zeyi().audit(sent["remote_id"].as_str().unwrap()).unwrap();
    assert_eq!(format!("{:?}", audit.status), "Cancelled");
    assert_eq!(cli.json(&["show", &zeyi_id, "--json"])["status"], "cancelled");

    for vendor in vendor_sim::VENDORS {
        cli.ok(&["account", "remove", &format!("demo-{vendor}")]);
    }
    running.shutdown().await;
}
