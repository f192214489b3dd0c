import { describe, expect, it } from 'vitest';
import { PrintSlots } from './print-slots.ts';

const settled = async <T>(p: Promise<T>) => {
  let state = 'pending';
  p.then(() => (state = 'resolved'), () => (state = 'rejected'));
  await new Promise((r) => setImmediate(r));
  return state;
};

describe('PrintSlots', () => {
  it('lets `size` prints through at once and the next ones in arrival order', async () => {
    const slots = new PrintSlots(2);
    const a = await slots.acquire();
    const b = await slots.acquire();
    const order: string[] = [];
    const c = slots.acquire().then((r) => (order.push('c'), r));
    const d = slots.acquire().then((r) => (order.push('d'), r));
    expect(await settled(c)).toBe('pending');
    expect(slots.waiting).toBe(2);
    b();
    b(); // a second call of the same release frees nothing more
    const releaseC = await c;
    expect(await settled(d)).toBe('pending');
    a();
    const releaseD = await d;
    expect(order).toEqual(['c', 'd']);
    releaseC();
    releaseD();
    // All free again: two at once, a third waits.
    await slots.acquire();
    await slots.acquire();
    expect(await settled(slots.acquire())).toBe('pending');
  });

  it('a cancelled wait leaves the queue and rejects with JOB_CANCELLED; the slot goes to the next', async () => {
    const slots = new PrintSlots(1);
    const first = await slots.acquire();
    const controller = new AbortController();
    const cancelled = slots.acquire(controller.signal);
    const next = slots.acquire();
    controller.abort();
    await expect(cancelled).rejects.toMatchObject({ code: 'JOB_CANCELLED' });
    expect(slots.waiting).toBe(1);
    first();
    expect(await settled(next)).toBe('resolved');
    await expect(slots.acquire(AbortSignal.abort())).rejects.toMatchObject({ code: 'JOB_CANCELLED' });
  });

  it('refuses a size that is not a whole number ≥ 1', () => {
    expect(() => new PrintSlots(0)).toThrow(RangeError);
    expect(() => new PrintSlots(1.5)).toThrow(RangeError);
  });
});
