import { Readable } from 'node:stream';

import { parse } from 'csv-parse';

import type { ExternalRecord } from './provider.js';
import { SyncObjectType } from './sync.enums.js';

/** Encodings a CSV import reads. */
export type CsvEncoding = 'utf8' | 'latin1';

/** The CSV layouts an import recognises from the header row. */
export enum CsvFormat {
  /** Meridian's own: columns named as Client fields (`fullName`, `email`, …). */
  MERIDIAN = 'MERIDIAN',
  /** HubSpot's contacts export (`Record ID`, `First Name`, `Last Name`, `Email`, …). */
  HUBSPOT_CONTACTS = 'HUBSPOT_CONTACTS',
  /** HubSpot's companies export (`Record ID`, `Company name`, …). */
  HUBSPOT_COMPANIES = 'HUBSPOT_COMPANIES',
}

/** Columns of Meridian's own format (`fullName` required; the rest optional, any order). */
export const MERIDIAN_COLUMNS = [
  'externalId',
  'kind',
  'fullName',
  'email',
  'phone',
  'nationality',
  'lifecycleStage',
  'tags',
  'notes',
  'companyName',
] as const;

/** What the header row says about a file; null when it names no known layout. */
export function detectFormat(header: string[]): { format: CsvFormat; objectType: SyncObjectType } | null {
  const names = new Set(header.map((h) => h.trim().toLowerCase()));
  if (names.has('fullname')) return { format: CsvFormat.MERIDIAN, objectType: SyncObjectType.CONTACT };
  if (names.has('record id')) {
    if (names.has('company name') || names.has('company domain name'))
      if (!names.has('first name') && !names.has('email'))
        return { format: CsvFormat.HUBSPOT_COMPANIES, objectType: SyncObjectType.COMPANY };
    if (names.has('first name') || names.has('last name') || names.has('email'))
      return { format: CsvFormat.HUBSPOT_CONTACTS, objectType: SyncObjectType.CONTACT };
  }
  return null;
}

/** The error a file without a recognisable header row gets. */
export const HEADER_HELP =
  'the first line must be a header row: Meridian’s format (fullName, email, phone, nationality, kind, lifecycleStage, tags, notes, companyName, externalId) or a HubSpot contacts/companies export (Record ID, First Name, Last Name, Email, … / Record ID, Company name, …)';

/**
 * One data row as a provider-neutral record. Meridian's format keeps its column names as
 * properties (they equal the local field names, so they map onto themselves) and its `kind`
 * column may make a row a COMPANY; HubSpot exports keep HubSpot's column labels, which the CSV
 * connection's field mappings translate. A row without an id gets none: it is matched to
 * clients by email, phone and name instead.
 */
export function rowToRecord(format: CsvFormat, header: string[], row: string[]): ExternalRecord {
  const properties: Record<string, string | null> = {};
  header.forEach((name, i) => {
    const v = row[i]?.trim();
    properties[name.trim()] = v ? v : null;
  });
  const lower = (name: string) => {
    const key = Object.keys(properties).find((k) => k.toLowerCase() === name);
    return key ? properties[key] : null;
  };
  let objectType = format === CsvFormat.HUBSPOT_COMPANIES ? SyncObjectType.COMPANY : SyncObjectType.CONTACT;
  if (format === CsvFormat.MERIDIAN && lower('kind')?.toUpperCase() === 'ORGANIZATION')
    objectType = SyncObjectType.COMPANY;
  const externalId = format === CsvFormat.MERIDIAN ? lower('externalid') : lower('record id');
  return { externalId: externalId ?? '', objectType, properties, updatedAt: null };
}

/** A parsed CSV record: its fields and the line it starts on, or why it could not be read. */
export type CsvRow = { line: number; fields: string[] } | { line: number; error: string };

/** Options of {@link readCsv}. */
export interface ReadCsvOptions {
  encoding: CsvEncoding;
  /** Longest record accepted (bytes of text); a longer one is reported and skipped. */
  maxRecordChars: number;
}

/**
 * Parses a CSV file given as a stream of byte chunks, one record at a time (memory stays bounded
 * by the largest record, never the file). UTF-8 (a BOM is dropped) or Latin-1; quoted fields may
 * hold newlines; empty lines are skipped; a malformed record is reported with its line and the
 * parser goes on with the next one.
 */
export async function* readCsv(chunks: AsyncIterable<Buffer>, options: ReadCsvOptions): AsyncGenerator<CsvRow> {
  const text = Readable.from(decode(chunks, options.encoding), { objectMode: false });
  const skipped: CsvRow[] = [];
  const parser = parse({
    bom: true,
    relax_column_count: true,
    relax_quotes: false,
    max_record_size: options.maxRecordChars,
    skip_records_with_error: true,
    info: true,
    on_skip: (err: { message: string; lines?: number } | undefined) => {
      if (err) skipped.push({ line: err.lines ?? 0, error: err.message });
    },
  });
  text.on('error', (err) => parser.destroy(err));
  text.pipe(parser);
  let lastLine = 0;
  for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    while (skipped.length) yield skipped.shift()!;
    const line = lastLine + 1;
    lastLine = item.info.lines;
    if (item.record.length === 1 && item.record[0].trim() === '') continue;
    yield { line, fields: item.record };
  }
  while (skipped.length) yield skipped.shift()!;
}

/** Decodes byte chunks to text; invalid UTF-8 is an error (the caller says to use latin1). */
async function* decode(chunks: AsyncIterable<Buffer>, encoding: CsvEncoding): AsyncGenerator<string> {
  if (encoding === 'latin1') {
    // One byte per character: chunk boundaries never split a character.
    for await (const chunk of chunks) yield chunk.toString('latin1');
    return;
  }
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  try {
    for await (const chunk of chunks) yield decoder.decode(chunk, { stream: true });
    yield decoder.decode();
  } catch (err) {
    if (err instanceof TypeError) throw new Error('the file is not valid UTF-8: import it again with encoding=latin1');
    throw err;
  }
}

/** Whether `bytes` (a whole file, chunk by chunk) is valid UTF-8: feed chunks, then `end()`. */
export class Utf8Check {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private ok = true;

  push(chunk: Buffer): void {
    if (!this.ok) return;
    try {
      this.decoder.decode(chunk, { stream: true });
    } catch {
      this.ok = false;
    }
  }

  end(): boolean {
    if (!this.ok) return false;
    try {
      this.decoder.decode();
      return true;
    } catch {
      return false;
    }
  }
}
