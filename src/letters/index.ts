/**
 * Letters (issue #5): compose a report and a profile into a letter model, render it as PDF,
 * text or Markdown, and write it. The CLI loads this module only when letters are written
 * (`await import`), so an audit never pays for it; pdfkit loads only inside the PDF renderer.
 */
export { LETTER_KINDS, LETTER_KIND_DOCS, longDate, shortDate, runsText, type Letter, type LetterKind, type Block, type Run, type Origin, type Party, type SourceNote, type Deadline } from './model.js';
export { composeLetter, lettersCalledFor, type ComposeOptions } from './compose.js';
export { renderText, renderMarkdown, wrapText, escapeMarkdown } from './render-text.js';
export { renderPdf, pdfSafe, type PdfOptions } from './render-pdf.js';
export {
  ProfileSchema,
  ProfilePartySchema,
  PROFILE_OPTIONS,
  parseProfile,
  profileFromOptions,
  mergeProfiles,
  missingProfileFields,
  assertProfileComplete,
  recipientRole,
  type Profile,
  type ProfileOptionValues,
} from './profile.js';
export { LETTER_FORMATS, letterFileName, renderLetter, letterClock, loadProfile, writeFilesAtomic, writeLettersFor, ensureLetterDir, type LetterFormat, type LetterRun, type LetterOutcome, type PendingFile } from './write.js';
