//! Real processes for the CLI tests: a child killed and reaped when its guard drops (a failed
//! assertion included), its stdout line by line, its stderr kept to explain a failure; and the
//! binaries of the workspace's other packages (vendor-sim, inbox-relay), built on demand.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A child process that is killed and reaped when dropped; its stdout arrives line by line,
/// its stderr is kept to explain a failure.
pub struct Spawned {
    name: &'static str,
    pub child: Child,
    lines: Receiver<String>,
    stderr: Arc<Mutex<String>>,
}

impl Spawned {
    pub fn start(name: &'static str, mut cmd: std::process::Command) -> Spawned {
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).env("RUST_LOG", "warn");
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        let (stdout, stderr_pipe) =
            (child.stdout.take().expect("stdout is piped"), child.stderr.take().expect("stderr is piped"));
        let (tx, lines) = mpsc::channel();
        // Threads, so a server that prints nothing fails the test at a time limit, not never,
        // and a chatty stderr never fills its pipe and stalls the server.
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let kept = stderr.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr_pipe).lines().map_while(Result::ok) {
                let mut all = kept.lock().unwrap_or_else(|p| p.into_inner());
                all.push_str(&line);
                all.push('\n');
            }
        });
        Spawned { name, child, lines, stderr }
    }

    pub fn next_line(&self, within: Duration) -> String {
        self.lines.recv_timeout(within).unwrap_or_else(|e| {
            panic!("{} printed no line within {within:?} ({e}); stderr:\n{}", self.name, self.stderr())
        })
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Sends SIGTERM (what a service manager or `kill` sends) and waits for the exit.
    pub fn terminate(&mut self, within: Duration) -> ExitStatus {
        let sent = std::process::Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(sent.success(), "kill -TERM {}", self.child.id());
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "{} did not stop within {within:?} of SIGTERM; stderr:\n{}",
                self.name,
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// A binary of another package of this workspace, current (`bin` of `package`). Cargo hands an
/// integration test only its own package's binaries (`CARGO_BIN_EXE_*`), so it is built here
/// with the cargo running the tests, into the same target directory and profile (a no-op when
/// it is up to date; the build lock is free while tests run). The variable `prebuilt` names a
/// prebuilt one instead.
pub fn workspace_binary(package: &str, bin: &str, prebuilt: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(prebuilt) {
        return path.into();
    }
    // A test binary runs from `<target>/<profile>/deps/` (whichever package it is of).
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = exe.parent().and_then(Path::parent).expect("a test binary in <target>/<profile>/deps");
    let profile = profile_dir.file_name().and_then(|n| n.to_str()).expect("a profile directory name");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| env!("CARGO").into());
    let mut build = std::process::Command::new(cargo);
    build.args(["build", "--quiet", "-p", package, "--bin", bin]);
    if profile != "debug" {
        build.args(["--profile", profile]);
    }
    let out = build
        .env("CARGO_TARGET_DIR", profile_dir.parent().expect("a target directory"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(out.status.success(), "building {bin}: {}", String::from_utf8_lossy(&out.stderr));
    let path = profile_dir.join(format!("{bin}{}", std::env::consts::EXE_SUFFIX));
    assert!(path.is_file(), "{} was not built", path.display());
    path
}
