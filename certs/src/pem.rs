//! PEM (RFC 7468) reading and writing, with line numbers in every error so
//! that a truncated or hand-edited file says where it went wrong.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// One `-----BEGIN <label>-----` ... `-----END <label>-----` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The label, e.g. `CERTIFICATE` or `EC PRIVATE KEY`.
    pub label: String,
    /// The decoded content.
    pub der: Vec<u8>,
    /// The 1-based line of the BEGIN line within the text that was parsed.
    pub line: usize,
}

/// What is wrong with a PEM text, and on which line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct PemError {
    /// The 1-based line.
    pub line: usize,
    /// What is wrong and, where it helps, what to do.
    pub message: String,
}

fn begin_label(line: &str) -> Option<&str> {
    line.strip_prefix("-----BEGIN ")?.strip_suffix("-----")
}

fn end_label(line: &str) -> Option<&str> {
    line.strip_prefix("-----END ")?.strip_suffix("-----")
}

/// Whether `text` has at least one BEGIN line.
pub fn contains_pem(text: &str) -> bool {
    text.lines().any(|l| begin_label(l.trim()).is_some())
}

/// Every block in `text`, in order. Text outside the blocks (comments,
/// `openssl x509 -text` output, PKCS#12 bag attributes) is ignored; a block
/// without its END line, with a mismatched END, with bad base64 or with
/// encryption headers is an error.
pub fn parse(text: &str) -> Result<Vec<Block>, PemError> {
    let mut blocks = Vec::new();
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim()));
    while let Some((line, l)) = lines.next() {
        if let Some(label) = end_label(l) {
            return Err(PemError {
                line,
                message: format!("END {label} without a BEGIN line"),
            });
        }
        let Some(label) = begin_label(l) else {
            continue;
        };
        let mut body = String::new();
        let mut ended = false;
        for (n, l) in lines.by_ref() {
            if let Some(end) = end_label(l) {
                if end != label {
                    return Err(PemError {
                        line: n,
                        message: format!("BEGIN {label} (line {line}) ends with END {end}"),
                    });
                }
                ended = true;
                break;
            }
            if begin_label(l).is_some() {
                return Err(PemError {
                    line,
                    message: format!(
                        "BEGIN {label} has no END line before the next BEGIN on line {n} (truncated?)"
                    ),
                });
            }
            if l.contains(':') {
                if l.starts_with("Proc-Type:") && l.contains("ENCRYPTED") {
                    return Err(PemError {
                        line: n,
                        message: format!(
                            "{label} is encrypted; decrypt it first (openssl pkey -in FILE -out PLAIN)"
                        ),
                    });
                }
                // Other RFC 1421 headers carry nothing we need.
                continue;
            }
            body.push_str(l);
        }
        if !ended {
            return Err(PemError {
                line,
                message: format!("BEGIN {label} has no END line (truncated?)"),
            });
        }
        let der = STANDARD.decode(body.as_bytes()).map_err(|e| PemError {
            line,
            message: format!("{label}: the base64 body is damaged ({e})"),
        })?;
        if der.is_empty() {
            return Err(PemError {
                line,
                message: format!("{label}: the block is empty"),
            });
        }
        blocks.push(Block {
            label: label.to_owned(),
            der,
            line,
        });
    }
    Ok(blocks)
}

/// Encodes `der` as a PEM block with 64-column lines and a final newline.
pub fn encode(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = String::with_capacity(b64.len() + b64.len() / 64 + 2 * label.len() + 40);
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        // base64 output is ASCII, so every chunk is valid UTF-8.
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
    out
}

/// Decodes standard base64 with any whitespace in it (kubeconfig `*-data`).
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    STANDARD.decode(compact.as_bytes()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_round_trip_with_surrounding_text() {
        let a = encode("CERTIFICATE", &[1, 2, 3]);
        let b = encode("EC PRIVATE KEY", &[9u8; 100]);
        let text = format!("subject=CN=x\n{a}Bag Attributes\n{b}");
        let blocks = parse(&text).unwrap();
        assert_eq!(blocks.len(), 2);
        assert_eq!(
            (blocks[0].label.as_str(), blocks[0].line),
            ("CERTIFICATE", 2)
        );
        assert_eq!(blocks[1].der, vec![9u8; 100]);
        assert_eq!(blocks[1].line, 6);
    }

    #[test]
    fn damage_is_reported_with_its_line() {
        let good = encode("CERTIFICATE", &[1, 2, 3, 4, 5, 6]);
        let truncated: String = good.lines().take(2).map(|l| format!("{l}\n")).collect();
        let e = parse(&format!("\n{truncated}")).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("no END line"), "{e}");

        let wrong_end = good.replace("END CERTIFICATE", "END PRIVATE KEY");
        assert!(
            parse(&wrong_end)
                .unwrap_err()
                .message
                .contains("ends with END PRIVATE KEY")
        );

        let bad = good.replace("AQIDBAUG", "AQ!DBAUG");
        assert!(parse(&bad).unwrap_err().message.contains("base64"));

        let enc = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: x\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        assert!(parse(enc).unwrap_err().message.contains("encrypted"));

        let empty = "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n";
        assert!(parse(empty).unwrap_err().message.contains("empty"));
    }
}
