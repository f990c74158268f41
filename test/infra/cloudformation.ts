// Reading infra/eb-pipeline.yml offline: YAML with CloudFormation's short-form tags (!Ref, !Sub,
// !GetAtt, ...) turned into their long forms ({ Ref: x }, { 'Fn::Sub': x }, ...), as CloudFormation does.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, type ScalarTag, type CollectionTag, type YAMLSeq } from 'yaml';
import { repoRoot } from '../workflows/workflow-files.js';

export const TEMPLATE_PATH = 'infra/eb-pipeline.yml';

const FUNCTIONS = ['Base64', 'Cidr', 'Equals', 'FindInMap', 'GetAZs', 'If', 'ImportValue', 'Join', 'Not', 'Or', 'And', 'Select', 'Split', 'Sub', 'GetAtt'];

function longForm(name: string, value: unknown): Record<string, unknown> {
  if (name === 'Ref') return { Ref: value };
  // !GetAtt Resource.Attribute.Path → ['Resource', 'Attribute.Path']
  if (name === 'GetAtt' && typeof value === 'string') {
    const dot = value.indexOf('.');
    return { 'Fn::GetAtt': [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [`Fn::${name}`]: value };
}

const tags: (ScalarTag | CollectionTag)[] = ['Ref', ...FUNCTIONS].flatMap((name) => [
  { tag: `!${name}`, resolve: (value: string) => longForm(name, value) } satisfies ScalarTag,
  {
    tag: `!${name}`,
    collection: 'seq',
    resolve: (seq: YAMLSeq) => longForm(name, seq.toJSON()),
  } as unknown as CollectionTag,
]);

export interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
export interface PolicyDocument {
  Statement: Statement[];
}
export interface Resource {
  Type: string;
  Condition?: string;
  Properties: Record<string, unknown>;
}
export interface Template {
  Parameters: Record<string, { Type: string; Default?: string; AllowedPattern?: string }>;
  Conditions: Record<string, unknown>;
  Resources: Record<string, Resource>;
  Outputs: Record<string, { Value: unknown; Description?: string }>;
}

export function loadTemplate(path = TEMPLATE_PATH): Template {
  return parse(readFileSync(join(repoRoot, path), 'utf8'), { customTags: tags }) as Template;
}

export const actions = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
export const resources = (s: Statement): unknown[] => (Array.isArray(s.Resource) ? (s.Resource as unknown[]) : [s.Resource]);

/** A !Sub string's text, or a plain string; anything else as JSON (for messages and matching). */
export function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'Fn::Sub' in value && typeof value['Fn::Sub'] === 'string') return value['Fn::Sub'];
  return JSON.stringify(value);
}

/** Every { Ref } and { Fn::GetAtt } target, and every ${Name} or ${Name.Attr} inside a !Sub string. */
export function references(node: unknown, out: Set<string> = new Set()): Set<string> {
  if (Array.isArray(node)) for (const item of node) references(item, out);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'Ref' && typeof value === 'string') out.add(value);
      else if (key === 'Fn::GetAtt' && Array.isArray(value)) out.add(String(value[0]));
      else if (key === 'Fn::Sub') {
        const pattern = typeof value === 'string' ? value : String((value as unknown[])[0]);
        for (const m of pattern.matchAll(/\$\{([^}!.]+)(\.[^}]*)?\}/g)) out.add(String(m[1]));
        references(value, out);
      } else references(value, out);
    }
  }
  return out;
}
