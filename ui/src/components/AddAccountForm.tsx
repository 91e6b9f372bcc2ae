import { PlusOutlined } from "@ant-design/icons";
import { Alert, App, Button, Form, Input, Select } from "antd";
import { useState } from "react";
import { api, errorField, errorText } from "../api";
import type { Account, SettingSpec, Vendor, VendorInfo } from "../types";
import { t } from "../i18n";

interface AddAccountFormProps {
  vendors: VendorInfo[];
  onAdded: (account: Account) => void;
}

interface FormValues {
  vendor: Vendor;
  name: string;
  base_url: string;
  values?: Record<string, string | undefined>;
}

/** The value a setting has in the form: what was chosen or typed, else a choice's default. */
function valueOf(specs: SettingSpec[], values: Record<string, string | undefined> | undefined, key: string) {
  const typed = values?.[key]?.trim();
  if (typed) return typed;
  return specs.find((s) => s.key === key)?.choices?.[0]?.value ?? "";
}

/** Whether a setting applies with these values (one that belongs to another mode does not). */
function applies(spec: SettingSpec, specs: SettingSpec[], values: Record<string, string | undefined> | undefined) {
  return !spec.when || valueOf(specs, values, spec.when.key) === spec.when.value;
}

/**
 * 添加账号: vendor, name, base URL and one input per setting the vendor declares: a select for a
 * choice (e.g. zeyi's 直连 / 经中继), and only the settings of the chosen mode. Secret settings
 * are sent in `secrets` (the shell puts them in the keychain) and cleared from the form after
 * every submit, successful or not.
 */
export function AddAccountForm({ vendors, onAdded }: AddAccountFormProps) {
  const { message } = App.useApp();
  const [form] = Form.useForm<FormValues>();
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const vendorId = Form.useWatch("vendor", form) ?? vendors[0]?.id;
  const vendor = vendors.find((v) => v.id === vendorId);
  const specs = vendor?.settings ?? [];
  const values = Form.useWatch("values", form);
  const shown = specs.filter((spec) => applies(spec, specs, values));

  const clearSecrets = () => {
    specs.filter((s) => s.secret).forEach((s) => form.setFieldValue(["values", s.key], undefined));
  };

  const submit = async (values: FormValues) => {
    const settings: Record<string, string> = {};
    const secrets: Record<string, string> = {};
    for (const spec of specs.filter((s) => applies(s, specs, values.values))) {
      const v = (values.values?.[spec.key] ?? "").trim();
      if (v === "") continue;
      (spec.secret ? secrets : settings)[spec.key] = v;
    }
    setSubmitting(true);
    setError(null);
    try {
      const account = await api.addAccount({
        vendor: values.vendor,
        name: values.name.trim(),
        base_url: values.base_url.trim(),
        settings,
        secrets,
      });
      form.resetFields();
      message.success(t("已添加账号「{name}」", { name: account.name }));
      onAdded(account);
    } catch (err) {
      // A refusal about one field is shown on that field; anything else above the form.
      const field = errorField(err);
      const errors = [errorText(err)];
      if (field === "name" || field === "base_url") form.setFields([{ name: field, errors }]);
      else if (field !== null && shown.some((s) => s.key === field)) form.setFields([{ name: ["values", field], errors }]);
      else setError(errorText(err));
    } finally {
      clearSecrets();
      setSubmitting(false);
    }
  };

  if (vendors.length === 0) {
    return <Alert type="info" showIcon title={t("暂时无法读取支持的厂商列表")} />;
  }

  return (
    <Form<FormValues>
      form={form}
      layout="vertical"
      className="add-account-form"
      initialValues={{ vendor: vendors[0].id }}
      onFinish={submit}
      requiredMark="optional"
      autoComplete="off"
    >
      <Form.Item name="vendor" label={t("厂商")} rules={[{ required: true, message: t("请选择厂商") }]}>
        <Select
          options={vendors.map((v) => ({ value: v.id, label: v.name }))}
          onChange={() => setError(null)}
          data-testid="account-vendor"
        />
      </Form.Item>
      <Form.Item
        name="name"
        label={t("账号名称")}
        extra={t("在收件箱里区分账号用，例如「公司云盘」")}
        rules={[{ required: true, whitespace: true, message: t("请填写账号名称") }]}
      >
        <Input placeholder="公司云盘" data-testid="account-name" />
      </Form.Item>
      <Form.Item
        name="base_url"
        label={t("服务地址")}
        extra={t("厂商服务的根地址")}
        rules={[
          { required: true, whitespace: true, message: t("请填写服务地址") },
          { pattern: /^\s*https?:\/\/\S+\s*$/i, message: t("服务地址应以 http:// 或 https:// 开头") },
        ]}
      >
        <Input placeholder="https://" data-testid="account-base-url" />
      </Form.Item>
      {shown.map((spec) => (
        <Form.Item
          key={`${vendorId}-${spec.key}`}
          name={["values", spec.key]}
          label={spec.label}
          extra={spec.help || undefined}
          initialValue={spec.choices?.[0]?.value}
          rules={spec.required ? [{ required: true, whitespace: true, message: t("请填写{label}", { label: spec.label }) }] : []}
        >
          {spec.choices && spec.choices.length > 0 ? (
            <Select
              options={spec.choices.map((c) => ({ value: c.value, label: c.label }))}
              data-testid={`setting-${spec.key}`}
            />
          ) : spec.secret ? (
            <Input.Password autoComplete="new-password" data-testid={`setting-${spec.key}`} />
          ) : (
            <Input data-testid={`setting-${spec.key}`} />
          )}
        </Form.Item>
      ))}
      {error && (
        <Form.Item>
          <Alert type="error" showIcon title={t("添加账号失败")} description={error} data-testid="add-account-error" />
        </Form.Item>
      )}
      <Button type="primary" htmlType="submit" icon={<PlusOutlined />} loading={submitting} data-testid="btn-add-account">
        {t("添加账号")}
      </Button>
    </Form>
  );
}
