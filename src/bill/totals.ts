/**
 * A bill's totals computed from its lines, in integer cents: charges (charge lines net of
 * reversals), payments and adjustments (negative), the insurance payment the bill states
 * without itemizing it, and the balance that results. One computation shared by the report
 * summary and the stated-total check.
 */
import type { Bill } from './schema.js';

/** Totals of a bill in cents; credits are negative. */
export interface BillTotals {
  chargesCents: number;
  paymentsCents: number;
  adjustmentsCents: number;
  /** Stated on the bill (a `totals.insurancePaid` or "Insurance paid" row), as a negative amount; 0 when not stated. */
  insurancePaidCents: number;
  /** charges + payments + adjustments + insurance paid (+ stated payments/adjustments the lines do not itemize). */
  balanceCents: number;
}

/** Computes {@link BillTotals} for a bill. Pure. */
export function billTotals(bill: Bill): BillTotals {
  const sum = (types: string[]) => bill.lines.filter((l) => types.includes(l.type)).reduce((s, l) => s + l.chargeCents, 0);
  const chargesCents = sum(['charge', 'reversal']);
  const paymentsCents = sum(['payment']);
  const adjustmentsCents = sum(['adjustment']);
  const stated = (kind: string) => bill.statedTotals.find((t) => t.kind === kind)?.amountCents;
  const insurancePaidCents = -Math.abs(stated('insurancePaid') ?? 0);
  const unitemizedPayments = paymentsCents === 0 ? -Math.abs(stated('payments') ?? 0) : 0;
  const unitemizedAdjustments = adjustmentsCents === 0 ? -Math.abs(stated('adjustments') ?? 0) : 0;
  return {
    chargesCents,
    paymentsCents,
    adjustmentsCents,
    insurancePaidCents,
    balanceCents: chargesCents + paymentsCents + adjustmentsCents + insurancePaidCents + unitemizedPayments + unitemizedAdjustments,
  };
}
