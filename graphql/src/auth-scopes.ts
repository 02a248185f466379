import type { PartitionsSpec } from '@weft/core';
import type { RequestScope } from './api/request-scope.js';
import { groupOf } from './api/request-scope.js';
import type { Role } from './api/viewer.js';

/** Whether a partitions spec is (or has a dimension that is) the dynamic definition `name`. */
export function usesDynamic(spec: PartitionsSpec, name: string): boolean {
  if (spec.kind === 'dynamic') return spec.name === name;
  if (spec.kind === 'multi') return spec.dimensions.some((d) => usesDynamic(d.spec, name));
  return false;
}

/**
 * The scope loaders of one request (see builder.ts for what each scope means). A thing that does
 * not exist passes for a signed-in viewer, so the resolver answers NotFound; an anonymous caller
 * learns nothing about what exists.
 */
export function scopesFor(scope: RequestScope) {
  const viewer = scope.viewer;
  const missing = (): boolean => viewer.authenticated || viewer.canEverywhere('admin');
  return {
    asset: async ({ location, assetKeys, role }: { location: string | null | undefined; assetKeys: readonly string[]; role: Role }): Promise<boolean> => {
      const catalog = await scope.catalog(await scope.location(location));
      for (const key of assetKeys) {
        const asset = catalog?.byKey.get(key);
        if (asset ? !viewer.can(role, groupOf(asset)) : !missing()) return false;
      }
      return true;
    },
    request: async ({ location: given, id, role }: { location: string | null | undefined; id: string; role: Role }): Promise<boolean> => {
      const location = await scope.location(given);
      const request = await scope.request(location, id);
      if (!request) return missing();
      const asset = (await scope.catalog(location))?.byKey.get(request.assetKey);
      return asset ? viewer.can(role, groupOf(asset)) : viewer.canEverywhere(role);
    },
    dynamic: async ({ location, name, role }: { location: string | null | undefined; name: string; role: Role }): Promise<boolean> => {
      const users = ((await scope.catalog(await scope.location(location)))?.assets ?? []).filter((a) => usesDynamic(a.partitions, name));
      if (users.length === 0) return viewer.canEverywhere(role);
      return users.every((a) => viewer.can(role, groupOf(a)));
    },
    group: ({ group, role }: { group: string; role: Role }): boolean => viewer.can(role, group),
    everywhere: (role: Role): boolean => viewer.canEverywhere(role),
    signedIn: viewer.authenticated || viewer.canEverywhere('admin'),
  };
}
