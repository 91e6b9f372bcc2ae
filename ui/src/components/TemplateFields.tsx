import { DeleteOutlined, PlusOutlined } from "@ant-design/icons";
import { Button, DatePicker, Flex, Form, Input, InputNumber, Select, type FormRule } from "antd";
import { t } from "../i18n";
import type { FieldKind, Template, TemplateField } from "../types";

/** Where the form keeps a template field's value: `fields.<key>` (keys may hold dots). */
export const fieldName = (key: string): ["fields", string] => ["fields", key];

/** The rules antd checks before anything is sent (the core checks the same again). */
function rules(f: TemplateField): FormRule[] {
  const out: FormRule[] = [];
  if (f.required) out.push({ required: true, whitespace: f.kind !== "date", message: t("请填写{label}", { label: f.label }) });
  if (f.kind === "file") out.push({ type: "url", message: t("{label}应是文件的网址", { label: f.label }) });
  return out;
}

/** The input for one kind of field. Numbers and money are kept as text, as they are sent. */
function input(f: TemplateField) {
  const testId = `field-${f.key}`;
  switch (f.kind) {
    case "number":
      return <InputNumber<string> stringMode style={{ width: "100%" }} data-testid={testId} />;
    case "money":
      return <InputNumber<string> stringMode precision={2} min="0" prefix="¥" style={{ width: "100%" }} data-testid={testId} />;
    case "date":
      return <DatePicker style={{ width: "100%" }} data-testid={testId} />;
    case "select":
      return (
        <Select
          options={f.options.map((o) => ({ value: o.value, label: o.label || o.value }))}
          placeholder={t("请选择")}
          showSearch={{ optionFilterProp: "label" }}
          data-testid={testId}
        />
      );
    case "text":
    case "table":
      return <Input.TextArea autoSize={{ minRows: 1, maxRows: 6 }} data-testid={testId} />;
    default:
      return <Input data-testid={testId} />;
  }
}

const KIND_OPTIONS: { value: FieldKind; label: string }[] = [
  { value: "text", label: "文本" },
  { value: "file", label: "文件网址" },
];

/** Extra key/value rows (zeyi's open form items and its routing conditions). */
function PairList({ name, withKind, addLabel }: { name: string; withKind: boolean; addLabel: string }) {
  return (
    <Form.List name={name}>
      {(rows, { add, remove }) => (
        <Flex vertical gap={4} data-testid={`${name}-list`}>
          {rows.map((row) => (
            <Flex key={row.key} gap={8} align="start">
              <Form.Item name={[row.name, "key"]} rules={[{ required: true, whitespace: true, message: t("请填写名称") }]} style={{ flex: 1, marginBottom: 8 }}>
                <Input placeholder={t("名称")} data-testid={`${name}-key`} />
              </Form.Item>
              {withKind && (
                <Form.Item name={[row.name, "kind"]} initialValue="text" style={{ width: 110, marginBottom: 8 }}>
                  <Select options={KIND_OPTIONS.map((o) => ({ ...o, label: t(o.label) }))} />
                </Form.Item>
              )}
              <Form.Item name={[row.name, "value"]} rules={[{ required: true, whitespace: true, message: t("请填写值") }]} style={{ flex: 2, marginBottom: 8 }}>
                <Input placeholder={t("值")} data-testid={`${name}-value`} />
              </Form.Item>
              <Button type="text" icon={<DeleteOutlined />} onClick={() => remove(row.name)} aria-label={t("移除")} />
            </Flex>
          ))}
          <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ kind: "text" })} data-testid={`btn-add-${name}`}>
            {addLabel}
          </Button>
        </Flex>
      )}
    </Form.List>
  );
}

/**
 * The form of a template: one input per field (required mark, type, options), then, for vendors
 * that take any item (zeyi), extra items and the routing conditions.
 */
export function TemplateFields({ template }: { template: Template }) {
  return (
    <>
      {template.fields.map((f) => (
        <Form.Item
          key={f.key}
          name={fieldName(f.key)}
          label={f.label}
          required={f.required}
          rules={rules(f)}
          data-field={f.key}
        >
          {input(f)}
        </Form.Item>
      ))}
      {template.open_fields && (
        <>
          <Form.Item label={t("表单项")}>
            <PairList name="extras" withKind addLabel={t("添加表单项")} />
          </Form.Item>
          <Form.Item label={t("条件参数")} tooltip={t("厂商按这些参数选择审批流程")}>
            <PairList name="conditions" withKind={false} addLabel={t("添加条件参数")} />
          </Form.Item>
        </>
      )}
    </>
  );
}
