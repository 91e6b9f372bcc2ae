//! What differs between the desktops we ship for (Linux, Windows, macOS), in one small module:
//! where the data lives and how a private folder is made. Everything else in the core is
//! platform-neutral; a path that depends on the platform is asked for here.

use std::io;
use std::path::{Path, PathBuf};

/// The data directory of this user: `~/.local/share/approval-inbox` on Linux,
/// `%APPDATA%\approval-inbox\data` on Windows, `~/Library/Application Support/approval-inbox`
/// on macOS (the platform's own rule, through `directories`).
pub fn data_dir() -> PathBuf {
    directories::ProjectDirs::from("", "", "approval-inbox").map(|d| d.data_dir().to_path_buf()).unwrap_or_else(|| PathBuf::from(".approval-inbox"))
}

/// Creates `dir` (and its parents) if needed, readable by this user only where the platform
/// has such modes (0700 on Unix; on Windows a folder under the user's profile inherits the
/// profile's owner-only access).
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_private_dir_is_made_with_its_parents() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a").join("logs");
        create_private_dir(&dir).unwrap();
        assert!(dir.is_dir());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
        }
        create_private_dir(&dir).unwrap();
    }
}
