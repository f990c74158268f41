// The docs' copy-paste examples are the templates themselves (not a drifting copy), and the docs'
// relative links lead somewhere.
import { existsSync, readFileSync } from 'node:fs';
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
});
