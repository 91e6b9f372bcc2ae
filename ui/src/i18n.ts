// The window's two languages. Chinese is the source text and the default: `t("待我审批")` returns
// it as written in Chinese, or its English entry below. `{name}` placeholders are filled from
// `params`. The choice is kept in localStorage; `Root` re-renders the whole tree when it changes.

export type Lang = "zh" | "en";

const STORAGE_KEY = "approval-inbox.lang";

let current: Lang = readStoredLang();

function readStoredLang(): Lang {
  try {
    return globalThis.localStorage?.getItem(STORAGE_KEY) === "en" ? "en" : "zh";
  } catch {
    return "zh";
  }
}

export function getLang(): Lang {
  return current;
}

/** Switches the language of every later `t` call (the caller re-renders) and remembers it. */
export function setLang(lang: Lang) {
  current = lang;
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, lang);
  } catch {
    // A private or full storage only costs remembering the choice.
  }
  if (typeof document !== "undefined") document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
}

/** The text in the current language; unknown keys fall back to the Chinese source. */
export function t(zh: string, params?: Record<string, string | number>): string {
  const text = current === "en" ? (EN[zh] ?? zh) : zh;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m));
}

const EN: Record<string, string> = {
  // boxes, statuses, actions
  待我审批: "To approve",
  我提交的: "Submitted by me",
  我处理过的: "Processed by me",
  抄送我的: "CC'd to me",
  审批中: "Pending",
  已通过: "Approved",
  已拒绝: "Rejected",
  已撤回: "Cancelled",
  发送中: "Sending",
  在厂商中打开: "Open in vendor",
  处理失败: "Failed",
  待处理: "Waiting",
  已同意: "Approved",
  同意: "Approve",
  拒绝: "Reject",
  撤回: "Cancel",
  已同意该审批: "Approved",
  已拒绝该审批: "Rejected",
  已撤回该审批: "Cancelled",
  // times and sizes
  刚刚: "just now",
  "{n} 分钟前": "{n} min ago",
  "{n} 小时前": "{n} h ago",
  "昨天 {hm}": "yesterday {hm}",
  所有人同意: "Everyone approves",
  任一人同意: "Anyone approves",
  "超过 {n} 人同意": "More than {n} approve",
  "指定人审批（{who}）": "Designated approver ({who})",
  指定人审批: "Designated approver",
  "同步中…": "Syncing…",
  "上次同步 {when}": "Last synced {when}",
  尚未同步: "Not synced yet",
  // the window
  "演示模式 — 数据来自本地模拟器": "Demo mode — data from local simulators",
  "正在同步 {n} 个账号…": "Syncing {n} accounts…",
  审批收件箱: "Approval Inbox",
  同步: "Sync",
  立即同步: "Sync now",
  尚未添加账号: "No accounts yet",
  设置: "Settings",
  语言: "Language",
  // list
  还没有账号: "No accounts yet",
  "在设置中添加一个厂商账号后，审批会出现在这里。": "Add a vendor account in Settings and its approvals appear here.",
  打开设置添加账号: "Open Settings to add an account",
  没有符合条件的审批: "No approval matches",
  "「{box}」里没有审批": "Nothing in “{box}”",
  "加载更多（已显示 {shown} / {total}）": "Load more ({shown} of {total} shown)",
  "共 {n} 条": "{n} in all",
  "正在同步…": "Syncing…",
  "搜索标题、表单、提交人、意见": "Search title, form, submitter, comments",
  搜索审批: "Search approvals",
  全部厂商: "All vendors",
  按厂商筛选: "Filter by vendor",
  全部账号: "All accounts",
  按账号筛选: "Filter by account",
  全部状态: "Any status",
  按状态筛选: "Filter by status",
  全部表单: "All forms",
  按表单筛选: "Filter by form",
  全部提交人: "All submitters",
  按提交人筛选: "Filter by submitter",
  开始日期: "From",
  结束日期: "To",
  最新优先: "Newest first",
  最久优先: "Oldest first",
  排序: "Sort",
  清除筛选: "Clear filters",
  "已选 {n} 条": "{n} selected",
  全选: "Select all",
  取消选择: "Clear selection",
  "批量同意": "Approve all",
  "批量拒绝": "Reject all",
  "同意选中的 {n} 条审批？": "Approve the {n} selected approvals?",
  "拒绝选中的 {n} 条审批？": "Reject the {n} selected approvals?",
  "将逐条提交给各厂商；每条的结果会单独列出。": "Each is sent to its vendor one by one; every result is listed.",
  "拒绝理由（必填，用于每一条）": "Reason (required, used for each)",
  "审批意见（可选，用于每一条）": "Comment (optional, used for each)",
  "批量处理结果：成功 {ok} 条，失败 {failed} 条": "Batch result: {ok} succeeded, {failed} failed",
  "正在处理 {done} / {total}…": "Working {done} / {total}…",
  "该审批现在不能{verb}": "This approval cannot be {verb}d now",
  成功: "Done",
  失败: "Failed",
  跳过: "Skipped",
  确定: "OK",
  关闭: "Close",
  // detail
  无法打开这条审批: "This approval cannot be opened",
  选择左侧列表中的一条审批查看详情: "Select an approval in the list to see it here",
  审批类型: "Form",
  账号: "Account",
  提交人: "Submitter",
  提交时间: "Submitted",
  最近更新: "Updated",
  厂商单号: "Vendor ID",
  表单内容: "Form",
  没有表单内容: "No form fields",
  审批流程: "Steps",
  没有审批流程信息: "No step information",
  "第 {n} 步": "Step {n}",
  附件: "Attachments",
  没有附件: "No attachments",
  文件夹: "Folder",
  文件: "File",
  预览: "Preview",
  用系统程序打开: "Open with the system viewer",
  "正在打开…": "Opening…",
  在厂商系统中打开: "Open in vendor",
  // actions
  "请填写拒绝理由（必填）": "Give a reason for the rejection (required)",
  "拒绝理由（Ctrl+Enter 确认，Esc 取消）": "Reason (Ctrl+Enter to confirm, Esc to cancel)",
  "审批意见（可选）": "Comment (optional)",
  拒绝理由: "Reason",
  审批意见: "Comment",
  操作没有成功: "The action did not succeed",
  取消: "Cancel",
  确认拒绝: "Confirm rejection",
  // shortcuts
  键盘快捷键: "Keyboard shortcuts",
  "下一条 / 上一条": "Next / previous",
  打开: "Open",
  "拒绝（填写理由）": "Reject (with a reason)",
  "选中 / 取消选中": "Select / unselect",
  搜索: "Search",
  显示快捷键: "Show shortcuts",
  "关闭弹窗 / 离开输入框": "Close a dialog / leave a text box",
  // settings and accounts
  "还没有账号，在下面添加一个": "No accounts yet — add one below",
  添加账号: "Add account",
  关于: "About",
  版本: "Version",
  模式: "Mode",
  正常: "Normal",
  数据目录: "Data folder",
  开机启动: "Start at login",
  外观: "Appearance",
  跟随系统: "Follows the system",
  "已删除账号「{name}」": "Removed account “{name}”",
  演示: "Demo",
  "同步失败：{reason}": "Sync failed: {reason}",
  测试连接: "Test connection",
  "删除账号「{name}」？": "Remove account “{name}”?",
  "删除后不再同步这个账号的审批。": "Its approvals will no longer be synced.",
  删除: "Remove",
  "已添加账号「{name}」": "Added account “{name}”",
  暂时无法读取支持的厂商列表: "The list of supported vendors cannot be read right now",
  厂商: "Vendor",
  请选择厂商: "Choose a vendor",
  账号名称: "Account name",
  "在收件箱里区分账号用，例如「公司云盘」": "Tells accounts apart in the inbox, e.g. “Company drive”",
  服务地址: "Service URL",
  厂商服务的根地址: "The root address of the vendor's service",
  请填写账号名称: "Enter an account name",
  请填写服务地址: "Enter the service URL",
  "服务地址应以 http:// 或 https:// 开头": "The service URL starts with http:// or https://",
  "请填写{label}": "Enter {label}",
  添加账号失败: "The account could not be added",
  // new approvals and drafts
  发起审批: "New approval",
  草稿: "Drafts",
  没有草稿: "No drafts",
  "没有可以发起审批的账号": "No account can start approvals",
  "云盘审批和则一的账号可以发起审批；在设置中添加一个。": "yomicloud and zeyi accounts can start approvals; add one in Settings.",
  "模板 ID": "Template ID",
  "审批类型（auditType）": "Approval type (auditType)",
  "文件或文件夹 ID": "File or folder ID",
  "审批针对的云盘文件；留空则用模板所在的位置": "The drive file the approval is about; empty: where the template is",
  查找模板: "Find templates",
  没有找到可用的审批模板: "No template found",
  模板: "Template",
  "模板 {id}": "Template {id}",
  针对: "About",
  说明: "Description",
  表单项: "Form items",
  添加表单项: "Add a form item",
  条件参数: "Conditions",
  添加条件参数: "Add a condition",
  厂商按这些参数选择审批流程: "The vendor chooses the flow by these",
  名称: "Name",
  值: "Value",
  请填写名称: "Enter a name",
  请填写值: "Enter a value",
  文本: "Text",
  文件网址: "File URL",
  请选择: "Choose",
  "{label}应是文件的网址": "{label} must be the file's URL",
  选择文件: "Choose files",
  选择文件夹: "Choose a folder",
  必须上传文件: "Files required",
  也可以把文件拖到窗口里: "Or drop files on the window",
  "共 {count} 个文件，{size}": "{count} files, {size} in all",
  "{n} 个文件，{size}": "{n} files, {size}",
  "{n} 个附件": "{n} attachments",
  移除: "Remove",
  此审批需要上传文件: "This approval needs files",
  "请填写文件或文件夹 ID": "Enter the file or folder ID",
  发送: "Send",
  重新发送: "Send again",
  发送失败: "Send failed",
  发送没有成功: "Sending did not succeed",
  已自动保存为草稿: "Saved as a draft as you type",
  "已发起审批「{title}」": "Started “{title}”",
  "删除这份草稿？": "Delete this draft?",
  "另存为…": "Save as…",
  "已保存到 {path}": "Saved to {path}",
  界面出错了: "Something went wrong in the window",
  重试: "Retry",
  重新加载: "Reload",
};
