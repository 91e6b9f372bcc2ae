//! What differs between the desktops we ship for (Linux, Windows, macOS), in one small module:
//! where the data lives, how a private folder is made, what the OS keychain is called and how
//! much one of its entries holds, and which file names every desktop can hold. Everything else
//! in the core is platform-neutral; a path or rule that depends on the platform is asked for
//! here.

use std::io;
use std::path::{Path, PathBuf};

/// The data directory of this user: `~/.local/share/approval-inbox` on Linux,
/// `%APPDATA%\approval-inbox\data` on Windows, `~/Library/Application Support/approval-inbox`
/// on macOS (the platform's own rule, through `directories`).
pub fn data_dir() -> PathBuf {
    directories::ProjectDirs::from("", "", "approval-inbox")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".approval-inbox"))
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

/// The OS keychain by its name on this desktop, and what to do when it cannot be reached
/// (`SecretsError::Unavailable`).
#[cfg(windows)]
pub const KEYCHAIN: (&str, &str) = (
    "Windows Credential Manager",
    "sign in to Windows with your own user (the Credential Manager belongs to the signed-in user)",
);
#[cfg(target_os = "macos")]
pub const KEYCHAIN: (&str, &str) = ("macOS Keychain", "unlock your login keychain");
#[cfg(not(any(windows, target_os = "macos")))]
pub const KEYCHAIN: (&str, &str) =
    ("Secret Service", "start a Secret Service provider such as gnome-keyring or KWallet and unlock it");

/// What one keychain entry holds at most, and what a secret text takes in it, on this desktop.
/// Windows' Credential Manager keeps a password as UTF-16 in a blob of at most
/// `CRED_MAX_CREDENTIAL_BLOB_SIZE` (2560) bytes: 1280 UTF-16 units, whatever the language (a
/// Chinese character of the basic plane is one unit, as a Latin letter). The Secret Service and
/// the macOS Keychain set no limit that secrets of an account come near.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryLimit {
    /// The most bytes the store holds in one entry.
    pub bytes: usize,
    /// How the store encodes text: `true` for UTF-16 (2 or 4 bytes a character), else UTF-8.
    pub utf16: bool,
}

impl EntryLimit {
    /// Windows Credential Manager's generic credential: `CRED_MAX_CREDENTIAL_BLOB_SIZE`.
    pub const WINDOWS: EntryLimit = EntryLimit { bytes: 2560, utf16: true };

    /// The bytes `text` takes in the store.
    pub fn size_of(&self, text: &str) -> usize {
        if self.utf16 {
            text.encode_utf16().count() * 2
        } else {
            text.len()
        }
    }
}

/// The keychain entry limit of this desktop, if it has one that matters.
pub fn keychain_entry_limit() -> Option<EntryLimit> {
    if cfg!(windows) {
        Some(EntryLimit::WINDOWS)
    } else {
        None
    }
}

/// Windows' reserved device names: a file named so (with any extension: `aux.txt`,
/// `NUL.tar.gz`) opens the device instead of the file, on every Windows drive.
const RESERVED_NAMES: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7",
    "COM8", "COM9", "COM¹", "COM²", "COM³", "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8",
    "LPT9", "LPT¹", "LPT²", "LPT³",
];

/// The longest file name kept, in UTF-8 bytes: Linux and macOS allow 255 bytes, Windows 255
/// UTF-16 units; 255 bytes of UTF-8 fit all three (a Chinese character is 3 bytes, 1 unit).
const MAX_NAME_BYTES: usize = 255;

/// A file or folder name that every desktop can create and open, for a name that may reach a
/// Windows user (a download saved here, a file or folder uploaded for other approvers), on every
/// platform: a name that is fine on Linux can be unusable on the Windows desk of the next
/// approver. Renamed, not refused, so the file still arrives under a recognisable name:
/// - control characters are dropped, and the characters Windows forbids (`< > : " / \ | ? *`)
///   become `_`;
/// - trailing dots and spaces go (Windows drops them itself, so `报表.` would be saved as
///   `报表`, a different name than asked for), and leading spaces;
/// - a reserved device name, with any extension, gets `_` after it: `aux.txt` → `aux_.txt`,
///   `CON` → `CON_`;
/// - a name longer than 255 bytes is shortened, keeping its extension;
/// - what is left empty becomes `fallback`.
pub fn portable_file_name(name: &str, fallback: &str) -> String {
    let mapped: String = name
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if matches!(c, '<' | '>' | ':' | '"' | '/' | '\\' | '|' | '?' | '*') { '_' } else { c })
        .collect();
    let mut name = mapped.trim_start_matches(' ').trim_end_matches(['.', ' ']).to_string();
    let stem_end = name.find('.').unwrap_or(name.len());
    let stem = name[..stem_end].trim_end_matches(' ');
    if RESERVED_NAMES.iter().any(|r| r.eq_ignore_ascii_case(stem)) {
        name.insert(stem.len(), '_');
    }
    if name.len() > MAX_NAME_BYTES {
        name = shorten(&name, MAX_NAME_BYTES);
    }
    if name.is_empty() {
        fallback.to_string()
    } else {
        name
    }
}

/// `name` cut to at most `max` bytes on a character boundary, its extension (up to 16 bytes) kept.
fn shorten(name: &str, max: usize) -> String {
    let ext = name.rfind('.').filter(|&i| i > 0 && name.len() - i <= 16).map(|i| &name[i..]).unwrap_or("");
    let stem = &name[..name.len() - ext.len()];
    let mut cut = max - ext.len();
    while !stem.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{ext}", stem[..cut].trim_end_matches(['.', ' ']))
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

    /// On Windows the cache lives in the roaming application data of the user
    /// (`%APPDATA%\approval-inbox\data`), found through the shell's known folder, which is what
    /// `%APPDATA%` names too (run as a Windows program under Wine by `scripts/test.sh`).
    #[cfg(windows)]
    #[test]
    fn the_data_dir_is_under_appdata() {
        let dir = data_dir();
        let appdata = PathBuf::from(std::env::var_os("APPDATA").expect("Windows sets APPDATA"));
        assert_eq!(dir, appdata.join("approval-inbox").join("data"), "{}", dir.display());
        let shown = dir.display().to_string();
        assert!(
            shown.as_bytes().get(1) == Some(&b':') && shown.contains('\\') && !shown.contains('/'),
            "a drive letter and backslashes: {shown}"
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_data_dir_is_under_xdg_data_home() {
        let base = std::env::var_os("XDG_DATA_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap()).join(".local/share"));
        assert_eq!(data_dir(), base.join("approval-inbox"));
    }

    #[test]
    fn names_a_windows_desk_cannot_hold_are_renamed_everywhere() {
        for (given, kept) in [
            ("aux", "aux_"),
            ("AUX.txt", "AUX_.txt"),
            ("con.tar.gz", "con_.tar.gz"),
            ("Nul", "Nul_"),
            ("prn.", "prn_"),
            ("com1.log", "com1_.log"),
            ("LPT9", "LPT9_"),
            ("lpt¹.txt", "lpt¹_.txt"),
            ("CONIN$", "CONIN$_"),
            ("con .txt", "con_ .txt"),
            ("报表. . ", "报表"),
            ("  说明.txt", "说明.txt"),
            ("a<b>:c\"d|e?f*g.pdf", "a_b__c_d_e_f_g.pdf"),
            ("tab\tand\u{1b}esc.txt", "tabandesc.txt"),
            ("...", "fallback"),
            ("", "fallback"),
        ] {
            assert_eq!(portable_file_name(given, "fallback"), kept, "{given:?}");
        }
        for fine in ["console.txt", "auxiliary", "com10", "lpt", "COM1X.txt", "报表 2026.pdf", ".env", "a.b.c"] {
            assert_eq!(portable_file_name(fine, "x"), fine, "{fine:?} is fine as it is");
        }
    }

    #[test]
    fn a_long_name_is_shortened_on_a_character_boundary_keeping_its_extension() {
        let long = format!("{}.xlsx", "审批".repeat(100));
        let short = portable_file_name(&long, "x");
        assert!(short.len() <= 255 && short.ends_with("审.xlsx"), "{} bytes: {short}", short.len());
        assert!(short.encode_utf16().count() <= 255);
    }

    /// The Windows rule, checked on every platform: 1280 UTF-16 units, Chinese or not.
    #[test]
    fn a_windows_credential_holds_1280_utf16_units() {
        let limit = EntryLimit::WINDOWS;
        assert_eq!(limit.size_of(&"a".repeat(1280)), 2560);
        assert_eq!(limit.size_of(&"令".repeat(1280)), 2560);
        assert_eq!(limit.size_of("𠀀"), 4, "a character beyond the basic plane is two units");
        assert_eq!(keychain_entry_limit(), cfg!(windows).then_some(EntryLimit::WINDOWS));
    }
}
