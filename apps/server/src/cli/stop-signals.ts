/**
 * The signals `manage serve` acts on: SIGINT and SIGTERM stop it (after draining the requests in
 * flight); SIGHUP is logged and ignored. Settings are read once at start (a reload could not
 * swap the keys, database or directories of requests in flight consistently): restart to apply a
 * change. Without a handler, SIGHUP (a closed terminal, `kill -HUP`, some supervisors) would end
 * the process.
 */
import type { Logger } from 'pino';

/** Resolves with the signal once SIGINT or SIGTERM arrives; until then, logs and ignores SIGHUP. */
export function untilStopSignal(logger: Pick<Logger, 'info'>): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const hangUp = () =>
      logger.info(
        { signal: 'SIGHUP' },
        'SIGHUP ignored: settings are read at start; restart to apply changes',
      );
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.off('SIGHUP', hangUp);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    process.on('SIGHUP', hangUp);
  });
}
