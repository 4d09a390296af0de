// The issues' targets, as workloads judge them: each records what it measured against its limit,
// and the runner prints every verdict at the end. Figures, not assertions: nothing fails.
export interface Verdict {
  target: string;
  measured: string;
  limit: string;
  met: boolean;
}

const verdicts: Verdict[] = [];

export function judge(target: string, measured: string, limit: string, met: boolean): void {
  verdicts.push({ target, measured, limit, met });
}

export function printVerdicts(): void {
  if (!verdicts.length) return;
  console.log('\n=== targets');
  const w = Math.max(...verdicts.map((v) => v.target.length));
  for (const v of verdicts) console.log(`${v.met ? 'met   ' : 'MISSED'}  ${v.target.padEnd(w)}  ${v.measured}  (target ${v.limit})`);
  const missed = verdicts.filter((v) => !v.met).length;
  console.log(`${verdicts.length - missed} of ${verdicts.length} met`);
}
