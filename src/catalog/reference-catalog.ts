import type { ServiceTypeValues } from "./service-type.entity.js";

export type ReferenceServiceType = ServiceTypeValues & { slug: string };

/**
 * The reference service catalog of this release: installed into every provider's catalog by `db migrate`
 * (and at start) and when a provider is created, upgraded in place without overwriting a provider's own
 * edits (reference-sync.ts). Change it here; a type dropped from it stays in the catalogs that have it.
 */
export const REFERENCE_CATALOG: readonly ReferenceServiceType[] = [
  {
    slug: "mastodon",
    name: "Mastodon",
    description: "Microblogging, federated over ActivityPub.",
    federated: true,
    storageKinds: ["block", "blob"],
    defaultVcpus: 2,
    defaultMemoryGib: 4,
    defaultBlockStorageGib: 20,
    defaultBlobStorageGib: 100,
    optionsSchema: {
      type: "object",
      additionalProperties: false,
      properties: {
        registrations: { enum: ["open", "approval", "closed"], default: "approval" },
        singleUserMode: { type: "boolean" },
        maxTootChars: { type: "integer", minimum: 100, maximum: 10000 },
      },
    },
  },
  {
    slug: "pixelfed",
    name: "Pixelfed",
    description: "Photo sharing, federated over ActivityPub.",
    federated: true,
    storageKinds: ["block", "blob"],
    defaultVcpus: 2,
    defaultMemoryGib: 2,
    defaultBlockStorageGib: 10,
    defaultBlobStorageGib: 200,
    optionsSchema: {
      type: "object",
      additionalProperties: false,
      properties: {
        openRegistration: { type: "boolean" },
        maxPhotoSizeKb: { type: "integer", minimum: 512, maximum: 102400 },
      },
    },
  },
  {
    slug: "peertube",
    name: "PeerTube",
    description: "Video hosting, federated over ActivityPub.",
    federated: true,
    storageKinds: ["block", "blob"],
    defaultVcpus: 4,
    defaultMemoryGib: 4,
    defaultBlockStorageGib: 20,
    defaultBlobStorageGib: 500,
    optionsSchema: {
      type: "object",
      additionalProperties: false,
      properties: {
        transcoding: { type: "boolean" },
        resolutions: { type: "array", items: { enum: ["240p", "480p", "720p", "1080p"] }, uniqueItems: true },
      },
    },
  },
  {
    slug: "forgejo",
    name: "Forgejo",
    description: "Git hosting; a plain service, it does not federate.",
    federated: false,
    storageKinds: ["block"],
    defaultVcpus: 1,
    defaultMemoryGib: 2,
    defaultBlockStorageGib: 20,
    defaultBlobStorageGib: 0,
    optionsSchema: {
      type: "object",
      additionalProperties: false,
      properties: { disableRegistration: { type: "boolean" } },
    },
  },
];
