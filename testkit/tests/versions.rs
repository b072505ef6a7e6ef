//! Every tool reports its version the same way: `TOOL VERSION`, with
//! ` (git COMMIT)` when built from a checkout, on stdout, exit 0; the same
//! version for all five. kubetool's `--version` is the Kubernetes version
//! (as in the original), so its own is `-V`, `--tool-version` or `version`.

use regex::Regex;
use testkit::{path_str, text, tool};

#[test]
fn every_tool_prints_the_same_version_in_the_same_form() {
    let tools = testkit::built_tools();
    let form =
        Regex::new(r"^([a-z]+) ([0-9]+\.[0-9]+\.[0-9]+)( \(git [0-9a-f]{12}\))?\n$").unwrap();
    let mut seen = Vec::new();
    for (t, args) in [
        ("certs", vec!["--version"]),
        ("ingressgen", vec!["--version"]),
        ("quorumcalc", vec!["--version"]),
        ("vipcheck", vec!["--version"]),
        ("kubetool", vec!["-V"]),
        ("kubetool", vec!["--tool-version"]),
        ("kubetool", vec!["version"]),
    ] {
        let out = tool(path_str(&tools.join(t)), &args);
        assert!(out.status.success(), "{t} {args:?}: {}", text(&out));
        let said = String::from_utf8(out.stdout).unwrap();
        let c = form
            .captures(&said)
            .unwrap_or_else(|| panic!("{t} {args:?}: {said:?}"));
        assert_eq!(&c[1], t);
        assert_eq!(&c[2], env!("CARGO_PKG_VERSION"));
        seen.push(said[t.len()..].to_owned());
    }
    seen.dedup();
    assert_eq!(seen.len(), 1, "the tools disagree: {seen:?}");
    // kubetool --version still takes the Kubernetes version.
    let out = tool(path_str(&tools.join("kubetool")), &["--version"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}
