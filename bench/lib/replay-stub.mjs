// The client floor's server (bench/workloads/client-floor.ts): a minimal node:http server that
// answers each request at once with the bytes Imago answered to the same kind of request in the
// same bench run (recorded by bench/floor_workload.py --record). No signature check, no parsing
// beyond the form body's parameter names: the fastest any server could look to a client.
// usage: node replay-stub.mjs PORT RECORDINGS.json   (prints "ready" when listening)
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

/**
 * What kind of request a form body is: its Action, the names of its parameters with list indexes
 * folded (`Filter.1.Value.2` -> `Filter.N.Value.N`), and RunInstances' MaxCount (one launch and
 * a hundred answer differently). DescribeImages by id, by owner and filtered are three kinds.
 */
export function requestKind(body) {
  const params = new URLSearchParams(body);
  const names = new Set();
  for (const name of params.keys()) if (name !== 'Action' && name !== 'Version') names.add(name.replace(/\.\d+/g, '.N'));
  const action = params.get('Action') ?? '';
  const count = action === 'RunInstances' ? `:${params.get('MaxCount')}` : '';
  return `${action}${count}:${[...names].sort().join(',')}`;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const [port, file] = process.argv.slice(2);
  // by kind, and by action for the set-up calls recorded once per operation (a bulk launch of
  // 1000 answered with the recorded launch of 450 is fine: set-up is not timed)
  const answers = new Map();
  const byAction = new Map();
  for (const r of Object.values(JSON.parse(readFileSync(file, 'utf8')))) {
    const answer = { status: r.status, contentType: r.contentType, body: Buffer.from(r.body, 'base64') };
    answers.set(requestKind(r.request), answer);
    byAction.set(new URLSearchParams(r.request).get('Action'), answer);
  }
  createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const kind = requestKind(body);
      const a = answers.get(kind) ?? byAction.get(new URLSearchParams(body).get('Action'));
      if (!a) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`no recording for ${kind}`);
        return;
      }
      res.writeHead(a.status, { 'content-type': a.contentType, 'content-length': a.body.length, 'x-amzn-requestid': '00000000-0000-0000-0000-000000000000' });
      res.end(a.body);
    });
  }).listen(Number(port), '127.0.0.1', () => console.log('ready'));
}
