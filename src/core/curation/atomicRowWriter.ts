/**
 * Writes a dataset file row by row, atomically: rows go to a temporary file beside the target,
 * which is fsynced and renamed over it on commit, and deleted on abort. An interrupted step never
 * leaves a torn output, and running it again is safe. Memory holds one buffer of pending bytes.
 *
 * JSONL rows read from a JSONL file are written with their bytes as read (and the input's BOM
 * before the first); other rows as compact JSON. A `.json` target gets a JSON array laid out as
 * `toJsonArray` lays it out (two-space indent), element by element.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { fsyncDirectory } from '../dataset/atomicWrite';
import type { RowTerminator } from '../dataset/rowParser';
import { outputFormat, type CurationFormat } from './curationFormat';

const FLUSH_BYTES = 1024 * 1024;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const NEWLINE = Buffer.from('\n');
const CRLF = Buffer.from('\r\n');

export interface AtomicRowWriterOptions {
  /** Default: by the target's name (`.json` a JSON array, else JSONL). */
  readonly format?: CurationFormat;
  /** Start a JSONL file with a BOM (before the first row), as the input did. */
  readonly bom?: boolean;
}

/** The temporary file a target is written through: hidden, beside it, ending in `.tmp`. */
export function temporaryPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
}

export class AtomicRowWriter {
  private parts: Buffer[] = [];
  private pendingBytes = 0;
  private rowCount = 0;
  private finished = false;

  private constructor(
    readonly target: string,
    readonly temporary: string,
    private readonly file: FileHandle,
    readonly format: CurationFormat,
    private readonly bom: boolean,
  ) {}

  static async open(target: string, options: AtomicRowWriterOptions = {}): Promise<AtomicRowWriter> {
    const temporary = temporaryPathFor(target);
    const file = await open(temporary, 'wx');
    return new AtomicRowWriter(target, temporary, file, options.format ?? outputFormat(target), options.bom ?? false);
  }

  /** Rows written so far. */
  get rows(): number {
    return this.rowCount;
  }

  /**
   * Writes a row: its bytes as read when given (they must not change until the next flush: rows
   * from datasetRows never do) and the target is JSONL (with the line ending it had;
   * '\n' for a last line that had none), else its value.
   */
  async writeRow(value: Record<string, unknown>, raw?: Buffer, terminator: RowTerminator = '\n'): Promise<void> {
    if (this.format === 'json') {
      const element = `  ${JSON.stringify(value, null, 2).replace(/\n/g, '\n  ')}`;
      this.push(Buffer.from(this.rowCount === 0 ? `[\n${element}` : `,\n${element}`, 'utf8'));
    } else {
      if (this.rowCount === 0 && this.bom) this.push(BOM);
      if (raw !== undefined) this.push(raw, terminator === '\r\n' ? CRLF : NEWLINE);
      else this.push(Buffer.from(`${JSON.stringify(value)}\n`, 'utf8'));
    }
    this.rowCount++;
    if (this.pendingBytes >= FLUSH_BYTES) await this.flush();
  }

  /** Finishes the file and renames it over the target. */
  async commit(): Promise<void> {
    if (this.finished) throw new Error('AtomicRowWriter: already finished');
    try {
      if (this.format === 'json') this.push(Buffer.from(this.rowCount === 0 ? '[]\n' : '\n]\n'));
      await this.flush();
      await this.file.sync();
      await this.file.close();
      this.finished = true;
      await rename(this.temporary, this.target);
    } catch (error) {
      await this.abort();
      throw error;
    }
    await fsyncDirectory(path.dirname(this.target));
  }

  /** Drops the temporary file; the target is left as it was. Safe to call more than once. */
  async abort(): Promise<void> {
    if (!this.finished) {
      this.finished = true;
      await this.file.close().catch(() => undefined);
    }
    this.parts = [];
    await unlink(this.temporary).catch(() => undefined);
  }

  private push(...buffers: Buffer[]): void {
    for (const buffer of buffers) {
      this.parts.push(buffer);
      this.pendingBytes += buffer.length;
    }
  }

  private async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const parts = this.parts;
    this.parts = [];
    this.pendingBytes = 0;
    const bytes = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
    let written = 0;
    while (written < bytes.length) written += (await this.file.write(bytes, written)).bytesWritten;
  }
}
