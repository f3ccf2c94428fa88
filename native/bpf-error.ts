/**
 * The native facade's errors. The addon (native/src) throws plain JS errors
 * carrying a stable WEFT_ERR_* code, the errno and its name; index.ts wraps
 * each in a BpfError, so a caller sees one class whatever the C++ call was.
 */
import { WeftError } from '../core/errors.js';

export class BpfError extends WeftError {
  readonly errno: number;
  readonly errnoName: string | undefined;
  constructor(native: { code?: string; message: string; errno?: number; errnoName?: string }, options?: { cause?: unknown }) {
    super(native.code ?? 'WEFT_ERR_BPF', native.message, options);
    this.errno = native.errno ?? 0;
    this.errnoName = native.errnoName;
  }
}

/** The addon could not be loaded: not built (npm run build), or built for another Node. */
export class NativeAddonMissingError extends BpfError {
  constructor(readonly addonPath: string, cause: unknown) {
    super({ code: 'WEFT_ERR_NATIVE_MISSING', message: `cannot load the native addon ${addonPath} (run npm run build): ${(cause as Error).message}` }, { cause });
  }
}
