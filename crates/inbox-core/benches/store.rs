//! The cache at realistic scale: 100k approvals across five accounts, then the queries the
//! window makes (a box page, the counts, Chinese search). `cargo bench -p inbox-core --bench
//! store [-- N]` prints the figures; nothing here asserts on time.

use inbox_core::model::*;
use inbox_core::store::{ListQuery, Store};
use std::time::{Duration, Instant};

const WORDS: &[&str] = &["报销", "差旅", "采购", "合同", "付款", "请假", "加班", "运费", "上海", "苏州", "季度", "发票", "客户", "项目", "设备"];
const NAMES: &[&str] = &["张伟", "王芳", "李娜", "刘洋", "陈静", "杨光", "赵敏", "黄磊", "周涛", "吴婷"];

fn approval(i: usize) -> RemoteApproval {
    let w = |k: usize| WORDS[(i * 7 + k * 3) % WORDS.len()];
    let boxes = match i % 10 {
        0..=1 => vec![Inbox::Todo],
        2..=4 => vec![Inbox::Processed],
        5..=7 => vec![Inbox::Submitted],
        _ => vec![Inbox::Cc],
    };
    RemoteApproval {
        remote_id: i.to_string(),
        title: format!("{}{}申请-{}", w(0), w(1), i),
        form_name: format!("{}审批", w(2)),
        submitter: User { id: (i % 10).to_string(), name: NAMES[i % NAMES.len()].into() },
        submitted_at: 1_700_000_000 + i as i64 * 37,
        updated_at: 1_700_000_000 + i as i64 * 41,
        status: Status::Pending,
        boxes,
        fields: (0..8).map(|k| Field::new(format!("字段{k}"), format!("{}{}{}", w(k), w(k + 1), i % 1000), FieldKind::Text)).collect(),
        steps: vec![Step {
            name: "部门审批".into(),
            rule: StepRule::Any,
            decision: Decision::Waiting,
            members: vec![StepMember { user: User { id: "1".into(), name: NAMES[(i + 3) % 10].into() }, decision: Decision::Waiting, comment: Some(format!("请{}核对", w(5))), decided_at: None }],
        }],
        attachments: vec![],
        actions: vec![Action::Approve, Action::Reject],
        raw: serde_json::json!({"id": i, "note": w(4)}),
    }
}

fn percentile(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn measure(label: &str, runs: usize, mut f: impl FnMut(usize)) {
    let times: Vec<Duration> = (0..runs).map(|i| { let t = Instant::now(); f(i); t.elapsed() }).collect();
    println!("{label:<44} p50 {:>8.2?}  p99 {:>8.2?}", percentile(times.clone(), 0.5), percentile(times, 0.99));
}

fn main() {
    let n: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    // BENCH_KEEP=DIR keeps the cache file there, to compare with the sqlite3 shell (the floor).
    let keep = std::env::var_os("BENCH_KEEP").map(std::path::PathBuf::from);
    let store = Store::open_in(keep.as_deref().unwrap_or(dir.path())).unwrap();
    let accounts: Vec<i64> = (0..5).map(|k| store.insert_account(&format!("账号{k}"), Vendor::ALL[k % Vendor::ALL.len()], "http://x", &Default::default(), false).unwrap()).collect();
    let items: Vec<RemoteApproval> = (0..n).map(approval).collect();
    let t = Instant::now();
    for (k, chunk) in items.chunks(n.div_ceil(5)).enumerate() {
        let g = store.begin_sync(accounts[k]).unwrap();
        for page in chunk.chunks(500) {
            store.upsert_page(accounts[k], &Inbox::ALL, g, page).unwrap();
        }
    }
    println!("bulk upsert of {n} approvals (pages of 500)        {:>8.2?}", t.elapsed());
    let page = |inbox, search: Option<&str>, offset| ListQuery { inbox, search: search.map(Into::into), offset, limit: 50, ..Default::default() };
    measure("todo page of 50, newest first", 200, |i| { store.list(&page(Some(Inbox::Todo), None, (i as u32 % 20) * 50)).unwrap(); });
    measure("processed page of 50, one vendor", 200, |_| { store.list(&ListQuery { vendor: Some(Vendor::ALL[0]), ..page(Some(Inbox::Processed), None, 0) }).unwrap(); });
    measure("counts per box", 200, |_| { store.box_counts().unwrap(); });
    measure("search, one character (报)", 50, |_| { store.list(&page(None, Some("报"), 0)).unwrap(); });
    measure("search, two characters (差旅)", 50, |_| { store.list(&page(None, Some("差旅"), 0)).unwrap(); });
    measure("todo page, searching 报", 50, |_| { store.list(&page(Some(Inbox::Todo), Some("报"), 0)).unwrap(); });
    measure("search, rare term (申请-99999)", 50, |_| { store.list(&page(None, Some("申请-99999"), 0)).unwrap(); });
    measure("detail of one approval", 200, |i| { store.approval((i * 97 % n) as i64 + 1).unwrap(); });
}
