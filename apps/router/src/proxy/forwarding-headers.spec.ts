import type { IncomingMessage } from 'node:http';
import { requestIdOf, setForwardingHeaders, stripHopByHop } from './forwarding-headers';

describe(setForwardingHeaders.name, () => {
  const request = (headers: IncomingMessage['headers'], remoteAddress: string) =>
    ({ headers, socket: { remoteAddress, localPort: 8000 } }) as unknown as IncomingMessage;

  it('should write IPv6 clients as RFC 7239 asks and unwrap IPv4-mapped ones', () => {
    const v6 = request({ host: 'web.prod.acme.localhost' }, '2001:db8::1');
    setForwardingHeaders(v6, 'id');
    expect(v6.headers.forwarded).toBe('for="[2001:db8::1]";host=web.prod.acme.localhost;proto=http');
    expect(v6.headers['x-forwarded-for']).toBe('2001:db8::1');
    const mapped = request({ host: 'web.prod.acme.localhost:8000' }, '::ffff:10.0.0.7');
    setForwardingHeaders(mapped, 'id');
    expect(mapped.headers.forwarded).toBe('for=10.0.0.7;host="web.prod.acme.localhost:8000";proto=http');
    expect(mapped.headers['x-forwarded-port']).toBe('8000');
  });

  it('should keep a sane request id and replace any other', () => {
    expect(requestIdOf({ 'x-request-id': '0f5e0c1a-6f0a-4a5e-9d0e-0e6bb2f0b7c1' })).toBe(
      '0f5e0c1a-6f0a-4a5e-9d0e-0e6bb2f0b7c1',
    );
    for (const bad of ['short', 'x'.repeat(201), 'has spaces in it, twenty+', '<script>alert(1)</script>']) {
      expect(requestIdOf({ 'x-request-id': bad })).not.toBe(bad);
    }
  });

  it('should drop hop-by-hop headers and those Connection names, sparing what a WebSocket needs', () => {
    const headers = {
      connection: 'Upgrade, X-Private',
      upgrade: 'websocket',
      'x-private': '1',
      'keep-alive': '5',
      te: 'trailers',
      accept: '*/*',
    };
    stripHopByHop(headers, ['connection', 'upgrade']);
    expect(headers).toEqual({ connection: 'Upgrade, X-Private', upgrade: 'websocket', accept: '*/*' });
    stripHopByHop(headers);
    expect(headers).toEqual({ accept: '*/*' });
  });
});
