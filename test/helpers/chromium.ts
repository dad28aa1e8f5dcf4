import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

/**
 * A headless Chromium driven over the DevTools protocol on a pipe
 * (--remote-debugging-pipe: the browser reads fd 3 and writes fd 4, one JSON
 * message per NUL-terminated chunk). No dependency beyond node and a browser.
 */

/** The Chromium to use: $CHROMIUM, else the first of the usual names on PATH; null when there is none. */
export function findChromium(): string | null {
  const candidates = [process.env.CHROMIUM, 'chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'].filter(Boolean) as string[];
  for (const name of candidates) {
    const r = spawnSync(name, ['--version'], { encoding: 'utf8', timeout: 20_000 });
    if (r.status === 0 && /chrom/i.test(r.stdout)) return name;
  }
  return null;
}

type Message = { id?: number; method?: string; params?: any; result?: any; error?: { message: string }; sessionId?: string };

export class Browser {
  private next = 1;
  private pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private listeners: ((m: Message) => void)[] = [];
  private buffer = '';

  private constructor(
    private child: ChildProcess,
    private profile: string,
  ) {
    const out = child.stdio[4] as Readable;
    out.setEncoding('utf8');
    out.on('data', (chunk: string) => {
      this.buffer += chunk;
      let end: number;
      while ((end = this.buffer.indexOf('\0')) >= 0) {
        const message = JSON.parse(this.buffer.slice(0, end)) as Message;
        this.buffer = this.buffer.slice(end + 1);
        if (message.id !== undefined && this.pending.has(message.id)) {
          const p = this.pending.get(message.id)!;
          this.pending.delete(message.id);
          if (message.error) p.reject(new Error(message.error.message));
          else p.resolve(message.result);
        } else for (const l of this.listeners) l(message);
      }
    });
  }

  static async launch(bin: string): Promise<Browser> {
    const profile = mkdtempSync(join(tmpdir(), 'cp-plan-chromium-'));
    const args = [
      '--headless=new',
      '--remote-debugging-pipe',
      '--disable-gpu',
      '--no-first-run',
      '--no-default-browser-check',
      '--hide-scrollbars',
      '--mute-audio',
      `--user-data-dir=${profile}`,
    ];
    // Chromium refuses to run as root with its sandbox (containers, CI).
    if (process.getuid?.() === 0) args.push('--no-sandbox');
    const child = spawn(bin, [...args, 'about:blank'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] });
    return new Browser(child, profile);
  }

  send(method: string, params: object = {}, sessionId?: string): Promise<any> {
    const id = this.next++;
    const promise = new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
    (this.child.stdio[3] as Writable).write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + '\0');
    return promise;
  }

  on(listener: (m: Message) => void): void {
    this.listeners.push(listener);
  }

  /** Opens url in a new tab of width x height CSS pixels; resolves once it has loaded, with the tab and its errors. */
  async open(url: string, width: number, height: number, dark = false): Promise<Tab> {
    const { targetId } = await this.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true });
    const errors: string[] = [];
    let loaded!: () => void;
    const load = new Promise<void>((resolve) => (loaded = resolve));
    this.on((m) => {
      if (m.sessionId !== sessionId) return;
      if (m.method === 'Runtime.exceptionThrown')
        errors.push(`exception: ${m.params.exceptionDetails.exception?.description ?? m.params.exceptionDetails.text}`);
      if (m.method === 'Runtime.consoleAPICalled' && (m.params.type === 'error' || m.params.type === 'assert'))
        errors.push(`console.${m.params.type}: ${m.params.args.map((a: any) => a.value ?? a.description).join(' ')}`);
      if (m.method === 'Log.entryAdded' && m.params.entry.level === 'error') errors.push(`log: ${m.params.entry.text} ${m.params.entry.url ?? ''}`);
      if (m.method === 'Page.loadEventFired') loaded();
    });
    for (const domain of ['Runtime.enable', 'Log.enable', 'Page.enable']) await this.send(domain, {}, sessionId);
    await this.send('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: false }, sessionId);
    if (dark) await this.send('Emulation.setEmulatedMedia', { features: [{ name: 'prefers-color-scheme', value: 'dark' }] }, sessionId);
    await this.send('Page.navigate', { url }, sessionId);
    await load;
    return new Tab(this, sessionId, targetId, errors);
  }

  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    await this.send('Browser.close').catch(() => {});
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
    rmSync(this.profile, { recursive: true, force: true });
  }
}

export class Tab {
  constructor(
    private browser: Browser,
    private sessionId: string,
    private targetId: string,
    /** Console errors, uncaught exceptions and error log entries seen so far. */
    readonly errors: string[],
  ) {}

  /** The value of a JavaScript expression in the page (JSON-serialisable). */
  async evaluate<T = unknown>(expression: string): Promise<T> {
    const r = await this.browser.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true }, this.sessionId);
    if (r.exceptionDetails) throw new Error(`page threw: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
    return r.result.value as T;
  }

  /** A PNG of the whole page at its current width. */
  async screenshot(): Promise<Buffer> {
    const m = await this.browser.send('Page.getLayoutMetrics', {}, this.sessionId);
    const size = m.cssContentSize ?? m.contentSize;
    const r = await this.browser.send(
      'Page.captureScreenshot',
      { format: 'png', captureBeyondViewport: true, clip: { x: 0, y: 0, width: size.width, height: Math.min(size.height, 16_000), scale: 1 } },
      this.sessionId,
    );
    return Buffer.from(r.data, 'base64');
  }

  /** The page printed to PDF (print CSS). */
  async pdf(): Promise<Buffer> {
    const r = await this.browser.send('Page.printToPDF', { printBackground: false }, this.sessionId);
    return Buffer.from(r.data, 'base64');
  }

  async close(): Promise<void> {
    await this.browser.send('Target.closeTarget', { targetId: this.targetId });
  }
}
