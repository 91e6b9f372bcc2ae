//! `body_data` fields by `field_type`. The list document says a field's `value` is 字段值: an
//! object for users and departments, the plain value for everything else; its example shows four
//! types. A real CRM record has many more: every word the vendor publishes (the CRM custom-field
//! pages, the aPaaS form pages) or that third-party clients of the platform carry is rendered
//! here with its kind. A word we do not know renders by its value (`unknown::field`), and so does
//! a known word whose value has a shape that type does not take: no field fails its record.

use super::map::{money, parse_time};
use super::wire::BodyField;
use crate::connectors::unknown;
use crate::model::{Field, FieldKind, Vendor};
use serde_json::{Map, Value};

/// How a `field_type`'s value is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Render {
    /// Plain text (single line, area, e-mail, phone, URL, serial number).
    Text,
    /// A number, or a numeric string (thousands commas allowed).
    Number,
    /// `"¥ 2,555.00"` (the document), or a number.
    Money,
    /// `yyyy-MM-dd[ HH:mm[:ss]]` in Beijing time → a timestamp.
    Date,
    /// A time of day (`HH:mm`): shown as written.
    Time,
    /// `["2023-08-20 00:01:00", "2023-08-25 23:59:59"]` (aPaaS) → "from 至 to".
    DateRange,
    /// One option's word (or an option object's name).
    Select,
    /// Several options: a list of words, or one string.
    MultiSelect,
    /// Check boxes: a yes/no, or several options.
    Check,
    /// A related record's name, or a user object (the document's 负责人).
    Related,
    /// A postal address: words, or `{country, province, city, district, detail_address}`.
    Address,
    /// A located address: words, or `{latitude, longitude}` (aPaaS).
    Geo,
    /// Files: `[{id, name, file_file_name, file_url …}]` (aPaaS) → their names.
    Files,
}

/// Every `field_type` word we know, with how it renders. Sources (docs/weiwenjia-protocol.md):
/// the list document (select2_field, currency_field, date_field, field_map_field); the vendor's
/// custom-field page (text_field) and aPaaS form pages (text_area, email_field, mobile_field,
/// tel_field, url_field, auto_number_field, select_field, multi_select, datetime_field,
/// address_select, datetime_range_field, integer_field, float_field); third-party clients of
/// the platform (number_field, check_box, radio_button, select, time_field, hidden_field,
/// attachments_field, file_field, geo_address_field, address_tel).
pub const FIELD_TYPES: &[(&str, Render)] = &[
    ("text_field", Render::Text),
    ("text_area", Render::Text),
    ("email_field", Render::Text),
    ("mobile_field", Render::Text),
    ("tel_field", Render::Text),
    ("url_field", Render::Text),
    ("auto_number_field", Render::Text),
    ("hidden_field", Render::Text),
    ("address_tel", Render::Text),
    ("integer_field", Render::Number),
    ("float_field", Render::Number),
    ("number_field", Render::Number),
    ("currency_field", Render::Money),
    ("date_field", Render::Date),
    ("datetime_field", Render::Date),
    ("time_field", Render::Time),
    ("datetime_range_field", Render::DateRange),
    ("select", Render::Select),
    ("select_field", Render::Select),
    ("radio_button", Render::Select),
    ("field_map_field", Render::Select),
    ("multi_select", Render::MultiSelect),
    ("check_box", Render::Check),
    ("select2_field", Render::Related),
    ("address_select", Render::Address),
    ("geo_address_field", Render::Geo),
    ("file_field", Render::Files),
    ("attachments_field", Render::Files),
];

/// How a `field_type` word renders; `None` for a word we do not know.
pub fn render_of(field_type: &str) -> Option<Render> {
    FIELD_TYPES.iter().find(|(word, _)| *word == field_type).map(|(_, r)| *r)
}

/// One `body_data` field as shown; `None` when the vendor marks it invisible (`is_invisible`).
pub fn field(f: &BodyField) -> Option<Field> {
    if f.is_invisible {
        return None;
    }
    let label = [&f.label, &f.name, &f.field_type]
        .into_iter()
        .flatten()
        .find(|l| !l.trim().is_empty())
        .map_or("字段", String::as_str);
    let Some(word) = f.field_type.as_deref() else {
        return Some(unknown::field(label, &f.value));
    };
    let Some(render) = render_of(word) else {
        unknown::note(Vendor::Weiwenjia, "field_type", word);
        return Some(unknown::field(label, &f.value));
    };
    match value(render, &f.value) {
        Some((text, kind)) => Some(Field::new(label, text, kind)),
        None => {
            unknown::note(Vendor::Weiwenjia, "value shape of field_type", word);
            Some(unknown::field(label, &f.value))
        }
    }
}

/// The kind a rendered value is shown as.
fn kind_of(render: Render) -> FieldKind {
    match render {
        Render::Number => FieldKind::Number,
        Render::Money => FieldKind::Money,
        Render::Date => FieldKind::Date,
        Render::Select | Render::MultiSelect | Render::Check | Render::Related => FieldKind::Select,
        Render::Files => FieldKind::File,
        Render::Text | Render::Time | Render::DateRange | Render::Address | Render::Geo => FieldKind::Text,
    }
}

/// A value of a known type as (text, kind); `None` when the value's shape is not one the type
/// takes. `null` and `""` are an empty field of the type's kind.
pub fn value(render: Render, v: &Value) -> Option<(String, FieldKind)> {
    let kind = kind_of(render);
    if v.is_null() || v.as_str().is_some_and(|s| s.trim().is_empty()) {
        return Some((String::new(), kind));
    }
    let text = match render {
        Render::Text | Render::Time => scalar(v)?,
        Render::Number => number(v)?,
        Render::Money => money(v).ok()?,
        Render::Date => parse_time(v.as_str()?).ok()?.to_string(),
        Render::DateRange => date_range(v)?,
        Render::Select => option(v)?,
        Render::MultiSelect => options(v)?,
        Render::Check => v.as_bool().map(|b| yes_no(b).to_string()).or_else(|| options(v))?,
        Render::Related => return related(v),
        Render::Address => address(v)?,
        Render::Geo => geo(v)?,
        Render::Files => files(v)?,
    };
    Some((text, kind))
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "是"
    } else {
        "否"
    }
}

/// Text or a number as written.
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A number, or a string holding one (`"1,200"`, `" 3.5 "`), as a plain decimal.
fn number(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => {
            let plain: String = s.chars().filter(|c| *c != ',' && !c.is_whitespace()).collect();
            plain.parse::<f64>().ok().filter(|f| f.is_finite()).map(|_| plain)
        }
        _ => None,
    }
}

/// The first of `keys` that holds text (or a number) in `o`.
fn named(o: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter().filter_map(|k| o.get(*k)).filter_map(scalar).find(|s| !s.trim().is_empty())
}

/// One option: its word, or an option object's name.
fn option(v: &Value) -> Option<String> {
    match v {
        Value::Object(o) => named(o, &["name", "label", "display", "text", "value"]),
        Value::Bool(b) => Some(yes_no(*b).to_string()),
        other => scalar(other),
    }
}

/// Several options joined with 、; one string as written (a third-party client joins them with
/// commas).
fn options(v: &Value) -> Option<String> {
    match v {
        Value::Array(items) => items.iter().map(option).collect::<Option<Vec<_>>>().map(|words| words.join("、")),
        other => scalar(other),
    }
}

/// `["from", "to"]` → "from 至 to"; a string as written.
fn date_range(v: &Value) -> Option<String> {
    match v {
        Value::Array(ends) if ends.len() <= 2 => {
            let ends: Vec<String> = ends
                .iter()
                .map(|e| if e.is_null() { Some(String::new()) } else { e.as_str().map(str::to_string) })
                .collect::<Option<_>>()?;
            Some(ends.join(" 至 ").trim().to_string())
        }
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// A person's or a department's name (`{id, uid, name}`, `{did, name}`).
fn person(o: &Map<String, Value>) -> Option<String> {
    named(o, &["name", "label"])
}

/// A select2 value: a related record's name (Select), or users (User) by name.
fn related(v: &Value) -> Option<(String, FieldKind)> {
    let is_user = |o: &Map<String, Value>| o.contains_key("uid");
    match v {
        Value::Object(o) if is_user(o) => Some((person(o)?, FieldKind::User)),
        Value::Object(o) => Some((person(o)?, FieldKind::Select)),
        Value::Array(items) if !items.is_empty() && items.iter().all(|i| i.as_object().is_some_and(is_user)) => {
            let names = items.iter().filter_map(Value::as_object).map(person).collect::<Option<Vec<_>>>()?;
            Some((names.join("、"), FieldKind::User))
        }
        Value::Array(_) => Some((options(v)?, FieldKind::Select)),
        other => Some((scalar(other)?, FieldKind::Select)),
    }
}

/// An address in words: the written address (`full_address`, `address`), else the region names
/// present (country, province, city, district, each as `x` or `x_name`) and `detail_address`,
/// joined with spaces. Region ids (`province_id` …) cannot be named without the vendor's region
/// table, so an address of ids only shows its `detail_address`.
fn address(v: &Value) -> Option<String> {
    match v {
        Value::Object(o) => {
            if let Some(full) = named(o, &["full_address", "address"]) {
                return Some(full);
            }
            let mut parts: Vec<String> = Vec::new();
            for region in ["country", "province", "city", "district"] {
                if let Some(name) = named(o, &[region, &format!("{region}_name")]) {
                    if parts.last() != Some(&name) {
                        parts.push(name);
                    }
                }
            }
            parts.extend(named(o, &["detail_address", "detail"]));
            let known = o.keys().any(|k| k.ends_with("_id") || k.contains("address"));
            (!parts.is_empty() || known).then(|| parts.join(" "))
        }
        Value::Array(items) => items.iter().map(scalar).collect::<Option<Vec<_>>>().map(|p| p.join(" ")),
        other => scalar(other),
    }
}

/// A located address: its words where it has them, else "latitude, longitude".
fn geo(v: &Value) -> Option<String> {
    match v {
        Value::Object(o) => named(o, &["address", "detail_address", "name"]).or_else(|| {
            let coordinate = |k: &str| o.get(k).and_then(number);
            Some(format!("{}, {}", coordinate("latitude")?, coordinate("longitude")?))
        }),
        other => scalar(other),
    }
}

/// Files by name (`name`, `file_file_name` …), joined with 、.
fn files(v: &Value) -> Option<String> {
    let one = |f: &Value| match f {
        Value::Object(o) => named(o, &["name", "file_file_name", "file_name", "filename", "title"]),
        other => other.as_str().map(str::to_string),
    };
    match v {
        Value::Array(items) => items.iter().map(one).collect::<Option<Vec<_>>>().map(|names| names.join("、")),
        other => one(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn shown(field_type: &str, value: Value) -> Field {
        let f = BodyField {
            label: Some("标签".into()),
            name: Some("name".into()),
            value,
            field_type: Some(field_type.into()),
            is_invisible: false,
        };
        field(&f).expect("a visible field")
    }

    fn is(field_type: &str, value: Value, text: &str, kind: FieldKind) {
        assert_eq!(shown(field_type, value.clone()), Field::new("标签", text, kind), "{field_type} {value}");
    }

    #[test]
    fn every_known_word_renders_its_published_shapes() {
        is("text_field", json!("单位名称"), "单位名称", FieldKind::Text);
        is("text_area", json!("第一行\n第二行"), "第一行\n第二行", FieldKind::Text);
        is("email_field", json!("wang@example.com"), "wang@example.com", FieldKind::Text);
        is("mobile_field", json!(13_800_138_000_i64), "13800138000", FieldKind::Text);
        is("tel_field", json!("0571-88886666"), "0571-88886666", FieldKind::Text);
        is("url_field", json!("https://example.com/a"), "https://example.com/a", FieldKind::Text);
        is("auto_number_field", json!("HT-20240409-0001"), "HT-20240409-0001", FieldKind::Text);
        is("hidden_field", json!("内部编码"), "内部编码", FieldKind::Text);
        is("address_tel", json!("010-62345678"), "010-62345678", FieldKind::Text);
        is("integer_field", json!(12), "12", FieldKind::Number);
        is("float_field", json!("0.85"), "0.85", FieldKind::Number);
        is("number_field", json!("1,200"), "1200", FieldKind::Number);
        is("currency_field", json!("¥ 2,555.00"), "2555.00", FieldKind::Money);
        is("currency_field", json!(11.5), "11.5", FieldKind::Money);
        is("date_field", json!("2024-04-09"), "1712592000", FieldKind::Date);
        is("datetime_field", json!("2024-04-09 09:56"), "1712627760", FieldKind::Date);
        is("datetime_field", json!("2024-04-09 09:56:30"), "1712627790", FieldKind::Date);
        is("time_field", json!("09:30"), "09:30", FieldKind::Text);
        is(
            "datetime_range_field",
            json!(["2023-08-20 00:01:00", "2023-08-25 23:59:59"]),
            "2023-08-20 00:01:00 至 2023-08-25 23:59:59",
            FieldKind::Text,
        );
        is("select", json!("入门"), "入门", FieldKind::Select);
        is("select_field", json!({ "id": "H6Qq/ojoIFNyICUXzx3UOw==", "name": "入门" }), "入门", FieldKind::Select);
        is("radio_button", json!("是"), "是", FieldKind::Select);
        is("field_map_field", json!("未开始"), "未开始", FieldKind::Select);
        is("multi_select", json!(["电话", "邮件"]), "电话、邮件", FieldKind::Select);
        is("multi_select", json!("电话,邮件"), "电话,邮件", FieldKind::Select);
        is("check_box", json!(true), "是", FieldKind::Select);
        is("check_box", json!(["已核对", "已盖章"]), "已核对、已盖章", FieldKind::Select);
        is("select2_field", json!("北京市财政局"), "北京市财政局", FieldKind::Select);
        is(
            "select2_field",
            json!({ "id": 10334573, "uid": 35903635, "name": "John", "third_userid": null }),
            "John",
            FieldKind::User,
        );
        is(
            "select2_field",
            json!([{ "uid": 4, "name": "test1" }, { "uid": 5, "name": "test2" }]),
            "test1、test2",
            FieldKind::User,
        );
        is("select2_field", json!({ "did": 1, "name": "dept1", "third_dept_id": null }), "dept1", FieldKind::Select);
        is(
            "address_select",
            json!("浙江省 杭州市 西湖区 文三路 90 号"),
            "浙江省 杭州市 西湖区 文三路 90 号",
            FieldKind::Text,
        );
        is(
            "address_select",
            json!({ "country_id": "4", "province_id": "9", "city_id": "73", "district_id": "732", "detail_address": "马路口驴子街" }),
            "马路口驴子街",
            FieldKind::Text,
        );
        is(
            "address_select",
            json!({ "province": "浙江省", "city_name": "杭州市", "district": "西湖区", "detail_address": "文三路 90 号" }),
            "浙江省 杭州市 西湖区 文三路 90 号",
            FieldKind::Text,
        );
        is(
            "geo_address_field",
            json!({ "latitude": 29.952211, "longitude": 90.080563 }),
            "29.952211, 90.080563",
            FieldKind::Text,
        );
        is(
            "geo_address_field",
            json!({ "latitude": 30.1, "longitude": 120.2, "address": "杭州市西湖区" }),
            "杭州市西湖区",
            FieldKind::Text,
        );
        let files = json!([{ "id": 1, "name": "test1.jpg", "file_file_name": "test1.jpg", "file_url": "https://x/1.gif" }, { "id": 2, "file_file_name": "报价.pdf" }]);
        is("file_field", files.clone(), "test1.jpg、报价.pdf", FieldKind::File);
        is("attachments_field", files, "test1.jpg、报价.pdf", FieldKind::File);
        assert_eq!(FIELD_TYPES.len(), 28);
        assert!(FIELD_TYPES.iter().all(|(word, r)| render_of(word) == Some(*r)));
    }

    #[test]
    fn null_and_empty_are_empty_fields_of_the_types_kind() {
        for (word, render) in FIELD_TYPES {
            for empty in [Value::Null, json!(""), json!("  ")] {
                assert_eq!(shown(word, empty).value, "", "{word}");
            }
            assert_eq!(shown(word, Value::Null).kind, kind_of(*render), "{word}");
        }
    }

    #[test]
    fn an_unknown_word_renders_by_its_value() {
        is("formula_field", json!(42.5), "42.5", FieldKind::Number);
        is("rich_text_field", json!("<p>说明</p>"), "<p>说明</p>", FieldKind::Text);
        is("user_select", json!([{ "uid": 4, "name": "test1", "third_userid": null }]), "test1", FieldKind::Text);
        is(
            "department_select",
            json!([{ "did": 1, "name": "dept1", "third_dept_id": null }]),
            "dept1",
            FieldKind::Text,
        );
        is(
            "relation_field",
            json!({ "value": 1, "label": "上海微问家", "relation_source": { "id": 23 } }),
            "上海微问家",
            FieldKind::Text,
        );
        is(
            "cascade_field",
            json!({ "level_0": "a", "level_1": "b" }),
            r#"{"level_0":"a","level_1":"b"}"#,
            FieldKind::Text,
        );
        let untyped = BodyField {
            label: None,
            name: Some("remark".into()),
            value: json!("备注"),
            field_type: None,
            is_invisible: false,
        };
        assert_eq!(
            field(&untyped),
            Some(Field::new("remark", "备注", FieldKind::Text)),
            "no field_type, no label: named by its name"
        );
        let bare = BodyField { value: json!(3), ..BodyField::default() };
        assert_eq!(field(&bare), Some(Field::new("字段", "3", FieldKind::Number)));
    }

    #[test]
    fn an_odd_shape_for_a_known_word_renders_by_its_value() {
        is("currency_field", json!("约一万"), "约一万", FieldKind::Text);
        is("currency_field", json!("$ 1,000.00"), "$ 1,000.00", FieldKind::Text);
        is(
            "currency_field",
            json!({ "amount": 1000, "currency": "USD" }),
            r#"{"amount":1000,"currency":"USD"}"#,
            FieldKind::Text,
        );
        is("date_field", json!("04/09/2024"), "04/09/2024", FieldKind::Text);
        is("date_field", json!(1_712_592_000_000_i64), "1712592000000", FieldKind::Number);
        is("integer_field", json!("约 30"), "约 30", FieldKind::Text);
        is("integer_field", json!("inf"), "inf", FieldKind::Text);
        is("text_field", json!({ "name": "对象" }), "对象", FieldKind::Text);
        is("text_field", json!(["a", "b"]), "a、b", FieldKind::Text);
        is("select2_field", json!({ "id": 3 }), r#"{"id":3}"#, FieldKind::Text);
        is("multi_select", json!([["嵌套"]]), "嵌套", FieldKind::Text);
        is("geo_address_field", json!({ "lat": 1 }), r#"{"lat":1}"#, FieldKind::Text);
        is(
            "file_field",
            json!([{ "id": 1, "file_url": "https://x/1.gif" }]),
            r#"{"file_url":"https://x/1.gif","id":1}"#,
            FieldKind::Text,
        );
        is("datetime_range_field", json!([1, 2]), "1、2", FieldKind::Text);
        is("address_select", json!({ "foo": "bar" }), r#"{"foo":"bar"}"#, FieldKind::Text);
    }

    #[test]
    fn invisible_fields_are_not_shown() {
        let f = BodyField {
            label: Some("成本价".into()),
            value: json!("¥ 1.00"),
            field_type: Some("currency_field".into()),
            is_invisible: true,
            ..BodyField::default()
        };
        assert_eq!(field(&f), None);
    }
}
