import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JsonNumber, JsonObject, JsonSyntaxError, parseJsonWithPositions } from './json-with-positions.js';

test('reads JSON values, keeping number text and object positions', () => {
  const v = parseJsonWithPositions('{\n  "a": [1.50, true, null, "x\\u0041\\n"],\n  "b": {}\n}');
  assert.ok(v instanceof JsonObject);
  assert.deepEqual(v.start, { line: 1, column: 1 });
  assert.deepEqual(v.end, { line: 4, column: 1 });
  const a = v.fields.get('a') as unknown[];
  assert.ok(a[0] instanceof JsonNumber && a[0].raw === '1.50');
  assert.deepEqual(a.slice(1), [true, null, 'xA\n']);
  const b = v.fields.get('b') as JsonObject;
  assert.deepEqual([b.start, b.end], [{ line: 3, column: 8 }, { line: 3, column: 9 }]);
});

test('refuses duplicate keys, trailing text, bad escapes and trailing commas', () => {
  for (const bad of ['{"a":1,"a":2}', '{} x', '"\\q"', '[1,]', '{"a":1,}', '', 'tru', '01', '"a\nb"']) {
    assert.throws(() => parseJsonWithPositions(bad), JsonSyntaxError, bad);
  }
});
