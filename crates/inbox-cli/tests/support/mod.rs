//! The `inbox` command on a cache directory of its own, shared by the CLI tests.

use assert_cmd::Command;
use serde_json::Value;

pub struct Inbox {
    pub dir: tempfile::TempDir,
}

impl Inbox {
    pub fn new() -> Inbox {
        Inbox { dir: tempfile::tempdir().unwrap() }
    }

    pub fn run(&self, args: &[&str], stdin: Option<String>) -> std::process::Output {
        let mut c = Command::cargo_bin("inbox").unwrap();
        c.arg("--data-dir").arg(self.dir.path()).args(args);
        if let Some(input) = stdin {
            c.write_stdin(input);
        }
        c.output().unwrap()
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args, None);
        assert!(out.status.success(), "inbox {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }
}
