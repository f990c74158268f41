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

/** Values to resolve a template with offline: pseudo parameters, parameters, and `Resource.Attr` results. */
export type StackValues = Record<string, string>;

/** Fn::Sub and Fn::GetAtt resolved as CloudFormation would with these values; anything unknown throws. */
export function resolveIntrinsics(node: unknown, values: StackValues): unknown {
  if (Array.isArray(node)) return node.map((n) => resolveIntrinsics(n, values));
  if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (typeof o['Fn::Sub'] === 'string') {
      return o['Fn::Sub'].replace(/\$\{([^}]+)\}/g, (_, name: string) => {
        if (values[name] === undefined) throw new Error(`unresolved \${${name}}`);
        return values[name];
      });
    }
    if (Array.isArray(o['Fn::GetAtt'])) {
      const key = (o['Fn::GetAtt'] as string[]).join('.');
      if (values[key] === undefined) throw new Error(`unresolved !GetAtt ${key}`);
      return values[key];
    }
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, resolveIntrinsics(v, values)]));
  }
  return node;
}

/** A role's identity policy documents (inline and the template's own managed policies), resolved. */
export function rolePolicyDocuments(template: Template, role: string, values: StackValues): PolicyDocument[] {
  const props = template.Resources[role]?.Properties;
  if (!props) throw new Error(`infra/eb-pipeline.yml has no resource ${role}`);
  const docs = ((props.Policies as { PolicyDocument: PolicyDocument }[] | undefined) ?? []).map((p) => p.PolicyDocument);
  for (const arn of (props.ManagedPolicyArns as { Ref?: string }[] | undefined) ?? []) {
    const managed = arn.Ref ? template.Resources[arn.Ref] : undefined;
    if (managed?.Type === 'AWS::IAM::ManagedPolicy') docs.push(managed.Properties.PolicyDocument as PolicyDocument);
  }
  return docs.map((d) => resolveIntrinsics(d, values) as PolicyDocument);
}

/** The values the offline tests resolve the template with (application "shop", account 123456789012). */
export const TEST_STACK: StackValues = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '123456789012',
  ApplicationName: 'shop',
  'BundlesBucket.Arn': 'arn:aws:s3:::shop-bundles-abc',
  'AppRepository.Arn': 'arn:aws:ecr:us-east-1:123456789012:repository/shop',
  'DevInstanceRole.Arn': 'arn:aws:iam::123456789012:role/shop-dev-eb-instance',
  'ProductionInstanceRole.Arn': 'arn:aws:iam::123456789012:role/shop-production-eb-instance',
  'DevInstanceSecurityGroup.GroupId': 'sg-0dev0000000000000',
  'ProductionInstanceSecurityGroup.GroupId': 'sg-0production00000',
  'ServiceRole.Arn': 'arn:aws:iam::123456789012:role/shop-eb-service',
};
