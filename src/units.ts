import { InputError } from './errors.js';

/**
 * Token counts: plain integers, or a number with an SI suffix (K = 10^3,
 * M = 10^6, G = 10^9, as the paper uses them) or a binary one (Ki = 2^10,
 * Mi = 2^20, Gi = 2^30). Suffixes are case-insensitive except that the binary
 * `i` must follow the letter. The result must be a whole, positive, safe integer.
 */
const TOKEN_PATTERN = /^(\d+(?:\.\d+)?)([kKmMgG]i?)?$/;
const MULTIPLIERS: Record<string, number> = {
  k: 1e3, m: 1e6, g: 1e9,
  ki: 2 ** 10, mi: 2 ** 20, gi: 2 ** 30,
};

export function parseTokenCount(text: string, flag: string): number {
  const match = TOKEN_PATTERN.exec(text.trim() === text ? text : '');
  if (!match) {
    throw new InputError(
      `${flag}: '${text}' is not a token count; write an integer or a number with K, M, G (10^3, 10^6, 10^9) or Ki, Mi, Gi (2^10, 2^20, 2^30), e.g. 128K or 1M`,
    );
  }
  const suffix = (match[2] ?? '').toLowerCase();
  const value = Number(match[1]) * (suffix ? MULTIPLIERS[suffix]! : 1);
  const rounded = Math.round(value);
  if (Math.abs(value - rounded) > 1e-6 * Math.max(1, value)) {
    throw new InputError(`${flag}: '${text}' is ${value} tokens, not a whole number; give a whole token count`);
  }
  if (rounded <= 0) throw new InputError(`${flag}: '${text}' must be at least 1 token`);
  if (!Number.isSafeInteger(rounded)) throw new InputError(`${flag}: '${text}' is too large`);
  return rounded;
}

/** A token count that may be zero (cached tokens). */
export function parseTokenCountOrZero(text: string, flag: string): number {
  return /^0+$/.test(text) ? 0 : parseTokenCount(text, flag);
}

/** Positive whole numbers such as node, TP, CP and batch counts. */
export function parsePositiveInt(text: string, flag: string): number {
  if (!/^\d+$/.test(text)) {
    throw new InputError(`${flag}: '${text}' is not a positive whole number`);
  }
  const value = Number(text);
  if (value < 1) throw new InputError(`${flag}: must be at least 1, got '${text}'`);
  if (!Number.isSafeInteger(value)) throw new InputError(`${flag}: '${text}' is too large`);
  return value;
}
