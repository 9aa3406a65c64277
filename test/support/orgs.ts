/**
 * Puts a generated tree straight into the org directory for workflow tests (the API's
 * import route is tested on its own in test/api).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { FlatOrg } from '../../domain/generate-tree.js';

export async function seedOrgs(db: Kysely<Database>, orgs: readonly FlatOrg[]): Promise<void> {
  const paths = new Map<string, string>();
  const positions = new Map<string, number>();
  const rows = orgs.map((o) => {
    const parentPath = o.parentId ? paths.get(o.parentId)! : '/';
    const path = `${parentPath}${o.id}/`;
    paths.set(o.id, path);
    const position = positions.get(o.parentId ?? '') ?? 0;
    positions.set(o.parentId ?? '', position + 1);
    return { id: o.id, parent_id: o.parentId, level: o.level, kind: o.kind, name: o.name, path, depth: path.split('/').length - 3, position };
  });
  for (let i = 0; i < rows.length; i += 2000)
    await db
      .insertInto('orgs')
      .values(rows.slice(i, i + 2000))
      .execute();
}
