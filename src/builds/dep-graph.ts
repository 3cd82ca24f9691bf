/**
 * The order of a build's items, worked out from the packages themselves: item X depends on item Y
 * when one of X's BuildRequires is satisfied by something Y's binary packages provide (their names
 * included), with rpm's range matching. Rich BuildRequires (`(a or b)`) count every package they
 * could pull in (the conditions of `if`/`unless` do not). An item never depends on itself (a
 * package that BuildRequires an older build of itself takes it from the platform).
 *
 * Terminology:
 * - item graph: for each item (by index), the indexes of the items it depends on.
 * - cycle: items that depend on each other through the graph; reported by name, first item last
 *   again (`a → b → a`).
 */
import { parseDependency, satisfies, type Dependency } from '../rpm/depmatch.ts';
import { Sense } from '../rpm/tags.ts';
import { tryParseRichDependency, type DepTree } from '../repo/closure/index.ts';

export interface GraphItem {
  name: string;
  buildRequires: readonly string[];
  provides: readonly string[];
}

/** libsolv relation bits (GT 1, EQ 2, LT 4) as rpm sense bits. */
function senseOf(rel: number): number {
  return (rel & 1 ? Sense.GREATER : 0) | (rel & 2 ? Sense.EQUAL : 0) | (rel & 4 ? Sense.LESS : 0);
}

/** The simple dependencies a rich one may require. */
function richLeaves(tree: DepTree, out: Dependency[]): void {
  if (tree.kind === 'simple') {
    out.push({ name: tree.name, flags: senseOf(tree.flags), evr: tree.evr });
    return;
  }
  richLeaves(tree.left, out);
  if (tree.op !== 'if' && tree.op !== 'unless') richLeaves(tree.right, out);
  else if (tree.right.kind === 'rich' && tree.right.op === 'else') richLeaves(tree.right.right, out);
}

/** Parses a BuildRequires line into the dependencies it may be satisfied by; [] when unreadable. */
export function requirementsOf(text: string): Dependency[] {
  const t = text.trim();
  if (t.startsWith('(')) {
    const tree = tryParseRichDependency(t);
    const out: Dependency[] = [];
    if (tree) richLeaves(tree, out);
    return out;
  }
  try {
    return [parseDependency(t)];
  } catch {
    return [];
  }
}

function providesOf(item: GraphItem): Dependency[] {
  const out: Dependency[] = [];
  for (const p of item.provides) {
    try {
      out.push(parseDependency(p));
    } catch {
      // rpmspec prints only simple provides; anything else cannot satisfy a BuildRequires here.
    }
  }
  return out;
}

/** For each item, the (sorted, distinct) indexes of the items it depends on. */
export function itemGraph(items: readonly GraphItem[]): number[][] {
  const byName = new Map<string, { item: number; dep: Dependency }[]>();
  items.forEach((item, i) => {
    for (const dep of providesOf(item)) {
      const list = byName.get(dep.name) ?? [];
      list.push({ item: i, dep });
      byName.set(dep.name, list);
    }
  });
  return items.map((item, i) => {
    const deps = new Set<number>();
    for (const line of item.buildRequires) {
      for (const req of requirementsOf(line)) {
        for (const p of byName.get(req.name) ?? []) if (p.item !== i && satisfies(p.dep, req)) deps.add(p.item);
      }
    }
    return [...deps].sort((a, b) => a - b);
  });
}

/** Each item depends on the one before it (the order the user gave). */
export function explicitGraph(count: number): number[][] {
  return Array.from({ length: count }, (_v, i) => (i === 0 ? [] : [i - 1]));
}

/** The first cycle found (item indexes, the first repeated at the end), or null. */
export function findCycle(graph: readonly (readonly number[])[]): number[] | null {
  const state = new Array<0 | 1 | 2>(graph.length).fill(0); // 0 new, 1 on the path, 2 done
  const path: number[] = [];
  const visit = (i: number): number[] | null => {
    state[i] = 1;
    path.push(i);
    for (const j of graph[i] ?? []) {
      if (state[j] === 1) return [...path.slice(path.indexOf(j)), j];
      if (state[j] === 0) {
        const found = visit(j);
        if (found) return found;
      }
    }
    path.pop();
    state[i] = 2;
    return null;
  };
  for (let i = 0; i < graph.length; i++) {
    if (state[i] !== 0) continue;
    const found = visit(i);
    if (found) return found;
  }
  return null;
}

/**
 * Every item that is part of a cycle, with one cycle through it (item indexes, the item first and
 * last): the items of each strongly connected component of more than one item (Tarjan's algorithm).
 */
export function cyclicItems(graph: readonly (readonly number[])[]): Map<number, number[]> {
  const index = new Array<number>(graph.length).fill(-1);
  const low = new Array<number>(graph.length).fill(0);
  const onStack = new Array<boolean>(graph.length).fill(false);
  const stack: number[] = [];
  const components: number[][] = [];
  let counter = 0;
  const connect = (v: number): void => {
    index[v] = low[v] = counter++;
    stack.push(v);
    onStack[v] = true;
    for (const w of graph[v] ?? []) {
      if (index[w] === -1) {
        connect(w);
        low[v] = Math.min(low[v] ?? 0, low[w] ?? 0);
      } else if (onStack[w]) low[v] = Math.min(low[v] ?? 0, index[w] ?? 0);
    }
    if (low[v] !== index[v]) return;
    const component: number[] = [];
    for (let w = stack.pop(); w !== undefined; w = stack.pop()) {
      onStack[w] = false;
      component.push(w);
      if (w === v) break;
    }
    if (component.length > 1) components.push(component);
  };
  for (let v = 0; v < graph.length; v++) if (index[v] === -1) connect(v);
  const out = new Map<number, number[]>();
  for (const component of components) {
    const members = new Set(component);
    const inside = graph.map((deps, i) => (members.has(i) ? deps.filter((d) => members.has(d)) : []));
    for (const start of [...component].sort((a, b) => a - b)) out.set(start, cycleThrough(inside, start));
  }
  return out;
}

/** A shortest cycle from `start` back to it in `graph` (breadth-first), as item indexes. */
function cycleThrough(graph: readonly (readonly number[])[], start: number): number[] {
  const from = new Map<number, number>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head] ?? start;
    for (const w of graph[v] ?? []) {
      if (w === start) {
        const path = [start];
        for (let x: number | undefined = v; x !== undefined && x !== start; x = from.get(x)) path.splice(1, 0, x);
        return [...path, start];
      }
      if (!from.has(w) && w !== start) {
        from.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

/** The BuildRequires of `x` that `y` provides (why x waits for y), or null. */
export function reasonOf(x: GraphItem, y: GraphItem): string | null {
  const provides = providesOf(y);
  return x.buildRequires.find((line) => requirementsOf(line).some((req) => provides.some((p) => satisfies(p, req)))) ?? null;
}
