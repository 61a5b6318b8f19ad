import { describe, expect, it } from 'vitest';
import { CHECK_IDS, type DoctorCheck, runDoctor } from '../src/doctor/run-doctor.js';

/** A check that returns `status` (or throws `error`) and records that it ran. */
function fake(id: string, needs: string[], outcome: 'pass' | 'warn' | 'fail' | 'skip' | Error, ran: string[], extra: Partial<DoctorCheck> = {}): DoctorCheck {
  return {
    id,
    needs,
    skipMessage: `Skipped: ${id} must pass first.`,
    async run() {
      ran.push(id);
      if (outcome instanceof Error) throw outcome;
      return { status: outcome, message: `${id} ${outcome}` };
    },
    ...extra,
  };
}

describe('doctor runner', () => {
  it('lists the built-in checks in the documented order', () => {
    expect(CHECK_IDS).toEqual(['config', 'authority', 'redirect-uri', 'token', 'permissions', 'secret-expiry', 'mailbox', 'relay', 'outbox', 'send']);
  });

  it("skips what depends on a failure, transitively, with the failed check's reason, and runs the rest in order", async () => {
    const ran: string[] = [];
    const results = await runDoctor(
      {},
      {
        checks: [fake('a', [], 'pass', ran), fake('b', ['a'], 'fail', ran), fake('c', ['b'], 'pass', ran), fake('d', ['a'], 'warn', ran), fake('e', ['c', 'd'], 'pass', ran)],
      },
    );
    expect(ran).toEqual(['a', 'b', 'd']);
    expect(results.map((result) => [result.id, result.status])).toEqual([
      ['a', 'pass'],
      ['b', 'fail'],
      ['c', 'skip'],
      ['d', 'warn'],
      ['e', 'skip'],
    ]);
    expect(results[2]?.message).toBe('Skipped: b must pass first.');
    expect(results[4]?.message).toBe('Skipped: b must pass first.');
  });

  it("a check that skips itself blocks nothing; a disabled check is left out; a thrown error is that check's fail", async () => {
    const ran: string[] = [];
    const results = await runDoctor(
      {},
      {
        checks: [fake('a', [], 'skip', ran), fake('b', ['a'], new Error('boom'), ran), fake('c', ['a'], 'pass', ran, { enabled: () => false }), fake('d', ['a'], 'pass', ran)],
      },
    );
    expect(ran).toEqual(['a', 'b', 'd']);
    expect(results.map((result) => result.id)).toEqual(['a', 'b', 'd']);
    expect(results[1]).toMatchObject({ status: 'fail', message: 'boom', code: 'INTERNAL' });
    expect(results[2]?.status).toBe('pass');
  });
});
