import { randomBytes } from 'node:crypto';

import type { Extractor } from '../ai/extractor.js';
import { HeuristicExtractor } from '../ai/heuristic/index.js';
import type { Config } from '../config.js';
import { AnalyticsService } from '../modules/analytics/analytics.service.js';
import type { AskInterpreter } from '../modules/ask/ask.interpreter.js';
import { AskService } from '../modules/ask/ask.service.js';
import { ClientService } from '../modules/clients/client.service.js';
import { type ConversationLimits, ConversationService } from '../modules/conversations/conversation.service.js';
import { CriteriaService } from '../modules/criteria/criteria.service.js';
import { DealService } from '../modules/deals/deal.service.js';
import { PipelineService } from '../modules/deals/pipeline.service.js';
import { InteractionService } from '../modules/interactions/interaction.service.js';
import { LeadService } from '../modules/leads/lead.service.js';
import { DocumentService } from '../modules/practices/document.service.js';
import { PracticeService } from '../modules/practices/practice.service.js';
import { PracticeTypeService } from '../modules/practices/practice-type.service.js';
import { QuoteService } from '../modules/quotes/quote.service.js';
import { RenewalService } from '../modules/renewals/renewal.service.js';
import { SearchService } from '../modules/search/search.service.js';
import { SegmentService } from '../modules/segments/segment.service.js';
import { markLocalEdits } from '../modules/sync/client-apply.js';
import { HubspotAdapter } from '../modules/sync/hubspot/hubspot.adapter.js';
import { type HubspotSettings, hubspotSettings } from '../modules/sync/hubspot/hubspot.client.js';
import type { CrmProviderAdapter } from '../modules/sync/provider.js';
import { SyncEngine } from '../modules/sync/sync.engine.js';
import { CrmProvider } from '../modules/sync/sync.enums.js';
import { SyncService } from '../modules/sync/sync.service.js';
import { TaskService } from '../modules/tasks/task.service.js';
import { AuthService } from '../modules/tenancy/auth.service.js';
import { TenancyService, type TenantInitializer } from '../modules/tenancy/tenancy.service.js';
import { ensureTenantDefaults } from '../modules/tenancy/tenant-defaults.js';
import { TicketService } from '../modules/tickets/ticket.service.js';
import { TimelineCursors } from '../modules/timeline/timeline-cursor.js';
import { TokenService } from '../platform/auth/jwt.js';
import { Clock } from '../platform/clock.js';
import { DeferredJobQueue } from '../platform/jobs.js';
import { SecretBox } from '../platform/secrets.js';

/** The application's services, built once per process and shared by all requests. */
export interface Services {
  tokens: TokenService;
  auth: AuthService;
  tenancy: TenancyService;
  clients: ClientService;
  practices: PracticeService;
  practiceTypes: PracticeTypeService;
  documents: DocumentService;
  deals: DealService;
  pipelines: PipelineService;
  tickets: TicketService;
  interactions: InteractionService;
  leads: LeadService;
  renewals: RenewalService;
  tasks: TaskService;
  conversations: ConversationService;
  quotes: QuoteService;
  analytics: AnalyticsService;
  /** Connections to other CRMs, sync runs and CSV imports. */
  sync: SyncService;
  /** Seals and opens the timeline subscription's resume cursors (a key derived from JWT_SECRET). */
  timelineCursors: TimelineCursors;
  /** The application's clock (tests move it). */
  clock: Clock;
  /** The criteria language: validation and compilation of criteria trees (list `where`, search, segments). */
  criteria: CriteriaService;
  /** Full-text search across the CRM. */
  search: SearchService;
  /** Questions in plain language, read into criteria trees. */
  ask: AskService;
  /** Saved segments, their members and their membership changes. */
  segments: SegmentService;
  /** Where services put background work; the app binds it to the inline runner or to BullMQ. */
  jobs: DeferredJobQueue;
}

declare module '../platform/graphql/context.js' {
  /** Resolvers' `ctx.services` are these services. */
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface ContextServices extends Services {}
}

/** The token service of the configuration: JWT_SECRET, or the secret kept in DATA_DIR. */
export function tokenService(config: Config): TokenService {
  return TokenService.withSecretOrDataDir(config.JWT_SECRET, config.DATA_DIR, config.JWT_TTL);
}

/**
 * Claude reads questions when ANTHROPIC_API_KEY is set; otherwise (undefined) the heuristic does.
 * The Anthropic SDK is imported only then (see createExtractor).
 */
export async function askInterpreter(config: Config): Promise<AskInterpreter | undefined> {
  if (!config.ANTHROPIC_API_KEY) return undefined;
  const { AnthropicAskInterpreter } = await import('../modules/ask/ask.anthropic.js');
  return new AnthropicAskInterpreter({
    apiKey: config.ANTHROPIC_API_KEY,
    model: config.ANTHROPIC_MODEL,
    baseURL: config.ANTHROPIC_BASE_URL,
    timeoutMs: config.ASK_ANTHROPIC_TIMEOUT_MS,
    maxRetries: config.ASK_ANTHROPIC_MAX_RETRIES,
  });
}

/** Seeds every new tenant's defaults (practice types, pipelines, …), in its creating transaction. */
export const tenantInitializers: TenantInitializer[] = [ensureTenantDefaults];

/** The sync settings of the configuration (SECRETS_KEY, or the key kept in DATA_DIR). */
export function syncOptions(config: Config): SyncOptions {
  return {
    box: SecretBox.fromConfig(config.SECRETS_KEY, config.DATA_DIR),
    pageSize: config.SYNC_PAGE_SIZE,
    staleSeconds: config.SYNC_STALE_SECONDS,
    hubspot: hubspotSettings(config),
  };
}

/** Sync settings: the credentials box, paging, and the providers' settings. */
export interface SyncOptions {
  box: SecretBox;
  pageSize: number;
  staleSeconds: number;
  /** HubSpot's settings; absent: no HubSpot adapter (processes that never sync, like the CLI). */
  hubspot?: HubspotSettings;
}

/** Wires the services. */
export function createServices(
  tokens: TokenService,
  options: {
    clock?: Clock;
    extractor?: Extractor;
    /** Who reads questions first (default the heuristic). */
    askInterpreter?: AskInterpreter;
    model?: string | null;
    conversationLimits?: ConversationLimits;
    /**
     * Sync settings. The default box has a throwaway key: only for processes that never store
     * provider credentials (the CLI); the API and the worker pass SECRETS_KEY's.
     */
    sync?: SyncOptions;
  } = {},
): Services {
  const clock = options.clock ?? new Clock();
  const jobs = new DeferredJobQueue();
  const criteria = new CriteriaService(clock);
  const extractor = options.extractor ?? new HeuristicExtractor();
  // A service that creates another module's records receives that module's service.
  const clients = new ClientService(markLocalEdits);
  const practices = new PracticeService();
  const interactions = new InteractionService();
  const deals = new DealService(markLocalEdits);
  const tasks = new TaskService(clock);
  const syncOptions = options.sync ?? {
    box: SecretBox.withKey(randomBytes(32)),
    pageSize: 200,
    staleSeconds: 30,
  };
  const adapters = new Map<CrmProvider, CrmProviderAdapter>();
  if (syncOptions.hubspot) adapters.set(CrmProvider.HUBSPOT, new HubspotAdapter(syncOptions.hubspot));
  const engine = new SyncEngine(clients, adapters, {
    pageSize: syncOptions.pageSize,
    staleMs: syncOptions.staleSeconds * 1000,
    maxRecordChars: 2 * 1024 * 1024,
  });
  const sync = new SyncService(engine, jobs, syncOptions.box, adapters);
  engine.bindProviderHooks({
    credentials: (root, tenantId, id, signal) => sync.credentialAccess(root, tenantId, id, signal),
  });
  return {
    sync,
    clock,
    criteria,
    segments: new SegmentService(criteria, clock),
    search: new SearchService(),
    ask: new AskService(clock, criteria, options.askInterpreter),
    jobs,
    timelineCursors: new TimelineCursors(tokens.derivedKey('timeline cursor')),
    conversations: new ConversationService(
      extractor,
      jobs,
      extractor.kind === 'ANTHROPIC' ? (options.model ?? null) : null,
      { clients, practices, interactions, tasks },
      options.conversationLimits,
    ),
    renewals: new RenewalService(clock, practices),
    tasks,
    tokens,
    auth: new AuthService(tokens),
    tenancy: new TenancyService(tokens, tenantInitializers),
    clients,
    practices,
    deals,
    quotes: new QuoteService(clock, practices, deals),
    practiceTypes: new PracticeTypeService(),
    documents: new DocumentService(),
    pipelines: new PipelineService(),
    leads: new LeadService(clients, deals),
    tickets: new TicketService(),
    interactions,
    analytics: new AnalyticsService(clock),
  };
}
