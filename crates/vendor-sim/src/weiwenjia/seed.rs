//! A deterministic, realistic approval center of a Chinese sales team: users on the four
//! platforms, six workflows (合同审批, 回款审批, 报价单, 费用报销, 商机审批, 客户审批) with
//! multi-node flows mixing 或签 and 会签, and `body_data` using the document's four
//! `field_type`s (select2_field as text and as a user object, currency_field, date_field,
//! field_map_field, hidden fields included) plus the custom fields a real CRM record carries,
//! of every type the vendor's CRM and aPaaS pages (and third-party clients of the platform)
//! name, with the value shapes those pages show ([`custom_fields`]).
//!
//! Records are progressed through the same `Record::perform` the HTTP endpoint uses, so the seed
//! only holds states the server itself can reach. The demo user (王晓明) gets a fixed block
//! first: todo items (on first and later nodes), cancellable submissions, decided submissions and
//! processed items, so even a small data set fills every box.

use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use super::state::{format_date, BodyField, Node, NodeType, Record, RecordStatus, State, User, Verb};
use crate::common::now_secs;

/// The demo account's uid.
pub const DEMO_UID: i64 = 35_903_636;

/// (name, platform); uid = 35 903 635 + position, id = 10 334 573 + position.
const USERS: &[(&str, &str)] = &[
    ("周建国", "lixiaoyun"),
    ("王晓明", "lixiaoyun"),
    ("李娜", "lixiaoyun"),
    ("张伟", "lixiaoyun"),
    ("刘洋", "ikcrm"),
    ("陈静", "lixiaoyun"),
    ("赵敏", "wxwork"),
    ("黄磊", "lixiaoyun"),
    ("孙丽", "lixiaoyun"),
    ("吴昊", "dingtalk"),
    ("郑爽", "lixiaoyun"),
    ("冯军", "lixiaoyun"),
];

const CUSTOMERS: &[&str] = &[
    "北京市财政局",
    "上海浦东发展集团有限公司",
    "深圳前海微众科技有限公司",
    "杭州海康数字技术有限公司",
    "成都天府软件园有限公司",
    "广州白云国际物流有限公司",
    "南京金陵制药股份有限公司",
    "武汉光谷生物医药有限公司",
    "苏州工业园区建设发展有限公司",
    "青岛海尔智能家电有限公司",
    "西安曲江文化旅游集团",
    "天津港集装箱码头有限公司",
];

const PRODUCTS: &[&str] =
    &["CRM系统年度服务", "智能外呼坐席", "销售云专业版", "数据中台实施", "企业微信SCRM", "私有化部署"];

/// A workflow: (entity_type, module_label, workflow id, name, nodes as (name, type, pool size)).
type Workflow = (&'static str, &'static str, i64, &'static str, &'static [(&'static str, NodeType, usize)]);

const WORKFLOWS: &[Workflow] = &[
    (
        "Contract",
        "合同",
        256,
        "合同审批",
        &[("销售经理审批", NodeType::Or, 2), ("法务审核", NodeType::Or, 1), ("财务会签", NodeType::And, 2)],
    ),
    ("ReceivedPayment", "回款记录", 257, "回款审批", &[("财务确认", NodeType::Or, 2)]),
    ("报价单", "报价单", 301, "报价单审批", &[("一级审批", NodeType::Or, 2), ("销售总监审批", NodeType::Or, 1)]),
    ("费用报销", "费用报销", 302, "费用报销审批", &[("直属上级", NodeType::Or, 1), ("财务审核", NodeType::And, 2)]),
    ("Opportunity", "商机", 258, "商机审批", &[("一级审批", NodeType::Or, 2)]),
    ("Customer", "客户", 259, "客户审批", &[("一级审批", NodeType::Or, 3)]),
];

const PASS_OPINIONS: &[&str] = &["同意", "情况属实，同意", "价格在授权范围内，同意", "已核对附件，通过", "OK", ""];
const REJECT_OPINIONS: &[&str] = &["金额与合同不符，请核实", "折扣超出授权范围", "发票不全，请补充", "客户资质待确认"];

const DAY: i64 = 86_400;

/// What the seed does with one record after submitting it.
#[derive(Clone, Copy)]
enum Plan {
    /// The demo user approves on node `n`; earlier nodes are passed by others.
    DemoTodo(usize),
    /// The demo user submits and nobody decides yet (cancellable).
    DemoSubmitsUntouched,
    /// The demo user submits and the flow runs randomly.
    DemoSubmitsRandom,
    /// The demo user is the first node's approver and decides with `verb`, then random.
    DemoDecides(Verb),
    /// Anyone, anything.
    Random,
}

/// The demo block, in order; the rest of the data set is random.
const DEMO_BLOCK: &[Plan] = &[
    Plan::DemoTodo(0),
    Plan::DemoSubmitsUntouched,
    Plan::DemoDecides(Verb::Pass),
    Plan::DemoSubmitsRandom,
    Plan::DemoTodo(1),
    Plan::DemoDecides(Verb::Reject),
    Plan::DemoTodo(0),
    Plan::DemoSubmitsUntouched,
    Plan::DemoDecides(Verb::Pass),
    Plan::DemoSubmitsRandom,
    Plan::DemoTodo(2),
    Plan::DemoSubmitsRandom,
];

/// Builds the approval center with `records` execute records, deterministically from `seed`.
pub fn generate(seed: u64, records: usize) -> State {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut state = State { demo_uid: DEMO_UID, ..State::default() };
    for (i, (name, platform)) in USERS.iter().enumerate() {
        let token: String = (0..32).map(|_| char::from_digit(rng.random_range(0..16), 16).unwrap_or('0')).collect();
        let uid = 35_903_635 + i as i64;
        state.users.insert(
            uid,
            User { id: 10_334_573 + i as i64, uid, name: name.to_string(), platform: platform.to_string(), token },
        );
    }
    let now = now_secs();
    for i in 0..records {
        let plan = DEMO_BLOCK.get(i).copied().unwrap_or(Plan::Random);
        // The demo block is recent; the rest spreads over the last ~90 days.
        let age = if i < DEMO_BLOCK.len() {
            (i as i64 + 1) * 3 * 3600 + rng.random_range(0..3600)
        } else {
            rng.random_range(3600..90 * DAY)
        };
        let record = build(&mut rng, &state, i, plan, now - age, now);
        state.records.insert(record.id, record);
    }
    state
}

fn uids(state: &State) -> Vec<i64> {
    state.users.keys().copied().collect()
}

fn build(rng: &mut StdRng, state: &State, i: usize, plan: Plan, submitted_at: i64, now: i64) -> Record {
    let wf = match plan {
        Plan::DemoTodo(n) => *WORKFLOWS
            .iter()
            .filter(|w| w.4.len() > n)
            .collect::<Vec<_>>()
            .choose(rng)
            .expect("a workflow with enough nodes"),
        _ => WORKFLOWS.choose(rng).expect("workflows"),
    };
    let all = uids(state);
    let submitter = match plan {
        Plan::DemoSubmitsUntouched | Plan::DemoSubmitsRandom => DEMO_UID,
        Plan::Random if rng.random_bool(0.1) => DEMO_UID,
        _ => *all.iter().filter(|u| **u != DEMO_UID).collect::<Vec<_>>().choose(rng).copied().expect("users"),
    };
    let nodes =
        wf.4.iter()
            .enumerate()
            .map(|(n, (name, kind, size))| node(rng, &all, submitter, plan, n, name, *kind, *size))
            .collect();
    let (mut body, main, contract_id) = body(rng, state, wf.0, submitter, submitted_at);
    // Contracts and quotations carry every custom field type; the others a handful.
    let custom = custom_fields(rng, state, submitter, submitted_at);
    let keep = if matches!(wf.0, "Contract" | "报价单") { custom.len() } else { rng.random_range(3..8) };
    body.extend(custom.into_iter().take(keep));
    let mut r = Record {
        id: 2400 + i as i64,
        entity_type: wf.0.to_string(),
        entity_id: 1_805_000 + i as i64 * 7 + rng.random_range(0..7),
        module_label: wf.1.to_string(),
        main_field_value: main,
        contract_id,
        workflow_id: wf.2,
        workflow_name: wf.3.to_string(),
        submitter,
        submitted_at,
        status: RecordStatus::Applying,
        body,
        nodes,
        current: 0,
        cancelled: None,
        wild: vec![],
    };
    progress(rng, &mut r, plan, now);
    r
}

/// A node's approvers: a pool drawn from the users other than the submitter, with the demo
/// user placed where the plan wants them (and kept out where it does not).
#[allow(clippy::too_many_arguments)]
fn node(
    rng: &mut StdRng,
    all: &[i64],
    submitter: i64,
    plan: Plan,
    n: usize,
    name: &str,
    kind: NodeType,
    size: usize,
) -> Node {
    let demo_here = match plan {
        Plan::DemoTodo(at) => at == n,
        Plan::DemoDecides(_) => n == 0,
        Plan::Random => rng.random_bool(0.25),
        _ => false,
    };
    let others: Vec<i64> = all.iter().copied().filter(|u| *u != submitter && *u != DEMO_UID).collect();
    let mut approvers: Vec<i64> = others.choose_multiple(rng, size).copied().collect();
    if demo_here && submitter != DEMO_UID {
        approvers[0] = DEMO_UID;
    }
    Node {
        name: name.to_string(),
        key: format!("lxcrmjava{:032x}", rng.random::<u128>()),
        kind,
        approvers,
        decisions: vec![],
    }
}

/// Runs decisions through `Record::perform` as the plan says.
fn progress(rng: &mut StdRng, r: &mut Record, plan: Plan, now: i64) {
    let mut at = r.submitted_at;
    let mut step = |rng: &mut StdRng| {
        at = (at + rng.random_range(10 * 60..6 * 3600)).min(now - 60);
        at
    };
    match plan {
        Plan::DemoSubmitsUntouched => {}
        Plan::DemoTodo(n) => {
            while r.current < n && r.status == RecordStatus::Applying {
                pass_node(rng, r, &mut step, None);
            }
        }
        Plan::DemoDecides(verb) => {
            let t = step(rng);
            let opinion = opinion(rng, verb);
            let _ = r.perform(DEMO_UID, verb, opinion, t);
            random_run(rng, r, &mut step, Some(DEMO_UID));
        }
        Plan::DemoSubmitsRandom | Plan::Random => {
            if rng.random_bool(0.1) {
                let t = step(rng);
                let _ = r.perform(r.submitter, Verb::Cancel, "信息填写有误，撤回修改", t);
                return;
            }
            random_run(rng, r, &mut step, None);
        }
    }
}

/// Random decisions until the flow ends or the seed stops it midway (some stay applying).
/// Nodes waiting for `keep_out` (the demo user, outside the demo block's todo plans) are left
/// to others, so the demo user's todo list is exactly what the plan put there plus chance.
fn random_run(rng: &mut StdRng, r: &mut Record, step: &mut impl FnMut(&mut StdRng) -> i64, keep_out: Option<i64>) {
    while r.status == RecordStatus::Applying {
        if rng.random_bool(0.3) {
            return;
        }
        if rng.random_bool(0.12) {
            let Some(uid) = undecided(r, keep_out).first().copied() else { return };
            let t = step(rng);
            let o = opinion(rng, Verb::Reject);
            let _ = r.perform(uid, Verb::Reject, o, t);
            return;
        }
        pass_node(rng, r, step, keep_out);
    }
}

fn undecided(r: &Record, keep_out: Option<i64>) -> Vec<i64> {
    r.nodes
        .get(r.current)
        .map(|n| n.approvers.iter().copied().filter(|u| r.can_approve(*u) && Some(*u) != keep_out).collect())
        .unwrap_or_default()
}

/// Passes the current node: one approver for 或签, everyone for 会签.
fn pass_node(rng: &mut StdRng, r: &mut Record, step: &mut impl FnMut(&mut StdRng) -> i64, keep_out: Option<i64>) {
    let node = r.current;
    let mut guard = 0;
    while r.current == node && r.status == RecordStatus::Applying && guard < 8 {
        guard += 1;
        let candidates = undecided(r, keep_out.filter(|_| guard < 4));
        let Some(uid) = candidates.choose(rng).copied() else { return };
        let t = step(rng);
        let o = opinion(rng, Verb::Pass);
        let _ = r.perform(uid, Verb::Pass, o, t);
    }
}

fn opinion(rng: &mut StdRng, verb: Verb) -> &'static str {
    let list = if verb == Verb::Reject { REJECT_OPINIONS } else { PASS_OPINIONS };
    list.choose(rng).copied().unwrap_or("")
}

/// `¥ 12,345.00` as the document writes money.
pub fn money(cents: i64) -> String {
    let yuan = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in yuan.chars().enumerate() {
        if i > 0 && (yuan.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("¥ {grouped}.{:02}", cents % 100)
}

fn field(label: &str, name: &str, value: Value, field_type: &str) -> BodyField {
    BodyField {
        label: label.to_string(),
        name: name.to_string(),
        value,
        field_type: field_type.to_string(),
        invisible: false,
    }
}

/// The custom fields of a record, one of every type beyond the document's four, in a random
/// order, with values as the vendor's pages show them: plain words and numbers for text,
/// numbers and options; `yyyy-MM-dd HH:mm` times; a user object; an aPaaS address
/// `{country_id, province_id, city_id, district_id, detail_address}` or the words of one;
/// `{latitude, longitude}`; `[from, to]`; files `[{id, name, file_file_name, file_content_type,
/// file_file_size, file_url}]`. About one value in ten is `null` (not filled in).
pub fn custom_fields(rng: &mut StdRng, state: &State, submitter: i64, at: i64) -> Vec<BodyField> {
    use super::state::format_time;
    let colleague =
        *state.users.keys().filter(|u| **u != submitter).collect::<Vec<_>>().choose(rng).copied().unwrap_or(&submitter);
    let day = format_date(at).replace('-', "");
    let start = at + rng.random_range(1..30) * DAY;
    let file = |id: i64, name: &str, kind: &str, size: i64| json!({"id": id, "name": name, "file_file_name": name, "file_content_type": kind, "file_file_size": size, "file_url": format!("https://files.example.com/attachments/files/{id}/{name}")});
    let address = if rng.random_bool(0.5) {
        json!({"country_id": "4", "province_id": "9", "city_id": "73", "district_id": "732", "detail_address": pick(rng, &["文三路 90 号东部软件园", "马路口驴子街", "科技园南区 3 栋"])})
    } else {
        json!(pick(
            rng,
            &[
                "浙江省 杭州市 西湖区 文三路 90 号",
                "北京市 海淀区 中关村大街 27 号",
                "广东省 深圳市 南山区 科技园南区 3 栋"
            ]
        ))
    };
    let mut fields = vec![
        field(
            "合同编号",
            "auto_number_asset_1a2b3c",
            json!(format!("HT-{day}-{:04}", rng.random_range(1..9999))),
            "auto_number_field",
        ),
        field("联系人", "text_asset_fbf817", json!(pick(rng, &["王经理", "李总", "陈工", "赵主任"])), "text_field"),
        field("备注", "text_area_asset_9e8d7c", json!("1. 首年含实施服务\n2. 次年起按年续费，价格不变"), "text_area"),
        field(
            "联系邮箱",
            "email_asset_5f4e3d",
            json!(pick(rng, &["purchase@example.com", "it@example.com.cn"])),
            "email_field",
        ),
        field(
            "手机",
            "mobile_asset_2c1b0a",
            json!(format!("1{}{:08}", pick(rng, &["38", "39", "86"]), rng.random_range(0..100_000_000))),
            "mobile_field",
        ),
        field(
            "座机",
            "tel_asset_7a6b5c",
            json!(format!("0571-{:08}", rng.random_range(10_000_000..99_999_999))),
            "tel_field",
        ),
        field(
            "开票电话",
            "address_tel",
            json!(format!("010-{:08}", rng.random_range(10_000_000..99_999_999))),
            "address_tel",
        ),
        field("官网", "url_asset_3d2e1f", json!("https://www.example.com.cn"), "url_field"),
        field("数量", "integer_field_1692266369719_578e31", json!(rng.random_range(1..200)), "integer_field"),
        field(
            "折扣率",
            "float_field_1692266369719_9a8b7c",
            json!(rng.random_range(60..=100) as f64 / 100.0),
            "float_field",
        ),
        field("预计工时", "numeric_asset_4b3c2d", json!(format!("{}.5", rng.random_range(8..200))), "number_field"),
        field(
            "签约时间",
            "datetime_asset_6e5f4a",
            json!(format_time(at - rng.random_range(0..5) * DAY)),
            "datetime_field",
        ),
        field("交付日期", "date_asset_8c7d6e", json!(format_date(start)), "date_field"),
        field("上门时间", "time_asset_0f1e2d", json!(pick(rng, &["09:30", "14:00", "16:30"])), "time_field"),
        field(
            "服务期间",
            "datetime_range_field_1692266369719_513d41",
            json!([format!("{} 00:00:00", format_date(start)), format!("{} 23:59:59", format_date(start + 364 * DAY))]),
            "datetime_range_field",
        ),
        field(
            "付款方式",
            "select_1691125929052_d05a00",
            json!(pick(rng, &["银行转账", "承兑汇票", "分期付款"])),
            "select_field",
        ),
        field("开票类型", "sel_asset_a1b2c3", json!(pick(rng, &["增值税专用发票", "增值税普通发票"])), "select"),
        field("是否加急", "radio_asset_d4e5f6", json!(pick(rng, &["是", "否"])), "radio_button"),
        field(
            "交付要求",
            "check_box_asset_a7b8c9",
            json!(["上门安装", "远程培训", "驻场支持"].choose_multiple(rng, 2).collect::<Vec<_>>()),
            "check_box",
        ),
        field(
            "产品线",
            "multi_select_1691562342042_e0b50f",
            json!(PRODUCTS.choose_multiple(rng, 2).collect::<Vec<_>>()),
            "multi_select",
        ),
        field("协同人", "usr_23269095707e8", state.user_json(colleague, false), "select2_field"),
        field("签约地址", "address_select_1692580744482_e108c6", address, "address_select"),
        field(
            "客户定位",
            "geo_address_1692673349914_fc5d81",
            json!({"latitude": 30.2 + rng.random_range(0..1000) as f64 / 10_000.0, "longitude": 120.1 + rng.random_range(0..1000) as f64 / 10_000.0}),
            "geo_address_field",
        ),
        field(
            "合同附件",
            "attachments",
            json!([
                file(403_692, "合同正文.pdf", "application/pdf", 482_133),
                file(403_693, "报价明细.xlsx", "application/vnd.ms-excel", 23_552)
            ]),
            "attachments_field",
        ),
        field(
            "盖章扫描件",
            "file_field_1692266369719_123d41",
            json!([file(403_700 + rng.random_range(0..99), "盖章页.jpg", "image/jpeg", 183_204)]),
            "file_field",
        ),
    ];
    let mut internal = field(
        "内部编码",
        "hidden_asset_0a0b0c",
        json!(format!("INT-{:06}", rng.random_range(0..999_999))),
        "hidden_field",
    );
    internal.invisible = true;
    fields.push(internal);
    for f in fields.iter_mut().filter(|f| !f.invisible) {
        if rng.random_bool(0.1) {
            f.value = Value::Null;
        }
    }
    fields.shuffle(rng);
    fields
}

fn pick<'a>(rng: &mut StdRng, list: &[&'a str]) -> &'a str {
    list.choose(rng).copied().unwrap_or_default()
}

/// `body_data`, the main field's value and the related contract of one entity.
fn body(
    rng: &mut StdRng,
    state: &State,
    entity_type: &str,
    submitter: i64,
    at: i64,
) -> (Vec<BodyField>, String, Option<i64>) {
    let customer = pick(rng, CUSTOMERS);
    let product = pick(rng, PRODUCTS);
    let owner = state.user_json(submitter, false);
    let amount = rng.random_range(8_000..2_000_000) * 100 + [0, 50][rng.random_range(0..2)];
    let date =
        |rng: &mut StdRng, back: i64, fwd: i64| json!(format_date(at + rng.random_range(-back * DAY..=fwd * DAY)));
    let maybe =
        |rng: &mut StdRng, words: &[&str]| if rng.random_bool(0.15) { Value::Null } else { json!(pick(rng, words)) };
    match entity_type {
        "Contract" => {
            let fields = vec![
                field("对应客户", "customer", json!(customer), "select2_field"),
                field("合同总金额", "total_amount", json!(money(amount)), "currency_field"),
                field("签约日期", "sign_date", date(rng, 10, 0), "date_field"),
                field("合同类型", "category", maybe(rng, &["新签合同", "续约合同", "增购合同"]), "field_map_field"),
                field("合同状态", "status", json!(pick(rng, &["未开始", "执行中"])), "field_map_field"),
                field("负责人", "user", owner, "select2_field"),
            ];
            (fields, format!("{customer}{product}合同"), None)
        }
        "ReceivedPayment" => {
            let contract = rng.random_range(1_900_000..1_990_000);
            let fields = vec![
                field("对应客户", "customer", json!(customer), "select2_field"),
                field("对应合同", "contract", json!(format!("{customer}{product}合同")), "select2_field"),
                field("回款金额", "amount", json!(money(amount / 3)), "currency_field"),
                field("回款日期", "receive_date", date(rng, 5, 0), "date_field"),
                field(
                    "付款方式",
                    "payment_type",
                    json!(pick(rng, &["银行转账", "支票", "承兑汇票", "现金"])),
                    "field_map_field",
                ),
                field("负责人", "user", owner, "select2_field"),
            ];
            (
                fields,
                format!("HK{}-{:04}", &format_date(at).replace('-', ""), rng.random_range(1..9999)),
                Some(contract),
            )
        }
        "报价单" => {
            let mut cost = field("成本价", "cost_amount", json!(money(amount * 6 / 10)), "currency_field");
            cost.invisible = true;
            let fields = vec![
                field("对应客户", "customer", json!(customer), "select2_field"),
                field("报价总额", "total_amount", json!(money(amount)), "currency_field"),
                cost,
                field("报价日期", "quote_date", date(rng, 3, 0), "date_field"),
                field("有效期至", "valid_until", date(rng, -15, 45), "date_field"),
                field("报价类型", "category", maybe(rng, &["标准报价", "特价申请", "框架协议价"]), "field_map_field"),
                field("负责人", "user", owner, "select2_field"),
            ];
            (
                fields,
                format!("QT-{}-{:03} {customer}", format_date(at).replace('-', ""), rng.random_range(1..999)),
                None,
            )
        }
        "费用报销" => {
            let kind = pick(rng, &["差旅费", "业务招待费", "办公用品", "市内交通费", "会议费"]);
            let fields = vec![
                field("报销人", "applicant", owner, "select2_field"),
                field("费用类型", "expense_type", json!(kind), "field_map_field"),
                field("报销金额", "amount", json!(money(amount / 200)), "currency_field"),
                field("发生日期", "occurred_on", date(rng, 20, 0), "date_field"),
                field("关联客户", "customer", json!(customer), "select2_field"),
            ];
            let name = state.user(submitter).map(|u| u.name.clone()).unwrap_or_default();
            (fields, format!("{name}-{kind}报销"), None)
        }
        "Opportunity" => {
            let fields = vec![
                field("对应客户", "customer", json!(customer), "select2_field"),
                field("预计成交金额", "expect_amount", json!(money(amount)), "currency_field"),
                field("预计成交日期", "expect_sign_date", date(rng, -10, 90), "date_field"),
                field(
                    "销售阶段",
                    "stage",
                    json!(pick(rng, &["初步接洽", "需求确认", "方案报价", "谈判审核"])),
                    "field_map_field",
                ),
                field("负责人", "user", owner, "select2_field"),
            ];
            (fields, format!("{customer}{product}项目"), None)
        }
        _ => {
            let fields = vec![
                field(
                    "客户级别",
                    "level",
                    maybe(rng, &["A（重点客户）", "B（普通客户）", "C（非优先客户）"]),
                    "field_map_field",
                ),
                field(
                    "客户来源",
                    "source",
                    json!(pick(rng, &["电话营销", "展会", "客户介绍", "官网注册"])),
                    "field_map_field",
                ),
                field("上级客户", "parent", maybe(rng, CUSTOMERS), "select2_field"),
                field("首次联系日期", "first_contact_on", date(rng, 30, 0), "date_field"),
                field("负责人", "user", owner, "select2_field"),
            ];
            (fields, customer.to_string(), None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_written_like_the_document() {
        assert_eq!(money(1100), "¥ 11.00");
        assert_eq!(money(255_500), "¥ 2,555.00");
        assert_eq!(money(123_456_750), "¥ 1,234,567.50");
    }

    #[test]
    fn the_demo_user_has_work_in_every_scope_and_the_seed_is_deterministic() {
        use super::super::state::{Filters, Scope};
        let s = generate(3, 40);
        let f = Filters::default();
        let todo = s.scope(DEMO_UID, Scope::Todo, &f);
        assert!(todo.len() >= 4, "todo: {}", todo.len());
        assert!(todo.iter().any(|r| r.current > 0), "a todo on a later node");
        let mine = s.scope(DEMO_UID, Scope::Submission, &f);
        assert!(mine.iter().filter(|r| r.can_cancel(DEMO_UID)).count() >= 2);
        assert!(mine.iter().any(|r| r.status != RecordStatus::Applying));
        assert!(s.scope(DEMO_UID, Scope::Processed, &f).len() >= 3);
        // The document's four types and one custom field of every other type the vendor names.
        let types: std::collections::BTreeSet<&str> =
            s.records.values().flat_map(|r| r.body.iter().map(|f| f.field_type.as_str())).collect();
        assert_eq!(types.len(), 28, "{types:?}");
        let contract = s.records.values().find(|r| r.entity_type == "Contract").unwrap();
        assert!(contract.body.len() > 25, "a contract carries every custom field");
        let again = generate(3, 40);
        let key = |s: &State| s.records.values().map(|r| (r.entity_id, r.submitter, r.status)).collect::<Vec<_>>();
        assert_eq!(key(&s), key(&again));
        let statuses: std::collections::BTreeSet<&str> =
            generate(5, 200).records.values().map(|r| r.status.as_str()).collect();
        assert_eq!(statuses.len(), 4, "every status occurs: {statuses:?}");
    }
}
