// A urlsweep Parquet result rewritten by DuckDB the way a pipeline may: for test_report.py, which
// checks that `urlsweep report` reads the rewrites and finds the same numbers, or refuses one by name.
//
// Usage: node report_duckdb_rewrite.cjs NODE_MODULES_DIR IN.parquet OUT_PREFIX
// Writes OUT_PREFIX-bigint.parquet: every column, port as BIGINT (INT64); OUT_PREFIX-reordered.parquet:
// the columns in another order, integers of other widths (status SMALLINT: INT32 annotated INT_16,
// redirects UINTEGER: INT32 annotated UINT_32, attempts BIGINT), cert_not_after as TIMESTAMP_MS and
// started_at as TIMESTAMP_NS (both whole-microsecond values, so nothing is lost), title left out and
// a column urlsweep does not write added; OUT_PREFIX-double.parquet: port as DOUBLE, which the report
// refuses.
'use strict';
const path = require('node:path');
const { createRequire } = require('node:module');

const [modules, input, prefix] = process.argv.slice(2);
const { DuckDBInstance } = createRequire(path.join(path.resolve(modules), 'noop.js'))('@duckdb/node-api');
const quoted = (s) => `'${s.replaceAll("'", "''")}'`;

async function main() {
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  await db.run("SET TimeZone = 'UTC'");
  await db.run(`CREATE TABLE r AS SELECT * FROM read_parquet(${quoted(input)})`);
  await db.run(`COPY (SELECT * REPLACE (CAST(port AS BIGINT) AS port) FROM r)
      TO ${quoted(`${prefix}-bigint.parquet`)} (FORMAT parquet)`);
  await db.run(`COPY (SELECT started_at::TIMESTAMP_NS AS started_at, total_ms, 'x' AS pipeline_note,
        cert_not_after::TIMESTAMP_MS AS cert_not_after, status::SMALLINT AS status,
        redirects::UINTEGER AS redirects, attempts::BIGINT AS attempts,
        * EXCLUDE (started_at, total_ms, cert_not_after, status, redirects, attempts, title)
      FROM r ORDER BY line DESC) TO ${quoted(`${prefix}-reordered.parquet`)} (FORMAT parquet, COMPRESSION zstd)`);
  await db.run(`COPY (SELECT * REPLACE (CAST(port AS DOUBLE) AS port) FROM r)
      TO ${quoted(`${prefix}-double.parquet`)} (FORMAT parquet)`);
}

main().catch((e) => {
  console.error(`report_duckdb_rewrite: ${e.stack || e}`);
  process.exit(1);
});
