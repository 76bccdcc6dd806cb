/**
 * Creating block devices from URIs, and the set of devices one owner (an io-engine, a CLI
 * command, a test) has open. Schemes are pluggable: this layer knows malloc, aio and uring;
 * higher layers register theirs (nvmf://, bdev://) on their own registry instance. There is no
 * process-wide registry, so several io-engines can live in one process (tests, worker threads).
 */
import { MallocDevice } from './malloc.js';
import { FileDevice, type FileEngine } from './file.js';
import { bdevError, BdevErrors } from './errors.js';
import { parseUri, checkParams, intParam, blockSizeParam, type ParsedUri } from './uri.js';
import { assertUuid } from '../core/uuid.js';
import { silentLogger, type Logger } from '../core/log.js';
import type { BlockDevice } from './types.js';

export interface SchemeContext {
  registry: BdevRegistry;
  log: Logger;
}

export interface SchemeHandler {
  /** The device name a URI would create; used to detect duplicates before opening anything. */
  nameOf(u: ParsedUri): string;
  create(u: ParsedUri, ctx: SchemeContext): Promise<BlockDevice>;
}

const MAX_MALLOC_BYTES = 2 ** 40; // 1 TiB of address space; memory is allocated lazily

function uuidParam(u: ParsedUri): string | undefined {
  const v = u.params.get('uuid');
  return v === undefined ? undefined : assertUuid(v, `'${u.uri}': uuid`);
}

export const mallocScheme: SchemeHandler = {
  nameOf(u) {
    const name = u.path.replace(/^\/+/, '');
    if (!name || name.includes('/')) {
      throw bdevError(
        BdevErrors.URI_INVALID,
        `'${u.uri}': expected malloc:///<name>?size_mb=N, e.g. malloc:///malloc0?size_mb=64`,
      );
    }
    return name;
  },
  create(u) {
    checkParams(u, ['size_mb', 'num_blocks', 'blk_size', 'uuid']);
    const name = mallocScheme.nameOf(u);
    const blockSize = blockSizeParam(u);
    const sizeMb = intParam(u, 'size_mb');
    const numBlocks = intParam(u, 'num_blocks');
    if ((sizeMb === undefined) === (numBlocks === undefined)) {
      throw bdevError(BdevErrors.SIZE_INVALID, `'${u.uri}': give exactly one of size_mb and num_blocks`);
    }
    const bytes = sizeMb !== undefined ? sizeMb * 1024 * 1024 : numBlocks! * blockSize;
    if (bytes > MAX_MALLOC_BYTES) {
      throw bdevError(
        BdevErrors.SIZE_INVALID,
        `'${u.uri}': ${bytes} bytes is larger than the 1 TiB malloc limit`,
      );
    }
    return Promise.resolve(
      new MallocDevice({ name, blockSize, numBlocks: bytes / blockSize, uuid: uuidParam(u) }),
    );
  },
};

function fileScheme(engine: FileEngine): SchemeHandler {
  return {
    nameOf(u) {
      if (u.host !== '') {
        throw bdevError(
          BdevErrors.URI_INVALID,
          `'${u.uri}': ${engine}:// takes an absolute path: ${engine}:///path/to/file`,
        );
      }
      if (!u.path.startsWith('/') || u.path.length < 2) {
        throw bdevError(BdevErrors.URI_INVALID, `'${u.uri}': expected ${engine}:///absolute/path`);
      }
      return u.path;
    },
    create(u, ctx) {
      checkParams(u, ['blk_size', 'uuid']);
      return FileDevice.open({
        path: this.nameOf(u),
        blockSize: blockSizeParam(u),
        engine,
        uuid: uuidParam(u),
        log: ctx.log,
      });
    },
  };
}

export class BdevRegistry {
  private readonly schemes = new Map<string, SchemeHandler>();
  private readonly devices = new Map<string, BlockDevice>();
  private readonly uris = new Map<string, string>();
  private readonly pending = new Set<string>();
  readonly log: Logger;

  constructor(options: { log?: Logger } = {}) {
    this.log = options.log ?? silentLogger();
    this.schemes.set('malloc', mallocScheme);
    this.schemes.set('aio', fileScheme('aio'));
    this.schemes.set('uring', fileScheme('uring'));
  }

  registerScheme(scheme: string, handler: SchemeHandler): void {
    this.schemes.set(scheme.toLowerCase(), handler);
  }

  /** The handler for a parsed URI, or a clear error naming the schemes that exist. */
  handlerFor(u: ParsedUri): SchemeHandler {
    const h = this.schemes.get(u.scheme);
    if (!h) {
      throw bdevError(
        BdevErrors.UNSUPPORTED_SCHEME,
        `'${u.uri}': unsupported scheme '${u.scheme}://' (supported: ${[...this.schemes.keys()].map((s) => s + '://').join(', ')})`,
      );
    }
    return h;
  }

  /** Open a device and keep it under its name. Fails with BDEV_EXISTS if the name is taken. */
  async create(uri: string): Promise<BlockDevice> {
    const u = parseUri(uri);
    const handler = this.handlerFor(u);
    const name = handler.nameOf(u);
    if (this.devices.has(name) || this.pending.has(name)) {
      throw bdevError(BdevErrors.EXISTS, `a block device named '${name}' already exists`, {
        details: { name },
      });
    }
    this.pending.add(name);
    try {
      const dev = await handler.create(u, { registry: this, log: this.log });
      this.devices.set(name, dev);
      this.uris.set(name, u.uri);
      return dev;
    } finally {
      this.pending.delete(name);
    }
  }

  /** Open a device without keeping it (the caller owns and closes it). */
  async open(uri: string): Promise<BlockDevice> {
    const u = parseUri(uri);
    return this.handlerFor(u).create(u, { registry: this, log: this.log });
  }

  /** The name a URI maps to, without opening anything. */
  nameOf(uri: string): string {
    const u = parseUri(uri);
    return this.handlerFor(u).nameOf(u);
  }

  get(name: string): BlockDevice | undefined {
    return this.devices.get(name);
  }

  uriOf(name: string): string | undefined {
    return this.uris.get(name);
  }

  list(): BlockDevice[] {
    return [...this.devices.values()];
  }

  async destroy(name: string): Promise<void> {
    const dev = this.devices.get(name);
    if (!dev) throw bdevError(BdevErrors.NOT_FOUND, `no block device named '${name}'`);
    this.devices.delete(name);
    this.uris.delete(name);
    await dev.close();
  }

  async closeAll(): Promise<void> {
    const devs = [...this.devices.keys()];
    await Promise.allSettled(devs.map((n) => this.destroy(n)));
  }
}

/** Open one device from a URI with the built-in schemes (for tools that need no registry). */
export function openBdev(uri: string, options: { log?: Logger } = {}): Promise<BlockDevice> {
  return new BdevRegistry(options).open(uri);
}
