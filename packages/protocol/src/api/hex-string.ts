import { z } from 'zod';
import { HEX_PATTERN } from '../hex.ts';

/** Hex text of exactly `bytes` bytes (either case). */
export const hexBytes = (bytes: number) =>
  z
    .string()
    .length(bytes * 2)
    .regex(HEX_PATTERN, 'expected hex');

/** Hex text of any even length (either case). */
export const hexText = () =>
  z
    .string()
    .regex(HEX_PATTERN, 'expected hex')
    .refine((text) => text.length % 2 === 0, 'expected an even number of hex digits');
