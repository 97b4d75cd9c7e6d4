import { type Browser, chromium } from "playwright-core";

/** Debian's Chromium, which .ci/run installs. */
export const CHROMIUM = "/usr/bin/chromium";

/** Headless Chromium as every browser test drives it. */
export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
