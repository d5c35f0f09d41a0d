// Drives the GraphiQL page in Debian's Chromium the way a person would:
// open the page, type a query into the editor, press the run button and
// read the result pane.
//
//   node e2e/graphiql.mjs --url http://127.0.0.1:PORT/ --query-file Q \
//     --expect TEXT [--screenshot out.png] [--timeout-ms 30000]
//
// Every request to another origin is refused and makes the run fail, which
// proves the page works offline. Content-Security-Policy violations and
// uncaught page errors fail it too. It prints one JSON line and exits 0 when
// the result pane showed TEXT, 1 otherwise.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
// Without the background-networking flags Chromium keeps trying to reach
// Google's hosts, which this machine's closed network refuses.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const report = {
  ok: false,
  url: '',
  result: '',
  blocked: [],
  cspViolations: [],
  pageErrors: [],
  consoleErrors: [],
  ms: 0,
};
const started = Date.now();

function finish(error) {
  report.ms = Date.now() - started;
  if (error) {
    report.ok = false;
    report.error = String(error && error.message ? error.message : error).split('\n')[0];
  }
  process.stdout.write(JSON.stringify(report) + '\n');
  process.exit(report.ok ? 0 : 1);
}

let opts;
try {
  opts = parseArgs({
    options: {
      url: { type: 'string' },
      'query-file': { type: 'string' },
      expect: { type: 'string' },
      screenshot: { type: 'string' },
      'timeout-ms': { type: 'string', default: '30000' },
    },
    strict: true,
  }).values;
} catch (err) {
  finish(`bad arguments: ${err.message}`);
}
for (const name of ['url', 'query-file', 'expect']) {
  if (!opts[name]) finish(`missing --${name}`);
}
let origin;
try {
  origin = new URL(opts.url).origin;
} catch {
  finish(`--url ${JSON.stringify(opts.url)} is not a URL`);
}
const timeoutMs = Number(opts['timeout-ms']);
if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
  finish(`--timeout-ms ${JSON.stringify(opts['timeout-ms'])} is not a positive whole number`);
}
report.url = opts.url;
const deadline = started + timeoutMs;
const remaining = () => Math.max(1, deadline - Date.now());

// A last resort should Chromium hang somewhere Playwright's own timeouts do
// not reach; Playwright kills the browser when the process exits.
setTimeout(() => finish(`no verdict after ${timeoutMs + 10000} ms`), timeoutMs + 10000).unref();

const query = await readFile(opts['query-file'], 'utf8').catch((err) =>
  finish(`reading --query-file: ${err.message}`),
);

const isLocal = (u) => /^(data|blob|about):/.test(u);
const sameOrigin = (u) => {
  try {
    return new URL(u).origin === origin;
  } catch {
    return false;
  }
};
// The first refused request ends the check at once: the verdict is known,
// and waiting for a page that depends on a CDN would only burn the deadline.
let blockedEarly;
const blockedPromise = new Promise((_, reject) => {
  blockedEarly = reject;
});
blockedPromise.catch(() => {});
const block = (u) => {
  if (!report.blocked.includes(u)) report.blocked.push(u);
  blockedEarly(new Error(`the page tried to reach another origin: ${u}`));
};

const userDataDir = await mkdtemp(join(tmpdir(), 'omnigate-chromium-'));
let context;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: remaining(),
    viewport: { width: 1280, height: 800 },
  });
  await context.route('**/*', (route) => {
    const u = route.request().url();
    if (sameOrigin(u)) return route.continue();
    block(u);
    return route.abort('blockedbyclient');
  });
  await context.routeWebSocket(/.*/, (ws) => {
    if (sameOrigin(ws.url().replace(/^ws/, 'http'))) return ws.connectToServer();
    block(ws.url());
    return ws.close();
  });
  // Requests that bypass routing (none are expected) are still recorded.
  context.on('request', (req) => {
    const u = req.url();
    if (!sameOrigin(u) && !isLocal(u)) block(u);
  });
  // Recorded from inside the page: Chromium reports the violation there.
  await context.addInitScript(() => {
    window.__omnigateCSP = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__omnigateCSP.push(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile || 'page'}:${e.lineNumber})`);
    });
  });

  const page = context.pages()[0] || (await context.newPage());
  page.on('pageerror', (err) => report.pageErrors.push(String(err.message || err)));
  page.on('console', (msg) => {
    if (msg.type() === 'error') report.consoleErrors.push(msg.text());
  });

  const readResult = () =>
    page.evaluate(() => {
      const el = document.querySelector('.graphiql-response .CodeMirror');
      return el && el.CodeMirror ? el.CodeMirror.getValue() : '';
    });

  const steps = async () => {
    // GraphiQL asks for the schema as soon as it starts, and if that fails it
    // writes the failure into the result pane. Waiting for that to settle
    // keeps it from overwriting, or being mistaken for, our result.
    const introspection = page.waitForRequest(
      (req) => req.method() === 'POST' && sameOrigin(req.url()) && (req.postData() || '').includes('IntrospectionQuery'),
      { timeout: remaining() },
    );
    introspection.catch(() => {}); // awaited below; avoid an unhandled rejection meanwhile
    await page.goto(opts.url, { waitUntil: 'load', timeout: remaining() });
    const editor = page.locator('.graphiql-query-editor .CodeMirror');
    await editor.waitFor({ state: 'visible', timeout: remaining() });
    const schemaRequest = await introspection.catch((err) => {
      throw new Error(`GraphiQL never asked the endpoint for its schema: ${err.message.split('\n')[0]}`);
    });
    await schemaRequest.response();
    await page
      .locator('button[aria-label="Re-fetch GraphQL schema"]:not([disabled])')
      .waitFor({ state: 'visible', timeout: remaining() });
    const before = await readResult();
    if (before.includes(opts.expect)) {
      report.result = before.slice(0, 500);
      throw new Error(`the result pane showed ${JSON.stringify(opts.expect)} before the query ran, so seeing it proves nothing`);
    }

    // Replace the text as a person would: select all, then type. Typing
    // through insertText skips GraphiQL's bracket auto-closing, which would
    // otherwise double every closing brace.
    await editor.click({ timeout: remaining() });
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.insertText(query);
    const typed = await page.evaluate(
      () => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.getValue(),
    );
    if (typed !== query) {
      throw new Error(`the editor holds ${JSON.stringify(typed.slice(0, 200))} after typing the query`);
    }

    // GraphiQL reads the operation name from the editor after a short
    // delay; running before it has would send the previous tab's name. The
    // active tab's title shows the name it read, so wait for that when there
    // are tabs.
    const named = /^\s*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/.exec(query);
    const title = named ? named[1] : '<untitled>';
    if (await page.locator('.graphiql-tab-active').count() > 0) {
      await page.waitForFunction(
        (want) => {
          const tab = document.querySelector('.graphiql-tab-active .graphiql-tab-button');
          return !!tab && tab.textContent.trim() === want;
        },
        title,
        { timeout: remaining() },
      ).catch(() => {
        throw new Error(`the active tab never took the title ${JSON.stringify(title)} of the typed query`);
      });
    }

    await page.locator('.graphiql-execute-button').click({ timeout: remaining() });
    try {
      await page.waitForFunction(
        (text) => {
          const el = document.querySelector('.graphiql-response .CodeMirror');
          return !!el && !!el.CodeMirror && el.CodeMirror.getValue().includes(text);
        },
        opts.expect,
        { timeout: remaining() },
      );
    } catch (err) {
      report.result = (await readResult().catch(() => '')).slice(0, 500);
      throw new Error(`the result pane did not show ${JSON.stringify(opts.expect)} in time: ${err.message.split('\n')[0]}`);
    }
    report.result = (await readResult()).slice(0, 500);
  };

  let failure;
  await Promise.race([steps(), blockedPromise]).catch((err) => {
    failure = err;
  });
  report.cspViolations = await page.evaluate(() => window.__omnigateCSP || []).catch(() => []);
  if (!failure && (report.blocked.length || report.cspViolations.length || report.pageErrors.length)) {
    failure = new Error('the query ran, but the page tried other origins, broke its CSP or threw');
  }
  report.ok = !failure;
  if (opts.screenshot) {
    await page.screenshot({ path: opts.screenshot, timeout: 5000 }).catch((err) => {
      report.consoleErrors.push(`screenshot failed: ${err.message.split('\n')[0]}`);
    });
  }
  if (failure) throw failure;
  await context.close();
  await rm(userDataDir, { recursive: true, force: true });
  finish();
} catch (err) {
  if (context) await context.close().catch(() => {});
  await rm(userDataDir, { recursive: true, force: true }).catch(() => {});
  finish(err);
}
