import { FileOutlined, FolderFilled } from "@ant-design/icons";
import { Empty, Flex, Typography } from "antd";
import { formatSize } from "../format";
import type { Attachment } from "../types";

/** The approval's attachments: folders with a folder icon, files with their size. */
export function AttachmentList({ attachments }: { attachments: Attachment[] }) {
  if (attachments.length === 0) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description="没有附件" />;
  return (
    <Flex vertical gap={6} className="attachments">
      {attachments.map((a) => (
        <Flex key={a.remote_id} gap={8} align="center" className="attachment" data-testid="attachment">
          {a.is_folder ? (
            <FolderFilled className="attachment-folder" aria-label="文件夹" />
          ) : (
            <FileOutlined aria-label="文件" />
          )}
          <Typography.Text ellipsis className="attachment-name">
            {a.name}
          </Typography.Text>
          <Typography.Text type="secondary" className="attachment-size">
            {a.size !== null ? formatSize(a.size) : a.is_folder ? "文件夹" : "—"}
          </Typography.Text>
        </Flex>
      ))}
    </Flex>
  );
}
