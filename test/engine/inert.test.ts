// Untrusted text is inert: whatever a health body, an EB event or an AWS error holds, no line our
// loggers print from it starts a workflow command (the runner's two parsers: "::" at the start of a
// line after whitespace, and the legacy "##[" anywhere in it).
import { describe, expect, it } from 'vitest';
import { inert, inertJson, startsWorkflowCommand } from '../../src/engine/inert.js';
import { escapeHtml } from '../../src/actions/summary.js';

const HOSTILE = [
  '::add-mask::secret',
  '  ::stop-commands::token',
  '\t::error file=x::fake annotation',
  'ok\n::add-mask::after-newline',
  'ok\r::set-output name=x::after-cr',
  'ok\r\n::warning::after-crlf',
  'ok\u2028::add-mask::after-line-separator',
  'ok\u0085::add-mask::after-next-line',
  'body ##[add-mask]legacy-mid-line',
  '##[stop-commands]legacy',
  '\u00a0\u3000::add-mask::unicode-space',
  '::group::g\n::endgroup::',
  'ok\n\n\n::add-mask::after-blank-lines',
];

describe('inert', () => {
  it.each(HOSTILE)('no line of %j starts a workflow command', (text) => {
    expect(text.split(/\r\n|[\r\n\u0085\u2028\u2029]/).some(startsWorkflowCommand)).toBe(true);
    const out = inert(text);
    for (const line of out.split('\n')) expect(startsWorkflowCommand(line), line).toBe(false);
    // Still readable: the words are all there.
    expect(out).toContain(text.replace(/[\s\S]*::|[\s\S]*\]/, ''));
  });

  it('keeps ordinary text exactly as it was', () => {
    const text = 'uploading 123 bytes to s3://b/k: "v1" is live (Ok) after 12 s; see https://example.com:8080/x';
    expect(inert(text)).toBe(text);
    expect(inert('line one\nline two')).toBe('line one\nline two');
  });

  it('shows control characters instead of letting them repaint the log', () => {
    expect(inert('red \u001b[31malert\u001b[0m')).toBe('red \\u001b[31malert\\u001b[0m');
    expect(inert('nul\u0000bell\u0007')).toBe('nul\\u0000bell\\u0007');
    expect(inert('tab\tkept')).toBe('tab\tkept');
  });

  it('defuses with a visible backslash', () => {
    expect(inert('::add-mask::secret')).toBe('\\::add-mask::secret');
    expect(inert('a ##[error]b')).toBe('a ##\\[error]b');
    expect(inert('x\r\n  ::stop-commands::t')).toBe('x\n  \\::stop-commands::t');
  });

  it('inertJson keeps the JSON value and defuses "##["', () => {
    const json = JSON.stringify({ message: 'a ##[add-mask]b\n::add-mask::c' }, null, 2);
    const out = inertJson(json);
    for (const line of out.split('\n')) expect(startsWorkflowCommand(line)).toBe(false);
    expect(JSON.parse(out)).toEqual({ message: 'a ##[add-mask]b\n::add-mask::c' });
  });
});

describe('summary text', () => {
  it('has no tags and no line breaks (a blank line would turn the rest into Markdown)', () => {
    const out = escapeHtml('<img src=x onerror=alert(1)>\n\n![t](https://evil.example/p.png)\r\n"q"');
    expect(out).toBe('&lt;img src=x onerror=alert(1)&gt;<br><br>![t](https://evil.example/p.png)<br>&quot;q&quot;');
    expect(out).not.toMatch(/[\r\n]/);
  });
});
