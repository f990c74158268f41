// The emulator's XML, both ways, for EB's Query replies and for S3 (replies and request bodies), over
// fast-xml-parser. What the library leaves to its caller is decided here, once:
// - Text is escaped by one table: & < > " ' as entities, and a carriage return as &#xD; (a parser
//   turns a literal one into a line feed). A character XML 1.0 cannot carry (C0 controls other than
//   tab, LF and CR; U+FFFE, U+FFFF) is written as S3 writes it, a character reference, which the AWS
//   SDK for JavaScript reads back exactly (expat, hence boto3, refuses it: S3 clients ask for
//   encoding-type=url), or replaced by U+FFFD where the reply must stay readable by every client.
// - Arrays repeat their element (S3's flattened lists); EB wraps each list item in <member> itself.
// - Reading is strict where S3 is: one root of the expected name, well-formed, only the five XML
//   entities and character references, no DOCTYPE; everything else is an XmlSyntaxError, which S3
//   answers as MalformedXML. The elements a caller names as lists are always arrays, one or many.
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/**
 * Element content to write: keys are element names in document order, `@name` keys attributes of
 * the element holding them; an array repeats its element; undefined leaves the element out.
 */
export interface XmlTree {
  [name: string]: XmlContent;
}
export type XmlText = string | number | boolean;
export type XmlContent = XmlText | XmlTree | undefined | readonly (XmlText | XmlTree)[];

/** What to do with a character XML 1.0 cannot carry. */
export type Unrepresentable = 'reference' | 'replace';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#xD;' };
// eslint-disable-next-line no-control-regex -- the characters XML 1.0 cannot carry are the point
const SPECIAL = /[&<>"'\r\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

export function escapeXml(text: string, unrepresentable: Unrepresentable = 'reference'): string {
  return text.replace(
    SPECIAL,
    (c) => ESCAPES[c] ?? (unrepresentable === 'reference' ? `&#x${c.charCodeAt(0).toString(16).toUpperCase()};` : '\ufffd'),
  );
}

function builder(unrepresentable: Unrepresentable): XMLBuilder {
  const escape = (_name: string, value: unknown): string => escapeXml(String(value), unrepresentable);
  return new XMLBuilder({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    suppressBooleanAttributes: false,
    processEntities: false, // escaped by the processors below, in one pass
    tagValueProcessor: escape,
    attributeValueProcessor: escape,
  });
}
const BUILDERS: Record<Unrepresentable, XMLBuilder> = { reference: builder('reference'), replace: builder('replace') };

export interface DocumentOptions {
  /** The default namespace, written as xmlns on the root. */
  namespace?: string | undefined;
  unrepresentable?: Unrepresentable;
}

/** A whole document: the XML declaration, then `<root xmlns=…>content</root>`. */
export function xmlDocument(root: string, content: XmlTree, options: DocumentOptions = {}): string {
  const top = options.namespace === undefined ? content : { '@xmlns': options.namespace, ...content };
  return XML_DECLARATION + BUILDERS[options.unrepresentable ?? 'reference'].build({ [root]: top });
}

/** A request body that is not well-formed XML, or not the document expected. */
export class XmlSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlSyntaxError';
  }
}

/** A parsed element: child elements by name (lists always arrays), text as strings. */
export interface XmlElement {
  readonly [name: string]: XmlNode | readonly XmlNode[] | undefined;
}
export type XmlNode = string | XmlElement;

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * fast-xml-parser's entity hook: the five XML entities and every character reference (the
 * library's own decoder leaves references alone unless HTML entities are on); anything else is
 * not XML.
 */
const strictEntities = {
  setExternalEntities: (): void => undefined,
  addInputEntities: (entities: Record<string, string>): void => {
    if (Object.keys(entities).length > 0) throw new XmlSyntaxError('entity declarations are not accepted');
  },
  reset: (): void => undefined,
  setXmlVersion: (): void => undefined,
  decode: (text: string): string =>
    text.replace(/&([^;&]*);/g, (whole, name: string) => {
      const known = XML_ENTITIES[name];
      if (known !== undefined) return known;
      const code = /^#x[0-9a-fA-F]{1,6}$/.test(name) ? parseInt(name.slice(2), 16) : /^#[0-9]{1,7}$/.test(name) ? Number(name.slice(1)) : NaN;
      if (code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff)) return String.fromCodePoint(code);
      throw new XmlSyntaxError(`${whole} is not an XML entity or a character reference`);
    }),
};

function parserFor(lists: readonly string[]): XMLParser {
  return new XMLParser({
    ignoreAttributes: true,
    removeNSPrefix: true,
    parseTagValue: false, // text stays text: a key "007" or "true" is not a number or a boolean
    trimValues: false, // a key may begin or end with spaces
    ignoreDeclaration: true,
    ignorePiTags: true,
    entityDecoder: strictEntities,
    isArray: (_name, path) => lists.includes(String(path)),
  });
}

/**
 * Reads a request body whose root must be `root`. `lists` names the repeated elements by path
 * (`Delete.Object`): they are arrays whether the body holds one or many.
 */
export function readXml(source: string, root: string, lists: readonly string[] = []): XmlElement {
  if (/<!DOCTYPE/i.test(source)) throw new XmlSyntaxError('a DOCTYPE is not accepted');
  const valid = XMLValidator.validate(source);
  if (valid !== true) throw new XmlSyntaxError(`${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`);
  let parsed: Record<string, unknown>;
  try {
    parsed = parserFor(lists).parse(source) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof XmlSyntaxError) throw error;
    throw new XmlSyntaxError(error instanceof Error ? error.message : String(error));
  }
  const roots = Object.keys(parsed);
  if (roots.length !== 1) throw new XmlSyntaxError(roots.length === 0 ? 'empty document' : 'more than one root element');
  if (roots[0] !== root) throw new XmlSyntaxError(`the root element is <${roots[0]}>, expected <${root}>`);
  const top = parsed[root];
  if (Array.isArray(top)) throw new XmlSyntaxError('more than one root element');
  return typeof top === 'object' && top !== null && !Array.isArray(top) ? (top as XmlElement) : {};
}

/** The text of the child element `name`; undefined when there is none. */
export function childText(element: XmlElement, name: string): string | undefined {
  const child = element[name];
  if (child === undefined || typeof child === 'string') return child;
  if (Array.isArray(child)) throw new XmlSyntaxError(`<${name}> appears more than once`);
  throw new XmlSyntaxError(`<${name}> holds elements where text is expected`);
}

/** The child elements named `name`, in document order (an empty `<name/>` is an empty element). */
export function childElements(element: XmlElement, name: string): XmlElement[] {
  const child = element[name];
  if (child === undefined) return [];
  return (Array.isArray(child) ? (child as readonly XmlNode[]) : [child as XmlNode]).map((node) => {
    if (typeof node === 'object') return node;
    if (node.trim() === '') return {};
    throw new XmlSyntaxError(`<${name}> holds text where elements are expected`);
  });
}
