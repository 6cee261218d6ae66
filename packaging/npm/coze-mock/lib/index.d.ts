/** The token the fake accepts when it runs without a config file. */
export declare const DEFAULT_TOKEN: 'pat_mock';

/** `${process.platform}-${process.arch}` → the optional dependency holding that platform's binary. */
export declare const PLATFORM_PACKAGES: Readonly<Record<string, string>>;

export interface StartOptions {
  /** A TOML config file of accounts, workspaces and tokens; without it the fake accepts `pat_mock`. */
  config?: string;
  /** What `token` offers; default `pat_mock`, or the config's first `[[tokens]]` value. */
  token?: string;
  /** The coze-mock executable; default `$COZE_MOCK_BIN`, else this platform's optional dependency. */
  binary?: string;
  /** Listen on 127.0.0.1:PORT (default: a free port, unless `args` has `--addr` or `COZE_MOCK_ADDR` is set). */
  port?: number;
  /** Extra `coze-mock serve` flags (`--addr` here replaces the free port; not with `port`). */
  args?: string[];
  /** Extra environment variables for the process (`COZE_MOCK_ADMIN_TOKEN` is also sent to the admin API). */
  env?: Record<string, string>;
  /** How long to wait for the fake to be ready (default 30 000). */
  startTimeoutMs?: number;
  /**
   * Serve HTTPS with a certificate made at start-up. Its certificate authority joins the roots of
   * `https.globalAgent` until `stop()`, so `new CozeAPI({ baseURL })` trusts it unchanged; other
   * clients take `httpsAgent`, or `NODE_EXTRA_CA_CERTS=caFile` in a process started afterwards.
   */
  tls?: boolean;
}

/** One request as the fake's journal records it. */
export interface JournalRecord {
  id: number;
  method: string;
  path: string;
  query?: string | null;
  account?: string | null;
  status: number;
  code: number;
  rule?: string | null;
  verdict?: string | null;
  logid?: string | null;
  [field: string]: unknown;
}

/** What a fault does: answer an envelope, an HTTP status, wait, or drop the connection. */
export type FaultAction =
  | { kind: 'envelope'; code: number; msg: string; status?: number }
  | { kind: 'http_status'; status: number }
  | { kind: 'latency'; ms: number }
  | { kind: 'drop' };

/** Which requests a fault applies to, and for how long (neither `times` nor `forMs`: once). */
export interface FaultMatch {
  /** This path exactly, or a prefix with a trailing `*`; every path if absent. */
  path?: string;
  /** This method; every method if absent. */
  method?: string;
  /** The next N matching requests. */
  times?: number;
  /** For this many milliseconds from now. */
  forMs?: number;
}

/** The config file's shape, as objects (see the coze-mock README). */
export interface Seed {
  accounts?: Record<string, unknown>[];
  workspaces?: Record<string, unknown>[];
  tokens?: Record<string, unknown>[];
  voices?: Record<string, unknown>[];
}

/** The admin API of a running fake: what `connectCozeMock` gives, and `startCozeMock` too. */
export interface CozeMockAdmin {
  /** `http://HOST:PORT` (`https://…` with `tls`): the SDK's `baseURL`. */
  readonly baseURL: string;
  /** A token the fake accepts. */
  readonly token: string;
  /** Back to the configured state: voices, journal, seeds, faults and expectations are forgotten; the report stays. */
  reset(): Promise<void>;
  /** The requests the fake received, oldest first; `after` skips records up to that id. */
  journal(options?: { after?: number; limit?: number }): Promise<JournalRecord[]>;
  /** Adds accounts, workspaces, tokens and voices; resolves to the seeded voices. */
  seed(seed: Seed): Promise<Record<string, unknown>[]>;
  /** Injects a fault; resolves to the fault as the fake lists it. */
  fault(action: FaultAction, match?: FaultMatch): Promise<Record<string, unknown>>;
  /** The conformance report since the fake started or `clearReport()` (a reset leaves it). */
  report(): Promise<Report>;
  /** Empties the report; resolves to it as it was. */
  clearReport(): Promise<Report>;
  /**
   * Runs `fn` while the refusals it provokes on purpose are expected (codes, `'refusal'`, rule names
   * such as `'voice_name.max_bytes'`): each refusal must be one of them (else an `expect.unmet` error in
   * the report), and the report counts them as covered, their findings as expected. Rejects if no
   * request was answered one of them; otherwise resolves to what `fn` resolved to.
   */
  expect<T>(
    outcomes: Expected | Expected[],
    fn: () => Promise<T> | T,
    match?: { path?: string; method?: string },
  ): Promise<T>;
}

/** An expected outcome: a code, any refusal, or a rule name. */
export type Expected = number | 'refusal' | (string & {});

/** The conformance report (`GET /__admin/report`). */
export interface Report {
  requests: number;
  totals: { error: number; warning: number; info: number };
  clients: Array<{
    label: string;
    requests: number;
    never_seen: string[];
    findings: Array<{ id: string; severity: 'error' | 'warning' | 'info'; expected?: boolean; count: number; evidence: string[] }>;
    [field: string]: unknown;
  }>;
  [field: string]: unknown;
}

/** A fake `startCozeMock` started: its admin API, its process, and `stop()`. */
export interface CozeMock extends CozeMockAdmin {
  /** With `tls`, the file holding the PEM of the certificate authority to trust. */
  readonly caFile: string | undefined;
  /** With `tls`, the PEM of the certificate authority to trust. */
  readonly caPem: string | undefined;
  /** With `tls`, an `https.Agent` trusting that authority (e.g. axios's `httpsAgent`). */
  readonly httpsAgent: import('node:https').Agent | undefined;
  /** The process id of the fake. */
  readonly pid: number;
  /** The last lines the fake printed. */
  output(): string;
  /** Stops the fake (SIGTERM, then SIGKILL after 5 s). */
  stop(): Promise<void>;
}

/** Where a running fake is, and what its admin API needs. */
export interface ConnectOptions {
  /** Its base URL, like `http://127.0.0.1:8080`. */
  baseURL: string;
  /** Its `--admin-token` (`COZE_MOCK_ADMIN_TOKEN`), if it has one. */
  adminToken?: string;
  /** What `token` offers (default `pat_mock`). */
  token?: string;
}

/**
 * Starts coze-mock on a free 127.0.0.1 port (or `port`), in memory, and resolves once it is ready. The
 * fake ends with this process, even if it is killed by SIGKILL.
 */
export declare function startCozeMock(options?: StartOptions): Promise<CozeMock>;

/** The admin API of a fake already running (a container, `npx coze-mock serve`); resolves once it is ready. */
export declare function connectCozeMock(options: ConnectOptions): Promise<CozeMockAdmin>;

/** The coze-mock executable this package would start. */
export declare function findBinary(): string;
