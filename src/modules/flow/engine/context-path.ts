import { isForbiddenName } from './cognigy-script/index.js';

/** A context key split on dots (`order.items` → ['order', 'items']). */
export type ContextPath = readonly string[];

/** Null when the key is empty, has an empty segment, or names a prototype member (which would pollute it). */
export function parseContextPath(key: string): ContextPath | null {
  const segments = key.trim().split('.');
  return segments.every((segment) => segment !== '' && !isForbiddenName(segment)) ? segments : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function getAtPath(root: Record<string, unknown>, path: ContextPath): unknown {
  let current: unknown = root;
  for (const segment of path) {
    if (!isRecord(current) || !Object.hasOwn(current, segment)) return undefined;
    current = current[segment];
  }
  return current;
}

/** Sets a value, replacing non-object intermediates with objects; `undefined` removes the key. */
export function setAtPath(root: Record<string, unknown>, path: ContextPath, value: unknown): void {
  let parent = root;
  for (const segment of path.slice(0, -1)) {
    const child = Object.hasOwn(parent, segment) ? parent[segment] : undefined;
    if (!isRecord(child)) parent[segment] = {};
    parent = parent[segment] as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  if (value === undefined) delete parent[last];
  else parent[last] = value;
}

export function deleteAtPath(root: Record<string, unknown>, path: ContextPath): void {
  const parent = getAtPath(root, path.slice(0, -1));
  if (isRecord(parent)) delete parent[path[path.length - 1]];
}

/** Appends to the array at `path`: a missing value starts one, a single value becomes its first item. */
export function appendAtPath(root: Record<string, unknown>, path: ContextPath, value: unknown): void {
  const existing = getAtPath(root, path);
  const items = existing === undefined ? [] : Array.isArray(existing) ? (existing as unknown[]) : [existing];
  setAtPath(root, path, [...items, value]);
}
