/**
 * Quotes through the real GraphQL endpoint: creation with computed amounts, DRAFT-only updates,
 * send / accept / reject (and what accepting moves), the expiry schedule with the app clock moved,
 * lists and the quotes of clients, deals and practices (batched), tenancy and roles.
 */
import {
  AcceptQuoteDocument,
  ClientsWithQuotesDocument,
  CreateClientDocument,
  CreateDealDocument,
  CreatePracticeDocument,
  CreateQuoteDocument,
  type CreateQuoteInput,
  DealsAndPracticesWithQuotesDocument,
  PracticeByIdDocument,
  QuoteByIdDocument,
  type QuoteFieldsFragment,
  type QuoteFilter,
  type QuoteOrder,
  QuotesOfParentsDocument,
  QuotesPageDocument,
  QuoteTimelineDocument,
  RejectQuoteDocument,
  SendQuoteDocument,
  TransitionPracticeDocument,
  UpdateQuoteDocument,
  type UpdateQuoteInput,
} from './generated/graphql.js';
import { startTestServer, type TestServer, uniq } from './helpers/server.js';

const NIL_UUID = '00000000-0000-4000-8000-000000000000';
/** A well-formed global ID of `type` that names no row. */
const missingId = (type: string) => Buffer.from(`${type}:${NIL_UUID}`).toString('base64url');

/** The tests' "today" in the tenants' time zone (Asia/Makassar, UTC+8). */
const TODAY = '2027-03-01';
const makassarNoon = (date: string) => `${date}T04:00:00Z`;
function plus(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

type Amounts = Record<'subtotal' | 'discount' | 'tax' | 'total', { amount: string }>;
/** A quote's or line's subtotal, discount, tax and total amounts, in that order. */
const amounts = (q: Amounts) => [q.subtotal.amount, q.discount.amount, q.tax.amount, q.total.amount];

const LINE = { description: 'KITAS service fee', quantity: '2', unitPrice: '1500000', taxRate: '11' };

describe('Quotes', () => {
  let server: TestServer;
  const tenantA = uniq('quotes-a');
  const tenantB = uniq('quotes-b');
  let adminA: string;
  let agentA: string;
  let viewerA: string;
  let adminB: string;
  let clientA: string;
  let client2A: string;
  let clientB: string;
  let dealB: string;
  let practiceB: string;
  let quoteB: QuoteFieldsFragment;

  const ok = <T extends { userErrors: unknown[] }>(payload: T | undefined): T => {
    expect(payload?.userErrors).toEqual([]);
    return payload!;
  };
  const createClient = async (fullName: string, token = adminA) =>
    ok((await server.gql(CreateClientDocument, { input: { fullName } }, token)).data?.createClient).client!.id;
  const createDeal = async (clientId: string, token = adminA) =>
    ok((await server.gql(CreateDealDocument, { input: { title: 'Quote deal', clientId } }, token)).data?.createDeal)
      .deal!.id;
  const createPractice = async (clientId: string, token = adminA) =>
    ok(
      (await server.gql(CreatePracticeDocument, { input: { clientId, practiceTypeCode: 'KITAS' } }, token)).data
        ?.createPractice,
    ).practice!.id;
  const createQuote = async (input: CreateQuoteInput, token = adminA) => {
    const res = await server.gql(CreateQuoteDocument, { input }, token);
    expect(res.errors).toBeUndefined();
    return ok(res.data?.createQuote).quote!;
  };
  const readQuote = async (id: string, token = adminA) => {
    const res = await server.gql(QuoteByIdDocument, { id }, token);
    expect(res.errors).toBeUndefined();
    return res.data!.quote;
  };
  const quoteCount = async (token = adminA) =>
    (await server.gql(QuotesPageDocument, { first: 1 }, token)).data!.quotes.totalCount;
  const lastNumber = async (token = adminA) =>
    (await server.gql(QuotesPageDocument, { first: 1, orderBy: { field: 'NUMBER', direction: 'DESC' } }, token)).data!
      .quotes.edges[0]?.node.number ?? 0;
  const send = async (id: string, token = adminA) =>
    ok((await server.gql(SendQuoteDocument, { input: { id } }, token)).data?.sendQuote).quote!;
  const sentQuote = async (input: Partial<CreateQuoteInput> = {}) =>
    send((await createQuote({ clientId: clientA, lineItems: [LINE], ...input })).id);
  const practiceStatus = async (id: string) =>
    (await server.gql(PracticeByIdDocument, { id }, adminA)).data!.practice!.status;
  const eventsOf = async (quoteId: string) => {
    const res = await server.gql(QuoteTimelineDocument, { first: 100, filter: { quoteId } }, adminA);
    expect(res.errors).toBeUndefined();
    return res.data!.timeline.nodes;
  };

  beforeAll(async () => {
    server = await startTestServer();
    server.app.services.clock.set(makassarNoon(TODAY));
    [adminA, agentA, viewerA, adminB] = await Promise.all([
      server.tokenFor(tenantA, 'ADMIN'),
      server.tokenFor(tenantA, 'AGENT'),
      server.tokenFor(tenantA, 'VIEWER'),
      server.tokenFor(tenantB, 'ADMIN'),
    ]);
    clientA = await createClient('Quinn Quote');
    client2A = await createClient('Other Quote');
    clientB = await createClient('Bea Quote', adminB);
    dealB = await createDeal(clientB, adminB);
    practiceB = await createPractice(clientB, adminB);
    quoteB = await createQuote({ clientId: clientB, lineItems: [LINE], notes: 'B' }, adminB);
  });
  beforeEach(() => server.app.services.clock.set(makassarNoon(TODAY)));
  afterAll(() => server.close());

  describe('createQuote', () => {
    it('drafts a quote with the next number, the tenant currency, 30 days of validity and computed amounts', async () => {
      const before = await lastNumber();
      const quote = await createQuote(
        {
          clientId: clientA,
          notes: '  Includes sponsor letter  ',
          lineItems: [LINE, { description: 'Photos', unitPrice: '50000', discountPercent: '100' }],
        },
        agentA,
      );
      expect(quote).toMatchObject({
        number: before + 1,
        status: 'DRAFT',
        currency: 'IDR',
        validUntil: plus(TODAY, 30),
        notes: 'Includes sponsor letter',
        sentAt: null,
        client: { id: clientA },
        deal: null,
        practice: null,
        subtotal: { amount: '3050000.00', currency: 'IDR' },
        discount: { amount: '50000.00', currency: 'IDR' },
        tax: { amount: '330000.00', currency: 'IDR' },
        total: { amount: '3330000.00', currency: 'IDR' },
      });
      expect(quote.lineItems).toEqual([
        {
          position: 1,
          description: 'KITAS service fee',
          quantity: '2.00',
          unitPrice: '1500000.00',
          discountPercent: '0.00',
          taxRate: '11.00',
          subtotal: { amount: '3000000.00', currency: 'IDR' },
          discount: { amount: '0.00', currency: 'IDR' },
          tax: { amount: '330000.00', currency: 'IDR' },
          total: { amount: '3330000.00', currency: 'IDR' },
        },
        expect.objectContaining({ position: 2, quantity: '1.00', total: { amount: '0.00', currency: 'IDR' } }),
      ]);
      expect(await readQuote(quote.id)).toEqual(quote);
      const [created] = await eventsOf(quote.id);
      expect(created).toMatchObject({
        type: 'QUOTE_CREATED',
        subject: { __typename: 'Quote', id: quote.id, number: quote.number },
        data: { after: { status: 'DRAFT', lineItems: 2, total: { amount: '3330000.00', currency: 'IDR' } } },
      });
    });

    it('rounds each line half-up to the currency: whole rupiah for IDR, cents for EUR (0.005 → 0.01)', async () => {
      const lines = [
        { description: 'Half cent', quantity: '0.5', unitPrice: '0.01' },
        { description: 'Tie on tax', unitPrice: '10.05', discountPercent: '50', taxRate: '12.5' },
      ];
      const eur = await createQuote({ clientId: clientA, currency: 'eur', lineItems: lines });
      expect(eur.currency).toBe('EUR');
      expect(eur.lineItems.map((l) => l.total.amount)).toEqual(['0.01', '5.65']);
      expect(amounts(eur)).toEqual(['10.06', '5.03', '0.63', '5.66']);
      const idr = await createQuote({
        clientId: clientA,
        lineItems: [{ description: 'Third', quantity: '3', unitPrice: '333', discountPercent: '10', taxRate: '11' }],
      });
      // 999; discount 99.9 → 100; tax 11 % of 899 = 98.89 → 99; total 998.
      expect(amounts(idr)).toEqual(['999.00', '100.00', '99.00', '998.00']);
    });

    it('rounds every line before summing on a quote of many lines, and handles a 100 % discount and a zero tax rate', async () => {
      // 200 lines of 0.05 EUR at 10 % discount and 10 % tax: each line's discount 0.005 rounds up to
      // 0.01 and its tax 0.004 down to 0.00, so the quote is 10.00 − 2.00 + 0.00 = 8.00 (rounding
      // the quote as a whole instead would give 10.00 − 1.00 + 0.90 = 9.90).
      const many = await createQuote({
        clientId: clientA,
        currency: 'EUR',
        lineItems: Array.from({ length: 200 }, (_, i) => ({
          description: `Stamp ${i + 1}`,
          unitPrice: '0.05',
          discountPercent: '10',
          taxRate: '10',
        })),
      });
      expect(many.lineItems).toHaveLength(200);
      expect(new Set(many.lineItems.map((l) => [l.discount.amount, l.tax.amount, l.total.amount].join()))).toEqual(
        new Set(['0.01,0.00,0.04']),
      );
      expect(amounts(many)).toEqual(['10.00', '2.00', '0.00', '8.00']);
      // A 100 % discount leaves nothing to tax; a zero tax rate adds nothing.
      const edges = await createQuote({
        clientId: clientA,
        currency: 'EUR',
        lineItems: [
          { description: 'Waived', quantity: '3', unitPrice: '1234.56', discountPercent: '100', taxRate: '11' },
          { description: 'Untaxed', quantity: '1.5', unitPrice: '99.99', taxRate: '0' },
        ],
      });
      expect(edges.lineItems.map(amounts)).toEqual([
        ['3703.68', '3703.68', '0.00', '0.00'],
        // 1.5 × 99.99 = 149.985 → 149.99
        ['149.99', '0.00', '0.00', '149.99'],
      ]);
      expect(amounts(edges)).toEqual(['3853.67', '3703.68', '0.00', '149.99']);
      expect(await readQuote(many.id)).toEqual(many);
    });

    it('links a deal and a practice of the client', async () => {
      const deal = await createDeal(clientA);
      const practice = await createPractice(clientA);
      const quote = await createQuote({ clientId: clientA, dealId: deal, practiceId: practice, lineItems: [LINE] });
      expect(quote).toMatchObject({ deal: { id: deal }, practice: { id: practice } });
    });

    it('returns userErrors for bad input, creates nothing and uses up no number', async () => {
      const count = await quoteCount();
      const number = await lastNumber();
      const deal2 = await createDeal(client2A);
      const cases: [Partial<CreateQuoteInput>, string[], string][] = [
        [{ currency: 'EU' }, ['currency'], 'INVALID_CURRENCY'],
        [{ validUntil: plus(TODAY, -1) }, ['validUntil'], 'IN_THE_PAST'],
        [{ validUntil: '2027-02-30' }, ['validUntil'], 'INVALID_DATE'],
        [{ notes: 'n'.repeat(10_001) }, ['notes'], 'INVALID_LENGTH'],
        [{ dealId: deal2 }, ['dealId'], 'CLIENT_MISMATCH'],
        [{ lineItems: [{ ...LINE, description: '  ' }] }, ['lineItems', '0', 'description'], 'INVALID_LENGTH'],
        [{ lineItems: [LINE, { ...LINE, quantity: '0' }] }, ['lineItems', '1', 'quantity'], 'OUT_OF_RANGE'],
        [{ lineItems: [{ ...LINE, unitPrice: '-1' }] }, ['lineItems', '0', 'unitPrice'], 'NEGATIVE_AMOUNT'],
        [{ lineItems: [{ ...LINE, unitPrice: '10.50' }] }, ['lineItems', '0', 'unitPrice'], 'TOO_MANY_DECIMALS'],
        [
          { lineItems: [{ ...LINE, discountPercent: '100.01' }] },
          ['lineItems', '0', 'discountPercent'],
          'OUT_OF_RANGE',
        ],
        [{ lineItems: [{ ...LINE, taxRate: '-1' }] }, ['lineItems', '0', 'taxRate'], 'OUT_OF_RANGE'],
        [{ lineItems: Array.from({ length: 201 }, () => LINE) }, ['lineItems'], 'TOO_MANY_LINES'],
        [
          {
            lineItems: Array.from({ length: 200 }, () => ({ ...LINE, quantity: '1000000', unitPrice: '999999999999' })),
          },
          ['lineItems'],
          'AMOUNT_TOO_LARGE',
        ],
      ];
      for (const [patch, field, code] of cases) {
        const res = await server.gql(CreateQuoteDocument, { input: { clientId: clientA, ...patch } }, adminA);
        expect(res.errors).toBeUndefined();
        expect({ patch: Object.keys(patch), payload: res.data?.createQuote }).toMatchObject({
          payload: { quote: null, userErrors: [{ field: ['input', ...field], code }] },
        });
      }
      expect(await quoteCount()).toBe(count);
      expect((await createQuote({ clientId: clientA })).number).toBe(number + 1);
    });

    it('gives NOT_FOUND on the field for a foreign, missing or wrongly typed client, deal or practice', async () => {
      const count = await quoteCount();
      const cases: [Partial<CreateQuoteInput>, string][] = [
        [{ clientId: clientB }, 'clientId'],
        [{ clientId: missingId('Client') }, 'clientId'],
        [{ clientId: dealB }, 'clientId'],
        [{ dealId: dealB }, 'dealId'],
        [{ practiceId: practiceB }, 'practiceId'],
        [{ practiceId: missingId('Practice') }, 'practiceId'],
      ];
      for (const [patch, field] of cases) {
        const res = await server.gql(CreateQuoteDocument, { input: { clientId: clientA, ...patch } }, adminA);
        expect(res.data?.createQuote).toMatchObject({
          quote: null,
          userErrors: [{ field: ['input', field], code: 'NOT_FOUND' }],
        });
      }
      expect(await quoteCount()).toBe(count);
      expect(await quoteCount(adminB)).toBe(1);
    });

    it('gives FORBIDDEN to a VIEWER, and creates nothing', async () => {
      const count = await quoteCount();
      const res = await server.gql(CreateQuoteDocument, { input: { clientId: clientA, lineItems: [LINE] } }, viewerA);
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(await quoteCount()).toBe(count);
    });

    it('never gives two concurrent creates in one tenant the same number', async () => {
      const token = await server.tokenFor(uniq('quotes-rush'));
      const client = await createClient('Rush', token);
      const results = await Promise.all(
        Array.from({ length: 12 }, () => server.gql(CreateQuoteDocument, { input: { clientId: client } }, token)),
      );
      const numbers = results.map((r) => r.data!.createQuote.quote!.number).sort((a, b) => a - b);
      expect(numbers).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    });
  });

  describe('updateQuote', () => {
    it('changes notes, validUntil, links and lines of a DRAFT, recomputing the amounts; a new currency recomputes the kept lines', async () => {
      const practice = await createPractice(clientA);
      const quote = await createQuote({ clientId: clientA, notes: 'Old', lineItems: [LINE] });
      const res = await server.gql(
        UpdateQuoteDocument,
        {
          input: {
            id: quote.id,
            notes: null,
            validUntil: plus(TODAY, 10),
            practiceId: practice,
            lineItems: [{ description: 'Only line', unitPrice: '1000', quantity: '3' }],
          },
        },
        agentA,
      );
      const updated = ok(res.data?.updateQuote).quote!;
      expect(updated).toMatchObject({
        number: quote.number,
        notes: null,
        validUntil: plus(TODAY, 10),
        practice: { id: practice },
        total: { amount: '3000.00', currency: 'IDR' },
      });
      expect(updated.lineItems.map((l) => [l.position, l.description])).toEqual([[1, 'Only line']]);
      expect(await readQuote(quote.id)).toEqual(updated);
      const eur = ok(
        (await server.gql(UpdateQuoteDocument, { input: { id: quote.id, currency: 'EUR' } }, adminA)).data?.updateQuote,
      ).quote!;
      expect(eur.total).toEqual({ amount: '3000.00', currency: 'EUR' });
      expect(eur.lineItems[0].total.currency).toBe('EUR');
      const [last, first] = await eventsOf(quote.id);
      expect(first).toMatchObject({
        type: 'QUOTE_UPDATED',
        data: {
          before: { notes: 'Old', total: { amount: '3330000.00' } },
          after: { notes: null, total: { amount: '3000.00' }, validUntil: plus(TODAY, 10), practice },
        },
      });
      expect(last.data).toMatchObject({
        before: { currency: 'IDR', total: { currency: 'IDR' } },
        after: { currency: 'EUR', total: { amount: '3000.00', currency: 'EUR' } },
      });
    });

    it('returns userErrors for bad input (a bad line, an IDR price with cents after a currency change), and changes nothing', async () => {
      const quote = await createQuote({
        clientId: clientA,
        currency: 'EUR',
        lineItems: [{ ...LINE, unitPrice: '10.50' }],
      });
      const cases: [Omit<UpdateQuoteInput, 'id'>, string[], string][] = [
        [{ lineItems: [{ ...LINE, quantity: '-2' }] }, ['lineItems', '0', 'quantity'], 'OUT_OF_RANGE'],
        [{ currency: 'IDR' }, ['lineItems', '0', 'unitPrice'], 'TOO_MANY_DECIMALS'],
        [{ validUntil: plus(TODAY, -3) }, ['validUntil'], 'IN_THE_PAST'],
        [{ validUntil: null }, ['validUntil'], 'REQUIRED'],
        [{ dealId: await createDeal(client2A) }, ['dealId'], 'CLIENT_MISMATCH'],
      ];
      for (const [patch, field, code] of cases) {
        const res = await server.gql(
          UpdateQuoteDocument,
          { input: { id: quote.id, notes: 'changed', ...patch } },
          adminA,
        );
        expect(res.data?.updateQuote).toMatchObject({
          quote: null,
          userErrors: [{ field: ['input', ...field], code }],
        });
      }
      expect(await readQuote(quote.id)).toEqual(quote);
    });

    it('refuses to change a quote that is no longer a DRAFT (QUOTE_NOT_DRAFT), and changes nothing', async () => {
      const quote = await sentQuote();
      const res = await server.gql(UpdateQuoteDocument, { input: { id: quote.id, notes: 'Too late' } }, adminA);
      expect(res.data?.updateQuote).toMatchObject({
        quote: null,
        userErrors: [{ field: ['input', 'id'], code: 'QUOTE_NOT_DRAFT' }],
      });
      expect(await readQuote(quote.id)).toEqual(quote);
    });

    it("gives top-level NOT_FOUND for another tenant's, a missing or a non-quote id; NOT_FOUND on dealId for another tenant's deal", async () => {
      for (const id of [quoteB.id, missingId('Quote'), clientA]) {
        const res = await server.gql(UpdateQuoteDocument, { input: { id, notes: 'Hijacked' } }, adminA);
        expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      }
      expect(await readQuote(quoteB.id, adminB)).toEqual(quoteB);
      const own = await createQuote({ clientId: clientA });
      const res = await server.gql(UpdateQuoteDocument, { input: { id: own.id, dealId: dealB, notes: 'x' } }, adminA);
      expect(res.data?.updateQuote.userErrors).toMatchObject([{ field: ['input', 'dealId'], code: 'NOT_FOUND' }]);
      expect(await readQuote(own.id)).toEqual(own);
    });

    it('gives FORBIDDEN to a VIEWER, and changes nothing', async () => {
      const quote = await createQuote({ clientId: clientA });
      const res = await server.gql(UpdateQuoteDocument, { input: { id: quote.id, notes: 'Viewer' } }, viewerA);
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(await readQuote(quote.id)).toEqual(quote);
    });
  });

  describe('sendQuote', () => {
    it('sends a DRAFT and moves a linked practice in INQUIRY to QUOTATION_SENT', async () => {
      const practice = await createPractice(clientA);
      const draft = await createQuote({ clientId: clientA, practiceId: practice, lineItems: [LINE] });
      const sent = await send(draft.id, agentA);
      expect(sent).toMatchObject({ status: 'SENT', number: draft.number, total: draft.total });
      expect(sent.sentAt).not.toBeNull();
      expect(await practiceStatus(practice)).toBe('QUOTATION_SENT');
      expect((await eventsOf(draft.id)).map((e) => e.type)).toEqual(['QUOTE_SENT', 'QUOTE_CREATED']);
    });

    it('refuses a quote without lines, one past its validity and one already sent, and changes nothing', async () => {
      const empty = await createQuote({ clientId: clientA });
      const noLines = await server.gql(SendQuoteDocument, { input: { id: empty.id } }, adminA);
      expect(noLines.data?.sendQuote).toMatchObject({ quote: null, userErrors: [{ code: 'NO_LINE_ITEMS' }] });
      expect(await readQuote(empty.id)).toEqual(empty);

      const stale = await createQuote({ clientId: clientA, validUntil: TODAY, lineItems: [LINE] });
      server.app.services.clock.set(makassarNoon(plus(TODAY, 1)));
      const late = await server.gql(SendQuoteDocument, { input: { id: stale.id } }, adminA);
      expect(late.data?.sendQuote).toMatchObject({ quote: null, userErrors: [{ code: 'VALIDITY_PASSED' }] });
      expect(await readQuote(stale.id)).toEqual(stale);

      server.app.services.clock.set(makassarNoon(TODAY));
      const sent = await sentQuote();
      const again = await server.gql(SendQuoteDocument, { input: { id: sent.id } }, adminA);
      expect(again.data?.sendQuote).toMatchObject({
        quote: null,
        userErrors: [{ field: ['input', 'id'], code: 'ILLEGAL_TRANSITION' }],
      });
      expect(await readQuote(sent.id)).toEqual(sent);
    });

    it("gives NOT_FOUND for another tenant's quote and FORBIDDEN to a VIEWER, changing nothing", async () => {
      const res = await server.gql(SendQuoteDocument, { input: { id: quoteB.id } }, adminA);
      expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect(await readQuote(quoteB.id, adminB)).toEqual(quoteB);
      const draft = await createQuote({ clientId: clientA, lineItems: [LINE] });
      const viewer = await server.gql(SendQuoteDocument, { input: { id: draft.id } }, viewerA);
      expect(viewer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(await readQuote(draft.id)).toEqual(draft);
    });
  });

  describe('acceptQuote', () => {
    it('accepts a SENT quote, moving its practice QUOTATION_SENT → PAYMENT_PENDING and winning its deal, with the events', async () => {
      const deal = await createDeal(clientA);
      const practice = await createPractice(clientA);
      const quote = await sentQuote({ dealId: deal, practiceId: practice });
      expect(await practiceStatus(practice)).toBe('QUOTATION_SENT');
      const res = await server.gql(AcceptQuoteDocument, { input: { id: quote.id } }, agentA);
      const accepted = ok(res.data?.acceptQuote).quote!;
      expect(accepted.status).toBe('ACCEPTED');
      expect(accepted.closedAt).not.toBeNull();
      const parents = await server.gql(QuotesOfParentsDocument, { client: clientA, deal, practice }, adminA);
      expect(parents.data?.deal).toMatchObject({ status: 'WON', stage: { kind: 'WON' } });
      expect(parents.data?.practice?.status).toBe('PAYMENT_PENDING');
      const [acceptedEvent] = await eventsOf(quote.id);
      expect(acceptedEvent).toMatchObject({
        type: 'QUOTE_ACCEPTED',
        data: {
          before: { status: 'SENT' },
          after: { status: 'ACCEPTED', practiceMovedTo: 'PAYMENT_PENDING', dealWon: true, total: quote.total },
        },
      });
      const clientEvents = await server.gql(
        QuoteTimelineDocument,
        { first: 5, filter: { clientId: clientA, types: ['QUOTE_ACCEPTED', 'PRACTICE_STATUS_CHANGED', 'DEAL_WON'] } },
        adminA,
      );
      expect(
        clientEvents
          .data!.timeline.nodes.slice(0, 3)
          .map((e) => e.type)
          .sort(),
      ).toEqual(['DEAL_WON', 'PRACTICE_STATUS_CHANGED', 'QUOTE_ACCEPTED']);
    });

    it('leaves a practice past QUOTATION_SENT and a closed deal as they are', async () => {
      const practice = await createPractice(clientA);
      const quote = await sentQuote({ practiceId: practice }); // INQUIRY → QUOTATION_SENT
      await server.gql(TransitionPracticeDocument, { input: { id: practice, status: 'PAYMENT_PENDING' } }, adminA);
      await server.gql(TransitionPracticeDocument, { input: { id: practice, status: 'IN_PROGRESS' } }, adminA);
      const accepted = ok(
        (await server.gql(AcceptQuoteDocument, { input: { id: quote.id } }, adminA)).data?.acceptQuote,
      );
      expect(accepted.quote?.status).toBe('ACCEPTED');
      expect(await practiceStatus(practice)).toBe('IN_PROGRESS');
      expect((await eventsOf(quote.id))[0].data).toMatchObject({ after: { practiceMovedTo: null, dealWon: false } });
    });

    it('refuses a DRAFT, a quote past validUntil and an accepted one, and changes nothing (nor its practice or deal)', async () => {
      const draft = await createQuote({ clientId: clientA, lineItems: [LINE] });
      const res = await server.gql(AcceptQuoteDocument, { input: { id: draft.id } }, adminA);
      expect(res.data?.acceptQuote).toMatchObject({ quote: null, userErrors: [{ code: 'ILLEGAL_TRANSITION' }] });
      expect(await readQuote(draft.id)).toEqual(draft);

      const practice = await createPractice(clientA);
      const deal = await createDeal(clientA);
      const late = await sentQuote({ validUntil: plus(TODAY, 2), practiceId: practice, dealId: deal });
      server.app.services.clock.set(makassarNoon(plus(TODAY, 3)));
      const tooLate = await server.gql(AcceptQuoteDocument, { input: { id: late.id } }, adminA);
      expect(tooLate.data?.acceptQuote).toMatchObject({ quote: null, userErrors: [{ code: 'VALIDITY_PASSED' }] });
      expect(await readQuote(late.id)).toEqual(late);
      const parents = await server.gql(QuotesOfParentsDocument, { client: clientA, deal, practice }, adminA);
      expect([parents.data?.deal?.status, parents.data?.practice?.status]).toEqual(['OPEN', 'QUOTATION_SENT']);

      server.app.services.clock.set(makassarNoon(TODAY));
      const once = await sentQuote();
      ok((await server.gql(AcceptQuoteDocument, { input: { id: once.id } }, adminA)).data?.acceptQuote);
      const twice = await server.gql(AcceptQuoteDocument, { input: { id: once.id } }, adminA);
      expect(twice.data?.acceptQuote.userErrors).toMatchObject([{ code: 'ILLEGAL_TRANSITION' }]);
    });

    it("gives NOT_FOUND for another tenant's quote and FORBIDDEN to a VIEWER, changing nothing", async () => {
      const sentB = await (async () => {
        const res = await server.gql(SendQuoteDocument, { input: { id: quoteB.id } }, adminB);
        return ok(res.data?.sendQuote).quote!;
      })();
      const res = await server.gql(AcceptQuoteDocument, { input: { id: sentB.id } }, adminA);
      expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect(await readQuote(sentB.id, adminB)).toEqual(sentB);
      quoteB = sentB;
      const quote = await sentQuote();
      const viewer = await server.gql(AcceptQuoteDocument, { input: { id: quote.id } }, viewerA);
      expect(viewer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(await readQuote(quote.id)).toEqual(quote);
    });
  });

  describe('rejectQuote', () => {
    it('rejects a SENT quote with a reason', async () => {
      const quote = await sentQuote();
      const res = await server.gql(RejectQuoteDocument, { input: { id: quote.id, reason: ' Too expensive ' } }, agentA);
      expect(ok(res.data?.rejectQuote).quote).toMatchObject({ status: 'REJECTED', rejectionReason: 'Too expensive' });
      expect((await eventsOf(quote.id))[0]).toMatchObject({
        type: 'QUOTE_REJECTED',
        data: { before: { status: 'SENT' }, after: { status: 'REJECTED', reason: 'Too expensive' } },
      });
    });

    it('refuses a too long reason and a DRAFT, and changes nothing', async () => {
      const quote = await sentQuote();
      const long = await server.gql(RejectQuoteDocument, { input: { id: quote.id, reason: 'r'.repeat(501) } }, adminA);
      expect(long.data?.rejectQuote).toMatchObject({
        quote: null,
        userErrors: [{ field: ['input', 'reason'], code: 'INVALID_LENGTH' }],
      });
      expect(await readQuote(quote.id)).toEqual(quote);
      const draft = await createQuote({ clientId: clientA });
      const res = await server.gql(RejectQuoteDocument, { input: { id: draft.id } }, adminA);
      expect(res.data?.rejectQuote.userErrors).toMatchObject([{ code: 'ILLEGAL_TRANSITION' }]);
      expect(await readQuote(draft.id)).toEqual(draft);
    });

    it("gives NOT_FOUND for another tenant's quote and FORBIDDEN to a VIEWER, changing nothing", async () => {
      const res = await server.gql(RejectQuoteDocument, { input: { id: quoteB.id, reason: 'no' } }, adminA);
      expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect(await readQuote(quoteB.id, adminB)).toEqual(quoteB);
      const quote = await sentQuote();
      const viewer = await server.gql(RejectQuoteDocument, { input: { id: quote.id } }, viewerA);
      expect(viewer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(await readQuote(quote.id)).toEqual(quote);
    });
  });

  describe('expiry schedule', () => {
    it('expires SENT quotes once the tenant-local day passes validUntil, once each however many runs race', async () => {
      const token = await server.tokenFor(uniq('quotes-expiry'));
      const client = await createClient('Expiring', token);
      const mk = async (validUntil: string, sendIt: boolean) => {
        const q = await createQuote({ clientId: client, validUntil, lineItems: [LINE] }, token);
        return sendIt
          ? ok((await server.gql(SendQuoteDocument, { input: { id: q.id } }, token)).data?.sendQuote).quote!
          : q;
      };
      const today = await mk(TODAY, true);
      const tomorrow = await mk(plus(TODAY, 1), true);
      const draft = await mk(TODAY, false);
      const expire = () => server.app.services.quotes.expireDue(server.app.db.orm.em);
      const status = async (id: string) => (await readQuote(id, token))!.status;

      await expire(); // 2027-03-01: nothing is past its validity yet
      expect([await status(today.id), await status(tomorrow.id)]).toEqual(['SENT', 'SENT']);
      // 16:30 UTC on 03-01 is 00:30 on 03-02 in Makassar: today's quote has run out there.
      server.app.services.clock.set(`${TODAY}T16:30:00Z`);
      await Promise.all([expire(), expire(), expire()]);
      expect([await status(today.id), await status(tomorrow.id), await status(draft.id)]).toEqual([
        'EXPIRED',
        'SENT',
        'DRAFT',
      ]);
      server.app.services.clock.set(makassarNoon(plus(TODAY, 5)));
      await Promise.all([expire(), expire()]);
      expect(await status(tomorrow.id)).toBe('EXPIRED');
      const events = await server.gql(
        QuoteTimelineDocument,
        { first: 50, filter: { types: ['QUOTE_EXPIRED'] } },
        token,
      );
      const expired = events.data!.timeline.nodes;
      expect(expired.map((e) => (e.subject as { id: string }).id).sort()).toEqual([today.id, tomorrow.id].sort());
      expect(expired.find((e) => (e.subject as { id: string }).id === today.id)).toMatchObject({
        actorLabel: 'system',
        data: { before: { status: 'SENT' }, after: { status: 'EXPIRED', validUntil: TODAY, asOf: plus(TODAY, 1) } },
      });
      const accept = await server.gql(AcceptQuoteDocument, { input: { id: today.id } }, token);
      expect(accept.data?.acceptQuote.userErrors).toMatchObject([{ code: 'ILLEGAL_TRANSITION' }]);
    });
  });

  describe('lists', () => {
    let admin: string;
    let c1: string;
    let c2: string;
    let d1: string;
    let p2: string;
    const numbers = async (filter?: QuoteFilter, orderBy: QuoteOrder = { field: 'NUMBER', direction: 'ASC' }) => {
      const res = await server.gql(QuotesPageDocument, { first: 50, filter, orderBy }, admin);
      expect(res.errors).toBeUndefined();
      return res.data!.quotes.edges.map((e) => e.node.number);
    };

    beforeAll(async () => {
      server.app.services.clock.set(makassarNoon(TODAY));
      admin = await server.tokenFor(uniq('quotes-list'));
      c1 = await createClient('List One', admin);
      c2 = await createClient('List Two', admin);
      d1 = await createDeal(c1, admin);
      p2 = await createPractice(c2, admin);
      const q = (input: CreateQuoteInput) => createQuote(input, admin);
      await q({ clientId: c1, validUntil: plus(TODAY, 5), lineItems: [{ ...LINE, unitPrice: '300' }] }); // 1
      await q({ clientId: c1, dealId: d1, validUntil: plus(TODAY, 20), lineItems: [{ ...LINE, unitPrice: '100' }] }); // 2
      await q({ clientId: c2, practiceId: p2, currency: 'EUR', validUntil: plus(TODAY, 40), lineItems: [LINE] }); // 3
      const four = await q({ clientId: c2, validUntil: plus(TODAY, 60), lineItems: [{ ...LINE, unitPrice: '200' }] }); // 4
      ok((await server.gql(SendQuoteDocument, { input: { id: four.id } }, admin)).data?.sendQuote);
    });

    it('filters by statuses, client, deal, practice, currency and a validUntil range, and orders by number and total', async () => {
      expect(await numbers()).toEqual([1, 2, 3, 4]);
      expect(await numbers({ statuses: ['SENT'] })).toEqual([4]);
      expect(await numbers({ statuses: ['DRAFT'] })).toEqual([1, 2, 3]);
      expect(await numbers({ clientId: c1 })).toEqual([1, 2]);
      expect(await numbers({ dealId: d1 })).toEqual([2]);
      expect(await numbers({ practiceId: p2 })).toEqual([3]);
      expect(await numbers({ currencies: ['eur'] })).toEqual([3]);
      expect(await numbers({ validUntilFrom: plus(TODAY, 20), validUntilTo: plus(TODAY, 40) })).toEqual([2, 3]);
      expect(await numbers({ clientId: clientA })).toEqual([]);
      expect(await numbers({ clientId: d1 })).toEqual([]);
      expect(await numbers(undefined, { field: 'TOTAL', direction: 'ASC' })).toEqual([2, 4, 1, 3]);
      expect(await numbers(undefined, { field: 'VALID_UNTIL', direction: 'DESC' })).toEqual([4, 3, 2, 1]);
      const bad = await server.gql(QuotesPageDocument, { filter: { validUntilTo: '2027-02-30' } }, admin);
      expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });

    it("reads a quote by id, and null for another tenant's, a missing or a non-quote id", async () => {
      expect(await readQuote(quoteB.id)).toBeNull();
      expect(await readQuote(missingId('Quote'))).toBeNull();
      expect(await readQuote(clientA)).toBeNull();
      expect((await readQuote(quoteB.id, adminB))?.notes).toBe('B');
    });

    it('lists the quotes of a client, a deal and a practice', async () => {
      const res = await server.gql(QuotesOfParentsDocument, { client: c1, deal: d1, practice: p2 }, admin);
      expect(res.errors).toBeUndefined();
      expect(res.data!.client!.quotes.nodes.map((q) => q.number)).toEqual([2, 1]);
      expect(res.data!.deal!.quotes.totalCount).toBe(1);
      expect(res.data!.practice!.quotes.totalCount).toBe(1);
      const drafts = await server.gql(
        QuotesOfParentsDocument,
        { client: c2, deal: d1, practice: p2, filter: { statuses: ['SENT'] } },
        admin,
      );
      expect(drafts.data!.client!.quotes.nodes.map((q) => q.number)).toEqual([4]);
    });

    it('loads the quotes of a list of deals and of practices in a fixed number of statements', async () => {
      const token = await server.tokenFor(uniq('quotes-parents'));
      for (let i = 0; i < 12; i++) {
        const client = await createClient(`Parent ${i}`, token);
        const deal = await createDeal(client, token);
        const practice = await createPractice(client, token);
        for (let j = 0; j < 2; j++)
          await createQuote({ clientId: client, dealId: deal, practiceId: practice, lineItems: [LINE] }, token);
      }
      const list = async (first: number) => {
        const res = await server.gql(DealsAndPracticesWithQuotesDocument, { first, perParent: 5 }, token);
        expect(res.errors).toBeUndefined();
        const { deals, practices } = res.data!;
        for (const d of deals.nodes) {
          expect(d.quotes.totalCount).toBe(2);
          expect(d.quotes.nodes.map((q) => q.deal?.id)).toEqual([d.id, d.id]);
        }
        for (const p of practices.nodes) {
          expect(p.quotes.totalCount).toBe(2);
          expect(p.quotes.nodes.map((q) => q.practice?.id)).toEqual([p.id, p.id]);
        }
        return {
          parents: [deals.nodes.length, practices.nodes.length],
          statements: res.extensions!.sqlStatements as number,
        };
      };
      const three = await list(3);
      const twelve = await list(12);
      expect([three.parents, twelve.parents]).toEqual([
        [3, 3],
        [12, 12],
      ]);
      expect(twelve.statements).toBe(three.statements);
    });

    it('loads the quotes, their lines and clients of a list of clients in a fixed number of statements', async () => {
      const token = await server.tokenFor(uniq('quotes-batch'));
      for (let i = 0; i < 12; i++) {
        const client = await createClient(`Batch ${i}`, token);
        for (let j = 0; j < 2; j++) await createQuote({ clientId: client, lineItems: [LINE, LINE] }, token);
      }
      const list = async (first: number) => {
        const res = await server.gql(ClientsWithQuotesDocument, { first, perClient: 5 }, token);
        expect(res.errors).toBeUndefined();
        for (const c of res.data!.clients.nodes) {
          expect(c.quotes.totalCount).toBe(2);
          for (const q of c.quotes.nodes) {
            expect(q.client.id).toBe(c.id);
            expect(q.lineItems.map((l) => l.total)).toEqual([
              { amount: '3330000.00', currency: 'IDR' },
              { amount: '3330000.00', currency: 'IDR' },
            ]);
          }
        }
        return { clients: res.data!.clients.nodes.length, statements: res.extensions!.sqlStatements as number };
      };
      const three = await list(3);
      const twelve = await list(12);
      expect([three.clients, twelve.clients]).toEqual([3, 12]);
      // clients page; quotes page and count; lines; quote.client; the lines' quote (for the currency).
      expect(twelve.statements).toBe(three.statements);
      expect(twelve.statements).toBeLessThanOrEqual(7);
    });
  });
});
