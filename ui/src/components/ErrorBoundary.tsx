import { Button, Result, Typography } from "antd";
import { Component, type ErrorInfo, type ReactNode } from "react";
import { t } from "../i18n";

interface State {
  error: Error | null;
}

/** Catches rendering errors so one bad approval cannot blank the whole window. */
export class ErrorBoundary extends Component<{ children: ReactNode }, State> {
  state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  componentDidCatch(error: Error, info: ErrorInfo) {
    console.error("UI error:", error, info.componentStack);
  }

  render() {
    if (!this.state.error) return this.props.children;
    return (
      <Result
        status="error"
        title={t("界面出错了")}
        subTitle={<Typography.Text type="secondary">{this.state.error.message}</Typography.Text>}
        extra={[
          <Button key="retry" type="primary" onClick={() => this.setState({ error: null })}>
            {t("重试")}
          </Button>,
          <Button key="reload" onClick={() => window.location.reload()}>
            {t("重新加载")}
          </Button>,
        ]}
      />
    );
  }
}
