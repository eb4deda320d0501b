import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DATASET_NAMES,
  datasetContent,
  datasetDefinition,
  escapeRdnValue,
  renderDatasetEnv,
} from './datasets.ts';
import { ldifLine, renderDatasetLdif, sshaHash } from './ldif.ts';
import { datasetDir } from './paths.ts';

describe('dataset files', () => {
  it.each(DATASET_NAMES)(
    '%s: data.ldif and dataset.env match the catalog (run write-datasets.ts)',
    (name) => {
      expect(readFileSync(`${datasetDir(name)}data.ldif`, 'utf8')).toBe(renderDatasetLdif(name));
      expect(readFileSync(`${datasetDir(name)}dataset.env`, 'utf8')).toBe(
        renderDatasetEnv(datasetDefinition(name)),
      );
    },
  );
});

describe('catalog', () => {
  it.each(DATASET_NAMES)('%s has every awkward case the tests rely on', (name) => {
    const { people, groups } = datasetContent(name);
    const users = people.map(({ user }) => user);
    expect(users.filter((user) => user.login === 'jdoe')).toHaveLength(2);
    expect(users.filter((user) => user.mail === undefined).map((user) => user.key)).toEqual(['nomail']);
    expect(users.filter((user) => user.disabled).map((user) => user.key)).toEqual(['eve']);
    expect(users.some((user) => /[()*\\]/.test(user.password))).toBe(true);
    expect(users.some((user) => /[^ -~]/.test(user.password))).toBe(true);
    expect(
      users.some((user) => user.dn.includes('\\2C') && user.dn.includes('\\22') && user.dn.includes('(')),
    ).toBe(true);
    expect(users.some((user) => /[^ -~]/.test(user.dn))).toBe(true);
    expect(users.filter((user) => user.mutable).length).toBeGreaterThanOrEqual(4);
    expect(new Set(groups.map(({ group }) => group.dn.toLowerCase())).size).toBe(groups.length);
  });
});

describe('escapeRdnValue', () => {
  it('escapes as slapd writes DNs back', () => {
    expect(escapeRdnValue('Smith, John (Jr.) "JJ"')).toBe('Smith\\2C John (Jr.) \\22JJ\\22');
    expect(escapeRdnValue('a+b;c<d>e=f\\g')).toBe('a\\2Bb\\3Bc\\3Cd\\3Ee\\3Df\\5Cg');
    expect(escapeRdnValue(' #lead trail ')).toBe('\\20#lead trail\\20');
    expect(escapeRdnValue('Zoë')).toBe('Zoë');
  });
});

describe('ldif', () => {
  it('base64-encodes what LDIF cannot carry as text', () => {
    expect(ldifLine('cn', 'plain')).toBe('cn: plain');
    expect(ldifLine('cn', 'Zoë')).toBe(`cn:: ${Buffer.from('Zoë').toString('base64')}`);
    expect(ldifLine('cn', ':colon')).toMatch(/^cn:: /);
    expect(ldifLine('cn', 'trailing ')).toMatch(/^cn:: /);
    expect(ldifLine('objectGUID', Buffer.from([0, 1, 2]))).toBe('objectGUID:: AAEC');
  });

  it('hashes passwords as {SSHA} that verify against the password', () => {
    const hash = sshaHash('p(a)ss*w\\ord', 'seed');
    const raw = Buffer.from(hash.slice('{SSHA}'.length), 'base64');
    expect(raw).toHaveLength(28);
    const salt = raw.subarray(20);
    const digest = createHash('sha1').update('p(a)ss*w\\ord').update(salt).digest();
    expect(raw.subarray(0, 20).equals(digest)).toBe(true);
    expect(sshaHash('p(a)ss*w\\ord', 'seed')).toBe(hash);
    expect(sshaHash('other', 'seed')).not.toBe(hash);
  });
});
