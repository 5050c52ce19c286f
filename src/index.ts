/**
 * medbill's public API: read bills, load rules, audit, format reports. The CLI (src/cli.ts)
 * is a thin shell over these.
 */
export { parseBill, readBillFile, type ReadOptions, type ReadResult } from './bill/read.js';
export { buildBill, type BillOptions } from './bill/build.js';
export type { Bill, BillLine, BillFacts, BillInput } from './bill/schema.js';
export { BillSchema, BillInputSchema, BillLineSchema } from './bill/schema.js';
export { parseMoney, parseDate, parseUnits, parseModifiers, formatCents } from './bill/values.js';
export { loadRules, defaultRulesDir, type RuleSet, type LoadedRule, type RuleSelection } from './rules/loader.js';
export { testRule, testRules, type RuleTestResult } from './rules/tester.js';
export { audit, errorReport, amountAtStake, compareFindings, type AuditContext } from './engine.js';
export { ReportSchema, BatchReportSchema, REPORT_SCHEMA_VERSION, type Report, type Finding, type BatchReport } from './report.js';
export { formatText } from './formatters/text.js';
export { formatAssistText } from './formatters/assist.js';
export { assist, AssistResultSchema, povertyGuideline, fplPercent, type AssistInput, type AssistResult } from './assist.js';
export { loadFacts, FactBook, FactSchema, FactsFileSchema, type Fact } from './facts.js';
export { buildPlan, type PlanOptions } from './plan.js';
export { PlanSchema, type Plan } from './report.js';
export { formatJson, formatNdjsonLine, formatBatchJson, toBatch } from './formatters/json.js';
export { formatMarkdown } from './formatters/markdown.js';
export { jsonSchema, SCHEMA_NAMES } from './schemas.js';
export { ExitCode } from './exit-codes.js';
export { DATA_KINDS, type DataKind, type DatasetInfo, type PtpEdit, type MueLimit, type AocPair } from './data/model.js';
export { dataDir, storePath } from './data/dir.js';
export { importFiles, type ImportOptions, type ImportResult } from './data/import.js';
export { openReference, type ReferenceSource } from './data/reference.js';
export { openStore, type Store, type StoredDataset, type ImportOutcome } from './data/store.js';
export { writeSample } from './data/sample.js';
export { readPriceFile, fileChunks, looksLikePriceFile, CODE_TYPES, type ReadPriceOptions, type PriceReadResult, type KeepRates } from './prices/hpt-read.js';
export { validatePriceFile, type ValidationReport, type ValidationProblem } from './prices/validate.js';
export { medicareAmount, type MedicareBenchmark, type MedicareResult } from './prices/medicare.js';
export { matchItems, fileBenchmarks } from './prices/match.js';
export { pickSchedulePeriod, type HospitalPrices, type PriceItem, type PriceFileInfo, type MedicareData, type Locality } from './prices/model.js';
export { PricesSchema, type Prices, type LinePrice, type Benchmark } from './report.js';
export { MedbillError, BillError, RulesError, DataError, UsageError, IoError, formatProblem, type Problem, type Location } from './errors.js';
export { run } from './cli.js';
export {
  composeLetter,
  lettersCalledFor,
  renderText as renderLetterText,
  renderMarkdown as renderLetterMarkdown,
  renderPdf as renderLetterPdf,
  renderLetter,
  letterFileName,
  ProfileSchema,
  parseProfile,
  LETTER_KINDS,
  LETTER_FORMATS,
  type Letter,
  type LetterKind,
  type LetterFormat,
  type Profile,
  type ComposeOptions,
} from './letters/index.js';
export { applyDecisions, type FindingDecisions } from './engine.js';
export { findingKey } from './finding-key.js';
