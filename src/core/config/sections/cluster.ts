import { always, heartbeatWithinSession, int, optionalSection, str } from '../fields.js';

export const clusterSchema = optionalSection({
  leaseTopic: str()
    .default('streamtrain-leases')
    .describe('One-partition topic whose consumer groups (one per model) elect the instance that learns and publishes.'),
  sessionTimeoutMs: int(1_000, 300_000)
    .default(6_000)
    .describe('A leader that stops heartbeating loses the lease after this long; with `kafka.sessionTimeoutMs` it bounds the takeover time.'),
  heartbeatIntervalMs: int(100, 60_000)
    .default(250)
    .describe('Lease heartbeat interval: members learn of a hand-over at their next heartbeat. At most a third of `sessionTimeoutMs`.'),
  standbyPollMs: int(100, 600_000).default(1_000).describe('How often a standby checks the store for a newer checkpoint to hold ready.'),
  instanceId: str()
    .optional()
    .meta({ description: "This instance's id in LATEST, manifests and logs (env STREAMTRAIN_INSTANCE_ID wins).", defaultText: 'host-pid-random' }),
})
  .superRefine(heartbeatWithinSession('cluster'), always)
  .describe('Instances of one model: one leads (learns and publishes), the others stand by and take over. See docs/deployment.md.');
