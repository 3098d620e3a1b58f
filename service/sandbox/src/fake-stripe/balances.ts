// The fake's money ledger: every account's available balance per currency, and the movements
// that make it up, so a test can check captured = refunded + kept for the platform and for each
// connected account. The sandbox makes funds available at once (Stripe's test card
// 4000 0000 0000 0077 does the same); nothing sits in `pending` and Stripe charges no fees here.

export type Amounts = Record<string, number>;

export interface PlatformLedger {
  /** What GET /v1/balance reports as available, per currency. */
  available: Amounts;
  /** Charges captured on the platform (destination charges included). */
  captured: Amounts;
  /** Refunded to customers. */
  refunded: Amounts;
  /** Sent to connected accounts by destination charges. */
  transferred: Amounts;
  /** Taken back from connected accounts by transfer reversals. */
  reversed: Amounts;
  /** Application fees collected from connected accounts. */
  feesCollected: Amounts;
  /** Application fees returned to connected accounts. */
  feesRefunded: Amounts;
}

export interface AccountLedger {
  available: Amounts;
  /** Received by transfer. */
  transferred: Amounts;
  /** Given back by transfer reversals. */
  reversed: Amounts;
  /** Application fees paid to the platform. */
  feesPaid: Amounts;
  /** Application fees the platform returned. */
  feesRefunded: Amounts;
  /** Paid out to the bank (failed payouts come back and are not counted). */
  paidOut: Amounts;
}

export interface Balances {
  platform: PlatformLedger;
  /** By connected account id. */
  accounts: Record<string, AccountLedger>;
  /** Application fees over all accounts. */
  applicationFees: { collected: Amounts; refunded: Amounts };
}

const add = (amounts: Amounts, currency: string, delta: number) => {
  amounts[currency] = (amounts[currency] ?? 0) + delta;
};

const emptyPlatform = (): PlatformLedger => ({
  available: {},
  captured: {},
  refunded: {},
  transferred: {},
  reversed: {},
  feesCollected: {},
  feesRefunded: {},
});

const emptyAccount = (): AccountLedger => ({
  available: {},
  transferred: {},
  reversed: {},
  feesPaid: {},
  feesRefunded: {},
  paidOut: {},
});

export class Ledger {
  readonly #platform = emptyPlatform();
  readonly #accounts = new Map<string, AccountLedger>();

  #account(id: string): AccountLedger {
    let a = this.#accounts.get(id);
    if (!a) {
      a = emptyAccount();
      this.#accounts.set(id, a);
    }
    return a;
  }

  /** Opens an account's ledger at zero (so balances() lists it before any money moves). */
  open(account: string): void {
    this.#account(account);
  }

  capture(currency: string, amount: number): void {
    add(this.#platform.captured, currency, amount);
    add(this.#platform.available, currency, amount);
  }

  refund(currency: string, amount: number): void {
    add(this.#platform.refunded, currency, amount);
    add(this.#platform.available, currency, -amount);
  }

  transfer(account: string, currency: string, amount: number): void {
    const a = this.#account(account);
    add(this.#platform.transferred, currency, amount);
    add(this.#platform.available, currency, -amount);
    add(a.transferred, currency, amount);
    add(a.available, currency, amount);
  }

  reverse(account: string, currency: string, amount: number): void {
    const a = this.#account(account);
    add(this.#platform.reversed, currency, amount);
    add(this.#platform.available, currency, amount);
    add(a.reversed, currency, amount);
    add(a.available, currency, -amount);
  }

  collectFee(account: string, currency: string, amount: number): void {
    const a = this.#account(account);
    add(this.#platform.feesCollected, currency, amount);
    add(this.#platform.available, currency, amount);
    add(a.feesPaid, currency, amount);
    add(a.available, currency, -amount);
  }

  refundFee(account: string, currency: string, amount: number): void {
    const a = this.#account(account);
    add(this.#platform.feesRefunded, currency, amount);
    add(this.#platform.available, currency, -amount);
    add(a.feesRefunded, currency, amount);
    add(a.available, currency, amount);
  }

  payout(account: string, currency: string, amount: number): void {
    const a = this.#account(account);
    add(a.paidOut, currency, amount);
    add(a.available, currency, -amount);
  }

  /** Available amounts of the platform (`account` null) or of a connected account. */
  available(account: string | null): Amounts {
    return { ...(account === null ? this.#platform.available : this.#account(account).available) };
  }

  snapshot(): Balances {
    const accounts: Record<string, AccountLedger> = {};
    for (const [id, a] of this.#accounts) accounts[id] = structuredClone(a);
    return {
      platform: structuredClone(this.#platform),
      accounts,
      applicationFees: {
        collected: { ...this.#platform.feesCollected },
        refunded: { ...this.#platform.feesRefunded },
      },
    };
  }
}
