//! The drive side of approvals: the file tree, uploaded attachments (single files and
//! multi-file folders with relative paths), who may read them, the zip of an attachment, and
//! what an approved upload / modification does to the drive.

use std::io::{Cursor, Write};

use super::error::{ApiError, NO_FILE};
use super::state::{Attachment, FileNode, State, APPROVED, FAILED};

/// Task type 上传文件.
const TASK_UPLOAD: i64 = 2;
/// Task type 修改文件.
const TASK_MODIFY: i64 = 4;

impl State {
    /// Adds a file or folder under `parent` (0 = top level) and answers its id.
    pub fn add_file(
        &mut self,
        parent: i64,
        name: &str,
        data: Option<Vec<u8>>,
        creator: i64,
        attachment_root: i64,
    ) -> i64 {
        let id = self.next_file_id;
        self.next_file_id += 1;
        let is_folder = data.is_none();
        let data = data.unwrap_or_default();
        // A new attachment is its own root.
        let attachment_root = if attachment_root < 0 { id } else { attachment_root };
        let node = FileNode {
            id,
            parent_id: parent,
            name: name.to_string(),
            is_folder,
            size: data.len() as i64,
            creator_id: creator,
            data,
            lock_status: 0,
            lock_user: 0,
            attachment_root,
        };
        self.files.insert(id, node);
        if parent != 0 {
            self.children.entry(parent).or_default().push(id);
        }
        id
    }

    /// The child of `parent` called `name`.
    pub fn child_named(&self, parent: i64, name: &str) -> Option<i64> {
        self.children_of(parent).iter().copied().find(|id| self.files.get(id).is_some_and(|f| f.name == name))
    }

    /// The folder reached from `root` by `parts`, creating missing folders when `create`.
    fn folder_at(&mut self, root: i64, parts: &[&str], create: bool, owner: i64) -> Option<i64> {
        let mut cur = root;
        for part in parts {
            cur = match self.child_named(cur, part) {
                Some(id) if self.files[&id].is_folder => id,
                Some(_) => return None,
                None if create => {
                    let att = self.files[&root].attachment_root;
                    self.add_file(cur, part, None, owner, att)
                }
                None => return None,
            };
        }
        Some(cur)
    }

    /// Number of files and their total bytes below a folder.
    pub fn tree_totals(&self, root: i64) -> (i64, i64) {
        let mut totals = (0, 0);
        for id in self.children_of(root) {
            let f = &self.files[id];
            if f.is_folder {
                let (n, b) = self.tree_totals(f.id);
                totals = (totals.0 + n, totals.1 + b);
            } else {
                totals = (totals.0 + 1, totals.1 + f.size);
            }
        }
        totals
    }

    /// Stores a single-file attachment (`atype` 0); its id is the `attachmentId`.
    pub fn upload_single(&mut self, owner: i64, name: &str, data: Vec<u8>) -> i64 {
        let id = self.add_file(0, name, Some(data), owner, -1);
        self.attachments.insert(id, Attachment { id, atype: 0, owner, uuid: String::new(), approval_id: 0 });
        id
    }

    /// `create-multifiles-attachment`: a root folder named by a fresh handle, with `folders`
    /// (relative paths with `/`) created below it. Answers `(rootid, uuid)`.
    pub fn create_multi(&mut self, owner: i64, folders: &[String]) -> Result<(i64, String), ApiError> {
        let split: Vec<Vec<&str>> = folders.iter().map(|p| split_path(p, '/')).collect::<Result<_, _>>()?;
        let uuid = self.new_handle();
        let root = self.add_file(0, &uuid, None, owner, -1);
        for parts in &split {
            self.folder_at(root, parts, true, owner);
        }
        self.attachments.insert(root, Attachment { id: root, atype: 1, owner, uuid: uuid.clone(), approval_id: 0 });
        Ok((root, uuid))
    }

    /// One file of a multi-file attachment, into folder `rpath` (`a|b`) declared beforehand.
    /// A second upload of the same name replaces the first (a retried upload).
    pub fn upload_multi(&mut self, up: MultiUpload<'_>, data: Vec<u8>) -> Result<i64, ApiError> {
        let att = self.attachments.get(&up.rootid).filter(|a| a.atype == 1 && a.uuid == up.uuid);
        let att = att.ok_or_else(|| ApiError::param("uuid"))?;
        if att.owner != up.owner {
            return Err(ApiError::Forbidden);
        }
        if att.approval_id != 0 {
            return Err(ApiError::WrongState);
        }
        let parts = match up.rpath {
            Some(p) if !p.is_empty() => split_path(p, '|')?,
            _ => Vec::new(),
        };
        let folder = self.folder_at(up.rootid, &parts, false, up.owner).ok_or_else(|| ApiError::param("rpath"))?;
        if let Some(existing) = self.child_named(folder, up.name) {
            let f = self.files.get_mut(&existing).ok_or(NO_FILE)?;
            if f.is_folder {
                return Err(ApiError::param("file"));
            }
            f.size = data.len() as i64;
            f.data = data;
            return Ok(existing);
        }
        Ok(self.add_file(folder, up.name, Some(data), up.owner, up.rootid))
    }

    /// Whether `uid` may read attachment `root`: its uploader, a super admin, or anyone who may
    /// see the approval it is attached to.
    fn may_read_attachment(&self, uid: i64, root: i64) -> bool {
        let Some(att) = self.attachments.get(&root) else { return false };
        let approval = self.approvals.get(&att.approval_id);
        att.owner == uid
            || self.users.get(&uid).is_some_and(|u| u.super_admin)
            || approval.is_some_and(|a| self.can_view(uid, a))
    }

    /// A node of an attachment that `uid` may read.
    pub fn attachment_node(&self, uid: i64, file_id: i64) -> Result<&FileNode, ApiError> {
        let f = self.files.get(&file_id).filter(|f| f.attachment_root != 0).ok_or(NO_FILE)?;
        if self.may_read_attachment(uid, f.attachment_root) {
            Ok(f)
        } else {
            Err(ApiError::Forbidden)
        }
    }

    /// `get-attach-list`: the entries of folder `base_path` (with `/`) below `folder` (the
    /// attachment's root, or any folder of it), folders first, then by name.
    pub fn attach_list(&self, uid: i64, folder: i64, base_path: &str) -> Result<Vec<&FileNode>, ApiError> {
        if !self.attachment_node(uid, folder)?.is_folder {
            return Err(ApiError::param("fileId"));
        }
        let mut cur = folder;
        for part in split_path(base_path, '/').map_err(|_| ApiError::param("basePath"))? {
            cur = self.child_named(cur, part).ok_or(ApiError::NotFound("目录不存在"))?;
        }
        if !self.files[&cur].is_folder {
            return Err(ApiError::param("basePath"));
        }
        let mut items: Vec<&FileNode> = self.children_of(cur).iter().map(|id| &self.files[id]).collect();
        items.sort_by(|a, b| b.is_folder.cmp(&a.is_folder).then_with(|| a.name.cmp(&b.name)));
        Ok(items)
    }

    /// `download-attachment-zip`: the attachment as a stored (uncompressed) zip, with its name.
    pub fn attachment_zip(&self, uid: i64, id: i64) -> Result<(String, Vec<u8>), ApiError> {
        let root = self.attachment_node(uid, id)?;
        if root.attachment_root != id {
            return Err(ApiError::param("fileId"));
        }
        let mut entries = Vec::new();
        if root.is_folder {
            self.collect(id, "", &mut entries);
        } else {
            entries.push((root.name.clone(), Some(&root.data)));
        }
        let bytes = write_zip(&entries).map_err(|_| ApiError::NotFound("打包失败"))?;
        Ok((format!("{}.zip", root.name), bytes))
    }

    /// Every entry below `folder` as (relative path, data; `None` for a folder).
    fn collect<'a>(&'a self, folder: i64, prefix: &str, out: &mut Vec<(String, Option<&'a Vec<u8>>)>) {
        for id in self.children_of(folder) {
            let f = &self.files[id];
            let path = format!("{prefix}{}", f.name);
            if f.is_folder {
                out.push((format!("{path}/"), None));
                self.collect(f.id, &format!("{path}/"), out);
            } else {
                out.push((path, Some(&f.data)));
            }
        }
    }

    /// Carries out an approved upload or modification; a failure marks the approval 处理失败.
    pub(crate) fn apply_result(&mut self, aid: i64) {
        let Some(a) = self.approvals.get(&aid) else { return };
        if a.status != APPROVED {
            return;
        }
        let (task, target, att, creator) = (a.task_type, a.file_id, a.attachment_id, a.creator);
        let result = match task {
            TASK_UPLOAD => self.apply_upload(target, att, creator),
            TASK_MODIFY => self.apply_modify(target, att, creator),
            _ => Ok(()),
        };
        if let (Err(msg), Some(a)) = (result, self.approvals.get_mut(&aid)) {
            a.status = FAILED;
            a.errmsg = msg.to_string();
        }
    }

    /// Copies the attachment (a file, or a folder's content) into folder `target`.
    fn apply_upload(&mut self, target: i64, att: i64, creator: i64) -> Result<(), &'static str> {
        let root = self.files.get(&att).ok_or("附件不存在")?;
        let tops: Vec<i64> = if root.is_folder { self.children_of(att).to_vec() } else { vec![att] };
        if tops.iter().any(|id| self.child_named(target, &self.files[id].name).is_some()) {
            return Err("目标文件夹中已存在同名文件");
        }
        for id in tops {
            self.copy_tree(id, target, creator);
        }
        Ok(())
    }

    fn copy_tree(&mut self, src: i64, dest_parent: i64, creator: i64) {
        let f = &self.files[&src];
        let (name, data) = (f.name.clone(), (!f.is_folder).then(|| f.data.clone()));
        let id = self.add_file(dest_parent, &name, data, creator, 0);
        for child in self.children_of(src).to_vec() {
            self.copy_tree(child, id, creator);
        }
    }

    /// Replaces the content of file `target` with the single-file attachment.
    fn apply_modify(&mut self, target: i64, att: i64, creator: i64) -> Result<(), &'static str> {
        let data = self.files.get(&att).filter(|f| !f.is_folder).ok_or("附件不存在")?.data.clone();
        let file = self.files.get_mut(&target).ok_or("文件不存在")?;
        if file.lock_status != 0 && file.lock_user != creator {
            return Err("文件已被其他用户锁定");
        }
        file.size = data.len() as i64;
        file.data = data;
        Ok(())
    }
}

/// The multi-file part of an `upload-attachment` path.
#[derive(Debug, Clone, Copy)]
pub struct MultiUpload<'a> {
    pub owner: i64,
    pub uuid: &'a str,
    pub rootid: i64,
    pub rpath: Option<&'a str>,
    pub name: &'a str,
}

/// Splits a relative path; empty parts from leading/trailing separators are dropped, while
/// `.` and `..` are refused so nothing escapes the attachment.
pub fn split_path(path: &str, sep: char) -> Result<Vec<&str>, ApiError> {
    let parts: Vec<&str> = path.split(sep).map(str::trim).filter(|p| !p.is_empty()).collect();
    if parts.iter().any(|p| *p == "." || *p == ".." || p.contains(['/', '\\', '|'])) {
        return Err(ApiError::param("rpath"));
    }
    Ok(parts)
}

fn write_zip(entries: &[(String, Option<&Vec<u8>>)]) -> zip::result::ZipResult<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (path, data) in entries {
        match data {
            Some(bytes) => {
                zip.start_file(path.as_str(), options)?;
                zip.write_all(bytes)?;
            }
            None => zip.add_directory(path.as_str(), options)?,
        }
    }
    Ok(zip.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> State {
        let mut s = State::empty(1);
        for uid in [1, 2] {
            s.add_user(super::super::state::User {
                uid,
                username: format!("u{uid}"),
                realname: format!("用户{uid}"),
                token: format!("t{uid}"),
                super_admin: uid == 1,
            });
        }
        s
    }

    #[test]
    fn multi_upload_builds_the_declared_tree() {
        let mut s = state();
        let (root, uuid) = s.create_multi(2, &["图片资料".into(), "图片资料/素材".into()]).unwrap();
        let up = |rpath| MultiUpload { owner: 2, uuid: &uuid, rootid: root, rpath, name: "logo3.png" };
        let id = s.upload_multi(up(Some("图片资料|素材")), b"png".to_vec()).unwrap();
        assert_eq!(s.path_of(id), format!("{uuid}/图片资料/素材/logo3.png"));
        assert_eq!(s.upload_multi(up(Some("别处")), vec![]), Err(ApiError::param("rpath")));
        let top = s.attach_list(2, root, "").unwrap();
        assert_eq!(top.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), ["图片资料"]);
        let deep = s.attach_list(2, root, "图片资料/素材").unwrap();
        assert_eq!(deep[0].id, id);
        assert_eq!(s.tree_totals(root), (1, 3));
        assert_eq!(s.attach_list(1, root, "").unwrap().len(), 1, "the super admin may read");
    }

    #[test]
    fn zip_holds_every_file() {
        let mut s = state();
        let (root, uuid) = s.create_multi(2, &["a".into()]).unwrap();
        let up = MultiUpload { owner: 2, uuid: &uuid, rootid: root, rpath: Some("a"), name: "x.txt" };
        s.upload_multi(up, b"hello".to_vec()).unwrap();
        let (name, bytes) = s.attachment_zip(2, root).unwrap();
        assert!(name.ends_with(".zip"));
        assert!(bytes.starts_with(b"PK"));
        assert!(bytes.windows(5).any(|w| w == b"hello"), "stored, not compressed");
    }

    #[test]
    fn paths_cannot_escape() {
        assert!(split_path("a/../b", '/').is_err());
        assert_eq!(split_path("/a/b/", '/').unwrap(), ["a", "b"]);
    }
}
