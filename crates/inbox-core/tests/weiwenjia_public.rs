//! Every payload the vendor published (`tests/fixtures/weiwenjia/public/`, sources in its
//! README), read as published: the complete ones parsed and mapped with their values asserted;
//! those our copies of the pages cut off (`*.truncated.jsonc`, `*.fragment.jsonc`) asserted to be
//! cut, then read as far as they go and mapped where they are replies we read. The detail
//! (获取审批流信息) is read only as far as the page shows it: nothing is filled in.

use inbox_core::connectors::weiwenjia::fields::{self, Render};
use inbox_core::connectors::weiwenjia::wire::{BodyField, Detail, ExecuteBody, ListData, ListItem};
use inbox_core::connectors::weiwenjia::{client, map};
use inbox_core::{Decision, Field, FieldKind, Inbox, Status, StepRule, VendorError};
use serde_json::{json, Value};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/weiwenjia/public");

/// The files of the directory and what the README says of each: a complete JSON reply (`yes`),
/// published with comments or a syntax error (`.jsonc`), or cut off by our copy of the page.
const FILES: &[&str] = &[
    "apaas-custom-forms-list-reply.truncated.jsonc",
    "apaas-form-entities-list-request.truncated.jsonc",
    "apaas-form-entity-create-request.truncated.jsonc",
    "apaas-form-entity-update-reply.truncated.jsonc",
    "apaas-form-entity-update-request.json",
    "approval-center-list-error.json",
    "approval-center-list-reply.json",
    "custom-fields-by-group-all-error.json",
    "custom-fields-by-group-all-reply.jsonc",
    "custom-fields-by-module-reply.truncated.jsonc",
    "execute-records-detail-reply.truncated.jsonc",
    "execute-request-body.fragment.jsonc",
];

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{DIR}/{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The text without the comments the vendor published in it (`#` and `//` to the end of the
/// line, outside strings).
fn without_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_str, mut esc, mut skip) = (false, false, false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if skip {
            if c == '\n' {
                skip = false;
                out.push(c);
            }
            continue;
        }
        if in_str {
            (esc, in_str) = (!esc && c == '\\', in_str && (esc || c != '"'));
        } else if c == '#' || (c == '/' && chars.peek() == Some(&'/')) {
            skip = true;
            continue;
        } else {
            in_str = c == '"';
        }
        out.push(c);
    }
    out
}

/// The brackets still open at the end of `text` (outside strings), and whether it ends inside
/// a string: a payload cut off partway leaves some open.
fn open_at_end(text: &str) -> (Vec<char>, bool) {
    let (mut stack, mut in_str, mut esc) = (Vec::new(), false, false);
    for c in text.chars() {
        if in_str {
            (esc, in_str) = (!esc && c == '\\', esc || c != '"');
        } else {
            match c {
                '"' => in_str = true,
                '{' | '[' => stack.push(c),
                '}' | ']' => drop(stack.pop()),
                _ => {}
            }
        }
    }
    (stack, in_str)
}

/// Whether the payload is cut off: brackets left open at its end.
fn is_cut(text: &str) -> bool {
    let (open, in_str) = open_at_end(text);
    !open.is_empty() || in_str
}

/// The longest readable part of a payload cut off (or broken) partway: everything before the
/// last comma after which the text no longer parses, with the brackets open there closed.
/// Returns the value and how many bytes of the text it holds.
fn readable_part(text: &str) -> (Value, usize) {
    let text = without_comments(text);
    let commas: Vec<usize> = text.char_indices().filter(|(_, c)| *c == ',').map(|(i, _)| i).collect();
    for &at in commas.iter().rev() {
        let (open, in_str) = open_at_end(&text[..at]);
        if in_str {
            continue;
        }
        let closed: String = open.iter().rev().map(|c| if *c == '{' { '}' } else { ']' }).collect();
        if let Ok(v) = serde_json::from_str(&format!("{}{closed}", &text[..at])) {
            return (v, at);
        }
    }
    panic!("no readable part in {text}")
}

/// A file our copy of the page cut off: brackets open at its end, not JSON as it stands, and
/// marked so in the README. Returns its readable part and the text after it.
fn cut(name: &str) -> (Value, String) {
    let text = read(name);
    assert!(is_cut(&text), "{name} ends with every bracket closed");
    assert!(serde_json::from_str::<Value>(&without_comments(&text)).is_err(), "{name} parses whole");
    let (v, at) = readable_part(&text);
    (v, without_comments(&text)[at..].to_string())
}

fn envelope_of(name: &str) -> Result<Value, VendorError> {
    client::envelope(name, 200, read(name).as_bytes())
}

#[test]
fn every_file_is_here_and_the_readme_says_what_each_is() {
    let mut present: Vec<String> = std::fs::read_dir(DIR)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n != "README.md")
        .collect();
    present.sort();
    assert_eq!(present, FILES, "a new fixture gets a test here");
    let readme = read("README.md");
    for name in FILES {
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| `{name}`")))
            .unwrap_or_else(|| panic!("{name} has a README row"));
        let said = row.rsplit('|').nth(1).unwrap().trim();
        if name.contains(".truncated.") {
            assert!(said.contains("truncated") && is_cut(&read(name)), "{name}: {said}");
        } else if name.contains(".fragment.") {
            assert!(said.contains("fragment") && is_cut(&read(name)), "{name}: {said}");
        } else if name.ends_with(".json") {
            assert_eq!(said, "yes", "{name}");
            serde_json::from_str::<Value>(&read(name)).unwrap_or_else(|e| panic!("{name} is strict JSON: {e}"));
        } else {
            assert!(said.starts_with("no —") && !is_cut(&read(name)), "{name}: {said}");
        }
    }
}

/// The published detail as far as our copy of the page goes.
fn published_detail() -> (Detail, Value, String) {
    let (v, rest) = cut("execute-records-detail-reply.truncated.jsonc");
    (serde_json::from_value(v["data"].clone()).unwrap(), v, rest)
}

#[test]
fn the_published_detail_is_read_as_far_as_the_page_goes() {
    let (d, raw, rest) = published_detail();
    assert_eq!((raw["code"].as_i64(), raw["message"].as_str()), (Some(0), Some("请求成功")));
    assert!(
        rest.contains("\"time_line\"") && rest.trim_end().ends_with("\"uid\":"),
        "the copy ends inside the first time_line entry: {rest}"
    );
    assert_eq!(
        (d.has_approval_permission, d.has_cancel_permission, d.has_agent_permission, d.has_reject_permission),
        (false, false, false, false)
    );
    assert!(d.is_super_user && !d.can_resubmission);
    assert_eq!((d.approval_opinions.as_deref(), d.record_id()), (Some("optional"), Some(2459)));
    assert!(d.execute_record.is_none(), "the record object is not on the page");
    let nodes = &d.execution_details;
    assert_eq!(
        nodes.iter().map(|n| n.approval_node.as_deref()).collect::<Vec<_>>(),
        [Some("begin_node"), Some("approval_node")]
    );
    assert_eq!(
        (nodes[1].setting_approval_type.as_deref(), nodes[1].setting_approval_type_i18n.as_deref()),
        (Some("ORAPPROVE"), Some("或签"))
    );
    assert_eq!(
        nodes[1].setting_all_origin_approvers.iter().map(|u| u.name.as_deref().unwrap()).collect::<Vec<_>>(),
        ["John", "校长"]
    );
    let entry = &nodes[1].approval_details[0];
    assert_eq!((entry.uid, entry.origin_uid, entry.action_name.as_deref()), (Some(35_903_635), Some(35_903_635), None));

    let steps = map::steps(&d);
    assert_eq!(steps.len(), 2);
    let submitted = &steps[0].members[0];
    assert_eq!(
        (submitted.user.name.as_str(), submitted.decision, submitted.decided_at),
        ("John", Decision::Approved, Some(1_712_626_560))
    );
    assert_eq!((steps[1].name.as_str(), &steps[1].rule), ("一级审批", &StepRule::Any));
    let names: Vec<(&str, Decision)> = steps[1].members.iter().map(|m| (m.user.name.as_str(), m.decision)).collect();
    assert_eq!(
        names,
        [("John", Decision::Other), ("校长", Decision::Waiting)],
        "John acted at 09:37; what he did is past the cut"
    );
    assert_eq!(steps[1].members[0].decided_at, Some(1_712_626_620));
}

#[test]
fn the_published_list_maps_with_the_published_detail() {
    let raw: Value = serde_json::from_str(&read("approval-center-list-reply.json")).unwrap();
    assert_eq!(
        read("approval-center-list-reply.json"),
        read("../approval-center-list.jsonc"),
        "the project's older copy is the same bytes"
    );
    let data: ListData = serde_json::from_value(raw["data"].clone()).unwrap();
    assert_eq!((data.total_count, data.per_page, data.has_next(1)), (Some(5), Some(15), false));
    let items: Vec<ListItem> = data.list.iter().map(|i| serde_json::from_value(i.clone()).unwrap()).collect();
    assert_eq!(items.iter().map(|i| i.id.unwrap()).collect::<Vec<_>>(), [2462, 2461, 2460, 2459, 2458]);
    // The detail's execute_record_id 2459 is the list's item 2459 (测试审批2, passed).
    let (d, _, _) = published_detail();
    let item = items.iter().find(|i| i.id == d.record_id()).unwrap();
    let a = map::approval(item, data.list[3].clone(), &d, Value::Null, 35_903_635);
    assert_eq!(
        (a.remote_id.as_str(), a.title.as_str(), a.form_name.as_str()),
        ("Contract:1901351", "测试审批2", "合同审批")
    );
    assert_eq!((a.status, a.status_word.as_deref(), a.actions.len()), (Status::Approved, None, 0));
    assert_eq!((a.submitter.id.as_str(), a.submitted_at, a.updated_at), ("35903635", 1_712_626_560, 1_712_626_620));
    assert_eq!(a.boxes, [Inbox::Submitted]);
    let shown: Vec<(&str, &str, FieldKind)> =
        a.fields.iter().map(|f| (f.label.as_str(), f.value.as_str(), f.kind)).collect();
    assert_eq!(
        shown,
        [
            ("审批对象", "合同", FieldKind::Select),
            ("对应客户", "北京市财政局", FieldKind::Select),
            ("合同总金额", "2555.00", FieldKind::Money),
            ("签约日期", "1712592000", FieldKind::Date),
            ("合同类型", "", FieldKind::Select),
            ("合同状态", "未开始", FieldKind::Select),
            ("负责人", "John", FieldKind::User),
        ]
    );
    for (i, item) in items.iter().enumerate() {
        let a = map::approval(item, data.list[i].clone(), &d, Value::Null, 1);
        assert_eq!(a.fields.len(), 7, "{}", a.remote_id);
        assert!(a.status == Status::Pending || a.status == Status::Approved);
    }
}

#[test]
fn the_published_errors_name_their_code_and_words() {
    let e = envelope_of("approval-center-list-error.json").unwrap_err();
    assert!(
        matches!(&e, VendorError::Vendor { code, message, .. } if code == "500" && message == "invalid appid"),
        "{e}"
    );
    let e = envelope_of("custom-fields-by-group-all-error.json").unwrap_err();
    assert!(
        matches!(&e, VendorError::Vendor { code, message, .. } if code == "100401" && message == "你的帐号已在其他地方登录,本地已经下线"),
        "{e}"
    );
}

#[test]
fn the_execute_body_fragment_has_our_keys() {
    let text = read("execute-request-body.fragment.jsonc");
    let (v, rest) = cut("execute-request-body.fragment.jsonc");
    assert_eq!(v, json!({ "execute_action": "pass" }));
    assert!(rest.contains("\"execute_opinion\""), "{text}");
    let ours = serde_json::to_value(ExecuteBody { execute_action: "pass", execute_opinion: "同意" }).unwrap();
    let keys: Vec<&String> = ours.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["execute_action", "execute_opinion"]);
    assert_eq!(ours["execute_action"], v["execute_action"]);
}

#[test]
fn the_custom_field_pages_name_types_we_render() {
    let (v, rest) = cut("custom-fields-by-module-reply.truncated.jsonc");
    assert!(rest.contains("\"cannot_se"), "cut inside the second field: {rest}");
    let defs = v["data"]["custom_field_groups"][0]["custom_fields"].as_array().unwrap();
    let words: Vec<(&str, &str)> =
        defs.iter().map(|f| (f["label"].as_str().unwrap(), f["field_type"].as_str().unwrap())).collect();
    assert_eq!(words, [("对应客户", "select2_field"), ("单位名称", "text_field")]);
    assert_eq!(
        (fields::render_of("select2_field"), fields::render_of("text_field")),
        (Some(Render::Related), Some(Render::Text))
    );

    // The page as published misses one comma (before "customer"); with it, both groups read.
    let text = without_comments(&read("custom-fields-by-group-all-reply.jsonc"));
    let e = serde_json::from_str::<Value>(&text).unwrap_err();
    assert!(!e.is_eof(), "a syntax error, not a cut: {e}");
    let at = text.find("\"customer\": [").unwrap();
    let before = text[..at].trim_end().len();
    let repaired = format!("{},{}", &text[..before], &text[before..]);
    let v: Value = serde_json::from_str(&repaired).unwrap();
    for module in ["product", "customer"] {
        let f = &v["data"][module][0]["custom_fields"][0];
        assert_eq!(
            (f["label"].as_str(), f["field_type"].as_str()),
            (Some("对应客户"), Some("select2_field")),
            "{module}"
        );
    }
    let (forms, _) = cut("apaas-custom-forms-list-reply.truncated.jsonc");
    let primary = &forms["data"]["models"][0]["primary_field"];
    assert_eq!(
        (primary["field_type"].as_str(), primary["field_type_i18n"].as_str()),
        (Some("text_field"), Some("单行文本"))
    );
    assert_eq!(forms["data"]["models"][0]["name"], "推广线索");
}

/// An aPaaS column's field type: the words of the vendor's aPaaS list page where its name
/// carries one; the user, department, cascade and relation columns' types are not named on
/// any page we could read, so their prefix stands for a word we do not know.
fn column_type(column: &str) -> &str {
    let known = [
        ("text_", "text_field"),
        ("multi_select_", "multi_select"),
        ("select_", "select_field"),
        ("address_select_", "address_select"),
        ("geo_address_", "geo_address_field"),
        ("datetime_range_field_", "datetime_range_field"),
        ("file_field_", "file_field"),
    ];
    known
        .iter()
        .find(|(prefix, _)| column.starts_with(prefix))
        .map(|(_, word)| *word)
        .unwrap_or_else(|| column.split('_').next().unwrap())
}

fn shown(entity: &Value) -> Vec<Field> {
    entity
        .as_object()
        .unwrap()
        .iter()
        .map(|(column, value)| {
            fields::field(&BodyField {
                label: Some(column.clone()),
                value: value.clone(),
                field_type: Some(column_type(column).into()),
                ..BodyField::default()
            })
            .unwrap()
        })
        .collect()
}

fn value_of<'a>(fields: &'a [Field], column: &str) -> (&'a str, FieldKind) {
    let f = fields.iter().find(|f| f.label.starts_with(column)).unwrap_or_else(|| panic!("{column} in {fields:?}"));
    (f.value.as_str(), f.kind)
}

#[test]
fn the_apaas_record_values_render_by_type() {
    let (create, rest) = cut("apaas-form-entity-create-request.truncated.jsonc");
    assert!(rest.contains("\"file_url\"\"https"), "published with a colon missing, and cut off");
    let created = shown(&create["form_entity"]);
    assert_eq!(value_of(&created, "text_"), ("哇咔隧道咔a 133333a a", FieldKind::Text));
    assert_eq!(value_of(&created, "select_"), ("H6Qq/ojoIFNyICUXzx3UOw==", FieldKind::Select));
    assert_eq!(
        value_of(&created, "multi_select_"),
        ("qxjjDA3ECTzu2olh+sPR9A==、QpbX0pPJ6koOUsZBXwtclg==", FieldKind::Select)
    );
    assert_eq!(value_of(&created, "address_select_"), ("马路口驴子街", FieldKind::Text));
    assert_eq!(value_of(&created, "geo_address_"), ("29.952211, 90.080563", FieldKind::Text));
    assert_eq!(
        value_of(&created, "datetime_range_field_"),
        ("2023-08-20 00:01:00 至 2023-08-25 23:59:59", FieldKind::Text)
    );
    assert_eq!(
        value_of(&created, "file_field_"),
        ("test1.jpg", FieldKind::File),
        "the readable part holds the first file"
    );

    let update: Value = serde_json::from_str(&read("apaas-form-entity-update-request.json")).unwrap();
    let updated = shown(&update["form_entity"]);
    assert_eq!(updated.len(), 9);
    assert_eq!(
        value_of(&updated, "usr_"),
        ("test1", FieldKind::Text),
        "a user column's type is not named: rendered by its value"
    );
    assert_eq!(value_of(&updated, "dept_"), ("dept1", FieldKind::Text));
    assert_eq!(value_of(&updated, "cu_rela_"), ("上海微问家", FieldKind::Text));
    assert_eq!(
        value_of(&updated, "nest_"),
        (r#"{"level_0":"60943MKVMq0Erpe9dUdV7w==","level_1":"WkFg1hVKiht2xdOjfhlpqQ=="}"#, FieldKind::Text)
    );

    let (reply, rest) = cut("apaas-form-entity-update-reply.truncated.jsonc");
    assert!(rest.trim_end().ends_with("\"multi"), "{rest}");
    let stored = &reply["data"];
    assert_eq!(
        (stored["select_1691125929052_d05a00_display"].as_str(), stored["id"].as_i64()),
        (Some("入门"), Some(30))
    );
    assert!(stored["primary_field_value"].is_null() && stored["text_1691116775689_fb4558"].is_null());
    assert_eq!(
        map::parse_time(stored["updated_at"].as_str().unwrap()),
        map::parse_time("2023-08-29 16:42:17"),
        "aPaaS times carry their offset"
    );

    let (request, _) = cut("apaas-form-entities-list-request.truncated.jsonc");
    let filters = request["filters"].as_array().unwrap();
    let columns: Vec<&str> = filters.iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(
        columns[..7],
        [
            "id",
            "select_1691125929052_d05a00",
            "multi_select_1691562342042_e0b50f",
            "created_at",
            "address_select_1692266369719_510d42",
            "datetime_range_field_1692266369719_513d41",
            "integer_field_1692266369719_578e31"
        ]
    );
    for f in filters.iter().skip(1).filter(|f| f["name"].as_str().unwrap().contains("_16")) {
        let word = f["name"].as_str().unwrap().rsplitn(3, '_').nth(2).unwrap();
        let word = if word == "select" { "select_field" } else { word };
        assert!(fields::render_of(word).is_some(), "{word} is a type we render");
    }
    let range = fields::value(Render::DateRange, &filters[5]["value"]).unwrap();
    assert_eq!(range, ("2023-08-20 00:00:00 至 2023-08-26 02:00:00".to_string(), FieldKind::Text));
}
