/**
 * The interactive review driven end to end in a real terminal (tmux, installed by .ci/run):
 * bill facts asked, findings kept, dismissed and marked unsure, letters chosen, the profile
 * filled; the letters it writes are byte for byte those the options write, and those of the
 * command it prints. Ctrl-C at a prompt exits 130 having written nothing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { equivalentCommand, shellQuote } from '../src/interactive/review.js';
import type { AuditOptions } from '../src/commands/audit.js';
import { cli } from './helpers.js';

const ROOT = resolve(__dirname, '..');
const BIN = resolve(ROOT, 'bin', 'medbill.js');
const BILL = resolve(ROOT, 'fixtures/cases/inpatient-pneumonia-self-pay/bill.csv');
const PROFILE = resolve(ROOT, 'fixtures/letters/profile.yaml');
const SOCKET = `medbill-test-${process.pid}`;

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
}

/** A command running in a detached tmux pane: type into it, read its screen, wait for its exit code. */
class Terminal {
  constructor(
    readonly name: string,
    readonly dir: string,
  ) {}

  static start(name: string, dir: string, argv: string[]): Terminal {
    const command = `cd ${shellQuote(dir)} && SOURCE_DATE_EPOCH=1774396800 NO_COLOR=1 ${[process.execPath, BIN, ...argv].map(shellQuote).join(' ')} 2> stderr.txt; echo $? > exit-code.txt`;
    tmux('new-session', '-d', '-s', name, '-x', '220', '-y', '60', command);
    return new Terminal(name, dir);
  }

  screen(): string {
    try {
      return tmux('capture-pane', '-p', '-J', '-S', '-', '-t', this.name);
    } catch {
      return '';
    }
  }

  /** Waits until the screen shows `text` (after `from` occurrences of it were already seen). */
  async waitFor(text: string, from = 0, timeout = 15_000): Promise<void> {
    const until = Date.now() + timeout;
    while (Date.now() < until) {
      if (this.screen().split(text).length - 1 > from) return;
      await new Promise((r) => setTimeout(r, 40));
    }
    throw new Error(`timed out waiting for ${JSON.stringify(text)}; screen:\n${this.screen()}`);
  }

  keys(...keys: string[]): void {
    tmux('send-keys', '-t', this.name, ...keys);
  }

  /** Types text (literally), then Enter. */
  type(text: string): void {
    if (text) tmux('send-keys', '-t', this.name, '-l', text);
    tmux('send-keys', '-t', this.name, 'Enter');
  }

  async exitCode(timeout = 30_000): Promise<number> {
    const file = join(this.dir, 'exit-code.txt');
    const until = Date.now() + timeout;
    while (Date.now() < until) {
      if (existsSync(file)) {
        const t = readFileSync(file, 'utf8').trim();
        if (t) return Number(t);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no exit code; screen:\n${this.screen()}`);
  }
}

beforeAll(() => {
  if (spawnSync('tmux', ['-V']).error) throw new Error('tmux is missing: install it (.ci/run does: apt-get install -y tmux)');
});
afterAll(() => {
  spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
});

describe('medbill audit --interactive in a terminal', () => {
  it('asks, reviews, writes the letters the options would write, and prints that command', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medbill-tty-'));
    const t = Terminal.start('review', dir, ['audit', BILL, '--interactive', '--profile', PROFILE, '--date', '2026-03-25']);
    await t.waitFor('Insurance for this care');
    t.type('u'); // uninsured
    await t.waitFor('Admission date');
    t.type('2026-03-02');
    await t.waitFor('Discharge date');
    t.type('03/05/2026');
    await t.waitFor('Date of the bill');
    t.type('2026-03-20');
    await t.waitFor('Is the hospital tax-exempt');
    t.type('y');
    await t.waitFor('Good Faith Estimate you received');
    t.type('10000');
    await t.waitFor('State of the hospital');
    t.type('IL');
    await t.waitFor('findings to review');
    const total = Number(/(\d+) findings to review/.exec(t.screen())?.[1]);
    expect(total).toBe(13);
    for (let i = 1; i <= total; i++) {
      await t.waitFor(`Finding ${i} of ${total}`);
      // Finding 2 is line 4 (dismissed), finding 3 line 6 (not sure); the others are kept.
      t.type(i === 2 ? 'd' : i === 3 ? 'n' : '');
      await t.waitFor(`Finding ${i} of ${total} ${i === 2 ? 'dismiss' : i === 3 ? 'not sure' : 'keep'}`);
    }
    await t.waitFor('Letters to write');
    expect(t.screen()).toMatch(/◉ itemized-bill[\s\S]*◉ dispute[\s\S]*◉ financial-assistance[\s\S]*◉ billing-hold[\s\S]*◉ settlement[\s\S]*◉ gfe-dispute/);
    t.type('');
    await t.waitFor('Directory for the letters');
    t.type('');
    await t.waitFor('Letter format');
    t.type('');
    for (const q of ['Your name', 'Your address', 'Account number', "Hospital's name", 'Billing office the letters go to', "Billing office's address"]) {
      await t.waitFor(q);
      t.type('');
    }
    expect(await t.exitCode()).toBe(1); // error findings, as `medbill audit` exits
    const kinds = ['itemized-bill', 'dispute', 'financial-assistance', 'billing-hold', 'settlement', 'gfe-dispute'];
    expect(readdirSync(join(dir, 'letters')).sort()).toEqual(kinds.map((k) => `bill-${k}.pdf`).sort());
    const stderr = readFileSync(join(dir, 'stderr.txt'), 'utf8');
    expect(stderr).toContain('medbill: wrote letters/bill-dispute.pdf');
    const printed = /the same without questions:\n {2}(medbill .*)\n/.exec(stderr)?.[1];
    expect(printed).toBeDefined();
    expect(printed).toContain('--insurance uninsured --admission 2026-03-02 --discharge 2026-03-05 --statement-date 2026-03-20 --nonprofit --gfe 10000.00 --state IL');
    expect(printed).toContain('--dismiss lab-panel-component:4 --unsure lab-panel-component:6 --letters letters --letter-format pdf --letter-kinds itemized-bill,dispute,financial-assistance,billing-hold,settlement,gfe-dispute');

    // The same options, written by hand: the same letters, byte for byte.
    const byHand = mkdtempSync(join(tmpdir(), 'medbill-flags-'));
    const r = await cli(
      ['audit', BILL, '--profile', PROFILE, '--date', '2026-03-25', '--insurance', 'uninsured', '--admission', '2026-03-02', '--discharge', '2026-03-05', '--statement-date', '2026-03-20', '--nonprofit', '--gfe', '10000', '--state', 'IL', '--dismiss', 'lab-panel-component:4', '--unsure', 'lab-panel-component:6', '--letters', 'letters'],
      { cwd: byHand, env: { SOURCE_DATE_EPOCH: '1774396800' } },
    );
    expect(r.code).toBe(1);
    // The printed command, run by a shell.
    const printedDir = mkdtempSync(join(tmpdir(), 'medbill-printed-'));
    const sh = spawnSync('sh', ['-c', `${shellQuote(process.execPath)} ${shellQuote(BIN)} ${(printed as string).slice('medbill '.length)} > /dev/null`], { cwd: printedDir, env: { ...process.env, SOURCE_DATE_EPOCH: '1774396800' }, encoding: 'utf8' });
    expect(sh.status).toBe(1);
    for (const k of kinds) {
      const mine = readFileSync(join(dir, 'letters', `bill-${k}.pdf`));
      expect(readFileSync(join(byHand, 'letters', `bill-${k}.pdf`)).equals(mine), k).toBe(true);
      expect(readFileSync(join(printedDir, 'letters', `bill-${k}.pdf`)).equals(mine), k).toBe(true);
    }
  }, 90_000);

  it('Ctrl-C at a prompt exits 130 and writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medbill-tty-'));
    const t = Terminal.start('interrupt', dir, ['audit', BILL, '--interactive', '--insurance', 'uninsured', '--admission', '2026-03-02', '--discharge', '2026-03-05', '--statement-date', '2026-03-20', '--nonprofit', '--state', 'IL', '--profile', PROFILE, '--letters', 'letters']);
    await t.waitFor('Good Faith Estimate you received');
    t.type('');
    await t.waitFor('Finding 1 of');
    t.type('');
    await t.waitFor('Finding 2 of');
    t.keys('C-c');
    expect(await t.exitCode()).toBe(130);
    expect(readFileSync(join(dir, 'stderr.txt'), 'utf8')).toBe('\nmedbill: interrupted; nothing was written\n');
    expect(readdirSync(dir).sort()).toEqual(['exit-code.txt', 'stderr.txt']);
  }, 60_000);
});

describe('medbill letter on a terminal', () => {
  const base = ['letter', 'billing-hold', BILL, '--insurance', 'uninsured', '--format', 'text', '-o', 'hold.txt', '--date', '2026-03-25', '--billing-office-name', 'Patient Financial Services', '--billing-office-address', '200 Example Ave'];

  it('asks only for the missing profile fields, then writes the letter', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medbill-tty-'));
    const t = Terminal.start('letter', dir, base);
    await t.waitFor('Your name');
    t.type('Pat Example');
    await t.waitFor('Your address');
    t.type('100 Sample St; Springfield, IL 62701');
    expect(await t.exitCode()).toBe(0);
    const text = readFileSync(join(dir, 'hold.txt'), 'utf8');
    expect(text.startsWith('Pat Example\n100 Sample St\nSpringfield, IL 62701\n\nMarch 25, 2026\n\nPatient Financial Services\n200 Example Ave\n')).toBe(true);
    expect(t.screen()).not.toContain('Account number');
  }, 60_000);

  it('Ctrl-C at its prompt exits 130 and writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medbill-tty-'));
    const t = Terminal.start('letter-interrupt', dir, base);
    await t.waitFor('Your name');
    t.keys('C-c');
    expect(await t.exitCode()).toBe(130);
    expect(readFileSync(join(dir, 'stderr.txt'), 'utf8')).toBe('\nmedbill: interrupted; nothing was written\n');
    expect(readdirSync(dir).sort()).toEqual(['exit-code.txt', 'stderr.txt']);
  }, 60_000);
});

describe('the equivalent command', () => {
  const base = { dismiss: [], unsure: [], letterKinds: [], letterFormat: 'pdf' } as unknown as AuditOptions;

  it('drops --interactive and the options the review set, then adds their final values', () => {
    const o = { ...base, insurance: 'uninsured', dismiss: ['duplicate-line:9'], letters: 'out', letterKinds: ['dispute'], senderName: 'Pat Example', senderAddress: ['100 Sample St', 'Springfield, IL 62701'] } as AuditOptions;
    const argv = ['audit', 'bill.csv', '-i', '--dismiss', 'old:1', '--letters=x', '--format', 'json'];
    const managed = new Set(['--insurance', '--dismiss', '--unsure', '--letters', '--letter-format', '--letter-kinds', '--sender-name', '--sender-address']);
    expect(equivalentCommand(argv, o, managed)).toEqual([
      'audit', 'bill.csv', '--format', 'json', '--insurance', 'uninsured', '--dismiss', 'duplicate-line:9', '--letters', 'out', '--letter-format', 'pdf', '--letter-kinds', 'dispute',
      '--sender-name', 'Pat Example', '--sender-address', '100 Sample St', '--sender-address', 'Springfield, IL 62701',
    ]);
    expect(['Pat Example', "O'Brien", 'a.csv', '--x=1'].map(shellQuote)).toEqual(["'Pat Example'", "'O'\\''Brien'", 'a.csv', '--x=1']);
  });
});
