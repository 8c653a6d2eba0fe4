import type net from 'node:net';
import type { Logger } from '@isac/kernel';
import type { DispatcherConfig } from '../config.js';

/** The embedded broker's admission limits (config `dispatcher.broker`, ADR 0011). */
export type BrokerLimits = DispatcherConfig['broker'];

/**
 * Follows the MQTT fixed headers of one connection's inbound bytes, without buffering: each
 * packet's declared length is known from its first two to five bytes, before its body arrives.
 * Until `authenticated()`, the stream may hold `budget` bytes in all; after it, a packet at most
 * `maxPacket` bytes of remaining length.
 */
export class FixedHeaderScanner {
  /** Bytes seen so far. */
  private pos = 0;
  /** Body bytes of the current packet still to pass. */
  private skip = 0;
  /** Inside a fixed header: -1 before the type byte, else remaining-length bytes read so far. */
  private headerBytes = -1;
  private len = 0;
  private inHeader = false;

  constructor(
    private budget: number,
    private maxPacket: number,
  ) {}

  authenticated(maxPacket: number): void {
    this.budget = Infinity;
    this.maxPacket = maxPacket;
  }

  /** Why the connection must close, or undefined while every declared packet fits. */
  scan(buf: Buffer): string | undefined {
    let i = 0;
    while (i < buf.length) {
      if (this.skip > 0) {
        const k = Math.min(this.skip, buf.length - i);
        this.skip -= k;
        i += k;
        continue;
      }
      const b = buf[i++]!;
      if (!this.inHeader) {
        this.inHeader = true;
        this.headerBytes = 0;
        this.len = 0;
        continue;
      }
      this.len += (b & 0x7f) * 128 ** this.headerBytes;
      this.headerBytes += 1;
      if (b & 0x80) {
        if (this.headerBytes === 4) return 'malformed remaining length';
        continue;
      }
      this.inHeader = false;
      const end = this.pos + i + this.len;
      if (end > this.budget) return `${end} bytes declared before authentication (at most ${this.budget})`;
      if (this.len > this.maxPacket) return `a packet of ${this.len} bytes (at most ${this.maxPacket})`;
      this.skip = this.len;
    }
    this.pos += buf.length;
    return undefined;
  }
}

export interface Admission {
  /** Called once the connection's CONNECT is authenticated; `internal`: the hub's own client, no packet limit. */
  authenticated(socket: object, internal: boolean): void;
  /** Takes a new TCP connection in (or closes it) before aedes gets it; false when it was refused. */
  admit(socket: net.Socket): boolean;
}

/**
 * Admission control in front of aedes, which parses and buffers whatever a connection sends
 * before it authenticates (a 250 MB CONNECT stayed resident). Per connection: the fixed-header
 * scanner on every read, and a deadline for authentication; per source address: a cap on
 * connections not yet authenticated. A connection over a limit is destroyed at once, so aedes
 * never parses the packet and its buffers go with the socket.
 *
 * The scanner sits on the socket's `read()`, which is how aedes consumes it (on 'readable'):
 * every byte aedes parses passes through it, and nothing is copied or re-streamed.
 */
export function createAdmission(limits: BrokerLimits, log: Logger): Admission {
  const pendingByAddress = new Map<string, number>();
  const onAuthenticated = new WeakMap<object, (internal: boolean) => void>();
  return {
    authenticated(socket, internal) {
      onAuthenticated.get(socket)?.(internal);
    },
    admit(socket) {
      const address = socket.remoteAddress ?? '';
      const pending = pendingByAddress.get(address) ?? 0;
      if (pending >= limits.maxUnauthenticatedPerAddress) {
        log.info(
          { address, pending },
          'MQTT connection refused: too many connections from this address are not yet authenticated',
        );
        socket.destroy();
        return false;
      }
      pendingByAddress.set(address, pending + 1);
      let settled = false;
      const settle = (): void => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        const left = (pendingByAddress.get(address) ?? 1) - 1;
        if (left > 0) pendingByAddress.set(address, left);
        else pendingByAddress.delete(address);
      };
      const deadline = setTimeout(() => {
        log.info(
          { address, ms: limits.connectTimeoutMs },
          'MQTT connection closed: not authenticated in time',
        );
        socket.destroy();
      }, limits.connectTimeoutMs);
      socket.once('close', settle);
      const scanner = new FixedHeaderScanner(limits.maxConnectBytes, limits.maxConnectBytes);
      onAuthenticated.set(socket, (internal) => {
        settle();
        scanner.authenticated(internal ? Infinity : limits.maxPacketBytes);
      });
      const read = socket.read.bind(socket);
      socket.read = (size?: number): Buffer | null => {
        const buf = read(size) as Buffer | null;
        if (buf === null || socket.destroyed) return buf;
        const why = scanner.scan(buf);
        if (why === undefined) return buf;
        log.info({ address, reason: why }, 'MQTT connection closed: over the packet size limit');
        socket.destroy();
        return null;
      };
      return true;
    },
  };
}
