//! Shell completions and manual pages, generated from the command line's
//! own definitions (`latchkey completions SHELL`, `latchkey man`), so they
//! never drift from `--help`. The packages install what these print.

use crate::config::settings::SETTINGS;
use clap::CommandFactory;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The shells `latchkey completions` writes scripts for.
pub use clap_complete::Shell;

/// The completion script for `shell`.
pub fn completions(shell: Shell) -> Vec<u8> {
    let mut cmd = crate::cli::Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "latchkey", &mut script);
    script
}

/// The manual page of `latchkey` itself, latchkey(1), as roff.
pub fn page() -> Result<String, String> {
    let mut cmd = crate::cli::Cli::command().disable_help_subcommand(true);
    cmd.build();
    render(&cmd, true)
}

/// Write latchkey(1) and a page for every command under it
/// (latchkey-client-create(1), ...) into `dir`; returns the files written.
pub fn write_pages(dir: &Path) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut cmd = crate::cli::Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut written = Vec::new();
    let mut pending = vec![(cmd, true)];
    while let Some((cmd, top)) = pending.pop() {
        pending.extend(
            cmd.get_subcommands()
                .filter(|s| !s.is_hide_set())
                .map(|s| (s.clone(), false)),
        );
        let name = cmd
            .get_display_name()
            .unwrap_or_else(|| cmd.get_name())
            .to_string();
        let path = dir.join(format!("{name}.1"));
        let text = render(&cmd, top)?;
        std::fs::File::create(&path)
            .and_then(|mut f| f.write_all(text.as_bytes()))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        written.push(path);
    }
    written.sort();
    Ok(written)
}

/// One page: clap's NAME, SYNOPSIS, DESCRIPTION, OPTIONS and SUBCOMMANDS,
/// then the command's examples as they are typed (not filled), and on the
/// top page the settings reference, exit status and files.
fn render(cmd: &clap::Command, top: bool) -> Result<String, String> {
    let man = clap_mangen::Man::new(cmd.clone()).source(format!(
        "Latchkey {}",
        cmd.get_version().unwrap_or(env!("CARGO_PKG_VERSION"))
    ));
    let mut out = Vec::new();
    let mut sections = || -> std::io::Result<()> {
        man.render_title(&mut out)?;
        man.render_name_section(&mut out)?;
        man.render_synopsis_section(&mut out)?;
        man.render_description_section(&mut out)?;
        if cmd.get_arguments().any(|a| !a.is_hide_set()) {
            man.render_options_section(&mut out)?;
        }
        if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
            man.render_subcommands_section(&mut out)?;
        }
        Ok(())
    };
    sections().map_err(|e| format!("cannot render the manual page: {e}"))?;
    let mut text = String::from_utf8(out).map_err(|e| format!("manual page: {e}"))?;
    if let Some(after) = cmd.get_after_help() {
        text.push_str(&examples(&after.to_string()));
    }
    if top {
        text.push_str(&top_sections());
    }
    Ok(text)
}

/// The `after_help` text ("Example:" or "Examples:" and indented command
/// lines, sometimes a note after a blank line) as an EXAMPLES section whose
/// command lines keep their line breaks.
fn examples(after: &str) -> String {
    let mut out = String::from(".SH EXAMPLES\n");
    let mut lines = after.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim();
        if trimmed.is_empty() || matches!(trimmed, "Example:" | "Examples:") {
            continue;
        }
        if line.starts_with(' ') {
            out.push_str(".PP\n.nf\n.RS 4\n");
            out.push_str(&text_line(trimmed));
            while let Some(next) = lines.peek().filter(|l| l.starts_with(' ')) {
                out.push_str(&text_line(next.trim()));
                lines.next();
            }
            out.push_str(".RE\n.fi\n");
        } else {
            out.push_str(".PP\n");
            out.push_str(&text_line(trimmed));
        }
    }
    out
}

fn top_sections() -> String {
    let mut out = String::from(
        ".SH SETTINGS\n\
         Settings come from an optional TOML file (\\fB\\-\\-config\\fR \\fIFILE\\fR, default \
         \\fIlatchkey.toml\\fR in the working directory if present), then from the environment, \
         which wins. A bad value stops start\\-up before the port is bound, with exit status 2.\n",
    );
    for setting in SETTINGS {
        out.push_str(".TP\n");
        let name = match setting.env() {
            Some(env) => format!(
                "\\fB{}\\fR, \\fB{}\\fR",
                escape(setting.key()),
                escape(&env)
            ),
            None => format!("\\fB{}\\fR (file only)", escape(setting.key())),
        };
        out.push_str(&name);
        out.push('\n');
        let doc = plain(setting.doc());
        let stop = if doc.ends_with('.') { "" } else { "." };
        out.push_str(&text_line(&format!(
            "{doc}{stop} Default: {}.",
            plain(&setting.shown_default())
        )));
    }
    out.push_str(
        ".SH EXIT STATUS\n\
         .TP\n0\nsuccess\n\
         .TP\n1\nfailure: the cause and its fix are printed\n\
         .TP\n2\nbad settings or usage\n\
         .SH FILES\n\
         .TP\n\\fI/etc/latchkey/latchkey.toml\\fR\n\
         the settings file of the Debian package's service (\\fBlatchkey.service\\fR)\n\
         .TP\n\\fI/var/lib/latchkey\\fR\n\
         the service's SQLite database and generated secret\n\
         .SH SEE ALSO\n\
         \\fBlatchkey errors list\\fR for every error code and cause; the documentation in \
         \\fI/usr/share/doc/latchkey\\fR.\n",
    );
    out
}

/// Markdown from the settings' declarations as plain text: no backticks,
/// links as their text.
fn plain(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut rest = markdown;
    while let Some(open) = rest.find('[') {
        let (head, tail) = rest.split_at(open);
        out.push_str(head);
        let link = tail.find("](").and_then(|mid| {
            tail.get(mid..)
                .and_then(|after| after.find(')'))
                .map(|close| (mid, mid + close))
        });
        match link {
            Some((mid, close)) => {
                out.push_str(tail.get(1..mid).unwrap_or_default());
                rest = tail.get(close + 1..).unwrap_or_default();
            }
            None => {
                out.push('[');
                rest = tail.get(1..).unwrap_or_default();
            }
        }
    }
    out.push_str(rest);
    out.replace('`', "")
}

/// Text for roff: backslashes and hyphens escaped.
fn escape(text: &str) -> String {
    text.replace('\\', "\\e").replace('-', "\\-")
}

/// One line of text for roff, safe when it starts with a control character.
fn text_line(text: &str) -> String {
    let escaped = escape(text);
    if escaped.starts_with(['.', '\'']) {
        format!("\\&{escaped}\n")
    } else {
        format!("{escaped}\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_links_and_code_become_plain_text() {
        assert_eq!(
            plain("see [docs/mail.md](docs/mail.md) and `smtp.tls` [x"),
            "see docs/mail.md and smtp.tls [x"
        );
    }

    #[test]
    fn examples_keep_their_lines_and_escape_control_characters() {
        let roff = examples("Examples:\n  latchkey a --b\n  .hidden\n\nA note.");
        assert_eq!(
            roff,
            ".SH EXAMPLES\n.PP\n.nf\n.RS 4\nlatchkey a \\-\\-b\n\\&.hidden\n.RE\n.fi\n.PP\nA note.\n"
        );
    }
}
