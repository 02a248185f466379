/**
 * Which Weft API a remote command talks to: `weft server` named by `--url`/`WEFT_URL` (with
 * `--token`/`WEFT_TOKEN`), else the running `weft dev` of the project, found through the
 * `dev.json` it writes in its state folder.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { OptionError } from '../options.js';
import { ApiError } from './api-error.js';
import { GraphQLClient, type ApiEndpoint } from './client.js';

/** The options every remote command takes. */
export interface RemoteOptions {
  /** The server's base URL (`http://host:4000`) or its GraphQL endpoint. */
  readonly url?: string | undefined;
  readonly token?: string | undefined;
  /** The project folder whose `weft dev` to ask. @default the working directory */
  readonly dir?: string | undefined;
  /** `weft dev`'s state folder. @default `<dir>/.weft` */
  readonly state?: string | undefined;
  /** The code location (default: the server's default location). */
  readonly location?: string | undefined;
}

/** What `weft dev` writes in its state folder while it serves. */
export interface DevInfo {
  readonly pid: number;
  readonly url: string;
  readonly graphql: string;
}

/** Reads `dev.json` of a state folder, or undefined when no `weft dev` serves from it. */
export function readDevInfo(stateDir: string): DevInfo | undefined {
  try {
    return JSON.parse(readFileSync(join(stateDir, 'dev.json'), 'utf8')) as DevInfo;
  } catch {
    return undefined;
  }
}

/** The state folder the options name. */
export function stateDirOf(options: Pick<RemoteOptions, 'dir' | 'state'>): string {
  return resolve(options.state ?? join(options.dir ?? process.cwd(), '.weft'));
}

/** The GraphQL endpoint of a base URL (`/graphql` appended unless there). */
export function graphqlUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new OptionError(`--url must be an http(s) URL like http://weft.example.com:4000, got ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new OptionError(`--url must be an http(s) URL, got ${JSON.stringify(url)}`);
  const path = parsed.pathname.replace(/\/+$/, '');
  parsed.pathname = path.endsWith('/graphql') ? path : `${path}/graphql`;
  return parsed.toString();
}

/** Finds the API the options name (see the module's description). */
export function resolveEndpoint(options: RemoteOptions): ApiEndpoint {
  if (options.url) {
    return { url: graphqlUrl(options.url), token: options.token || undefined, via: process.env['WEFT_URL'] === options.url ? 'WEFT_URL' : '--url' };
  }
  const stateDir = stateDirOf(options);
  const info = readDevInfo(stateDir);
  if (!info) {
    throw new ApiError(
      `no running \`weft dev\` found (no ${join(stateDir, 'dev.json')})`,
      'start one with `weft dev` (or pass --dir <project>), or name a `weft server` with --url <url> or WEFT_URL',
      'NoServer',
    );
  }
  return { url: info.graphql, token: options.token || undefined, via: `weft dev (${join(stateDir, 'dev.json')})` };
}

/** A client of the API the options name. */
export function connect(options: RemoteOptions): GraphQLClient {
  return new GraphQLClient(resolveEndpoint(options));
}
