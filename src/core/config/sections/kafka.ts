import { always, heartbeatWithinSession, bool, int, oneOf, section, optionalSection, str, strList } from '../fields.js';

export const saslSchema = section({
  mechanism: oneOf(['plain', 'scram-sha-256', 'scram-sha-512']).default('plain').describe('SASL mechanism (env KAFKA_SASL_MECHANISM).'),
  username: str().optional().describe('SASL username; prefer env KAFKA_SASL_USERNAME.'),
  password: str().optional().describe('SASL password; prefer env KAFKA_SASL_PASSWORD.'),
})
  .superRefine((s, ctx) => {
    if (s.username === undefined || s.password === undefined) {
      ctx.addIssue({ code: 'custom', path: ['username'], message: 'SASL needs a username and a password: set KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD' });
    }
  }, always)
  .transform((s) => ({ mechanism: s.mechanism, username: s.username ?? '', password: s.password ?? '' }))
  .describe('SASL/PLAIN or SCRAM authentication; the username and password usually come from the environment.');

export const kafkaSchema = optionalSection({
  brokers: strList().default(['127.0.0.1:9092']).describe('Bootstrap brokers, `host:port` (env KAFKA_BROKERS, comma separated, wins).'),
  clientId: str().default('streamtrain').describe('Kafka client id.'),
  groupId: str().optional().meta({ description: 'Consumer group id.', defaultText: '`streamtrain-<model.name>`' }),
  topics: strList('list the source topics, e.g. `topics: [events]`').describe('Source topics.'),
  fromBeginning: bool().default(true).describe('Where to start on a partition that no checkpoint covers: the earliest offset (true) or the latest.'),
  sessionTimeoutMs: int(6_000, 300_000)
    .default(6_000)
    .describe("Consumer session timeout. A takeover waits until the failed leader's session in this group has expired too."),
  heartbeatIntervalMs: int(100, 60_000).default(1_000).describe('Consumer heartbeat interval; at most a third of `sessionTimeoutMs`.'),
  sasl: saslSchema.optional(),
  ssl: bool().default(false).describe('Connect over TLS.'),
})
  .superRefine(heartbeatWithinSession('kafka'), always)
  .describe('Where the records come from.');
