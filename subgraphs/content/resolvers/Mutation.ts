import type { EntityManager } from 'typeorm';
import { requireSignedIn } from '../../kit/authz';
import { badUserInput, forbidden, notFound } from '../../kit/errors';
import type { Identity } from '../../kit/identity';
import type { ContentContext } from '../context';
import type { Content, ContentStatus } from '../entities';
import type { MutationResolvers } from '../generated/resolvers-types';
import type { ReferenceChecker, ReferencedType } from '../references';
import type { ContentChanges } from '../repositories/contents';
import * as valid from '../validation';
import { canSee } from './audience';

/** The entries of `object` under `keys` that are present. */
function pick<T extends object, K extends keyof T>(object: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const picked: Partial<Pick<T, K>> = {};
  for (const key of keys) if (key in object) picked[key] = object[key];
  return picked;
}

/** Which lifecycle moves each status allows, by mutation. */
const TRANSITIONS: Record<ContentStatus, ReadonlyArray<'publishContent' | 'archiveContent'>> = {
  DRAFT: ['publishContent', 'archiveContent'],
  PUBLISHED: ['archiveContent'],
  ARCHIVED: ['publishContent'],
};

/** Refuses ids the owning subgraph does not know, naming them. */
async function requireExisting(
  references: ReferenceChecker,
  type: ReferencedType,
  ids: readonly string[],
  viewer: Identity,
  field: string,
): Promise<void> {
  const missing = await references.missing(type, ids, viewer);
  if (missing.length > 0) {
    throw badUserInput(`${field}: no ${type.toLowerCase()} with id ${missing.slice(0, 5).join(', ')}`, field);
  }
}

/** Loads content the caller may change: NOT_FOUND when it cannot even see it, FORBIDDEN when not its author. */
async function editable(ctx: ContentContext, manager: EntityManager, id: string, action: string): Promise<Content> {
  requireSignedIn(ctx.viewer, action);
  const content = await ctx.repos.contents.findById(manager, id);
  if (!content || !canSee(ctx.viewer, content)) throw notFound(`no content with id ${id}`);
  if (ctx.viewer.role !== 'ADMIN' && content.authorId !== ctx.viewer.memberId) {
    throw forbidden(`${action} is allowed only for the content's author or an admin`);
  }
  return content;
}

async function transition(
  ctx: ContentContext,
  id: string,
  action: 'publishContent' | 'archiveContent',
  target: ContentStatus,
): Promise<Content> {
  return ctx.mutate({ operation: action, targetType: 'Content', targetId: id }, async (manager, emit) => {
    const content = await editable(ctx, manager, id, action);
    const allowed = TRANSITIONS[content.status];
    if (!allowed.includes(action)) {
      throw badUserInput(
        `content is ${content.status}: cannot ${action === 'publishContent' ? 'publish' : 'archive'} it; allowed from ${content.status}: ${allowed.join(', ')}`,
        'id',
      );
    }
    const changed = await ctx.repos.contents.setStatus(manager, content, target);
    if (target === 'PUBLISHED') {
      const { tags, attractionIds } = await ctx.repos.contents.linksOf(manager, id);
      emit({
        type: 'ContentPublished',
        aggregateId: id,
        payload: {
          contentId: id,
          authorId: changed.authorId,
          kind: changed.kind,
          language: changed.language,
          tags,
          attractionIds,
          campaignId: changed.campaignId,
          status: changed.status,
          from: content.status,
          publishedAt: (changed.publishedAt ?? new Date()).toISOString(),
        },
      });
    } else {
      emit({
        type: 'ContentArchived',
        aggregateId: id,
        payload: {
          contentId: id,
          authorId: changed.authorId,
          from: content.status,
          status: changed.status,
          campaignId: changed.campaignId,
        },
      });
    }
    return changed;
  });
}

export const Mutation: MutationResolvers = {
  createContent: (_parent, { input }, ctx) =>
    ctx.mutate(
      { operation: 'createContent', targetType: 'Content', detail: `${input.kind} in ${input.language.slice(0, 16)}` },
      async (manager) => {
        const { viewer, repos } = ctx;
        requireSignedIn(viewer, 'createContent');
        let authorId = viewer.memberId;
        if (viewer.role === 'ADMIN') {
          if (input.authorId == null)
            throw badUserInput('input.authorId: an admin must name the author', 'input.authorId');
          authorId = input.authorId;
        } else if (input.authorId != null && input.authorId !== viewer.memberId) {
          throw forbidden('a member writes as itself: leave input.authorId out');
        }
        const fields = {
          authorId,
          kind: input.kind,
          title: valid.title(input.title),
          summary: valid.optionalText(input.summary, 'input.summary', valid.SUMMARY_MAX),
          body: valid.optionalText(input.body, 'input.body', valid.BODY_MAX),
          language: valid.language(input.language),
          tags: valid.tags(input.tags ?? []),
          attractionIds: valid.ids(input.attractionIds ?? [], 'input.attractionIds'),
          campaignId: input.campaignId ?? null,
        };
        // Cheap checks first; the owners are asked only about otherwise valid input.
        if (viewer.role === 'ADMIN') {
          await requireExisting(repos.references, 'Member', [authorId], viewer, 'input.authorId');
        }
        await requireExisting(repos.references, 'Attraction', fields.attractionIds, viewer, 'input.attractionIds');
        if (fields.campaignId) {
          await requireExisting(repos.references, 'Campaign', [fields.campaignId], viewer, 'input.campaignId');
        }
        return repos.contents.create(manager, fields);
      },
      (content) => content.id,
    ),

  updateContent: (_parent, { id, input }, ctx) =>
    ctx.mutate({ operation: 'updateContent', targetType: 'Content', targetId: id }, async (manager, emit) => {
      const content = await editable(ctx, manager, id, 'updateContent');
      const { viewer, repos } = ctx;
      const changes: ContentChanges = {};
      if (input.kind != null) changes.kind = input.kind;
      if (input.title != null) changes.title = valid.title(input.title);
      if (input.summary !== undefined)
        changes.summary = valid.optionalText(input.summary, 'input.summary', valid.SUMMARY_MAX);
      if (input.body !== undefined) changes.body = valid.optionalText(input.body, 'input.body', valid.BODY_MAX);
      if (input.language != null) changes.language = valid.language(input.language);
      if (input.tags != null) changes.tags = valid.tags(input.tags);
      if (input.attractionIds != null) {
        changes.attractionIds = valid.ids(input.attractionIds, 'input.attractionIds');
        await requireExisting(repos.references, 'Attraction', changes.attractionIds, viewer, 'input.attractionIds');
      }
      if (input.campaignId !== undefined) {
        changes.campaignId = input.campaignId ?? null;
        if (changes.campaignId && changes.campaignId !== content.campaignId) {
          await requireExisting(repos.references, 'Campaign', [changes.campaignId], viewer, 'input.campaignId');
        }
      }
      const updated = await repos.contents.update(manager, content, changes);
      const changed = Object.keys(changes);
      if (changed.length > 0) {
        emit({
          type: 'ContentUpdated',
          aggregateId: id,
          payload: {
            contentId: id,
            authorId: updated.authorId,
            status: updated.status,
            changed,
            // The new values of what subscribers filter on; other fields are named only.
            ...pick(changes, ['kind', 'language', 'tags', 'attractionIds', 'campaignId']),
          },
        });
      }
      return updated;
    }),

  publishContent: (_parent, { id }, ctx) => transition(ctx, id, 'publishContent', 'PUBLISHED'),
  archiveContent: (_parent, { id }, ctx) => transition(ctx, id, 'archiveContent', 'ARCHIVED'),
};
