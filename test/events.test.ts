/**
 * Every timeline event type, produced through the real GraphQL endpoint (mutations, a conversation
 * filed by the heuristic extractor, renewal scans) and checked against its one documented payload
 * shape (src/modules/timeline/event-payloads.ts, docs/events.md), whoever triggered it.
 */
import { readFileSync } from 'node:fs';

import type { ZodType } from 'zod';

import { renderEventsDoc } from '../src/modules/timeline/event-docs.js';
import { EVENTS } from '../src/modules/timeline/event-payloads.js';
import { TimelineEventType } from '../src/modules/timeline/timeline-event.enums.js';
import {
  AcceptExtractionDocument,
  AcceptQuoteDocument,
  AcknowledgeRenewalAlertDocument,
  AddPracticeDocumentDocument,
  ArchiveClientDocument,
  ArchivePipelineDocument,
  ArchivePipelineStageDocument,
  CompleteTaskDocument,
  ConvertLeadDocument,
  CreateClientDocument,
  CreateDealDocument,
  CreatePipelineDocument,
  CreatePipelineStageDocument,
  CreatePracticeDocument,
  CreatePracticeTypeDocument,
  CreateQuoteDocument,
  CreateRequesterTicketDocument,
  CreateTaskDocument,
  CreateTicketDocument,
  DeactivatePracticeTypeDocument,
  DeactivateTeamMemberDocument,
  DeleteInteractionDocument,
  DeleteTaskDocument,
  DismissRenewalAlertDocument,
  IngestConversationDocument,
  type IngestConversationInput,
  LinkTicketDocument,
  LogInteractionDocument,
  LogVisitDocument,
  LoseDealDocument,
  MergeClientsDocument,
  MoveDealStageDocument,
  PipelinesDocument,
  PracticeRenewalAlertsDocument,
  ReactivateTeamMemberDocument,
  RejectExtractionDocument,
  RejectQuoteDocument,
  RemoveDocumentDocument,
  RenewPracticeDocument,
  ReopenTaskDocument,
  ReorderPipelineStagesDocument,
  RunRenewalScanDocument,
  RunTaskDueScanDocument,
  SendQuoteDocument,
  SnoozeRenewalAlertDocument,
  TimelineDocument,
  type TimelineQuery,
  TransitionPracticeDocument,
  UnlinkTicketDocument,
  UpdateClientDocument,
  UpdateDealDocument,
  UpdateDocumentDocument,
  UpdateExtractionSettingsDocument,
  UpdateInteractionDocument,
  UpdateLeadScoringDocument,
  UpdatePipelineDocument,
  UpdatePipelineStageDocument,
  UpdatePracticeDocument,
  UpdatePracticeTypeDocument,
  UpdateQuoteDocument,
  UpdateRenewalSettingsDocument,
  UpdateTaskDocument,
  UpdateTeamMemberDocument,
  UpdateTicketDocument,
  ViewerDocument,
  WinDealDocument,
} from './generated/graphql.js';
import { type GqlResponse, startTestServer, type TestServer, uniq } from './helpers/server.js';

/**
 * Event types the walk below cannot produce through the API, each with the reason. Empty today:
 * every type is produced. (EXTRACTION_COMPLETED's FAILED variant, written when the extractor
 * fails, has the same shape as the SUCCEEDED one produced here.)
 */
const NOT_THROUGH_THE_API: Partial<Record<TimelineEventType, string>> = {};

const TODAY = '2027-03-01';
/** Noon in Asia/Makassar (UTC+8, the default tenant time zone) of a local date. */
const makassarNoon = (date: string) => `${date}T04:00:00Z`;
function plus(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

const JOHN = 'Hi, my name is John Smith. I want to open a PT PMA for coffee export business.';

const payloadOf = (type: TimelineEventType): ZodType => EVENTS[type].payload;

interface Event {
  type: TimelineEventType;
  actorLabel: string;
  summary: string;
  data: Record<string, unknown>;
}

describe('Timeline events: one payload shape per type', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  /** The payload of a mutation result, failing on errors and userErrors. */
  function ok<R, K extends keyof R>(res: GqlResponse<R>, key: K): NonNullable<R[K]> {
    expect(res.errors).toBeUndefined();
    const payload = res.data![key] as { userErrors?: unknown[] } | null | undefined;
    expect(payload?.userErrors ?? []).toEqual([]);
    return payload as NonNullable<R[K]>;
  }

  /** Every event of the caller's tenant, oldest first. */
  async function timeline(token: string): Promise<Event[]> {
    const all: Event[] = [];
    let after: string | null = null;
    for (;;) {
      const res: GqlResponse<TimelineQuery> = await server.gql(TimelineDocument, { first: 100, after }, token);
      expect(res.errors).toBeUndefined();
      const page = res.data!.timeline;
      all.push(...page.edges.map((e) => e.node as unknown as Event));
      if (page.edges.length < 100) break;
      after = page.edges.at(-1)!.cursor;
    }
    return all.reverse();
  }

  it('documents every event type (a payload schema, its emitters, a section in docs/events.md)', () => {
    const docs = readFileSync(new URL('../docs/events.md', import.meta.url), 'utf8');
    for (const type of Object.values(TimelineEventType)) {
      const def = (EVENTS as Record<string, { payload?: unknown; emittedBy?: string } | undefined>)[type];
      expect({ type, payload: Boolean(def?.payload), emittedBy: Boolean(def?.emittedBy) }).toEqual({
        type,
        payload: true,
        emittedBy: true,
      });
      expect({ type, documented: docs.includes(`## ${type}\n`) }).toEqual({ type, documented: true });
    }
    expect(Object.keys(EVENTS).sort()).toEqual(Object.values(TimelineEventType).sort());
    expect(docs).toBe(renderEventsDoc()); // stale: run `npm run schema`
  });

  it('produces every event type through the API, each payload of its one documented shape', async () => {
    server.app.services.clock.set(makassarNoon(TODAY));
    const slug = uniq('events');
    const admin = await server.tokenFor(slug, 'ADMIN');
    const agent = await server.tokenFor(slug, 'AGENT');

    // Clients.
    const client = async (fullName: string, extra: Record<string, unknown> = {}) =>
      ok(await server.gql(CreateClientDocument, { input: { fullName, ...extra } }, agent), 'createClient').client!.id;
    const walker = await client('Walker Person', { email: 'walker@events.test', tags: ['vip'] });
    ok(
      await server.gql(UpdateClientDocument, { input: { id: walker, nationality: 'Italian' } }, agent),
      'updateClient',
    );
    ok(await server.gql(ArchiveClientDocument, { input: { id: walker, archived: true } }, agent), 'archiveClient');
    ok(await server.gql(ArchiveClientDocument, { input: { id: walker, archived: false } }, agent), 'archiveClient');
    const duplicate = await client('Walker Duplicate', { phone: '+39 333 1234567' });
    ok(
      await server.gql(MergeClientsDocument, { input: { survivorId: walker, mergedId: duplicate } }, agent),
      'mergeClients',
    );

    // Practices.
    const practice = async (expiryDate: string | null, practiceTypeCode = 'KITAS') =>
      ok(
        await server.gql(CreatePracticeDocument, { input: { clientId: walker, practiceTypeCode, expiryDate } }, agent),
        'createPractice',
      ).practice!.id;
    const kitas = await practice(plus(TODAY, 5));
    ok(
      await server.gql(
        UpdatePracticeDocument,
        { input: { id: kitas, notes: 'Passport copy pending', actualPrice: { amount: '1500000' } } },
        agent,
      ),
      'updatePractice',
    );
    ok(
      await server.gql(TransitionPracticeDocument, { input: { id: kitas, status: 'QUOTATION_SENT' } }, agent),
      'transitionPractice',
    );
    ok(
      await server.gql(
        AddPracticeDocumentDocument,
        { input: { practiceId: kitas, name: 'Passport', kind: 'passport' } },
        agent,
      ),
      'addPracticeDocument',
    );

    // Deals.
    const pipeline = (await server.gql(PipelinesDocument, {}, agent)).data!.pipelines.find((p) => p.isDefault)!;
    const openStages = pipeline.stages.filter((s) => s.kind === 'OPEN');
    const deal = async (title: string) =>
      ok(await server.gql(CreateDealDocument, { input: { title, clientId: walker } }, agent), 'createDeal').deal!.id;
    const won = await deal('Won deal');
    ok(
      await server.gql(
        UpdateDealDocument,
        { input: { id: won, amount: { amount: '2500000' }, probability: 40 } },
        agent,
      ),
      'updateDeal',
    );
    ok(
      await server.gql(MoveDealStageDocument, { input: { id: won, stageId: openStages[1].id } }, agent),
      'moveDealStage',
    );
    ok(await server.gql(WinDealDocument, { input: { id: won } }, agent), 'winDeal');
    const lost = await deal('Lost deal');
    ok(await server.gql(LoseDealDocument, { input: { id: lost, reason: 'Too expensive' } }, agent), 'loseDeal');

    // Tickets.
    const ticket = ok(
      await server.gql(
        CreateTicketDocument,
        { input: { subject: 'Photo size?', channel: 'WHATSAPP', practiceId: kitas } },
        agent,
      ),
      'createTicket',
    ).ticket!.id;
    ok(await server.gql(UpdateTicketDocument, { input: { id: ticket, priority: 'HIGH' } }, agent), 'updateTicket');
    ok(await server.gql(UpdateTicketDocument, { input: { id: ticket, status: 'RESOLVED' } }, agent), 'updateTicket');
    ok(await server.gql(LinkTicketDocument, { input: { id: ticket, targetId: won } }, agent), 'linkTicket');
    ok(await server.gql(UnlinkTicketDocument, { input: { id: ticket, targetId: won } }, agent), 'unlinkTicket');

    // Interactions (by a person; the conversation below logs another).
    ok(
      await server.gql(
        LogInteractionDocument,
        {
          input: {
            clientId: walker,
            practiceId: kitas,
            kind: 'CALL',
            summary: 'Called about the photo',
            actionItems: ['Send specs'],
          },
        },
        agent,
      ),
      'logInteraction',
    );

    // Tasks: created, changed, completed, reopened, coming due (a scan), deleted.
    const task = ok(
      await server.gql(
        CreateTaskDocument,
        { input: { title: 'Call Walker', type: 'CALL', practiceId: kitas, dueAt: `${TODAY}T03:00:00.000Z` } },
        agent,
      ),
      'createTask',
    ).task!.id;
    ok(
      await server.gql(UpdateTaskDocument, { input: { id: task, priority: 'HIGH', notes: 'Re: photo' } }, agent),
      'updateTask',
    );
    ok(await server.gql(CompleteTaskDocument, { input: { id: task } }, agent), 'completeTask');
    ok(await server.gql(ReopenTaskDocument, { input: { id: task } }, agent), 'reopenTask');
    const due = await server.gql(RunTaskDueScanDocument, {}, admin);
    expect(due.data?.runTaskDueScan.raised).toBe(1);
    ok(await server.gql(DeleteTaskDocument, { input: { id: task } }, agent), 'deleteTask');
    // Leads and interaction edits: a visit updated and deleted, a lead converted (with a new
    // organisation), the lead score weights changed, a ticket linked to its client by its requester.
    const visit = ok(
      await server.gql(
        LogVisitDocument,
        {
          input: {
            clientId: walker,
            kind: 'VISIT',
            summary: 'Visited',
            location: { latitude: -8.5, longitude: 115.2 },
          },
        },
        agent,
      ),
      'logInteraction',
    ).interaction!.id;
    ok(
      await server.gql(UpdateInteractionDocument, { input: { id: visit, outcome: 'Signed' } }, agent),
      'updateInteraction',
    );
    ok(await server.gql(DeleteInteractionDocument, { input: { id: visit } }, agent), 'deleteInteraction');
    const lead = await client('Lena Lead', { bant: { need: 'HIGH', budget: { amount: '1000' } } });
    ok(
      await server.gql(ConvertLeadDocument, { input: { clientId: lead, organization: { name: 'PT Lena' } } }, agent),
      'convertLead',
    );
    ok(await server.gql(UpdateLeadScoringDocument, { input: { needWeight: 50 } }, admin), 'updateLeadScoring');
    ok(
      await server.gql(
        CreateRequesterTicketDocument,
        { input: { subject: 'By email', requesterEmail: 'Walker@Events.test' } },
        agent,
      ),
      'createTicket',
    );

    // Renewals: settings, a scan that raises, the alert workflow, a scan that reopens, a renewal.
    ok(
      await server.gql(UpdateRenewalSettingsDocument, { input: { scanTime: '06:30' } }, admin),
      'updateRenewalSettings',
    );
    const snoozeMe = await practice(plus(TODAY, 20));
    const renewMe = await practice(plus(TODAY, 25), 'KITAP');
    const scan = async () => {
      const res = await server.gql(RunRenewalScanDocument, {}, admin);
      expect(res.errors).toBeUndefined();
    };
    await scan(); // raises the 7-day alert of kitas and the 30-day ones of snoozeMe and renewMe
    const alertOf = async (practiceId: string) =>
      (await server.gql(PracticeRenewalAlertsDocument, { id: practiceId }, agent)).data!.practice!.renewalAlerts[0].id;
    ok(
      await server.gql(AcknowledgeRenewalAlertDocument, { input: { id: await alertOf(kitas) } }, agent),
      'acknowledgeRenewalAlert',
    );
    const snoozed = await alertOf(snoozeMe);
    ok(
      await server.gql(SnoozeRenewalAlertDocument, { input: { id: snoozed, until: plus(TODAY, 2) } }, agent),
      'snoozeRenewalAlert',
    );
    server.app.services.clock.set(makassarNoon(plus(TODAY, 2)));
    await scan(); // reopens the snoozed alert
    ok(await server.gql(DismissRenewalAlertDocument, { input: { id: snoozed } }, agent), 'dismissRenewalAlert');
    ok(
      await server.gql(RenewPracticeDocument, { input: { id: renewMe, expiryDate: plus(TODAY, 400) } }, agent),
      'renewPractice',
    );

    // Conversations: filed by the auto-CRM (a new client, practice and interaction), one that
    // fills an empty field of the matched client, then proposals a person accepts and rejects.
    const ingest = async (content: string, extra: Partial<IngestConversationInput> = {}) => {
      const res = await server.gql(
        IngestConversationDocument,
        { input: { sessionId: uniq('session'), messages: [{ role: 'user', content }], ...extra } },
        agent,
      );
      return ok(res, 'ingestConversation').extraction!;
    };
    expect(await ingest(JOHN, { userEmail: 'john.smith@email.com' })).toMatchObject({ decision: 'APPLIED' });
    await ingest('Hello, this is John Smith again, write to john.smith@email.com. My number is 0812 1111 2222.');
    ok(
      await server.gql(
        UpdateExtractionSettingsDocument,
        { input: { clientConfidenceThreshold: 0.99, practiceConfidenceThreshold: 0.99 } },
        admin,
      ),
      'updateExtractionSettings',
    );
    const accept = await ingest("Hi, I'm Anna Lee and I need a work permit.");
    const reject = await ingest('Hello, my name is Rita Moreno and I want a KITAS.');
    expect([accept.decision, reject.decision]).toEqual(['PROPOSED', 'PROPOSED']);
    ok(await server.gql(AcceptExtractionDocument, { input: { id: accept.id } }, agent), 'acceptExtraction');
    ok(
      await server.gql(RejectExtractionDocument, { input: { id: reject.id, reason: 'spam' } }, agent),
      'rejectExtraction',
    );

    // Quotes: drafted, updated, sent; one accepted (moving its practice and deal), one rejected,
    // one expired by the schedule.
    const quote = async (validUntil: string, practiceId?: string, dealId?: string) => {
      const lineItems = [{ description: 'Service fee', unitPrice: '1500000', taxRate: '11' }];
      const id = ok(
        await server.gql(
          CreateQuoteDocument,
          { input: { clientId: walker, validUntil, practiceId, dealId, lineItems } },
          agent,
        ),
        'createQuote',
      ).quote!.id;
      ok(await server.gql(SendQuoteDocument, { input: { id } }, agent), 'sendQuote');
      return id;
    };
    const draft = ok(
      await server.gql(CreateQuoteDocument, { input: { clientId: walker, notes: 'Draft' } }, agent),
      'createQuote',
    ).quote!.id;
    ok(
      await server.gql(
        UpdateQuoteDocument,
        { input: { id: draft, lineItems: [{ description: 'Fee', unitPrice: '100' }] } },
        agent,
      ),
      'updateQuote',
    );
    const quoted = await practice(null);
    const accepted = await quote(plus(TODAY, 30), quoted, await deal('Quoted deal'));
    ok(await server.gql(AcceptQuoteDocument, { input: { id: accepted } }, agent), 'acceptQuote');
    const rejected = await quote(plus(TODAY, 30));
    ok(await server.gql(RejectQuoteDocument, { input: { id: rejected, reason: 'Later' } }, agent), 'rejectQuote');
    await quote(plus(TODAY, 2));
    server.app.services.clock.set(makassarNoon(plus(TODAY, 3)));
    expect(await server.app.services.quotes.expireDue(server.app.db.orm.em)).toBeGreaterThanOrEqual(1);
    // Administration: practice types, pipelines and stages, documents, team members.
    const type = ok(
      await server.gql(
        CreatePracticeTypeDocument,
        { input: { code: 'GOLDEN_VISA', name: 'Golden visa', renewable: true, validityMonths: 60 } },
        admin,
      ),
      'createPracticeType',
    ).practiceType!.id;
    ok(
      await server.gql(UpdatePracticeTypeDocument, { input: { id: type, defaultPrice: { amount: '1000' } } }, admin),
      'updatePracticeType',
    );
    ok(await server.gql(DeactivatePracticeTypeDocument, { input: { id: type } }, admin), 'deactivatePracticeType');
    const created = ok(
      await server.gql(CreatePipelineDocument, { input: { name: 'Events' } }, admin),
      'createPipeline',
    ).pipeline!;
    ok(
      await server.gql(UpdatePipelineDocument, { input: { id: created.id, isDefault: true } }, admin),
      'updatePipeline',
    );
    ok(
      await server.gql(UpdatePipelineDocument, { input: { id: pipeline.id, isDefault: true } }, admin),
      'updatePipeline',
    );
    const extra = ok(
      await server.gql(CreatePipelineStageDocument, { input: { pipelineId: created.id, name: 'Extra' } }, admin),
      'createPipelineStage',
    ).stage!;
    ok(
      await server.gql(UpdatePipelineStageDocument, { input: { id: extra.id, probability: 15 } }, admin),
      'updatePipelineStage',
    );
    ok(
      await server.gql(
        ReorderPipelineStagesDocument,
        { input: { pipelineId: created.id, stageIds: [extra.id, ...created.stages.map((st) => st.id)] } },
        admin,
      ),
      'reorderPipelineStages',
    );
    ok(await server.gql(ArchivePipelineStageDocument, { input: { id: extra.id } }, admin), 'archivePipelineStage');
    ok(await server.gql(ArchivePipelineDocument, { input: { id: created.id } }, admin), 'archivePipeline');
    const doc = ok(
      await server.gql(
        AddPracticeDocumentDocument,
        { input: { practiceId: kitas, name: 'Photo', kind: 'photo' } },
        agent,
      ),
      'addPracticeDocument',
    ).document!.id;
    ok(await server.gql(UpdateDocumentDocument, { input: { id: doc, name: 'Photo 4x6' } }, agent), 'updateDocument');
    ok(await server.gql(UpdateDocumentDocument, { input: { id: doc, status: 'RECEIVED' } }, agent), 'updateDocument');
    ok(await server.gql(RemoveDocumentDocument, { input: { id: doc } }, agent), 'removeDocument');
    const agentId = (await server.gql(ViewerDocument, {}, agent)).data!.viewer!.id;
    ok(await server.gql(DeactivateTeamMemberDocument, { input: { id: agentId } }, admin), 'deactivateTeamMember');
    ok(await server.gql(ReactivateTeamMemberDocument, { input: { id: agentId } }, admin), 'reactivateTeamMember');
    ok(
      await server.gql(UpdateTeamMemberDocument, { input: { id: agentId, name: 'Agent Renamed' } }, admin),
      'updateTeamMember',
    );
    // A CSV import (SYNC_STARTED, SYNC_FINISHED; a client created by a sync).
    const imported = await fetch(`${server.url}/imports?wait=true`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', authorization: `Bearer ${admin}` },
      body: 'fullName,email\nImported Person,imported.person@example.com\n',
    });
    expect(((await imported.json()) as { syncRun: { status: string } }).syncRun.status).toBe('SUCCEEDED');

    // Every event: its type's one shape.
    const events = await timeline(admin);
    const wrong = events
      .map((e) => ({ e, parsed: payloadOf(e.type).safeParse(e.data) }))
      .filter((x) => !x.parsed.success)
      .map(({ e, parsed }) => ({ type: e.type, summary: e.summary, data: e.data, issues: parsed.error!.issues }));
    expect(wrong).toEqual([]);

    // Every type produced (or listed, with a reason, as impossible through the API).
    const produced = new Set(events.map((e) => e.type));
    const missing = Object.values(TimelineEventType).filter((t) => !produced.has(t) && !NOT_THROUGH_THE_API[t]);
    expect(missing).toEqual([]);

    // The same shape whoever triggered it: a person, a conversation, a renewal.
    const sources = (type: TimelineEventType) =>
      [...new Set(events.filter((e) => e.type === type).map((e) => (e.data.source as { kind: string }).kind))].sort();
    expect(sources(TimelineEventType.CLIENT_CREATED)).toEqual(['CONVERSATION', 'PERSON', 'SYNC']);
    expect(sources(TimelineEventType.PRACTICE_CREATED)).toEqual(['CONVERSATION', 'PERSON']);
    expect(sources(TimelineEventType.INTERACTION_LOGGED)).toEqual(['CONVERSATION', 'PERSON']);
    expect(sources(TimelineEventType.TASK_CREATED)).toEqual(['CONVERSATION', 'PERSON']);
    const renewal = events.find(
      (e) => e.type === TimelineEventType.PRACTICE_CREATED && (e.data.after as { renewalOf: string | null }).renewalOf,
    );
    expect(renewal?.data.after).toMatchObject({ type: 'KITAP', status: 'INQUIRY', expiryDate: plus(TODAY, 400) });
    const enriched = events.find(
      (e) => e.type === TimelineEventType.CLIENT_UPDATED && e.summary.includes('from conversation'),
    );
    expect(enriched?.data).toEqual({ before: { phone: null }, after: { phone: '+6281211112222' } });
    const filed = events.filter((e) => e.type === TimelineEventType.EXTRACTION_COMPLETED);
    expect(filed.map((e) => e.actorLabel)).toEqual(filed.map(() => 'system'));
  });
});
