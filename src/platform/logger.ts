import { type DestinationStream, type Logger, pino } from 'pino';

import { currentRequest } from './request-context.js';

/**
 * Creates the process logger: JSON lines on stdout, with the current request id (if any) on every
 * line through pino's `mixin`, so no call site has to remember it.
 */
export function createLogger(level: string, name = 'meridian', destination?: DestinationStream): Logger {
  const options = {
    name,
    level,
    mixin() {
      const req = currentRequest();
      return req ? { reqId: req.requestId } : {};
    },
    redact: { paths: ['req.headers.authorization', 'req.headers["x-api-key"]', '*.password'], remove: true },
  };
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };
