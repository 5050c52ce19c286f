/**
 * The PDF letter: rendered by the built CLI (pdfkit loaded from node_modules by the bundle),
 * converted back to text with pdftotext (poppler-utils, installed by .ci/run), and searched
 * for the disputed lines, amounts, total, date and page numbers; US Letter pages; the same
 * bytes for the same SOURCE_DATE_EPOCH; a description too long for one page continued on the
 * next with the table header repeated.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFacts } from '../src/facts.js';
import { composeLetter } from '../src/letters/compose.js';
import { renderPdf } from '../src/letters/render-pdf.js';
import type { Report } from '../src/report.js';
import { cli, runIn } from './helpers.js';

const ROOT = resolve(__dirname, '..');
const BILL = resolve(ROOT, 'fixtures/cases/inpatient-pneumonia-self-pay/bill.csv');
const PROFILE = resolve(ROOT, 'fixtures/letters/profile.yaml');
const FACTS = ['--insurance', 'uninsured', '--nonprofit', '--admission', '2026-03-02', '--discharge', '2026-03-05', '--diagnosis', 'J18.9', '--statement-date', '2026-03-20', '--state', 'IL'];
const EPOCH = { SOURCE_DATE_EPOCH: '1774396800' }; // 2026-03-25T00:00:00Z

function poppler(tool: string): void {
  const r = spawnSync(tool, ['-v'], { encoding: 'utf8' });
  if (r.error) throw new Error(`${tool} is missing: install poppler-utils (.ci/run does: apt-get install -y poppler-utils)`);
}

function pdfText(file: string, page?: number): string {
  const range = page === undefined ? [] : ['-f', String(page), '-l', String(page)];
  return execFileSync('pdftotext', ['-layout', ...range, file, '-'], { encoding: 'utf8' });
}

function pdfInfo(file: string): Record<string, string> {
  const out = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
  return Object.fromEntries(out.split('\n').filter((l) => l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')).trim(), l.slice(l.indexOf(':') + 1).trim()]));
}

describe('the dispute letter as PDF', () => {
  it('the built CLI writes it; pdftotext finds every disputed line, its amount, the total, the date and the page numbers', async () => {
    poppler('pdftotext');
    const dir = mkdtempSync(join(tmpdir(), 'medbill-pdf-'));
    const r = await cli(['letter', 'dispute', BILL, ...FACTS, '--profile', PROFILE, '--date', '2026-03-25'], { cwd: dir, env: EPOCH });
    expect(r.stderr).toBe('medbill: wrote bill-dispute.pdf\n');
    expect(r.code).toBe(0);
    const file = join(dir, 'bill-dispute.pdf');
    expect(readFileSync(file).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const info = pdfInfo(file);
    expect(info['Page size']).toMatch(/^612 x 792 pts \(letter\)/);
    const pages = Number(info.Pages);
    expect(pages).toBeGreaterThanOrEqual(2);
    expect(info.Title).toBe('Dispute of charges and request for a corrected bill');
    expect(info.CreationDate).toMatch(/2026/);
    const text = pdfText(file);
    const flat = text.replace(/\s+/g, ' ');
    expect(text).toContain('March 25, 2026');
    expect(flat).toContain('Re: Dispute of charges and request for a corrected bill');
    expect(flat).toContain('Account number: 000123');
    // Each disputed line: its number, code and disputed amount on the row.
    const rows: Array<[string, string, string]> = [
      ['3', '82947', '$96.00'],
      ['4', '84132', '$88.00'],
      ['6', '85027', '$142.00'],
      ['9', '71046', '$610.00'],
      ['12', '96374', '$310.00'],
      ['17', 'rev 0120', '$2,400.00'],
      ['18', 'rev 0270', '$16.00'],
      ['19', 'rev 0270', '$53.00'],
      ['20', 'rev 0250', '$30.00'],
      ['24', '85025', '$198.00'],
    ];
    for (const [line, code, amount] of rows) {
      const row = text.split('\n').find((l) => new RegExp(`^\\s*${line}\\s+Mar \\d, \\d{4}\\s+${code.replace(' ', '\\s')}`).test(l) || new RegExp(`^\\s*${line}\\s+Mar \\d,\\s`).test(l) && l.includes(code));
      expect(row, `line ${line}`).toBeDefined();
      expect(row?.trimEnd().endsWith(amount), `line ${line}: ${row}`).toBe(true);
    }
    expect(flat).toMatch(/Total disputed \(10 lines, each counted once\) \$3,943\.00/);
    expect(flat).toContain('Please remove these charges ($3,943.00 in all)');
    for (let p = 1; p <= pages; p++) expect(pdfText(file, p)).toContain(`Page ${p} of ${pages}`);
    expect(flat).toContain('Sources');
    expect(flat).toContain('SSA POMS HI 00601.070');
  }, 30_000);

  it('is deterministic with SOURCE_DATE_EPOCH: the same bytes twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medbill-pdf-'));
    const a = await cli(['letter', 'dispute', BILL, ...FACTS, '--profile', PROFILE, '-o', 'a.pdf'], { cwd: dir, env: EPOCH });
    const b = await cli(['letter', 'dispute', BILL, ...FACTS, '--profile', PROFILE, '-o', 'b.pdf'], { cwd: dir, env: EPOCH });
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(readFileSync(join(dir, 'a.pdf')).equals(readFileSync(join(dir, 'b.pdf')))).toBe(true);
    // Without --date, the letter is dated the day of SOURCE_DATE_EPOCH.
    expect(pdfText(join(dir, 'a.pdf'))).toContain('March 25, 2026');
  }, 30_000);

  it('a description too long for a page continues on the next, under a repeated header', async () => {
    poppler('pdftotext');
    const r = await runIn(['audit', BILL, '--format', 'json', ...FACTS]);
    const report = JSON.parse(r.stdout) as Report;
    const long = Array.from({ length: 260 }, (_, i) => `word${i}`).join(' ');
    const f = report.findings.find((x) => x.lines[0] === 19);
    if (!f) throw new Error('no finding on line 19');
    f.message = `START ${long} ENDMARK`;
    const { parse } = await import('yaml');
    const { parseProfile } = await import('../src/letters/profile.js');
    const profile = parseProfile(readFileSync(PROFILE, 'utf8'), PROFILE, (t) => parse(t, { schema: 'failsafe' }));
    const letter = composeLetter('dispute', report, profile, loadFacts(), { date: '2026-03-25' });
    const bytes = await renderPdf(letter, { createdAt: new Date('2026-03-25T00:00:00Z') });
    const file = join(mkdtempSync(join(tmpdir(), 'medbill-pdf-')), 'long.pdf');
    writeFileSync(file, bytes);
    const pages = Number(pdfInfo(file).Pages);
    const at = (word: string) => Array.from({ length: pages }, (_, i) => i + 1).find((p) => pdfText(file, p).includes(word));
    const start = at('START') as number;
    const end = at('ENDMARK') as number;
    expect(end).toBeGreaterThan(start);
    for (let p = start + 1; p <= end; p++) {
      const t = pdfText(file, p);
      expect(t).toContain('Disputed lines (continued)');
      expect(t).toMatch(/Line\s+Date\s+Code and\s+Charge\s+What is wrong\s+Source\s+Disputed/);
    }
    // Every word of the description is there, in order, once.
    const words = pdfText(file).match(/word\d+/g) ?? [];
    expect(words).toEqual(Array.from({ length: 260 }, (_, i) => `word${i}`));
  }, 30_000);

  it('the committed example (examples/dispute-inpatient-pneumonia.pdf) is what medbill writes today', async () => {
    poppler('pdftotext');
    const dir = mkdtempSync(join(tmpdir(), 'medbill-pdf-'));
    const r = await cli(['letter', 'dispute', BILL, ...FACTS, '--profile', PROFILE, '--date', '2026-03-25', '-o', 'fresh.pdf'], { cwd: dir, env: EPOCH });
    expect(r.code).toBe(0);
    const example = resolve(ROOT, 'examples', 'dispute-inpatient-pneumonia.pdf');
    expect(pdfInfo(example).Pages).toBe(pdfInfo(join(dir, 'fresh.pdf')).Pages);
    expect(pdfText(example)).toBe(pdfText(join(dir, 'fresh.pdf')));
  }, 30_000);
});
