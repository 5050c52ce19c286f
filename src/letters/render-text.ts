/**
 * Renders a letter model (src/letters/model.ts) as plain text (wrapped for a 78-column page,
 * the disputed-lines table as one block per line) or as Markdown (the table as a Markdown
 * table). Pure: `(letter) → string`, the same letter always giving the same bytes.
 */
import { formatCents } from '../bill/values.js';
import { longDate, runsText, type Block, type Letter, type Run } from './model.js';

const WIDTH = 78;

/** Word-wraps `text` to `width` columns, each line prefixed by `indent` (the first by `first`, default `indent`). */
export function wrapText(text: string, width: number, indent = '', first = indent): string {
  const words = text.split(/\s+/).filter(Boolean);
  const out: string[] = [];
  let line = '';
  let prefix = first;
  for (const word of words) {
    if (line && prefix.length + line.length + 1 + word.length > width) {
      out.push(prefix + line);
      prefix = indent;
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line || out.length === 0) out.push(prefix + line);
  return out.join('\n');
}

function partyLines(p: Letter['sender']): string[] {
  return [p.name, ...p.address, ...(p.phone ? [p.phone] : []), ...(p.email ? [p.email] : [])];
}

function textBlock(b: Block): string {
  switch (b.type) {
    case 'heading':
      return b.text;
    case 'paragraph':
      return wrapText(runsText(b.runs), WIDTH);
    case 'list':
      return b.items.map((runs) => wrapText(runsText(runs), WIDTH, '    ', '  - ')).join('\n');
    case 'table': {
      const rows = b.rows.map((cells) => {
        const [line, date, item, charge, wrong, source, amount] = cells.map((c) => runsText(c.runs));
        return [
          wrapText(`Line ${line} · ${date} · ${item} · charge ${charge} · disputed ${amount}`, WIDTH, '    ', '  '),
          wrapText(`What is wrong: ${wrong}`, WIDTH, '      ', '    '),
          wrapText(`Source: ${source}`, WIDTH, '      ', '    '),
        ].join('\n');
      });
      const total = b.total ? [`  ${b.total.label}: ${formatCents(b.total.amountCents)}`] : [];
      return ['Disputed lines:', ...rows, ...total].join('\n\n');
    }
  }
}

/** The letter as plain text, ending in a newline. Pure. */
export function renderText(letter: Letter): string {
  const parts: string[] = [];
  parts.push(partyLines(letter.sender).join('\n'));
  parts.push(longDate(letter.date));
  parts.push(partyLines(letter.recipient).join('\n'));
  parts.push([`Re: ${letter.subject}`, ...letter.reference.map((r) => wrapText(`${r.label}: ${r.value}`, WIDTH, '      ', '    '))].join('\n'));
  parts.push(letter.salutation);
  for (const b of letter.body) parts.push(textBlock(b));
  parts.push(`${letter.closing}\n\n\n${letter.signature}`);
  if (letter.sources.length > 0) parts.push(['Sources', ...letter.sources.map((s) => wrapText(`[${s.n}] ${s.text}`, WIDTH, '    ', ''))].join('\n'));
  return parts.join('\n\n') + '\n';
}

/** Escapes Markdown's inline markup characters in text from the bill or the report. */
export function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*[\]<>|])/g, '\\$1');
}

function md(runs: Run[]): string {
  return escapeMarkdown(runsText(runs));
}

function markdownBlock(b: Block): string {
  switch (b.type) {
    case 'heading':
      return `## ${escapeMarkdown(b.text)}`;
    case 'paragraph':
      return md(b.runs);
    case 'list':
      return b.items.map((runs) => `- ${md(runs)}`).join('\n');
    case 'table': {
      const head = `| ${b.columns.map((c) => c.heading).join(' | ')} |`;
      const rule = `|${b.columns.map((c) => (c.align === 'right' ? '---:' : '---')).join('|')}|`;
      const rows = b.rows.map((cells) => `| ${cells.map((c) => c.runs.map((r) => escapeMarkdown(r.text)).join('<br>')).join(' | ')} |`);
      const total = b.total ? [`| ${b.columns.map((_, i) => (i === 4 ? `**${escapeMarkdown(b.total?.label ?? '')}**` : i === b.columns.length - 1 ? `**${formatCents(b.total?.amountCents ?? 0)}**` : '')).join(' | ')} |`] : [];
      return [head, rule, ...rows, ...total].join('\n');
    }
  }
}

/** The letter as Markdown, ending in a newline. Pure. */
export function renderMarkdown(letter: Letter): string {
  const lines = (p: Letter['sender']) => partyLines(p).map(escapeMarkdown).join('  \n');
  const parts: string[] = [];
  parts.push(lines(letter.sender));
  parts.push(longDate(letter.date));
  parts.push(lines(letter.recipient));
  parts.push([`**Re: ${escapeMarkdown(letter.subject)}**`, ...letter.reference.map((r) => `${escapeMarkdown(r.label)}: ${escapeMarkdown(r.value)}`)].join('  \n'));
  parts.push(escapeMarkdown(letter.salutation));
  for (const b of letter.body) parts.push(markdownBlock(b));
  parts.push(`${letter.closing}\n\n${escapeMarkdown(letter.signature)}`);
  if (letter.sources.length > 0) parts.push(['## Sources', '', ...letter.sources.map((s) => `${s.n}. ${escapeMarkdown(s.text)}`)].join('\n'));
  return parts.join('\n\n') + '\n';
}
