/**
 * YAML parsing for rule files and tables. Codes and modifiers must stay strings: a plain
 * scalar written with a leading zero (`0450`, `007`) is kept as the string it was written as
 * instead of becoming a number, and code fields accept numbers (`59`) and turn them back
 * into strings in the rule schema.
 */
import { parseDocument, visit, isScalar } from 'yaml';
import { RulesError } from '../errors.js';

/** Parses YAML text into plain data. Throws {@link RulesError} with the file and row of a syntax error. */
export function parseYaml(text: string, file: string): unknown {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const row = e?.linePos?.[0]?.line;
    throw new RulesError(`not valid YAML: ${e?.message.split('\n')[0] ?? 'syntax error'}`, { file, ...(row ? { row } : {}) });
  }
  visit(doc, {
    Scalar(_key, node) {
      if (isScalar(node) && typeof node.value === 'number' && typeof node.source === 'string' && /^[+-]?0\d+$/.test(node.source)) {
        node.value = node.source;
      }
    },
  });
  return doc.toJS();
}
