/**
 * ask(question) through the GraphQL endpoint with the heuristic interpreter: the labelled set
 * (test/fixtures/ask) scored as `npm run eval:ask` does, tenancy with two tenants holding the same
 * data set, questions it cannot read, and bad input.
 */
import { formatAskReport, type Gql, loadAskFixtures, runAskEval, seedAskDataset } from '../src/modules/ask/ask.eval.js';
import { AskDocument } from './generated/graphql.js';
import { startTestServer, type TestServer, uniq } from './helpers/server.js';

/**
 * Measured on the labelled set (81 questions): 78 exact criteria, 79 same result sets. The floor
 * is those figures; the known misses are listed so a new one shows up by name.
 */
const CRITERIA_FLOOR = 78 / 81;
const RESULTS_FLOOR = 79 / 81;
const KNOWN_MISSES = ['deals worth more than 1000', 'clients named Rossi', 'whatsapp ricevuti oggi'];

describe('ask (heuristic interpreter)', () => {
  let server: TestServer;
  let tokenA: string;
  let tokenB: string;
  let idsA: Map<string, string>;
  let idsB: Map<string, string>;
  let today: string;
  const { dataset, questions } = loadAskFixtures();

  const gqlAs =
    (token: string): Gql =>
    async (query, variables) =>
      (await server.post({ query, variables }, { authorization: `Bearer ${token}` })).json as Awaited<ReturnType<Gql>>;

  beforeAll(async () => {
    server = await startTestServer();
    tokenA = await server.tokenFor(uniq('ask-a'), 'ADMIN');
    tokenB = await server.tokenFor(uniq('ask-b'), 'ADMIN');
    const tz = ((await gqlAs(tokenA)('{ tenant { timeZone } }')).data!.tenant as { timeZone: string }).timeZone;
    today = new Intl.DateTimeFormat('en-CA', { timeZone: tz }).format(new Date());
    // Two tenants with identically named members and records.
    idsA = await seedAskDataset(gqlAs(tokenA), dataset, today);
    idsB = await seedAskDataset(gqlAs(tokenB), dataset, today);
  }, 120_000);
  afterAll(() => server.close());

  it('reads the labelled set at or above the measured floor (exact criteria and same results)', async () => {
    const report = await runAskEval(gqlAs(tokenA), questions, today);
    const misses = report.cases.filter((c) => !c.criteriaMatch || !c.sameResults).map((c) => c.question);
    const unexpected = misses.filter((m) => !KNOWN_MISSES.includes(m));
    const floors = {
      criteria: report.criteriaAccuracy >= CRITERIA_FLOOR,
      results: report.resultAccuracy >= RESULTS_FLOOR,
    };
    const ok = unexpected.length === 0 && floors.criteria && floors.results;
    // On failure the whole report (accuracies and every miss, with what was read) is the diff.
    expect({ unexpected, floors, report: ok ? null : formatAskReport(report) }).toEqual({
      unexpected: [],
      floors: { criteria: true, results: true },
      report: null,
    });
    expect(questions.length).toBeGreaterThanOrEqual(60);
    expect(new Set(questions.map((q) => q.lang))).toEqual(new Set(['en', 'it', 'id']));
  }, 120_000);

  it('answers with the interpreter, the tree, a sentence and the records', async () => {
    const res = await server.gql(AskDocument, { question: 'pratiche attive di Marco' }, tokenA);
    expect(res.errors).toBeUndefined();
    const a = res.data!.ask;
    expect(a).toMatchObject({
      interpreter: 'HEURISTIC',
      fallbackReason: null,
      understood: true,
      code: null,
      entity: 'PRACTICE',
      unused: [],
      summary: 'Practices assigned to Marco Bianchi, with status other than completed, rejected or cancelled.',
    });
    expect(a.criteria!.groups[0].filters).toEqual([
      { field: 'assignedTo.email', operator: 'EQ', value: 'marco@agency.test' },
      { field: 'status', operator: 'NOT_IN', value: ['COMPLETED', 'REJECTED', 'CANCELLED'] },
    ]);
    // Marco's practices: p2 (INQUIRY), p6 (COMPLETED), p10 (APPROVED): the open ones are p2 and p10.
    expect(a.results!.nodes.map((n) => n.id).sort()).toEqual([idsA.get('p2'), idsA.get('p10')].sort());
    expect(a.results!.totalCount).toBe(2);
  });

  it('pages the results', async () => {
    const first = (await server.gql(AskDocument, { question: 'Italian clients', first: 2 }, tokenA)).data!.ask;
    expect(first.results!.totalCount).toBe(3);
    expect(first.results!.pageInfo.hasNextPage).toBe(true);
    const next = (
      await server.gql(
        AskDocument,
        { question: 'Italian clients', first: 2, after: first.results!.pageInfo.endCursor },
        tokenA,
      )
    ).data!.ask;
    const all = [...first.results!.nodes, ...next.results!.nodes].map((n) => n.id).sort();
    expect(all).toEqual([idsA.get('luca'), idsA.get('giulia'), idsA.get('anna')].sort());
  });

  it("never shows the other tenant's records of the same names", async () => {
    const idsOfB = new Set(idsB.values());
    const idsOfA = new Set(idsA.values());
    for (const question of ['Italian clients', 'clienti di Budi', 'siapa yang bertanya tentang PT PMA hari ini']) {
      for (const [token, own, other] of [
        [tokenA, idsOfA, idsOfB],
        [tokenB, idsOfB, idsOfA],
      ] as const) {
        const a = (await server.gql(AskDocument, { question, first: 100 }, token)).data!.ask;
        const got = a.results!.nodes.map((n) => n.id);
        expect(got.length).toBeGreaterThan(0);
        expect(got.every((id) => own.has(id) && !other.has(id))).toBe(true);
      }
    }
  });

  it('says NOT_UNDERSTOOD instead of running a broad query', async () => {
    for (const question of ['what is the weather like in Bali', '(a+)+$', 'show me everything important']) {
      const res = await server.gql(AskDocument, { question }, tokenA);
      expect(res.errors).toBeUndefined();
      expect(res.data!.ask).toMatchObject({
        understood: false,
        code: 'NOT_UNDERSTOOD',
        entity: null,
        criteria: null,
        results: null,
      });
      expect(res.data!.ask.summary).toMatch(/^Not understood: /);
    }
  });

  it('lists the words it did not use', async () => {
    const a = (await server.gql(AskDocument, { question: 'Italian clients with purple hats' }, tokenA)).data!.ask;
    expect(a.understood).toBe(true);
    expect(a.unused).toEqual(['purple hats']);
    expect(a.summary).toBe('Clients of nationality Italian.');
  });

  it('refuses a 10 kB question and an empty one with a code', async () => {
    const long = await server.gql(AskDocument, { question: 'clients '.repeat(1280) }, tokenA);
    expect(long.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'QUESTION_TOO_LONG' });
    const empty = await server.gql(AskDocument, { question: ' ?! ' }, tokenA);
    expect(empty.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'QUESTION_EMPTY' });
  });

  it('needs a signed-in caller', async () => {
    const res = await server.gql(AskDocument, { question: 'Italian clients' });
    expect(res.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});
