import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';

const PREFIX = 'tl_';
const PAGE_PREFIX = 'tp_';

/**
 * Resume cursors of the timeline subscription: a delivery position (see `TimelineEvent.position`)
 * sealed for one tenant. The cursor is one AES-256 block holding the position and a tag of the
 * tenant: opaque (it does not reveal the global position, so a tenant cannot watch the pace of
 * other tenants' activity through it), and refused for any other tenant (the tag does not match).
 */
export class TimelineCursors {
  /** Key of the `timeline` connection's page cursors: another key, so neither kind opens as the other. */
  private readonly pageKey: Buffer;

  /** @param key 32 bytes, the same on every instance (derived from JWT_SECRET). */
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('TimelineCursors needs a 32-byte key');
    this.pageKey = createHash('sha256').update(key).update('timeline page cursor').digest();
  }

  /** True when `cursor` has the form of a sealed resume cursor (not necessarily valid). */
  static isSealed(cursor: string): boolean {
    return cursor.startsWith(PREFIX);
  }

  /** True when `cursor` has the form of a sealed page cursor of the `timeline` connection. */
  static isPage(cursor: string): boolean {
    return cursor.startsWith(PAGE_PREFIX);
  }

  /** The resume cursor of `position` for `tenantId`. */
  seal(tenantId: string, position: bigint): string {
    return sealBlock(this.key, PREFIX, tenantId, position);
  }

  /** The position inside a resume cursor sealed for `tenantId`; undefined for anything else. */
  open(tenantId: string, cursor: string): bigint | undefined {
    return openBlock(this.key, PREFIX, tenantId, cursor);
  }

  /**
   * The page cursor of the event numbered `seq` (the timeline's keyset order) for `tenantId`:
   * opaque like {@link seal}, so the `timeline` connection shows no global sequence number either.
   */
  sealPage(tenantId: string, seq: bigint): string {
    return sealBlock(this.pageKey, PAGE_PREFIX, tenantId, seq);
  }

  /** The sequence number inside a page cursor sealed for `tenantId`; undefined for anything else. */
  openPage(tenantId: string, cursor: string): bigint | undefined {
    return openBlock(this.pageKey, PAGE_PREFIX, tenantId, cursor);
  }
}

/** `prefix` and one AES-256 block: `value` (8 bytes) and the tenant's tag (8 bytes). */
function sealBlock(key: Buffer, prefix: string, tenantId: string, value: bigint): string {
  const block = Buffer.alloc(16);
  block.writeBigUInt64BE(value, 0);
  tenantTag(tenantId).copy(block, 8);
  const cipher = createCipheriv('aes-256-ecb', key, null).setAutoPadding(false);
  return prefix + Buffer.concat([cipher.update(block), cipher.final()]).toString('base64url');
}

/** The value {@link sealBlock} sealed for `tenantId` with `key`; undefined for anything else. */
function openBlock(key: Buffer, prefix: string, tenantId: string, cursor: string): bigint | undefined {
  if (!cursor.startsWith(prefix)) return undefined;
  const sealed = Buffer.from(cursor.slice(prefix.length), 'base64url');
  if (sealed.length !== 16 || sealed.toString('base64url') !== cursor.slice(prefix.length)) return undefined;
  const decipher = createDecipheriv('aes-256-ecb', key, null).setAutoPadding(false);
  const block = Buffer.concat([decipher.update(sealed), decipher.final()]);
  if (!block.subarray(8).equals(tenantTag(tenantId))) return undefined;
  return block.readBigUInt64BE(0);
}

/** 8 bytes naming a tenant inside its cursors. */
function tenantTag(tenantId: string): Buffer {
  return createHash('sha256').update(`meridian-tenant:${tenantId}`).digest().subarray(0, 8);
}
