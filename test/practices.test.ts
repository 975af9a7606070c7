import {
  AddPracticeDocumentDocument,
  ArchiveClientDocument,
  CpClientPracticesDocument,
  CpNodeDocument,
  CpNodesDocument,
  CpPracticeDetailDocument,
  CpPracticePageDocument,
  CreateClientDocument,
  CreatePracticeDocument,
  type CreatePracticeInput,
  CreateTeamMemberDocument,
  type PracticeFilter,
  type PracticeStatus,
  PracticeTypesDocument,
  TransitionPracticeDocument,
  UpdatePracticeDocument,
} from './generated/graphql.js';
import { startTestServer, type TestServer, uniq } from './helpers/server.js';

const SEEDED_CODES = ['BPJS', 'INVESTOR_KITAS', 'KITAP', 'KITAS', 'NPWP', 'PT_PMA', 'RETIREMENT_KITAS'];
const MISSING_PRACTICE = Buffer.from('Practice:00000000-0000-4000-8000-000000000000').toString('base64url');
const MISSING_CLIENT = Buffer.from('Client:00000000-0000-4000-8000-000000000000').toString('base64url');

describe('Practices', () => {
  let server: TestServer;
  let adminA: string;
  let agentA: string;
  let viewerA: string;
  let adminB: string;
  let adminL: string;
  let clientA: string;
  let clientA2: string;
  let clientB: string;
  let memberA: string;
  let memberB: string;
  const tenantA = uniq('prac-a');
  const tenantB = uniq('prac-b');
  const tenantL = uniq('prac-list');

  async function newClient(fullName: string, token = adminA): Promise<string> {
    const res = await server.gql(CreateClientDocument, { input: { fullName } }, token);
    expect(res.data?.createClient.userErrors).toEqual([]);
    return res.data!.createClient.client!.id;
  }

  async function newPractice(input: CreatePracticeInput, token = adminA) {
    const res = await server.gql(CreatePracticeDocument, { input }, token);
    expect(res.errors).toBeUndefined();
    expect(res.data?.createPractice.userErrors).toEqual([]);
    return res.data!.createPractice.practice!;
  }

  async function readPractice(id: string, token = adminA) {
    const res = await server.gql(CpPracticeDetailDocument, { id }, token);
    expect(res.errors).toBeUndefined();
    return res.data!.practice;
  }

  async function practiceCount(token = adminA, filter?: PracticeFilter): Promise<number> {
    const res = await server.gql(CpPracticePageDocument, { first: 1, filter }, token);
    expect(res.errors).toBeUndefined();
    return res.data!.practices.totalCount;
  }

  async function newMember(email: string, token: string): Promise<string> {
    const res = await server.gql(CreateTeamMemberDocument, { input: { email, role: 'AGENT' } }, token);
    expect(res.data?.createTeamMember.userErrors).toEqual([]);
    return res.data!.createTeamMember.teamMember!.id;
  }

  beforeAll(async () => {
    server = await startTestServer();
    adminA = await server.tokenFor(tenantA, 'ADMIN');
    agentA = await server.tokenFor(tenantA, 'AGENT');
    viewerA = await server.tokenFor(tenantA, 'VIEWER');
    adminB = await server.tokenFor(tenantB, 'ADMIN');
    adminL = await server.tokenFor(tenantL, 'ADMIN');
    clientA = await newClient('Ana Practice');
    clientA2 = await newClient('Bo Practice');
    clientB = await newClient('Foreign Client', adminB);
    memberA = await newMember(`case.worker@${tenantA}.test`, adminA);
    memberB = await newMember(`case.worker@${tenantB}.test`, adminB);
  });
  afterAll(() => server.close());

  describe('practiceTypes', () => {
    it('seeds the seven practice types for every new tenant, ordered by code', async () => {
      const a = await server.gql(PracticeTypesDocument, {}, adminA);
      const b = await server.gql(PracticeTypesDocument, {}, adminB);
      expect(a.errors).toBeUndefined();
      expect(a.data!.practiceTypes.map((t) => t.code)).toEqual(SEEDED_CODES);
      expect(b.data!.practiceTypes.map((t) => t.code)).toEqual(SEEDED_CODES);
      const idsA = new Set(a.data!.practiceTypes.map((t) => t.id));
      expect(b.data!.practiceTypes.some((t) => idsA.has(t.id))).toBe(false);
      expect(a.data!.practiceTypes.find((t) => t.code === 'KITAS')).toMatchObject({
        renewable: true,
        renewalPeriodDays: 365,
        requiredDocuments: ['PASSPORT', 'PHOTO', 'SPONSOR_LETTER'],
        defaultPrice: { amount: '15000000.00', currency: 'IDR' },
      });
      expect(a.data!.practiceTypes.find((t) => t.code === 'PT_PMA')).toMatchObject({
        renewable: false,
        renewalPeriodDays: null,
      });
    });

    it('lets a VIEWER read practice types and fetch one as a node of its own tenant only', async () => {
      const types = await server.gql(PracticeTypesDocument, {}, viewerA);
      expect(types.errors).toBeUndefined();
      const kitas = types.data!.practiceTypes.find((t) => t.code === 'KITAS')!;
      const own = await server.gql(CpNodeDocument, { id: kitas.id }, viewerA);
      expect(own.data?.node).toMatchObject({ __typename: 'PracticeType', code: 'KITAS' });
      const foreign = await server.gql(CpNodeDocument, { id: kitas.id }, adminB);
      expect(foreign.data?.node).toBeNull();
    });

    it('requires authentication', async () => {
      const res = await server.gql(PracticeTypesDocument, {});
      expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });
  });

  describe('createPractice', () => {
    it('opens a practice in INQUIRY with the type default price and allowed transitions', async () => {
      const p = await newPractice({ clientId: clientA, practiceTypeCode: 'KITAS' });
      expect(p).toMatchObject({
        status: 'INQUIRY',
        allowedTransitions: ['QUOTATION_SENT', 'CANCELLED'],
        quotedPrice: { amount: '15000000.00', currency: 'IDR' },
        actualPrice: null,
        paymentStatus: 'UNPAID',
        type: { code: 'KITAS' },
        client: { id: clientA, fullName: 'Ana Practice' },
        assignedTo: null,
      });
      expect(await readPractice(p.id)).toMatchObject({ id: p.id, status: 'INQUIRY' });
    });

    it('accepts a lower-case type code, an explicit price, dates, an assignee and notes', async () => {
      const p = await newPractice(
        {
          clientId: clientA,
          practiceTypeCode: ' retirement_kitas ',
          quotedPrice: { amount: '1250.50', currency: 'usd' },
          startDate: '2026-02-28',
          expiryDate: '2028-02-29',
          assignedToId: memberA,
          notes: '  needs a sponsor  ',
          status: 'QUOTATION_SENT',
        },
        agentA,
      );
      expect(p).toMatchObject({
        status: 'QUOTATION_SENT',
        allowedTransitions: ['PAYMENT_PENDING', 'INQUIRY', 'CANCELLED'],
        quotedPrice: { amount: '1250.50', currency: 'USD' },
        startDate: '2026-02-28',
        expiryDate: '2028-02-29',
        assignedTo: { id: memberA },
        notes: 'needs a sponsor',
        type: { code: 'RETIREMENT_KITAS' },
      });
      expect(await readPractice(p.id)).toMatchObject({ startDate: '2026-02-28', expiryDate: '2028-02-29' });
    });

    it('returns userErrors with field paths for an unknown type, negative money, a bad currency and long notes, and creates nothing', async () => {
      const before = await practiceCount();
      const res = await server.gql(
        CreatePracticeDocument,
        {
          input: {
            clientId: clientA,
            practiceTypeCode: 'TOURIST_VISA',
            quotedPrice: { amount: '-1', currency: 'RUPIAH' },
            notes: 'x'.repeat(10_001),
          },
        },
        adminA,
      );
      expect(res.errors).toBeUndefined();
      expect(res.data?.createPractice.practice).toBeNull();
      const errors = res.data!.createPractice.userErrors;
      expect(errors).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ field: ['input', 'practiceTypeCode'], code: 'UNKNOWN_PRACTICE_TYPE' }),
          expect.objectContaining({ field: ['input', 'quotedPrice', 'amount'], code: 'NEGATIVE_AMOUNT' }),
          expect.objectContaining({ field: ['input', 'quotedPrice', 'currency'], code: 'INVALID_CURRENCY' }),
          expect.objectContaining({ field: ['input', 'notes'], code: 'INVALID_LENGTH' }),
        ]),
      );
      expect(errors).toHaveLength(4);
      const unknown = errors.find((e) => e.code === 'UNKNOWN_PRACTICE_TYPE')!;
      for (const code of SEEDED_CODES) expect(unknown.message).toContain(code);
      expect(await practiceCount()).toBe(before);
    });

    it('rejects a currency that is not three letters on its own', async () => {
      const before = await practiceCount();
      const res = await server.gql(
        CreatePracticeDocument,
        { input: { clientId: clientA, practiceTypeCode: 'NPWP', quotedPrice: { amount: '10', currency: 'U5D' } } },
        adminA,
      );
      expect(res.data?.createPractice.userErrors).toEqual([
        expect.objectContaining({ field: ['input', 'quotedPrice', 'currency'], code: 'INVALID_CURRENCY' }),
      ]);
      expect(await practiceCount()).toBe(before);
    });

    it('rejects an amount that is not an exact decimal at the schema level, and creates nothing', async () => {
      const before = await practiceCount();
      const res = await server.gql(
        CreatePracticeDocument,
        { input: { clientId: clientA, practiceTypeCode: 'NPWP', quotedPrice: { amount: '12.345' } } },
        adminA,
      );
      expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.data ?? null).toBeNull();
      expect(await practiceCount()).toBe(before);
    });

    it('returns INVALID_DATE userErrors for impossible dates such as 2026-02-30, and creates nothing', async () => {
      const before = await practiceCount();
      const res = await server.gql(
        CreatePracticeDocument,
        { input: { clientId: clientA, practiceTypeCode: 'KITAS', startDate: '2026-13-01', expiryDate: '2026-02-30' } },
        adminA,
      );
      expect(res.errors).toBeUndefined();
      expect(res.data?.createPractice).toMatchObject({
        practice: null,
        userErrors: [
          { field: ['input', 'startDate'], code: 'INVALID_DATE' },
          { field: ['input', 'expiryDate'], code: 'INVALID_DATE' },
        ],
      });
      expect(await practiceCount()).toBe(before);
    });

    it('rejects a date that is not YYYY-MM-DD at the schema level, and creates nothing', async () => {
      const before = await practiceCount();
      const res = await server.gql(
        CreatePracticeDocument,
        { input: { clientId: clientA, practiceTypeCode: 'KITAS', expiryDate: '30/02/2026' } },
        adminA,
      );
      expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(await practiceCount()).toBe(before);
    });

    it('returns a NOT_FOUND userError for a client of another tenant, a missing client or an ID of another type', async () => {
      const before = await practiceCount();
      for (const clientId of [clientB, MISSING_CLIENT, memberA]) {
        const res = await server.gql(
          CreatePracticeDocument,
          { input: { clientId, practiceTypeCode: 'KITAS' } },
          adminA,
        );
        expect(res.errors).toBeUndefined();
        expect(res.data?.createPractice).toMatchObject({
          practice: null,
          userErrors: [{ field: ['input', 'clientId'], code: 'NOT_FOUND' }],
        });
      }
      expect(await practiceCount()).toBe(before);
      expect(await practiceCount(adminB)).toBe(0);
    });

    it('returns a NOT_FOUND userError for an assignee of another tenant', async () => {
      const before = await practiceCount();
      const res = await server.gql(
        CreatePracticeDocument,
        { input: { clientId: clientA, practiceTypeCode: 'KITAS', assignedToId: memberB } },
        adminA,
      );
      expect(res.data?.createPractice.userErrors).toEqual([
        expect.objectContaining({ field: ['input', 'assignedToId'], code: 'NOT_FOUND' }),
      ]);
      expect(await practiceCount()).toBe(before);
    });

    it('refuses a practice for an archived client', async () => {
      const archived = await newClient('Archived Practice Client');
      await server.gql(ArchiveClientDocument, { input: { id: archived } }, adminA);
      const res = await server.gql(
        CreatePracticeDocument,
        { input: { clientId: archived, practiceTypeCode: 'KITAS' } },
        adminA,
      );
      expect(res.data?.createPractice.userErrors).toEqual([
        expect.objectContaining({ field: ['input', 'clientId'], code: 'ARCHIVED' }),
      ]);
      expect(await practiceCount(adminA, { clientId: archived })).toBe(0);
    });

    it('gives FORBIDDEN to a VIEWER and creates nothing', async () => {
      const before = await practiceCount();
      const res = await server.gql(
        CreatePracticeDocument,
        { input: { clientId: clientA, practiceTypeCode: 'KITAS' } },
        viewerA,
      );
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(res.data ?? null).toBeNull();
      expect(await practiceCount()).toBe(before);
    });
  });

  describe('updatePractice', () => {
    let practiceId: string;
    beforeAll(async () => {
      practiceId = (
        await newPractice({ clientId: clientA2, practiceTypeCode: 'KITAP', assignedToId: memberA, notes: 'first' })
      ).id;
    });

    it('changes prices, payment, dates and notes; null clears; omitted fields stay', async () => {
      const res = await server.gql(
        UpdatePracticeDocument,
        {
          input: {
            id: practiceId,
            actualPrice: { amount: '24000000' },
            amountPaid: { amount: '0' },
            paymentStatus: 'PARTIAL',
            startDate: '2026-03-01',
            completionDate: '2026-04-15',
            expiryDate: '2031-04-14',
            quotedPrice: null,
            assignedToId: null,
          },
        },
        agentA,
      );
      expect(res.errors).toBeUndefined();
      expect(res.data?.updatePractice.userErrors).toEqual([]);
      expect(await readPractice(practiceId)).toMatchObject({
        actualPrice: { amount: '24000000.00', currency: 'IDR' },
        amountPaid: { amount: '0.00', currency: 'IDR' },
        quotedPrice: null,
        paymentStatus: 'PARTIAL',
        startDate: '2026-03-01',
        completionDate: '2026-04-15',
        expiryDate: '2031-04-14',
        assignedTo: null,
        notes: 'first',
        status: 'INQUIRY',
      });
    });

    it('returns userErrors for negative money, a bad currency and long notes, and changes nothing', async () => {
      const before = await readPractice(practiceId);
      const res = await server.gql(
        UpdatePracticeDocument,
        {
          input: {
            id: practiceId,
            actualPrice: { amount: '-0.01' },
            amountPaid: { amount: '5', currency: 'EURO' },
            notes: 'y'.repeat(10_001),
            paymentStatus: 'PAID',
          },
        },
        adminA,
      );
      expect(res.data?.updatePractice.practice).toBeNull();
      const errors = res.data!.updatePractice.userErrors;
      expect(errors).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ field: ['input', 'actualPrice', 'amount'], code: 'NEGATIVE_AMOUNT' }),
          expect.objectContaining({ field: ['input', 'amountPaid', 'currency'], code: 'INVALID_CURRENCY' }),
          expect.objectContaining({ field: ['input', 'notes'], code: 'INVALID_LENGTH' }),
        ]),
      );
      expect(errors).toHaveLength(3);
      expect(await readPractice(practiceId)).toEqual(before);
    });

    it('returns an INVALID_DATE userError for 2026-02-30, and changes nothing', async () => {
      const before = await readPractice(practiceId);
      const res = await server.gql(
        UpdatePracticeDocument,
        { input: { id: practiceId, completionDate: '2026-02-30', notes: 'not saved' } },
        adminA,
      );
      expect(res.data?.updatePractice).toMatchObject({
        practice: null,
        userErrors: [{ field: ['input', 'completionDate'], code: 'INVALID_DATE' }],
      });
      expect(await readPractice(practiceId)).toEqual(before);
    });

    it('returns a NOT_FOUND userError for an assignee of another tenant, and changes nothing', async () => {
      const before = await readPractice(practiceId);
      const res = await server.gql(
        UpdatePracticeDocument,
        { input: { id: practiceId, assignedToId: memberB, notes: 'moved' } },
        adminA,
      );
      expect(res.data?.updatePractice.userErrors).toEqual([
        expect.objectContaining({ field: ['input', 'assignedToId'], code: 'NOT_FOUND' }),
      ]);
      expect(await readPractice(practiceId)).toEqual(before);
    });

    it('returns a top-level NOT_FOUND for a practice of another tenant or a missing one, and changes nothing', async () => {
      const before = await readPractice(practiceId);
      const foreign = await server.gql(
        UpdatePracticeDocument,
        { input: { id: practiceId, notes: 'hijacked' } },
        adminB,
      );
      expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect(foreign.data ?? null).toBeNull();
      const missing = await server.gql(UpdatePracticeDocument, { input: { id: MISSING_PRACTICE, notes: 'x' } }, adminA);
      expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      const wrongType = await server.gql(UpdatePracticeDocument, { input: { id: clientA, notes: 'x' } }, adminA);
      expect(wrongType.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect(await readPractice(practiceId)).toEqual(before);
    });

    it('gives FORBIDDEN to a VIEWER and changes nothing', async () => {
      const before = await readPractice(practiceId);
      const res = await server.gql(UpdatePracticeDocument, { input: { id: practiceId, notes: 'viewer' } }, viewerA);
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(await readPractice(practiceId)).toEqual(before);
    });
  });

  describe('transitionPractice', () => {
    async function transition(id: string, status: PracticeStatus, token = adminA) {
      return server.gql(TransitionPracticeDocument, { input: { id, status } }, token);
    }

    it('walks the whole workflow, listing the allowed next states at every step', async () => {
      const { id } = await newPractice({ clientId: clientA, practiceTypeCode: 'PT_PMA' });
      const steps: [PracticeStatus, PracticeStatus[]][] = [
        ['QUOTATION_SENT', ['PAYMENT_PENDING', 'INQUIRY', 'CANCELLED']],
        ['PAYMENT_PENDING', ['IN_PROGRESS', 'CANCELLED']],
        ['IN_PROGRESS', ['WAITING_DOCUMENTS', 'SUBMITTED', 'CANCELLED']],
        ['WAITING_DOCUMENTS', ['IN_PROGRESS', 'SUBMITTED', 'CANCELLED']],
        ['IN_PROGRESS', ['WAITING_DOCUMENTS', 'SUBMITTED', 'CANCELLED']],
        ['SUBMITTED', ['APPROVED', 'REJECTED', 'WAITING_DOCUMENTS']],
        ['APPROVED', ['COMPLETED']],
        ['COMPLETED', []],
      ];
      for (const [status, allowed] of steps) {
        const res = await transition(id, status, agentA);
        expect(res.errors).toBeUndefined();
        expect(res.data?.transitionPractice.userErrors).toEqual([]);
        expect(res.data?.transitionPractice.practice).toMatchObject({ status, allowedTransitions: allowed });
      }
      const today = new Date().toISOString().slice(0, 10);
      expect(await readPractice(id)).toMatchObject({ status: 'COMPLETED', startDate: today, completionDate: today });
    });

    it('keeps dates already set when moving to IN_PROGRESS and COMPLETED', async () => {
      const { id } = await newPractice({
        clientId: clientA,
        practiceTypeCode: 'NPWP',
        startDate: '2026-01-05',
        status: 'PAYMENT_PENDING',
      });
      await server.gql(UpdatePracticeDocument, { input: { id, completionDate: '2026-01-20' } }, adminA);
      for (const s of ['IN_PROGRESS', 'SUBMITTED', 'APPROVED', 'COMPLETED'] as const) {
        expect((await transition(id, s)).data?.transitionPractice.userErrors).toEqual([]);
      }
      expect(await readPractice(id)).toMatchObject({ startDate: '2026-01-05', completionDate: '2026-01-20' });
    });

    it('refuses an illegal transition with a userError naming the allowed next states, and changes nothing', async () => {
      const { id } = await newPractice({ clientId: clientA, practiceTypeCode: 'KITAS' });
      const before = await readPractice(id);
      const res = await transition(id, 'SUBMITTED');
      expect(res.errors).toBeUndefined();
      expect(res.data?.transitionPractice.practice).toBeNull();
      const [error] = res.data!.transitionPractice.userErrors;
      expect(error).toMatchObject({ field: ['input', 'status'], code: 'ILLEGAL_TRANSITION' });
      expect(error.message).toContain('INQUIRY');
      expect(error.message).toContain('QUOTATION_SENT, CANCELLED');
      const same = await transition(id, 'INQUIRY');
      expect(same.data?.transitionPractice.userErrors[0]?.code).toBe('ILLEGAL_TRANSITION');
      expect(await readPractice(id)).toEqual(before);
    });

    it('says a completed practice has no next state', async () => {
      const { id } = await newPractice({ clientId: clientA, practiceTypeCode: 'BPJS', status: 'APPROVED' });
      await transition(id, 'COMPLETED');
      const res = await transition(id, 'INQUIRY');
      expect(res.data?.transitionPractice.userErrors[0]).toMatchObject({
        code: 'ILLEGAL_TRANSITION',
        field: ['input', 'status'],
      });
      expect(res.data?.transitionPractice.userErrors[0]?.message).toContain('none (final state)');
      expect((await readPractice(id))?.status).toBe('COMPLETED');
    });

    it('reopens a cancelled or rejected practice to INQUIRY, and only to INQUIRY', async () => {
      const cancelled = await newPractice({ clientId: clientA, practiceTypeCode: 'KITAS' });
      expect((await transition(cancelled.id, 'CANCELLED')).data?.transitionPractice.practice).toMatchObject({
        status: 'CANCELLED',
        allowedTransitions: ['INQUIRY'],
      });
      expect((await transition(cancelled.id, 'IN_PROGRESS')).data?.transitionPractice.userErrors[0]?.message).toMatch(
        /allowed next: INQUIRY$/,
      );
      expect((await transition(cancelled.id, 'INQUIRY')).data?.transitionPractice.practice?.status).toBe('INQUIRY');

      const rejected = await newPractice({ clientId: clientA, practiceTypeCode: 'KITAS', status: 'SUBMITTED' });
      expect((await transition(rejected.id, 'REJECTED')).data?.transitionPractice.practice).toMatchObject({
        status: 'REJECTED',
        allowedTransitions: ['INQUIRY'],
      });
      expect((await transition(rejected.id, 'INQUIRY')).data?.transitionPractice.practice?.status).toBe('INQUIRY');
    });

    it('returns a top-level NOT_FOUND for a practice of another tenant or a missing one, and changes nothing', async () => {
      const { id } = await newPractice({ clientId: clientA, practiceTypeCode: 'KITAS' });
      const foreign = await transition(id, 'QUOTATION_SENT', adminB);
      expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      const missing = await transition(MISSING_PRACTICE, 'QUOTATION_SENT');
      expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect((await readPractice(id))?.status).toBe('INQUIRY');
    });

    it('gives FORBIDDEN to a VIEWER and changes nothing', async () => {
      const { id } = await newPractice({ clientId: clientA, practiceTypeCode: 'KITAS' });
      const res = await transition(id, 'QUOTATION_SENT', viewerA);
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect((await readPractice(id))?.status).toBe('INQUIRY');
    });

    it('rejects a status that is not a PracticeStatus at the schema level', async () => {
      const { id } = await newPractice({ clientId: clientA, practiceTypeCode: 'KITAS' });
      const res = await transition(id, 'DONE' as PracticeStatus);
      expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect((await readPractice(id))?.status).toBe('INQUIRY');
    });
  });

  describe('addPracticeDocument', () => {
    let practiceId: string;
    beforeAll(async () => {
      practiceId = (await newPractice({ clientId: clientA, practiceTypeCode: 'KITAS' })).id;
    });

    it('adds a RECEIVED document when a url is given, REQUESTED without, and normalises the kind', async () => {
      const received = await server.gql(
        AddPracticeDocumentDocument,
        { input: { practiceId, name: ' Passport scan ', kind: 'passport', url: 'https://files.example.com/p.pdf' } },
        agentA,
      );
      expect(received.errors).toBeUndefined();
      expect(received.data?.addPracticeDocument).toMatchObject({
        userErrors: [],
        document: {
          name: 'Passport scan',
          kind: 'PASSPORT',
          url: 'https://files.example.com/p.pdf',
          status: 'RECEIVED',
        },
        practice: { id: practiceId },
      });
      const requested = await server.gql(
        AddPracticeDocumentDocument,
        { input: { practiceId, name: 'Sponsor letter', kind: 'sponsor  letter' } },
        adminA,
      );
      expect(requested.data?.addPracticeDocument.document).toMatchObject({
        kind: 'SPONSOR_LETTER',
        url: null,
        status: 'REQUESTED',
      });
      const verified = await server.gql(
        AddPracticeDocumentDocument,
        { input: { practiceId, name: 'Photo', kind: 'PHOTO', url: 'http://x.test/photo.jpg', status: 'VERIFIED' } },
        adminA,
      );
      expect(verified.data?.addPracticeDocument.document?.status).toBe('VERIFIED');
      expect(verified.data?.addPracticeDocument.practice?.documents.map((d) => d.name)).toEqual([
        'Passport scan',
        'Sponsor letter',
        'Photo',
      ]);
      const docId = verified.data!.addPracticeDocument.document!.id;
      expect((await server.gql(CpNodeDocument, { id: docId }, adminA)).data?.node).toMatchObject({
        __typename: 'Document',
      });
      expect((await server.gql(CpNodeDocument, { id: docId }, adminB)).data?.node).toBeNull();
    });

    it('returns userErrors for a bad url, an empty name and a too long kind, and adds nothing', async () => {
      const before = await readPractice(practiceId);
      for (const url of ['not a url', 'ftp://files.example.com/p.pdf', 'javascript:alert(1)']) {
        const res = await server.gql(
          AddPracticeDocumentDocument,
          { input: { practiceId, name: 'Scan', kind: 'PASSPORT', url } },
          adminA,
        );
        expect(res.data?.addPracticeDocument).toMatchObject({
          document: null,
          practice: null,
          userErrors: [{ field: ['input', 'url'], code: 'INVALID_URL' }],
        });
      }
      const res = await server.gql(
        AddPracticeDocumentDocument,
        { input: { practiceId, name: '   ', kind: 'K'.repeat(65), url: 'https://ok.test/x' } },
        adminA,
      );
      expect(res.data?.addPracticeDocument.userErrors).toEqual([
        expect.objectContaining({ field: ['input', 'name'], code: 'INVALID_LENGTH' }),
        expect.objectContaining({ field: ['input', 'kind'], code: 'INVALID_LENGTH' }),
      ]);
      expect(await readPractice(practiceId)).toEqual(before);
    });

    it('returns userErrors instead of a database error for a url over 2048 characters or a kind that grows when upper-cased', async () => {
      const before = await readPractice(practiceId);
      const long = await server.gql(
        AddPracticeDocumentDocument,
        { input: { practiceId, name: 'Long', kind: 'LINK', url: `https://files.example.com/${'a'.repeat(2100)}` } },
        adminA,
      );
      expect(long.errors).toBeUndefined();
      expect(long.data?.addPracticeDocument.userErrors).toEqual([
        expect.objectContaining({ field: ['input', 'url'], code: 'INVALID_LENGTH' }),
      ]);
      // 40 × "ß" is 40 characters, but 80 once upper-cased to "SS".
      const grows = await server.gql(
        AddPracticeDocumentDocument,
        { input: { practiceId, name: 'Grows', kind: 'ß'.repeat(40) } },
        adminA,
      );
      expect(grows.errors).toBeUndefined();
      expect(grows.data?.addPracticeDocument.userErrors).toEqual([
        expect.objectContaining({ field: ['input', 'kind'], code: 'INVALID_LENGTH' }),
      ]);
      expect(await readPractice(practiceId)).toEqual(before);
    });

    it('returns a top-level NOT_FOUND for a practice of another tenant or a missing one, and adds nothing', async () => {
      const before = await readPractice(practiceId);
      const foreign = await server.gql(
        AddPracticeDocumentDocument,
        { input: { practiceId, name: 'x', kind: 'X' } },
        adminB,
      );
      expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      const missing = await server.gql(
        AddPracticeDocumentDocument,
        { input: { practiceId: MISSING_PRACTICE, name: 'x', kind: 'X' } },
        adminA,
      );
      expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect(await readPractice(practiceId)).toEqual(before);
    });

    it('gives FORBIDDEN to a VIEWER and adds nothing', async () => {
      const before = await readPractice(practiceId);
      const res = await server.gql(
        AddPracticeDocumentDocument,
        { input: { practiceId, name: 'x', kind: 'X' } },
        viewerA,
      );
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(await readPractice(practiceId)).toEqual(before);
    });
  });

  describe('practice, node and nodes', () => {
    it("returns null for another tenant's practice, a missing one or an ID of another type", async () => {
      const { id } = await newPractice({ clientId: clientA, practiceTypeCode: 'KITAS' });
      expect(await readPractice(id, viewerA)).toMatchObject({ id, status: 'INQUIRY' });
      expect(await readPractice(id, adminB)).toBeNull();
      expect(await readPractice(MISSING_PRACTICE)).toBeNull();
      expect(await readPractice(clientA)).toBeNull();
      const node = await server.gql(CpNodeDocument, { id }, adminA);
      expect(node.data?.node).toEqual({ id, __typename: 'Practice', status: 'INQUIRY' });
      const many = await server.gql(CpNodesDocument, { ids: [id, clientA, MISSING_PRACTICE] }, adminA);
      expect(many.data?.nodes).toEqual([
        { id, __typename: 'Practice', status: 'INQUIRY' },
        { id: clientA, __typename: 'Client', fullName: 'Ana Practice' },
        null,
      ]);
      const foreign = await server.gql(CpNodesDocument, { ids: [id] }, adminB);
      expect(foreign.data?.nodes).toEqual([null]);
    });
  });

  describe('practices list', () => {
    let c1: string;
    let c2: string;
    // id by label, created in this order (oldest first).
    const p: Record<string, string> = {};

    beforeAll(async () => {
      c1 = await newClient('List One', adminL);
      c2 = await newClient('List Two', adminL);
      const specs: [string, CreatePracticeInput][] = [
        ['kitasJan', { clientId: c1, practiceTypeCode: 'KITAS', expiryDate: '2027-01-10' }],
        ['kitapMar', { clientId: c1, practiceTypeCode: 'KITAP', expiryDate: '2027-03-01', status: 'IN_PROGRESS' }],
        ['npwpMar', { clientId: c2, practiceTypeCode: 'NPWP', expiryDate: '2027-03-01', status: 'COMPLETED' }],
        ['bpjsJun', { clientId: c2, practiceTypeCode: 'BPJS', expiryDate: '2027-06-30', status: 'CANCELLED' }],
        ['kitasNone', { clientId: c2, practiceTypeCode: 'KITAS', status: 'SUBMITTED' }],
        ['ptpmaMar', { clientId: c1, practiceTypeCode: 'PT_PMA', expiryDate: '2027-03-01', status: 'REJECTED' }],
      ];
      for (const [label, input] of specs) p[label] = (await newPractice(input, adminL)).id;
    });

    async function ids(filter?: PracticeFilter, token = adminL): Promise<string[]> {
      const res = await server.gql(CpPracticePageDocument, { first: 100, filter }, token);
      expect(res.errors).toBeUndefined();
      expect(res.data!.practices.totalCount).toBe(res.data!.practices.edges.length);
      return res.data!.practices.edges.map((e) => e.node.id);
    }
    const labels = (...names: string[]) => names.map((n) => p[n]);

    it('lists newest first by default with a totalCount of the whole list', async () => {
      expect(await ids()).toEqual(labels('ptpmaMar', 'kitasNone', 'bpjsJun', 'npwpMar', 'kitapMar', 'kitasJan'));
      const page = await server.gql(CpPracticePageDocument, { first: 2 }, adminL);
      expect(page.data!.practices).toMatchObject({
        totalCount: 6,
        pageInfo: { hasNextPage: true, hasPreviousPage: false },
      });
    });

    it('filters by statuses, open, and both (intersection)', async () => {
      expect(await ids({ statuses: ['IN_PROGRESS', 'SUBMITTED'] })).toEqual(labels('kitasNone', 'kitapMar'));
      expect(await ids({ open: true })).toEqual(labels('kitasNone', 'kitapMar', 'kitasJan'));
      expect(await ids({ open: false })).toEqual(labels('ptpmaMar', 'bpjsJun', 'npwpMar'));
      expect(await ids({ open: true, statuses: ['COMPLETED', 'SUBMITTED'] })).toEqual(labels('kitasNone'));
      expect(await ids({ open: false, statuses: ['INQUIRY'] })).toEqual([]);
    });

    it('filters by type codes (case-insensitive) and by client', async () => {
      expect(await ids({ typeCodes: ['kitas'] })).toEqual(labels('kitasNone', 'kitasJan'));
      expect(await ids({ typeCodes: ['NPWP', 'BPJS'] })).toEqual(labels('bpjsJun', 'npwpMar'));
      expect(await ids({ typeCodes: ['NOPE'] })).toEqual([]);
      expect(await ids({ clientId: c1 })).toEqual(labels('ptpmaMar', 'kitapMar', 'kitasJan'));
      expect(await ids({ clientId: c2, typeCodes: ['KITAS'] })).toEqual(labels('kitasNone'));
    });

    it('matches nothing for a clientId of another tenant or a missing client', async () => {
      expect(await ids({ clientId: clientA })).toEqual([]);
      expect(await ids({ clientId: MISSING_CLIENT })).toEqual([]);
    });

    it('filters by expiry range, both ends inclusive', async () => {
      expect(await ids({ expiryFrom: '2027-03-01' })).toEqual(labels('ptpmaMar', 'bpjsJun', 'npwpMar', 'kitapMar'));
      expect(await ids({ expiryTo: '2027-03-01' })).toEqual(labels('ptpmaMar', 'npwpMar', 'kitapMar', 'kitasJan'));
      expect(await ids({ expiryFrom: '2027-01-11', expiryTo: '2027-06-29' })).toEqual(
        labels('ptpmaMar', 'npwpMar', 'kitapMar'),
      );
      expect(await ids({ expiryFrom: '2027-03-01', expiryTo: '2027-03-01', open: true })).toEqual(labels('kitapMar'));
    });

    it('rejects an impossible expiry date in the filter with BAD_USER_INPUT', async () => {
      for (const filter of [{ expiryFrom: '2026-02-30' }, { expiryTo: '2026-13-01' }]) {
        const res = await server.gql(CpPracticePageDocument, { first: 5, filter }, adminL);
        expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
        expect(res.errors?.[0]?.message).toMatch(/must be a date like/);
      }
    });

    it('orders by EXPIRY_DATE, leaving out practices without one, with ties broken stably', async () => {
      const asc = await server.gql(
        CpPracticePageDocument,
        { first: 100, orderBy: { field: 'EXPIRY_DATE', direction: 'ASC' } },
        adminL,
      );
      const ascNodes = asc.data!.practices.edges.map((e) => e.node);
      expect(asc.data!.practices.totalCount).toBe(5);
      expect(ascNodes.map((n) => n.expiryDate)).toEqual([
        '2027-01-10',
        '2027-03-01',
        '2027-03-01',
        '2027-03-01',
        '2027-06-30',
      ]);
      expect(ascNodes.map((n) => n.id)).not.toContain(p.kitasNone);
      const desc = await server.gql(
        CpPracticePageDocument,
        { first: 100, orderBy: { field: 'EXPIRY_DATE', direction: 'DESC' } },
        adminL,
      );
      expect(desc.data!.practices.edges.map((e) => e.node.id)).toEqual(ascNodes.map((n) => n.id).reverse());

      // Forward in pages of 2 gives the same order without gaps or duplicates.
      const forward: string[] = [];
      let after: string | null | undefined;
      for (;;) {
        const page = await server.gql(
          CpPracticePageDocument,
          { first: 2, after, orderBy: { field: 'EXPIRY_DATE', direction: 'ASC' } },
          adminL,
        );
        forward.push(...page.data!.practices.edges.map((e) => e.node.id));
        if (!page.data!.practices.pageInfo.hasNextPage) break;
        after = page.data!.practices.pageInfo.endCursor;
      }
      expect(forward).toEqual(ascNodes.map((n) => n.id));

      // Backward with last/before gives the same order too.
      const backward: string[] = [];
      let before: string | null | undefined;
      for (;;) {
        const page = await server.gql(
          CpPracticePageDocument,
          { last: 2, before, orderBy: { field: 'EXPIRY_DATE', direction: 'ASC' } },
          adminL,
        );
        backward.unshift(...page.data!.practices.edges.map((e) => e.node.id));
        if (!page.data!.practices.pageInfo.hasPreviousPage) break;
        before = page.data!.practices.pageInfo.startCursor;
      }
      expect(backward).toEqual(ascNodes.map((n) => n.id));
    });

    it('combines EXPIRY_DATE order with an expiry filter', async () => {
      const res = await server.gql(
        CpPracticePageDocument,
        { first: 10, filter: { expiryFrom: '2027-02-01' }, orderBy: { field: 'EXPIRY_DATE', direction: 'DESC' } },
        adminL,
      );
      expect(res.data!.practices.edges.map((e) => e.node.expiryDate)).toEqual([
        '2027-06-30',
        '2027-03-01',
        '2027-03-01',
        '2027-03-01',
      ]);
      expect(res.data!.practices.totalCount).toBe(4);
    });

    it("filters a client's practices field the same way", async () => {
      const res = await server.gql(CpClientPracticesDocument, { id: c1, filter: { open: true } }, adminL);
      expect(res.data?.client?.practices.map((x) => x.id)).toEqual(labels('kitapMar', 'kitasJan'));
      const all = await server.gql(CpClientPracticesDocument, { id: c1 }, adminL);
      expect(all.data?.client?.practices.map((x) => x.id)).toEqual(labels('ptpmaMar', 'kitapMar', 'kitasJan'));
    });

    it('never lists practices of another tenant', async () => {
      const mine = await ids(undefined, adminL);
      const theirs = await ids(undefined, adminA);
      expect(theirs.some((id) => mine.includes(id))).toBe(false);
      expect(await ids(undefined, adminB)).toEqual([]);
    });

    it('rejects an invalid cursor and a page size over the cap', async () => {
      const bad = await server.gql(CpPracticePageDocument, { first: 2, after: 'not-a-cursor' }, adminL);
      expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      const big = await server.gql(CpPracticePageDocument, { first: 101 }, adminL);
      expect(big.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });
  });
});
