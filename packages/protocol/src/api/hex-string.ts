import { z } from 'zod';
import { isHex } from '../hex.ts';

/** Hex text of exactly `bytes` bytes (either case). */
export const hexBytes = (bytes: number) =>
  z
    .string()
    .length(bytes * 2)
    .refine(isHex, 'expected hex');

/** Hex text of any even length (either case). */
export const hexText = () =>
  z
    .string()
    .refine(isHex, 'expected hex')
    .refine((text) => text.length % 2 === 0, 'expected an even number of hex digits');
