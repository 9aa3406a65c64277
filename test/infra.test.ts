/**
 * The test infrastructure itself: the servers the global setup starts are real, carry
 * the project's search attributes, and reach the test files; and the launcher's
 * persisted mode survives a restart.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { findTemporalCli, startTemporalServer } from '../scripts/temporal-server.js';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';
import { freshDatabase } from './support/db.js';
import { testDatabaseUrl, testTemporalAddress } from './support/env.js';

/** The custom search attributes a namespace has, by name → type enum value. */
async function customAttributes(connection: Connection, namespace = 'default'): Promise<Record<string, unknown>> {
  const response = await connection.operatorService.listSearchAttributes({ namespace });
  return { ...response.customAttributes };
}

describe('test servers from the global setup', () => {
  it('hands the same addresses to test files through process.env and inject', () => {
    expect(process.env.TEMPORAL_ADDRESS).toBeTruthy();
    expect(testTemporalAddress()).toBe(process.env.TEMPORAL_ADDRESS);
    expect(testDatabaseUrl()).toBe(process.env.DATABASE_URL || undefined);
    if (process.env.REQUIRE_POSTGRES === '1') expect(testDatabaseUrl()).toMatch(/^postgres(ql)?:\/\//);
  });

  it('Temporal answers and has the seven custom search attributes', async () => {
    const connection = await Connection.connect({ address: testTemporalAddress() });
    try {
      const info = await connection.workflowService.getSystemInfo({});
      expect(info.serverVersion).toBeTruthy();
      const attributes = await customAttributes(connection);
      for (const { name } of SEARCH_ATTRIBUTES) expect(attributes).toHaveProperty(name);
      expect(SEARCH_ATTRIBUTES).toHaveLength(7);
    } finally {
      await connection.close();
    }
  });

  it('freshDatabase() gives real PostgreSQL when DATABASE_URL is set', async () => {
    const db = await freshDatabase();
    try {
      const { rows } = await sql<{ version: string }>`select version() as version`.execute(db.kysely);
      expect(rows[0]?.version).toContain('PostgreSQL');
      if (process.env.DATABASE_URL) {
        expect(db.engine).toBe('postgres');
        expect(db.url).toMatch(/^postgres:\/\/.*\/test_[0-9a-f]+$/);
      }
    } finally {
      await db.close();
    }
  });
});

describe('startTemporalServer with a dbFile', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('keeps its state and search attributes across a restart on the same file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'temporal-persist-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const dbFile = path.join(dir, 'nested', 'temporal.db');
    const namespace = 'persisted-check';

    const first = await startTemporalServer({ uiPort: false, dbFile });
    cleanups.push(() => first.stop());
    const connection1 = await Connection.connect({ address: first.address });
    const listed = await connection1.workflowService.listNamespaces({});
    expect(listed.namespaces.map((n) => n.namespaceInfo?.name)).toContain('default');
    // Something only a persisted server can remember.
    await connection1.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs('1 day'),
    });
    await connection1.close();
    await first.stop();

    const second = await startTemporalServer({ uiPort: false, dbFile });
    cleanups.push(() => second.stop());
    const connection2 = await Connection.connect({ address: second.address });
    try {
      const described = await connection2.workflowService.describeNamespace({ namespace });
      expect(described.namespaceInfo?.name).toBe(namespace);
      const attributes = await customAttributes(connection2);
      for (const { name } of SEARCH_ATTRIBUTES) expect(attributes).toHaveProperty(name);
    } finally {
      await connection2.close();
      await second.stop();
    }
  });

  it('registers the attributes a server on an older file lacks (start-dev registers them only in a new file)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'temporal-upgrade-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    // The real CLI, started without `--search-attribute ParentOrgId=Keyword`: a server as made before that attribute existed.
    const cli = path.join(dir, 'temporal-without-parent-org-id');
    await writeFile(
      cli,
      [
        '#!/bin/sh',
        'flag=',
        'for a in "$@"; do',
        '  shift',
        '  if [ "$a" = --search-attribute ]; then flag=1; continue; fi',
        '  if [ -n "$flag" ]; then flag=; [ "$a" = ParentOrgId=Keyword ] || set -- "$@" --search-attribute "$a"; continue; fi',
        '  set -- "$@" "$a"',
        'done',
        `exec '${await findTemporalCli({ build: false })}' "$@"`,
        '',
      ].join('\n'),
    );
    await chmod(cli, 0o755);
    const server = await startTemporalServer({ uiPort: false, dbFile: path.join(dir, 'temporal.db'), cliPath: cli });
    cleanups.push(() => server.stop());
    const connection = await Connection.connect({ address: server.address });
    try {
      const attributes = await customAttributes(connection);
      for (const { name } of SEARCH_ATTRIBUTES) expect(attributes).toHaveProperty(name);
    } finally {
      await connection.close();
      await server.stop();
    }
  });
});
