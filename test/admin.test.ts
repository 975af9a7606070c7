/**
 * Administration through the real endpoint (issue 17): practice types, pipelines and their stages,
 * documents of practices, and deactivating team members (tokens, API keys and WebSockets stop at
 * once). Every mutation: success, a validation failure that changes nothing, another tenant's IDs
 * (NOT_FOUND, nothing changed) and a VIEWER refused.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { Client as WsClient } from 'graphql-ws';

import {
  AddPracticeDocumentDocument,
  AdminEventsDocument,
  AdminPipelinesDocument,
  AdminPracticeDocumentsDocument,
  AdminPracticeTypesDocument,
  AdminTeamDocument,
  ArchivePipelineDocument,
  ArchivePipelineStageDocument,
  CpNodeDocument,
  CreateApiKeyDocument,
  CreateClientDocument,
  CreateDealDocument,
  CreatePipelineDocument,
  CreatePipelineStageDocument,
  CreatePracticeDocument,
  CreatePracticeTypeDocument,
  DeactivatePracticeTypeDocument,
  DeactivateTeamMemberDocument,
  MoveDealStageDocument,
  PracticeByIdDocument,
  ReactivateTeamMemberDocument,
  RemoveDocumentDocument,
  RenewPracticeDocument,
  ReorderPipelineStagesDocument,
  UpdateDocumentDocument,
  UpdatePipelineDocument,
  UpdatePipelineStageDocument,
  UpdatePracticeTypeDocument,
  UpdateTeamMemberDocument,
  ViewerDocument,
  WinDealDocument,
} from './generated/graphql.js';
import {
  type Auth,
  type GqlResponse,
  startTestServer,
  type TestServer,
  uniq,
  usingPostgres,
} from './helpers/server.js';

type Payload = { userErrors: { code: string; message: string; field?: string[] | null }[] };

/** Resolves with the close code and reason of a graphql-ws client's socket. */
function closeOf(client: WsClient): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) =>
    client.on('closed', (event) => {
      const { code, reason } = event as { code: number; reason: string };
      resolve({ code, reason });
    }),
  );
}

const connected = (client: WsClient) => new Promise<void>((resolve) => client.on('connected', () => resolve()));

describe('Administration', () => {
  let server: TestServer;
  const tenantA = uniq('admin-a');
  const tenantB = uniq('admin-b');
  let adminA: string;
  let managerA: string;
  let agentA: string;
  let viewerA: string;
  let adminB: string;
  let clientA: string;
  let practiceA: string;
  let defaultPipelineA: string;
  /** IDs of tenant B, for the foreign-ID tests. */
  const b = {} as { practiceType: string; pipeline: string; stage: string; document: string; member: string };

  async function gql<R, V>(doc: TypedDocumentNode<R, V>, variables: V, auth: Auth): Promise<GqlResponse<R>> {
    return server.gql(doc, variables, auth);
  }

  /** The payload of a mutation, failing on errors and userErrors. */
  function ok<R, K extends keyof R>(res: GqlResponse<R>, key: K): NonNullable<R[K]> {
    expect(res.errors).toBeUndefined();
    const payload = res.data![key] as unknown as Payload;
    expect(payload.userErrors).toEqual([]);
    return res.data![key] as NonNullable<R[K]>;
  }

  /** The codes of a mutation's userErrors (its records null). */
  function codes<R, K extends keyof R>(res: GqlResponse<R>, key: K): string[] {
    expect(res.errors).toBeUndefined();
    const payload = res.data![key] as unknown as Payload & Record<string, unknown>;
    for (const [k, v] of Object.entries(payload)) if (k !== 'userErrors') expect(v).toBeNull();
    return payload.userErrors.map((e) => e.code);
  }

  /** Everything administration can change in a tenant, as an admin of it sees it (with the event count). */
  async function state(admin: string, practiceId?: string) {
    const [types, pipelines, team, events, docs] = await Promise.all([
      gql(AdminPracticeTypesDocument, { includeInactive: true }, admin),
      gql(AdminPipelinesDocument, { includeArchived: true }, admin),
      gql(AdminTeamDocument, {}, admin),
      gql(AdminEventsDocument, {}, admin),
      practiceId ? gql(AdminPracticeDocumentsDocument, { id: practiceId }, admin) : Promise.resolve(null),
    ]);
    return {
      types: types.data,
      pipelines: pipelines.data,
      team: team.data,
      events: events.data?.timeline.totalCount,
      docs: docs?.data,
    };
  }

  const events = async (type: string, token = adminA) =>
    (await gql(AdminEventsDocument, { types: [type as never] }, token)).data!.timeline.nodes;

  const newClient = async (fullName: string, token: string) =>
    ok(await gql(CreateClientDocument, { input: { fullName } }, token), 'createClient').client!.id;
  const newPractice = async (clientId: string, practiceTypeCode: string, token: string) =>
    ok(await gql(CreatePracticeDocument, { input: { clientId, practiceTypeCode } }, token), 'createPractice').practice!
      .id;
  const newDocument = async (practiceId: string, name: string, token: string) =>
    ok(
      await gql(AddPracticeDocumentDocument, { input: { practiceId, name, kind: 'passport' } }, token),
      'addPracticeDocument',
    ).document!.id;
  const newDeal = async (clientId: string, token: string, input: { pipelineId?: string; stageId?: string } = {}) =>
    ok(await gql(CreateDealDocument, { input: { title: uniq('deal'), clientId, ...input } }, token), 'createDeal').deal!
      .id;
  const newPipeline = async (name: string, token = adminA) =>
    ok(await gql(CreatePipelineDocument, { input: { name } }, token), 'createPipeline').pipeline!;
  const pipelineOf = async (id: string, token = adminA) =>
    (await gql(AdminPipelinesDocument, { includeArchived: true }, token)).data!.pipelines.find((p) => p.id === id)!;

  beforeAll(async () => {
    server = await startTestServer();
    [adminA, managerA, agentA, viewerA, adminB] = await Promise.all([
      server.tokenFor(tenantA, 'ADMIN'),
      server.tokenFor(tenantA, 'MANAGER'),
      server.tokenFor(tenantA, 'AGENT'),
      server.tokenFor(tenantA, 'VIEWER'),
      server.tokenFor(tenantB, 'ADMIN'),
    ]);
    clientA = await newClient('Ada Admin', adminA);
    practiceA = await newPractice(clientA, 'KITAS', adminA);
    defaultPipelineA = (await gql(AdminPipelinesDocument, {}, adminA)).data!.pipelines.find((p) => p.isDefault)!.id;

    const typesB = (await gql(AdminPracticeTypesDocument, {}, adminB)).data!.practiceTypes;
    b.practiceType = typesB[0].id;
    const pipelineB = (await gql(AdminPipelinesDocument, {}, adminB)).data!.pipelines[0];
    b.pipeline = pipelineB.id;
    b.stage = pipelineB.stages[1].id;
    const clientB = await newClient('Bo Other', adminB);
    b.document = await newDocument(await newPractice(clientB, 'KITAS', adminB), 'B passport', adminB);
    await server.tokenFor(tenantB, 'AGENT');
    b.member = (await gql(AdminTeamDocument, {}, adminB)).data!.teamMembers.nodes.find((m) => m.role === 'AGENT')!.id;
  });
  afterAll(() => server?.close());

  describe('practice types', () => {
    it('createPracticeType adds a type (MANAGER) with its price and validity, offered for new practices at once', async () => {
      const created = ok(
        await gql(
          CreatePracticeTypeDocument,
          {
            input: {
              code: 'golden visa',
              name: 'Golden visa',
              renewable: true,
              validityMonths: 60,
              defaultPrice: { amount: '25000000.5' },
              requiredDocuments: ['passport', 'bank statement', 'PASSPORT'],
            },
          },
          managerA,
        ),
        'createPracticeType',
      ).practiceType!;
      expect(created).toMatchObject({
        code: 'GOLDEN_VISA',
        name: 'Golden visa',
        renewable: true,
        validityMonths: 60,
        renewalPeriodDays: null,
        active: true,
        defaultPrice: { amount: '25000000.50', currency: 'IDR' },
        requiredDocuments: ['PASSPORT', 'BANK_STATEMENT'],
      });
      const practice = ok(
        await gql(CreatePracticeDocument, { input: { clientId: clientA, practiceTypeCode: 'GOLDEN_VISA' } }, agentA),
        'createPractice',
      ).practice!;
      expect(practice).toMatchObject({ type: { code: 'GOLDEN_VISA' }, quotedPrice: { amount: '25000000.50' } });
      const [event] = await events('PRACTICE_TYPE_CREATED');
      expect(event).toMatchObject({
        subject: { __typename: 'PracticeType', id: created.id },
        client: null,
        data: { after: { code: 'GOLDEN_VISA', validityMonths: 60, renewalPeriodDays: null } },
      });
    });

    it('createPracticeType refuses a taken code (any case), a bad code, two validity units, a renewable type without validity and a negative price; nothing is created', async () => {
      const before = await state(adminA);
      const res = await gql(
        CreatePracticeTypeDocument,
        { input: { code: 'kitas', name: 'Again', defaultPrice: { amount: '-1' } } },
        adminA,
      );
      expect(codes(res, 'createPracticeType').sort()).toEqual(['NEGATIVE_AMOUNT', 'TAKEN']);
      const res2 = await gql(
        CreatePracticeTypeDocument,
        { input: { code: '9lives', name: '', renewable: true, renewalPeriodDays: 30, validityMonths: 1 } },
        adminA,
      );
      expect(codes(res2, 'createPracticeType').sort()).toEqual(['INVALID_CODE', 'INVALID_LENGTH', 'VALIDITY_CONFLICT']);
      const res3 = await gql(
        CreatePracticeTypeDocument,
        { input: { code: 'NEW_ONE', name: 'x', renewable: true } },
        adminA,
      );
      expect(codes(res3, 'createPracticeType')).toEqual(['VALIDITY_REQUIRED']);
      expect(await state(adminA)).toEqual(before);
    });

    it('updatePracticeType changes name, price and validity (days ↔ months), recording before/after', async () => {
      const type = ok(
        await gql(
          CreatePracticeTypeDocument,
          {
            input: {
              code: uniq('T').replace('-', '_'),
              name: 'Visa on arrival',
              renewable: true,
              renewalPeriodDays: 30,
            },
          },
          adminA,
        ),
        'createPracticeType',
      ).practiceType!;
      const updated = ok(
        await gql(
          UpdatePracticeTypeDocument,
          { input: { id: type.id, name: 'VOA', validityMonths: 2, defaultPrice: { amount: '500000' } } },
          managerA,
        ),
        'updatePracticeType',
      ).practiceType!;
      expect(updated).toMatchObject({
        code: type.code,
        name: 'VOA',
        renewalPeriodDays: null,
        validityMonths: 2,
        defaultPrice: { amount: '500000.00' },
      });
      const [event] = await events('PRACTICE_TYPE_UPDATED');
      expect(event.data).toEqual({
        before: { name: 'Visa on arrival', renewalPeriodDays: 30, validityMonths: null, defaultPrice: null },
        after: {
          name: 'VOA',
          renewalPeriodDays: null,
          validityMonths: 2,
          defaultPrice: { amount: '500000.00', currency: 'IDR' },
        },
      });
    });

    it('updatePracticeType refuses an empty name, an out-of-range validity, and clearing the validity of a renewable type; nothing changes', async () => {
      const kitas = (await gql(AdminPracticeTypesDocument, {}, adminA)).data!.practiceTypes.find(
        (t) => t.code === 'KITAS',
      )!;
      const before = await state(adminA);
      expect(
        codes(
          await gql(UpdatePracticeTypeDocument, { input: { id: kitas.id, name: ' ', renewalPeriodDays: 0 } }, adminA),
          'updatePracticeType',
        ).sort(),
      ).toEqual(['INVALID_LENGTH', 'OUT_OF_RANGE']);
      expect(
        codes(
          await gql(UpdatePracticeTypeDocument, { input: { id: kitas.id, renewalPeriodDays: null } }, adminA),
          'updatePracticeType',
        ),
      ).toEqual(['VALIDITY_REQUIRED']);
      expect(await state(adminA)).toEqual(before);
    });

    it('deactivatePracticeType hides the type from new practices; existing practices keep it', async () => {
      const client = await newClient('Pat Practice', adminA);
      const existing = await newPractice(client, 'NPWP', adminA);
      const npwp = (await gql(AdminPracticeTypesDocument, {}, adminA)).data!.practiceTypes.find(
        (t) => t.code === 'NPWP',
      )!;
      const res = ok(
        await gql(DeactivatePracticeTypeDocument, { input: { id: npwp.id } }, managerA),
        'deactivatePracticeType',
      );
      expect(res.practiceType).toMatchObject({ code: 'NPWP', active: false });
      const offered = (await gql(AdminPracticeTypesDocument, {}, agentA)).data!.practiceTypes.map((t) => t.code);
      expect(offered).not.toContain('NPWP');
      const all = (await gql(AdminPracticeTypesDocument, { includeInactive: true }, agentA)).data!.practiceTypes;
      expect(all.find((t) => t.code === 'NPWP')).toMatchObject({ active: false });
      const refused = await gql(
        CreatePracticeDocument,
        { input: { clientId: client, practiceTypeCode: 'npwp' } },
        agentA,
      );
      expect(codes(refused, 'createPractice')).toEqual(['INACTIVE_PRACTICE_TYPE']);
      const kept = await gql(PracticeByIdDocument, { id: existing }, agentA);
      expect(kept.data!.practice!.type.code).toBe('NPWP');
      const [event] = await events('PRACTICE_TYPE_DEACTIVATED');
      expect(event).toMatchObject({
        subject: { id: npwp.id },
        data: { before: { active: true }, after: { active: false } },
      });
    });

    it('a practice of a deactivated type can still be renewed', async () => {
      const code = uniq('R').replace('-', '_').toUpperCase();
      const type = ok(
        await gql(
          CreatePracticeTypeDocument,
          { input: { code, name: 'Renewable', renewable: true, validityMonths: 12 } },
          adminA,
        ),
        'createPracticeType',
      ).practiceType!;
      const old = await newPractice(clientA, code, agentA);
      ok(await gql(DeactivatePracticeTypeDocument, { input: { id: type.id } }, adminA), 'deactivatePracticeType');
      const renewed = ok(
        await gql(RenewPracticeDocument, { input: { id: old, expiryDate: '2030-01-31' } }, agentA),
        'renewPractice',
      );
      expect(renewed.practice).toMatchObject({ type: { code }, renewalOf: { id: old } });
      expect(renewed.renewed!.id).toBe(old);
    });

    it('deactivatePracticeType refuses a type already inactive; nothing changes', async () => {
      const type = ok(
        await gql(
          CreatePracticeTypeDocument,
          { input: { code: uniq('X').replace('-', '_'), name: 'Short-lived' } },
          adminA,
        ),
        'createPracticeType',
      ).practiceType!;
      ok(await gql(DeactivatePracticeTypeDocument, { input: { id: type.id } }, adminA), 'deactivatePracticeType');
      const before = await state(adminA);
      expect(
        codes(await gql(DeactivatePracticeTypeDocument, { input: { id: type.id } }, adminA), 'deactivatePracticeType'),
      ).toEqual(['ALREADY_INACTIVE']);
      expect(await state(adminA)).toEqual(before);
    });
  });

  describe('pipelines and stages', () => {
    it('createPipeline makes a pipeline with the default stages, or given ones; isDefault moves the default', async () => {
      const plain = await newPipeline(uniq('Plain'), managerA);
      expect(plain.stages.map((s) => [s.name, s.kind, s.position])).toEqual([
        ['New lead', 'OPEN', 0],
        ['Qualified', 'OPEN', 1],
        ['Proposal sent', 'OPEN', 2],
        ['Negotiation', 'OPEN', 3],
        ['Won', 'WON', 4],
        ['Lost', 'LOST', 5],
      ]);
      const name = uniq('Renewals');
      const custom = ok(
        await gql(
          CreatePipelineDocument,
          {
            input: {
              name,
              isDefault: true,
              stages: [
                { name: 'Due', probability: 40 },
                { name: 'Renewed', kind: 'WON' },
                { name: 'Gone', kind: 'LOST' },
              ],
            },
          },
          adminA,
        ),
        'createPipeline',
      ).pipeline!;
      expect(custom.isDefault).toBe(true);
      expect(custom.stages.map((s) => [s.name, s.kind, s.probability])).toEqual([
        ['Due', 'OPEN', 40],
        ['Renewed', 'WON', 100],
        ['Gone', 'LOST', 0],
      ]);
      expect((await pipelineOf(defaultPipelineA)).isDefault).toBe(false);
      // New deals go to the new default.
      const deal = await newDeal(clientA, agentA);
      const pipelines = (await gql(AdminPipelinesDocument, {}, agentA)).data!.pipelines;
      expect(pipelines[0].id).toBe(custom.id);
      const [created] = await events('PIPELINE_CREATED');
      expect(created).toMatchObject({ subject: { id: custom.id }, data: { after: { name, isDefault: true } } });
      const moved = await events('PIPELINE_UPDATED');
      expect(moved.find((e) => (e.subject as { id: string }).id === defaultPipelineA)?.data).toEqual({
        before: { isDefault: true },
        after: { isDefault: false },
      });
      // Restore the original default for the other tests.
      ok(
        await gql(UpdatePipelineDocument, { input: { id: defaultPipelineA, isDefault: true } }, adminA),
        'updatePipeline',
      );
      expect(deal).toBeTruthy();
    });

    it('createPipeline refuses a taken name, duplicate stage names, a missing WON or LOST stage and a bad probability; nothing is created', async () => {
      const before = await state(adminA);
      expect(codes(await gql(CreatePipelineDocument, { input: { name: 'sales' } }, adminA), 'createPipeline')).toEqual([
        'TAKEN',
      ]);
      const res = await gql(
        CreatePipelineDocument,
        {
          input: {
            name: uniq('P'),
            stages: [{ name: 'A' }, { name: 'a', probability: 101 }, { name: 'W', kind: 'WON' }],
          },
        },
        adminA,
      );
      expect(codes(res, 'createPipeline').sort()).toEqual(['DUPLICATE_NAME', 'MISSING_STAGE_KIND', 'OUT_OF_RANGE']);
      expect(await state(adminA)).toEqual(before);
    });

    it('updatePipeline renames; refuses an empty name, a taken name and un-defaulting the default; nothing changes', async () => {
      const p = await newPipeline(uniq('Old name'));
      const renamed = ok(
        await gql(UpdatePipelineDocument, { input: { id: p.id, name: 'New name' } }, managerA),
        'updatePipeline',
      );
      expect(renamed.pipeline).toMatchObject({ id: p.id, name: 'New name', isDefault: false });
      const [event] = await events('PIPELINE_UPDATED');
      expect(event.data).toEqual({ before: { name: p.name }, after: { name: 'New name' } });
      const before = await state(adminA);
      expect(
        codes(await gql(UpdatePipelineDocument, { input: { id: p.id, name: '' } }, adminA), 'updatePipeline'),
      ).toEqual(['INVALID_LENGTH']);
      expect(
        codes(await gql(UpdatePipelineDocument, { input: { id: p.id, name: 'SALES' } }, adminA), 'updatePipeline'),
      ).toEqual(['TAKEN']);
      expect(
        codes(
          await gql(UpdatePipelineDocument, { input: { id: defaultPipelineA, isDefault: false } }, adminA),
          'updatePipeline',
        ),
      ).toEqual(['DEFAULT_REQUIRED']);
      expect(await state(adminA)).toEqual(before);
    });

    it('archivePipeline refuses the default pipeline and one holding deals (naming how many), then archives an empty one', async () => {
      const p = await newPipeline(uniq('Seasonal'));
      const deal = await newDeal(clientA, agentA, { pipelineId: p.id });
      const before = await state(adminA);
      const held = await gql(ArchivePipelineDocument, { input: { id: p.id } }, adminA);
      expect(codes(held, 'archivePipeline')).toEqual(['HAS_DEALS']);
      expect((held.data!.archivePipeline as Payload).userErrors[0].message).toMatch(/holds 1 deal:/);
      expect(
        codes(await gql(ArchivePipelineDocument, { input: { id: defaultPipelineA } }, adminA), 'archivePipeline'),
      ).toEqual(['IS_DEFAULT']);
      expect(await state(adminA)).toEqual(before);

      const empty = await newPipeline(uniq('Empty'));
      const archived = ok(await gql(ArchivePipelineDocument, { input: { id: empty.id } }, managerA), 'archivePipeline');
      expect(archived.pipeline!.archivedAt).not.toBeNull();
      const listed = (await gql(AdminPipelinesDocument, {}, agentA)).data!.pipelines.map((x) => x.id);
      expect(listed).not.toContain(empty.id);
      expect(listed).toContain(p.id);
      const refused = await gql(
        CreateDealDocument,
        { input: { title: 'x', clientId: clientA, pipelineId: empty.id } },
        agentA,
      );
      expect(codes(refused, 'createDeal')).toEqual(['ARCHIVED']);
      const [event] = await events('PIPELINE_ARCHIVED');
      expect(event).toMatchObject({ subject: { id: empty.id }, data: { after: { archived: true } } });
      expect(deal).toBeTruthy();
    });

    it('createPipelineStage inserts a stage at a position, renumbering the others; refuses a bad probability, position or duplicate name', async () => {
      const p = await newPipeline(uniq('Staged'));
      const created = ok(
        await gql(
          CreatePipelineStageDocument,
          { input: { pipelineId: p.id, name: 'Demo booked', probability: 30, position: 1 } },
          managerA,
        ),
        'createPipelineStage',
      ).stage!;
      expect(created).toMatchObject({ name: 'Demo booked', kind: 'OPEN', probability: 30, position: 1 });
      expect(created.pipeline.stages.map((s) => [s.name, s.position])).toEqual([
        ['New lead', 0],
        ['Demo booked', 1],
        ['Qualified', 2],
        ['Proposal sent', 3],
        ['Negotiation', 4],
        ['Won', 5],
        ['Lost', 6],
      ]);
      const [event] = await events('PIPELINE_STAGE_CREATED');
      expect(event).toMatchObject({
        subject: { __typename: 'PipelineStage', id: created.id },
        data: { pipeline: p.id, after: { name: 'Demo booked', kind: 'OPEN', probability: 30, position: 1 } },
      });
      const before = await state(adminA);
      const res = await gql(
        CreatePipelineStageDocument,
        { input: { pipelineId: p.id, name: 'demo BOOKED', probability: -1, position: 99 } },
        adminA,
      );
      expect(codes(res, 'createPipelineStage').sort()).toEqual(['DUPLICATE_NAME', 'OUT_OF_RANGE', 'OUT_OF_RANGE']);
      expect(await state(adminA)).toEqual(before);
    });

    it('updatePipelineStage renames and sets kind and probability; refuses a probability over 100, a kind change of a stage holding deals or one leaving no LOST stage', async () => {
      const p = await newPipeline(uniq('Kinds'));
      const [first, second] = p.stages;
      const lost = p.stages.find((s) => s.kind === 'LOST')!;
      const updated = ok(
        await gql(
          UpdatePipelineStageDocument,
          { input: { id: second.id, name: 'Qualified lead', probability: 35, kind: 'LOST' } },
          managerA,
        ),
        'updatePipelineStage',
      ).stage!;
      expect(updated).toMatchObject({ name: 'Qualified lead', probability: 35, kind: 'LOST' });
      const [event] = await events('PIPELINE_STAGE_UPDATED');
      expect(event.data).toEqual({
        pipeline: p.id,
        before: { name: 'Qualified', kind: 'OPEN', probability: 25 },
        after: { name: 'Qualified lead', kind: 'LOST', probability: 35 },
      });
      await newDeal(clientA, agentA, { pipelineId: p.id, stageId: first.id });
      const before = await state(adminA);
      expect(
        codes(
          await gql(UpdatePipelineStageDocument, { input: { id: first.id, probability: 150 } }, adminA),
          'updatePipelineStage',
        ),
      ).toEqual(['OUT_OF_RANGE']);
      const held = await gql(UpdatePipelineStageDocument, { input: { id: first.id, kind: 'WON' } }, adminA);
      expect(codes(held, 'updatePipelineStage')).toEqual(['HAS_DEALS']);
      expect((held.data!.updatePipelineStage as Payload).userErrors[0].message).toMatch(/holds 1 deal:/);
      ok(
        await gql(UpdatePipelineStageDocument, { input: { id: updated.id, kind: 'OPEN' } }, adminA),
        'updatePipelineStage',
      );
      const before2 = await state(adminA);
      expect(
        codes(
          await gql(UpdatePipelineStageDocument, { input: { id: lost.id, kind: 'OPEN' } }, adminA),
          'updatePipelineStage',
        ),
      ).toEqual(['MISSING_STAGE_KIND']);
      expect(await state(adminA)).toEqual(before2);
      expect(before2.events).toBe((before.events ?? 0) + 1);
    });

    it('reorderPipelineStages takes the full ordered list; refuses a missing, repeated or foreign stage', async () => {
      const p = await newPipeline(uniq('Order'));
      const ids = p.stages.map((s) => s.id);
      const reversed = [...ids].reverse();
      const res = ok(
        await gql(ReorderPipelineStagesDocument, { input: { pipelineId: p.id, stageIds: reversed } }, managerA),
        'reorderPipelineStages',
      );
      expect(res.pipeline!.stages.map((s) => [s.id, s.position])).toEqual(reversed.map((id, i) => [id, i]));
      const [event] = await events('PIPELINE_STAGES_REORDERED');
      expect(event.data).toEqual({ before: { stages: ids }, after: { stages: reversed } });

      const other = await newPipeline(uniq('Other'));
      const before = await state(adminA);
      const tries: [string[], string][] = [
        [reversed.slice(1), 'INCOMPLETE'],
        [[...reversed.slice(1), reversed[1]], 'DUPLICATE'],
        [[...reversed.slice(1), other.stages[0].id], 'NOT_FOUND'],
        [[...reversed.slice(1), b.stage], 'NOT_FOUND'],
      ];
      for (const [stageIds, code] of tries)
        expect(
          codes(
            await gql(ReorderPipelineStagesDocument, { input: { pipelineId: p.id, stageIds } }, adminA),
            'reorderPipelineStages',
          ),
        ).toEqual([code]);
      expect(await state(adminA)).toEqual(before);
    });

    it('archivePipelineStage refuses a stage holding deals (naming how many) and the last WON stage; once emptied it is archived, hidden and closed to deals', async () => {
      const p = await newPipeline(uniq('Archive'));
      const [lead, qualified] = p.stages;
      const won = p.stages.find((s) => s.kind === 'WON')!;
      const deals = [
        await newDeal(clientA, agentA, { pipelineId: p.id, stageId: qualified.id }),
        await newDeal(clientA, agentA, { pipelineId: p.id, stageId: qualified.id }),
      ];
      const before = await state(adminA);
      const held = await gql(ArchivePipelineStageDocument, { input: { id: qualified.id } }, adminA);
      expect(codes(held, 'archivePipelineStage')).toEqual(['HAS_DEALS']);
      expect((held.data!.archivePipelineStage as Payload).userErrors[0].message).toMatch(
        /^Stage Qualified holds 2 deals: move them to another stage first$/,
      );
      expect(
        codes(await gql(ArchivePipelineStageDocument, { input: { id: won.id } }, adminA), 'archivePipelineStage'),
      ).toEqual(['MISSING_STAGE_KIND']);
      expect(await state(adminA)).toEqual(before);

      for (const id of deals)
        ok(await gql(MoveDealStageDocument, { input: { id, stageId: lead.id } }, agentA), 'moveDealStage');
      const archived = ok(
        await gql(ArchivePipelineStageDocument, { input: { id: qualified.id } }, managerA),
        'archivePipelineStage',
      ).stage!;
      expect(archived.archivedAt).not.toBeNull();
      expect(archived.pipeline.stages.map((s) => s.id)).not.toContain(qualified.id);
      const all = (await pipelineOf(p.id)).allStages;
      expect(all.map((s) => [s.name, s.position])).toEqual([
        ['New lead', 0],
        ['Proposal sent', 1],
        ['Negotiation', 2],
        ['Won', 3],
        ['Lost', 4],
        ['Qualified', 5],
      ]);
      const move = await gql(MoveDealStageDocument, { input: { id: deals[0], stageId: qualified.id } }, agentA);
      expect(codes(move, 'moveDealStage')).toEqual(['ARCHIVED']);
      const create = await gql(
        CreateDealDocument,
        { input: { title: 'x', clientId: clientA, pipelineId: p.id, stageId: qualified.id } },
        agentA,
      );
      expect(codes(create, 'createDeal')).toEqual(['ARCHIVED']);
      // Winning still works: the WON stage is active.
      expect(ok(await gql(WinDealDocument, { input: { id: deals[1] } }, agentA), 'winDeal').deal!.status).toBe('WON');
      const [event] = await events('PIPELINE_STAGE_ARCHIVED');
      expect(event).toMatchObject({
        subject: { id: qualified.id },
        data: { pipeline: p.id, after: { archived: true } },
      });
      expect(
        codes(await gql(ArchivePipelineStageDocument, { input: { id: qualified.id } }, adminA), 'archivePipelineStage'),
      ).toEqual(['ALREADY_ARCHIVED']);
    });
  });

  describe('documents', () => {
    it('updateDocument moves a document REQUESTED → RECEIVED → VERIFIED and edits its fields, with events on the practice', async () => {
      const id = await newDocument(practiceA, 'Passport copy', agentA);
      const received = ok(
        await gql(
          UpdateDocumentDocument,
          { input: { id, status: 'RECEIVED', url: 'https://files.test/p.pdf' } },
          agentA,
        ),
        'updateDocument',
      );
      expect(received.document).toMatchObject({
        status: 'RECEIVED',
        url: 'https://files.test/p.pdf',
        allowedTransitions: ['VERIFIED', 'REJECTED'],
        practice: { id: practiceA },
      });
      const verified = ok(
        await gql(UpdateDocumentDocument, { input: { id, status: 'VERIFIED' } }, agentA),
        'updateDocument',
      );
      expect(verified.document).toMatchObject({ status: 'VERIFIED', allowedTransitions: [] });
      ok(await gql(UpdateDocumentDocument, { input: { id, name: 'Passport (all pages)' } }, agentA), 'updateDocument');
      const moved = await events('DOCUMENT_STATUS_CHANGED');
      expect(moved.slice(0, 2).map((e) => e.data)).toEqual([
        { document: id, before: { status: 'RECEIVED' }, after: { status: 'VERIFIED' } },
        {
          document: id,
          before: { status: 'REQUESTED', url: null },
          after: { status: 'RECEIVED', url: 'https://files.test/p.pdf' },
        },
      ]);
      expect(moved[0]).toMatchObject({ subject: { __typename: 'Practice', id: practiceA }, client: { id: clientA } });
      const [renamed] = await events('DOCUMENT_UPDATED');
      expect(renamed.data).toEqual({
        document: id,
        before: { name: 'Passport copy' },
        after: { name: 'Passport (all pages)' },
      });
    });

    it('updateDocument refuses an illegal transition, a bad URL and an empty name; nothing changes', async () => {
      const id = await newDocument(practiceA, 'Photo', agentA);
      const before = await state(adminA, practiceA);
      const res = await gql(
        UpdateDocumentDocument,
        { input: { id, status: 'VERIFIED', url: 'ftp://x', name: '' } },
        agentA,
      );
      expect(codes(res, 'updateDocument').sort()).toEqual(['ILLEGAL_TRANSITION', 'INVALID_LENGTH', 'INVALID_URL']);
      expect(
        (res.data!.updateDocument as Payload).userErrors.find((e) => e.code === 'ILLEGAL_TRANSITION')!.message,
      ).toBe('A document in REQUESTED cannot move to VERIFIED; allowed next: RECEIVED');
      expect(await state(adminA, practiceA)).toEqual(before);
    });

    it('removeDocument removes it from the practice; the DOCUMENT_REMOVED event keeps what it was', async () => {
      const id = await newDocument(practiceA, 'Sponsor letter', agentA);
      const res = ok(await gql(RemoveDocumentDocument, { input: { id } }, agentA), 'removeDocument');
      expect(res.removedDocumentId).toBe(id);
      expect(res.practice!.documents.map((d) => d.id)).not.toContain(id);
      expect((await gql(CpNodeDocument, { id }, agentA)).data!.node).toBeNull();
      const [event] = await events('DOCUMENT_REMOVED');
      expect(event).toMatchObject({
        subject: { id: practiceA },
        data: { document: { id, name: 'Sponsor letter', kind: 'PASSPORT', url: null, status: 'REQUESTED' } },
      });
      // Removing it again: it no longer exists.
      const again = await gql(RemoveDocumentDocument, { input: { id } }, agentA);
      expect(again.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    });
    it('removeDocument refuses a malformed ID and the ID of another kind of record (the practice); nothing is removed', async () => {
      await newDocument(practiceA, 'Stays put', agentA);
      const before = await state(adminA, practiceA);
      const malformed = await gql(RemoveDocumentDocument, { input: { id: 'not-an-id' } }, agentA);
      expect(malformed.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      const practice = await gql(RemoveDocumentDocument, { input: { id: practiceA } }, agentA);
      expect(practice.errors?.[0].extensions?.code).toBe('NOT_FOUND');
      expect(await state(adminA, practiceA)).toEqual(before);
    });
  });

  describe('team members', () => {
    it('deactivateTeamMember stops their token, the API keys they created and their WebSockets at once; reactivateTeamMember lets them back in', async () => {
      const tenant = uniq('deact');
      const boss = await server.tokenFor(tenant, 'ADMIN');
      const leaver = await server.tokenFor(tenant, 'ADMIN', `leaver@${tenant}.test`);
      const leaverId = (await gql(ViewerDocument, {}, leaver)).data!.viewer!.id;
      const { key, apiKey } = ok(
        await gql(CreateApiKeyDocument, { input: { name: 'leaver script', role: 'AGENT' } }, leaver),
        'createApiKey',
      );
      const other = ok(
        await gql(CreateApiKeyDocument, { input: { name: 'boss key', role: 'AGENT' } }, boss),
        'createApiKey',
      );
      const jwtSocket = server.ws({ authorization: `Bearer ${leaver}` });
      const keySocket = server.ws({ apiKey: key });
      const jwtClosed = closeOf(jwtSocket);
      const keyClosed = closeOf(keySocket);
      await Promise.all([connected(jwtSocket), connected(keySocket)]);

      const res = ok(
        await gql(DeactivateTeamMemberDocument, { input: { id: leaverId } }, boss),
        'deactivateTeamMember',
      );
      expect(res.teamMember).toEqual({ id: leaverId, active: false });
      expect(res.revokedApiKeys!.map((k) => k.id)).toEqual([apiKey!.id]);
      // The next request with either credential is refused, and both sockets are closed.
      expect((await gql(ViewerDocument, {}, leaver)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      expect((await gql(ViewerDocument, {}, { apiKey: key! })).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      expect((await Promise.all([jwtClosed, keyClosed])).map((c) => c.code)).toEqual([4401, 4401]);
      // Keys of others keep working.
      expect((await gql(ViewerDocument, {}, { apiKey: other.key! })).errors).toBeUndefined();
      const [event] = await events('TEAM_MEMBER_DEACTIVATED', boss);
      expect(event).toMatchObject({
        subject: { __typename: 'TeamMember', id: leaverId },
        data: { before: { active: true }, after: { active: false }, revokedApiKeys: [apiKey!.id] },
      });

      const back = ok(
        await gql(ReactivateTeamMemberDocument, { input: { id: leaverId } }, boss),
        'reactivateTeamMember',
      );
      expect(back.teamMember).toEqual({ id: leaverId, active: true });
      expect((await gql(ViewerDocument, {}, leaver)).data!.viewer!.id).toBe(leaverId);
      expect((await gql(ViewerDocument, {}, { apiKey: key! })).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      const [reactivated] = await events('TEAM_MEMBER_REACTIVATED', boss);
      expect(reactivated.data).toEqual({ before: { active: false }, after: { active: true } });
    });

    it('refuses deactivating yourself, the last active ADMIN (also through updateTeamMember or an ADMIN API key) and an inactive member; nothing changes', async () => {
      const tenant = uniq('last');
      const solo = await server.tokenFor(tenant, 'ADMIN');
      const soloId = (await gql(ViewerDocument, {}, solo)).data!.viewer!.id;
      const agent = await server.tokenFor(tenant, 'AGENT');
      const agentId = (await gql(ViewerDocument, {}, agent)).data!.viewer!.id;
      const { key } = ok(
        await gql(CreateApiKeyDocument, { input: { name: 'ops', role: 'ADMIN' } }, solo),
        'createApiKey',
      );
      ok(await gql(DeactivateTeamMemberDocument, { input: { id: agentId } }, solo), 'deactivateTeamMember');
      const before = await state(solo);
      expect(
        codes(await gql(DeactivateTeamMemberDocument, { input: { id: soloId } }, solo), 'deactivateTeamMember'),
      ).toEqual(['CANNOT_DEACTIVATE_SELF']);
      expect(
        codes(
          await gql(DeactivateTeamMemberDocument, { input: { id: soloId } }, { apiKey: key! }),
          'deactivateTeamMember',
        ),
      ).toEqual(['LAST_ADMIN']);
      expect(
        codes(
          await gql(UpdateTeamMemberDocument, { input: { id: soloId, role: 'AGENT' } }, { apiKey: key! }),
          'updateTeamMember',
        ),
      ).toEqual(['LAST_ADMIN']);
      expect(
        codes(await gql(DeactivateTeamMemberDocument, { input: { id: agentId } }, solo), 'deactivateTeamMember'),
      ).toEqual(['ALREADY_INACTIVE']);
      expect(
        codes(await gql(ReactivateTeamMemberDocument, { input: { id: soloId } }, solo), 'reactivateTeamMember'),
      ).toEqual(['ALREADY_ACTIVE']);
      expect(await state(solo)).toEqual(before);
    });
  });

  /** Every mutation of this part on the given IDs: its name, whether it takes an existing record's ID, a call as `auth`. */
  function mutations(ids: {
    practiceType: string;
    pipeline: string;
    stage: string;
    stage2: string;
    document: string;
    member: string;
  }): [string, boolean, (auth: Auth) => Promise<GqlResponse<unknown>>][] {
    return [
      [
        'createPracticeType',
        false,
        (t) => gql(CreatePracticeTypeDocument, { input: { code: 'NEW_TYPE', name: 'New' } }, t),
      ],
      [
        'updatePracticeType',
        true,
        (t) => gql(UpdatePracticeTypeDocument, { input: { id: ids.practiceType, name: 'Renamed' } }, t),
      ],
      [
        'deactivatePracticeType',
        true,
        (t) => gql(DeactivatePracticeTypeDocument, { input: { id: ids.practiceType } }, t),
      ],
      ['createPipeline', false, (t) => gql(CreatePipelineDocument, { input: { name: 'Viewer pipeline' } }, t)],
      ['updatePipeline', true, (t) => gql(UpdatePipelineDocument, { input: { id: ids.pipeline, name: 'Renamed' } }, t)],
      ['archivePipeline', true, (t) => gql(ArchivePipelineDocument, { input: { id: ids.pipeline } }, t)],
      [
        'createPipelineStage',
        true,
        (t) => gql(CreatePipelineStageDocument, { input: { pipelineId: ids.pipeline, name: 'New stage' } }, t),
      ],
      [
        'updatePipelineStage',
        true,
        (t) => gql(UpdatePipelineStageDocument, { input: { id: ids.stage, name: 'Renamed' } }, t),
      ],
      [
        'reorderPipelineStages',
        true,
        (t) =>
          gql(
            ReorderPipelineStagesDocument,
            { input: { pipelineId: ids.pipeline, stageIds: [ids.stage2, ids.stage] } },
            t,
          ),
      ],
      ['archivePipelineStage', true, (t) => gql(ArchivePipelineStageDocument, { input: { id: ids.stage } }, t)],
      [
        'updateDocument',
        true,
        (t) => gql(UpdateDocumentDocument, { input: { id: ids.document, status: 'RECEIVED' } }, t),
      ],
      ['removeDocument', true, (t) => gql(RemoveDocumentDocument, { input: { id: ids.document } }, t)],
      ['deactivateTeamMember', true, (t) => gql(DeactivateTeamMemberDocument, { input: { id: ids.member } }, t)],
      ['reactivateTeamMember', true, (t) => gql(ReactivateTeamMemberDocument, { input: { id: ids.member } }, t)],
    ];
  }

  /** The top-level error codes (or the data) of each mutation, called as `auth`. */
  async function outcomes(list: ReturnType<typeof mutations>, auth: Auth): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const [name, , run] of list) {
      const res = await run(auth);
      out[name] = res.errors?.map((e) => e.extensions?.code) ?? res.data;
    }
    return out;
  }

  it('answers NOT_FOUND for IDs of another tenant, and changes nothing there', async () => {
    const beforeB = await state(adminB);
    const foreign = mutations({ ...b, stage2: b.stage }).filter(([, takesId]) => takesId);
    expect(await outcomes(foreign, adminA)).toEqual(Object.fromEntries(foreign.map(([name]) => [name, ['NOT_FOUND']])));
    expect(await state(adminB)).toEqual(beforeB);
  });

  it('refuses every administration mutation to a VIEWER (FORBIDDEN), and the setup ones to an AGENT; nothing changes', async () => {
    const p = await newPipeline(uniq('Viewer'));
    const document = await newDocument(practiceA, 'Viewer doc', agentA);
    const kitap = (await gql(AdminPracticeTypesDocument, {}, adminA)).data!.practiceTypes.find(
      (t) => t.code === 'KITAP',
    )!;
    const agentId = (await gql(ViewerDocument, {}, agentA)).data!.viewer!.id;
    const list = mutations({
      practiceType: kitap.id,
      pipeline: p.id,
      stage: p.stages[0].id,
      stage2: p.stages[1].id,
      document,
      member: agentId,
    });
    const before = await state(adminA, practiceA);
    expect(await outcomes(list, viewerA)).toEqual(Object.fromEntries(list.map(([name]) => [name, ['FORBIDDEN']])));
    const setup = list.filter(([name]) => /PracticeType|Pipeline|TeamMember/.test(name));
    expect(await outcomes(setup, agentA)).toEqual(Object.fromEntries(setup.map(([name]) => [name, ['FORBIDDEN']])));
    expect(await state(adminA, practiceA)).toEqual(before);
  });

  (usingPostgres && process.env.REDIS_URL ? describe : describe.skip)('two instances (PostgreSQL and Redis)', () => {
    let second: TestServer;
    beforeAll(async () => {
      second = await startTestServer({}, { shareWith: server });
    });
    afterAll(() => second?.close());

    it('closes a deactivated member’s socket on the other instance, whose next request is refused too', async () => {
      const tenant = uniq('twoinst');
      const boss = await server.tokenFor(tenant, 'ADMIN');
      const agent = await server.tokenFor(tenant, 'AGENT');
      const agentId = (await gql(ViewerDocument, {}, agent)).data!.viewer!.id;
      const socket = second.ws({ authorization: `Bearer ${agent}` });
      const closed = closeOf(socket);
      await connected(socket);
      ok(await gql(DeactivateTeamMemberDocument, { input: { id: agentId } }, boss), 'deactivateTeamMember');
      expect(await closed).toEqual({ code: 4401, reason: 'Team member deactivated' });
      const res = await second.gql(ViewerDocument, {}, agent);
      expect(res.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    });
  });
});
