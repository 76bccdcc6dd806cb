/**
 * The io-engine's HTTP endpoint: health for probes, metrics for Prometheus.
 *
 *   GET /healthz   200 "ok" while the process serves requests (liveness)
 *   GET /readyz    200 once started, 503 while starting or shutting down (readiness);
 *                  the body is JSON with the state and, when degraded, why
 *   GET /metrics   Prometheus text format
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../core/log.js';

export interface HealthReport {
  ready: boolean;
  state: string;
  [k: string]: unknown;
}

export interface HttpEndpointOptions {
  host: string;
  port: number;
  log: Logger;
  metrics: Registry;
  health: () => HealthReport;
}

export class HttpEndpoint {
  private server: http.Server | undefined;
  port = 0;

  constructor(private readonly o: HttpEndpointOptions) {}

  async start(): Promise<number> {
    const server = http.createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        this.o.log.error({ err: (e as Error).message, url: req.url }, 'HTTP handler failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('internal error\n');
      });
    });
    // Probes and scrapes are short; do not let idle keep-alive sockets hold shutdown up.
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.o.host, port: this.o.port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this.port;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    if (url === '/healthz' || url === '/livez') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (url === '/readyz' || url === '/health') {
      const h = this.o.health();
      res
        .writeHead(h.ready ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify(h) + '\n');
    } else if (url === '/metrics') {
      const body = await this.o.metrics.metrics();
      res.writeHead(200, { 'content-type': this.o.metrics.contentType }).end(body);
    } else {
      res
        .writeHead(404, { 'content-type': 'text/plain' })
        .end('not found: try /healthz, /readyz or /metrics\n');
    }
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }
}
