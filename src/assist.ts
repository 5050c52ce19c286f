/**
 * `medbill assist`: financial-assistance screening from household size, income and state.
 * Pure: `assist(input, facts, version) → AssistResult`, no I/O, no clock. Every number and
 * statement comes from the facts book (rules/tables/facts.yaml): the HHS poverty guidelines
 * (2025: FR Doc. 2025-01377; 2026: 91 FR 1797, FR Doc. 2026-00755), the state charity-care
 * laws of rights.md (d), IRC 501(r) (26 CFR 1.501(r)-4 to -6) and retroactive Medicaid
 * (42 U.S.C. 1396a(a)(34); P.L. 119-21 §71112). Money is integer cents; dates ISO.
 */
import { z } from 'zod';
import { US_STATES, type UsState } from './bill/schema.js';
import { addDays, firstOfMonthBefore, isIsoDate } from './dates.js';
import { RulesError } from './errors.js';
import { formatDollars, type Fact, type FactBook } from './facts.js';
import { charityCareFactId } from './plan.js';

/** Medicaid eligibility groups that the 2027 change treats differently (P.L. 119-21 §71112). */
export const MEDICAID_GROUPS = ['expansion-adult', 'other'] as const;
/** One of {@link MEDICAID_GROUPS}. */
export type MedicaidGroup = (typeof MEDICAID_GROUPS)[number];

/** Poverty-guideline areas: Alaska and Hawaii have their own figures (rights.md (e)). */
export const FPL_AREAS = ['48 states + DC', 'Alaska', 'Hawaii'] as const;

/** What `medbill assist` is asked: household size (≥ 1), annual income in cents (≥ 0), state, and the optional facts. */
export interface AssistInput {
  household: number;
  incomeCents: number;
  state: UsState;
  /** Poverty-guideline year; default the newest in the facts book. */
  year?: number;
  /** The hospital is tax-exempt (true), for-profit (false), or unknown (undefined). */
  nonprofit?: boolean;
  /** Date of the first statement after discharge (ISO). */
  statementDate?: string;
  /** Date of the Medicaid application (ISO). */
  medicaidApplicationDate?: string;
  medicaidGroup?: MedicaidGroup;
}

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const cents = z.number().int();
const FactRef = z.object({ id: z.string(), source: z.string(), recheck: z.string().nullable() });

/** The result of `medbill assist` (and its `--format json`, `schemaVersion` "1"). */
export const AssistResultSchema = z.object({
  schemaVersion: z.literal('1'),
  tool: z.object({ name: z.literal('medbill'), version: z.string() }),
  input: z.object({
    household: z.number().int(),
    incomeCents: cents,
    state: z.enum(US_STATES),
    year: z.number().int(),
    nonprofit: z.boolean().optional(),
    statementDate: isoDate.optional(),
    medicaidApplicationDate: isoDate.optional(),
    medicaidGroup: z.enum(MEDICAID_GROUPS).optional(),
  }),
  fpl: z.object({
    year: z.number().int(),
    area: z.enum(FPL_AREAS),
    guidelineCents: cents.describe('the HHS poverty guideline for this household size and area'),
    fplPercent: z.number().describe('income as a percentage of the guideline, rounded to one decimal (half up)'),
    text: z.string(),
    fact: z.string(),
  }),
  stateCharityCare: z.object({
    state: z.enum(US_STATES),
    fact: z.string().nullable().describe('null: medbill has no charity-care law on file for this state'),
    text: z.string(),
    levels: z.array(
      z.object({
        group: z.string(),
        maxFplPercent: z.number(),
        benefit: z.string(),
        qualifies: z.boolean().describe('income at or below this level (exact comparison, not the rounded percentage)'),
      }),
    ),
    atYourIncome: z.array(z.object({ group: z.string(), benefit: z.string().nullable(), text: z.string() })),
  }),
  nonprofitHospital: z.object({
    nonprofit: z.boolean().nullable(),
    text: z.array(z.string()),
    noEcaBefore: isoDate.optional().describe('no extraordinary collection action before this date'),
    applyBy: isoDate.optional().describe('the application period lasts at least until this date'),
    facts: z.array(z.string()),
  }),
  medicaid: z
    .object({
      applicationDate: isoDate,
      rule: z.enum(['through-2026', 'from-2027']),
      windows: z.array(z.object({ group: z.enum(['all', ...MEDICAID_GROUPS]), months: z.number().int(), coverageFrom: isoDate })),
      text: z.array(z.string()),
      facts: z.array(z.string()),
    })
    .nullable(),
  facts: z.array(FactRef).describe('every fact the result states, with its source and re-check date'),
});

/** The result of {@link assist}. */
export type AssistResult = z.infer<typeof AssistResultSchema>;

const STATE_NAMES: Partial<Record<UsState, string>> = { CA: 'California', CO: 'Colorado', IL: 'Illinois', MD: 'Maryland', NY: 'New York', OR: 'Oregon', WA: 'Washington' };

/** The poverty-guideline years in the facts book, newest first. */
export function guidelineYears(book: FactBook): number[] {
  return book
    .topic('poverty-guidelines')
    .map((f) => f.numbers?.year)
    .filter((y): y is number => y !== undefined)
    .sort((a, b) => b - a);
}

/** The area whose guideline applies in a state: Alaska, Hawaii, or the 48 contiguous states and DC. */
export function fplArea(state: UsState): (typeof FPL_AREAS)[number] {
  return state === 'AK' ? 'Alaska' : state === 'HI' ? 'Hawaii' : '48 states + DC';
}

/**
 * The HHS poverty guideline in cents for a household of `household` (≥ 1) in `state` and
 * `year`: base + per-person amount × (household − 1), as HHS publishes it (rights.md (e)).
 * Throws {@link RulesError} when the facts book has no guideline for the year.
 */
export function povertyGuideline(book: FactBook, year: number, state: UsState, household: number): { guidelineCents: number; fact: Fact } {
  const id = `poverty-guidelines-${year}`;
  if (!book.has(id)) throw new RulesError(`no HHS poverty guideline for ${year} in the facts file (years: ${guidelineYears(book).join(', ')})`, { file: book.file });
  const area = state === 'AK' ? 'alaska' : state === 'HI' ? 'hawaii' : 'contiguous';
  const base = book.number(id, `${area}BaseCents`);
  const per = book.number(id, `${area}PerPersonCents`);
  return { guidelineCents: base + per * (household - 1), fact: book.get(id) };
}

/**
 * Income as a percentage of the guideline, rounded half up to one decimal (146.4 for
 * $40,000 and $27,320). Integer arithmetic on cents; exact for incomes below $10 million.
 */
export function fplPercent(incomeCents: number, guidelineCents: number): number {
  const n = incomeCents * 2000 + guidelineCents;
  const d = 2 * guidelineCents;
  return (n - (n % d)) / d / 10;
}

/** True when income is at or below `percent`% of the guideline, compared exactly (not on the rounded percentage). */
export function atOrBelow(incomeCents: number, guidelineCents: number, percent: number): boolean {
  return incomeCents * 100 <= percent * guidelineCents;
}

const pct = (n: number) => `${n}%`;

/**
 * Screens a household for financial assistance. Pure. Throws {@link RulesError} when the facts
 * book lacks a fact it needs (the year's guideline, say); inputs are validated by the caller.
 */
export function assist(input: AssistInput, book: FactBook, version: string): AssistResult {
  const year = input.year ?? (guidelineYears(book)[0] as number);
  const used = new Set<string>();
  const use = (id: string) => {
    used.add(id);
    return book.get(id);
  };
  const { guidelineCents, fact: gFact } = povertyGuideline(book, year, input.state, input.household);
  used.add(gFact.id);
  const percent = fplPercent(input.incomeCents, guidelineCents);
  const area = fplArea(input.state);
  const money = formatDollars;
  const fplText =
    `Using the ${year} HHS poverty guideline for a household of ${input.household} in ${area === '48 states + DC' ? 'the 48 contiguous states and DC' : area} (${money(guidelineCents)}), ` +
    `your income of ${money(input.incomeCents)} is about ${percent.toFixed(1)}% of the guideline. ${use('poverty-guidelines-scope').text}`;

  // State charity care.
  const ccId = charityCareFactId(input.state, book);
  let stateCharityCare: AssistResult['stateCharityCare'];
  if (ccId) {
    const f = use(ccId);
    const levels = (f.rows ?? []).map((r) => {
      const maxFplPercent = Number(r.maxFplPercent);
      return { group: String(r.group), maxFplPercent, benefit: String(r.benefit), qualifies: atOrBelow(input.incomeCents, guidelineCents, maxFplPercent) };
    });
    const groups = [...new Set(levels.map((l) => l.group))];
    const atYourIncome = groups.map((group) => {
      const mine = levels.filter((l) => l.group === group).sort((a, b) => a.maxFplPercent - b.maxFplPercent);
      const hit = mine.find((l) => l.qualifies);
      const top = mine[mine.length - 1];
      const text = hit
        ? `${group}: ${hit.benefit} (at or below ${pct(hit.maxFplPercent)} FPL).`
        : `${group}: above the law's highest level (${pct(top?.maxFplPercent ?? 0)} FPL), so it sets no discount at your income; the hospital's own policy may still help.`;
      return { group, benefit: hit ? hit.benefit : null, text };
    });
    stateCharityCare = { state: input.state, fact: ccId, text: `${f.text} Source: ${f.source}.`, levels, atYourIncome };
  } else {
    const covered = book.topic('state-charity-care').map((f) => f.id.replace('charity-care-', '').toUpperCase()).sort();
    stateCharityCare = {
      state: input.state,
      fact: null,
      text: `medbill has no state charity-care law on file for ${input.state} (its table covers ${covered.join(', ')}); that does not mean the state has none. ${use('fap-501r-scope').text}`,
      levels: [],
      atYourIncome: [],
    };
  }

  // 501(r) at a tax-exempt hospital.
  const np: AssistResult['nonprofitHospital'] = { nonprofit: input.nonprofit ?? null, text: [], facts: [] };
  if (input.nonprofit === true) {
    for (const id of ['fap-501r', 'fap-501r-collections', 'fap-501r-scope']) {
      np.text.push(use(id).text);
      np.facts.push(id);
    }
    if (input.statementDate) {
      np.noEcaBefore = addDays(input.statementDate, book.number('fap-501r-collections', 'noEcaDays'));
      np.applyBy = addDays(input.statementDate, book.number('fap-501r-collections', 'applicationDays'));
      np.text.push(
        `Counted from the first statement after discharge, dated ${input.statementDate}: no extraordinary collection action before ${np.noEcaBefore}; the application period lasts at least until ${np.applyBy}.`,
      );
    } else {
      np.text.push('Give --statement-date (the first statement after discharge) to compute these dates.');
    }
  } else if (input.nonprofit === false) {
    np.text.push(use('fap-501r-scope').text);
    np.facts.push('fap-501r-scope');
  } else {
    np.text.push(`If the hospital is tax-exempt (nonprofit), give --nonprofit to see what federal law (IRC 501(r)) gives you there. ${use('fap-501r').text}`);
    np.facts.push('fap-501r');
  }

  // Retroactive Medicaid.
  let medicaid: AssistResult['medicaid'] = null;
  if (input.medicaidApplicationDate) {
    const app = input.medicaidApplicationDate;
    const old = use('medicaid-retroactive-through-2026');
    const neu = use('medicaid-retroactive-from-2027');
    const cond = use('medicaid-retroactive-conditions');
    const through = book.date(old.id, 'through');
    const from = book.date(neu.id, 'from');
    const windows: NonNullable<AssistResult['medicaid']>['windows'] = [];
    let rule: 'through-2026' | 'from-2027';
    if (app <= through) {
      rule = 'through-2026';
      const months = book.number(old.id, 'months');
      windows.push({ group: 'all', months, coverageFrom: firstOfMonthBefore(app, months) });
    } else if (app >= from) {
      rule = 'from-2027';
      const groups: MedicaidGroup[] = input.medicaidGroup ? [input.medicaidGroup] : [...MEDICAID_GROUPS];
      for (const group of groups) {
        const months = book.number(neu.id, group === 'expansion-adult' ? 'expansionAdultMonths' : 'otherMonths');
        windows.push({ group, months, coverageFrom: firstOfMonthBefore(app, months) });
      }
    } else throw new RulesError(`the facts file leaves a gap between ${through} and ${from} in the Medicaid rules`, { file: book.file });
    const label = { all: 'any eligibility group', 'expansion-adult': 'Medicaid expansion adults', other: 'other groups (children, pregnant people, people 65 and older, people with disabilities and others)' };
    const text = windows.map(
      (w) => `For an application dated ${app}, ${label[w.group]}: Medicaid can cover care from ${w.coverageFrom} (${w.months} month${w.months === 1 ? '' : 's'} before the month of application).`,
    );
    text.push(old.text, neu.text, cond.text);
    medicaid = { applicationDate: app, rule, windows, text, facts: [old.id, neu.id, cond.id] };
  }

  const input2: AssistResult['input'] = { household: input.household, incomeCents: input.incomeCents, state: input.state, year };
  if (input.nonprofit !== undefined) input2.nonprofit = input.nonprofit;
  if (input.statementDate) input2.statementDate = input.statementDate;
  if (input.medicaidApplicationDate) input2.medicaidApplicationDate = input.medicaidApplicationDate;
  if (input.medicaidGroup) input2.medicaidGroup = input.medicaidGroup;
  return {
    schemaVersion: '1',
    tool: { name: 'medbill', version },
    input: input2,
    fpl: { year, area, guidelineCents, fplPercent: percent, text: fplText, fact: gFact.id },
    stateCharityCare,
    nonprofitHospital: np,
    medicaid,
    facts: [...used].map((id) => {
      const f = book.get(id);
      return { id, source: f.source, recheck: f.recheck };
    }),
  };
}

/** Validation of assist inputs beyond their types: a message naming the option, or undefined when fine. */
export function checkAssistInput(input: AssistInput, book: FactBook): string | undefined {
  if (!Number.isInteger(input.household) || input.household < 1 || input.household > 99) return `--household: expected a whole number of people from 1 to 99 (got ${input.household})`;
  if (!Number.isInteger(input.incomeCents) || input.incomeCents < 0 || input.incomeCents > 1_000_000_000) return '--income: expected an annual income in dollars from 0 to 10,000,000';
  const years = guidelineYears(book);
  if (input.year !== undefined && !years.includes(input.year)) return `--year: expected one of ${years.join(', ')} (the years medbill has HHS poverty guidelines for; got ${input.year})`;
  for (const [opt, d] of [['--statement-date', input.statementDate], ['--medicaid-application', input.medicaidApplicationDate]] as const) {
    if (d !== undefined && !isIsoDate(d)) return `${opt}: expected a date such as 2026-03-05 (got "${d}")`;
  }
  if (input.medicaidGroup && !input.medicaidApplicationDate) return '--medicaid-group needs --medicaid-application DATE';
  return undefined;
}

/** The state's name for headings (or its postal code). */
export function stateName(state: UsState): string {
  return STATE_NAMES[state] ?? state;
}
