import { z } from "zod";

/** A boolean environment variable: true/false or 1/0, nothing else. */
export const envBool = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");
