import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RulesError, UsageError } from '../src/errors.js';
import { defaultRulesDir, loadRules } from '../src/rules/loader.js';
import { testRule, testRules } from '../src/rules/tester.js';

const FIXTURES = resolve(__dirname, '..', 'fixtures', 'rules');
const pack = loadRules([defaultRulesDir()]);

function tempPack(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'medbill-rules-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const GOOD = `schemaVersion: 1
id: my-rule
kind: frequency-limit
category: duplicate
severity: error
confidence: high
title: Test rule
message: "{code} on {date} twice"
docs:
  rationale: For the test.
  references: [test]
options:
  codes: [0450X]
  max: 1
  scope: day
`;

function rulesError(fn: () => unknown): RulesError {
  try {
    fn();
  } catch (err) {
    if (err instanceof RulesError) return err;
    throw err;
  }
  throw new Error('expected a RulesError');
}

describe('default rule pack', () => {
  it('loads every rule file, one rule per file, id = file name', () => {
    expect(pack.rules.length).toBe(34);
    for (const r of pack.rules) expect(r.file.endsWith(`${r.id}.yaml`)).toBe(true);
    expect(pack.digest).toMatch(/^sha256:[0-9a-f]{16}$/);
  });

  it('gives every rule a rationale, a source and a confidence', () => {
    for (const r of pack.rules) {
      expect(r.def.docs.rationale.trim().length, r.id).toBeGreaterThan(20);
      expect(r.def.docs.references.length, r.id).toBeGreaterThan(0);
      expect(['high', 'medium', 'low']).toContain(r.def.confidence);
    }
  });

  describe.each(pack.rules.map((r) => [r.id, r] as const))('%s', (_id, rule) => {
    it('fires exactly on the lines its fixture marks, and not on the exceptions', () => {
      const result = testRule(rule, pack, FIXTURES);
      expect(result.problems).toEqual([]);
      expect(result.expected.length).toBeGreaterThan(0);
    });
  });

  it('keeps leading-zero codes as strings in tables and sets', () => {
    expect(pack.tables.set('ed-revenue').has('0450')).toBe(true);
    expect(pack.tables.set('room-and-board-revenue').has('0120')).toBe(true);
    expect(pack.tables.set('room-and-board-revenue').has('0171')).toBe(false);
    expect(pack.tables.set('repeat-modifiers').has('59')).toBe(true);
  });
});

describe('rule loading errors name the file and key', () => {
  it('accepts a valid user pack beside the default one, with codes kept as strings', () => {
    const dir = tempPack({ 'my-rule.yaml': GOOD });
    const set = loadRules([defaultRulesDir(), dir]);
    expect(set.rules.find((r) => r.id === 'my-rule')?.pack).toBe(dir);
  });

  it.each([
    ['an unknown key', GOOD.replace('title: Test rule', 'title: Test rule\ncolour: red'), /unknown key\(s\) "colour"/, undefined],
    ['an id that is not the file name', GOOD.replace('id: my-rule', 'id: other-rule'), /must equal the file name "my-rule"/, 'id'],
    ['an unknown check kind', GOOD.replace('kind: frequency-limit', 'kind: regex'), /unknown check kind "regex"/, 'kind'],
    ['an unknown placeholder', GOOD.replace('{code} on {date} twice', '{code} costs {price}'), /unknown placeholder \{price\}/, 'message'],
    ['an unknown code set', GOOD.replace('codes: [0450X]', 'codes: { set: no-such-set }'), /unknown code set "no-such-set"/, 'options.codes'],
    ['bad options', GOOD.replace('max: 1', 'max: many'), /options\.max/, 'options.max'],
    ['a missing rationale', GOOD.replace('  rationale: For the test.\n', ''), /docs\.rationale/, undefined],
    ['a predicate with two operators', GOOD + 'where: { field: code, eq: "99213", present: true }\n', /exactly one operator/, undefined],
    ['a table outside the pack', GOOD.replace('kind: frequency-limit', 'kind: component-of').replace(/options:[\s\S]*$/, 'options:\n  table: ../../etc/passwd\n'), /kebab-case file stems/, 'options.table'],
  ])('rejects %s', (_what, text, message, key) => {
    const dir = tempPack({ 'my-rule.yaml': text });
    const err = rulesError(() => loadRules([defaultRulesDir(), dir]));
    expect(err.message).toMatch(message);
    expect(err.problems[0]?.location?.file).toBe(join(dir, 'my-rule.yaml'));
    if (key) expect(err.problems[0]?.location?.key).toBe(key);
  });

  it('rejects a rule id defined twice', () => {
    const dir = tempPack({ 'duplicate-line.yaml': GOOD.replace('id: my-rule', 'id: duplicate-line') });
    expect(() => loadRules([defaultRulesDir(), dir])).toThrow(/already defined/);
  });

  it('reports YAML syntax errors with the row', () => {
    const dir = tempPack({ 'my-rule.yaml': 'schemaVersion: 1\nid: [unclosed\n' });
    const err = rulesError(() => loadRules([defaultRulesDir(), dir]));
    expect(err.message).toMatch(/not valid YAML/);
    expect(err.problems[0]?.location?.row).toBeGreaterThan(0);
  });

  it('refuses --only/--disable ids that do not exist', () => {
    expect(() => loadRules([defaultRulesDir()], { only: ['no-such-rule'] })).toThrow(UsageError);
    expect(loadRules([defaultRulesDir()], { only: ['duplicate-line'] }).rules.map((r) => r.id)).toEqual(['duplicate-line']);
    expect(loadRules([defaultRulesDir()], { disable: ['duplicate-line'] }).rules.some((r) => r.id === 'duplicate-line')).toBe(false);
  });
});

describe('rule tester', () => {
  it('fails a rule without a fixture, without positives or without exceptions', () => {
    const dir = tempPack({ 'my-rule.yaml': GOOD.replace('[0450X]', '["99213"]') });
    const set = loadRules([defaultRulesDir(), dir]);
    const noFixture = testRules(set, join(dir, 'fixtures'), dir);
    expect(noFixture[0]?.problems[0]).toMatch(/no fixture/);
    writeFileSync(join(dir, 'fixtures.csv'), '');
    mkdirSync(join(dir, 'fixtures'), { recursive: true });
    writeFileSync(join(dir, 'fixtures', 'my-rule.csv'), 'line,date,code,charge,expect\n1,2026-01-02,99213,100,\n2,2026-01-02,99213,100,my-rule\n');
    const noOk = testRules(set, join(dir, 'fixtures'), dir);
    expect(noOk[0]?.problems).toEqual(['the fixture marks no ok:my-rule line (an exception the rule must not flag)']);
    writeFileSync(join(dir, 'fixtures', 'my-rule.csv'), 'line,date,code,charge,expect\n1,2026-01-02,99213,100,\n2,2026-01-02,99213,100,\n3,2026-01-03,99213,100,ok:my-rule\n');
    const wrong = testRules(set, join(dir, 'fixtures'), dir);
    expect(wrong[0]?.problems).toEqual(['the fixture marks no line where my-rule must fire', 'fired on unmarked line(s) 2']);
  });
});
