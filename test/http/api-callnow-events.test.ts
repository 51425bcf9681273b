// The live stream of an extension's CallNow requests (Server-Sent Events), over a real socket:
// who may open it, what it says when a request arrives and moves, and how many may be open.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addApiUser, directory } from '../helpers/api.js';
import { demoWith, startApp, type AppUnderTest } from '../browser/harness.js';

interface StreamEvent {
  event: string;
  data: string;
}

/** Opens the stream and reads its events as they come; `close` ends it from our side. */
async function openStream(url: string, token: string | null): Promise<{ status: number; next: (timeoutMs?: number) => Promise<StreamEvent>; close: () => void; contentType: string | null }> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: abort.signal });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const next = async (timeoutMs = 10_000): Promise<StreamEvent> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        // Comments (heartbeats) are not events.
        const lines = block.split('\n').filter((line) => !line.startsWith(':'));
        if (lines.length === 0) continue;
        const field = (name: string) => lines.find((line) => line.startsWith(`${name}: `))?.slice(name.length + 2) ?? '';
        return { event: field('event'), data: field('data') };
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no event within ${timeoutMs} ms; read so far: ${JSON.stringify(buffer)}`);
      const chunk = await Promise.race([reader.read(), new Promise<null>((resolve) => setTimeout(() => resolve(null), left))]);
      if (chunk === null) continue;
      if (chunk.done) throw new Error(`the stream ended; read so far: ${JSON.stringify(buffer)}`);
      buffer += decoder.decode(chunk.value as Uint8Array, { stream: true });
    }
  };
  return { status: response.status, next, close: () => abort.abort(), contentType: response.headers.get('content-type') };
}

describe('live stream of CallNow requests', () => {
  let server: AppUnderTest;
  let john: string;
  let jane: string;
  let johnsExtension: number;
  beforeAll(async () => {
    server = await startApp(demoWith(5090));
    const { extension, account } = await directory(server.store);
    johnsExtension = extension['001002']!;
    john = await addApiUser(server.store, { email: 'john@acme.example', role: 'extension_owner', accountId: account.Acme!, extensionId: johnsExtension });
    jane = await addApiUser(server.store, { email: 'travel@acme.example', role: 'extension_owner', accountId: account.Acme!, extensionId: extension['001100']! });
  });
  afterAll(async () => {
    await server.stop();
  });
  const url = () => `${server.baseUrl}/api/v1/extensions/${johnsExtension}/callnow/requests/events`;

  it('needs a token, and one that may see the extension', async () => {
    const anonymous = await fetch(url());
    expect(anonymous.status).toBe(401);
    const other = await fetch(url(), { headers: { authorization: `Bearer ${jane}` } });
    expect(other.status).toBe(404);
    expect(await other.json()).toMatchObject({ error: 'not_found' });
  });

  it('says ready, then each new request and each state it moves through', async () => {
    const stream = await openStream(url(), john);
    try {
      expect(stream.status).toBe(200);
      expect(stream.contentType).toMatch(/^text\/event-stream/);
      expect(await stream.next()).toEqual({ event: 'ready', data: '{}' });
      // John's phone is not registered: ringing it ends at once as unanswered.
      const placed = await fetch(`${server.baseUrl}/callnow/index.php?call=john_doe&myname=Ann&phone=%2B61455500012`, { redirect: 'manual' });
      expect(placed.status).toBe(303);
      const seen: { id: number; state: string; reason: string | null }[] = [];
      while (!seen.some((e) => e.state === 'owner-no-answer' || e.state === 'refused')) {
        const event = await stream.next();
        expect(event.event).toBe('request');
        seen.push(JSON.parse(event.data) as { id: number; state: string; reason: string | null });
      }
      const row = await server.store.db.selectFrom('callbackRequests').select(['id', 'state', 'reason']).where('requesterName', '=', 'Ann').executeTakeFirstOrThrow();
      expect(seen.every((e) => e.id === row.id)).toBe(true);
      expect(seen.map((e) => e.state)).toEqual(['received', 'calling-owner', 'owner-no-answer']);
      expect(seen.at(-1)).toEqual({ id: row.id, state: row.state, reason: row.reason });
    } finally {
      stream.close();
    }
  });

  it('keeps at most 10 streams open per user, and frees a place when one closes', async () => {
    const open = [];
    for (let i = 0; i < 10; i++) {
      const stream = await openStream(url(), john);
      expect(stream.status).toBe(200);
      expect((await stream.next()).event).toBe('ready');
      open.push(stream);
    }
    const refused = await fetch(url(), { headers: { authorization: `Bearer ${john}` } });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    open.pop()!.close();
    await expect
      .poll(async () => {
        const again = await openStream(url(), john);
        again.close();
        return again.status;
      })
      .toBe(200);
    for (const stream of open) stream.close();
  });
});
