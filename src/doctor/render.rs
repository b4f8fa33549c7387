//! The human-readable report: one aligned line per item, then how to install what is missing.

use std::fmt::Write as _;

use super::{Report, Section, Status};

/// Widest version column before it is cut (compiler banners are long).
const MAX_VERSION: usize = 40;
/// Widest path column that still aligns; longer paths push their detail right.
const MAX_PATH: usize = 48;

fn section_title(section: Section) -> &'static str {
    match section {
        Section::Interpreters => "Interpreters",
        Section::Compilers => "Compilers",
        Section::Tools => "Tools",
        Section::Libraries => "Libraries",
        Section::Cross => "Cross toolchains",
        Section::Cache => "Cache",
    }
}

fn status_word(status: Status) -> &'static str {
    match status {
        Status::Ok => "ok",
        Status::Warn => "warn",
        Status::Missing => "missing",
    }
}

fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut short: String = text.chars().take(width - 1).collect();
    short.push('…');
    short
}

/// The report as text for a terminal.
pub fn render(report: &Report) -> String {
    let name_width = report
        .checks
        .iter()
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(0);
    let versions: Vec<String> = report
        .checks
        .iter()
        .map(|c| cut(c.version.as_deref().unwrap_or("-"), MAX_VERSION))
        .collect();
    let version_width = versions
        .iter()
        .map(|v| v.chars().count())
        .max()
        .unwrap_or(0);
    let paths: Vec<String> = report
        .checks
        .iter()
        .map(|c| {
            c.path
                .as_ref()
                .map_or_else(|| "-".into(), |p| p.display().to_string())
        })
        .collect();
    let path_width = paths
        .iter()
        .map(|p| p.chars().count())
        .filter(|w| *w <= MAX_PATH)
        .max()
        .unwrap_or(0);
    let mut out = format!("cffi-wheel doctor: host {}\n", report.host);
    let mut section = None;
    for ((check, version), place) in report.checks.iter().zip(&versions).zip(&paths) {
        if section != Some(check.section) {
            section = Some(check.section);
            let _ = write!(out, "\n{}\n", section_title(check.section));
        }
        let _ = writeln!(
            out,
            "  {:<7}  {:<name_width$}  {:<version_width$}  {place:<path_width$}  {}",
            status_word(check.status),
            check.name,
            version,
            check.detail
        );
    }
    let to_install: Vec<_> = report
        .checks
        .iter()
        .filter(|c| c.status != Status::Ok)
        .filter_map(|c| c.install.as_ref().map(|i| (c, i)))
        .collect();
    if !to_install.is_empty() {
        out.push_str("\nTo install\n");
        for (check, install) in to_install {
            let _ = writeln!(out, "  {} ({})", check.name, status_word(check.status));
            for (platform, command) in install.lines() {
                let _ = writeln!(out, "    {platform:<14} {command}");
            }
        }
    }
    if report.ready {
        out.push_str("\nready: `cffi-wheel build` can work here\n");
    } else {
        let _ = writeln!(
            out,
            "\nnot ready: `cffi-wheel build` cannot work until these are installed: {}",
            report.blockers.join(", ")
        );
    }
    out
}
