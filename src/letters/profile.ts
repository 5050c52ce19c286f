/**
 * The letter profile: who sends the letters and to whom (zod; the source of the type, of
 * validation and of the JSON Schema printed by `medbill schema profile`). A profile file is
 * YAML or JSON; every scalar is read as a string, so an account number or ZIP code written
 * `000123` keeps its zeros. Every field is optional in the file: options (`--sender-name`,
 * ...) and prompts fill or override it, and a letter names what it still lacks.
 */
import { z } from 'zod';
import { MedbillError, UsageError } from '../errors.js';
import type { LetterKind, Party } from './model.js';
import { PROFILE_OPTIONS, type ProfileOptionValues } from './options.js';

export { PROFILE_OPTIONS, type ProfileOptionValues };

const line = z.string().trim().min(1, 'expected a non-empty string');
const address = z
  .union([line, z.array(line).min(1)])
  .transform((a) => (Array.isArray(a) ? a : a.split(/\r?\n/).map((l) => l.trim()).filter(Boolean)))
  .describe('address lines (street, then city, state and ZIP), as a list or one string with a line per row');

/** A person or office in a profile: name, address lines, phone and e-mail (all optional in the file). */
export const ProfilePartySchema = z
  .object({ name: line.optional(), address: address.optional(), phone: line.optional(), email: line.optional() })
  .strict();

/** The profile file (`--profile FILE`, YAML or JSON). Unknown keys are an error. */
export const ProfileSchema = z
  .object({
    schemaVersion: z.union([z.literal(1), z.literal('1')]).optional(),
    sender: ProfilePartySchema.optional().describe('you: the name signed under the letters and your mailing address'),
    patient: line.optional().describe("the patient's name, when it is not the sender's (a parent writing for a child)"),
    account: line.optional().describe('the account number on the bill'),
    hospital: line.optional().describe("the hospital's or provider's name as the letters name it (default: the bill's provider, else the billing office)"),
    billingOffice: ProfilePartySchema.optional().describe('where the letters to the provider go, e.g. Patient Financial Services and its address'),
    collector: ProfilePartySchema.extend({ account: line.optional().describe("the collector's reference number for the debt") })
      .strict()
      .optional()
      .describe('a debt collector (debt-validation letters)'),
  })
  .strict();

/** A profile as read from a file or built from options (see {@link ProfileSchema}). */
export type Profile = z.output<typeof ProfileSchema>;

/**
 * Parses and validates a profile file's text (YAML or JSON; scalars read as strings). Pure.
 * Throws {@link MedbillError} (code USAGE, exit 2) naming the file and the key that is wrong.
 */
export function parseProfile(text: string, file: string, parse: (text: string) => unknown): Profile {
  let data: unknown;
  try {
    data = parse(text);
  } catch (err) {
    throw new MedbillError('USAGE', `--profile: not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}`, { file });
  }
  if (data === null || data === undefined || data === '') data = {};
  const parsed = ProfileSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    const key = issue.path.map(String).join('.') || '(top level)';
    const msg = issue.code === 'unrecognized_keys' ? `unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')} (keys: ${Object.keys(ProfileSchema.shape).join(', ')}; see medbill schema profile)` : issue.message;
    throw new MedbillError('USAGE', `--profile: ${key}: ${msg}`, { file, key });
  }
  return parsed.data;
}

/** The profile the options describe (only the options given). Pure. */
export function profileFromOptions(o: ProfileOptionValues): Profile {
  const out: Record<string, unknown> = {};
  for (const opt of PROFILE_OPTIONS) {
    const v = o[opt.key];
    if (v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    const value = 'lines' in opt ? (Array.isArray(v) ? v : [v]).map((l) => l.trim()).filter(Boolean) : String(v).trim();
    if (value === '' || (Array.isArray(value) && value.length === 0)) continue;
    const [a, b] = opt.path as readonly string[];
    if (b === undefined) out[a as string] = value;
    else out[a as string] = { ...((out[a as string] as object | undefined) ?? {}), [b]: value };
  }
  return out as Profile;
}

/** `over` on top of `base`, field by field (parties merged key by key). Pure. */
export function mergeProfiles(base: Profile, over: Profile): Profile {
  const out: Profile = { ...base, ...over };
  for (const k of ['sender', 'billingOffice', 'collector'] as const) {
    if (base[k] || over[k]) (out as Record<string, unknown>)[k] = { ...(base[k] ?? {}), ...(over[k] ?? {}) };
  }
  return out;
}

/** A profile party as a letter {@link Party}, or undefined when its name or address is missing. */
export function completeParty(p: z.output<typeof ProfilePartySchema> | undefined): Party | undefined {
  if (!p?.name || !p.address || p.address.length === 0) return undefined;
  return { name: p.name, address: p.address, ...(p.phone ? { phone: p.phone } : {}), ...(p.email ? { email: p.email } : {}) };
}

/** Which party a letter kind is addressed to: the collector for debt-validation, else the billing office. */
export function recipientRole(kind: LetterKind): 'billingOffice' | 'collector' {
  return kind === 'debt-validation' ? 'collector' : 'billingOffice';
}

/**
 * The profile fields a letter of `kind` still lacks, as option flags (`--sender-name`, ...):
 * the sender's name and address and the recipient's name and address. Pure.
 */
export function missingProfileFields(profile: Profile, kind: LetterKind): string[] {
  const missing: string[] = [];
  if (!profile.sender?.name) missing.push('--sender-name');
  if (!profile.sender?.address?.length) missing.push('--sender-address');
  const role = recipientRole(kind);
  const r = profile[role];
  const prefix = role === 'collector' ? '--collector' : '--billing-office';
  if (!r?.name) missing.push(`${prefix}-name`);
  if (!r?.address?.length) missing.push(`${prefix}-address`);
  return missing;
}

/**
 * Throws {@link UsageError} when the profile lacks a field the letter kinds need, naming the
 * options that give them and `--profile FILE`. `what` names the letters in the message
 * (default: "the KIND letter" for one kind, else "the letters").
 */
export function assertProfileComplete(profile: Profile, kinds: readonly LetterKind[], what?: string): void {
  const missing = [...new Set(kinds.flatMap((k) => missingProfileFields(profile, k)))];
  if (missing.length === 0) return;
  const subject = what ?? (kinds.length === 1 ? `the ${kinds[0]} letter` : 'the letters');
  throw new UsageError(`${subject} ${subject.endsWith('letters') ? 'need' : 'needs'} ${missing.join(', ')} (addresses: one option per line), or a --profile FILE with them (medbill schema profile prints its schema)`);
}
