import pg from 'pg';
import { startMinio, type MinioServer, type S3Endpoint } from '../launch/minio-server.js';
import { startPostgres, type PostgresServer } from '../launch/postgres-server.js';
import { startTemporal, type TemporalServer } from '../launch/temporal-server.js';

/** What a test file learns about the services of its run (serializable: passed through vitest's `provide`). */
export interface TestServicesInfo {
  readonly postgres: {
    readonly adminUrl: string;
    /** Database migrated once per run; each test file gets a copy. */
    readonly templateDatabase: string;
    readonly version: string;
  };
  readonly temporal: { readonly address: string; readonly namespace: string; readonly version: string };
  readonly minio: { readonly endpoint: S3Endpoint; readonly version: string };
  /** Path of the workflow bundle built once per run, when a bundler was given. */
  readonly workflowBundlePath: string | undefined;
}

/** Options for {@link startTestServices}. */
export interface StartTestServicesOptions {
  /** Prepares the template database (applies migrations) once per run. */
  readonly prepareTemplate?: (url: string) => Promise<void>;
  /** Builds the workflow bundle once per run and returns the path of the file holding its code. */
  readonly bundleWorkflows?: () => Promise<string>;
  readonly log?: (line: string) => void;
}

/** The running services and a function stopping them all. */
export interface TestServices {
  readonly info: TestServicesInfo;
  readonly temporal: TemporalServer;
  readonly postgres: PostgresServer;
  readonly minio: MinioServer;
  stop(): Promise<void>;
}

const TEMPLATE_DB = 'weft_template';

/**
 * Starts real PostgreSQL, the Temporal dev server and MinIO in parallel on free ports, prepares the
 * template database and prints the versions the tests run against.
 */
export async function startTestServices(options: StartTestServicesOptions = {}): Promise<TestServices> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const started = Date.now();
  // Continue-as-new is suggested after 40 events (not ~4,000) so long-lived loops exercise it in tests.
  const results = await Promise.allSettled([startPostgres(), startTemporal({ dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 40 } }), startMinio()] as const);
  const [pgResult, temporalResult, minioResult] = results;
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (failures.length > 0) {
    await Promise.allSettled(results.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
    throw new AggregateError(failures, `could not start the test services:\n${failures.map((f) => `- ${f instanceof Error ? f.message : String(f)}`).join('\n')}`);
  }
  const postgres = (pgResult as PromiseFulfilledResult<PostgresServer>).value;
  const temporal = (temporalResult as PromiseFulfilledResult<TemporalServer>).value;
  const minio = (minioResult as PromiseFulfilledResult<MinioServer>).value;
  let templateDatabase: string | undefined;
  const stop = async (): Promise<void> => {
    if (templateDatabase && !postgres.owned) await dropDatabase(postgres.adminUrl, templateDatabase).catch(() => {});
    await Promise.allSettled([postgres.stop(), temporal.stop(), minio.stop()]);
  };

  try {
    templateDatabase = await createTemplate(postgres);
    await options.prepareTemplate?.(postgres.urlFor(templateDatabase));
    const workflowBundlePath = await options.bundleWorkflows?.();
    log(`weft test services ready in ${Date.now() - started} ms:`);
    log(`  PostgreSQL: ${postgres.version}${postgres.owned ? '' : ' (DATABASE_URL)'}`);
    log(`  Temporal:   ${temporal.version} at ${temporal.address}`);
    log(`  MinIO:      ${minio.version} at ${minio.endpoint.endPoint}:${minio.endpoint.port}`);
    return {
      info: {
        postgres: { adminUrl: postgres.adminUrl, templateDatabase, version: postgres.version },
        temporal: { address: temporal.address, namespace: temporal.namespace, version: temporal.version },
        minio: { endpoint: minio.endpoint, version: minio.version },
        workflowBundlePath,
      },
      temporal,
      postgres,
      minio,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

async function createTemplate(postgres: PostgresServer): Promise<string> {
  // With an external DATABASE_URL several runs may share the server: give each its own template.
  const name = postgres.owned ? TEMPLATE_DB : `${TEMPLATE_DB}_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: postgres.adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
  return name;
}
