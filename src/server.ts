// The composition root: config -> store -> services -> gateway -> listen.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEV_ACCOUNT, isLoopback, type ImagoConfig } from './config/config.js';
import { loadCredentials } from './config/credentials.js';
import { Logger } from './logger.js';
import { Store } from './store/store.js';
import { Authenticator } from './gateway/auth.js';
import { Gateway } from './gateway/gateway.js';
import type { ServiceDefinition } from './protocol/dispatch.js';
import { ec2Service } from './services/ec2/index.js';
import { autoscalingService } from './services/autoscaling/index.js';
import { kmsService } from './services/kms/index.js';
import { ebsService } from './services/ebs/index.js';
import { ssmService } from './services/ssm/index.js';

export class StartupError extends Error {}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startServer(config: ImagoConfig, log = new Logger(config.logLevel)): Promise<RunningServer> {
  if (!config.credentialsFile && !isLoopback(config.host)) {
    throw new StartupError(
      `refusing to listen on ${config.host} without --credentials: dev mode accepts any signature, so it is loopback-only. ` +
        'Pass --credentials FILE (AWS INI with aws_access_key_id, aws_secret_access_key, aws_account_id) or bind 127.0.0.1.',
    );
  }
  if (config.credentialsFile && config.defaultAccount) {
    throw new StartupError('--default-account is a dev-mode option; it cannot be combined with --credentials');
  }
  const principals = config.credentialsFile ? loadCredentials(config.credentialsFile) : undefined;
  const auth = new Authenticator(principals ? { kind: 'verify', principals } : { kind: 'dev', defaultAccount: config.defaultAccount ?? DEV_ACCOUNT });

  const store = await Store.open({ dataDir: config.dataDir, durability: config.durability });
  const services = new Map<string, ServiceDefinition>();
  for (const def of [ec2Service({ store }), autoscalingService(), kmsService({ store, dataDir: config.dataDir }), ebsService(), ssmService()]) services.set(def.id, def);

  const gateway = new Gateway({
    services,
    auth,
    log,
    admin: { devMode: !principals, reset: () => store.wipe() },
  });

  // in-flight accounting, so a graceful shutdown waits for running requests and no longer
  let inFlight = 0;
  let drained: (() => void) | undefined;
  const server: Server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    inFlight++;
    res.once('close', () => {
      if (--inFlight === 0) drained?.();
    });
    gateway.handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      // stop accepting, let in-flight requests finish, drop idle keep-alive sockets
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        await Promise.race([new Promise<void>((resolve) => (drained = resolve)), new Promise((r) => setTimeout(r, 30_000).unref())]);
      }
      server.closeAllConnections();
      await done;
      await store.close();
    })());

  return { url, port, close };
}
