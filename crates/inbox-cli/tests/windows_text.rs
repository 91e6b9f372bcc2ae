//! `inbox` with what a Windows desk hands it (issue 15), against the yomicloud simulator over
//! HTTP, the real keychain and a real cache; `scripts/test.sh` also runs it as a Windows program
//! under Wine, where the form and the file are Windows paths (drive letter, backslashes).
//! - A form file saved by Notepad (CRLF line ends) is read, and a note of several lines in it
//!   is sent as typed and printed by `inbox show` as its lines, with no stray `\r`.
//! - Times are shown in the user's time zone: the zone the system (or `TZ`) names, the same
//!   instant in Beijing and in UTC eight hours apart (jiff's own zone database on Windows).

use assert_cmd::Command;
use serde_json::Value;
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

    fn ok_in(&self, tz: Option<&str>, args: &[&str]) -> String {
        let mut c = self.cmd();
        if let Some(tz) = tz {
            c.env("TZ", tz);
        }
        let out = c.args(args).output().unwrap();
        assert!(out.status.success(), "inbox {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok_in(None, args)).unwrap()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_notepad_form_keeps_its_lines_and_times_follow_the_time_zone() {
    let sim = Sim::new(11, 40);
    let server = sim.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let me = sim.demo_user();
    let cli = Cli { dir: tempfile::tempdir().unwrap() };
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
        // `echo {...} | inbox …` in cmd.exe ends the line with CRLF.
        .write_stdin(format!("{}\r\n", serde_json::json!({ "token": me.token })))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // The 8th seeded template: 合同上传审批, files required, a designated 法务终审.
    let target =
        cli.json(&["templates", "云盘", "--template", "8", "--json"])[0]["target"].as_str().unwrap().to_string();
    let tmp = tempfile::tempdir().unwrap();
    let note = "第一行：合同正文\r\n第二行：请法务审阅";
    let form = tmp.path().join("表单.json");
    let notepad = format!(
        "{{\r\n  \"template_id\": \"8\",\r\n  \"target\": \"{target}\",\r\n  \"fields\": [\r\n    {{\"key\": \"creatorNote\", \"value\": {}}},\r\n    {{\"key\": \"selectId.1\", \"value\": \"12\"}}\r\n  ]\r\n}}\r\n",
        serde_json::to_string(note).unwrap()
    );
    std::fs::write(&form, notepad).unwrap();
    let file = tmp.path().join("合同.pdf");
    std::fs::write(&file, vec![7u8; 1024]).unwrap();
    let sent =
        cli.json(&["submit", "云盘", "--form", form.to_str().unwrap(), "--attach", file.to_str().unwrap(), "--json"]);
    let id = sent["id"].as_i64().unwrap().to_string();
    cli.ok_in(None, &["sync"]);

    let shown = cli.json(&["show", &id, "--json"]);
    let fields = shown["remote"]["fields"].as_array().or_else(|| shown["fields"].as_array()).expect("fields");
    assert!(fields.iter().any(|f| f["value"] == note), "sent and cached as typed: {fields:?}");
    let text = cli.ok_in(None, &["show", &id]);
    assert!(
        text.contains("第一行：合同正文\n    第二行：请法务审阅"),
        "its lines, the second indented under the value:\n{text}"
    );
    assert!(!text.contains("\\u{d}") && !text.contains('\r'), "no stray carriage return:\n{text}");

    let submitted =
        shown["remote"]["submitted_at"].as_i64().or_else(|| shown["submitted_at"].as_i64()).expect("submitted_at");
    let at = |zone: &str| {
        let tz = jiff::tz::TimeZone::get(zone).unwrap();
        jiff::Timestamp::from_second(submitted).unwrap().to_zoned(tz).strftime("%Y-%m-%d %H:%M").to_string()
    };
    let (beijing, utc) = (at("Asia/Shanghai"), at("UTC"));
    assert_ne!(beijing, utc);
    assert!(cli.ok_in(Some("Asia/Shanghai"), &["show", &id]).contains(&format!("提交于 {beijing}")), "Beijing time");
    assert!(cli.ok_in(Some("UTC"), &["show", &id]).contains(&format!("提交于 {utc}")), "UTC");
    server.shutdown().await;
}
