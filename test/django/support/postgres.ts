// Unique PostgreSQL databases per test run on the local server (127.0.0.1:5432, trust auth).
import { randomBytes } from 'node:crypto';
import { runOk } from './processes.js';

export const PG_HOST = '127.0.0.1';
export const PG_PORT = 5432;

export function uniqueDatabaseName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export function databaseUrl(name: string): string {
  return `postgres://postgres@${PG_HOST}:${PG_PORT}/${name}`;
}

export async function createDatabase(name: string): Promise<void> {
  await runOk('createdb', ['-h', PG_HOST, '-p', String(PG_PORT), '-U', 'postgres', name]);
}

export async function dropDatabase(name: string): Promise<void> {
  await runOk('dropdb', ['-h', PG_HOST, '-p', String(PG_PORT), '-U', 'postgres', '--if-exists', '--force', name]);
}
