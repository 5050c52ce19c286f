/**
 * The letter options the CLI registers at start-up (kept apart from the letter code, which
 * loads only when letters are written): the output formats and the profile options.
 */

/** Output formats of letters. */
export const LETTER_FORMATS = ['pdf', 'text', 'markdown'] as const;

/** One of {@link LETTER_FORMATS}. */
export type LetterFormat = (typeof LETTER_FORMATS)[number];

/**
 * The profile options, one per profile field: the option name, the field path, and whether it
 * is an address (repeatable, one line each). The CLI registers them from this table, the
 * interactive review asks for the same fields, and the equivalent command it prints uses them.
 */
export const PROFILE_OPTIONS = [
  { flag: '--sender-name', key: 'senderName', path: ['sender', 'name'], help: 'your name, signed under the letters' },
  { flag: '--sender-address', key: 'senderAddress', path: ['sender', 'address'], help: 'your address, one line per option (repeat: street, then city, state and ZIP)', lines: true },
  { flag: '--sender-phone', key: 'senderPhone', path: ['sender', 'phone'], help: 'your phone number (optional)' },
  { flag: '--sender-email', key: 'senderEmail', path: ['sender', 'email'], help: 'your e-mail address (optional)' },
  { flag: '--patient-name', key: 'patientName', path: ['patient'], help: "the patient's name when it is not yours" },
  { flag: '--account', key: 'account', path: ['account'], help: 'the account number on the bill' },
  { flag: '--hospital', key: 'hospital', path: ['hospital'], help: "the hospital's name as the letters use it (default: the bill's provider)" },
  { flag: '--billing-office-name', key: 'billingOfficeName', path: ['billingOffice', 'name'], help: 'the billing office the letters go to, e.g. "Patient Financial Services"' },
  { flag: '--billing-office-address', key: 'billingOfficeAddress', path: ['billingOffice', 'address'], help: "the billing office's address, one line per option (repeat)", lines: true },
  { flag: '--collector-name', key: 'collectorName', path: ['collector', 'name'], help: 'a debt collector (debt-validation letter)' },
  { flag: '--collector-address', key: 'collectorAddress', path: ['collector', 'address'], help: "the collector's address, one line per option (repeat)", lines: true },
  { flag: '--collector-account', key: 'collectorAccount', path: ['collector', 'account'], help: "the collector's reference number for the debt" },
] as const;

/** The commander keys of the profile options and their values (strings; address options are lists). */
export type ProfileOptionValues = Partial<Record<(typeof PROFILE_OPTIONS)[number]['key'], string | string[]>>;

