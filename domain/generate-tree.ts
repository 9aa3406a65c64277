/**
 * Deterministic org trees shaped like the seeds, for the demo, tests and benchmarks.
 * The same seed gives the same tree, names included.
 *
 * @example
 * generateTree('small')          // 1 / 3 / 9 / 27
 * generateTree('tianjin')        // 1 / 39 / 1,685 / 37,000
 * randomTree(300, 7)             // a few hundred nodes, uneven fan-out
 */
import type { Level } from './levels.js';

export interface FlatOrg {
  id: string;
  parentId: string | null;
  level: Level;
  kind: string;
  name: string;
}

export type TreeShape = 'small' | 'district' | 'tianjin';

/** A small PRNG (mulberry32): deterministic across platforms. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DISTRICTS = [
  '和平区',
  '河东区',
  '河西区',
  '南开区',
  '河北区',
  '红桥区',
  '东丽区',
  '西青区',
  '津南区',
  '北辰区',
  '武清区',
  '宝坻区',
  '滨海新区',
  '宁河区',
  '静海区',
  '蓟州区',
];
const UNIVERSITIES = [
  '南开大学',
  '天津大学',
  '天津医科大学',
  '天津师范大学',
  '天津工业大学',
  '天津科技大学',
  '天津理工大学',
  '天津财经大学',
  '天津商业大学',
  '天津城建大学',
  '天津中医药大学',
  '天津外国语大学',
  '天津职业技术师范大学',
  '天津体育学院',
  '天津音乐学院',
  '天津美术学院',
  '中国民航大学',
  '天津农学院',
  '天津仁爱学院',
  '天津传媒学院',
];
const HOSPITALS = ['天津医科大学总医院', '天津医科大学第二医院', '天津中医药大学第一附属医院'];
const UNIT_KINDS = ['街道', '镇', '局', '学院', '中心', '公司', '委员会', '办公室'];
const BRANCH_KINDS = ['社区党支部', '村党支部', '机关党支部', '教工党支部', '学生党支部', '离退休党支部', '企业党支部'];
const NUMERALS = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];

function ordinal(n: number): string {
  if (n <= 10) return NUMERALS[n - 1]!;
  if (n < 20) return `十${NUMERALS[n - 11]!}`;
  if (n < 100) return `${NUMERALS[Math.floor(n / 10) - 1]!}十${n % 10 ? NUMERALS[(n % 10) - 1]! : ''}`;
  return String(n);
}

/** A uniform tree: `fanout[i]` children under every node of level i. */
function uniform(prefix: string, cityName: string, fanout: [number, number, number], rnd: () => number): FlatOrg[] {
  const orgs: FlatOrg[] = [{ id: prefix, parentId: null, level: 'city', kind: 'city', name: cityName }];
  for (let d = 1; d <= fanout[0]; d++) {
    const did = `${prefix}-d${d}`;
    orgs.push({
      id: did,
      parentId: prefix,
      level: 'district',
      kind: 'district',
      name: DISTRICTS[(d - 1) % DISTRICTS.length]! + (d > DISTRICTS.length ? ordinal(d) : ''),
    });
    for (let u = 1; u <= fanout[1]; u++) {
      const uid = `${did}-u${u}`;
      orgs.push(unitOrg(uid, did, u, rnd));
      for (let b = 1; b <= fanout[2]; b++) orgs.push(branchOrg(`${uid}-b${b}`, uid, b, rnd));
    }
  }
  return orgs;
}

function unitOrg(id: string, parentId: string, n: number, rnd: () => number): FlatOrg {
  const kind = UNIT_KINDS[Math.floor(rnd() * UNIT_KINDS.length)]!;
  return { id, parentId, level: 'unit', kind, name: `第${ordinal(n)}${kind}` };
}

function branchOrg(id: string, parentId: string, n: number, rnd: () => number): FlatOrg {
  const kind = BRANCH_KINDS[Math.floor(rnd() * BRANCH_KINDS.length)]!;
  return { id, parentId, level: 'branch', kind: 'branch', name: `第${ordinal(n)}${kind}` };
}

/** The seeds' shapes: `small` 1/3/9/27, `district` 1/16/400/4,000, `tianjin` 1/39/1,685/37,000. */
export function generateTree(shape: TreeShape, seed = 2019): FlatOrg[] {
  const rnd = prng(seed);
  if (shape === 'small') return uniform('tj', '天津市', [3, 3, 3], rnd);
  if (shape === 'district') return uniform('tj', '天津市', [16, 25, 10], rnd);
  return tianjin(rnd);
}

/** 16 districts, 20 universities, 3 hospitals; 1,685 units; 37,000 branches, uneven, one unit with 3,000. */
function tianjin(rnd: () => number): FlatOrg[] {
  const orgs: FlatOrg[] = [{ id: 'tj', parentId: null, level: 'city', kind: 'city', name: '天津市' }];
  const level2: FlatOrg[] = [
    ...DISTRICTS.map((name, i) => ({ id: `tj-d${i + 1}`, parentId: 'tj', level: 'district' as const, kind: 'district', name })),
    ...UNIVERSITIES.map((name, i) => ({ id: `tj-univ${i + 1}`, parentId: 'tj', level: 'district' as const, kind: 'university', name })),
    ...HOSPITALS.map((name, i) => ({ id: `tj-hosp${i + 1}`, parentId: 'tj', level: 'district' as const, kind: 'hospital', name })),
  ];
  orgs.push(...level2);
  const unitsTotal = 1685;
  const branchesTotal = 37000;
  // Units spread by weight (districts carry more), branches by a skewed draw; unit 0 holds 3,000.
  const weights = level2.map((o) => (o.kind === 'district' ? 3 + rnd() * 3 : o.kind === 'university' ? 1 + rnd() : 0.5));
  const units = spread(unitsTotal, weights, 1);
  const unitIds: string[] = [];
  level2.forEach((parent, i) => {
    for (let u = 1; u <= units[i]!; u++) {
      const id = `${parent.id}-u${u}`;
      orgs.push(unitOrg(id, parent.id, u, rnd));
      unitIds.push(id);
    }
  });
  const big = 3000;
  const rest = spread(
    branchesTotal - big,
    unitIds.slice(1).map(() => 0.2 + rnd() ** 3 * 4),
    1,
  );
  const counts = [big, ...rest];
  unitIds.forEach((uid, i) => {
    for (let b = 1; b <= counts[i]!; b++) orgs.push(branchOrg(`${uid}-b${b}`, uid, b, rnd));
  });
  return orgs;
}

/** Splits `total` into parts proportional to `weights`, each at least `min`, summing exactly to `total`. */
function spread(total: number, weights: number[], min: number): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const free = total - min * weights.length;
  const parts = weights.map((w) => min + Math.floor((w / sum) * free));
  let left = total - parts.reduce((a, b) => a + b, 0);
  for (let i = 0; left > 0; i = (i + 1) % parts.length, left--) parts[i]! += 1;
  return parts;
}

/** A random tree of about `n` orgs with uneven fan-out (some leaves at unit level), for aggregate checks. */
export function randomTree(n: number, seed: number, rootId = 'r'): FlatOrg[] {
  const rnd = prng(seed);
  const orgs: FlatOrg[] = [{ id: rootId, parentId: null, level: 'city', kind: 'city', name: '随机市' }];
  const byLevel: Record<'district' | 'unit' | 'branch', FlatOrg[]> = { district: [], unit: [], branch: [] };
  const districts = 2 + Math.floor(rnd() * 4);
  for (let d = 1; d <= districts; d++) {
    const o: FlatOrg = { id: `${rootId}-d${d}`, parentId: rootId, level: 'district', kind: 'district', name: `${DISTRICTS[d % DISTRICTS.length]!}` };
    orgs.push(o);
    byLevel.district.push(o);
  }
  while (orgs.length < n) {
    const makeUnit = byLevel.unit.length === 0 || rnd() < 0.15;
    if (makeUnit) {
      const parent = byLevel.district[Math.floor(rnd() * byLevel.district.length)]!;
      const o = unitOrg(`${parent.id}-u${byLevel.unit.length + 1}`, parent.id, byLevel.unit.length + 1, rnd);
      orgs.push(o);
      byLevel.unit.push(o);
    } else {
      const parent = byLevel.unit[Math.floor(rnd() ** 2 * byLevel.unit.length)]!;
      const o = branchOrg(`${parent.id}-b${byLevel.branch.length + 1}`, parent.id, byLevel.branch.length + 1, rnd);
      orgs.push(o);
      byLevel.branch.push(o);
    }
  }
  return orgs;
}
