/**
 * The parts the list screens share: a stack of cursors for a paged list and its pager, a labelled
 * select for a filter, and a table's header row.
 */
import { useState, type ReactNode } from 'react';

/** A stack of cursors for a paged list: the last is the page on screen (the first page has none). */
export function useCursorPages() {
  const [cursors, setCursors] = useState<string[]>([]);
  return {
    cursor: cursors.at(-1),
    /** The page on screen, counted from 1. */
    page: cursors.length + 1,
    next: (c: string) => setCursors((cs) => [...cs, c]),
    prev: () => setCursors((cs) => cs.slice(0, -1)),
    reset: () => setCursors([]),
  };
}

export type CursorPages = ReturnType<typeof useCursorPages>;

/**
 * 上一页 · 第 n 页 · 下一页. With `label`, a `<nav>` named `${label}翻页`; `per` follows the page
 * number (`每页 50 项`); `hideAlone` shows nothing while there is only the one page.
 */
export function Pager({
  paging,
  nextCursor,
  label,
  per,
  hideAlone,
}: {
  paging: CursorPages;
  nextCursor: string | null | undefined;
  label?: string;
  per?: string;
  hideAlone?: boolean;
}) {
  if (hideAlone && paging.page === 1 && !nextCursor) return null;
  const parts = (
    <>
      <button type="button" className="secondary" disabled={paging.page === 1} onClick={paging.prev}>
        上一页
      </button>
      <span>
        第 {paging.page} 页{per && ` · ${per}`}
      </span>
      <button type="button" className="secondary" disabled={!nextCursor} onClick={() => nextCursor && paging.next(nextCursor)}>
        下一页
      </button>
    </>
  );
  return label ? (
    <nav className="pager" aria-label={`${label}翻页`}>
      {parts}
    </nav>
  ) : (
    <div className="pager">{parts}</div>
  );
}

/** A filter's select, its label before it (`<label for>`), `全部` (no filter, the value '') first. */
export function SelectFilter({
  id,
  label,
  value,
  onChange,
  options,
}: {
  id: string;
  label: string;
  value: string | undefined;
  onChange: (v: string) => void;
  options: readonly (readonly [string, string])[];
}) {
  return (
    <span className="filter">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value ?? ''} onChange={(e) => onChange(e.target.value)}>
        <option value="">全部</option>
        {options.map(([k, v]) => (
          <option key={k} value={k}>
            {v}
          </option>
        ))}
      </select>
    </span>
  );
}

/** A table's header row: one column header (`scope="col"`) per name. */
export function TableHead({ cols }: { cols: readonly string[] }) {
  return (
    <thead>
      <tr>
        {cols.map((c) => (
          <th key={c} scope="col">
            {c}
          </th>
        ))}
      </tr>
    </thead>
  );
}

/** The one row of an empty table: `children` across its `cols` columns. */
export function EmptyRow({ cols, children }: { cols: number; children: ReactNode }) {
  return (
    <tr>
      <td colSpan={cols}>{children}</td>
    </tr>
  );
}
