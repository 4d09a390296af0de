// A codec pool worker: one BlockCodec (its zstd contexts and scratch buffer) serving requests one
// at a time. Results go back with their ArrayBuffers transferred; errors as plain data.
import { parentPort } from 'node:worker_threads';
import { BlockCodec } from './block-codec.js';
import { errorToWire, reusable, type CodecReply, type CodecRequest } from './codec-messages.js';

const port = parentPort;
if (!port) throw new Error('codec-worker.ts runs as a worker thread (codec-pool.ts starts it)');

const codec = new BlockCodec();

port.on('message', (req: CodecRequest) => {
  if (req.op === 'exit') process.exit(req.code);
  let reply: CodecReply;
  try {
    if (req.op === 'encode') {
      const encoded = codec.encode(req.block, req.key, req.id, req.sha256);
      // the block is not used after encoding (the payload is a copy): it goes back for reuse
      reply = { seq: req.seq, ok: true, id: encoded.id, data: encoded.payload, ...(reusable(req.block) ? { block: req.block } : {}) };
    } else {
      reply = { seq: req.seq, ok: true, data: codec.decode(req.id, req.payload, { key: req.key, verify: req.verify }) };
    }
  } catch (e) {
    port.postMessage({ seq: req.seq, ok: false, error: errorToWire(e) } satisfies CodecReply);
    return;
  }
  // Buffers of at least 4 KiB own their ArrayBuffer and move; smaller ones share Node's buffer
  // pool, which Node never transfers (it copies them instead).
  port.postMessage(reply, reply.block ? [reply.data.buffer as ArrayBuffer, reply.block.buffer as ArrayBuffer] : [reply.data.buffer as ArrayBuffer]);
});
