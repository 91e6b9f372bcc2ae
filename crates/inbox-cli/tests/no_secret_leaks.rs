//! No secret value ever leaves the keychain: after adding all five vendors' accounts, syncing
//! (with debug logging), acting, failing and listing, no secret the simulators issued appears
//! in the SQLite files, the log files, any `--json` output (the same serde output the desktop
//! shell's IPC replies carry) or any error message.

use assert_cmd::Command;
use serde_json::Value;
use vendor_sim::common::Fault;
use vendor_sim::DemoAccount;
use vendor_sim::Simulator;

struct Cli {
    dir: tempfile::TempDir,
    seen: std::cell::RefCell<Vec<String>>,
}

impl Cli {
    fn run(&self, args: &[&str], stdin: Option<String>) -> std::process::Output {
        let mut c = Command::cargo_bin("inbox").unwrap();
        c.arg("--data-dir").arg(self.dir.path()).env("INBOX_LOG", "debug").args(args);
        if let Some(input) = stdin {
            c.write_stdin(input);
        }
        let out = c.output().unwrap();
        self.seen.borrow_mut().push(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
        out
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args, None);
        assert!(out.status.success(), "inbox {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    fn add(&self, demo: &DemoAccount) {
        let mut args = vec![
            "account",
            "add",
            &demo.vendor,
            "--name",
            &demo.vendor,
            "--base-url",
            &demo.base_url,
            "--secrets-stdin",
        ];
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

/// Every file under `dir`, as bytes.
fn files(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push((path.clone(), std::fs::read(&path).unwrap()));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_secret_reaches_sqlite_logs_json_or_errors() {
    let running = vendor_sim::start_all("127.0.0.1".parse().unwrap(), 5, 15).await.unwrap();
    let cli = Cli { dir: tempfile::tempdir().unwrap(), seen: Default::default() };
    for demo in running.accounts() {
        cli.add(demo);
    }
    cli.ok(&["sync"]);
    cli.ok(&["account", "list", "--json"]);
    let list: Value = serde_json::from_str(&cli.ok(&["list", "--json", "--limit", "500"])).unwrap();
    for a in list["items"].as_array().unwrap().iter().take(20) {
        cli.ok(&["show", &a["id"].to_string(), "--json"]);
    }
    for demo in running.accounts() {
        cli.run(&["account", "test", &demo.vendor], None);
    }
    // Failures log and print reasons: they must not carry secrets either.
    let todo = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["vendor"] == "weiwenjia" && a["actions"].as_array().unwrap().iter().any(|x| x == "approve"))
        .unwrap();
    running.weiwenjia().set_fault(Some(Fault::ServerError));
    assert!(!cli.run(&["approve", &todo["id"].to_string()], None).status.success());
    assert!(!cli.run(&["sync", "weiwenjia"], None).status.success());
    running.weiwenjia().set_fault(None);
    cli.ok(&["outbox", "list", "--json"]);

    let secrets: Vec<String> = running
        .accounts()
        .iter()
        .flat_map(|a| a.secrets.values().filter_map(|v| v.as_str().map(str::to_string)))
        .filter(|s| s.len() >= 6)
        .collect();
    assert!(secrets.len() >= 5, "every vendor issued a secret: {secrets:?}");
    let files = files(cli.dir.path());
    assert!(
        files.iter().any(|(p, b)| p.to_string_lossy().contains("logs") && !b.is_empty()),
        "the log file was written"
    );
    assert!(files.iter().any(|(p, _)| p.ends_with("cache.sqlite3")));
    for secret in &secrets {
        for (path, bytes) in &files {
            assert!(!bytes.windows(secret.len()).any(|w| w == secret.as_bytes()), "a secret is in {}", path.display());
        }
        for (i, text) in cli.seen.borrow().iter().enumerate() {
            assert!(!text.contains(secret.as_str()), "a secret is in the output of command {i}");
        }
    }
}
