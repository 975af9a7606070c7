import { expect } from '@jest/globals';
import { parse } from 'graphql';

import { OperationCache } from './operation-cache.js';

describe('OperationCache', () => {
  const query = parse('query Q($n: Int) { clients(first: $n) { nodes { id } } }');

  it('keeps an entry per document, operation name, variables and extra parts', () => {
    const cache = new OperationCache<string>();
    const key = cache.key(query, 'Q', { n: 1 }, true)!;
    cache.set(query, key, 'planned');
    expect(cache.get(query, cache.key(query, 'Q', { n: 1 }, true)!)).toBe('planned');
    expect(cache.has(query, cache.key(query, 'Q', { n: 2 }, true)!)).toBe(false);
    expect(cache.has(query, cache.key(query, 'Q', { n: 1 }, false)!)).toBe(false);
    expect(cache.has(query, cache.key(query, null, { n: 1 }, true)!)).toBe(false);
    // Another parse of the same text is another document (Apollo keeps one per text).
    const again = parse('query Q($n: Int) { clients(first: $n) { nodes { id } } }');
    expect(cache.has(again, key)).toBe(false);
    cache.delete(query, key);
    expect(cache.has(query, key)).toBe(false);
  });

  it('keeps nothing for a document with a mutation or subscription, nor for a key over the length', () => {
    const cache = new OperationCache<string>({ maxKeyLength: 40 });
    const mutation = parse('query A { a } mutation B { b }');
    expect(cache.key(mutation, 'A', {})).toBeNull();
    expect(cache.key(query, 'Q', { n: 1 })).not.toBeNull();
    expect(cache.key(query, 'Q', { long: 'x'.repeat(40) })).toBeNull();
  });

  it('drops the entries of a document once it has as many as allowed', () => {
    const cache = new OperationCache<number>({ perDocument: 2 });
    const keys = [1, 2, 3].map((n) => cache.key(query, 'Q', { n })!);
    cache.set(query, keys[0], 1);
    cache.set(query, keys[1], 2);
    cache.set(query, keys[1], 2); // a known key adds nothing
    expect(cache.get(query, keys[0])).toBe(1);
    cache.set(query, keys[2], 3);
    expect([cache.has(query, keys[0]), cache.has(query, keys[1]), cache.get(query, keys[2])]).toEqual([
      false,
      false,
      3,
    ]);
  });
});
