/**
 * Renders a letter model as a PDF with pdfkit (the only module that imports it, and only
 * when called: `await import('pdfkit')`, so nothing else pays for loading it). US Letter,
 * 12 pt Helvetica body, the disputed-lines table at 9.5 pt with its header repeated on each
 * page and long cells (a description, what is wrong) continued across pages, numbered
 * sources, and a footer with the sender, the date and "Page i of n" on every page.
 * Deterministic: the same letter and `createdAt` give the same bytes (pdfkit derives the
 * file ID from the document info, which holds `createdAt`; the CLI passes SOURCE_DATE_EPOCH
 * when it is set).
 */
import { formatCents } from '../bill/values.js';
import { longDate, runsText, type Block, type Letter, type Party } from './model.js';

/** pdfkit's document, as far as this renderer uses it. */
type Doc = InstanceType<typeof import('pdfkit')>;

/** Options of {@link renderPdf}: the PDF's creation date (document info and file ID). */
export interface PdfOptions {
  createdAt: Date;
}

const PAGE = { width: 612, height: 792 }; // US Letter, points
const MARGIN = { top: 60, bottom: 72, left: 60, right: 60 };
const WIDTH = PAGE.width - MARGIN.left - MARGIN.right;
const BODY = 12;
const SMALL = 9.5;
const GAP = 10; // between blocks
const FOOTER_Y = PAGE.height - 44;
const KEEP_WHOLE = 12; // table rows up to this many lines are never split across pages

const WIN_ANSI_EXTRA = new Set([402, 8211, 8212, 8216, 8217, 8218, 8220, 8221, 8222, 8224, 8225, 8226, 8230, 8364, 8240, 8249, 8250, 710, 8482, 338, 339, 732, 352, 353, 376, 381, 382]);
const REPLACE: Record<string, string> = { '≥': '>=', '≤': '<=', '→': '->', '←': '<-', '✖': 'x', '▲': '^', '≠': '!=', '\u2009': ' ', '\u202f': ' ', '\u2011': '-' };

/**
 * Text the PDF's standard fonts can show (WinAnsi): other characters are replaced by a close
 * ASCII form (`≥` → `>=`) or `?`, and control characters by spaces. Pure.
 */
export function pdfSafe(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0) as number;
    if (c === 10) out += '\n';
    else if (c < 32 || (c >= 127 && c < 160)) out += ' ';
    else if (c < 256 || WIN_ANSI_EXTRA.has(c)) out += ch;
    else out += REPLACE[ch] ?? '?';
  }
  return out;
}

/** Splits `text` into lines no wider than `width` at the current font and size, breaking words longer than a line (URLs). */
function wrapLines(doc: Doc, text: string, width: number): string[] {
  const lines: string[] = [];
  for (const para of pdfSafe(text).split('\n')) {
    let line = '';
    for (const word of para.split(/\s+/).filter(Boolean)) {
      const candidate = line ? `${line} ${word}` : word;
      if (doc.widthOfString(candidate) <= width) {
        line = candidate;
        continue;
      }
      if (line) lines.push(line);
      line = '';
      let rest = word;
      while (doc.widthOfString(rest) > width) {
        let cut = rest.length - 1;
        while (cut > 1 && doc.widthOfString(rest.slice(0, cut)) > width) cut--;
        lines.push(rest.slice(0, cut));
        rest = rest.slice(cut);
      }
      line = rest;
    }
    lines.push(line);
  }
  return lines;
}

/** Draws one line of text at (x, y), aligned in a box of `width` (no wrapping, no page break). */
function put(doc: Doc, text: string, x: number, y: number, width: number, align: 'left' | 'right' | 'center' = 'left'): void {
  const safe = pdfSafe(text);
  const w = doc.widthOfString(safe);
  const at = align === 'right' ? x + width - w : align === 'center' ? x + (width - w) / 2 : x;
  doc.text(safe, at, y, { lineBreak: false });
}

class Layout {
  y = MARGIN.top;
  constructor(readonly doc: Doc) {}

  get bottom(): number {
    return PAGE.height - MARGIN.bottom;
  }

  newPage(): void {
    this.doc.addPage();
    this.y = MARGIN.top;
  }

  /** Starts a new page unless `height` points fit below the cursor. */
  ensure(height: number): void {
    if (this.y + height > this.bottom) this.newPage();
  }

  /**
   * Flowing text at (x, y) in a column of `width`, page breaks included; moves the cursor below
   * it. A paragraph of up to six lines is kept on one page; a longer one leaves no single line
   * alone at the top of the next page.
   */
  text(text: string, opts: { font?: string; size?: number; x?: number; width?: number; gapAfter?: number } = {}): void {
    const { doc } = this;
    const size = opts.size ?? BODY;
    const x = opts.x ?? MARGIN.left;
    const width = opts.width ?? WIDTH;
    doc.font(opts.font ?? 'Helvetica').fontSize(size);
    const lh = size * 1.22;
    const lines = wrapLines(doc, text, width);
    const fit = Math.floor((this.bottom - this.y) / lh);
    if (lines.length > fit && (lines.length <= 6 || lines.length - fit === 1)) this.newPage();
    for (const line of lines) {
      this.ensure(lh);
      put(doc, line, x, this.y, width);
      this.y += lh;
    }
    this.y += opts.gapAfter ?? 0;
  }

  lines(lines: string[], opts: { font?: string; size?: number; gapAfter?: number } = {}): void {
    for (const [i, l] of lines.entries()) this.text(l, { ...opts, gapAfter: i === lines.length - 1 ? (opts.gapAfter ?? 0) : 0 });
  }
}

function party(p: Party): string[] {
  return [p.name, ...p.address, ...(p.phone ? [p.phone] : []), ...(p.email ? [p.email] : [])];
}

function drawTable(l: Layout, b: Extract<Block, { type: 'table' }>): void {
  const { doc } = l;
  const pad = 3;
  const size = SMALL;
  const lh = size * 1.22;
  const totalWeight = b.columns.reduce((s, c) => s + c.weight, 0);
  const widths = b.columns.map((c) => (c.weight / totalWeight) * WIDTH);
  const xs = widths.map((_, i) => MARGIN.left + widths.slice(0, i).reduce((s, w) => s + w, 0));
  doc.font('Helvetica-Bold').fontSize(size);
  const headLines = b.columns.map((c, i) => wrapLines(doc, c.heading, (widths[i] as number) - 2 * pad));
  const headHeight = Math.max(...headLines.map((x) => x.length)) * lh + 2 * pad;

  const header = (continued: boolean) => {
    doc.save().rect(MARGIN.left, l.y, WIDTH, headHeight).fill('#e6e6e6').restore();
    doc.fillColor('black').font('Helvetica-Bold').fontSize(size);
    b.columns.forEach((c, i) => {
      (headLines[i] as string[]).forEach((text, k) => {
        const w = (widths[i] as number) - 2 * pad;
        put(doc, text, (xs[i] as number) + pad, l.y + pad + k * lh, w, c.align ?? 'left');
      });
    });
    if (continued) {
      doc.font('Helvetica-Oblique').fontSize(size - 1.5);
      put(doc, 'Disputed lines (continued)', MARGIN.left, l.y - lh, WIDTH, 'right');
    }
    l.y += headHeight;
  };

  l.ensure(headHeight + 3 * lh + 2 * pad);
  header(false);
  for (const row of b.rows) {
    doc.font('Helvetica').fontSize(size);
    const cellLines = row.map((cell, i) => cell.runs.flatMap((r) => wrapLines(doc, r.text, (widths[i] as number) - 2 * pad)));
    const n = Math.max(...cellLines.map((x) => x.length));
    let start = 0;
    while (start < n) {
      const avail = Math.floor((l.bottom - l.y - 2 * pad) / lh);
      // A short row (up to KEEP_WHOLE lines) moves to the next page whole; a longer one (a long
      // description) fills the page, at least three lines of it, and continues on the next.
      const rest = n - start;
      if (rest > avail && (rest <= KEEP_WHOLE || avail < 3)) {
        l.newPage();
        header(true);
        continue;
      }
      const take = Math.min(avail, n - start);
      if (start > 0) {
        // A row continued from the previous page names its line again.
        const first = (cellLines[0] as string[])[0];
        if (first) {
          doc.font('Helvetica-Oblique').fontSize(size).fillColor('#555555');
          put(doc, first, (xs[0] as number) + pad, l.y + pad, (widths[0] as number) - 2 * pad, b.columns[0]?.align ?? 'left');
        }
      }
      doc.font('Helvetica').fontSize(size).fillColor('black');
      row.forEach((cell, i) => {
        const w = (widths[i] as number) - 2 * pad;
        if (start > 0 && i === 0) return;
        (cellLines[i] as string[]).slice(start, start + take).forEach((text, k) => {
          put(doc, text, (xs[i] as number) + pad, l.y + pad + k * lh, w, cell.align ?? 'left');
        });
      });
      l.y += take * lh + 2 * pad;
      start += take;
      doc.save().moveTo(MARGIN.left, l.y).lineTo(MARGIN.left + WIDTH, l.y).lineWidth(0.5).strokeColor(start < n ? '#bbbbbb' : '#888888').stroke().restore();
      if (start < n) {
        l.newPage();
        header(true);
      }
    }
  }
  if (b.total) {
    doc.font('Helvetica-Bold').fontSize(size);
    const amountWidth = widths[widths.length - 1] as number;
    const labelLines = wrapLines(doc, b.total.label, WIDTH - amountWidth - 2 * pad);
    const h = labelLines.length * lh + 2 * pad;
    l.ensure(h);
    labelLines.forEach((t, k) => put(doc, t, MARGIN.left + pad, l.y + pad + k * lh, WIDTH - amountWidth - 2 * pad, 'right'));
    put(doc, formatCents(b.total.amountCents), (xs[xs.length - 1] as number) + pad, l.y + pad, amountWidth - 2 * pad, 'right');
    l.y += h;
  }
  l.y += GAP;
}

function drawBlock(l: Layout, b: Block): void {
  switch (b.type) {
    case 'heading':
      l.ensure(BODY * 3);
      l.text(b.text, { font: 'Helvetica-Bold', gapAfter: GAP / 2 });
      return;
    case 'paragraph':
      l.text(runsText(b.runs), { gapAfter: GAP });
      return;
    case 'list':
      for (const [i, item] of b.items.entries()) {
        l.ensure(BODY * 1.22);
        l.doc.font('Helvetica').fontSize(BODY);
        put(l.doc, '•', MARGIN.left + 6, l.y, 12);
        l.text(runsText(item), { x: MARGIN.left + 20, width: WIDTH - 20, gapAfter: i === b.items.length - 1 ? GAP : 3 });
      }
      return;
    case 'table':
      drawTable(l, b);
      return;
  }
}

/**
 * The letter as PDF bytes. Loads pdfkit on first use. Resolves with the whole file; rejects
 * only if pdfkit fails (an internal error).
 */
export async function renderPdf(letter: Letter, options: PdfOptions): Promise<Buffer> {
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument({
    size: 'LETTER',
    margins: MARGIN,
    bufferPages: true,
    autoFirstPage: true,
    info: {
      Title: pdfSafe(letter.title),
      Author: pdfSafe(letter.sender.name),
      Subject: pdfSafe(letter.subject),
      Creator: 'medbill',
      Producer: 'medbill (PDFKit)',
      CreationDate: options.createdAt,
      ModDate: options.createdAt,
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const l = new Layout(doc);
  l.lines(party(letter.sender), { gapAfter: GAP * 1.5 });
  l.text(longDate(letter.date), { gapAfter: GAP * 1.5 });
  l.lines(party(letter.recipient), { gapAfter: GAP * 1.5 });
  l.text(`Re: ${letter.subject}`, { font: 'Helvetica-Bold', gapAfter: 3 });
  for (const r of letter.reference) {
    doc.font('Helvetica-Bold').fontSize(SMALL + 1);
    const labelWidth = 150;
    l.ensure((SMALL + 1) * 1.22);
    put(doc, `${r.label}:`, MARGIN.left, l.y, labelWidth);
    l.text(r.value, { size: SMALL + 1, x: MARGIN.left + labelWidth, width: WIDTH - labelWidth });
  }
  l.y += GAP * 1.5;
  l.text(letter.salutation, { gapAfter: GAP });
  for (const b of letter.body) drawBlock(l, b);
  l.ensure(BODY * 1.22 * 5);
  l.text(letter.closing, { gapAfter: BODY * 2.6 });
  l.text(letter.signature, { gapAfter: GAP * 2 });

  if (letter.sources.length > 0) {
    l.ensure(SMALL * 1.22 * 4);
    l.text('Sources', { font: 'Helvetica-Bold', size: SMALL + 1, gapAfter: 3 });
    for (const s of letter.sources) {
      l.ensure(SMALL * 1.22 * 2);
      doc.font('Helvetica').fontSize(SMALL);
      put(doc, `[${s.n}]`, MARGIN.left, l.y, 24);
      l.text(s.text, { size: SMALL, x: MARGIN.left + 24, width: WIDTH - 24, gapAfter: 2 });
    }
  }

  const range = doc.bufferedPageRange();
  for (let i = 0; i < range.count; i++) {
    doc.switchToPage(range.start + i);
    doc.page.margins.bottom = 0;
    doc.font('Helvetica').fontSize(8.5).fillColor('#444444');
    put(doc, `${letter.sender.name} · ${letter.subject} · ${longDate(letter.date)} · Page ${i + 1} of ${range.count}`, MARGIN.left, FOOTER_Y, WIDTH, 'center');
    doc.fillColor('black');
  }
  doc.end();
  return done;
}
