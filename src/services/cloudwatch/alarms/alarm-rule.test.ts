// Composite alarms' AlarmRule: parsing (names quoted or not, ARNs), precedence, evaluation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateRule, parseRule, ruleAlarms, RuleSyntaxError } from './alarm-rule.js';
import type { AlarmState } from './alarm-model.js';

const states: Record<string, AlarmState> = { cpu: 'ALARM', disk: 'OK', net: 'INSUFFICIENT_DATA', 'my alarm': 'ALARM' };
const run = (rule: string) => evaluateRule(parseRule(rule), (n) => states[n]);

test('functions, constants, NOT binds tighter than AND, AND tighter than OR', () => {
  assert.equal(run('ALARM(cpu)'), true);
  assert.equal(run('OK(cpu)'), false);
  assert.equal(run('INSUFFICIENT_DATA(net)'), true);
  assert.equal(run('TRUE AND NOT FALSE'), true);
  assert.equal(run('ALARM(disk) OR ALARM(cpu) AND OK(disk)'), true);
  assert.equal(run('(ALARM(disk) OR ALARM(cpu)) AND NOT OK(disk)'), false);
  assert.equal(run('ALARM("my alarm") AND ALARM(arn:aws:cloudwatch:us-east-1:123456789012:alarm:cpu)'), true);
  assert.equal(run('ALARM(missing)'), false);
});

test('the alarms a rule names, ARNs reduced to names', () => {
  assert.deepEqual(ruleAlarms(parseRule('ALARM(a) OR (OK("b c") AND NOT ALARM(arn:aws:cloudwatch:eu-west-1:123456789012:alarm:a))')), ['a', 'b c']);
});

test('what does not parse', () => {
  for (const bad of ['', 'ALARM(a) AND', 'ALARM a', 'ALARM(a))', 'MAYBE(a)', '(TRUE', 'ALARM("a)']) assert.throws(() => parseRule(bad), RuleSyntaxError, bad);
});
