import { SearchOutlined, SendOutlined } from "@ant-design/icons";
import { Alert, App, Button, Descriptions, Divider, Drawer, Flex, Form, Input, Select, Space, Typography } from "antd";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { api, errorText, onFilesDropped, pickPaths, subscribeUploadProgress } from "../api";
import { shortVendorName } from "../format";
import { t } from "../i18n";
import { draftOf, toFormValues, toSubmission, type FormValues } from "../submission";
import type { Account, Approval, Draft, PathSummary, Template, UploadProgress, VendorInfo } from "../types";
import { FileAttachments } from "./FileAttachments";
import { StepTimeline } from "./StepTimeline";
import { TemplateFields, fieldName } from "./TemplateFields";

/** How long typing pauses before the draft is saved. */
const SAVE_DELAY_MS = 600;

interface NewApprovalDrawerProps {
  open: boolean;
  onClose: () => void;
  accounts: Account[];
  vendors: VendorInfo[];
  /** A saved draft to reopen; null for a new approval. */
  draft: Draft | null;
  /** The vendor confirmed it: the approval as now in the submitted box. */
  onSent: (approval: Approval) => void;
  /** A draft was saved, sent or failed: the drafts list should be read again. */
  onDraftsChanged: () => void;
}

/**
 * 发起审批: pick an account that can submit and a template, then fill the form the template
 * describes (fields, the steps and approvers, files). What is typed is saved as a draft as the
 * user goes; sending keeps the draft until the vendor confirms, and a refusal is shown next to the
 * field it concerns.
 */
export function NewApprovalDrawer(props: NewApprovalDrawerProps) {
  const { message } = App.useApp();
  const [form] = Form.useForm<FormValues>();
  const submitters = useMemo(
    () => props.accounts.filter((a) => props.vendors.find((v) => v.id === a.vendor)?.capabilities.submit),
    [props.accounts, props.vendors],
  );

  const [accountId, setAccountId] = useState<number | null>(null);
  const [templateId, setTemplateId] = useState("");
  const [target, setTarget] = useState("");
  const [templates, setTemplates] = useState<Template[] | null>(null);
  const [template, setTemplate] = useState<Template | null>(null);
  const [finding, setFinding] = useState(false);
  const [findError, setFindError] = useState<string | null>(null);
  const [files, setFiles] = useState<PathSummary[]>([]);
  const [uploads, setUploads] = useState<UploadProgress[]>([]);
  const [sending, setSending] = useState(false);
  const [sendError, setSendError] = useState<string | null>(null);
  const [filesError, setFilesError] = useState<string | null>(null);

  const pendingError = useRef<{ error: string; field: string | null } | null>(null);
  const draftId = useRef(0);
  const saving = useRef<Promise<unknown>>(Promise.resolve());
  const saveTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const account = submitters.find((a) => a.id === accountId) ?? null;
  const capabilities = props.vendors.find((v) => v.id === account?.vendor)?.capabilities;
  // Whether a submission is about a file or folder the user names (yomicloud: its file id).
  const targeted = capabilities?.submit_target ?? false;
  const effectiveTarget = (targeted ? target.trim() : "") || template?.target || null;

  const reset = useCallback(() => {
    form.resetFields();
    draftId.current = 0;
    setTemplates(null);
    setTemplate(null);
    setTemplateId("");
    setTarget("");
    setFindError(null);
    setFiles([]);
    setUploads([]);
    setSendError(null);
    setFilesError(null);
  }, [form]);

  // Opening: a new form (first account that can submit), or the draft to reopen.
  useEffect(() => {
    if (!props.open) return;
    reset();
    const d = props.draft;
    if (!d) {
      setAccountId(submitters[0]?.id ?? null);
      return;
    }
    draftId.current = d.id;
    setAccountId(d.account_id);
    setTemplateId(d.submission.template_id);
    setTarget(d.submission.target ?? "");
    setUploads(d.uploads);
    void find(d.account_id, d.submission.template_id, d.submission.target ?? "", d);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [props.open, props.draft]);

  const describe = async (paths: string[]) => {
    if (paths.length === 0) return;
    try {
      const found = await api.describeFiles(paths);
      setFiles((prev) => [...prev.filter((f) => !paths.includes(f.path)), ...found]);
      setFilesError(null);
    } catch (err) {
      setFilesError(errorText(err));
    }
  };

  /** Looks templates up (`list_templates`); reopening a draft fills the form from it. */
  const find = async (account: number, id: string, on: string, reopen?: Draft) => {
    setFinding(true);
    setFindError(null);
    try {
      const query = { ...(id.trim() ? { template_id: id.trim() } : {}), ...(on.trim() ? { target: on.trim() } : {}) };
      const found = await api.listTemplates(account, query);
      setTemplates(found);
      const chosen = reopen ? (found.find((x) => x.id === reopen.submission.template_id) ?? null) : found.length === 1 ? found[0] : null;
      choose(chosen);
      if (reopen && chosen) {
        form.setFieldsValue(toFormValues(chosen, reopen.submission));
        await describe(reopen.submission.attachments ?? []);
        // Shown once the template's inputs exist (an error needs its field mounted).
        if (reopen.state === "failed" && reopen.error) pendingError.current = { error: reopen.error, field: reopen.error_field };
      }
      if (found.length === 0) setFindError(t("没有找到可用的审批模板"));
    } catch (err) {
      setTemplates(null);
      choose(null);
      setFindError(errorText(err));
    } finally {
      setFinding(false);
    }
  };

  const choose = (next: Template | null) => {
    setTemplate(next);
    setSendError(null);
  };

  useEffect(() => {
    const pending = pendingError.current;
    if (template && pending) {
      pendingError.current = null;
      showError(pending.error, pending.field, template);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [template]);

  /** The vendor's reason, next to its field when it names one of the form, else at the top. */
  const showError = (error: string, field: string | null, tpl: Template | null) => {
    if (field === "attachments") {
      setFilesError(error);
    } else if (field && tpl?.fields.some((f) => f.key === field)) {
      form.setFields([{ name: fieldName(field), errors: [error] }]);
      form.scrollToField(fieldName(field));
    } else {
      setSendError(error);
    }
  };

  const submission = () => (template ? toSubmission(template, form.getFieldsValue(true), effectiveTarget, files.map((f) => f.path)) : null);

  /** Saves the draft now (one save at a time, so a new draft is created once). */
  const saveNow = useCallback((): Promise<number> => {
    if (saveTimer.current) clearTimeout(saveTimer.current);
    saveTimer.current = null;
    const s = submission();
    if (!s || accountId === null) return Promise.resolve(draftId.current);
    const run = saving.current.then(async () => {
      draftId.current = await api.saveDraft(draftOf(draftId.current, accountId, s));
      props.onDraftsChanged();
      return draftId.current;
    });
    saving.current = run.catch(() => undefined);
    return run;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [template, accountId, effectiveTarget, files, form]);

  const saveSoon = () => {
    if (saveTimer.current) clearTimeout(saveTimer.current);
    saveTimer.current = setTimeout(() => saveNow().catch((err) => console.error("save_draft failed:", err)), SAVE_DELAY_MS);
  };

  // Nothing is saved after the form is gone (closing saved what was pending).
  useEffect(
    () => () => {
      if (saveTimer.current) clearTimeout(saveTimer.current);
    },
    [],
  );

  // A changed file list or template is saved like typing.
  useEffect(() => {
    if (props.open && template && !sending) saveSoon();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [files, template, effectiveTarget]);

  // Files dropped on the window while the form is open are attached.
  const acceptsFiles = props.open && template !== null && template.attachments !== "none" && !sending;
  const latestDescribe = useRef(describe);
  latestDescribe.current = describe;
  useEffect(() => (acceptsFiles ? onFilesDropped((paths) => void latestDescribe.current(paths)) : undefined), [acceptsFiles]);

  // Per-file progress of this draft while it is sent.
  useEffect(
    () =>
      subscribeUploadProgress(({ draft_id, progress }) => {
        if (draft_id !== draftId.current) return;
        setUploads((prev) => {
          const next = prev.filter((u) => u.path !== progress.path);
          next.push(progress);
          return next;
        });
      }),
    [],
  );

  const close = () => {
    // Closing keeps what was typed: the pending save goes out now.
    if (saveTimer.current) saveNow().catch((err) => console.error("save_draft failed:", err));
    props.onClose();
  };

  const send = async () => {
    if (!template || accountId === null) return;
    setSendError(null);
    setFilesError(null);
    try {
      await form.validateFields();
    } catch {
      return; // antd shows each field's problem
    }
    if (template.attachments === "required" && files.length === 0) {
      setFilesError(t("此审批需要上传文件"));
      return;
    }
    if (targeted && !effectiveTarget) {
      setSendError(t("请填写文件或文件夹 ID"));
      return;
    }
    setSending(true);
    setUploads([]);
    try {
      const id = await saveNow();
      const approval = await api.submitDraft(id);
      props.onDraftsChanged();
      message.success(t("已发起审批「{title}」", { title: approval.title }));
      draftId.current = 0;
      props.onSent(approval);
    } catch (err) {
      props.onDraftsChanged();
      const kept = (await api.listDrafts().catch(() => [] as Draft[])).find((d) => d.id === draftId.current);
      showError(kept?.error ?? errorText(err), kept?.error_field ?? null, template);
      if (kept) setUploads(kept.uploads);
    } finally {
      setSending(false);
    }
  };

  return (
    <Drawer
      title={t("发起审批")}
      open={props.open}
      onClose={close}
      size={640}
      className="new-approval-drawer"
      data-testid="new-approval"
      mask={{ closable: !sending }}
      footer={
        <Flex justify="space-between" align="center">
          <Typography.Text type="secondary">{template ? t("已自动保存为草稿") : ""}</Typography.Text>
          <Space>
            <Button onClick={close}>{t("关闭")}</Button>
            <Button type="primary" icon={<SendOutlined />} loading={sending} disabled={!template} onClick={send} data-testid="btn-send">
              {t("发送")}
            </Button>
          </Space>
        </Flex>
      }
    >
      {submitters.length === 0 ? (
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
              value={accountId ?? undefined}
              onChange={(id: number) => {
                setAccountId(id);
                setTemplates(null);
                choose(null);
                draftId.current = 0;
              }}
              options={submitters.map((a) => ({ value: a.id, label: a.name }))}
              data-testid="new-account"
            />
          </Form.Item>
          <Flex gap={8} align="end">
            <Form.Item label={capabilities?.template_label ? t(capabilities.template_label) : t("模板 ID")} style={{ flex: 1 }}>
              <Input value={templateId} onChange={(e) => setTemplateId(e.target.value)} onPressEnter={() => accountId !== null && find(accountId, templateId, target)} data-testid="template-id" />
            </Form.Item>
            {targeted && (
              <Form.Item label={t("文件或文件夹 ID")} tooltip={t("审批针对的云盘文件；留空则用模板所在的位置")} style={{ flex: 1 }}>
                <Input value={target} onChange={(e) => setTarget(e.target.value)} onPressEnter={() => accountId !== null && find(accountId, templateId, target)} data-testid="template-target" />
              </Form.Item>
            )}
            <Form.Item>
              <Button icon={<SearchOutlined />} loading={finding} disabled={accountId === null} onClick={() => accountId !== null && find(accountId, templateId, target)} data-testid="btn-find-templates">
                {t("查找模板")}
              </Button>
            </Form.Item>
          </Flex>
          {findError && <Alert type="warning" showIcon title={findError} data-testid="find-error" style={{ marginBottom: 16 }} />}
          {templates && templates.length > 1 && (
            <Form.Item label={t("模板")}>
              <Select
                value={template?.id}
                onChange={(id: string) => choose(templates.find((x) => x.id === id) ?? null)}
                options={templates.map((x) => ({ value: x.id, label: `${x.name} (#${x.id})` }))}
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
              ...(effectiveTarget ? [{ key: "target", label: t("针对"), children: `#${effectiveTarget}` }] : []),
              ...(template.description ? [{ key: "desc", label: t("说明"), children: template.description }] : []),
            ]}
          />
          {sendError && <Alert type="error" showIcon title={t("发送没有成功")} description={sendError} data-testid="send-error" style={{ margin: "12px 0" }} />}
        </>
      )}
      {/* Always mounted, so a reopened draft's values can be set before its inputs render. */}
      <Form<FormValues> form={form} layout="vertical" disabled={sending} onValuesChange={saveSoon} data-testid="template-form" style={{ marginTop: 12 }}>
        {template && <TemplateFields template={template} />}
        {template && template.attachments !== "none" && (
          <Form.Item label={t("附件")} required={template.attachments === "required"}>
            <FileAttachments
              rule={template.attachments}
              files={files}
              uploads={uploads}
              busy={sending}
              error={filesError}
              onPick={(folders) => {
                pickPaths(folders).then(describe, (err) => setFilesError(errorText(err)));
              }}
              onRemove={(path) => setFiles((prev) => prev.filter((f) => f.path !== path))}
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
