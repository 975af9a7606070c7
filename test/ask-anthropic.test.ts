/**
 * ask(question) with ANTHROPIC_API_KEY, against a local server that speaks the Messages API: Claude
 * builds the tree through the forced `build_criteria` tool call; invalid tool input, a tree the
 * criteria language refuses and a failing API fall back to the heuristic, saying why.
 */
import { AskDocument } from './generated/graphql.js';
import { delay, type FakeAnthropic, startFakeAnthropic, status, text, toolUse } from './helpers/fake-anthropic.js';
import { startTestServer, type TestServer, uniq } from './helpers/server.js';

const TOOL = { name: 'build_criteria' };

describe('ask (Claude interpreter against a local Messages API)', () => {
  let fake: FakeAnthropic;
  let server: TestServer;
  let token: string;
  let other: string;

  beforeAll(async () => {
    fake = await startFakeAnthropic();
    server = await startTestServer({
      ANTHROPIC_API_KEY: 'test-key',
      ANTHROPIC_BASE_URL: fake.url,
      ANTHROPIC_MODEL: 'claude-haiku-4-5',
      ANTHROPIC_TIMEOUT_MS: '5000',
      ANTHROPIC_MAX_RETRIES: '0',
      // ask has its own, shorter limits than the extractor's (the caller waits).
      ASK_ANTHROPIC_TIMEOUT_MS: '1000',
      ASK_ANTHROPIC_MAX_RETRIES: '0',
    });
    const tenant = uniq('ask-claude');
    token = await server.tokenFor(tenant, 'ADMIN');
    other = await server.tokenFor(uniq('ask-claude-other'), 'ADMIN');
    for (const [t, name] of [
      [token, 'Luca Ferri'],
      [token, 'Giulia Conti'],
      [other, 'Luca Ferri'],
    ] as const) {
      const res = await server.post(
        {
          query:
            'mutation($input: CreateClientInput!) { createClient(input: $input) { client { id } userErrors { message } } }',
          variables: { input: { fullName: name, nationality: 'Italian' } },
        },
        { authorization: `Bearer ${t}` },
      );
      expect(res.status).toBe(200);
    }
  });
  afterAll(async () => {
    await server.close();
    await fake.close();
  });
  beforeEach(() => fake.reset());

  const italian = {
    understood: true,
    entity: 'CLIENT',
    criteria: { groups: [{ filters: [{ field: 'nationality', operator: 'EQ', value: 'Italian' }] }] },
    unused: [],
  };

  it('builds the tree through a forced tool call whose input schema is the criteria tree', async () => {
    fake.enqueue(toolUse(italian, undefined, TOOL));
    const res = await server.gql(AskDocument, { question: 'clienti italiani' }, token);
    expect(res.errors).toBeUndefined();
    expect(res.data!.ask).toMatchObject({
      interpreter: 'ANTHROPIC',
      fallbackReason: null,
      understood: true,
      entity: 'CLIENT',
      summary: 'Clients of nationality Italian.',
    });
    // Only this tenant's two Italian clients, though the other tenant has a "Luca Ferri" too.
    expect(res.data!.ask.results!.totalCount).toBe(2);
    const body = fake.requests[0].body as {
      tool_choice: unknown;
      tools: { name: string; input_schema: { properties: Record<string, unknown> } }[];
      messages: { content: string }[];
    };
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'build_criteria' });
    expect(Object.keys(body.tools[0].input_schema.properties)).toEqual(
      expect.arrayContaining(['entity', 'criteria', 'unused']),
    );
    expect(body.messages[0].content).toContain('clienti italiani');
    expect(body.messages[0].content).toContain('KITAS'); // the tenant's practice types are in the prompt
  });

  it('reports a question Claude cannot express as NOT_UNDERSTOOD', async () => {
    fake.enqueue(
      toolUse(
        { understood: false, entity: null, criteria: null, unused: ['weather'], reason: 'No weather data.' },
        undefined,
        TOOL,
      ),
    );
    const a = (await server.gql(AskDocument, { question: 'weather in Bali?' }, token)).data!.ask;
    expect(a).toMatchObject({
      interpreter: 'ANTHROPIC',
      understood: false,
      code: 'NOT_UNDERSTOOD',
      criteria: null,
      results: null,
      unused: ['weather'],
    });
    expect(a.summary).toContain('No weather data.');
  });

  it('falls back to the heuristic when the tool input fails validation', async () => {
    fake.enqueue(toolUse({ understood: true, entity: 'SPACESHIP', criteria: { groups: 'all' } }, undefined, TOOL));
    const a = (await server.gql(AskDocument, { question: 'Italian clients' }, token)).data!.ask;
    expect(a.interpreter).toBe('HEURISTIC');
    expect(a.fallbackReason).toMatch(/failed validation: .*entity/);
    expect(a.understood).toBe(true);
    expect(a.results!.totalCount).toBe(2);
  });

  it('falls back when the tree names a field the criteria language does not know', async () => {
    fake.enqueue(
      toolUse(
        {
          ...italian,
          criteria: { groups: [{ filters: [{ field: 'passport.colour', operator: 'EQ', value: 'red' }] }] },
        },
        undefined,
        TOOL,
      ),
    );
    const a = (await server.gql(AskDocument, { question: 'Italian clients' }, token)).data!.ask;
    expect(a.interpreter).toBe('HEURISTIC');
    expect(a.fallbackReason).toMatch(
      /refuses: criteria\.groups\.0\.filters\.0\.field: Unknown field "passport\.colour"/,
    );
  });

  it('falls back when Claude answers without the tool call or the API fails', async () => {
    fake.enqueue(text('Sure! Here are your clients.'));
    const a = (await server.gql(AskDocument, { question: 'Italian clients' }, token)).data!.ask;
    expect(a).toMatchObject({ interpreter: 'HEURISTIC', understood: true });
    expect(a.fallbackReason).toMatch(/without the build_criteria tool call/);

    fake.enqueue(status(500));
    const b = (await server.gql(AskDocument, { question: 'Italian clients' }, token)).data!.ask;
    expect(b).toMatchObject({ interpreter: 'HEURISTIC', understood: true });
    expect(b.fallbackReason).toMatch(/Claude could not be asked/);
  });

  it("gives up on Claude after ASK_ANTHROPIC_TIMEOUT_MS (not the extractor's ANTHROPIC_TIMEOUT_MS) and answers with the heuristic", async () => {
    // 2.5 s is within the extractor's 5 s limit but over ask's 1 s.
    fake.enqueue(delay(2500, toolUse(italian, undefined, TOOL)));
    const a = (await server.gql(AskDocument, { question: 'Italian clients' }, token)).data!.ask;
    expect(a).toMatchObject({ interpreter: 'HEURISTIC', understood: true });
    expect(a.fallbackReason).toMatch(/Claude could not be asked/);
    expect(fake.requests).toHaveLength(1); // no retry with ASK_ANTHROPIC_MAX_RETRIES=0
  });
});
