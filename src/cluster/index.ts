export { KafkaLease, type KafkaLeaseOptions, type LeaseListener } from './kafka-lease.js';
export { assignLease, chooseHolder, leaseAssigner, LEASE_ASSIGNER, type LeaseClaim } from './lease-assigner.js';
export { StandbyFollower, type StandbyFollowerOptions } from './standby-follower.js';
