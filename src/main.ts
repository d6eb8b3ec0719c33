import 'reflect-metadata';
import { pino } from 'pino';
import { compose } from './api/composition-root.js';
import { loadConfig } from './config.js';

/** Entry point: `npm start`. Configuration comes from the environment (see README). */
const main = async () => {
  const config = loadConfig();
  // Logs are written asynchronously (a request does not wait for stdout) and flushed on shutdown.
  const destination = pino.destination({ sync: false });
  const logger = pino({ level: config.logLevel }, destination);
  const system = await compose(config, logger);
  let stopping = false;
  const exit = (code: number) => {
    destination.flushSync();
    process.exit(code);
  };
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    system.stop().then(
      () => exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  await system.start();
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
