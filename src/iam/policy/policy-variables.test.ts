import assert from 'node:assert/strict';
import { test } from 'node:test';
import { QMARK, STAR } from './glob.js';
import { parseTemplate, piecesText, resolveTemplate } from './policy-variables.js';

const on = { variables: true, wildcards: true };
const ctx: Record<string, string | string[]> = { 'aws:username': 'bob', 'aws:principaltag/team': 'blue', 'aws:tagkeys': ['a', 'b'] };
const lookup = (k: string) => ctx[k];
const resolve = (text: string, opts = on) => {
  const missing: string[] = [];
  const r = resolveTemplate(parseTemplate(text, opts), lookup, (n) => missing.push(n));
  return { r, missing };
};

test('variables resolve from the context; key names are case-insensitive', () => {
  assert.deepEqual(resolve('home/${aws:username}/').r, ['home/', 'bob', '/']);
  assert.deepEqual(resolve('${AWS:UserName}').r, ['bob']);
  assert.deepEqual(resolve('x-${aws:PrincipalTag/team}').r, ['x-', 'blue']);
});

test('a key with no value, or a multivalued one, leaves the value unusable and is reported', () => {
  assert.deepEqual(resolve('${aws:userid}'), { r: undefined, missing: ['aws:userid'] });
  assert.deepEqual(resolve('${aws:TagKeys}'), { r: undefined, missing: ['aws:TagKeys'] });
});

test("defaults: ${key, 'default'}, '' is a quote, spaces around are ignored, text is not re-read", () => {
  assert.deepEqual(resolve("${aws:userid, 'anonymous'}").r, ['anonymous']);
  assert.deepEqual(resolve("${ aws:userid , 'it''s' }").r, ["it's"]);
  assert.deepEqual(resolve("${aws:username, 'x'}").r, ['bob']);
  assert.deepEqual(resolve("${aws:userid, '${aws:username}'}").r, ['${aws:username}']);
  assert.deepEqual(resolve("${aws:userid, 'a}b'}").r, ['a}b']);
});

test('${*} ${?} ${$} are literal characters, not wildcards', () => {
  assert.deepEqual(parseTemplate('a${*}b${?}c${$}', on), ['a*b?c$']);
  assert.deepEqual(parseTemplate('a*b?', on), ['a', STAR, 'b', QMARK]);
});

test('without variables (Version 2008-10-17) and without wildcards (StringEquals)', () => {
  assert.deepEqual(parseTemplate('${aws:username}*', { variables: false, wildcards: true }), ['${aws:username}', STAR]);
  assert.equal(piecesText(resolve('a*${aws:username}', { variables: true, wildcards: false }).r!), 'a*bob');
});

test('malformed variables stay literal text', () => {
  assert.deepEqual(parseTemplate('${aws:username', on), ['${aws:username']);
  assert.deepEqual(parseTemplate("${a b}", on), ['${a b}']);
  assert.deepEqual(parseTemplate("${}", on), ['${}']);
});
