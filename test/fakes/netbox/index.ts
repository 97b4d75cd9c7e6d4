// Fake NetBox for tests and benchmarks; README.md, "The NetBox contract", states the behaviour it mimics.
export { startFakeNetbox, parseLimit } from "./server.js";
export type { FakeNetbox, FakeNetboxOptions, PageHook, PageServedInfo, RequestLogEntry } from "./server.js";
export { generateNetboxData } from "./generate.js";
export type { GenerateOptions } from "./generate.js";
export { FakeNetboxData, ChangeLog, nowIso, snapshot } from "./data.js";
export type { ChangeOptions } from "./data.js";
export { FAKE_KINDS, KIND_INFO, Table } from "./model.js";
export type {
  AnyRow,
  FakeKind,
  FakeNetboxVersion,
  FakePermissionKind,
  ObjectChangeRow,
  RowTypes,
} from "./model.js";
export { makeV1Token, makeV2Token } from "./auth.js";
export type { FakeTokenSpec } from "./auth.js";
export { FaultController } from "./faults.js";
export type { FaultAction, FaultHandle, FaultRule } from "./faults.js";
export { signWebhook, webhookBody } from "./webhook.js";
export type { WebhookDelivery, WebhookEvent } from "./webhook.js";
