import type { NextFunction, Request, Response } from "express";

/** Past this many characters an answer's text is written as it is (Express would copy it into a Buffer first). */
const DIRECT_MIN = 64 * 1024;

/**
 * Writes a large text answer (a big GraphQL read) to the socket as the string it is. Express's send copies
 * every string of 1,000 characters or more into a Buffer to measure and write it: memory outside V8's heap,
 * whose churn (a copy of every large answer) makes V8 run full collections for "external memory pressure"
 * every few hundred requests, each pausing every request in flight. Node writes a string to the socket
 * without that copy. Only 200 answers with a body to send; everything else goes through Express as before.
 */
export function sendLargeTextDirectly(req: Request, res: Response, next: NextFunction): void {
  const send = res.send.bind(res);
  res.send = (body?: unknown) => {
    if (
      typeof body !== "string" ||
      body.length < DIRECT_MIN ||
      req.method === "HEAD" ||
      res.statusCode !== 200
    )
      return send(body);
    if (!res.get("Content-Type")) res.type("json");
    res.setHeader("Content-Length", Buffer.byteLength(body));
    res.end(body);
    return res;
  };
  next();
}
