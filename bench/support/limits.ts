/**
 * Benchmarks drive one principal from one address far past any rate limit: the limits still count every
 * request (their cost is part of what is measured) but never refuse one.
 */
export const COUNTED_NOT_LIMITED = {
  RATE_LIMIT_GRAPHQL: "1000000000",
  RATE_LIMIT_TOKEN_IP: "1000000000",
  RATE_LIMIT_TOKEN_CLIENT_FAILURES: "1000000000",
  RATE_LIMIT_WEBHOOK_IP: "1000000000",
};
