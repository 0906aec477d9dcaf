import fc from 'fast-check';
import { AssignerProtocol } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { assignLease, chooseHolder, leaseAssigner, type LeaseClaim } from '../../../src/cluster/index.js';

const claimArb = fc.record({
  holder: fc.boolean(),
  restored: fc.option(
    fc.tuple(fc.nat(5), fc.nat(50)).map(([a, b]) => `${a + 1}.${b}`),
    { nil: null },
  ),
  instance: fc.string({ maxLength: 8 }),
});
const membersArb = fc.uniqueArray(fc.record({ memberId: fc.string({ minLength: 1, maxLength: 12 }), claim: fc.option(claimArb, { nil: undefined }) }), {
  minLength: 1,
  maxLength: 6,
  selector: (m) => m.memberId,
});

function metadata(topic: string, claim: LeaseClaim | undefined): Buffer {
  return AssignerProtocol.MemberMetadata.encode({ version: 1, topics: [topic], userData: claim ? Buffer.from(JSON.stringify(claim)) : Buffer.alloc(0) });
}

describe('lease assigner', () => {
  it('keeps the lease with its holder, else gives it to the newest restored checkpoint, whatever the member order', () => {
    fc.assert(
      fc.property(membersArb, (members) => {
        const winner = chooseHolder(members);
        expect(chooseHolder([...members].reverse())).toBe(winner);
        const won = members.find((m) => m.memberId === winner);
        if (members.some((m) => m.claim?.holder)) expect(won?.claim?.holder).toBe(true);
        const rank = (c: LeaseClaim | undefined) => (c?.restored ? c.restored.split('.').map(Number) : [-1, -1]) as [number, number];
        for (const m of members.filter((x) => Boolean(x.claim?.holder) === Boolean(won?.claim?.holder))) {
          const [a, b] = rank(m.claim);
          const [wa, wb] = rank(won?.claim);
          expect(a < wa || (a === wa && b <= wb)).toBe(true);
        }
      }),
    );
  });

  it('assigns partition 0 of the lease topic to exactly one member and nothing to the others', () => {
    fc.assert(
      fc.property(membersArb, (members) => {
        const out = assignLease(
          'leases',
          members.map((m) => ({ memberId: m.memberId, memberMetadata: metadata('leases', m.claim) })),
        );
        const held = out.filter((a) => (AssignerProtocol.MemberAssignment.decode(a.memberAssignment)?.assignment.leases ?? []).includes(0));
        expect(held.map((a) => a.memberId)).toEqual([chooseHolder(members)]);
        expect(out).toHaveLength(members.length);
      }),
    );
  });

  it('tells the group what the member holds through its protocol metadata', () => {
    const claim: LeaseClaim = { holder: true, restored: '3.7', instance: 'a' };
    const assigner = leaseAssigner('leases', () => claim);
    const meta = AssignerProtocol.MemberMetadata.decode(assigner.protocol({ topics: ['leases'] }).metadata);
    expect(JSON.parse(String(meta?.userData))).toEqual(claim);
    // An unreadable claim counts as no claim: such a member can still be chosen, last.
    expect(
      chooseHolder([
        { memberId: 'b', claim: undefined },
        { memberId: 'a', claim: { holder: false, restored: '1.0', instance: '' } },
      ]),
    ).toBe('a');
  });
});
