import type { Db } from "../db/db.js";

/**
 * A part of each service's entry in deployment.json that another module owns (backups' `backup`), so
 * that the document's builder here needs to know nothing of it. A module declares its sections
 * (`configSections` in its module object); the composition root hands every module's to the builder.
 */
export type ServiceConfigSection = {
  /** Its key in each service's entry; the JSON Schema describes it. */
  key: string;
  /**
   * The section of every service of the deployment, by service uuid, read in bulk (one statement per
   * document, whatever the number of services). It reads through the builder's db, so inside a
   * transaction it sees what the transaction wrote. A service it leaves out gets null.
   */
  read(db: Db, deploymentId: string): Promise<ReadonlyMap<string, unknown>>;
};

/** The sections of one service, from what each section read for the deployment. */
export const sectionsOf = (
  sections: readonly ServiceConfigSection[],
  read: readonly ReadonlyMap<string, unknown>[],
  serviceId: string,
): Record<string, unknown> =>
  Object.fromEntries(sections.map((s, i) => [s.key, read[i]?.get(serviceId) ?? null]));
