import { describe as describeTree } from './ask.describe.js';
import { interpretQuestion, monthOf, weekOf } from './ask.heuristic.js';
import type { AskVocabulary } from './ask.interpreter.js';

const vocabulary: AskVocabulary = {
  members: [
    { name: 'Maria Rossi', email: 'maria@a.test' },
    { name: 'Maria Dewi', email: 'dewi@a.test' },
    { name: 'Marco Bianchi', email: 'marco@a.test' },
  ],
  practiceTypes: [
    { code: 'KITAS', name: 'KITAS work permit' },
    { code: 'INVESTOR_KITAS', name: 'Investor KITAS' },
    { code: 'PT_PMA', name: 'PT PMA company formation' },
  ],
  today: '2026-02-10',
  timeZone: 'Asia/Makassar',
};
const read = (q: string) => interpretQuestion(q, vocabulary);

describe('heuristic ask interpreter', () => {
  it('names every member of a first name (IN) and one by full name (EQ)', () => {
    expect(read('practices of Maria')).toMatchObject({
      criteria: {
        groups: [{ filters: [{ field: 'assignedTo.email', operator: 'IN', value: ['maria@a.test', 'dewi@a.test'] }] }],
      },
    });
    expect(read('practices of Maria Dewi')).toMatchObject({
      criteria: { groups: [{ filters: [{ field: 'assignedTo.email', operator: 'EQ', value: 'dewi@a.test' }] }] },
    });
  });

  it('prefers the longest practice type ("investor KITAS" is not KITAS)', () => {
    expect(read('practices investor kitas')).toMatchObject({
      criteria: { groups: [{ filters: [{ field: 'type.code', operator: 'EQ', value: 'INVESTOR_KITAS' }] }] },
    });
  });

  it('computes calendar windows in the given today', () => {
    expect(monthOf('2026-02-10')).toEqual(['2026-02-01', '2026-02-28']);
    expect(monthOf('2028-02-10')).toEqual(['2028-02-01', '2028-02-29']);
    expect(weekOf('2026-02-10')).toEqual(['2026-02-09', '2026-02-15']);
    expect(read('trattative in chiusura questo mese')).toMatchObject({
      entity: 'DEAL',
      criteria: {
        groups: [
          { filters: [{ field: 'expectedCloseDate', operator: 'BETWEEN', value: ['2026-02-01', '2026-02-28'] }] },
        ],
      },
    });
  });

  it('uses quoted text as a literal and keeps it out of the word rules', () => {
    expect(read('tickets "KITAS Maria"')).toMatchObject({
      entity: 'TICKET',
      criteria: { groups: [{ filters: [{ field: 'subject', operator: 'CONTAINS', value: 'KITAS Maria' }] }] },
      unused: [],
    });
  });

  it('does not use a condition the record kind lacks, and says so', () => {
    expect(read('open deals of KITAS')).toMatchObject({ understood: true, entity: 'DEAL', unused: ['KITAS'] });
    // With nothing else, "all deals" would be a broad answer to a narrow question.
    expect(read('deals of KITAS')).toMatchObject({ understood: false, unused: ['KITAS'] });
  });

  it('refuses a question with no record kind, and one with only unknown words', () => {
    expect(read('hello there')).toMatchObject({ understood: false });
    expect(read('clients purple')).toMatchObject({ understood: false, unused: ['purple'] });
    expect(read('all clients')).toMatchObject({ understood: true, entity: 'CLIENT', criteria: { groups: [] } });
  });

  it('says in one sentence what it understood', () => {
    const r = read('practices in progress assigned to Marco');
    if (!r.understood) throw new Error('not understood');
    expect(describeTree(r.entity, r.criteria, vocabulary)).toBe(
      'Practices assigned to Marco Bianchi, with status in progress.',
    );
  });
});
