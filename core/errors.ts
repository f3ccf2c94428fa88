/**
 * Every failure Weft reports has a class and a stable `WEFT_ERR_*` code. The
 * base class lives here, on the bottom floor; each domain keeps its own
 * subclasses in its own `*-errors.ts` (api/api-errors.ts,
 * native/bpf-error.ts, control-plane/ca/ca-errors.ts, ...), and
 * test/integration/error-codes.test.ts checks that no code has two owners.
 */
export class WeftError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}
