//! Realistic cached approvals in any number, for the benchmarks and the end-to-end performance
//! test (issue 7): Chinese titles, forms and names, eight text fields and one step with a
//! comment each, spread over five accounts and the four boxes (20 % todo, 30 % processed, 30 %
//! submitted, 20 % cc). Deterministic: approval `i` is always the same.

use crate::model::{
    Action, Decision, Field, FieldKind, Inbox, RemoteApproval, Status, Step, StepMember, StepRule, User, Vendor,
};
use crate::store::{Store, StoreError};

const WORDS: &[&str] = &[
    "报销", "差旅", "采购", "合同", "付款", "请假", "加班", "运费", "上海", "苏州", "季度", "发票", "客户", "项目",
    "设备",
];
const NAMES: &[&str] = &["张伟", "王芳", "李娜", "刘洋", "陈静", "杨光", "赵敏", "黄磊", "周涛", "吴婷"];

/// How many accounts [`seed`] spreads the approvals over.
pub const ACCOUNTS: usize = 5;

/// Approval number `i`.
pub fn approval(i: usize) -> RemoteApproval {
    let w = |k: usize| WORDS[(i * 7 + k * 3) % WORDS.len()];
    let (boxes, status) = match i % 10 {
        0..=1 => (vec![Inbox::Todo], Status::Pending),
        2..=4 => (vec![Inbox::Processed], if i.is_multiple_of(7) { Status::Rejected } else { Status::Approved }),
        5..=7 => (vec![Inbox::Submitted], if i.is_multiple_of(3) { Status::Approved } else { Status::Pending }),
        _ => (vec![Inbox::Cc], Status::Approved),
    };
    RemoteApproval {
        remote_id: i.to_string(),
        title: format!("{}{}申请-{}", w(0), w(1), i),
        form_name: format!("{}审批", w(2)),
        submitter: User { id: (i % 10).to_string(), name: NAMES[i % NAMES.len()].into() },
        submitted_at: 1_700_000_000 + i as i64 * 37,
        updated_at: 1_700_000_000 + i as i64 * 41,
        status,
        boxes,
        fields: (0..8)
            .map(|k| Field::new(format!("字段{k}"), format!("{}{}{}", w(k), w(k + 1), i % 1000), FieldKind::Text))
            .collect(),
        steps: vec![Step {
            name: "部门审批".into(),
            rule: StepRule::Any,
            decision: Decision::Waiting,
            members: vec![StepMember {
                user: User { id: "1".into(), name: NAMES[(i + 3) % 10].into() },
                decision: Decision::Waiting,
                word: None,
                comment: Some(format!("请{}核对", w(5))),
                decided_at: None,
            }],
        }],
        attachments: vec![],
        actions: vec![Action::Approve, Action::Reject],
        raw: serde_json::json!({"id": i, "note": w(4)}),
        status_word: None,
        unreadable: None,
        marks: vec![],
    }
}

/// Creates [`ACCOUNTS`] accounts (one per vendor, pointing at `base_url`) and returns their ids.
pub fn accounts(store: &Store, base_url: &str) -> Result<Vec<i64>, StoreError> {
    (0..ACCOUNTS)
        .map(|k| {
            store.insert_account(
                &format!("账号{k}"),
                Vendor::ALL[k % Vendor::ALL.len()],
                base_url,
                &Default::default(),
                false,
            )
        })
        .collect()
}

/// Stores approvals `0..n`, split evenly over `accounts`, in pages of `page` as a sync does.
pub fn fill(store: &Store, accounts: &[i64], n: usize, page: usize) -> Result<(), StoreError> {
    let items: Vec<RemoteApproval> = (0..n).map(approval).collect();
    for (k, chunk) in items.chunks(n.div_ceil(accounts.len()).max(1)).enumerate() {
        let g = store.begin_sync(accounts[k])?;
        for p in chunk.chunks(page) {
            store.upsert_page(accounts[k], &Inbox::ALL, g, p)?;
        }
    }
    // As the end of a sync does: the cache is searchable through its index.
    while store.index_pending(crate::store::INDEX_BATCH)? > 0 {}
    Ok(())
}
