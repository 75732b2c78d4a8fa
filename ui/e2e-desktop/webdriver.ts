// A small W3C WebDriver client for tauri-driver, which proxies to WebKitWebDriver: the few
// commands these tests use, over fetch. (WebdriverIO 8 installs geckodriver and edgedriver,
// whose install scripts download binaries from the web, and WebdriverIO 9 needs Node 20.18,
// newer than Debian 12's: so this, which needs nothing.)

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

/** Keys as WebDriver names them. */
export const Key = {
  Escape: '\uE00C',
  Enter: '\uE007',
  ArrowRight: '\uE014',
  ArrowLeft: '\uE012',
  Control: '\uE009',
} as const;

export class WebDriverError extends Error {}

export class Session {
  private constructor(
    private readonly base: string,
    readonly id: string,
  ) {}

  /** Starts the app under test: tauri-driver launches `application` with `args`. */
  static async start(driver: string, application: string, args: string[]): Promise<Session> {
    const answer = await send(driver, 'POST', '/session', {
      capabilities: { alwaysMatch: { browserName: 'wry', 'tauri:options': { application, args } } },
    });
    return new Session(driver, (answer as { sessionId: string }).sessionId);
  }

  private call(method: string, path: string, body?: unknown): Promise<unknown> {
    return send(this.base, method, `/session/${this.id}${path}`, body);
  }

  async end(): Promise<void> {
    await this.call('DELETE', '');
  }

  async title(): Promise<string> {
    return (await this.call('GET', '/title')) as string;
  }

  /** The address of the page the window shows. */
  async url(): Promise<string> {
    return (await this.call('GET', '/url')) as string;
  }

  /** The app's windows (webviews) WebDriver can see. */
  async windowHandles(): Promise<string[]> {
    return (await this.call('GET', '/window/handles')) as string[];
  }

  async find(css: string): Promise<Element> {
    const found = (await this.call('POST', '/element', { using: 'css selector', value: css })) as Record<string, string>;
    return new Element(this, found[ELEMENT]);
  }

  /** Runs a function's body in the page; `arguments` are `args`. */
  async run<T>(script: string, ...args: unknown[]): Promise<T> {
    return (await this.call('POST', '/execute/sync', { script, args })) as T;
  }

  /** Runs an async body in the page: it returns (awaits) its answer. */
  async runAsync<T>(body: string, ...args: unknown[]): Promise<T> {
    const script = `const done = arguments[arguments.length - 1];
      (async (...args) => { ${body} })(...Array.from(arguments).slice(0, -1)).then(done, (e) => done({ thrown: String(e) }));`;
    return (await this.call('POST', '/execute/async', { script, args })) as T;
  }

  /** Presses the keys together (a chord, e.g. Control and q), then lets them go in reverse. */
  async press(...keys: string[]): Promise<void> {
    const down = keys.map((value) => ({ type: 'keyDown', value }));
    const up = [...keys].reverse().map((value) => ({ type: 'keyUp', value }));
    await this.call('POST', '/actions', { actions: [{ type: 'key', id: 'keyboard', actions: [...down, ...up] }] });
  }

  /** A mouse click on the element's middle, as a person's (unlike Element.click, which waits for
   * any navigation it starts to load). */
  async pointerClick(element: Element): Promise<void> {
    const origin = { [ELEMENT]: element.id };
    await this.call('POST', '/actions', {
      actions: [
        {
          type: 'pointer',
          id: 'mouse',
          parameters: { pointerType: 'mouse' },
          actions: [
            { type: 'pointerMove', origin, x: 0, y: 0 },
            { type: 'pointerDown', button: 0 },
            { type: 'pointerUp', button: 0 },
          ],
        },
      ],
    });
  }

  /** The webview's content as PNG. */
  async screenshot(): Promise<Buffer> {
    return Buffer.from((await this.call('GET', '/screenshot')) as string, 'base64');
  }

  /** @internal */
  element(path: string, method: string, id: string, body?: unknown): Promise<unknown> {
    return this.call(method, `/element/${id}${path}`, body);
  }
}

export class Element {
  constructor(
    private readonly session: Session,
    readonly id: string,
  ) {}

  async click(): Promise<void> {
    await this.session.element('/click', 'POST', this.id, {});
  }

  async type(text: string): Promise<void> {
    await this.session.element('/value', 'POST', this.id, { text });
  }

  async clear(): Promise<void> {
    await this.session.element('/clear', 'POST', this.id, {});
  }
}

/** No command takes longer than this; a session that cannot start (the app died) fails. */
const TIMEOUT_MS = 90_000;

async function send(base: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${base}${path}`, {
    method,
    signal: AbortSignal.timeout(TIMEOUT_MS),
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let answer: { value?: { error?: string; message?: string } & Record<string, unknown> };
  try {
    answer = JSON.parse(text);
  } catch {
    throw new WebDriverError(`${method} ${path}: ${response.status} ${text.slice(0, 200)}`);
  }
  const value = answer.value;
  if (!response.ok || (value && typeof value === 'object' && 'error' in value && value.error)) {
    throw new WebDriverError(`${method} ${path}: ${value?.error ?? response.status}: ${value?.message ?? text}`);
  }
  return value;
}
