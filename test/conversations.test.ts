/**
 * Conversations in, CRM records out, on the offline heuristic extractor (no ANTHROPIC_API_KEY),
 * through the real GraphQL endpoint and WebSocket.
 */
import { expect } from '@jest/globals';

import {
  AcceptExtractionDocument,
  ConversationByIdDocument,
  ConversationsDocument,
  CreateClientDocument,
  CrmCountsDocument,
  ExtractionCompletedDocument,
  ExtractionProposalsDocument,
  ExtractionSettingsDocument,
  IngestConversationDocument,
  type IngestConversationInput,
  RejectExtractionDocument,
  TimelineDocument,
  UpdateExtractionSettingsDocument,
} from './generated/graphql.js';
import { nextResults, startTestServer, type TestServer, uniq } from './helpers/server.js';

const JOHN = 'Hi, my name is John Smith. I want to open a PT PMA for coffee export business.';

describe('Conversations (heuristic extractor)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  async function tenant(prefix: string) {
    const slug = uniq(prefix);
    return { slug, admin: await server.tokenFor(slug, 'ADMIN'), agent: await server.tokenFor(slug, 'AGENT') };
  }

  async function ingest(
    token: string,
    input: Partial<IngestConversationInput> & { messages: IngestConversationInput['messages'] },
  ) {
    const res = await server.gql(
      IngestConversationDocument,
      { input: { sessionId: uniq('session'), ...input } },
      token,
    );
    expect(res.errors).toBeUndefined();
    return res.data!.ingestConversation;
  }

  const counts = async (token: string) => {
    const c = (await server.gql(CrmCountsDocument, {}, token)).data!;
    return {
      clients: c.clients.totalCount,
      practices: c.practices.totalCount,
      interactions: c.interactions.totalCount,
    };
  };

  it("files the original system's example: client John Smith, a PT_PMA practice in INQUIRY, an interaction; again: nothing new", async () => {
    const t = await tenant('john');
    const input = {
      sessionId: 'chat-john-1',
      userEmail: 'john.smith@email.com',
      messages: [{ role: 'user', content: JOHN }],
    };
    const first = await ingest(t.agent, input);
    expect(first.userErrors).toEqual([]);
    const ex = first.extraction!;
    expect(ex).toMatchObject({ status: 'SUCCEEDED', extractor: 'HEURISTIC', model: null, decision: 'APPLIED' });
    expect(ex.result).toMatchObject({
      clientCreated: true,
      practiceCreated: true,
      client: { fullName: 'John Smith', email: 'john.smith@email.com', source: 'CHAT', lifecycleStage: 'PROSPECT' },
      practice: { status: 'INQUIRY', type: { code: 'PT_PMA' } },
      interaction: { kind: 'CHAT', conversation: { id: first.conversation!.id } },
    });
    expect(ex.practiceConfidence).toBeGreaterThanOrEqual(0.7);
    const name = ex.fields.find((f) => f.field === 'fullName')!;
    expect(JOHN).toContain(name.evidence!);
    expect(first.conversation!.client!.id).toBe(ex.result!.client!.id);
    expect(await counts(t.admin)).toEqual({ clients: 1, practices: 1, interactions: 1 });

    const again = await ingest(t.agent, input);
    expect(again.extraction).toMatchObject({ status: 'SKIPPED', decision: 'NONE', result: { clientCreated: false } });
    expect(again.conversation!.id).toBe(first.conversation!.id);
    expect(again.conversation!.messages).toHaveLength(1);
    expect(await counts(t.admin)).toEqual({ clients: 1, practices: 1, interactions: 1 });

    const timeline = await server.gql(TimelineDocument, { first: 20 }, t.admin);
    expect(timeline.data!.timeline.edges.map((e) => e.node.type).reverse()).toEqual([
      'CONVERSATION_INGESTED',
      'CLIENT_CREATED',
      'PRACTICE_CREATED',
      'INTERACTION_LOGGED',
      'EXTRACTION_COMPLETED',
      'CONVERSATION_INGESTED',
    ]);
  });

  it('appends new messages of the same session, matches the client and opens no second practice within 7 days', async () => {
    const t = await tenant('append');
    const base = { sessionId: 'chat-append', userEmail: 'john.smith@email.com' };
    const first = await ingest(t.agent, { ...base, messages: [{ role: 'user', content: JOHN }] });
    const more = await ingest(t.agent, {
      ...base,
      messages: [
        { role: 'user', content: JOHN },
        { role: 'agent', content: 'Sure! What is your phone number?' },
        { role: 'user', content: 'It is 0812 3456 7890, please call me tomorrow.' },
      ],
    });
    expect(more.conversation!.id).toBe(first.conversation!.id);
    expect(more.conversation!.messages.map((m) => m.role)).toEqual(['user', 'agent', 'user']);
    expect(more.extraction).toMatchObject({
      status: 'SUCCEEDED',
      result: { clientCreated: false, practiceCreated: false },
    });
    expect(more.extraction!.result!.client).toMatchObject({
      id: first.extraction!.result!.client!.id,
      phone: '+6281234567890', // enriched: the field was empty
    });
    expect(more.extraction!.result!.practice!.id).toBe(first.extraction!.result!.practice!.id);
    expect(await counts(t.admin)).toEqual({ clients: 1, practices: 1, interactions: 2 });
    const byId = await server.gql(ConversationByIdDocument, { id: first.conversation!.id }, t.admin);
    expect(byId.data!.conversation!.extractions).toHaveLength(2);
  });

  it('matches an existing client by email, then phone, then name, and never overwrites a filled field', async () => {
    const t = await tenant('match');
    const made = await server.gql(
      CreateClientDocument,
      { input: { fullName: 'Maria Bianchi', email: 'maria@example.it', phone: '+39 333 1234567' } },
      t.admin,
    );
    const maria = made.data!.createClient.client!.id;
    const byEmail = await ingest(t.agent, {
      messages: [
        {
          role: 'user',
          content: 'Hello, my name is Mary White, write to maria@example.it. My number is 0812 1111 2222.',
        },
      ],
    });
    expect(byEmail.extraction!.result!.client).toMatchObject({
      id: maria,
      fullName: 'Maria Bianchi',
      phone: '+393331234567',
    });
    const byPhone = await ingest(t.agent, {
      messages: [
        { role: 'user', content: 'Buongiorno, sono Maria. Il mio numero è +39 333 1234567, mi serve il KITAS.' },
      ],
    });
    expect(byPhone.extraction!.result!.client!.id).toBe(maria);
    const byName = await ingest(t.agent, {
      messages: [{ role: 'user', content: 'Hi, my name is Maria  Bianchi. Thanks!' }],
    });
    expect(byName.extraction!.result!.client!.id).toBe(maria);
    expect((await counts(t.admin)).clients).toBe(1);
  });

  it('validates input, names the field, and saves nothing on a user error', async () => {
    const t = await tenant('validate');
    const res = await server.gql(
      IngestConversationDocument,
      {
        input: {
          sessionId: '',
          userEmail: 'not-an-email',
          teamMemberEmail: 'nobody@nowhere.test',
          messages: [
            { role: 'robot', content: 'hi' },
            { role: 'user', content: '   ' },
          ],
        },
      },
      t.agent,
    );
    expect(res.data!.ingestConversation.conversation).toBeNull();
    expect(res.data!.ingestConversation.userErrors.map((e) => [e.field, e.code])).toEqual([
      [['input', 'sessionId'], 'INVALID_LENGTH'],
      [['input', 'userEmail'], 'INVALID_EMAIL'],
      [['input', 'messages', '0', 'role'], 'INVALID_ROLE'],
      [['input', 'messages', '1', 'content'], 'INVALID_LENGTH'],
      [['input', 'teamMemberEmail'], 'NOT_FOUND'],
    ]);
    const none = await server.gql(IngestConversationDocument, { input: { sessionId: 's', messages: [] } }, t.agent);
    expect(none.data!.ingestConversation.userErrors[0]).toMatchObject({
      field: ['input', 'messages'],
      code: 'REQUIRED',
    });
    const viewer = await server.tokenFor(t.slug, 'VIEWER');
    const denied = await server.gql(
      IngestConversationDocument,
      { input: { sessionId: 's', messages: [{ role: 'user', content: JOHN }] } },
      viewer,
    );
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await server.gql(ConversationsDocument, { first: 5 }, t.admin)).data!.conversations.totalCount).toBe(0);
  });

  it('keeps an extraction below the thresholds as a proposal with its evidence; a person accepts or rejects it', async () => {
    const t = await tenant('proposal');
    const settings = await server.gql(
      UpdateExtractionSettingsDocument,
      { input: { clientConfidenceThreshold: 0.99, practiceConfidenceThreshold: 0.99 } },
      t.admin,
    );
    expect(settings.data!.updateExtractionSettings).toEqual({
      settings: { clientConfidenceThreshold: 0.99, practiceConfidenceThreshold: 0.99 },
      userErrors: [],
    });
    const bad = await server.gql(
      UpdateExtractionSettingsDocument,
      { input: { clientConfidenceThreshold: 1.5 } },
      t.admin,
    );
    expect(bad.data!.updateExtractionSettings.userErrors[0]).toMatchObject({ code: 'OUT_OF_RANGE' });
    const forbidden = await server.gql(
      UpdateExtractionSettingsDocument,
      { input: { clientConfidenceThreshold: 0.1 } },
      t.agent,
    );
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await server.gql(ExtractionSettingsDocument, {}, t.agent)).data!.extractionSettings).toMatchObject({
      extractor: 'HEURISTIC',
      model: null,
    });

    const a = await ingest(t.agent, { messages: [{ role: 'user', content: JOHN }], userEmail: 'john.smith@email.com' });
    const b = await ingest(t.agent, {
      messages: [{ role: 'user', content: "Hi, I'm Anna Lee and I need a work permit." }],
    });
    expect(a.extraction).toMatchObject({
      status: 'SUCCEEDED',
      decision: 'PROPOSED',
      result: { client: null, practice: null },
    });
    expect(await counts(t.admin)).toEqual({ clients: 0, practices: 0, interactions: 0 });
    const proposals = await server.gql(ExtractionProposalsDocument, { first: 10 }, t.agent);
    expect(proposals.data!.extractionProposals.nodes.map((n) => n.id)).toEqual([b.extraction!.id, a.extraction!.id]);
    expect(
      proposals.data!.extractionProposals.nodes[1].fields.find((f) => f.field === 'practiceTypeCode'),
    ).toMatchObject({
      value: 'PT_PMA',
      evidence: expect.stringContaining('PT PMA'),
    });

    const accepted = await server.gql(AcceptExtractionDocument, { input: { id: a.extraction!.id } }, t.agent);
    expect(accepted.data!.acceptExtraction.extraction).toMatchObject({
      decision: 'ACCEPTED',
      result: {
        clientCreated: true,
        practiceCreated: true,
        client: { fullName: 'John Smith' },
        practice: { type: { code: 'PT_PMA' } },
      },
    });
    const twice = await server.gql(AcceptExtractionDocument, { input: { id: a.extraction!.id } }, t.agent);
    expect(twice.data!.acceptExtraction.userErrors[0]).toMatchObject({ code: 'NOT_PROPOSED' });
    const rejected = await server.gql(
      RejectExtractionDocument,
      { input: { id: b.extraction!.id, reason: 'spam' } },
      t.agent,
    );
    expect(rejected.data!.rejectExtraction.extraction).toMatchObject({ decision: 'REJECTED' });
    expect(await counts(t.admin)).toEqual({ clients: 1, practices: 1, interactions: 1 });
    expect(
      (await server.gql(ExtractionProposalsDocument, { first: 10 }, t.agent)).data!.extractionProposals.totalCount,
    ).toBe(0);
  });

  it('accepts a proposal under an existing client with a corrected practice type', async () => {
    const t = await tenant('correct');
    await server.gql(UpdateExtractionSettingsDocument, { input: { clientConfidenceThreshold: 0.99 } }, t.admin);
    const c = await server.gql(CreateClientDocument, { input: { fullName: 'Known Client' } }, t.admin);
    const known = c.data!.createClient.client!.id;
    const p = await ingest(t.agent, {
      messages: [{ role: 'user', content: 'hi i need help with visa stuff, my name is Bob' }],
    });
    expect(p.extraction!.decision).toBe('PROPOSED');
    const unknownType = await server.gql(
      AcceptExtractionDocument,
      { input: { id: p.extraction!.id, clientId: known, practiceTypeCode: 'NOPE' } },
      t.agent,
    );
    expect(unknownType.data!.acceptExtraction.userErrors[0]).toMatchObject({ code: 'UNKNOWN_PRACTICE_TYPE' });
    const ok = await server.gql(
      AcceptExtractionDocument,
      { input: { id: p.extraction!.id, clientId: known, practiceTypeCode: 'KITAS' } },
      t.agent,
    );
    expect(ok.data!.acceptExtraction.extraction!.result).toMatchObject({
      clientCreated: false,
      client: { id: known },
      practice: { type: { code: 'KITAS' } },
      practiceCreated: true,
    });
  });

  it('keeps tenants apart: the same sessionId twice, and foreign ids behave as missing', async () => {
    const a = await tenant('conv-a');
    const b = await tenant('conv-b');
    const ina = await ingest(a.agent, { sessionId: 'shared-session', messages: [{ role: 'user', content: JOHN }] });
    const inb = await ingest(b.agent, { sessionId: 'shared-session', messages: [{ role: 'user', content: JOHN }] });
    expect(inb.conversation!.id).not.toBe(ina.conversation!.id);
    expect(inb.extraction!.status).toBe('SUCCEEDED');
    const foreign = await server.gql(ConversationByIdDocument, { id: ina.conversation!.id }, b.admin);
    expect(foreign.data!.conversation).toBeNull();
    await server.gql(UpdateExtractionSettingsDocument, { input: { clientConfidenceThreshold: 0.99 } }, a.admin);
    const proposal = await ingest(a.agent, { messages: [{ role: 'user', content: 'my name is Carl Jung' }] });
    const steal = await server.gql(AcceptExtractionDocument, { input: { id: proposal.extraction!.id } }, b.agent);
    expect(steal.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(
      (await server.gql(ExtractionProposalsDocument, { first: 5 }, b.agent)).data!.extractionProposals.totalCount,
    ).toBe(0);
  });

  it('with wait: false answers at once and announces the outcome on extractionCompleted', async () => {
    const t = await tenant('async');
    const other = await tenant('async-other');
    const ws = (token: string) => server.ws({ authorization: `Bearer ${token}` });
    const any = nextResults(ws(t.admin), ExtractionCompletedDocument, {}, 1, 10_000);
    const foreign = nextResults(ws(other.admin), ExtractionCompletedDocument, {}, 1, 2500);
    await Promise.all([any.ready, foreign.ready]);
    const res = await ingest(t.agent, {
      sessionId: 'async-1',
      wait: false,
      userEmail: 'john.smith@email.com',
      messages: [{ role: 'user', content: JOHN }],
    });
    expect(res.extraction).toMatchObject({ status: 'PENDING', decision: null, result: null });
    const [done] = await any.results;
    expect(done.extractionCompleted).toMatchObject({
      id: res.extraction!.id,
      status: 'SUCCEEDED',
      decision: 'APPLIED',
      conversation: { id: res.conversation!.id },
      result: { client: { fullName: 'John Smith' } },
    });
    await expect(foreign.results).rejects.toThrow(/got 0/);
  });
});
