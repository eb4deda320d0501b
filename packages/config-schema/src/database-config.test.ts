import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { databaseConfigFrom, databaseKindOfEngine } from './database-config.ts';
import { settingsSchema } from './settings-schema.ts';

describe('databaseKindOfEngine', () => {
  it.each([
    ['django.db.backends.postgresql', 'postgres'],
    ['django.db.backends.postgresql_psycopg2', 'postgres'],
    ['postgresql', 'postgres'],
    ['postgres', 'postgres'],
    ['django.db.backends.sqlite3', 'sqlite'],
    ['sqlite3', 'sqlite'],
    ['django.db.backends.mysql', undefined],
    ['oracle', undefined],
  ])('%s -> %s', (engine, kind) => {
    expect(databaseKindOfEngine(engine)).toBe(kind);
  });
});

describe('databaseConfigFrom', () => {
  it('uses db.sqlite3 in the data folder when DATABASES is absent', () => {
    expect(databaseConfigFrom(settingsSchema.parse({}), '/var/lib/vault')).toEqual({
      kind: 'sqlite',
      file: resolve('/var/lib/vault/db.sqlite3'),
    });
  });

  it('keeps an absolute SQLite file name', () => {
    const settings = settingsSchema.parse({
      DATABASES: { default: { ENGINE: 'sqlite3', NAME: '/db/a.sqlite3' } },
    });
    expect(databaseConfigFrom(settings, '/data')).toEqual({ kind: 'sqlite', file: '/db/a.sqlite3' });
  });

  it('reads a numeric PORT given as text', () => {
    const settings = settingsSchema.parse({
      DATABASES: {
        default: { ENGINE: 'postgresql', NAME: 'v', USER: 'u', PASSWORD: 'p', HOST: 'h', PORT: '6000' },
      },
    });
    expect(databaseConfigFrom(settings, '/data')).toEqual({
      kind: 'postgres',
      host: 'h',
      port: 6000,
      database: 'v',
      user: 'u',
      password: 'p',
    });
  });
});
