//! A deterministic, realistic tenant: Chinese employees, every preset form type of the
//! document (flat and `details[]` variants) and custom forms, HTML tables (one carrying a
//! script, as untrusted vendor HTML may), attachments with bytes, and CRM approval flows. The
//! demo user (王芳) has items in every box and several that wait for her now.
//!
//! CRM instances are advanced through the same state machine the action endpoint uses
//! (`CrmInstance::decide` / `cancel`), so the seed only holds states the server could reach.
//! Employees have names and nicknames in departments under the company's root; one has left
//! (停用) and still sent an approval waiting for the demo user, so only `user/get` names him.

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use super::api::format_time;
use super::state::{CrmInstance, CrmTask, Employee, Media, OldApproval, OldTask, State};

const DAY: i64 = 86_400;

/// (name, nickname, mobile); the first is the demo user.
const PEOPLE: &[(&str, &str, &str)] = &[
    ("王芳", "Fang", "13800138001"),
    ("张伟", "Wei", "13800138002"),
    ("李娜", "Nana", "13800138003"),
    ("刘洋", "Yang", "13800138004"),
    ("陈静", "Jing", "13800138005"),
    ("杨光", "Sunny", "13800138006"),
    ("赵敏", "Min", "13800138007"),
    ("黄磊", "Leo", "13800138008"),
    ("周杰", "Jay", "13800138009"),
    ("吴倩", "Qian", "13800138010"),
    ("徐超", "Chao", "13800138011"),
    ("孙丽", "Lily", "13800138012"),
];

/// Someone who left: stopped, so the company list leaves him out.
pub const FORMER: (&str, &str, &str) = ("郑离", "Zheng", "13800138099");

/// The approval forms (`approvalTypeForms/get`): (approveType, name).
const FORMS: &[(i64, &str)] = &[
    (3, "普通报销"),
    (8, "差旅报销"),
    (4, "出差申请"),
    (7, "折扣申请"),
    (5, "借款申请"),
    (6, "付款申请"),
    (9, "加班申请"),
    (2, "请假"),
    (1, "普通审批"),
    (100, "用印申请"),
    (100, "内嵌部门和附件展示"),
];

/// The CRM flows seeded; the client's default `crm_flows` (docs/fxiaoke-protocol.md).
pub const CRM_FLOWS: &[(&str, &str, &str)] = &[
    ("apprSalesOrderObj__crmappr", "SalesOrderObj", "销售订单"),
    ("apprQuoteObj__crmappr", "QuoteObj", "报价单"),
    ("apprContractObj__crmappr", "ContractObj", "合同"),
];

/// The secrets of the seeded app (deterministic per seed).
fn hex(rng: &mut StdRng, n: usize) -> String {
    (0..n).map(|_| char::from_digit(rng.random_range(0..16), 16).unwrap_or('0').to_ascii_uppercase()).collect()
}

/// Builds the tenant: `approvals` 协同审批 items and about half as many CRM instances.
pub fn generate(seed: u64, approvals: usize) -> State {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut s = State::empty();
    s.corp_id = format!("FSCID_{}", hex(&mut rng, 16));
    s.app_id = format!("FSAID_{}", hex(&mut rng, 8).to_lowercase());
    s.app_secret = hex(&mut rng, 32).to_lowercase();
    s.permanent_code = hex(&mut rng, 32);
    for (n, (name, nick, mobile)) in PEOPLE.iter().enumerate() {
        let open_user_id = format!("FSUID_{}", hex(&mut rng, 32));
        s.employees.push(Employee {
            open_user_id,
            name: name.to_string(),
            nick_name: nick.to_string(),
            mobile: mobile.to_string(),
            department_id: 1000 + n as i64 % 5,
            is_stop: false,
        });
    }
    s.demo_user = s.employees[0].open_user_id.clone();
    for (t, name) in FORMS {
        let id = if *t == 100 { hex(&mut rng, 32).to_lowercase() } else { uuid_like(&mut rng) };
        s.forms.push((*t, name.to_string(), id));
    }
    let now = crate::common::now_secs();
    for i in 0..approvals {
        let a = old_approval(&mut s, &mut rng, i, approvals, now);
        s.approvals.insert(a.id, a);
    }
    for i in 0..(approvals / 2).max(8) {
        let c = crm_instance(&s, &mut rng, i, (approvals / 2).max(8), now * 1000);
        s.crm.insert(c.instance_id.clone(), c);
    }
    add_former_employee(&mut s, seed);
    s
}

/// Adds [`FORMER`] (his own random stream, so the rest of the tenant is as before) as the
/// sender of the first approval waiting for the demo user that someone else sent.
fn add_former_employee(s: &mut State, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5EED_F0E1);
    let former = Employee {
        open_user_id: format!("FSUID_{}", hex(&mut rng, 32)),
        name: FORMER.0.into(),
        nick_name: FORMER.1.into(),
        mobile: FORMER.2.into(),
        department_id: 1001,
        is_stop: true,
    };
    let demo = s.demo_user.clone();
    let waiting = s.approvals.values_mut().find(|a| {
        a.sender != demo
            && a.current_task().is_some_and(|t| t.members.iter().any(|(m, st)| *m == demo && *st == "in_progress"))
    });
    if let Some(a) = waiting {
        a.sender = former.open_user_id.clone();
    }
    s.employees.push(former);
}

fn uuid_like(rng: &mut StdRng) -> String {
    let h = hex(rng, 32);
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

fn others(s: &State, rng: &mut StdRng, n: usize) -> Vec<String> {
    let pool: Vec<&Employee> = s.employees.iter().skip(1).filter(|e| !e.is_stop).collect();
    pool.choose_multiple(rng, n).map(|e| e.open_user_id.clone()).collect()
}

fn add_media(s: &mut State, rng: &mut StdRng, kind: i64, name: &str) -> String {
    let id = uuid_like(rng).to_lowercase();
    let bytes = format!("纷享销客模拟附件 {name}\n{}\n", "内容".repeat(rng.random_range(5..40))).into_bytes();
    s.media.insert(id.clone(), Media { id: id.clone(), kind, name: name.to_string(), bytes });
    id
}

fn attachment(s: &State, id: &str) -> Value {
    let m = &s.media[id];
    json!({ "id": m.id, "type": m.kind, "name": m.name })
}

/// One approval; `i % 4` decides the demo user's part: 0 waits for her, 1 she sent, 2 she
/// already decided, 3 she is not involved.
fn old_approval(s: &mut State, rng: &mut StdRng, i: usize, n: usize, now: i64) -> OldApproval {
    let (approve_type, form_name, form_id) = {
        let f = &s.forms[i % 10];
        (f.0, f.1.clone(), f.2.clone())
    };
    let demo = s.demo_user.clone();
    let o = others(s, rng, 3);
    let create = now - (i as i64 * 340 / n.max(1) as i64) * DAY - rng.random_range(3_600..20 * 3_600);
    let role = i % 4;
    let variant = (i / 4) % 5;
    let sender = if role == 1 { demo.clone() } else { o[2].clone() };
    let t = |seq: u32, kind: &'static str, state: &'static str, members: Vec<(String, &'static str)>| OldTask {
        task_id: format!("{:032x}", (i as u128) << 8 | seq as u128 ^ 0x5bd1e995),
        kind,
        state,
        sequence: seq,
        members,
        comments: vec![],
    };
    let (status, mut tasks) = match (role, variant) {
        (0, v) if v % 2 == 0 => (
            1,
            vec![
                t(1, "single", "in_progress", vec![(demo.clone(), "in_progress")]),
                t(2, "single", "schedule", vec![(o[0].clone(), "schedule")]),
            ],
        ),
        (0, _) => {
            (1, vec![t(1, "all_pass", "in_progress", vec![(o[0].clone(), "agree"), (demo.clone(), "in_progress")])])
        }
        (2, 0) | (2, 3) => (
            1,
            vec![
                t(1, "single", "agree", vec![(demo.clone(), "agree")]),
                t(2, "single", "in_progress", vec![(o[0].clone(), "in_progress")]),
            ],
        ),
        (2, 1) => (3, vec![t(1, "one_pass", "reject", vec![(demo.clone(), "reject"), (o[0].clone(), "in_progress")])]),
        (2, 4) => (
            1,
            vec![
                t(1, "single", "go_back", vec![(demo.clone(), "go_back")]),
                t(2, "single", "schedule", vec![(o[1].clone(), "schedule")]),
            ],
        ),
        (2, _) => (
            2,
            vec![
                t(1, "single", "agree", vec![(demo.clone(), "agree")]),
                t(2, "single", "agree", vec![(o[0].clone(), "agree")]),
            ],
        ),
        (_, 0) => (1, vec![t(1, "single", "in_progress", vec![(o[0].clone(), "in_progress")])]),
        (_, 1) => (
            2,
            vec![
                t(1, "single", "agree", vec![(o[0].clone(), "agree")]),
                t(2, "one_pass", "agree", vec![(o[1].clone(), "agree")]),
            ],
        ),
        (_, 2) => (3, vec![t(1, "single", "reject", vec![(o[0].clone(), "reject")])]),
        (_, 3) => (4, vec![t(1, "single", "cancel", vec![(o[0].clone(), "cancel")])]),
        (_, _) => (5, vec![t(1, "single", "error", vec![(o[0].clone(), "error")])]),
    };
    for task in &mut tasks {
        if let Some(err) = (task.state == "error").then_some("审批人已离职，节点异常") {
            task.comments.push((task.members[0].0.clone(), err.into()));
        }
        for (who, st) in task.members.clone() {
            let said = match st {
                "agree" => ["同意。", "情况属实，同意。", "已核对，同意报销。"].choose(rng).copied(),
                "reject" => ["金额超出预算，请调整后重新提交。", "缺少发票，不同意。"].choose(rng).copied(),
                "go_back" => Some("请补充明细后再提交。"),
                _ => None,
            };
            if let Some(c) = said {
                task.comments.push((who, c.to_string()));
            }
        }
    }
    if status == 5 {
        tasks[0].comments.clear();
    }
    let (content, record, tables, crm_objects) = form(s, rng, approve_type, i, &o);
    let mut feed_attachments = vec![];
    if i.is_multiple_of(3) {
        feed_attachments.push(add_media(s, rng, 3, &format!("{form_name}说明-{}.pdf", i + 1)));
    }
    if i % 5 == 2 {
        feed_attachments.push(add_media(s, rng, 1, "语音说明.amr"));
    }
    OldApproval {
        id: 71_600 + i as i64,
        approve_type,
        form_id,
        form_name: form_name.clone(),
        flow_type: if approve_type == 100 { 2 } else { 1 },
        feed_content: content,
        create_time: create,
        last_update_time: create + if status == 1 && role != 2 { 0 } else { rng.random_range(600..3 * DAY) },
        sender,
        status,
        tasks,
        form_record: record,
        tables,
        attachments: feed_attachments,
        crm_objects,
        visible_department_ids: vec![1000 + (i as i64 % 5)],
        oddities: Default::default(),
    }
}

fn hm(secs: i64) -> String {
    format_time(secs, "%Y-%m-%d %H:%M")
}

const CITIES: &[&str] = &["上海", "北京", "武汉", "深圳", "成都", "杭州", "西安"];
const CUSTOMERS: &[&str] = &["永辉超市", "小米科技", "百度在线", "华为技术", "美的集团", "顺丰速运"];

/// The feed text, `formRecord`, HTML tables and CRM objects of a form of `approve_type`.
#[allow(clippy::type_complexity)]
fn form(
    s: &mut State,
    rng: &mut StdRng,
    t: i64,
    i: usize,
    o: &[String],
) -> (String, Option<Value>, Vec<String>, Vec<(String, i64)>) {
    let day = crate::common::now_secs() - (i as i64 % 30) * DAY;
    let details = (i / 10).is_multiple_of(2);
    let city = |rng: &mut StdRng| CITIES.choose(rng).copied().unwrap_or("上海");
    let customer = CUSTOMERS[i % CUSTOMERS.len()];
    match t {
        3 => {
            let img = add_media(s, rng, 2, "发票照片.jpg");
            let line = json!({ "amount": rng.random_range(50..3000) as f64 + 0.5, "attachments": [attachment(s, &img)], "remark": "100只笔,50个本", "title": "办公用品" });
            let record = if details {
                json!({ "details": [line, { "amount": 86, "remark": "快递费", "title": "快递" }] })
            } else {
                json!({ "title": "办公用品采购报销", "amount": 1286.4, "customerId": format!("{:x}", i * 7919), "remark": "部门季度采购", "attachments": [attachment(s, &img)] })
            };
            let table = "<table><thead><tr><th>项目</th><th>金额</th></tr></thead><tbody><tr><td>办公用品</td><td>1200.40</td></tr><tr><td onclick=\"steal()\">快递费</td><td>86.00</td></tr></tbody></table><script>alert('x')</script>";
            ("报销办公用品费用".into(), Some(record), vec![table.into()], vec![])
        }
        8 => {
            let img = add_media(s, rng, 2, "登机牌.jpg");
            let (from, to) = (city(rng), city(rng));
            let record = json!({ "details": [
                { "travelType": 1, "travelAmount": 1580, "startAddress": from, "endAddress": to, "startTime": hm(day - 3 * DAY), "endTime": hm(day - 3 * DAY + 7200), "remark": "往程机票", "attachments": [attachment(s, &img)] },
                { "travelType": 4, "travelAmount": 456.5, "startTime": hm(day - 3 * DAY), "endTime": hm(day - DAY), "remark": "酒店两晚" },
                { "travelType": (i % 7) as i64 + 1, "travelAmount": 68, "startTime": hm(day - DAY), "endTime": hm(day - DAY + 1800), "remark": "市内交通" },
            ] });
            let table = format!(
                "<table><tr><th>日期</th><th>行程</th></tr><tr><td>{}</td><td>{from}→{to}</td></tr></table>",
                hm(day - 3 * DAY)
            );
            (format!("{to}出差差旅报销"), Some(record), vec![table], vec![])
        }
        4 => {
            let (from, to) = (city(rng), city(rng));
            let leg = json!({ "startPoint": from, "endPoint": to, "startTime": hm(day + DAY), "endTime": hm(day + 4 * DAY), "vehicle": (i % 4) as i64 + 1, "daysNumber": 3 });
            let mut record = json!({ "approveReason": format!("拜访{customer}，推进项目合作"), "approveBudget": 5000, "approvePrepayments": 2000, "memberIds": [o[0], o[1]] });
            record[if details { "details" } else { "items" }] = json!([leg]);
            (format!("赴{to}出差申请"), Some(record), vec![], vec![])
        }
        7 => {
            let record = json!({ "amount": 120000, "discountPercent": 88.5, "companyName": customer, "remark": "年度框架协议，申请特价", "endTime": format_time(day + 30 * DAY, "%Y-%m-%d") });
            (
                format!("{customer}折扣申请"),
                Some(record),
                vec![],
                vec![(format!("{:x}", i * 104_729), 102), (format!("{:x}", i * 15_485_863), 108)],
            )
        }
        5 => (
            format!("借款申请：{customer}项目备用金"),
            Some(json!({ "borrowerId": o[0], "reason": "项目现场备用金", "amount": 5000.0 + i as f64 * 11.11 })),
            vec![],
            vec![],
        ),
        6 => {
            let record = json!({ "invoiced": i.is_multiple_of(2), "receiverName": "雷龙", "companyName": customer, "paymentTime": hm(day), "paymentAmount": 32800.0, "receiverAccount": "6222 0210 0101 2345", "openBank": "招商银行上海分行", "paymentType": "银行转账", "remark": "首付款" });
            ("付款申请".into(), Some(record), vec![], vec![(format!("{:x}", i * 31_337), 116)])
        }
        9 => {
            let line = json!({ "hours": 3.5, "leaveType": 8, "startTime": hm(day - DAY + 18 * 3600), "endTime": hm(day - DAY + 21 * 3600 + 1800) });
            let record = if details { json!({ "details": [line] }) } else { line };
            ("加班".into(), Some(record), vec![], vec![])
        }
        2 => {
            let kind = [1, 2, 3, 4, 5, 6, 7, 9, 10, 11][i % 10];
            let line =
                json!({ "hours": 8.0, "leaveType": kind, "startTime": hm(day + DAY), "endTime": hm(day + 2 * DAY) });
            let record = if details {
                json!({ "details": [line, { "hours": 4.5, "leaveType": 2, "startTime": hm(day + 3 * DAY), "endTime": hm(day + 3 * DAY + 4 * 3600) }] })
            } else {
                line
            };
            ("请假申请".into(), Some(record), vec![], vec![])
        }
        1 => ("申请调整季度销售目标，详见附件。\n请各位领导审批。".into(), None, vec![], vec![]),
        _ => {
            let file = add_media(s, rng, 3, "用印文件.docx");
            let img = add_media(s, rng, 2, "盖章位置.png");
            let record = json!({
                "seal_type": { "label": "印章类型", "value": "合同章", "type": "select_one" },
                "reason": { "label": "用印事由", "value": format!("与{customer}签订年度合同"), "type": "text" },
                "copies": { "label": "份数", "value": "2", "type": "text" },
                "departments": { "label": "会签部门", "value": ["法务部", "财务部"], "type": "select_many" },
                "file": { "label": "用印文件", "value": file, "type": "file_attachment" },
                "photo": { "label": "盖章位置", "value": img, "type": "image" },
            });
            (format!("用印申请：{customer}合同"), Some(record), vec![], vec![])
        }
    }
}

/// One CRM instance; `i % 4`: 0 waits for the demo user, 1 she applied, 2 she decided, 3 other.
fn crm_instance(s: &State, rng: &mut StdRng, i: usize, n: usize, now_ms: i64) -> CrmInstance {
    let (flow, object, label) = CRM_FLOWS[i % CRM_FLOWS.len()];
    let demo = s.demo_user.clone();
    let o = others(s, rng, 3);
    let create = now_ms - (i as i64 * 330 / n.max(1) as i64) * DAY * 1000 - rng.random_range(60_000..36_000_000);
    let role = i % 4;
    let applicant = if role == 1 { demo.clone() } else { o[2].clone() };
    let (first, second): (Vec<String>, Vec<String>) = match role {
        0 if i.is_multiple_of(8) => (vec![demo.clone(), o[0].clone()], vec![o[1].clone()]),
        0 => (vec![o[0].clone()], vec![demo.clone()]),
        2 => (vec![demo.clone()], vec![o[1].clone()]),
        _ => (vec![o[0].clone()], vec![o[1].clone()]),
    };
    let task = |n: usize, kind: &'static str, state: &'static str, people: Vec<String>| CrmTask {
        id: format!("{:024x}", (i as u128) << 16 | n as u128 | 0xa5_0000_0000),
        kind,
        state,
        create_time: create,
        modify_time: create,
        end_time: None,
        opinions: vec![],
        un_complete: people,
        complete: vec![],
    };
    let first_kind = if first.len() > 1 { "all_pass" } else { "single" };
    let mut inst = CrmInstance {
        instance_id: format!("{:024x}", 0x5938_ef09_3db7_1d57_0000_0000u128 + i as u128),
        instance_name: format!("{label}-{}{:05} 新建审批", object.trim_end_matches("Obj").to_uppercase(), 1000 + i),
        data_id: format!("{:032x}", 0x9e9a_eda9_37a8_43cfu128 << 64 | i as u128),
        trigger_type: ["Create", "Update", "Invalid"][i % 3],
        state: "in_progress",
        create_time: create,
        last_modify_time: create,
        end_time: None,
        cancel_time: None,
        flow_api_name: flow.to_string(),
        object_api_name: object.to_string(),
        applicant,
        tasks: vec![task(1, first_kind, "in_progress", first.clone()), task(2, "single", "schedule", second.clone())],
        shape: Default::default(),
        row_oddities: Default::default(),
        detail_oddities: Default::default(),
    };
    let t = create + 3_600_000;
    let play = |inst: &mut CrmInstance, task: usize, who: &str, agree: bool, text: &str| {
        let _ = inst.decide(task, who, agree, text, t);
    };
    match (role, (i / 4) % 4) {
        (0, _) if first.contains(&demo) && first.len() > 1 => play(&mut inst, 0, &o[0], true, "同意，价格在授权范围内"),
        (0, _) => play(&mut inst, 0, &o[0], true, "客户资质已核实"),
        (1, 1) | (3, 1) => {
            play(&mut inst, 0, &o[0], true, "同意");
            play(&mut inst, 1, &o[1], true, "同意");
        }
        (1, 3) | (3, 2) => play(&mut inst, 0, &o[0], false, "折扣过低，不同意"),
        (1, 2) => inst.cancel(t),
        (2, 0) | (2, 2) => play(&mut inst, 0, &demo, true, "同意，按合同条款执行"),
        (2, 1) => {
            play(&mut inst, 0, &demo, true, "同意");
            play(&mut inst, 1, &o[1], true, "同意");
        }
        (2, _) => play(&mut inst, 0, &demo, false, "回款条件不合理，驳回"),
        _ => {}
    }
    inst
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_type_and_every_box_is_seeded() {
        let s = generate(3, 24);
        for t in [1, 2, 3, 4, 5, 6, 7, 8, 9, 100] {
            assert!(s.approvals.values().any(|a| a.approve_type == t), "approveType {t}");
        }
        assert!(s.approvals.values().any(|a| a.form_record.as_ref().is_some_and(|r| r.get("details").is_some())));
        assert!(s.approvals.values().any(|a| a.tables.iter().any(|t| t.contains("<script>"))));
        let me = &s.demo_user;
        let todo = s
            .approvals
            .values()
            .filter(|a| {
                a.current_task().is_some_and(|t| t.members.iter().any(|(m, st)| m == me && *st == "in_progress"))
            })
            .count();
        assert!(todo >= 2);
        assert!(s.approvals.values().any(|a| &a.sender == me));
        assert!(s.crm.values().filter(|i| i.task_for(me).is_some()).count() >= 2);
        assert!(s.crm.values().any(|i| &i.applicant == me && i.state == "in_progress"));
        assert!(s.crm.values().any(|i| i.tasks.iter().any(|t| t.opinions.iter().any(|o| &o.open_user_id == me))));
        for st in ["pass", "reject", "cancel", "in_progress"] {
            assert!(s.crm.values().any(|i| i.state == st), "a CRM instance in {st}");
        }
        assert_eq!(generate(3, 24).app_secret, s.app_secret, "deterministic");
        let former = s.employees.iter().find(|e| e.is_stop).expect("someone who left");
        assert!(
            s.approvals.values().any(|a| a.sender == former.open_user_id),
            "he sent an approval the demo user sees"
        );
        assert!(s.employees.iter().all(|e| !e.name.is_empty() && !e.nick_name.is_empty()));
    }
}
