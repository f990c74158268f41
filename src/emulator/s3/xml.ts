// S3's side of the emulator's XML (../xml.ts): replies carry S3's namespace on the root (error
// documents none, as S3 writes them); a request body that is not the XML S3 expects is MalformedXML.
// Request bodies are small (S3 caps them at a few MB), so reading them whole is fine.
import { malformedXml } from './errors.js';
import { readXml, xmlDocument, XmlSyntaxError, type XmlElement, type XmlTree } from '../xml.js';

export { childElements, childText, type XmlElement, type XmlTree } from '../xml.js';

export const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** A reply document with S3's namespace on the root element. */
export function s3Document(root: string, content: XmlTree): string {
  return xmlDocument(root, content, { namespace: S3_NAMESPACE });
}

/** S3's `<Error>` document (no namespace). */
export function s3ErrorDocument(content: XmlTree): string {
  return xmlDocument('Error', content);
}

/**
 * Reads a request body whose root must be `root` (`lists`: the repeated elements by path, e.g.
 * `Delete.Object`) and hands it to `read`; what is not well-formed, or not where `read` expects it,
 * is MalformedXML.
 */
export function readS3Body<T>(body: Buffer, root: string, lists: readonly string[], read: (element: XmlElement) => T): T {
  try {
    return read(readXml(body.toString('utf8'), root, lists));
  } catch (error) {
    if (error instanceof XmlSyntaxError) throw malformedXml(error.message);
    throw error;
  }
}
