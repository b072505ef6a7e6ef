//! A lab run that is interrupted mid-drill leaves nothing behind: on
//! SIGTERM the run takes the lab down itself; after SIGKILL (which no
//! program can catch) the namespaces are still there, and `lab down` removes
//! them and every daemon. One test, as the lab is one per machine.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn an_interrupted_drill_leaves_no_daemon_and_no_namespace() {
    let tools = testkit::built_tools();
    let out = std::env::temp_dir().join(format!("lab-interrupt-{}", std::process::id()));
    let lab = |args: &[&str]| -> Command {
        let mut c = Command::new(tools.join("lab"));
        c.current_dir(root()).env("LAB_TOOLS", &tools).args(args);
        c
    };
    let out_arg = out.to_string_lossy().into_owned();
    // A drill on a lab that is not up: refused at once, nothing made.
    let _ = lab(&["down"]).output();
    let refused = lab(&["drill", "power-loss", "--out", &out_arg])
        .output()
        .expect("lab runs");
    assert_eq!(
        refused.status.code(),
        Some(1),
        "{}",
        testkit::text(&refused)
    );
    assert!(
        testkit::text(&refused).contains("the lab is not up")
            && testkit::text(&refused).contains("lab up"),
        "{}",
        testkit::text(&refused)
    );
    assert!(
        !Path::new("/run/ocf-lab").exists(),
        "a refused drill made the lab's directory"
    );
    for (signal, code) in [("TERM", Some(143)), ("KILL", None)] {
        let up = lab(&["up"]).output().expect("lab runs");
        assert!(up.status.success(), "{}", testkit::text(&up));
        assert!(!lab_namespaces().is_empty() && !lab_processes().is_empty());
        let mut drill = lab(&["drill", "power-loss", "--out", &out_arg])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("lab drill starts");
        // Into the drill: the stream runs and the fault is made at 3 s.
        std::thread::sleep(Duration::from_secs(4));
        let killed = Command::new("kill")
            .args([&format!("-{signal}"), &drill.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let status = wait(&mut drill, Duration::from_secs(30));
        assert_eq!(status.code(), code, "after SIG{signal}");
        if signal == "KILL" {
            // Nothing could clean up: what the lab started is still there.
            assert!(!lab_namespaces().is_empty(), "after SIGKILL");
            let down = lab(&["down"]).output().unwrap();
            assert!(down.status.success(), "{}", testkit::text(&down));
        }
        assert_eq!(lab_namespaces(), Vec::<String>::new(), "after SIG{signal}");
        assert_eq!(lab_processes(), Vec::<String>::new(), "after SIG{signal}");
        assert!(!Path::new("/run/ocf-lab").exists(), "after SIG{signal}");
    }
    // No run finished, so no report was written.
    assert!(!out.join("report.json").exists());
    let _ = std::fs::remove_dir_all(&out);
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn wait(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("the lab did not exit within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The lab's namespaces that exist now.
fn lab_namespaces() -> Vec<String> {
    let list = testkit::tool("ip", &["netns", "list"]);
    String::from_utf8_lossy(&list.stdout)
        .lines()
        .filter(|l| l.starts_with("ocflab-"))
        .map(str::to_owned)
        .collect()
}

/// Processes of the lab: those whose command line names the lab's
/// directory (every daemon is given its config or state there) and the
/// workers' stand-ins.
fn lab_processes() -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if cmdline.contains("/run/ocf-lab") || cmdline.contains("lab worker --name") {
            found.push(format!(
                "{}: {cmdline}",
                entry.file_name().to_string_lossy()
            ));
        }
    }
    found
}
