/** Who makes a request. Authentication fills it; null means anonymous. */
export type Principal = {
  kind: "user" | "client";
  id: string;
  name: string;
};
