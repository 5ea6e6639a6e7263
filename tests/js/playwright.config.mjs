// Playwright for the web console's tests (tests/e2e/console_test.py starts `wangge serve` and
// passes its address and accounts in the environment). Debian's Chromium, headless: nothing is
// downloaded. Artefacts (screenshots, traces of failures) go to $WANGGE_ARTEFACTS.
import { defineConfig } from '@playwright/test';

const artefacts = process.env.WANGGE_ARTEFACTS ?? 'artefacts';

export default defineConfig({
  testDir: './console',
  outputDir: process.env.WANGGE_RESULTS ?? `${artefacts}/results`,
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 300_000,  // a page of the axe-and-screenshot test visits every page twice; CI runs it beside others
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    baseURL: process.env.WANGGE_BASE,
    headless: true,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: { executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium' },
  },
});
