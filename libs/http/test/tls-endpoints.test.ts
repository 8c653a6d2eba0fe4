/**
 * ADR 0037: every process's HTTP listeners (listenHttpEndpoints) with a certificate made by
 * openssl: plain and TLS side by side, TLS alone, and a TLS port in use closing the plain one.
 */
import { expect } from 'chai';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { silentLogger } from '@isac/kernel';
import { createServiceApp, listenHttpEndpoints, readTlsMaterial, type TlsMaterial } from '../src/index.js';
import { makeTestPki, type TestPki } from '../../../test/support/test-pki.js';

const app = createServiceApp({ log: silentLogger, routers: [] });

function healthOverTls(port: number, ca: Buffer): Promise<number> {
  return new Promise((resolve, reject) =>
    https
      .get({ host: '127.0.0.1', port, path: '/healthz', ca }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on('error', reject),
  );
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

describe('HTTP endpoints with TLS (ADR 0037)', function () {
  this.timeout(20_000);
  let pki: TestPki;
  let tls: TlsMaterial;
  let ca: Buffer;
  before(() => {
    pki = makeTestPki();
    tls = readTlsMaterial({ certFile: pki.serverCert, keyFile: pki.serverKey })!;
    ca = readFileSync(pki.caCert);
  });
  after(() => rmSync(pki.dir, { recursive: true, force: true }));

  it('serves plain and TLS on separate ports, each in the banner', async () => {
    const e = await listenHttpEndpoints(app, { host: '127.0.0.1', port: 0, tlsPort: 0 }, tls);
    try {
      expect(e.port).to.be.a('number');
      expect(e.tlsPort).to.be.a('number').and.not.equal(e.port);
      expect(await healthOverTls(e.tlsPort!, ca)).to.equal(200);
      expect((await fetch(`http://127.0.0.1:${e.port}/healthz`)).status).to.equal(200);
      expect(e.bannerLines(' (x)')).to.deep.equal([
        `  HTTP     http://localhost:${e.port} (x)`,
        `  HTTPS    https://localhost:${e.tlsPort} (x)`,
      ]);
      expect(e.localUrl).to.equal(`https://localhost:${e.tlsPort}`);
    } finally {
      await e.close();
    }
  });

  it('with plain off, only TLS listens', async () => {
    const e = await listenHttpEndpoints(app, { host: '127.0.0.1', port: 0, plain: false, tlsPort: 0 }, tls);
    try {
      expect(e.port).to.equal(undefined);
      expect(await healthOverTls(e.tlsPort!, ca)).to.equal(200);
      expect(e.bannerLines('')).to.have.length(1);
    } finally {
      await e.close();
    }
  });

  it('refuses plain off without a certificate', async () => {
    const err = await listenHttpEndpoints(app, { host: '127.0.0.1', port: 0, plain: false }, undefined).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.name).to.equal('StartupError');
    expect(err?.message).to.include('ISAC_HTTP_PLAIN');
  });

  it('closes the plain listener when the TLS port is taken', async () => {
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const taken = (busy.address() as net.AddressInfo).port;
    const plainPort = await new Promise<number>((r) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => r(p));
      });
    });
    try {
      const err = await listenHttpEndpoints(
        app,
        { host: '127.0.0.1', port: plainPort, tlsPort: taken },
        tls,
      ).then(
        () => undefined,
        (e: NodeJS.ErrnoException) => e,
      );
      expect(err?.code).to.equal('EADDRINUSE');
      expect(await refused(plainPort)).to.equal(true);
    } finally {
      busy.close();
    }
  });

  it('sends the intermediate certificates of tls.caFile after the certificate', () => {
    const chain = path.join(pki.dir, 'chain.pem');
    writeFileSync(chain, readFileSync(pki.otherCaCert));
    const m = readTlsMaterial({ certFile: pki.serverCert, keyFile: pki.serverKey, caFile: chain })!;
    expect(m.cert.toString()).to.include(readFileSync(pki.serverCert, 'utf8').trim());
    expect(m.cert.toString()).to.include(readFileSync(pki.otherCaCert, 'utf8').trim());
  });
});
