/**
 * Near-duplicate research topics (the seeds' "班子成员选题相近"): titles compared by
 * the Jaccard index of their character bigrams, which works for Chinese (no word
 * boundaries) as well as for spaced scripts.
 *
 * @example
 * titleSimilarity('优化营商环境调研', '关于优化营商环境的调研') // ≈ 0.6
 */
export const SIMILAR_TOPIC_THRESHOLD = 0.5;

export function titleSimilarity(a: string, b: string): number {
  const x = bigrams(a);
  const y = bigrams(b);
  if (x.size === 0 || y.size === 0) return normalise(a) === normalise(b) ? 1 : 0;
  let shared = 0;
  for (const g of x) if (y.has(g)) shared++;
  return shared / (x.size + y.size - shared);
}

/** Ids of the topics whose title is at least {@link SIMILAR_TOPIC_THRESHOLD} similar to `title`. */
export function similarTopics(title: string, others: Iterable<{ topicId: string; title: string }>): string[] {
  const found: string[] = [];
  for (const o of others) if (titleSimilarity(title, o.title) >= SIMILAR_TOPIC_THRESHOLD) found.push(o.topicId);
  return found;
}

function normalise(s: string): string {
  // Punctuation, spaces and the filler words of topic titles carry no meaning for the comparison.
  return s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\p{P}\p{S}]|关于|的|研究|调研/gu, '');
}

function bigrams(s: string): Set<string> {
  const chars = Array.from(normalise(s));
  const out = new Set<string>();
  for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i]! + chars[i + 1]!);
  return out;
}
