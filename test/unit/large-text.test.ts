import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import express from "express";
import { sendLargeTextDirectly } from "../../src/http/large-text.js";

// Past 64 Ki characters, with text that UTF-8 writes in more bytes than characters.
const BIG = `{"data":"${"ü".repeat(40_000)}${"x".repeat(40_000)}"}`;

describe("large text answers (src/http/large-text.ts)", () => {
  let server: ReturnType<express.Express["listen"]>;
  let url: string;

  beforeAll(async () => {
    const app = express();
    app.set("etag", false);
    app.use(sendLargeTextDirectly);
    app.all("/json", (_req, res) => {
      res.setHeader("content-type", "application/json; charset=utf-8");
      res.send(BIG);
    });
    app.get("/untyped", (_req, res) => res.send(BIG));
    app.get("/error", (_req, res) => res.status(500).send(BIG));
    app.get("/small", (_req, res) => res.send("small"));
    server = app.listen(0, "127.0.0.1");
    await once(server, "listening");
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("writes a large answer whole, its length in bytes and its content type kept", async () => {
    const res = await fetch(`${url}/json`, { method: "POST" });
    const text = await res.text();
    expect(text).toBe(BIG);
    expect(Number(res.headers.get("content-length"))).toBe(Buffer.byteLength(BIG));
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
  });

  it("types an untyped large answer as JSON", async () => {
    const res = await fetch(`${url}/untyped`);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await res.text()).toBe(BIG);
  });

  it("leaves HEAD, other statuses and small answers to Express", async () => {
    const head = await fetch(`${url}/json`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    const error = await fetch(`${url}/error`);
    expect(error.status).toBe(500);
    expect(await error.text()).toBe(BIG);
    const small = await fetch(`${url}/small`);
    expect(await small.text()).toBe("small");
    expect(small.headers.get("content-type")).toMatch(/^text\/html/);
  });
});
