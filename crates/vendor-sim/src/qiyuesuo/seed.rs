//! A deterministic, realistic tenant: one company (杭州云栖数智科技有限公司) with employees,
//! external counterparties, and contracts in every status whose flows mix audit steps (审批),
//! company seals and personal signatures. Contracts are moved to their status through the
//! same state machine `employeeaudit` uses, so the seed only holds reachable states.
//!
//! The demo employee (陈思远, 13857100001) gets a fixed block first: audits awaiting them now
//! (on our side and on a contract another company sent us), an audit that is not their turn
//! yet, contracts they created, and audits they already passed or rejected.

use std::collections::{BTreeMap, HashMap};

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

use super::state::{
    advance, decide, Contract, ContractAction, Document, Edition, Person, Signatory, State, AUDIT, FINISH, INIT,
    STATUSES,
};

/// Our company: the one the app tokens belong to.
pub const COMPANY: &str = "杭州云栖数智科技有限公司";
/// The demo account's AppToken and AppSecret (a sandbox app of our company).
pub const DEMO_APP_TOKEN: &str = "DWjfxmA12a";
pub const DEMO_APP_SECRET: &str = "qysDemoSecret2024ABCDEFabcdef01";

const DAY: i64 = 86_400;

/// (name, mobile); the first is the demo employee.
const EMPLOYEES: &[(&str, &str)] = &[
    ("陈思远", "13857100001"),
    ("王丽华", "13857100002"),
    ("张建国", "13857100003"),
    ("李婷", "13857100004"),
    ("刘洋", "13857100005"),
    ("赵敏", "13857100006"),
    ("孙浩然", "13857100007"),
    ("周晓梅", "13857100008"),
];

/// External companies and their contact person.
const PARTNERS: &[(&str, &str, &str)] = &[
    ("上海申达物流有限公司", "何志强", "13916200011"),
    ("北京华信软件技术有限公司", "马晓东", "13601100022"),
    ("深圳前海鹏程供应链管理有限公司", "黄佳琪", "13823300033"),
    ("苏州工业园区恒远精密机械有限公司", "吴建平", "13962100044"),
    ("广州天河明珠广告传媒有限公司", "林小燕", "13710200055"),
    ("成都锦城智慧物业服务有限公司", "杨帆", "13880100066"),
];

/// Individuals who sign personally.
const PEOPLE: &[(&str, &str)] = &[("郑雨桐", "15067100077"), ("许文博", "15067100088"), ("韩梦洁", "15067100099")];

/// (subject stem, category, description).
const KINDS: &[(&str, &str, &str)] = &[
    ("办公设备采购合同", "采购类", "采购笔记本电脑与显示器一批，含三年上门保修"),
    ("仓储物流服务合同", "采购类", "华东区域仓储与城配服务，按月结算"),
    ("软件开发技术服务协议", "技术类", "供应链协同平台二期开发，分三个里程碑验收"),
    ("保密协议", "法务类", "双方就合作项目中的商业秘密承担保密义务"),
    ("房屋租赁合同", "行政类", "滨江区办公场地租赁，租期三年"),
    ("广告投放合同", "销售类", "第四季度品牌线上线下广告投放"),
    ("设备维修保养合同", "采购类", "生产线数控设备年度维保"),
    ("产品销售框架协议", "销售类", "年度框架采购，按订单执行"),
    ("劳动合同", "人事类", "固定期限劳动合同，试用期三个月"),
    ("物业服务合同", "行政类", "园区物业管理与安保保洁服务"),
];

const AUDIT_NAMES: &[&str] = &["部门负责人审批", "法务审批", "财务审批", "总经理审批"];
const PASS_COMMENTS: &[&str] = &["同意", "条款已核对，同意", "金额在预算内，同意", "符合要求,审核通过"];
const REJECT_COMMENTS: &[&str] = &["付款条款不符合公司制度，请修改", "违约责任约定不清，退回", "预算不足，暂缓签署"];

struct Builder {
    rng: StdRng,
    now: i64,
    next: u64,
    employees: Vec<Person>,
}

/// A person with a platform user id (the private cloud's `operatorId`), derived from the
/// mobile number so that it is stable across seeds.
fn person(name: &str, contact: &str) -> Person {
    let id = 2_422_042_842_000_000_000u64 + contact.parse::<u64>().unwrap_or(0) % 1_000_000_000;
    Person { name: name.into(), contact: contact.into(), id: id.to_string() }
}

impl Builder {
    fn id(&mut self) -> String {
        self.next += 1;
        (2_591_540_368_898_105_360u64 + self.next * 1_048_573).to_string()
    }

    fn employee(&mut self, not: &[&Person]) -> Person {
        let pool: Vec<&Person> = self.employees.iter().skip(1).filter(|p| !not.contains(p)).collect();
        (*pool.choose(&mut self.rng).expect("employees to choose from")).clone()
    }

    fn action(&mut self, kind: &'static str, name: &str, serial: i64, operator: Person) -> ContractAction {
        ContractAction {
            id: self.id(),
            kind,
            name: name.into(),
            status: INIT,
            serial_no: serial,
            operators: vec![operator],
            complete_time: None,
        }
    }

    /// Our company's signatory: the audits (one operator each), then the company seal.
    fn ours(&mut self, serial: i64, auditors: &[Person]) -> Signatory {
        let mut actions = Vec::new();
        let mut names: Vec<&str> = AUDIT_NAMES.to_vec();
        for (i, auditor) in auditors.iter().enumerate() {
            let name = names.remove(self.rng.random_range(0..names.len().saturating_sub(1).max(1)));
            actions.push(self.action(AUDIT, name, i as i64, auditor.clone()));
        }
        let keeper = self.employees[6].clone();
        actions.push(self.action("COMPANY", "公司公章", auditors.len() as i64, keeper.clone()));
        Signatory {
            id: self.id(),
            tenant_type: "COMPANY",
            tenant_name: COMPANY.into(),
            status: "DRAFT",
            serial_no: serial,
            receiver: keeper,
            actions,
        }
    }

    fn partner(&mut self, serial: i64) -> Signatory {
        let (name, contact_name, mobile) = *PARTNERS.choose(&mut self.rng).expect("partners");
        let p = person(contact_name, mobile);
        let actions = vec![self.action("COMPANY", "单位签章", 0, p.clone())];
        Signatory {
            id: self.id(),
            tenant_type: "COMPANY",
            tenant_name: name.into(),
            status: "DRAFT",
            serial_no: serial,
            receiver: p,
            actions,
        }
    }

    fn individual(&mut self, serial: i64) -> Signatory {
        let (name, mobile) = *PEOPLE.choose(&mut self.rng).expect("people");
        let p = person(name, mobile);
        let actions = vec![self.action("PERSONAL", "个人签字", 0, p.clone())];
        Signatory {
            id: self.id(),
            tenant_type: "PERSONAL",
            tenant_name: name.into(),
            status: "DRAFT",
            serial_no: serial,
            receiver: p,
            actions,
        }
    }

    /// A draft contract. `incoming`: another company sent it to us (we sign second).
    fn contract(&mut self, index: usize, creator: Person, auditors: &[Person], incoming: bool) -> Contract {
        let (stem, category, description) = *KINDS.choose(&mut self.rng).expect("kinds");
        let age = self.rng.random_range(1..170) * DAY + self.rng.random_range(0..DAY);
        let create_time = self.now - age;
        let (tenant_name, creator, signatories) = if incoming {
            let mut theirs = self.partner(1);
            theirs.serial_no = 1;
            let creator = theirs.receiver.clone();
            (theirs.tenant_name.clone(), creator, vec![theirs, self.ours(2, auditors)])
        } else {
            let other = if stem == "劳动合同" { self.individual(2) } else { self.partner(2) };
            (COMPANY.to_string(), creator, vec![self.ours(1, auditors), other])
        };
        let counterpart =
            signatories.iter().find(|s| s.tenant_name != COMPANY).map(|s| s.tenant_name.clone()).unwrap_or_default();
        let year = 2025;
        Contract {
            id: self.id(),
            biz_id: format!("HT{year}{:05}", index + 1),
            subject: format!("{counterpart}{stem}"),
            tenant_name,
            description: description.into(),
            sn: format!("QYS-{year}-{:06}", index + 1),
            status: "DRAFT",
            category: (
                format!(
                    "{}",
                    2_950_000_000_000_000_000u64 + KINDS.iter().position(|k| k.1 == category).unwrap_or(0) as u64
                ),
                category.into(),
            ),
            creator,
            create_time,
            publish_time: None,
            expire_time: create_time + 60 * DAY,
            signatories,
            documents: vec![Document {
                id: self.id(),
                title: format!("{stem}.pdf"),
                pages: self.rng.random_range(2..18),
            }],
            comments: None,
            patches: Vec::new(),
        }
    }

    /// Sends the contract and carries out `steps` actions (audits pass).
    fn send(&mut self, c: &mut Contract, steps: usize) {
        let sent = c.create_time + self.rng.random_range(600..DAY / 2);
        c.publish_time = Some(sent);
        c.status = "SIGNING";
        for s in &mut c.signatories {
            s.status = "WAITING";
        }
        advance(c);
        for step in 0..steps {
            let Some((si, ai)) = c.current_action() else { break };
            let at = sent + (step as i64 + 1) * 3 * 3600;
            if c.signatories[si].actions[ai].kind == AUDIT {
                let comment = *PASS_COMMENTS.choose(&mut self.rng).expect("comments");
                decide(c, si, ai, true, comment, at);
            } else {
                let action = &mut c.signatories[si].actions[ai];
                action.status = FINISH;
                action.operators.truncate(1);
                action.complete_time = Some(at);
                advance(c);
            }
        }
    }

    /// Rejects at the current audit (after `steps` passed actions).
    fn reject(&mut self, c: &mut Contract, steps: usize) {
        self.send(c, steps);
        if let Some((si, ai)) = c.current_action().filter(|&(si, ai)| c.signatories[si].actions[ai].kind == AUDIT) {
            let comment = *REJECT_COMMENTS.choose(&mut self.rng).expect("comments");
            let at = c.publish_time.unwrap_or(c.create_time) + 5 * 3600;
            decide(c, si, ai, false, comment, at);
        }
    }

    /// Moves a draft contract to `status` (any of [`STATUSES`]).
    fn reach(&mut self, c: &mut Contract, status: &'static str) {
        let all = c.signatories.iter().map(|s| s.actions.len()).sum();
        match status {
            "DRAFT" | "FILLING" => {
                c.status = status;
                c.signatories.iter_mut().for_each(|s| s.status = status);
            }
            "SIGNING" => {
                let steps = self.rng.random_range(0..all);
                self.send(c, steps);
            }
            "REJECTED" => self.reject(c, 0),
            "COMPLETE" => self.send(c, all),
            "RECALLED" | "EXPIRED" => {
                let steps = self.rng.random_range(0..all);
                self.send(c, steps);
                c.status = status;
                let (s_status, why) = if status == "RECALLED" {
                    ("RECALLED", Some("合同信息有误，发起方撤回"))
                } else {
                    ("EXPIRED", None)
                };
                c.signatories.iter_mut().filter(|s| s.status != "SIGNED").for_each(|s| s.status = s_status);
                c.comments = why.map(str::to_string);
            }
            "INVALIDING" | "INVALIDED" | "FORCE_END" => {
                self.send(c, all);
                c.status = status;
                if status != "FORCE_END" {
                    c.signatories.iter_mut().for_each(|s| s.status = status);
                }
            }
            _ => {}
        }
    }
}

/// A tenant with the demo block and then `contracts` more random contracts in total.
pub fn generate(seed: u64, contracts: usize) -> State {
    let mut b = Builder {
        rng: StdRng::seed_from_u64(seed),
        now: crate::common::now_secs(),
        next: 0,
        employees: EMPLOYEES.iter().map(|(n, m)| person(n, m)).collect(),
    };
    let me = b.employees[0].clone();
    let mut list: Vec<Contract> = Vec::new();
    let add = |c: Contract, list: &mut Vec<Contract>| list.push(c);

    // Todo: the first audit is mine (4), the second audit is mine after another passed (1),
    // and a contract another company sent us (1).
    for _ in 0..4 {
        let (creator, second) = (b.employee(&[]), b.employee(&[]));
        let mut c = b.contract(list.len(), creator, &[me.clone(), second], false);
        b.send(&mut c, 0);
        add(c, &mut list);
    }
    let (creator, first) = (b.employee(&[]), b.employee(&[]));
    let mut c = b.contract(list.len(), creator, &[first, me.clone()], false);
    b.send(&mut c, 1);
    add(c, &mut list);
    let mut c = b.contract(list.len(), me.clone(), std::slice::from_ref(&me), true);
    b.send(&mut c, 1);
    add(c, &mut list);
    // Not my turn yet: someone else audits first.
    let (creator, first) = (b.employee(&[]), b.employee(&[]));
    let mut c = b.contract(list.len(), creator, &[first, me.clone()], false);
    b.send(&mut c, 0);
    add(c, &mut list);
    // Submitted by me, in several statuses (the SIGNING one awaits its auditor's audit).
    for status in ["SIGNING", "COMPLETE", "DRAFT", "REJECTED"] {
        let auditor = b.employee(&[]);
        let mut c = b.contract(list.len(), me.clone(), &[auditor], false);
        if status == "SIGNING" {
            b.send(&mut c, 0);
        } else {
            b.reach(&mut c, status);
        }
        add(c, &mut list);
    }
    // Processed: I passed (now waiting for the seal / complete) and I rejected.
    let creator = b.employee(&[]);
    let mut c = b.contract(list.len(), creator, std::slice::from_ref(&me), false);
    b.send(&mut c, 1);
    add(c, &mut list);
    let creator = b.employee(&[]);
    let mut c = b.contract(list.len(), creator, std::slice::from_ref(&me), false);
    b.reach(&mut c, "COMPLETE");
    add(c, &mut list);
    let creator = b.employee(&[]);
    let mut c = b.contract(list.len(), creator, std::slice::from_ref(&me), false);
    b.reject(&mut c, 0);
    add(c, &mut list);

    // The rest: every status, random people (the demo employee among them now and then).
    let mut i = 0;
    while list.len() < contracts {
        let status = STATUSES[i % STATUSES.len()];
        i += 1;
        let creator = if b.rng.random_bool(0.1) { me.clone() } else { b.employee(&[]) };
        let n = b.rng.random_range(1..=2);
        let mut auditors = Vec::new();
        for _ in 0..n {
            let pick = if b.rng.random_bool(0.15) { me.clone() } else { b.employee(&[]) };
            if !auditors.contains(&pick) {
                auditors.push(pick);
            }
        }
        let incoming = b.rng.random_bool(0.15);
        let mut c = b.contract(list.len(), creator, &auditors, incoming);
        b.reach(&mut c, status);
        add(c, &mut list);
    }

    let mut apps = HashMap::new();
    apps.insert(DEMO_APP_TOKEN.to_string(), DEMO_APP_SECRET.to_string());
    State {
        company: COMPANY.into(),
        apps,
        header_prefix: "x-qys-open-".into(),
        edition: Edition::OpenV2,
        nonces: HashMap::new(),
        contracts: list.into_iter().map(|c| (c.id.clone(), c)).collect::<BTreeMap<_, _>>(),
        employees: b.employees,
        demo: me,
        demo_app_token: DEMO_APP_TOKEN.into(),
        received: Vec::new(),
        wild: BTreeMap::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_tenant_and_every_status_present() {
        let (a, b) = (generate(5, 60), generate(5, 60));
        assert_eq!(a.contracts.len(), 60);
        assert_eq!(a.contracts.keys().collect::<Vec<_>>(), b.contracts.keys().collect::<Vec<_>>());
        for status in STATUSES {
            assert!(a.contracts.values().any(|c| c.status == *status), "{status} seeded");
        }
    }

    #[test]
    fn small_tenants_still_hold_the_demo_block() {
        let s = generate(1, 0);
        assert!(s.contracts.len() >= 14);
    }
}
