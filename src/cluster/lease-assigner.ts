import { AssignerProtocol, type Assigner, type GroupMember, type GroupMemberAssignment } from 'kafkajs';
import { compareVersions, parseVersion } from '../core/index.js';

/** What a member of a lease group tells the group each time it joins. */
export interface LeaseClaim {
  /** This member holds the lease now (it is the model's writer). */
  readonly holder: boolean;
  /** The newest version this member has restored and verified (a standby ready to take over), if any. */
  readonly restored: string | null;
  /** The instance id, for logs. */
  readonly instance: string;
}

export const LEASE_ASSIGNER = 'streamtrain-lease';

/**
 * A kafkajs partition assigner for a one-partition lease topic: partition 0 is the lease. It stays with the
 * member that holds it (a standby joining never moves it); when the holder is gone it goes to the member whose
 * restored checkpoint is newest, so the successor has the least to load; ties go to the lowest member id.
 * Every other member gets nothing and waits as a standby.
 * @see https://kafka.js.org/docs/custom-assigner
 */
export function leaseAssigner(topic: string, claim: () => LeaseClaim): Assigner {
  return {
    name: LEASE_ASSIGNER,
    version: 1,
    protocol: ({ topics }) => ({
      name: LEASE_ASSIGNER,
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.from(JSON.stringify(claim())) }),
    }),
    assign: ({ members }) => Promise.resolve(assignLease(topic, members)),
  };
}

export function assignLease(topic: string, members: readonly GroupMember[]): GroupMemberAssignment[] {
  const winner = chooseHolder(members.map((m) => ({ memberId: m.memberId, claim: readClaim(m.memberMetadata) })));
  return members.map((m) => ({
    memberId: m.memberId,
    memberAssignment: AssignerProtocol.MemberAssignment.encode({
      version: 1,
      assignment: m.memberId === winner ? { [topic]: [0] } : {},
      userData: Buffer.alloc(0),
    }),
  }));
}

/** The member that gets the lease: the current holder, else the newest restored version, else the lowest id. */
export function chooseHolder(members: readonly { memberId: string; claim: LeaseClaim | undefined }[]): string | undefined {
  const rank = (c: LeaseClaim | undefined): [number, number, number] => {
    const v = c?.restored ? parseVersion(c.restored) : undefined;
    return [c?.holder ? 1 : 0, v?.major ?? -1, v?.minor ?? -1];
  };
  const sorted = [...members].sort((a, b) => {
    const [ha, ma, na] = rank(a.claim);
    const [hb, mb, nb] = rank(b.claim);
    return hb - ha || compareVersions({ major: mb, minor: nb }, { major: ma, minor: na }) || (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0);
  });
  return sorted[0]?.memberId;
}

function readClaim(metadata: Buffer): LeaseClaim | undefined {
  try {
    const data = AssignerProtocol.MemberMetadata.decode(metadata)?.userData;
    if (!data || data.length === 0) return undefined;
    const c = JSON.parse(data.toString('utf8')) as Partial<LeaseClaim>;
    return { holder: c.holder === true, restored: typeof c.restored === 'string' ? c.restored : null, instance: String(c.instance ?? '') };
  } catch {
    return undefined;
  }
}
