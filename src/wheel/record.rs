//! The `.dist-info/RECORD` file (PEP 376, PEP 427): one CSV row per archive member.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use super::WheelEntry;

/// The RECORD hash of `bytes`: `sha256=` and the urlsafe base64 digest without padding.
pub fn record_hash(bytes: &[u8]) -> String {
    format!("sha256={}", URL_SAFE_NO_PAD.encode(Sha256::digest(bytes)))
}

/// One RECORD row without its line ending: `path,sha256=…,size`, CSV-quoted as needed.
pub fn record_line(path: &str, bytes: &[u8]) -> String {
    format!("{},{},{}", csv_field(path), record_hash(bytes), bytes.len())
}

/// The whole RECORD for `entries` in order, ending with RECORD's own row `record_path,,`
/// (PEP 376: RECORD cannot hash itself). Rows end with `\n`, as `wheel` and `pip` write them.
pub fn render_record(entries: &[WheelEntry], record_path: &str) -> String {
    let mut out = String::new();
    for entry in entries {
        out.push_str(&record_line(&entry.path, &entry.contents));
        out.push('\n');
    }
    out.push_str(&csv_field(record_path));
    out.push_str(",,\n");
    out
}

/// Quotes a CSV field like Python's `csv` module (`QUOTE_MINIMAL`): only when it holds a
/// comma, a quote or a line break, doubling inner quotes.
fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

/// One parsed RECORD row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRow {
    /// The 1-based row number, for error messages.
    pub line: usize,
    /// The archive path.
    pub path: String,
    /// The hash field (`sha256=…`); `None` when empty.
    pub hash: Option<String>,
    /// The size field; `None` when empty.
    pub size: Option<u64>,
}

/// Parses RECORD text into rows; an error gives the 1-based row number and what is wrong.
pub fn parse_record(text: &str) -> Result<Vec<RecordRow>, (usize, String)> {
    let records = split_csv(text)?;
    let mut rows = Vec::with_capacity(records.len());
    for (index, fields) in records.into_iter().enumerate() {
        let line = index + 1;
        let [path, hash, size]: [String; 3] =
            fields.try_into().map_err(|fields: Vec<String>| {
                (line, format!("expected 3 fields, found {}", fields.len()))
            })?;
        let size = if size.is_empty() {
            None
        } else {
            Some(
                size.parse()
                    .map_err(|_| (line, format!("size `{size}` is not a number")))?,
            )
        };
        rows.push(RecordRow {
            line,
            path,
            hash: (!hash.is_empty()).then_some(hash),
            size,
        });
    }
    Ok(rows)
}

/// Splits CSV text (Python's `excel` dialect) into records of fields, skipping blank lines.
fn split_csv(text: &str) -> Result<Vec<Vec<String>>, (usize, String)> {
    let mut records = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => fields.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n' | '\r') => {
                end_record(&mut records, &mut fields, &mut field);
            }
            (_, c) => field.push(c),
        }
    }
    if quoted {
        return Err((records.len() + 1, "unterminated quoted field".to_string()));
    }
    end_record(&mut records, &mut fields, &mut field);
    Ok(records)
}

/// Finishes the current record unless the line was blank.
fn end_record(records: &mut Vec<Vec<String>>, fields: &mut Vec<String>, field: &mut String) {
    if fields.is_empty() && field.is_empty() {
        return;
    }
    fields.push(std::mem::take(field));
    records.push(std::mem::take(fields));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, contents: &[u8]) -> WheelEntry {
        WheelEntry {
            path: path.to_string(),
            contents: contents.to_vec(),
            executable: false,
        }
    }

    #[test]
    fn record_hash_is_urlsafe_base64_sha256_without_padding() {
        // sha256 of the empty string, as pip writes it.
        assert_eq!(
            record_hash(b""),
            "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"
        );
    }

    #[test]
    fn record_lists_entries_then_itself_without_a_hash() {
        let entries = [
            entry("demo/__init__.py", b"from ._demo import ffi, lib\n"),
            entry("demo/_demo.abi3.so", b"\x7fELF"),
            entry("demo-1.0.dist-info/METADATA", b"Metadata-Version: 2.4\n"),
        ];
        insta::assert_snapshot!(render_record(&entries, "demo-1.0.dist-info/RECORD"), @"
        demo/__init__.py,sha256=vZcEsse7A0IBV0wucQfOzca3u_Ez7jUs17iXWxXKoog,28
        demo/_demo.abi3.so,sha256=O9u0_oOXzSuEJDCznM_wGoZjx1GUXvXpoJ4mf7ix01k,4
        demo-1.0.dist-info/METADATA,sha256=mzjIg3RfQiKC7bVRBad8YopleQx6oa-7cWUAG7dq8q4,22
        demo-1.0.dist-info/RECORD,,
        ");
    }

    #[test]
    fn paths_with_commas_or_quotes_are_csv_quoted() {
        insta::assert_snapshot!(record_line("data/a,b.txt", b"x"), @r#""data/a,b.txt",sha256=LXEWQrcmsEQBYnyp-6wy9chTD7GQPMTbAiWHF5IaSIE,1"#);
        insta::assert_snapshot!(record_line("data/say \"hi\".txt", b"x"), @r#""data/say ""hi"".txt",sha256=LXEWQrcmsEQBYnyp-6wy9chTD7GQPMTbAiWHF5IaSIE,1"#);
    }

    #[test]
    fn rendered_record_parses_back() {
        let entries = [entry("a,b\"c.txt", b"abc"), entry("plain.txt", b"")];
        let rows = parse_record(&render_record(&entries, "d.dist-info/RECORD")).unwrap();
        assert_eq!(
            rows,
            [
                RecordRow {
                    line: 1,
                    path: "a,b\"c.txt".to_string(),
                    hash: Some(record_hash(b"abc")),
                    size: Some(3),
                },
                RecordRow {
                    line: 2,
                    path: "plain.txt".to_string(),
                    hash: Some(record_hash(b"")),
                    size: Some(0),
                },
                RecordRow {
                    line: 3,
                    path: "d.dist-info/RECORD".to_string(),
                    hash: None,
                    size: None,
                },
            ]
        );
    }

    #[test]
    fn malformed_record_rows_are_reported_by_row_number() {
        assert_eq!(
            parse_record("a,sha256=x,1\r\nb,sha256=y\n"),
            Err((2, "expected 3 fields, found 2".to_string()))
        );
        assert_eq!(
            parse_record("a,sha256=x,big\n"),
            Err((1, "size `big` is not a number".to_string()))
        );
        assert_eq!(
            parse_record("\"a,sha256=x,1\n"),
            Err((1, "unterminated quoted field".to_string()))
        );
    }
}
