import { InputError } from './errors.js';

/**
 * Extreme but schema-valid inputs (a bandwidth of 1e-300, a trillion-token
 * batch) can overflow to Infinity or past exact integers, in seconds or after
 * conversion to milliseconds. Refuse them rather than print a NaN, an Infinity
 * (JSON would show null) or a rounded byte count.
 */
export function assertRepresentable(value: unknown, path = ''): void {
  if (typeof value === 'number') {
    // Times, sizes and counts cannot be negative; other values (an equation's threshold) may be.
    if (!Number.isFinite(value) || (value < 0 && /(Ms|Sec|Bytes|Tokens)$/.test(path))) {
      throw new InputError(`the inputs give ${value} for ${path}; check the preset figures and sizes for extreme values`);
    }
    if (/Bytes$/.test(path) && value > Number.MAX_SAFE_INTEGER) {
      throw new InputError(`${path} exceeds ${Number.MAX_SAFE_INTEGER} bytes; reduce --ctx or --batch`);
    }
    return;
  }
  if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) assertRepresentable(child, path ? `${path}.${key}` : key);
  }
}
