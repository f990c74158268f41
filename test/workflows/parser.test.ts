// GitHub's own parser (@actions/workflow-parser, what the Actions service and the VS Code extension
// use) must accept every workflow and action.yml with zero errors.
import { NoOperationTraceWriter, convertWorkflowTemplate, parseWorkflow } from '@actions/workflow-parser';
import { parseAction } from '@actions/workflow-parser/actions/index';
import { describe, expect, it } from 'vitest';
import { actionPaths, loadYamlFile, workflowPaths } from './workflow-files.js';

describe('@actions/workflow-parser', () => {
  it('finds the workflows and actions it validates', () => {
    expect(workflowPaths()).toEqual(
      expect.arrayContaining([
        '.github/workflows/ci.yml',
        '.github/workflows/django-ci.yml',
        '.github/workflows/build-images.yml',
        '.github/workflows/deploy.yml',
        'workflows/push-to-deploy.yml',
        'workflows/deploy-production.yml',
        'workflows/pull-request.yml',
      ]),
    );
    expect(actionPaths()).toEqual(expect.arrayContaining(['action.yml', 'actions/build-images/action.yml', 'actions/django-test/action.yml']));
  });

  it.each(workflowPaths())('%s parses and converts with zero errors', async (path) => {
    const { text } = loadYamlFile(path);
    const result = parseWorkflow({ name: path, content: text }, new NoOperationTraceWriter());
    const errors = result.context.errors.getErrors().map((e) => e.message);
    expect(errors).toEqual([]);
    expect(result.value).toBeDefined();
    if (!result.value) return;
    const template = await convertWorkflowTemplate(result.context, result.value);
    expect((template.errors ?? []).map((e) => e.Message)).toEqual([]);
    expect(Object.keys(template.jobs).length).toBeGreaterThan(0);
  });

  it.each(actionPaths())('%s parses with zero errors', (path) => {
    const { text } = loadYamlFile(path);
    const result = parseAction({ name: path, content: text }, new NoOperationTraceWriter());
    expect(result.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    expect(result.value).toBeDefined();
  });

  it('reports a broken action, so a pass above means something', () => {
    const broken = 'name: a\ndescription: b\nbogus: 1\nruns:\n  using: node24\n  main: x.js\n';
    const result = parseAction({ name: 'broken/action.yml', content: broken }, new NoOperationTraceWriter());
    expect(result.context.errors.getErrors().map((e) => e.message)).toEqual([expect.stringContaining("Unexpected value 'bogus'")]);
  });

  it('reports a broken workflow, so a pass above means something', () => {
    const broken = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ github.sha\n';
    const result = parseWorkflow({ name: 'broken.yml', content: broken }, new NoOperationTraceWriter());
    expect(result.context.errors.getErrors().length).toBeGreaterThan(0);
  });
});
