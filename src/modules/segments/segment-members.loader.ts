import DataLoader from 'dataloader';

import type { GraphQLContext } from '../../platform/graphql/context.js';
import type { Segment } from './segment.entity.js';
import type { MembersRead, MembersWanted } from './segment.service.js';

/** One read of a segment's members: its count (no `first`), or one page. */
interface MembersKey {
  segment: Segment;
  first?: number;
  /** A cursor as `SegmentService.memberAfter` checked it. */
  after?: string;
}

/** A page of a segment's members. */
export type MembersPage = MembersRead['pages'][number];

/**
 * The loader of `Segment.count` and `Segment.members` (and `members.totalCount`): what one tick
 * asks of a segment — typically its count and first page, sibling fields resolved together — is
 * read in ONE transaction with one statement for both (`SegmentService.readMembers`); each
 * segment of the tick has its own.
 */
function membersLoader(ctx: GraphQLContext): DataLoader<MembersKey, number | MembersPage, string> {
  return ctx.loaders.get(
    'segments:members',
    () =>
      new DataLoader<MembersKey, number | MembersPage, string>(
        async (keys) => {
          const bySegment = new Map<string, MembersKey[]>();
          for (const key of keys) {
            const list = bySegment.get(key.segment.id);
            if (list) list.push(key);
            else bySegment.set(key.segment.id, [key]);
          }
          const results = new Map<MembersKey, number | MembersPage | Error>();
          await Promise.all(
            [...bySegment.values()].map(async (list) => {
              const { entity, criteria } = list[0].segment;
              const pages = list.filter((k) => k.first !== undefined);
              const want: MembersWanted = {
                count: pages.length < list.length,
                pages: pages.map((k) => ({ first: k.first!, after: k.after })),
              };
              try {
                const segments = ctx.services.segments;
                const em = ctx.readEm ?? ctx.em;
                const read = await segments.readMembers(
                  em,
                  entity,
                  segments.checkQueryCriteria(entity, criteria),
                  want,
                );
                for (const key of list)
                  results.set(key, key.first === undefined ? read.count! : read.pages[pages.indexOf(key)]);
              } catch (err) {
                for (const key of list) results.set(key, err as Error);
              }
            }),
          );
          return keys.map((k) => results.get(k)!);
        },
        { cacheKeyFn: (k) => `${k.segment.id}:${k.first ?? 'count'}:${k.after ?? ''}` },
      ),
  );
}

/** How many records a segment holds now (batched with its pages of the same tick). */
export function loadSegmentCount(ctx: GraphQLContext, segment: Segment): Promise<number> {
  return membersLoader(ctx).load({ segment }) as Promise<number>;
}

/** A page of a segment's members now: `first` after the checked cursor `after` (batched with its count). */
export function loadSegmentPage(
  ctx: GraphQLContext,
  segment: Segment,
  first: number,
  after: string | undefined,
): Promise<MembersPage> {
  return membersLoader(ctx).load({ segment, first, after }) as Promise<MembersPage>;
}
