import { InputError } from './errors.js';

/**
 * Token counts: plain integers, or a number with an SI suffix (K = 10^3,
 * M = 10^6, G = 10^9, as the paper uses them) or a binary one (Ki = 2^10,
 * Mi = 2^20, Gi = 2^30). Suffixes are case-insensitive except that the binary
 * `i` must follow the letter. The result must be a whole, positive, safe integer.
 */
const TOKEN_PATTERN = /^(\d+)(?:\.(\d+))?([kKmMgG]i?)?$/;
const SI_EXPONENT: Record<string, number> = { k: 3, m: 6, g: 9 };
const BINARY_EXPONENT: Record<string, number> = { ki: 10, mi: 20, gi: 30 };

export function parseTokenCount(text: string, flag: string): number {
  const match = TOKEN_PATTERN.exec(text);
  if (!match) {
    throw new InputError(
      `${flag}: '${text}' is not a token count; write an integer or a number with K, M, G (10^3, 10^6, 10^9) or Ki, Mi, Gi (2^10, 2^20, 2^30), e.g. 128K or 1M`,
    );
  }
  // Exact decimal arithmetic: a count is either a whole number or an error, never rounded.
  const [, whole, fraction = '', suffixRaw = ''] = match;
  const suffix = suffixRaw.toLowerCase();
  let numerator = BigInt(whole! + fraction);
  const denominator = 10n ** BigInt(fraction.length);
  if (suffix in SI_EXPONENT) numerator *= 10n ** BigInt(SI_EXPONENT[suffix]!);
  if (suffix in BINARY_EXPONENT) numerator *= 2n ** BigInt(BINARY_EXPONENT[suffix]!);
  if (numerator % denominator !== 0n) {
    throw new InputError(`${flag}: '${text}' is not a whole number of tokens; give a whole token count`);
  }
  const tokens = numerator / denominator;
  if (tokens <= 0n) throw new InputError(`${flag}: '${text}' must be at least 1 token`);
  if (tokens > BigInt(Number.MAX_SAFE_INTEGER)) throw new InputError(`${flag}: '${text}' is too large`);
  return Number(tokens);
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

/**
 * A rate as a percentage (`10%`, `2.5%`) or a fraction (`0.1`). Returns the
 * fraction; the caller states which interval is allowed.
 */
export function parseRate(text: string, flag: string): number {
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(text);
  const fraction = /^(?:0|1)?(?:\.\d+)?$/.test(text) && text !== '' && text !== '.' ? Number(text) : NaN;
  const value = percent ? Number(percent[1]) / 100 : fraction;
  if (!Number.isFinite(value)) {
    throw new InputError(`${flag}: '${text}' is not a rate; write a percentage such as 10% or a fraction such as 0.1`);
  }
  return value;
}
