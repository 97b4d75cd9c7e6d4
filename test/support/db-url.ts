// Every name carries this run's id, so parallel test runs on one server never drop each other's databases.
const run = (process.env.FEDI_TEST_RUN ?? "manual")
  .replace(/[^a-z0-9]/gi, "")
  .slice(0, 8)
  .toLowerCase();

export const TEMPLATE_DB = `fedicentral_test_${run}_template`;
export const TEST_DB_PREFIX = `fedicentral_test_${run}_`;

export function serverUrl(): string {
  return process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
}

export function withDatabaseName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}
