// Every JavaScript action's interface is declared once (src/config/interface/actions.ts). Its
// action.yml is generated from it and fresh; the code reads exactly the inputs action.yml declares,
// with the same defaults, and sets only outputs it declares; every input and output is described;
// docs/actions.md lists the same. Each check is also shown finding drift in a broken copy.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { renderActionYml } from '../../scripts/action-yml.js';
import { runCreateVersionAction } from '../../src/actions/create-version.js';
import { runDeployVersionAction } from '../../src/actions/deploy-version.js';
import { runDeployAction } from '../../src/actions/deploy.js';
import { runPruneVersionsAction } from '../../src/actions/prune-versions.js';
import { runRollbackAction } from '../../src/actions/rollback.js';
import { runUploadBundleAction } from '../../src/actions/upload-bundle.js';
import { main } from '../../src/cli/main.js';
import { ACTIONS, DEPLOY, PRUNE_VERSIONS, ROLLBACK_ACTION } from '../../src/config/interface/actions.js';
import type { ActionInterface } from '../../src/config/interface/spec.js';
import type { InputReader } from '../../src/config/parse.js';
import { newReport, type DeployReport } from '../../src/engine/report.js';
import { checkAction, checkDocs, type ActionFacts } from './action-interface.js';

const root = join(import.meta.dirname, '../..');
const read = (file: string): string => readFileSync(join(root, file), 'utf8');

/** A report with everything known, so every output the code can set is set. */
function fullReport(): DeployReport {
  return {
    ...newReport('shop', 'shop-dev'),
    versionLabel: 'v2',
    previousVersionLabel: 'v1',
    rollbackTarget: 'v1',
    rollbackTargetWhy: 'verified',
    environmentUrl: 'http://shop-dev.example.com',
    health: 'Ok (Green)',
    rolledBack: true,
    wentLive: true,
    supersededBy: 'v3',
    deploySeconds: 42,
    bundle: { sha256: 'a'.repeat(64), size: 10, bucket: 'b', key: `p/${'a'.repeat(64)}.zip`, uploadedBytes: 10 },
    versionReused: false,
    outcome: 'superseded',
  };
}

type Entry = typeof runDeployAction | typeof runUploadBundleAction | typeof runCreateVersionAction | typeof runDeployVersionAction | typeof runRollbackAction | typeof runPruneVersionsAction;
const app = { 'application-name': 'shop' };
const env = { ...app, 'environment-name': 'shop-dev' };
/** Each action's entry (its definition: reader and outputs) and inputs that take its reader down every path. */
const ENTRIES: { entry: Entry; fixtures: Record<string, string>[] }[] = [
  { entry: runDeployAction, fixtures: [env] },
  { entry: runUploadBundleAction, fixtures: [app] },
  { entry: runCreateVersionAction, fixtures: [{ ...app, 's3-key': 'bundles/x.zip' }, { ...app, bundle: '.' }] },
  { entry: runDeployVersionAction, fixtures: [{ ...env, 'version-label': 'v1' }, { ...env, 'promote-from-environment': 'shop-staging' }] },
  { entry: runRollbackAction, fixtures: [env] },
  { entry: runPruneVersionsAction, fixtures: [app] },
];

function facts(action: ActionInterface, yml: unknown = parse(read(action.file))): ActionFacts {
  const found = ENTRIES.find((e) => e.entry.definition.interface === action);
  if (!found) throw new Error(`no entry for ${action.name}`);
  const { definition } = found.entry;
  // The definitions differ in their types; here each is only called with what its own reader returns.
  const readInputs = definition.readInputs as (get: InputReader) => never;
  const inputs = readInputs((name) => found.fixtures[0]?.[name] ?? '');
  const outputs = definition.outputs as (report: DeployReport, result: unknown, inputs: never) => Record<string, unknown>;
  const result = { deleted: ['v0'], kept: 3, protectedLabels: new Map() };
  const set = Object.entries(outputs(fullReport(), result, inputs)).filter(([, v]) => v !== undefined);
  return { action, yml, readInputs, fixtures: found.fixtures, outputsSet: set.map(([name]) => name) };
}

/** A deep copy of `action`'s action.yml, changed by `edit`. */
function brokenYml(action: ActionInterface, edit: (yml: { inputs: Record<string, Record<string, unknown>>; outputs: Record<string, Record<string, unknown>> }) => void): unknown {
  const yml = parse(read(action.file)) as Parameters<typeof edit>[0];
  edit(yml);
  return yml;
}

describe('the action interface (src/config/interface/actions.ts)', () => {
  it('covers every JavaScript action, and every entry has an interface', () => {
    const jsActions = ['action.yml', ...['create-version', 'deploy-version', 'prune-versions', 'rollback', 'upload-bundle'].map((a) => `actions/${a}/action.yml`)];
    expect(ACTIONS.map((a) => a.file).sort()).toEqual(jsActions.sort());
    expect(ENTRIES.map((e) => e.entry.definition.interface)).toEqual(expect.arrayContaining([...ACTIONS]));
    for (const file of jsActions) expect((parse(read(file)) as { runs: { using: string } }).runs.using).toBe('node24');
  });

  it.each(ACTIONS.map((a) => [a.file, a] as const))('%s is generated from it and fresh (npm run generate:action-yml)', (file, action) => {
    const text = read(file);
    expect(renderActionYml(text, action)).toBe(text);
  });

  it.each(ACTIONS.map((a) => [a.file, a] as const))('%s matches the code both ways: inputs read = declared, defaults equal, outputs set ⊆ declared, all described', (_file, action) => {
    expect(checkAction(facts(action))).toEqual([]);
  });

  it('docs/actions.md lists the same inputs, defaults and outputs', () => {
    expect(checkDocs(read('docs/actions.md'), ACTIONS)).toEqual([]);
  });

  it('the CLI takes its flags, help lines and defaults from the same table', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      for (const [command, action, except] of [['deploy', DEPLOY, ['summary']], ['rollback', ROLLBACK_ACTION, ['summary']], ['prune', PRUNE_VERSIONS, []]] as const) {
        log.mockClear();
        expect(await main([command, '--help'])).toBe(0);
        const help = log.mock.calls.map((c) => String(c[0])).join('\n');
        for (const [name, spec] of Object.entries(action.inputs as ActionInterface['inputs'])) {
          if ((except as readonly string[]).includes(name)) continue;
          const line = help.split('\n').find((l) => l.includes(`--${name} `));
          expect(line, `${command} --help: --${name}`).toBeDefined();
          if (spec.default) expect(line).toContain(`(default ${spec.default})`);
        }
      }
    } finally {
      log.mockRestore();
    }
  });
});

describe('the interface checks find drift (broken copies, in memory)', () => {
  it('an action.yml missing an input', () => {
    const yml = brokenYml(ROLLBACK_ACTION, (y) => delete y.inputs['health-url']);
    expect(checkAction(facts(ROLLBACK_ACTION, yml))).toEqual([
      'actions/rollback/action.yml: input "health-url" is in the interface but not declared',
      'actions/rollback/action.yml: the code reads input "health-url", which is not declared',
    ]);
  });

  it('an output the code sets that action.yml does not declare (the rollback action once set rolled-back)', () => {
    const action = ACTIONS.find((a) => a.name === 'deploy-version')!;
    const yml = brokenYml(action, (y) => delete y.outputs['rolled-back']);
    expect(checkAction(facts(action, yml))).toEqual([
      'actions/deploy-version/action.yml: output "rolled-back" is in the interface but not declared',
      'actions/deploy-version/action.yml: the code sets output "rolled-back", which is not declared',
    ]);
  });

  it('a default that differs from the code, a missing description, an input nobody reads', () => {
    const yml = brokenYml(DEPLOY, (y) => {
      y.inputs['stable-seconds']!.default = '30';
      delete y.outputs.health!.description;
      y.inputs['dry-run'] = { description: 'never read', required: false, default: 'false' };
    });
    expect(checkAction(facts(DEPLOY, yml))).toEqual([
      'action.yml: input "stable-seconds" defaults to "30", the interface to "45"',
      'action.yml: input "dry-run" is declared but not in the interface',
      'action.yml: output "health" has no description',
      'action.yml: input "dry-run" is declared but the code never reads it',
      'action.yml: input "stable-seconds": the declared default "30" reads differently from leaving it out',
    ]);
  });

  it('code that reads an input action.yml does not declare', () => {
    const f = facts(PRUNE_VERSIONS);
    const readInputs = (get: InputReader): unknown => [f.readInputs(get), get('dry-run')];
    expect(checkAction({ ...f, readInputs })).toEqual(['actions/prune-versions/action.yml: the code reads input "dry-run", which is not declared']);
  });

  it('docs that miss an input, give another default, or list an output the action lacks', () => {
    const docs = read('docs/actions.md')
      .replace(/^\| `health-url` \|.*\n/m, '')
      .replace('`keep-versions` (`20`)', '`keep-versions` (`10`)')
      .replace('`deleted-count`, `kept-count`', '`deleted-count`, `kept-count`, `rolled-back`');
    expect(checkDocs(docs, ACTIONS)).toEqual([
      expect.stringMatching(/^docs: the deploy input table lists .*; the interface /),
      'docs: deploy\'s input "health-url" is not listed',
      'docs: prune-versions\'s "keep-versions" defaults to "10" there, "20" in the interface',
      'docs: prune-versions lists output "rolled-back", which it does not have',
    ]);
  });
});
