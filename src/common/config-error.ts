/** A setting is missing or wrong: the process stops with exit status 2 and this message, naming the variable. */
export class ConfigError extends Error {}
