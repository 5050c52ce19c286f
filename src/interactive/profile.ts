/**
 * Asks for the profile fields letters need (the sender, the billing office or the collector,
 * the account number), with what the profile file and options already give as defaults. The
 * answers are the values of the profile options (`--sender-name`, ...), so a letter written
 * after the prompts is the one those options would write.
 */
import type { Io } from '../commands/shared.js';
import type { LetterKind } from '../letters/model.js';
import { PROFILE_OPTIONS, type ProfileOptionValues } from '../letters/options.js';
import type { Profile } from '../letters/profile.js';
import { inquirerPrompter, isInterrupt, type Prompter } from './prompts.js';

type Key = (typeof PROFILE_OPTIONS)[number]['key'];

const QUESTIONS: Array<{ key: Key; message: string; required: boolean; who: 'always' | 'billingOffice' | 'collector' }> = [
  { key: 'senderName', message: 'Your name (signed under the letters)', required: true, who: 'always' },
  { key: 'senderAddress', message: 'Your address (separate lines with ;)', required: true, who: 'always' },
  { key: 'account', message: 'Account number on the bill (blank if none)', required: false, who: 'always' },
  { key: 'hospital', message: "Hospital's name as the letters should use it (blank: the bill's provider)", required: false, who: 'billingOffice' },
  { key: 'billingOfficeName', message: 'Billing office the letters go to', required: true, who: 'billingOffice' },
  { key: 'billingOfficeAddress', message: "Billing office's address (separate lines with ;)", required: true, who: 'billingOffice' },
  { key: 'collectorName', message: 'Debt collector', required: true, who: 'collector' },
  { key: 'collectorAddress', message: "Collector's address (separate lines with ;)", required: true, who: 'collector' },
  { key: 'collectorAccount', message: "Collector's reference number (blank if none)", required: false, who: 'collector' },
];

function current(profile: Profile, key: Key): string | undefined {
  const opt = PROFILE_OPTIONS.find((p) => p.key === key);
  if (!opt) return undefined;
  const [a, b] = opt.path as readonly string[];
  const v = b === undefined ? (profile as Record<string, unknown>)[a as string] : ((profile as Record<string, Record<string, unknown> | undefined>)[a as string] ?? {})[b];
  return Array.isArray(v) ? v.join('; ') : typeof v === 'string' ? v : undefined;
}

/**
 * Asks for the profile fields the letter kinds need: `mode` 'missing' asks only for required
 * fields the profile lacks, 'all' for every field (each defaulting to the profile's value).
 * Resolves with the answers as profile option values (addresses as lines), or 'interrupted'
 * when the user pressed Ctrl-C.
 */
export async function askProfile(profile: Profile, kinds: readonly LetterKind[], io: Io, mode: 'missing' | 'all' = 'missing', prompter?: Prompter): Promise<ProfileOptionValues | 'interrupted'> {
  const ask = prompter ?? (await inquirerPrompter(io));
  const toOffice = kinds.some((k) => k !== 'debt-validation');
  const toCollector = kinds.includes('debt-validation');
  const out: ProfileOptionValues = {};
  try {
    for (const q of QUESTIONS) {
      if ((q.who === 'billingOffice' && !toOffice) || (q.who === 'collector' && !toCollector)) continue;
      const have = current(profile, q.key);
      if (mode === 'missing' && (!q.required || have)) continue;
      const lines = PROFILE_OPTIONS.find((p) => p.key === q.key && 'lines' in p) !== undefined;
      const answer = (
        await ask.input(q.message, {
          ...(have ? { default: have } : {}),
          validate: (v) => (q.required && v.trim() === '' ? 'required' : true),
        })
      ).trim();
      if (answer === '') continue;
      out[q.key] = lines ? answer.split(';').map((l) => l.trim()).filter(Boolean) : answer;
    }
  } catch (err) {
    if (isInterrupt(err)) return 'interrupted';
    throw err;
  }
  return out;
}
