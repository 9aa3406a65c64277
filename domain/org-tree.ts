/**
 * Validating an imported org tree completely: every error at once, each with the CSV
 * row or the JSON path where a person finds it. A valid tree comes back with each
 * org's materialised path (`/tj/hx/u1/`), depth and position among its siblings.
 *
 * @example
 * const { orgs, errors } = validateOrgTree(rowsFromCsv(text));
 */
import { z } from 'zod';
import { lazySchema } from './lazy-schema.js';
import { parseCsv, CsvSyntaxError } from './csv.js';
import { levelRank, LEVELS, type Level } from './levels.js';

/** An org id: it appears in paths, workflow ids and URLs, so no `/`, spaces or `%`. */
export const ORG_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** One org as submitted, and where it was in the submission. */
export interface SubmittedOrg {
  id: string;
  parentId: string | null;
  level: string;
  kind: string | undefined;
  name: string;
  at: { row: number } | { path: string };
}

/** One error in a submitted tree: the CSV `row` or the JSON `path`, and the field. */
export interface TreeError {
  row?: number;
  path?: string;
  field: string;
  message: string;
}

/** An org that passed validation, placed: materialised path, depth, position among siblings. */
export interface ValidOrg {
  id: string;
  parentId: string | null;
  level: Level;
  kind: string;
  name: string;
  path: string;
  depth: number;
  position: number;
}

/** The JSON form: a nested tree. */
export interface OrgTreeNode {
  id: string;
  level: string;
  kind?: string;
  name: string;
  children?: OrgTreeNode[];
}

/** The JSON form's shape; unknown fields are refused so a misspelt `childern` is not silently dropped. */
export const OrgTreeJson: z.ZodType<OrgTreeNode> = lazySchema(() =>
  z.lazy(() =>
    z
      .object({
        id: z.string().max(200),
        level: z.string().max(40),
        kind: z.string().max(200).optional(),
        name: z.string().max(2000),
        children: z.array(OrgTreeJson).max(50_000).optional(),
      })
      .strict(),
  ),
);

/** Flattens the JSON tree, remembering each node's path (`children[3].children[0]`). */
export function rowsFromJson(root: OrgTreeNode): SubmittedOrg[] {
  const out: SubmittedOrg[] = [];
  const walk = (node: OrgTreeNode, parentId: string | null, path: string) => {
    out.push({ id: node.id, parentId, level: node.level, kind: node.kind, name: node.name, at: { path: path || '(root)' } });
    node.children?.forEach((child, i) => walk(child, node.id, `${path ? `${path}.` : ''}children[${i}]`));
  };
  walk(root, null, '');
  return out;
}

const CSV_HEADER = ['id', 'parentId', 'level', 'kind', 'name'];

/** Reads `id,parentId,level,kind,name` rows; syntax and header problems come back as errors. */
export function rowsFromCsv(text: string): { rows: SubmittedOrg[]; errors: TreeError[] } {
  let records;
  try {
    records = parseCsv(text);
  } catch (err) {
    if (err instanceof CsvSyntaxError) return { rows: [], errors: [{ row: err.line, field: 'csv', message: err.message }] };
    throw err;
  }
  const [header, ...body] = records;
  if (body.length > MAX_IMPORT_ORGS)
    return { rows: [], errors: [{ row: MAX_IMPORT_ORGS + 2, field: 'row', message: `an import holds at most ${MAX_IMPORT_ORGS} orgs` }] };
  if (!header || header.fields.map((f) => f.trim()).join(',') !== CSV_HEADER.join(',')) {
    return { rows: [], errors: [{ row: 1, field: 'header', message: `the header must be ${CSV_HEADER.join(',')}` }] };
  }
  const errors: TreeError[] = [];
  const rows: SubmittedOrg[] = [];
  for (const r of body) {
    if (r.fields.length !== 5) {
      errors.push({ row: r.line, field: 'row', message: `expected 5 fields, found ${r.fields.length}` });
      continue;
    }
    const [id, parentId, level, kind, name] = r.fields as [string, string, string, string, string];
    rows.push({ id: id.trim(), parentId: parentId.trim() || null, level: level.trim(), kind: kind.trim() || undefined, name, at: { row: r.line } });
  }
  return { rows, errors };
}

/**
 * Checks a whole tree: ids, levels, kinds, names, one root, parents present, no cycles.
 * Errors name the CSV row, or the JSON path down to the field (`children[3].name`).
 */
export function validateOrgTree(rows: readonly SubmittedOrg[], earlier: TreeError[] = []): { orgs: ValidOrg[]; errors: TreeError[] } {
  const errors = [...earlier];
  // A body that could not be read (a bad header, malformed JSON) has said all there is to say.
  if (rows.length === 0) return { orgs: [], errors: errors.length ? errors : [{ field: 'body', message: 'the import holds no orgs' }] };
  const err = (o: SubmittedOrg, field: string, message: string) =>
    errors.push('row' in o.at ? { row: o.at.row, field, message } : { path: o.at.path === '(root)' ? field : `${o.at.path}.${field}`, field, message });
  const byId = new Map<string, SubmittedOrg>();
  const names = new Map<string, string>();
  const kinds = new Map<string, string | undefined>();
  for (const o of rows) {
    if (!ORG_ID.test(o.id)) err(o, 'id', `"${o.id}" is not a valid id (letters, digits, _ . -, at most 64, starting with a letter or digit)`);
    else if (byId.has(o.id)) err(o, 'id', `id ${o.id} appears more than once (first at ${where(byId.get(o.id)!)})`);
    else byId.set(o.id, o);
    if (!(LEVELS as readonly string[]).includes(o.level)) err(o, 'level', `"${o.level}" is not one of ${LEVELS.join(', ')}`);
    const kind = o.kind?.normalize('NFC').trim() || undefined;
    if (kind !== undefined) {
      if ([...kind].length > 40) err(o, 'kind', 'at most 40 characters');
      else if (!printable(kind)) err(o, 'kind', 'control characters are not allowed');
    }
    kinds.set(o.id, kind);
    const name = o.name.normalize('NFC').trim();
    // Counted in characters, not UTF-16 units: 𠀀 is one character.
    if (name.length === 0) err(o, 'name', 'a name is required');
    else if ([...name].length > 200) err(o, 'name', 'at most 200 characters');
    else if (!printable(name)) err(o, 'name', 'control characters are not allowed');
    names.set(o.id, name);
  }
  const roots = rows.filter((o) => o.parentId === null);
  if (roots.length !== 1)
    errors.push({
      field: 'parentId',
      message: `a tree has exactly one root (an org without parentId); found ${roots.length}${roots.length ? `: ${roots.map((r) => r.id).join(', ')}` : ''}`,
    });
  const children = new Map<string, SubmittedOrg[]>();
  for (const o of rows) {
    if (o.parentId === null) continue;
    const parent = byId.get(o.parentId);
    if (!parent) {
      err(o, 'parentId', `parent ${o.parentId} is not in the import`);
      continue;
    }
    if (parent.id === o.id) err(o, 'parentId', 'an org cannot be its own parent');
    const [pl, cl] = [parent.level, o.level];
    if ((LEVELS as readonly string[]).includes(pl) && (LEVELS as readonly string[]).includes(cl) && levelRank(cl as Level) <= levelRank(pl as Level)) {
      err(o, 'level', `a ${cl} cannot sit under a ${pl} (${parent.id}): levels go ${LEVELS.join(' > ')}`);
    }
    const siblings = children.get(parent.id);
    if (siblings) siblings.push(o);
    else children.set(parent.id, [o]);
  }
  // Walk from the root; whatever has a parent but is never reached sits on a cycle.
  const orgs: ValidOrg[] = [];
  const reached = new Set<string>();
  if (roots.length === 1) {
    const queue: { o: SubmittedOrg; path: string; depth: number; position: number }[] = [{ o: roots[0]!, path: `/${roots[0]!.id}/`, depth: 0, position: 0 }];
    for (let next = 0; next < queue.length; next++) {
      const { o, path, depth, position } = queue[next]!;
      if (reached.has(o.id)) continue;
      reached.add(o.id);
      orgs.push({ id: o.id, parentId: o.parentId, level: o.level as Level, kind: kinds.get(o.id) ?? o.level, name: names.get(o.id)!, path, depth, position });
      (children.get(o.id) ?? []).forEach((c, i) => queue.push({ o: c, path: `${path}${c.id}/`, depth: depth + 1, position: i }));
    }
  }
  for (const o of rows) {
    if (o.parentId !== null && byId.get(o.id) === o && byId.has(o.parentId) && !reached.has(o.id) && roots.length === 1) {
      err(o, 'parentId', `${o.id} is on a cycle: following its parents never reaches the root`);
    }
  }
  return { orgs: errors.length ? [] : orgs, errors };
}

/** A lone surrogate (a broken copy and paste) is as unprintable as a control character. */
function printable(text: string): boolean {
  return !/[\p{Cc}\p{Cs}]/u.test(text);
}

function where(o: SubmittedOrg): string {
  return 'row' in o.at ? `row ${o.at.row}` : o.at.path;
}

/** Where an imported tree's root goes: under its stored parent, keeping its place among its siblings. */
export interface Anchor {
  parentId: string;
  parentLevel: Level;
  parentPath: string;
  parentDepth: number;
  position: number;
}

/**
 * Puts a validated tree where its root already stands in the directory, so importing a
 * district's tree updates that district in place instead of lifting it out of its city.
 * A tree whose root is new (no anchor) becomes a tree of its own.
 *
 * @example
 * placeTree(orgs, { parentId: 'tj', parentLevel: 'city', parentPath: '/tj/', parentDepth: 0, position: 4 })
 */
export function placeTree(orgs: readonly ValidOrg[], anchor: Anchor | null): { orgs: ValidOrg[]; errors: TreeError[] } {
  const root = orgs[0];
  if (!anchor || !root) return { orgs: [...orgs], errors: [] };
  if (levelRank(root.level) <= levelRank(anchor.parentLevel)) {
    return {
      orgs: [],
      errors: [
        { field: 'level', message: `${root.id} stands under ${anchor.parentId} (a ${anchor.parentLevel}) in the directory, so it cannot be a ${root.level}` },
      ],
    };
  }
  const placed = orgs.map((o) => ({ ...o, path: `${anchor.parentPath.slice(0, -1)}${o.path}`, depth: o.depth + anchor.parentDepth + 1 }));
  placed[0] = { ...placed[0]!, parentId: anchor.parentId, position: anchor.position };
  return { orgs: placed, errors: [] };
}

/**
 * A LIKE pattern for a path and everything under it. Ids may hold `_`, which LIKE
 * would otherwise read as "any character" and so match a neighbour's subtree.
 *
 * @example
 * db.selectFrom('orgs').where('path', 'like', subtreePattern('/tj/d_1/'))
 */
export function subtreePattern(path: string): string {
  return `${path.replace(/[\\%_]/g, '\\$&')}%`;
}

/** The most orgs one import takes: a city of the seeds' size (37,000 grassroots orgs) with room to spare. */
export const MAX_IMPORT_ORGS = 100_000;

/**
 * Refuses a JSON body before it is walked recursively: more than MAX_IMPORT_ORGS nodes,
 * or nesting far deeper than four levels could ever need (which would otherwise
 * overflow the stack of the schema check and surface as a 500).
 */
export function jsonTreeTooLarge(body: unknown, maxDepth = 16): TreeError | undefined {
  const stack: { node: unknown; depth: number }[] = [{ node: body, depth: 1 }];
  let count = 0;
  while (stack.length) {
    const { node, depth } = stack.pop()!;
    if (++count > MAX_IMPORT_ORGS) return { field: 'children', message: `an import holds at most ${MAX_IMPORT_ORGS} orgs` };
    if (depth > maxDepth)
      return { field: 'children', message: `nested ${maxDepth} deep or more: levels go ${LEVELS.join(' > ')}, so a tree is at most ${LEVELS.length} deep` };
    const children = typeof node === 'object' && node !== null ? (node as { children?: unknown }).children : undefined;
    if (Array.isArray(children)) for (const child of children) stack.push({ node: child, depth: depth + 1 });
  }
  return undefined;
}

/** An org as the directory holds it. */
export interface StoredOrg {
  id: string;
  parentId: string | null;
  level: string;
  kind: string;
  name: string;
  path: string;
  depth: number;
  position: number;
}

/** What applying a tree changes; see `diffOrgTree`. */
export interface TreeDiff {
  created: number;
  /** Same parent, another name, kind or level. */
  updated: number;
  /** Another parent. Their descendants get new paths too but are not counted here. */
  moved: number;
  unchanged: number;
  removed: StoredOrg[];
  /** Every org to insert or overwrite: new, or differing in any stored column (a path below a move, a position after a removal). */
  writes: ValidOrg[];
  /** Orgs whose place changes, with every path they stand at before and after: what a running campaign must not see change. */
  displaced: { id: string; paths: string[] }[];
}

/**
 * What an import changes: `placed` is the validated tree where it will stand, `stored`
 * the directory's rows for the same ids, `under` every stored org that the import
 * describes (the stored root's subtree and that of any org it takes from elsewhere).
 *
 * @example
 * diffOrgTree(placed, storedById, storedUnderRoot) // { created: 0, updated: 1, moved: 0, unchanged: 39, removed: [], … }
 */
export function diffOrgTree(placed: readonly ValidOrg[], stored: ReadonlyMap<string, StoredOrg>, under: readonly StoredOrg[]): TreeDiff {
  const imported = new Set(placed.map((o) => o.id));
  const removed = under.filter((o) => !imported.has(o.id));
  const diff: TreeDiff = {
    created: 0,
    updated: 0,
    moved: 0,
    unchanged: 0,
    removed,
    writes: [],
    displaced: removed.map((o) => ({ id: o.id, paths: [o.path] })),
  };
  for (const o of placed) {
    const was = stored.get(o.id);
    if (!was) {
      diff.created++;
      diff.writes.push(o);
      continue;
    }
    if (was.parentId !== o.parentId) diff.moved++;
    else if (was.name !== o.name || was.kind !== o.kind || was.level !== o.level) diff.updated++;
    else diff.unchanged++;
    if (was.path !== o.path || was.level !== o.level) diff.displaced.push({ id: o.id, paths: was.path === o.path ? [o.path] : [was.path, o.path] });
    if (
      was.parentId !== o.parentId ||
      was.name !== o.name ||
      was.kind !== o.kind ||
      was.level !== o.level ||
      was.path !== o.path ||
      was.depth !== o.depth ||
      was.position !== o.position
    ) {
      diff.writes.push(o);
    }
  }
  return diff;
}
