// Text that did not come from our code (health URL bodies, EB events and causes, S3/AWS error
// messages, names read back from AWS, file names from a bundle) must never become a workflow
// command when it reaches the runner's stdout or stderr. The runner reads its output line by line
// (a line ends at \n, \r or \r\n) and, per actions/runner src/Runner.Common/ActionCommand.cs:
//   - TryParseV2: a line is a command when, after its leading whitespace, it starts with "::"
//     (`::add-mask::secret`, `::stop-commands::token`, `::error::...`);
//   - TryParse (legacy): a line is a command when "##[" appears ANYWHERE in it (`x ##[add-mask]secret`).
// `inert` is the one place that defuses both, for every line our loggers write; it also turns
// control characters (ANSI escapes that could hide or repaint log text) into visible \uXXXX.
// It is not reversible and does not need to be: it only has to keep the text readable and inert.

/** What the runner (and a terminal or browser showing the log) treats as a line break. */
const LINE_BREAK = /\r\n|[\n\r\u0085\u2028\u2029]/;
// C0 controls except tab, DEL, and C1 controls (\u0085 is a line break, handled above).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u0080-\u0084\u0086-\u009f]/g;

function visible(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** One line, defused: a leading "::" gets a backslash before it, "##[" becomes "##\[". */
function inertLine(line: string): string {
  const shown = line.replace(CONTROL, visible).replace(/##\[/g, '##\\[');
  return shown.replace(/^([\s\u180e]*)::/, '$1\\::');
}

/**
 * `text` with every line made safe to print on a GitHub Actions runner: no line of the result
 * starts a workflow command, whatever `text` holds. Line breaks are kept (as \n), so multi-line
 * text stays multi-line and each of its lines is defused.
 */
export function inert(text: string): string {
  return text.split(LINE_BREAK).map(inertLine).join('\n');
}

/** True when the runner would take this one line of output as a workflow command (for tests and checks). */
export function startsWorkflowCommand(line: string): boolean {
  return /^[\s\u180e\u0085]*::/.test(line) || line.includes('##[');
}

/** For JSON we print: "##[" inside a string becomes "##\u005b" (the same value once parsed). */
export function inertJson(json: string): string {
  return json.replace(/##\[/g, '##\\u005b');
}
