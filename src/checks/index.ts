/**
 * The registry of check kinds. A rule file's `kind` must name one of these; a new kind of
 * detection is a new file in this folder, added here.
 */
import { addOnPrimary } from './add-on-primary.js';
import { balanceBilling } from './balance-billing.js';
import { componentOf } from './component-of.js';
import { dateOutsideStay } from './date-outside-stay.js';
import { duplicate } from './duplicate.js';
import { financialAssistance } from './financial-assistance.js';
import { frequencyLimit } from './frequency-limit.js';
import { gfeExcess } from './gfe-excess.js';
import { keywordMatch } from './keyword-match.js';
import { levelVsDiagnosis } from './level-vs-diagnosis.js';
import { mueLimit } from './mue-limit.js';
import { panelOverlap } from './panel-overlap.js';
import { priceOutlier } from './price-outlier.js';
import { ptpEdit } from './ptp-edit.js';
import { requiresCompanion } from './requires-companion.js';
import { roomNights } from './room-nights.js';
import { statedTotal } from './stated-total.js';
import type { CheckKind } from './types.js';
import { unitPrice } from './unit-price.js';

/** All check kinds by name. */
export const CHECK_KINDS: ReadonlyMap<string, CheckKind<unknown>> = new Map(
  ([
    duplicate,
    frequencyLimit,
    componentOf,
    panelOverlap,
    addOnPrimary,
    roomNights,
    dateOutsideStay,
    keywordMatch,
    levelVsDiagnosis,
    requiresCompanion,
    unitPrice,
    statedTotal,
    balanceBilling,
    gfeExcess,
    financialAssistance,
    ptpEdit,
    mueLimit,
    priceOutlier,
  ] as Array<CheckKind<never>>).map((k) => [k.name, k as unknown as CheckKind<unknown>]),
);
