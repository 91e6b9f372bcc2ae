//! A deterministic 则一: the integration's two key pairs (32-character secrets, so AES-256 when
//! encryption is on), 则一 employees of a logistics company, the approval types a TMS sends,
//! and a history of `approvals` finished approvals from other senders of the same app (they
//! hold their business ids, so the uniqueness rule has something to bite on). The demo sender
//! (E001) has nothing yet: zeyi has no list, so the inbox fills as the demo user sends.

use rand::seq::IndexedRandom;
use rand::Rng;
use serde_json::json;

use super::state::{App, Employee, State, Verdict};
use crate::wild::{long_text, odd_text, Tenant};

/// The demo sender's 工号.
pub const DEMO_USERNAME: &str = "E001";
/// The IV of the demo app (则一's SDK default).
pub const DEMO_IV: &str = "0102030405060708";

/// (工号, 姓名, 部门).
const EMPLOYEES: &[(&str, &str, &str)] = &[
    ("E001", "张伟", "调度中心"),
    ("E002", "王建国", "运营部"),
    ("E003", "李娜", "财务部"),
    ("E004", "刘洋", "车队管理部"),
    ("E005", "陈静", "采购部"),
    ("E006", "杨光", "结算中心"),
    ("E007", "赵敏", "客服部"),
    ("E008", "黄磊", "安全管理部"),
    ("E009", "周涛", "仓储部"),
    ("E010", "吴婷", "总经理办公室"),
];

/// (审批类型, 名称, usual approver).
const AUDIT_TYPES: &[(&str, &str, &str)] = &[
    ("purchase", "采购申请", "E005"),
    ("freight_adjust", "运费调整", "E006"),
    ("carrier_payment", "承运商付款", "E003"),
    ("waybill_void", "运单作废", "E002"),
    ("vehicle_dispatch", "临时派车", "E004"),
    ("expense", "费用报销", "E003"),
];

const ROUTES: &[&str] = &["上海—苏州", "上海—杭州", "宁波—合肥", "无锡—南京", "嘉兴—上海", "昆山—常州"];
const CARRIERS: &[&str] = &["顺达物流", "安通运输", "中通快运", "德邦物流", "恒远货运"];

/// The seeded 则一 with `approvals` finished approvals in its history.
pub fn generate(seed: u64, approvals: usize) -> State {
    generate_for(seed, approvals, Tenant::Tidy)
}

/// [`generate`] for a tenant of `tenant`'s kind: a wild tenant's history is typed by real
/// users (emoji, rare CJK, a 10 kB justification on every third approval).
pub fn generate_for(seed: u64, approvals: usize, tenant: Tenant) -> State {
    let mut state = State::new(
        seed,
        App {
            app_key: String::new(),
            app_secret: String::new(),
            encrypt: false,
            iv: DEMO_IV.into(),
            callback_app_key: String::new(),
            callback_app_secret: String::new(),
            callback_url: None,
        },
    );
    state.app.app_key = state.hex_id();
    state.app.app_secret = state.hex_id();
    state.app.callback_app_key = state.hex_id();
    state.app.callback_app_secret = state.hex_id();
    for (username, name, dept) in EMPLOYEES {
        state.employees.insert(
            (*username).into(),
            Employee { username: (*username).into(), name: (*name).into(), dept: (*dept).into() },
        );
    }
    for (code, name, approver) in AUDIT_TYPES {
        state.audit_types.insert((*code).into(), ((*name).into(), (*approver).into()));
    }
    history(&mut state, approvals, tenant);
    state
}

/// Finished approvals sent by others (never E001), through the same `send`/`decide` code.
fn history(state: &mut State, count: usize, tenant: Tenant) {
    let start_ms: i64 = 1_760_000_000_000;
    for n in 0..count {
        let (code, _, _) = *AUDIT_TYPES.choose(&mut state.rng).unwrap_or(&AUDIT_TYPES[0]);
        let sender = EMPLOYEES[state.rng.random_range(1..EMPLOYEES.len())].0;
        let route = *ROUTES.choose(&mut state.rng).unwrap_or(&ROUTES[0]);
        let carrier = *CARRIERS.choose(&mut state.rng).unwrap_or(&CARRIERS[0]);
        let amount = state.rng.random_range(800..60_000);
        let mut body = json!({
            "id": format!("TMS-{:06}", n + 1),
            "auditType": code,
            "username": sender,
            "auditFormList": [
                {"type": "text", "name": "事由", "value": format!("{route} 线路 {carrier}")},
                {"type": "text", "name": "金额", "value": format!("{amount}.00")},
                {"type": "file", "name": "附件", "value": format!("https://files.jinrun.example/tms/{:06}.pdf", n + 1)},
            ],
            "conditionParamList": [{"name": "amount", "value": amount.to_string()}],
        });
        if tenant == Tenant::Wild {
            body["auditFormList"][0]["value"] = odd_text(&format!("{route} 线路 {carrier}")).into();
            if let Some(items) = body["auditFormList"].as_array_mut().filter(|_| n % 3 == 0) {
                items.push(json!({"type": "text", "name": "说明", "value": long_text("运价调整")}));
            }
        }
        let at = start_ms + (n as i64) * 3_600_000;
        if state.send(&body, at).is_err() {
            continue;
        }
        let verdict = if state.rng.random_bool(0.75) { Verdict::Pass } else { Verdict::Reject };
        let _ = state.decide(&format!("TMS-{:06}", n + 1), verdict, None, None, at + 1_800_000);
    }
}

/// What the demo user's TMS sends when the app's demo mode starts, so the submitted box has
/// zeyi items to follow (zeyi has no list): forms in the document's send shape
/// (docs/zeyi-protocol.md), with business ids of their own.
pub fn demo_forms() -> Vec<serde_json::Value> {
    let form = |id: &str, kind: &str, reason: &str, amount: &str| {
        json!({
            "id": id,
            "auditType": kind,
            "username": DEMO_USERNAME,
            "auditFormList": [
                {"type": "text", "name": "事由", "value": reason},
                {"type": "text", "name": "金额", "value": amount},
                {"type": "file", "name": "附件", "value": format!("https://files.jinrun.example/tms/{id}.pdf"), "extendValue": format!("{id}.pdf")}
            ],
            "conditionParamList": [{"name": "amount", "value": amount}]
        })
    };
    vec![
        form("DEMO-FA-001", "freight_adjust", "上海—苏州 线路运费上调 8%", "12800.00"),
        form("DEMO-PO-002", "purchase", "采购托盘 200 个", "9600.00"),
        form("DEMO-EX-003", "expense", "华东区司机高速通行费报销", "3420.50"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zeyi::state::AuditStatus;

    #[test]
    fn deterministic_with_a_finished_history_and_aes_ready_keys() {
        let a = generate(9, 30);
        let b = generate(9, 30);
        assert_eq!(a.app, b.app);
        assert_eq!(a.audits, b.audits);
        assert_eq!(a.audits.len(), 30);
        assert!(a.audits.iter().all(|x| x.status != AuditStatus::Pending && x.username != DEMO_USERNAME));
        assert_eq!(a.app.app_secret.len(), 32);
        assert_ne!(a.app.app_key, a.app.callback_app_key);
        assert_ne!(generate(10, 0).app, a.app);
        let wild = generate_for(9, 30, Tenant::Wild);
        assert_eq!((wild.app.clone(), wild.audits.len()), (a.app, 30), "the same integration, a real tenant's texts");
        assert!(
            wild.audits.iter().any(|x| x.body.to_string().contains('𪚥'))
                && wild.audits.iter().any(|x| x.body.to_string().len() > 10_000)
        );
    }
}
