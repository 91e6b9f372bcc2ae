import { CheckCircleFilled, ClockCircleOutlined, CloseCircleFilled, QuestionCircleOutlined } from "@ant-design/icons";
import { Empty, Flex, Tag, Timeline, Typography } from "antd";
import { decisionLabel, formatDateTime, ruleText } from "../format";
import { t } from "../i18n";
import type { Decision, Step } from "../types";

const STEP_COLOR: Record<Decision, string> = { waiting: "gray", approved: "green", rejected: "red", other: "gray" };
const STEP_ICON: Record<Decision, React.ReactNode> = {
  waiting: <ClockCircleOutlined />,
  approved: <CheckCircleFilled />,
  rejected: <CloseCircleFilled />,
  other: <QuestionCircleOutlined />,
};

/** The approval's steps in order, with each member's decision, comment and time. */
export function StepTimeline({ steps }: { steps: Step[] }) {
  if (steps.length === 0) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("没有审批流程信息")} />;
  return (
    <Timeline
      className="step-timeline"
      data-testid="step-timeline"
      items={steps.map((step, i) => ({
        key: i,
        color: STEP_COLOR[step.decision],
        icon: STEP_ICON[step.decision],
        content: (
          <Flex vertical gap={4} className="step-members">
            <Flex gap={8} align="center" wrap className="step-head" data-testid="step">
              <Typography.Text strong>{step.name || t("第 {n} 步", { n: i + 1 })}</Typography.Text>
              <Tag className="step-rule">{ruleText(step.rule, step.members)}</Tag>
              <Tag color={decisionLabel(step.decision).color}>{decisionLabel(step.decision).text}</Tag>
            </Flex>
            {step.members.map((m, j) => (
              <div key={`${m.user.id}-${j}`} className="step-member" data-testid="step-member">
                <Flex gap={8} align="center" wrap>
                  <Typography.Text>{m.user.name || m.user.id}</Typography.Text>
                  <Tag color={decisionLabel(m.decision, m.word).color} variant="filled">
                    {decisionLabel(m.decision, m.word).text}
                  </Tag>
                  {m.decided_at !== null && (
                    <Typography.Text type="secondary" className="step-time">
                      {formatDateTime(m.decided_at)}
                    </Typography.Text>
                  )}
                </Flex>
                {m.comment && (
                  <Typography.Paragraph className="step-comment" type="secondary">
                    「{m.comment}」
                  </Typography.Paragraph>
                )}
              </div>
            ))}
          </Flex>
        ),
      }))}
    />
  );
}
