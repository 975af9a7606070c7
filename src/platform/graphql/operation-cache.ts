import { type DocumentNode, Kind, OperationTypeNode } from 'graphql';

/** Bounds of an {@link OperationCache}. */
export interface OperationCacheOptions {
  /** How many entries are kept per document; past it, the document's entries are dropped. @default 64 */
  perDocument?: number;
  /** Keys longer than this (operation name and variables as JSON) are not kept. @default 4096 */
  maxKeyLength?: number;
}

/**
 * Values computed per parsed query document, operation name and variables (Apollo keeps one parsed
 * document per query text, so a client repeating a query with the same values finds its entry).
 * Documents with a mutation or subscription are never kept: they carry the large variables (an
 * import's rows). A few short variants per document: a client sending ever new or large values does
 * not make it grow without bound; the documents themselves are held weakly (Apollo's own cache of
 * parsed documents bounds them).
 */
export class OperationCache<V> {
  private readonly byDocument = new WeakMap<DocumentNode, Map<string, V> | null>();
  private readonly perDocument: number;
  private readonly maxKeyLength: number;

  constructor(options: OperationCacheOptions = {}) {
    this.perDocument = options.perDocument ?? 64;
    this.maxKeyLength = options.maxKeyLength ?? 4096;
  }

  /**
   * The entries of `document`, or null when it is not kept (it has a mutation or subscription).
   */
  private entries(document: DocumentNode): Map<string, V> | null {
    let entries = this.byDocument.get(document);
    if (entries === undefined) {
      const queries = document.definitions.every(
        (d) => d.kind !== Kind.OPERATION_DEFINITION || d.operation === OperationTypeNode.QUERY,
      );
      this.byDocument.set(document, (entries = queries ? new Map() : null));
    }
    return entries;
  }

  /**
   * The key of the operation `operationName` with `variables` (and `extra`, what else the value
   * depends on), or null when it is not kept: a document with a mutation or subscription, or a key
   * over `maxKeyLength`.
   */
  key(
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: Record<string, unknown> | null | undefined,
    ...extra: (string | number | boolean)[]
  ): string | null {
    if (this.entries(document) === null) return null;
    const key = JSON.stringify([operationName ?? null, variables ?? {}, ...extra]);
    return key.length > this.maxKeyLength ? null : key;
  }

  /** Whether `key` (from {@link key}) has an entry for `document`. */
  has(document: DocumentNode, key: string): boolean {
    return this.entries(document)?.has(key) ?? false;
  }

  /** The entry of `key` (from {@link key}) for `document`, if kept. */
  get(document: DocumentNode, key: string): V | undefined {
    return this.entries(document)?.get(key);
  }

  /** Keeps `value` for `key` (from {@link key}); the document's entries are dropped once it has `perDocument`. */
  set(document: DocumentNode, key: string, value: V): void {
    const entries = this.entries(document);
    if (!entries) return;
    if (!entries.has(key) && entries.size >= this.perDocument) entries.clear();
    entries.set(key, value);
  }

  /** Drops the entry of `key` for `document` (e.g. one that no longer holds). */
  delete(document: DocumentNode, key: string): void {
    this.entries(document)?.delete(key);
  }
}
