import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import {
  type ConstDirectiveNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  getNamedType,
  isCompositeType,
  isInterfaceType,
  isObjectType,
} from 'graphql';

/** A cache hint, as `@apollo/cache-control-types` (Apollo Server's) declares it. */
interface CacheHint {
  maxAge?: number;
  scope?: 'PUBLIC' | 'PRIVATE';
}

/** A hint as `@cacheControl` gives it: a max age, or inheriting the parent's. */
interface CacheAnnotation extends CacheHint {
  inheritMaxAge?: true;
}

/** What Apollo Server's cache policies are: a hint that later hints restrict or replace. */
interface CachePolicy extends CacheHint {
  replace(hint: CacheHint): void;
  restrict(hint: CacheHint): void;
  policyIfCacheable(): Required<CacheHint> | null;
}

/** What resolvers find in `info.cacheControl` (Apollo Server's `ResolveInfoCacheControl`). */
interface ResolveInfoCacheControl {
  cacheHint: CachePolicy;
  setCacheHint(hint: CacheHint): void;
  cacheHintFromType(type: GraphQLCompositeType): CacheHint | undefined;
}

/** Gives a field's resolver its `info.cacheControl`, which `@apollo/cache-control-types` declares on the info. */
function setCacheControl(info: GraphQLResolveInfo, cacheControl: ResolveInfoCacheControl): void {
  (info as GraphQLResolveInfo & { cacheControl: ResolveInfoCacheControl }).cacheControl = cacheControl;
}

/** A cache policy as Apollo Server's own (`newCachePolicy`): hints restrict it or replace it. */
function newCachePolicy(): CachePolicy {
  return {
    maxAge: undefined,
    scope: undefined,
    restrict(hint: CacheHint) {
      if (hint.maxAge !== undefined && (this.maxAge === undefined || hint.maxAge < this.maxAge))
        this.maxAge = hint.maxAge;
      if (hint.scope !== undefined && this.scope !== 'PRIVATE') this.scope = hint.scope;
    },
    replace(hint: CacheHint) {
      if (hint.maxAge !== undefined) this.maxAge = hint.maxAge;
      if (hint.scope !== undefined) this.scope = hint.scope;
    },
    policyIfCacheable() {
      if (this.maxAge === undefined || this.maxAge === 0) return null;
      return { maxAge: this.maxAge, scope: this.scope ?? 'PUBLIC' };
    },
  };
}

/** The `@cacheControl` of a list of directives, read as Apollo Server reads it. */
function annotationOf(directives: readonly ConstDirectiveNode[] | undefined): CacheAnnotation | undefined {
  const directive = directives?.find((d) => d.name.value === 'cacheControl');
  if (!directive?.arguments) return undefined;
  const argument = (name: string) => directive.arguments!.find((a) => a.name.value === name)?.value;
  const scopeValue = argument('scope');
  const scopeName = scopeValue?.kind === 'EnumValue' ? scopeValue.value : undefined;
  const scope = scopeName === 'PUBLIC' || scopeName === 'PRIVATE' ? scopeName : undefined;
  const inherit = argument('inheritMaxAge');
  if (inherit?.kind === 'BooleanValue' && inherit.value) return { inheritMaxAge: true, scope };
  const maxAge = argument('maxAge');
  return { maxAge: maxAge?.kind === 'IntValue' ? parseInt(maxAge.value, 10) : undefined, scope };
}

function typeAnnotation(type: GraphQLCompositeType): CacheAnnotation {
  return (
    annotationOf(type.astNode?.directives) ??
    type.extensionASTNodes.map((node) => annotationOf(node.directives)).find((a) => a !== undefined) ??
    {}
  );
}

const UNCACHEABLE = 'no-store';
const CACHEABLE = /^max-age=(\d+), (public|private)$/;

/**
 * Apollo Server's cache-control plugin (`ApolloServerPluginCacheControl` with its defaults:
 * default max age 0, headers calculated), with the same rules and the same `info.cacheControl`
 * for resolvers (`@apollo/subgraph`'s `_entities` restricts it by each entity's type), so the
 * same `cache-control` header; two differences in how, not what:
 * - the annotations of every type and field are read once at start into maps, where Apollo's
 *   looks them up in LRU caches for every resolved field (a few % of the tourism subgraph's CPU);
 * - once the request's policy is down to max age 0 (the header is then `no-store` whatever
 *   follows: a list under a root field without a hint), later fields skip the computation, as
 *   Apollo's own plugin does when the policy is restricted before execution starts.
 */
export function cacheControlPlugin(): ApolloServerPlugin<BaseContext> {
  const types = new Map<GraphQLCompositeType, CacheAnnotation>();
  const fields = new Map<GraphQLField<unknown, unknown>, CacheAnnotation>();
  const cacheHintFromType = (type: GraphQLCompositeType) => types.get(type) ?? typeAnnotation(type);
  return {
    async serverWillStart({ schema }: { schema: GraphQLSchema }) {
      for (const type of Object.values(schema.getTypeMap())) {
        if (isCompositeType(type)) types.set(type, typeAnnotation(type));
        if (isObjectType(type) || isInterfaceType(type))
          for (const field of Object.values(type.getFields()))
            fields.set(field, annotationOf(field.astNode?.directives) ?? {});
      }
    },
    async requestDidStart(requestContext) {
      const overall = requestContext.overallCachePolicy;
      return {
        async executionDidStart() {
          // Hints given after the policy is settled change nothing; resolvers may still give them.
          const settled = newCachePolicy();
          const ignored = {
            setCacheHint: (hint: CacheHint) => settled.replace(hint),
            cacheHint: settled,
            cacheHintFromType,
          };
          const restrictedBeforeExecution = overall.maxAge !== undefined || overall.scope !== undefined;
          return {
            willResolveField({ info }) {
              if (restrictedBeforeExecution || overall.maxAge === 0) {
                setCacheControl(info, ignored);
                return undefined;
              }
              const fieldPolicy = newCachePolicy();
              let inheritMaxAge = false;
              const target = getNamedType(info.returnType);
              const composite = isCompositeType(target);
              if (composite) {
                const annotation = cacheHintFromType(target);
                fieldPolicy.replace(annotation);
                inheritMaxAge = !!annotation.inheritMaxAge;
              }
              const field = info.parentType.getFields()[info.fieldName]!;
              const annotation = fields.get(field) ?? annotationOf(field.astNode?.directives) ?? {};
              if (annotation.inheritMaxAge && fieldPolicy.maxAge === undefined) {
                inheritMaxAge = true;
                if (annotation.scope) fieldPolicy.replace({ scope: annotation.scope });
              } else {
                fieldPolicy.replace(annotation);
              }
              setCacheControl(info, {
                setCacheHint: (hint: CacheHint) => fieldPolicy.replace(hint),
                cacheHint: fieldPolicy,
                cacheHintFromType,
              });
              return () => {
                if (fieldPolicy.maxAge === undefined && ((composite && !inheritMaxAge) || !info.path.prev))
                  fieldPolicy.restrict({ maxAge: 0 });
                overall.restrict(fieldPolicy);
              };
            },
          };
        },
        async willSendResponse({ response }) {
          const existing = response.http.headers.get('cache-control');
          if (existing && existing !== UNCACHEABLE && !CACHEABLE.test(existing)) return;
          const policy = newCachePolicy();
          policy.replace(overall);
          const match = existing ? CACHEABLE.exec(existing) : null;
          if (match) policy.restrict({ maxAge: Number(match[1]), scope: match[2] === 'public' ? 'PUBLIC' : 'PRIVATE' });
          const cacheable = policy.policyIfCacheable();
          if (
            cacheable &&
            existing !== UNCACHEABLE &&
            response.body.kind === 'single' &&
            !response.body.singleResult.errors
          )
            response.http.headers.set('cache-control', `max-age=${cacheable.maxAge}, ${cacheable.scope.toLowerCase()}`);
          else response.http.headers.set('cache-control', UNCACHEABLE);
        },
      };
    },
  };
}
