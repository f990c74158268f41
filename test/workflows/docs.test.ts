// The docs' copy-paste examples are the templates themselves (not a drifting copy), and the docs'
// relative links lead somewhere.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadYamlFile, repoRoot, templatePaths } from './workflow-files.js';

const read = (path: string): string => readFileSync(join(repoRoot, path), 'utf8');
const yamlBlocks = (markdown: string): string[] => [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => String(m[1]));

describe('docs/workflows', () => {
  it.each(templatePaths())('%s has a page whose example is the template', (path) => {
    const page = `docs/workflows/${path.replace(/^workflows\//, '').replace(/\.ya?ml$/, '.md')}`;
    expect(existsSync(join(repoRoot, page)), page).toBe(true);
    const template = loadYamlFile(path).doc;
    const examples = yamlBlocks(read(page)).map((block) => parse(block) as unknown);
    expect(examples).toContainEqual(template);
  });

  it.each(['docs/workflows/push-to-deploy.md', 'docs/workflows/deploy-production.md', 'docs/workflows/pull-request.md', 'docs/aws-setup.md'])(
    '%s links only to files that exist',
    (page) => {
      const links = [...read(page).matchAll(/\]\(([^)#:]+)(#[^)]*)?\)/g)].map((m) => String(m[1]));
      expect(links.length).toBeGreaterThan(0);
      expect(links.filter((link) => !existsSync(join(repoRoot, dirname(page), link)))).toEqual([]);
    },
  );

  it('the docs cite code by file and symbol, never by line number (line numbers rot)', () => {
    const pages = ['README.md', ...readdirSync(join(repoRoot, 'docs'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
    const cited = pages.flatMap((page) => [...read(page).matchAll(/[\w./-]+\.(?:ts|js|mjs|sh|py|ya?ml|json):\d+/g)].map((m) => `${page}: ${m[0]}`));
    expect(cited).toEqual([]);
  });
});
