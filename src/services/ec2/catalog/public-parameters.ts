// The read-only `/aws/service/...` SSM namespace, derived from the catalog: each public parameter
// has one version per catalog image that names it (oldest first), so the latest version is the
// newest release; the value is that image's id in the caller's region.
import type { CatalogImage } from './catalog-spec.js';
import { catalogId } from './catalog-rows.js';

export interface PublicParameterVersion {
  version: number;
  /** the AMI id */
  value: string;
  /** when the release came out */
  lastModified: string;
}

export interface PublicParameter {
  name: string;
  dataType: string;
  /** oldest first; the last is the current value */
  versions: PublicParameterVersion[];
}

export class PublicParameters {
  private readonly byRegion = new Map<string, { map: Map<string, PublicParameter>; names: string[] }>();

  constructor(private readonly images: readonly CatalogImage[]) {}

  private index(region: string) {
    let hit = this.byRegion.get(region);
    if (hit) return hit;
    const map = new Map<string, PublicParameter>();
    const inRegion = this.images.filter((i) => !i.regions || i.regions.includes(region));
    for (const img of [...inRegion].sort((a, b) => (a.creationDate < b.creationDate ? -1 : a.creationDate > b.creationDate ? 1 : 0))) {
      for (const p of img.parameters) {
        let param = map.get(p.name);
        if (!param) map.set(p.name, (param = { name: p.name, dataType: p.dataType, versions: [] }));
        param.versions.push({ version: param.versions.length + 1, value: catalogId('ami', region, img.key), lastModified: img.creationDate });
      }
    }
    hit = { map, names: [...map.keys()].sort() };
    this.byRegion.set(region, hit);
    return hit;
  }

  get(region: string, name: string): PublicParameter | undefined {
    return this.index(region).map.get(name);
  }

  /** Parameters under `path/` (one level, or every depth when recursive), by name. */
  list(region: string, path: string, recursive: boolean): PublicParameter[] {
    const { map, names } = this.index(region);
    const prefix = path.endsWith('/') ? path : `${path}/`;
    return names.filter((n) => n.startsWith(prefix) && (recursive || !n.slice(prefix.length).includes('/'))).map((n) => map.get(n)!);
  }
}
