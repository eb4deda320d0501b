/**
 * fast-check arbitraries for hostile input: LDAP filter and DN injection, NUL, non-ASCII, huge
 * values, wrong JSON types, malformed JSON.
 */
import fc from 'fast-check';

/** Strings that change a filter or DN when they are pasted into one unescaped. */
export const INJECTIONS = [
  '*',
  '*)(uid=*',
  '*)(|(uid=*))',
  'alice)(|(uid=*)',
  'alice*',
  '*alice',
  'al*ce',
  ')(objectClass=*',
  '*))(|(objectClass=*',
  'admin)(&)',
  '(|(uid=*))',
  '\\',
  '\\2a',
  '\\00',
  '\\5c2a',
  '\u0000',
  'alice\u0000',
  'alice\u0000)(uid=*',
  'uid=alice,ou=people',
  'cn=admin,dc=example,dc=org',
  '#alice',
  ' alice ',
  'alice,ou=people',
  'alice+cn=x',
  'alice;x',
  '<alice>',
  '"alice"',
  'alice=',
  'ａｌｉｃｅ',
  'alİce',
  'ALICE',
  'Zoë Ångström',
  'müller',
  'm\u0075\u0308ller',
  '💥',
  '\ud800',
  '../../etc/passwd',
  "'; DROP TABLE users; --",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal text of a log4j-style injection.
  '${jndi:ldap://127.0.0.1/a}',
  '%00',
  '%2a',
] as const;

const texts = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: fc.constantFrom('*', '(', ')', '\\', '\u0000', '=', ',', '"', '#', ' ', 'a', 'é') }),
);

/** Any string an attacker might type, including the classic injections. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...INJECTIONS) },
  { weight: 3, arbitrary: texts },
  {
    weight: 3,
    arbitrary: fc
      .tuple(texts, fc.constantFrom(...INJECTIONS), texts)
      .map(([before, injection, after]) => `${before}${injection}${after}`),
  },
  { weight: 1, arbitrary: hugeString(1000, 20_000) },
);

/** A long string, built by repetition so that generating it stays cheap. */
export function hugeString(min: number, max: number): fc.Arbitrary<string> {
  return fc
    .tuple(fc.integer({ min, max }), fc.constantFrom('a', '*', '\u0000', 'é', '😀', '\\', '0f'))
    .map(([length, unit]) => unit.repeat(Math.ceil(length / unit.length)));
}

/** Any JSON value of the wrong type for a string field, or a hostile string. */
export const anyJsonValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(-1, 0, 2 ** 53, -(2 ** 63), 1e308),
  fc.array(fc.jsonValue(), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue(), { maxKeys: 5 }),
);

/** A hex string of about the right length (right, one off, odd), or junk. */
export function hexLike(length: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: length, maxLength: length }),
    fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length - 1, maxLength: length + 1 }),
    anyJsonValue,
  );
}

/** An object with some of the given keys (wrong values likely), plus unexpected keys sometimes. */
export function objectWithKeys(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  return fc
    .tuple(
      fc.record(fields, { requiredKeys: [] }),
      fc.dictionary(fc.string({ maxLength: 12 }), anyJsonValue, { maxKeys: 2 }),
      fc.boolean(),
    )
    .map(([known, extra, withExtra]) => (withExtra ? { ...extra, ...known } : known));
}

/** A request body as text: malformed JSON, JSON of any shape, or the given shape serialised. */
export function bodyText(shape: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 5, arbitrary: shape.map((value) => JSON.stringify(value) ?? 'null') },
    { weight: 1, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value) ?? 'null') },
    { weight: 1, arbitrary: texts },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '',
        '{',
        '{"login_info":',
        '[',
        'null',
        '{"a":1,}',
        '\u0000',
        '{"__proto__":{"x":1}}',
      ),
    },
    {
      weight: 1,
      arbitrary: hugeString(60_000, 80_000).map((value) => JSON.stringify({ login_info: value })),
    },
  );
}

/** A header value: junk, injections, or almost-right values built by `near`. */
export function headerValue(near: fc.Arbitrary<string> = fc.constant('')): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    fc.constant(undefined),
    near,
    fc.constantFrom(...INJECTIONS),
    fc.string(),
    fc.string({ unit: 'grapheme' }),
    hugeString(100, 10_000),
  );
}
