import type DataLoader from "dataloader";
import type { ChildPageKey } from "../db/batch.js";
import { type Connection, type PageArgs, pageRequest, toConnection } from "../api/connection.js";

/** A nested connection served by a batched page loader and a batched count loader. */
export async function childConnection<T>(
  pages: DataLoader<ChildPageKey, T[], string>,
  counts: DataLoader<string, number>,
  parentId: string,
  args: PageArgs,
  cursorOf: (row: T) => unknown[],
): Promise<Connection<T>> {
  const page = pageRequest(args);
  const rows = await pages.load({ parentId, page });
  // The loader's rows are shared between identical requests; toConnection may reverse its input.
  return toConnection([...rows], page, cursorOf, () => counts.load(parentId));
}
