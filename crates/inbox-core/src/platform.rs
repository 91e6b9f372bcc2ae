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
/// profile's owner-only access). An existing folder is made private only when it is ours (it
/// holds our cache): a folder the user pointed us at (`--data-dir .`) keeps its mode, as the
/// cache file in it is private itself ([`make_private_file`]).
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    let ours = !dir.exists() || dir.join("cache.sqlite3").exists() || dir.file_name().is_some_and(|n| n == "logs");
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    if ours {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    #[cfg(not(unix))]
    let _ = ours;
    Ok(())
}

/// Makes `file` readable by this user only, creating it empty if it does not exist yet (0600
/// on Unix, whatever the umask). SQLite gives a database's WAL and shared-memory files the
/// database file's mode, so a cache made private before it is opened stays private.
pub fn make_private_file(file: &Path) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        options.open(file)?;
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))
    }
    #[cfg(not(unix))]
    {
        options.open(file).map(drop)
    }
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

    #[cfg(unix)]
    #[test]
    fn a_private_file_is_made_or_fixed_whatever_the_umask() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let file = root.path().join("cache.sqlite3");
        make_private_file(&file).unwrap();
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
        std::fs::write(&file, b"kept").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        make_private_file(&file).unwrap();
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600, "a readable one is fixed");
        assert_eq!(std::fs::read(&file).unwrap(), b"kept", "and keeps what it holds");
    }
}
