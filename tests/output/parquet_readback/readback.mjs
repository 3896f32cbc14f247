// Reads every Parquet file that parquet_readback_gen wrote into DIR with two independent readers,
// DuckDB (@duckdb/node-api) and hyparquet, and compares each with the JSON the generator wrote beside
// it: the schema (DuckDB's DESCRIBE types), row count, row groups and every value, statistics and
// key-value metadata. Invalid UTF-8 the rows held must come back as the WHATWG decoder (TextDecoder)
// repairs it: each maximal ill-formed subsequence replaced by U+FFFD.
//
// Usage: node readback.mjs DIR      (exit 0 when every file matches, 1 otherwise)
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';

// The output columns in order (docs/output.md): [name, kind]. Kinds: i64, i32, str, f64, ts (timestamp,
// micros UTC).
const COLUMNS = [
  ['line', 'i64'], ['url', 'str'], ['final_url', 'str'], ['host', 'str'], ['ip', 'str'],
  ['port', 'i32'], ['status', 'i32'], ['reason', 'str'], ['http_version', 'str'], ['error', 'str'],
  ['error_detail', 'str'], ['redirects', 'i32'], ['location', 'str'], ['content_type', 'str'],
  ['content_length', 'i64'], ['server', 'str'], ['title', 'str'], ['body_bytes', 'i64'],
  ['tls_version', 'str'], ['tls_verify', 'str'], ['cert_not_after', 'ts'], ['attempts', 'i32'],
  ['dns_ms', 'f64'], ['connect_ms', 'f64'], ['tls_ms', 'f64'], ['ttfb_ms', 'f64'], ['total_ms', 'f64'],
  ['started_at', 'ts'], ['proxy', 'str'], ['proxy_auth', 'str'],
];
const REQUIRED = new Set(['line', 'url', 'redirects', 'attempts']);
const DUCKDB_TYPES = {
  i64: 'BIGINT', i32: 'INTEGER', str: 'VARCHAR', f64: 'DOUBLE', ts: 'TIMESTAMP WITH TIME ZONE',
};
const PHYSICAL = { i64: 'INT64', i32: 'INT32', str: 'BYTE_ARRAY', f64: 'DOUBLE', ts: 'INT64' };
// The writer leaves out string min/max longer than this (kMaxStatisticsValueBytes).
const MAX_STATISTICS_BYTES = 4096;

const repair = new TextDecoder('utf-8', { ignoreBOM: true });
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

let failures = 0;
// Reports a mismatch; the first 50 are printed, each cut to a readable length (a reader's error can
// quote a whole megabyte value).
function fail(file, message) {
  failures++;
  const text = String(message);
  if (failures <= 50) console.error(`FAIL ${file}: ${text.length > 400 ? `${text.slice(0, 400)}...` : text}`);
}

// Expected values, normalised: bigint for integers and timestamps, number for doubles, string for text.
function expectedValue(kind, raw) {
  if (raw === null) return null;
  switch (kind) {
    case 'i64': case 'i32': case 'ts': return BigInt(raw);
    case 'f64': return raw === '-0' ? -0 : Number(raw);
    case 'str': return repair.decode(Buffer.from(raw, 'hex'));
  }
  throw new Error(kind);
}

function same(a, b) {
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b);
  return a === b;
}

function show(v) {
  if (typeof v === 'string') return JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}...(${v.length})` : v);
  return typeof v === 'bigint' ? `${v}n` : String(v);
}

function compareRows(file, reader, actualRows, expected) {
  if (actualRows.length !== expected.num_rows) {
    fail(file, `${reader}: ${actualRows.length} rows, expected ${expected.num_rows}`);
    return;
  }
  expected.rows.forEach((row, k) => {
    const index = k * expected.sample_every;
    for (const [name, kind] of COLUMNS) {
      const want = expectedValue(kind, row[name]);
      const got = actualRows[index][name];
      if (!same(got, want)) fail(file, `${reader}: row ${index} ${name} = ${show(got)}, expected ${show(want)}`);
    }
  });
}

async function readWithDuckDB(connection, file) {
  const source = `read_parquet('${file.replaceAll("'", "''")}', file_row_number = true)`;
  const describe = (await connection.runAndReadAll(`DESCRIBE SELECT * EXCLUDE (file_row_number) FROM ${source}`))
    .getRowObjectsJS();
  const select = COLUMNS.map(([name, kind]) => (kind === 'ts' ? `epoch_us(${name}) AS ${name}` : name)).join(', ');
  const rows = (await connection.runAndReadAll(`SELECT ${select} FROM ${source} ORDER BY file_row_number`))
    .getRowObjectsJS()
    .map((row) => {
      const out = {};
      for (const [name, kind] of COLUMNS) {
        const v = row[name];
        out[name] = v === null || v === undefined ? null : kind === 'i32' ? BigInt(v) : v;
      }
      return out;
    });
  const kv = (await connection.runAndReadAll(
    `SELECT decode(key) AS key, value FROM parquet_kv_metadata('${file.replaceAll("'", "''")}')`)).getRowObjectsJS();
  const meta = (await connection.runAndReadAll(
    `SELECT row_group_id, row_group_num_rows, path_in_schema, compression, stats_null_count
     FROM parquet_metadata('${file.replaceAll("'", "''")}') ORDER BY row_group_id, column_id`)).getRowObjectsJS();
  return { describe, rows, kv, meta };
}

async function readWithHyparquet(file) {
  const buffer = await asyncBufferFromFile(file);
  const parsers = { stringFromBytes: (bytes) => bytes, timestampFromMicroseconds: (micros) => micros };
  const metadata = await parquetMetadataAsync(buffer, { parsers });
  const objects = await parquetReadObjects({ file: buffer, metadata, compressors, parsers });
  const rows = objects.map((row) => {
    const out = {};
    for (const [name, kind] of COLUMNS) {
      let v = row[name];
      if (v === null || v === undefined) {
        v = null;
      } else if (kind === 'str') {
        // The bytes themselves must be valid UTF-8: a strict decode throws otherwise.
        try {
          v = strict.decode(v);
        } catch {
          v = `<invalid UTF-8: ${Buffer.from(v).toString('hex')}>`;
        }
      } else if (kind === 'i32') {
        v = BigInt(v);
      }
      out[name] = v;
    }
    return out;
  });
  return { metadata, rows };
}

// Min, max and null count of each column over rows [begin, end), as the writer's statistics must be.
function expectedStatistics(expected, begin, end) {
  const stats = {};
  for (const [name, kind] of COLUMNS) {
    let min; let max; let nulls = 0; let tooLong = false;
    for (let i = begin; i < end; i++) {
      const v = expectedValue(kind, expected.rows[i][name]);
      if (v === null) { nulls++; continue; }
      if (kind === 'f64' && Number.isNaN(v)) continue;
      if (kind === 'str') {
        // Byte-wise order of the UTF-8 bytes.
        const bytes = Buffer.from(v, 'utf8');
        if (min === undefined || Buffer.compare(bytes, min) < 0) min = bytes;
        if (max === undefined || Buffer.compare(bytes, max) > 0) max = bytes;
        continue;
      }
      if (min === undefined || v < min) min = v;
      if (max === undefined || v > max) max = v;
    }
    if (kind === 'str' && min !== undefined) {
      tooLong = min.length > MAX_STATISTICS_BYTES || max.length > MAX_STATISTICS_BYTES;
      min = min.toString('utf8');
      max = max.toString('utf8');
    }
    if (kind === 'f64') {
      if (min === 0) min = -0;
      if (max === 0) max = 0;
    }
    stats[name] = { min, max, nulls, tooLong };
  }
  return stats;
}

function checkHyparquetMetadata(file, metadata, expected) {
  const schema = metadata.schema.slice(1);
  if (schema.length !== COLUMNS.length) fail(file, `hyparquet: ${schema.length} columns`);
  COLUMNS.forEach(([name, kind], i) => {
    const element = schema[i] ?? {};
    if (element.name !== name) fail(file, `hyparquet: column ${i} is ${element.name}, expected ${name}`);
    if (element.type !== PHYSICAL[kind]) fail(file, `hyparquet: ${name} type ${element.type}`);
    const repetition = REQUIRED.has(name) ? 'REQUIRED' : 'OPTIONAL';
    if (element.repetition_type !== repetition) fail(file, `hyparquet: ${name} is ${element.repetition_type}`);
    if (kind === 'str' && (element.logical_type?.type !== 'STRING' || element.converted_type !== 'UTF8')) {
      fail(file, `hyparquet: ${name} lacks the STRING/UTF8 annotation`);
    }
    if (kind === 'ts') {
      const lt = element.logical_type;
      if (lt?.type !== 'TIMESTAMP' || lt.unit !== 'MICROS' || lt.isAdjustedToUTC !== true ||
          element.converted_type !== 'TIMESTAMP_MICROS') {
        fail(file, `hyparquet: ${name} is not TIMESTAMP(MICROS, UTC): ${JSON.stringify(lt)}`);
      }
    }
  });
  if (Number(metadata.num_rows) !== expected.num_rows) fail(file, `hyparquet: num_rows ${metadata.num_rows}`);
  const sizes = metadata.row_groups.map((g) => Number(g.num_rows));
  if (JSON.stringify(sizes) !== JSON.stringify(expected.row_group_rows)) {
    fail(file, `hyparquet: row groups ${JSON.stringify(sizes)}, expected ${JSON.stringify(expected.row_group_rows)}`);
  }
  const kv = Object.fromEntries((metadata.key_value_metadata ?? []).map(({ key, value }) => [key, value]));
  for (const [key, hex] of Object.entries(expected.key_value)) {
    const want = repair.decode(Buffer.from(hex, 'hex'));
    if (kv[key] !== want) fail(file, `hyparquet: key-value ${key} = ${show(kv[key])}, expected ${show(want)}`);
  }
  if (expected.sample_every !== 1) return;
  // Statistics of every column chunk against the expected rows of its row group.
  let begin = 0;
  metadata.row_groups.forEach((group, g) => {
    const end = begin + Number(group.num_rows);
    const want = expectedStatistics(expected, begin, end);
    group.columns.forEach((chunk, c) => {
      const [name, kind] = COLUMNS[c];
      const m = chunk.meta_data;
      if (m.codec !== expected.compression) fail(file, `row group ${g} ${name}: codec ${m.codec}`);
      if (Number(m.num_values) !== end - begin) fail(file, `row group ${g} ${name}: num_values ${m.num_values}`);
      const s = m.statistics ?? {};
      const w = want[name];
      if (Number(s.null_count) !== w.nulls) fail(file, `row group ${g} ${name}: null_count ${s.null_count}, expected ${w.nulls}`);
      let min = s.min_value;
      let max = s.max_value;
      if (kind === 'str' && min !== undefined) {
        min = repair.decode(min);
        max = repair.decode(max);
      }
      if (kind === 'i32' && min !== undefined) {
        min = BigInt(min);
        max = BigInt(max);
      }
      if (w.min === undefined || w.tooLong) {
        if (min !== undefined || max !== undefined) fail(file, `row group ${g} ${name}: unexpected min/max ${show(min)}/${show(max)}`);
      } else if (!same(min, w.min) || !same(max, w.max)) {
        fail(file, `row group ${g} ${name}: min/max ${show(min)}/${show(max)}, expected ${show(w.min)}/${show(w.max)}`);
      }
    });
    begin = end;
  });
}

function checkDuckDB(file, duck, expected) {
  const types = duck.describe.map((r) => [r.column_name, r.column_type]);
  const wantTypes = COLUMNS.map(([name, kind]) => [name, DUCKDB_TYPES[kind]]);
  if (JSON.stringify(types) !== JSON.stringify(wantTypes)) {
    fail(file, `DuckDB schema ${JSON.stringify(types)}`);
  }
  const kv = Object.fromEntries(duck.kv.map(({ key, value }) => [key, Buffer.from(value).toString('utf8')]));
  for (const [key, hex] of Object.entries(expected.key_value)) {
    const want = repair.decode(Buffer.from(hex, 'hex'));
    if (kv[key] !== want) fail(file, `DuckDB: key-value ${key} = ${show(kv[key])}, expected ${show(want)}`);
  }
  const groups = new Map();
  for (const row of duck.meta) {
    groups.set(Number(row.row_group_id), Number(row.row_group_num_rows));
    if (row.compression !== expected.compression) fail(file, `DuckDB: ${row.path_in_schema} compression ${row.compression}`);
  }
  const sizes = [...groups.values()];
  if (JSON.stringify(sizes) !== JSON.stringify(expected.row_group_rows)) {
    fail(file, `DuckDB: row groups ${JSON.stringify(sizes)}, expected ${JSON.stringify(expected.row_group_rows)}`);
  }
}

async function main() {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: node readback.mjs DIR');
    process.exit(2);
  }
  const cases = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  if (cases.length === 0) {
    console.error(`no cases in ${dir}`);
    process.exit(1);
  }
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  for (const name of cases) {
    const expected = JSON.parse(readFileSync(path.join(dir, name), 'utf8'));
    const file = path.join(dir, expected.parquet);
    const before = failures;
    try {
      const duck = await readWithDuckDB(connection, file);
      checkDuckDB(file, duck, expected);
      compareRows(file, 'DuckDB', duck.rows, expected);
      const hyp = await readWithHyparquet(file);
      checkHyparquetMetadata(file, hyp.metadata, expected);
      compareRows(file, 'hyparquet', hyp.rows, expected);
      // The two readers must agree on every row, also those the expectations sample out.
      if (expected.sample_every !== 1) {
        for (let i = 0; i < duck.rows.length && failures - before < 10; i++) {
          for (const [col] of COLUMNS) {
            if (!same(duck.rows[i][col], hyp.rows[i]?.[col])) {
              fail(file, `readers disagree on row ${i} ${col}: DuckDB ${show(duck.rows[i][col])}, hyparquet ${show(hyp.rows[i]?.[col])}`);
            }
          }
        }
      }
    } catch (e) {
      fail(file, `reader error: ${e.stack ?? e}`);
    }
    console.log(`${failures === before ? 'ok  ' : 'FAIL'} ${expected.name} (${expected.num_rows} rows)`);
  }
  connection.closeSync?.();
  if (failures > 0) {
    console.error(`${failures} mismatches`);
    process.exit(1);
  }
}

await main();
