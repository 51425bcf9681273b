import { createApp } from '../app.js';
import { createLogger } from '../logger.js';
import { version } from '../version.js';
import { openMigratedStore } from './io.js';

/** Starts the server; resolves once it listens. SIGINT/SIGTERM stop it cleanly. */
export async function serve(): Promise<void> {
  const { config, store, applied } = await openMigratedStore();
  const logger = createLogger(config.logLevel);
  if (applied.length > 0) logger.info({ applied }, 'applied database migrations');
  const app = await createApp({ config, store, logger, version });
  const { http, sip } = app;
  try {
    await http.listen({ host: config.httpHost, port: config.httpPort });
    await sip.start();
  } catch (error) {
    await http.close();
    await store.close();
    throw error;
  }
  logger.info({ database: config.databaseUrl.replace(/\/\/[^@]*@/, '//***@'), version }, 'dialback is serving');

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    void app.stop()
      .then(() => store.close())
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        logger.error({ err: error }, 'error while stopping');
        process.exit(1);
      });
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}
