import { Delivered } from './timeline.stream.js';

describe('Delivered (repeats out, nothing else)', () => {
  const offer = (d: Delivered, events: [string, number][]) =>
    events.filter(([id, position]) => d.offer(id, BigInt(position))).map(([id]) => id);

  it('delivers events in position order and drops a repeat at or below the last position', () => {
    const d = new Delivered();
    expect(
      offer(d, [
        ['a', 1],
        ['b', 2],
        ['b', 2],
        ['a', 1],
        ['c', 5],
        ['d', 4],
      ]),
    ).toEqual(['a', 'b', 'c']);
    expect(d.position).toBe(5n);
  });

  it('drops what a resumed stream was given before its cursor', () => {
    const d = new Delivered(10n);
    expect(
      offer(d, [
        ['x', 9],
        ['y', 10],
        ['z', 11],
        ['z', 11],
      ]),
    ).toEqual(['z']);
  });

  it('drops an event published again under a new position after a failed relay round', () => {
    const d = new Delivered();
    expect(
      offer(d, [
        ['a', 1],
        ['b', 2],
        ['a', 7],
        ['b', 8],
        ['c', 9],
      ]),
    ).toEqual(['a', 'b', 'c']);
  });

  it('remembers the last `size` ids only', () => {
    const d = new Delivered(undefined, 2);
    expect(
      offer(d, [
        ['a', 1],
        ['b', 2],
        ['c', 3],
        ['a', 4],
        ['c', 5],
      ]),
    ).toEqual(['a', 'b', 'c', 'a']);
  });
});
