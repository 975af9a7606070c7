import { DomainError } from '../errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Encodes a type name and a row id as an opaque global ID. */
export function toGlobalId(type: string, id: string): string {
  return Buffer.from(`${type}:${id}`).toString('base64url');
}

/** Decodes a global ID; returns null when it is not one of ours (never throws). */
export function fromGlobalId(globalId: string): { type: string; id: string } | null {
  let text: string;
  try {
    text = Buffer.from(globalId, 'base64url').toString('utf8');
  } catch {
    return null;
  }
  const sep = text.indexOf(':');
  if (sep <= 0) return null;
  const type = text.slice(0, sep);
  const id = text.slice(sep + 1);
  return /^[A-Za-z]+$/.test(type) && UUID.test(id) ? { type, id } : null;
}

/**
 * Decodes a global ID that must name `type`. An ID of another type, or garbage, is NOT_FOUND:
 * exactly what a missing row gives, so callers learn nothing from the shape of an ID.
 */
export function expectGlobalId(globalId: string, type: string): string {
  const decoded = fromGlobalId(globalId);
  if (!decoded || decoded.type !== type) throw DomainError.notFound(type, globalId);
  return decoded.id;
}
