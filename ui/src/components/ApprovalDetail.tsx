import { Alert, Descriptions, Divider, Empty, Flex, Skeleton, Typography } from "antd";
import { formatDateTime } from "../format";
import type { Action, Approval } from "../types";
import { t } from "../i18n";
import { ActionBar, type ActionRequest } from "./ActionBar";
import { AttachmentList } from "./AttachmentList";
import { FieldValue } from "./FieldValue";
import { OpenInVendor } from "./OpenInVendor";
import { StatusTag } from "./StatusTag";
import { StepTimeline } from "./StepTimeline";
import { VendorTag } from "./VendorTag";

interface ApprovalDetailProps {
  approval: Approval | null;
  loading: boolean;
  error: string | null;
  onActed: (updated: Approval, action: Action) => void;
  /** A keyboard shortcut's approve / reject request for the action bar. */
  request?: ActionRequest | null;
}

/** The right pane: everything about one approval, and what the user may do with it. */
export function ApprovalDetail({ approval, loading, error, onActed, request }: ApprovalDetailProps) {
  if (error) {
    return (
      <div className="detail-pane detail-center">
        <Alert type="error" showIcon title={t("无法打开这条审批")} description={error} />
      </div>
    );
  }
  if (!approval) {
    if (loading)
      return (
        <div className="detail-pane">
          <Skeleton active paragraph={{ rows: 10 }} />
        </div>
      );
    return (
      <div className="detail-pane detail-center">
        <Empty description={t("选择左侧列表中的一条审批查看详情")} />
      </div>
    );
  }

  const a = approval;
  return (
    <Flex vertical className="detail-pane" data-testid="approval-detail" data-id={a.id} tabIndex={-1} id="approval-detail">
      <div className="detail-scroll">
        <Flex align="center" gap={8} wrap className="detail-head">
          <VendorTag vendor={a.vendor} />
          <StatusTag status={a.status} word={a.status_word} testId="detail-status" />
          <OpenInVendor approval={a} />
        </Flex>
        {a.unreadable && (
          <Alert
            type="warning"
            showIcon
            className="detail-unreadable"
            data-testid="detail-unreadable"
            title={t("上次同步无法读取这条审批")}
            description={
              <>
                <div>{a.unreadable.reason}</div>
                <Typography.Text type="secondary">
                  {a.fields.length > 0 || a.steps.length > 0 ? t("下面是上次读到的内容；下次同步会再读取。") : t("下次同步会再读取。")}
                </Typography.Text>
              </>
            }
          />
        )}
        <Typography.Title level={4} className="detail-title" data-testid="detail-title">
          {a.title}
        </Typography.Title>

        <Descriptions
          size="small"
          column={2}
          className="detail-meta"
          items={[
            { key: "form", label: t("审批类型"), children: a.form_name || "—" },
            { key: "account", label: t("账号"), children: a.account_name },
            { key: "submitter", label: t("提交人"), children: a.submitter.name || a.submitter.id },
            { key: "submitted", label: t("提交时间"), children: formatDateTime(a.submitted_at) },
            { key: "updated", label: t("最近更新"), children: formatDateTime(a.updated_at) },
            { key: "remote", label: t("厂商单号"), children: <Typography.Text copyable>{a.remote_id}</Typography.Text> },
          ]}
        />

        <Divider titlePlacement="start" plain>
          {t("表单内容")}
        </Divider>
        {a.fields.length === 0 ? (
          <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("没有表单内容")} />
        ) : (
          <Descriptions
            bordered
            size="small"
            column={1}
            className="detail-fields"
            items={a.fields.map((f, i) => ({
              key: `${i}`,
              label: f.label,
              children: <FieldValue field={f} />,
            }))}
          />
        )}

        <Divider titlePlacement="start" plain>
          {t("审批流程")}
        </Divider>
        <StepTimeline steps={a.steps} />

        <Divider titlePlacement="start" plain>
          {t("附件")}
        </Divider>
        <AttachmentList approvalId={a.id} attachments={a.attachments} />
      </div>
      <ActionBar key={a.id} approval={a} onActed={onActed} request={request} />
    </Flex>
  );
}
