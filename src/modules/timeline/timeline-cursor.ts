import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';

const PREFIX = 'tl_';

/**
 * Resume cursors of the timeline subscription: a delivery position (see `TimelineEvent.position`)
 * sealed for one tenant. The cursor is one AES-256 block holding the position and a tag of the
 * tenant: opaque (it does not reveal the global position, so a tenant cannot watch the pace of
 * other tenants' activity through it), and refused for any other tenant (the tag does not match).
 */
export class TimelineCursors {
  /** @param key 32 bytes, the same on every instance (derived from JWT_SECRET). */
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('TimelineCursors needs a 32-byte key');
  }

  /** True when `cursor` has the form of a sealed cursor (not necessarily valid). */
  static isSealed(cursor: string): boolean {
    return cursor.startsWith(PREFIX);
  }

  /** The cursor of `position` for `tenantId`. */
  seal(tenantId: string, position: bigint): string {
    const block = Buffer.alloc(16);
    block.writeBigUInt64BE(position, 0);
    tenantTag(tenantId).copy(block, 8);
    const cipher = createCipheriv('aes-256-ecb', this.key, null).setAutoPadding(false);
    return PREFIX + Buffer.concat([cipher.update(block), cipher.final()]).toString('base64url');
  }

  /** The position inside a cursor sealed for `tenantId`; undefined for anything else. */
  open(tenantId: string, cursor: string): bigint | undefined {
    if (!TimelineCursors.isSealed(cursor)) return undefined;
    const sealed = Buffer.from(cursor.slice(PREFIX.length), 'base64url');
    if (sealed.length !== 16 || sealed.toString('base64url') !== cursor.slice(PREFIX.length)) return undefined;
    const decipher = createDecipheriv('aes-256-ecb', this.key, null).setAutoPadding(false);
    const block = Buffer.concat([decipher.update(sealed), decipher.final()]);
    if (!block.subarray(8).equals(tenantTag(tenantId))) return undefined;
    return block.readBigUInt64BE(0);
  }
}

/** 8 bytes naming a tenant inside its cursors. */
function tenantTag(tenantId: string): Buffer {
  return createHash('sha256').update(`meridian-tenant:${tenantId}`).digest().subarray(0, 8);
}
