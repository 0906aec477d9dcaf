import { Kafka, logLevel, type LogEntry, type SASLOptions } from 'kafkajs';
import type { KafkaConfig, Logger } from '../core/index.js';

/** One kafkajs client for the consumer and the producers, logging through our pino logger (secrets redacted). */
export function createKafka(config: KafkaConfig, logger: Logger): Kafka {
  const log = logger.child({ module: 'kafkajs' });
  return new Kafka({
    clientId: config.clientId,
    brokers: [...config.brokers],
    ssl: config.ssl,
    sasl: config.sasl ? ({ mechanism: config.sasl.mechanism, username: config.sasl.username, password: config.sasl.password } as SASLOptions) : undefined,
    connectionTimeout: 5_000,
    retry: { initialRetryTime: 200, retries: 8 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, timestamp: _t, logger: _l, ...fields } = entry;
        const at = level === logLevel.ERROR ? 'error' : level === logLevel.WARN ? 'warn' : level === logLevel.INFO ? 'info' : 'debug';
        log[at](fields, message);
      },
  });
}
