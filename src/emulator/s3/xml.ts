// Just enough XML for S3: a writer for the reply documents and a strict little reader for the two
// request bodies the emulator accepts (CompleteMultipartUpload and Delete). Request bodies are
// small (S3 caps them at a few MB), so reading them whole is fine.
import { malformedXml } from './errors.js';

export const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`);
}

/** `<name>text</name>` with the text escaped. */
export function element(name: string, text: string | number | boolean): string {
  return `<${name}>${escapeXml(String(text))}</${name}>`;
}

/** `<name>…</name>` around pre-rendered children; undefined/false children are skipped. */
export function parent(name: string, children: readonly (string | undefined | false)[]): string {
  return `<${name}>${children.filter((c) => typeof c === 'string').join('')}</${name}>`;
}

/** A whole reply document with S3's namespace on the root element. */
export function document(root: string, children: readonly (string | undefined | false)[]): string {
  const inner = children.filter((c) => typeof c === 'string').join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${S3_NAMESPACE}">${inner}</${root}>`;
}

export interface XmlNode {
  name: string;
  children: XmlNode[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(parseInt(entity.slice(1), 10));
    const known = ENTITIES[entity];
    if (known === undefined) throw malformedXml(`unknown entity ${whole}`);
    return known;
  });
}

/** Parses a document into element nodes (namespace prefixes dropped). Throws MalformedXML. */
export function parseXml(source: string): XmlNode {
  const stack: XmlNode[] = [];
  let root: XmlNode | undefined;
  const tag = /<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!\[CDATA\[([\s\S]*?)\]\]>/g;
  let last = 0;
  for (let match = tag.exec(source); match; match = tag.exec(source)) {
    const between = source.slice(last, match.index);
    if (between.includes('<')) throw malformedXml('stray "<"');
    const top = stack.at(-1);
    if (between.trim() !== '') {
      if (!top) throw malformedXml('text outside the root element');
      top.text += decodeEntities(between);
    }
    last = tag.lastIndex;
    if (match[5] !== undefined) {
      if (!top) throw malformedXml('CDATA outside the root element');
      top.text += match[5];
      continue;
    }
    const name = match[2];
    if (name === undefined) continue; // processing instruction or comment
    const localName = name.includes(':') ? name.slice(name.indexOf(':') + 1) : name;
    if (match[1] === '/') {
      const open = stack.pop();
      if (!open || open.name !== localName) throw malformedXml(`unexpected </${name}>`);
      continue;
    }
    const node: XmlNode = { name: localName, children: [], text: '' };
    if (top) top.children.push(node);
    else if (root) throw malformedXml('more than one root element');
    else root = node;
    if (match[4] !== '/') stack.push(node);
  }
  const rest = source.slice(last);
  if (rest.trim() !== '') throw malformedXml('trailing content after the root element');
  if (stack.length > 0) throw malformedXml(`<${stack.at(-1)?.name}> is not closed`);
  if (!root) throw malformedXml('empty document');
  return root;
}

export function childText(node: XmlNode, name: string): string | undefined {
  return node.children.find((c) => c.name === name)?.text;
}
