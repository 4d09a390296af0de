// A strict JSON reader for policy documents. Unlike JSON.parse it refuses duplicate keys (IAM:
// "Individual elements must not contain multiple instances of the same key"), keeps a number's
// text as written (a condition value 10.0 stays "10.0") and records where each object starts and
// ends, which is what SimulatePrincipalPolicy reports for a matched statement.
import type { TextPosition } from './types.js';

export class JsonNumber {
  constructor(readonly raw: string) {}
}

/** An object, with the positions of its opening and closing braces. */
export class JsonObject {
  constructor(
    readonly fields: Map<string, JsonValue>,
    readonly start: TextPosition,
    readonly end: TextPosition,
  ) {}
}

export type JsonValue = string | boolean | null | JsonNumber | JsonObject | JsonValue[];

export class JsonSyntaxError extends Error {}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

export function parseJsonWithPositions(text: string): JsonValue {
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const fail = (what: string): never => {
    throw new JsonSyntaxError(`${what} at line ${line}, column ${i - lineStart + 1}`);
  };
  const pos = (): TextPosition => ({ line, column: i - lineStart + 1 });
  const skip = () => {
    while (i < text.length && WS.has(text.charCodeAt(i))) {
      if (text.charCodeAt(i) === 0x0a) {
        line++;
        lineStart = i + 1;
      }
      i++;
    }
  };
  const expect = (ch: string) => {
    if (text[i] !== ch) fail(`expected '${ch}'`);
    i++;
  };

  const readString = (): string => {
    expect('"');
    let out = '';
    let from = i;
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c < 0x20) fail('control character in string');
      if (c !== 0x5c) {
        i++;
        continue;
      }
      out += text.slice(from, i);
      const e = text[i + 1];
      i += 2;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const hex = text.slice(i, i + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          i += 4;
          break;
        }
        default: fail('bad escape');
      }
      from = i;
    }
    out += text.slice(from, i);
    i++;
    return out;
  };

  const readValue = (): JsonValue => {
    skip();
    const c = text[i];
    if (c === '{') {
      const start = pos();
      i++;
      const fields = new Map<string, JsonValue>();
      skip();
      if (text[i] === '}') {
        const end = pos();
        i++;
        return new JsonObject(fields, start, end);
      }
      for (;;) {
        skip();
        const key = readString();
        if (fields.has(key)) fail(`duplicate key ${key}`);
        skip();
        expect(':');
        fields.set(key, readValue());
        skip();
        if (text[i] === ',') { i++; continue; }
        const end = pos();
        expect('}');
        return new JsonObject(fields, start, end);
      }
    }
    if (c === '[') {
      i++;
      const items: JsonValue[] = [];
      skip();
      if (text[i] === ']') { i++; return items; }
      for (;;) {
        items.push(readValue());
        skip();
        if (text[i] === ',') { i++; continue; }
        expect(']');
        return items;
      }
    }
    if (c === '"') return readString();
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return value;
      }
    }
    const m = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    m.lastIndex = i;
    const num = m.exec(text);
    if (!num) return fail('unexpected character');
    i += num[0].length;
    return new JsonNumber(num[0]);
  };

  const value = readValue();
  skip();
  if (i !== text.length) fail('trailing characters');
  return value;
}
