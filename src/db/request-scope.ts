import { AsyncLocalStorage } from "node:async_hooks";

/** Per-request facts the database layer needs without threading them through every call. */
export type RequestScope = { sqlStatements: number };

export const requestScope = new AsyncLocalStorage<RequestScope>();

export function countStatement(): void {
  const scope = requestScope.getStore();
  if (scope) scope.sqlStatements += 1;
}
