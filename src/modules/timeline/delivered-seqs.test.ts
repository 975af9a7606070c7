import { DeliveredSeqs } from './timeline.stream.js';

describe('DeliveredSeqs (duplicates out, late commits in)', () => {
  const offer = (d: DeliveredSeqs, seqs: number[]) => seqs.filter((s) => d.offer(BigInt(s)));

  it('delivers an event that arrives after a later-numbered one (commit order ≠ sequence order)', () => {
    const d = new DeliveredSeqs();
    expect(offer(d, [101, 100, 103, 102, 104])).toEqual([101, 100, 103, 102, 104]);
  });

  it('drops duplicates, also out of order', () => {
    const d = new DeliveredSeqs();
    expect(offer(d, [5, 6, 5, 7, 6, 4, 4, 7])).toEqual([5, 6, 7, 4]);
  });

  it('drops what a resumed stream was given before its cursor', () => {
    const d = new DeliveredSeqs(10n);
    expect(offer(d, [9, 10, 11, 12, 11])).toEqual([11, 12]);
  });

  it('keeps a bounded window: once full, a number older than all of it counts as given', () => {
    const d = new DeliveredSeqs(undefined, 4);
    expect(offer(d, [10, 11, 12, 13])).toEqual([10, 11, 12, 13]);
    expect(offer(d, [9, 14, 10, 15, 12, 16])).toEqual([14, 15, 16]); // window now 13–16 after 14, 15, 16
    expect(offer(d, [13, 17, 15])).toEqual([17]);
  });
});
