// The SDK schemas carry no enum values; the SDK's declaration files do: each model interface
// names the enum type of its members (`BootMode?: BootModeValues | undefined;`), and the
// package root exports each enum as an object of its values. This links the two.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface EnumInfo {
  /** "ShapeName.MemberName" -> enum type name */
  memberEnums: Map<string, string>;
  /** enum type name -> values */
  values: Map<string, string[]>;
}

export function readEnums(packageJsonPath: string, root: Record<string, unknown>): EnumInfo {
  const values = new Map<string, string[]>();
  for (const [name, value] of Object.entries(root)) {
    if (name.endsWith('$') || !value || typeof value !== 'object' || Array.isArray(value)) continue;
    const vals = Object.values(value as Record<string, unknown>);
    if (vals.length > 0 && vals.every((v) => typeof v === 'string')) values.set(name, vals as string[]);
  }
  const memberEnums = new Map<string, string>();
  const dir = join(dirname(packageJsonPath), 'dist-types', 'models');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.d.ts')).sort()) {
    const text = readFileSync(join(dir, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
    const iface = /^export interface (\w+) \{\n([\s\S]*?)^\}/gm;
    for (let m = iface.exec(text); m; m = iface.exec(text)) {
      const shape = m[1];
      for (const line of m[2].split('\n')) {
        const member = /^\s+(\w+)\??: (.+);$/.exec(line);
        if (!member) continue;
        const type = member[2]
          .replace(/\s*\|\s*undefined$/, '')
          .replace(/^Record<string, (.+)>$/, '$1')
          .replace(/^\((.+)\)$/, '$1')
          .replace(/(\[\])+$/, '');
        if (values.has(type)) memberEnums.set(`${shape}.${member[1]}`, type);
      }
    }
  }
  return { memberEnums, values };
}
