// The NOTIFY channels of runs (their triggers are in migrations/*-RunNotifications.ts) and their payloads.

import { RUN_STATES, type RunState } from "./run-state.js";

/** A run was inserted or changed state: {"run", "deployment", "state"}. */
export const RUN_CHANNEL = "fedicentral_run";
/** A log chunk was stored: {"run", "end"} with end the byte offset just past the chunk. */
export const RUN_LOG_CHANNEL = "fedicentral_run_log";

export type RunNotification = { run: string; deployment: string; state: RunState };
export type RunLogNotification = { run: string; end: number };

export function parseRunNotification(payload: string): RunNotification | null {
  const p = parse(payload);
  if (typeof p?.run !== "string" || typeof p.deployment !== "string") return null;
  if (!RUN_STATES.includes(p.state as RunState)) return null;
  return { run: p.run, deployment: p.deployment, state: p.state as RunState };
}

export function parseRunLogNotification(payload: string): RunLogNotification | null {
  const p = parse(payload);
  if (typeof p?.run !== "string" || typeof p.end !== "number") return null;
  return { run: p.run, end: p.end };
}

function parse(payload: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(payload);
    return v && typeof v === "object" ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
