/**
 * Registration with the control plane (Mayastor's `Registration` service, proto/ registration):
 * the io-engine calls Register at start and then every interval (a heartbeat: the control plane
 * marks a node that misses a few of them offline), and Deregister when it shuts down cleanly.
 * With no endpoint configured the io-engine runs standalone and this does nothing.
 *
 * Failures never stop the io-engine: it keeps serving its volumes and keeps trying, logging
 * only when the state changes (registered -> failing -> registered), not on every attempt.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../core/log.js';
import { asyncClient, serviceDefinitions, type AsyncClient, type ServiceDefinitions } from '../api/proto.js';
import type { RegisterRequest } from '../api/generated/mayastor/v1/RegisterRequest.js';
import { fromServiceError } from '../api/status.js';
import { describeError } from '../core/errors.js';

export type RegistrationState = 'standalone' | 'unregistered' | 'registered';

export interface RegistrarOptions {
  endpoint: string | undefined;
  intervalSec: number;
  log: Logger;
  /** Built at every heartbeat, so it always carries the current endpoint and features. */
  request: () => RegisterRequest;
}

export class Registrar {
  private client: AsyncClient<ServiceDefinitions['Registration']> | undefined;
  private raw: grpc.Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private inFlight: Promise<void> | undefined;
  private _state: RegistrationState;
  /** Successful Register calls (heartbeats included). */
  heartbeats = 0;
  lastError: string | undefined;

  constructor(private readonly o: RegistrarOptions) {
    this._state = o.endpoint ? 'unregistered' : 'standalone';
  }

  get state(): RegistrationState {
    return this._state;
  }

  start(): void {
    if (!this.o.endpoint) {
      this.o.log.info('no registration endpoint configured: running standalone');
      return;
    }
    const Client = grpc.makeGenericClientConstructor({}, 'Registration');
    this.raw = new Client(this.o.endpoint, grpc.credentials.createInsecure());
    this.client = asyncClient(this.raw, serviceDefinitions().Registration, this.deadlineMs());
    this.o.log.info(
      { endpoint: this.o.endpoint, intervalSec: this.o.intervalSec },
      'registering with the control plane',
    );
    this.tick();
  }

  /** A heartbeat must finish before the next one is due. */
  private deadlineMs(): number {
    return Math.max(1000, Math.min(10_000, this.o.intervalSec * 1000));
  }

  private tick(): void {
    if (this.stopped) return;
    this.inFlight = this.registerOnce().finally(() => {
      this.inFlight = undefined;
      if (this.stopped) return;
      this.timer = setTimeout(() => this.tick(), this.o.intervalSec * 1000);
      // The gRPC server keeps the process alive; a pending heartbeat must not.
      this.timer.unref();
    });
  }

  private async registerOnce(): Promise<void> {
    try {
      await this.client!.Register(this.o.request());
      this.heartbeats++;
      if (this._state !== 'registered') {
        this.o.log.info({ endpoint: this.o.endpoint }, 'registered with the control plane');
      }
      this._state = 'registered';
      this.lastError = undefined;
    } catch (e) {
      const msg = describeError(fromServiceError(e));
      if (this._state === 'registered' || this.lastError === undefined) {
        this.o.log.warn(
          { endpoint: this.o.endpoint, err: msg },
          'cannot register with the control plane; will keep trying',
        );
      }
      this._state = 'unregistered';
      this.lastError = msg;
    }
  }

  /** Stop the heartbeat and, when registered, deregister (bounded by the call deadline). */
  async stop(deregister: boolean): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.inFlight;
    if (deregister && this.client && this._state === 'registered') {
      const req = this.o.request();
      try {
        await this.client.Deregister(
          { id: req.id, ...(req.instance_uuid ? { instance_uuid: req.instance_uuid } : {}) },
          { deadlineMs: 2000 },
        );
        this.o.log.info('deregistered from the control plane');
      } catch (e) {
        this.o.log.warn({ err: describeError(fromServiceError(e)) }, 'deregistration failed');
      }
    }
    this._state = this.o.endpoint ? 'unregistered' : 'standalone';
    this.raw?.close();
  }
}
