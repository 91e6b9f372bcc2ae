import { SearchOutlined, SendOutlined } from "@ant-design/icons";
import { Alert, Button, Descriptions, Divider, Drawer, Flex, Form, Input, Select, Space, Typography } from "antd";
import { shortVendorName } from "../format";
import { useNewApproval, type NewApprovalProps } from "../hooks/useNewApproval";
import { t } from "../i18n";
import type { FormValues } from "../submission";
import { FileAttachments } from "./FileAttachments";
import { StepTimeline } from "./StepTimeline";
import { TemplateFields } from "./TemplateFields";

/**
 * 发起审批: pick an account that can submit and a template, then fill the form the template
 * describes (fields, the steps and approvers, files). What is typed is saved as a draft as the
 * user goes; sending keeps the draft until the vendor confirms, and a refusal is shown next to the
 * field it concerns. The state is in useNewApproval; the window remounts this for each opening.
 */
export function NewApprovalDrawer(props: NewApprovalProps) {
  const s = useNewApproval(props);
  const { template, sending, attachments } = s;

  return (
    <Drawer
      title={t("发起审批")}
      open={props.open}
      onClose={s.close}
      size={640}
      className="new-approval-drawer"
      data-testid="new-approval"
      mask={{ closable: !sending }}
      footer={
        <Flex justify="space-between" align="center">
          <Typography.Text type="secondary">{template ? t("已自动保存为草稿") : ""}</Typography.Text>
          <Space>
            <Button onClick={s.close}>{t("关闭")}</Button>
            <Button type="primary" icon={<SendOutlined />} loading={sending} disabled={!template} onClick={s.send} data-testid="btn-send">
              {t("发送")}
            </Button>
          </Space>
        </Flex>
      }
    >
      {s.submitters.length === 0 ? (
        <Alert type="info" showIcon title={t("没有可以发起审批的账号")} description={t("{vendors}的账号可以发起审批；在设置中添加一个。", {
            vendors: props.vendors
              .filter((v) => v.capabilities.submit)
              .map((v) => shortVendorName(v.name, v.id))
              .join(t("、")),
          })} />
      ) : (
        <Form layout="vertical" requiredMark disabled={sending} component="div">
          <Form.Item label={t("账号")}>
            <Select
              value={s.accountId ?? undefined}
              onChange={s.changeAccount}
              options={s.submitters.map((a) => ({ value: a.id, label: a.name }))}
              data-testid="new-account"
            />
          </Form.Item>
          <Flex gap={8} align="end">
            <Form.Item label={s.templateLabel ? t(s.templateLabel) : t("模板 ID")} style={{ flex: 1 }}>
              <Input value={s.templateId} onChange={(e) => s.setTemplateId(e.target.value)} onPressEnter={s.find} data-testid="template-id" />
            </Form.Item>
            {s.targeted && (
              <Form.Item label={t("文件或文件夹 ID")} tooltip={t("审批针对的云盘文件；留空则用模板所在的位置")} style={{ flex: 1 }}>
                <Input value={s.target} onChange={(e) => s.setTarget(e.target.value)} onPressEnter={s.find} data-testid="template-target" />
              </Form.Item>
            )}
            <Form.Item>
              <Button icon={<SearchOutlined />} loading={s.finding} disabled={s.accountId === null} onClick={s.find} data-testid="btn-find-templates">
                {t("查找模板")}
              </Button>
            </Form.Item>
          </Flex>
          {s.findError && <Alert type="warning" showIcon title={s.findError} data-testid="find-error" style={{ marginBottom: 16 }} />}
          {s.templates && s.templates.length > 1 && (
            <Form.Item label={t("模板")}>
              <Select
                value={template?.id}
                onChange={(id: string) => s.choose(s.templates?.find((x) => x.id === id) ?? null)}
                options={s.templates.map((x) => ({ value: x.id, label: `${x.name} (#${x.id})` }))}
                data-testid="template-select"
              />
            </Form.Item>
          )}
        </Form>
      )}

      {template && (
        <>
          <Divider />
          <Descriptions
            size="small"
            column={1}
            data-testid="template-info"
            items={[
              { key: "name", label: t("模板"), children: <span data-testid="template-name">{template.name}</span> },
              ...(s.effectiveTarget ? [{ key: "target", label: t("针对"), children: `#${s.effectiveTarget}` }] : []),
              ...(template.description ? [{ key: "desc", label: t("说明"), children: template.description }] : []),
            ]}
          />
          {s.sendError && <Alert type="error" showIcon title={t("发送没有成功")} description={s.sendError} data-testid="send-error" style={{ margin: "12px 0" }} />}
        </>
      )}
      {/* Always mounted, so a reopened draft's values can be set before its inputs render. */}
      <Form<FormValues> form={s.form} layout="vertical" disabled={sending} onValuesChange={s.saveSoon} data-testid="template-form" style={{ marginTop: 12 }}>
        {template && <TemplateFields template={template} />}
        {template && template.attachments !== "none" && (
          <Form.Item label={t("附件")} required={template.attachments === "required"}>
            <FileAttachments
              rule={template.attachments}
              files={attachments.files}
              uploads={attachments.uploads}
              busy={sending}
              error={attachments.error}
              onPick={attachments.pick}
              onRemove={attachments.remove}
            />
          </Form.Item>
        )}
      </Form>
      {template && (
        <>
          <Typography.Title level={5}>{t("审批流程")}</Typography.Title>
          <StepTimeline steps={template.steps} />
        </>
      )}
    </Drawer>
  );
}
