export const TEMPLATE_DB = "fedicentral_test_template";
export const TEST_DB_PREFIX = "fedicentral_test_";

export function serverUrl(): string {
  return process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
}

export function withDatabaseName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}
