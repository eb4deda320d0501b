import { describe, expect, it } from 'vitest';
import { directoryIndexFor, qualifyUsername, splitUsername } from './username.ts';

describe('splitUsername', () => {
  it('splits at the last @, trims and lowercases the domain', () => {
    expect(splitUsername(' Alice@Example.ORG ')).toEqual({ localPart: 'Alice', domain: 'example.org' });
    expect(splitUsername('a@b@example.org')).toEqual({ localPart: 'a@b', domain: 'example.org' });
    expect(splitUsername('alice')).toEqual({ localPart: 'alice', domain: null });
  });
});

describe('directoryIndexFor', () => {
  const domains = ['example.org', 'Corp.Example.net'];
  it('finds the directory by domain, case-insensitively', () => {
    expect(directoryIndexFor('alice@CORP.example.net', domains)).toBe(1);
    expect(directoryIndexFor('alice@example.com', domains)).toBe(-1);
  });
  it('gives a name without @domain to the only directory, never to one of several', () => {
    expect(directoryIndexFor('alice', ['example.org'])).toBe(0);
    expect(directoryIndexFor('alice', domains)).toBe(-1);
    expect(directoryIndexFor('alice', [])).toBe(-1);
  });
});

describe('qualifyUsername', () => {
  it('appends the domain to a bare name only', () => {
    expect(qualifyUsername(' alice ', 'example.com')).toBe('alice@example.com');
    expect(qualifyUsername('bob@other.org', 'example.com')).toBe('bob@other.org');
    expect(qualifyUsername('carol', '')).toBe('carol');
  });
});
