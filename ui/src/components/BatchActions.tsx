import { CheckCircleFilled, CheckOutlined, CloseCircleFilled, CloseOutlined, MinusCircleFilled } from "@ant-design/icons";
import { Button, Flex, Input, List, Modal, Progress, Typography, type ButtonProps } from "antd";
import { useState } from "react";
import { api, errorText } from "../api";
import { actionLabel } from "../format";
import { t } from "../i18n";
import type { ApprovalSummary } from "../types";
import { VendorTag } from "./VendorTag";

type BatchAction = "approve" | "reject";

interface ItemResult {
  item: ApprovalSummary;
  outcome: "ok" | "failed" | "skipped";
  detail: string;
}

interface BatchActionsProps {
  /** The checked rows, in list order. */
  items: ApprovalSummary[];
  onClear: () => void;
  onSelectAll: () => void;
  /** Called once the batch has run (the list and counts re-read). */
  onDone: () => void;
}

/**
 * 批量同意 / 批量拒绝 for the checked rows. None of the vendors has a batch call, so each approval
 * is sent on its own, one after another; the batch asks once, then lists every item's result.
 */
export function BatchActions({ items, onClear, onSelectAll, onDone }: BatchActionsProps) {
  const [asking, setAsking] = useState<BatchAction | null>(null);
  const [reason, setReason] = useState("");
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [results, setResults] = useState<ItemResult[] | null>(null);

  const run = async (action: BatchAction, comment: string) => {
    setAsking(null);
    const out: ItemResult[] = [];
    setProgress({ done: 0, total: items.length });
    for (const item of items) {
      if (!item.actions.includes(action)) {
        out.push({ item, outcome: "skipped", detail: t("该审批现在不能{verb}", { verb: actionLabel(action).verb }) });
      } else {
        try {
          await api.act(item.id, action, comment);
          out.push({ item, outcome: "ok", detail: actionLabel(action).done });
        } catch (err) {
          out.push({ item, outcome: "failed", detail: errorText(err) });
        }
      }
      setProgress({ done: out.length, total: items.length });
    }
    setProgress(null);
    setResults(out);
    setReason("");
    onDone();
  };

  const ok = results?.filter((r) => r.outcome === "ok").length ?? 0;
  const failed = (results?.length ?? 0) - ok;

  return (
    <>
      {items.length > 0 && (
    <div className="batch-bar" data-testid="batch-bar">
      <Flex align="center" gap={8} wrap>
        <Typography.Text strong data-testid="batch-count">
          {t("已选 {n} 条", { n: items.length })}
        </Typography.Text>
        <Button size="small" type="link" onClick={onSelectAll}>
          {t("全选")}
        </Button>
        <Button size="small" type="link" onClick={onClear}>
          {t("取消选择")}
        </Button>
        <span className="footer-spacer" />
        <Button size="small" danger icon={<CloseOutlined />} onClick={() => setAsking("reject")} data-testid="btn-batch-reject">
          {t("批量拒绝")}
        </Button>
        <Button size="small" type="primary" icon={<CheckOutlined />} onClick={() => setAsking("approve")} data-testid="btn-batch-approve">
          {t("批量同意")}
        </Button>
      </Flex>
      {progress && (
        <Progress percent={Math.round((progress.done / progress.total) * 100)} size="small" format={() => `${progress.done} / ${progress.total}`} />
      )}
    </div>
      )}

      {/* The one confirmation of a batch; a rejection needs a reason, an approval may carry a comment. */}
      <Modal
        open={asking !== null}
        title={
          asking === "reject"
            ? t("拒绝选中的 {n} 条审批？", { n: items.length })
            : t("同意选中的 {n} 条审批？", { n: items.length })
        }
        okText={asking === "reject" ? t("批量拒绝") : t("批量同意")}
        cancelText={t("取消")}
        okButtonProps={
          { danger: asking === "reject", disabled: asking === "reject" && reason.trim() === "", "data-testid": "btn-batch-confirm" } as ButtonProps
        }
        onOk={() => asking && void run(asking, reason.trim())}
        onCancel={() => setAsking(null)}
        // A stray click beside the dialog must not throw the typed reason away.
        mask={{ closable: false }}
      >
        <Typography.Paragraph type="secondary">{t("将逐条提交给各厂商；每条的结果会单独列出。")}</Typography.Paragraph>
        <Input.TextArea
          autoFocus
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          placeholder={asking === "reject" ? t("拒绝理由（必填，用于每一条）") : t("审批意见（可选，用于每一条）")}
          autoSize={{ minRows: 2, maxRows: 6 }}
          maxLength={1000}
          data-testid="batch-reason"
        />
      </Modal>

      <Modal
        open={results !== null}
        title={t("批量处理结果：成功 {ok} 条，失败 {failed} 条", { ok, failed })}
        onCancel={() => setResults(null)}
        footer={
          <Button type="primary" onClick={() => setResults(null)} data-testid="btn-batch-close">
            {t("关闭")}
          </Button>
        }
        width={640}
      >
        <List
          size="small"
          data-testid="batch-results"
          dataSource={results ?? []}
          renderItem={(r) => (
            <List.Item data-testid="batch-result" data-outcome={r.outcome} data-id={r.item.id}>
              <Flex gap={8} align="flex-start" style={{ width: "100%" }}>
                {r.outcome === "ok" ? (
                  <CheckCircleFilled className="result-ok" aria-label={t("成功")} />
                ) : r.outcome === "failed" ? (
                  <CloseCircleFilled className="result-failed" aria-label={t("失败")} />
                ) : (
                  <MinusCircleFilled className="result-skipped" aria-label={t("跳过")} />
                )}
                <VendorTag vendor={r.item.vendor} />
                <Flex vertical style={{ minWidth: 0 }}>
                  <Typography.Text strong ellipsis>
                    {r.item.title}
                  </Typography.Text>
                  <Typography.Text type={r.outcome === "failed" ? "danger" : "secondary"}>{r.detail}</Typography.Text>
                </Flex>
              </Flex>
            </List.Item>
          )}
        />
      </Modal>
    </>
  );
}
