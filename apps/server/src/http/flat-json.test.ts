import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flatJsonObject } from './flat-json.ts';

const bytes = (text: string) => Buffer.from(text, 'utf8');

/** What `JSON.parse` makes of the bytes, or the error's name. */
function parsed(text: Buffer): unknown {
  try {
    return { value: JSON.parse(text.toString('utf8')) };
  } catch (error) {
    return { error: (error as Error).name };
  }
}

describe('flatJsonObject', () => {
  it.each([
    '{"datastore_id":"6d1c3a2e-0000-4000-8000-000000000000","data":"00ff","data_nonce":"ab"}',
    ' \r\n\t{ "a" : "x" , "b_2":true,"c":false ,"d" :null }\n ',
    '{}',
    '{ }',
    '{"description":"a \u007f b"}',
    `{"data":"${'0a'.repeat(40_000)}","is_default":true}`,
  ])('reads the plain form %# as JSON.parse does', (text) => {
    const value = flatJsonObject(bytes(text));
    expect(value).toBeDefined();
    expect({ value }).toEqual(parsed(bytes(text)));
    expect(Object.keys(value!)).toEqual(Object.keys(JSON.parse(text)));
  });

  it.each([
    ['an escape', '{"a":"x\\ty"}'],
    ['non-ASCII', '{"a":"é"}'],
    ['a number', '{"a":1}'],
    ['an array', '{"a":[]}'],
    ['a nested object', '{"a":{}}'],
    ['a repeated member (JSON.parse keeps the last)', '{"a":"x","a":"y"}'],
    ['__proto__', '{"__proto__":"x"}'],
    ['an index-like name (JSON.parse puts it first)', '{"b":"x","1":"y"}'],
    ['an empty name', '{"":"x"}'],
    ['a raw control character', '{"a":"x\u0001y"}'],
    ['a raw newline in a string', '{"a":"x\ny"}'],
    ['a trailing comma', '{"a":"x",}'],
    ['a missing comma', '{"a":"x" "b":"y"}'],
    ['text after the object', '{"a":"x"} x'],
    ['a second object', '{"a":"x"}{}'],
    ['an unterminated string', '{"a":"x'],
    ['no closing brace', '{"a":"x"'],
    ['a truncated literal', '{"a":tru'],
    ['a literal run on', '{"a":truex}'],
    ['a capitalised literal', '{"a":True}'],
    ['a vertical tab as whitespace', '{\u000b"a":"x"}'],
    ['not an object', '"x"'],
    ['nothing', ''],
  ])('leaves %s to the general way', (_name, text) => {
    expect(flatJsonObject(bytes(text))).toBeUndefined();
  });

  it('returns, for any bytes, either undefined or what JSON.parse returns', () => {
    const piece = fc.constantFrom(
      '{',
      '}',
      '"',
      ':',
      ',',
      ' ',
      '\n',
      '\t',
      '\u000b',
      '\\',
      'a',
      '_b',
      '0f',
      'true',
      'false',
      'null',
      '1',
      '[',
      ']',
      '\u0000',
      '\u00e9',
      '__proto__',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => {
        const text = bytes(pieces.join(''));
        const value = flatJsonObject(text);
        if (value !== undefined) expect({ value }).toEqual(parsed(text));
      }),
      { numRuns: 5000 },
    );
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/),
          fc.oneof(fc.string(), fc.boolean(), fc.constant(null)),
        ),
        fc.constantFrom(undefined, 2),
        (object, indent) => {
          const text = bytes(JSON.stringify(object, null, indent));
          const value = flatJsonObject(text);
          if (value !== undefined) expect({ value }).toEqual(parsed(text));
          // Strings without escapes or non-ASCII characters are always read.
          if (!/[\\\u0080-\uffff]/.test(text.toString('utf8'))) expect(value).toEqual(object);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
