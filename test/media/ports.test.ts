import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { RtpPortPool } from '../../src/media/ports.js';

describe('RTP port pool', () => {
  it('hands out even RTP ports with RTCP on the next, round-robin, and takes them back', async () => {
    const pool = new RtpPortPool({ first: 31001, last: 31008 }, '127.0.0.1');
    expect(pool.capacity).toBe(3);
    const a = await pool.allocate();
    const b = await pool.allocate();
    expect([a.port, b.port]).toEqual([31002, 31004]);
    expect(a.rtcp.address().port).toBe(31003);
    a.release();
    a.release();
    const c = await pool.allocate();
    // Round-robin: the port just released is not the next one handed out.
    expect(c.port).toBe(31006);
    const d = await pool.allocate();
    expect(d.port).toBe(31002);
    await expect(pool.allocate()).rejects.toThrow(/no free RTP port pair in 31002-31008/);
    for (const pair of [b, c, d]) pair.release();
    expect(pool.used).toBe(0);
  });

  it('skips a pair another program holds', async () => {
    const squatter = createSocket('udp4');
    await new Promise<void>((resolve) => squatter.bind(31013, '127.0.0.1', resolve));
    try {
      const pool = new RtpPortPool({ first: 31012, last: 31015 }, '127.0.0.1');
      const pair = await pool.allocate();
      expect(pair.port).toBe(31014);
      pair.release();
    } finally {
      squatter.close();
    }
  });
});
