// DuckDB's side of test_report.py: the numbers `urlsweep report` shows, computed by DuckDB
// (@duckdb/node-api) over the same result files, printed as one JSON object on standard output: totals,
// status classes and codes, error words and their stages and example rows, latency percentiles and
// histograms, the throughput timeline and its clipped chart, hosts with most errors, slowest hosts and
// URLs, redirects, servers and media types, TLS verdicts and versions, certificate expiry.
//
// Usage: node report_duckdb.cjs NODE_MODULES_DIR FORMAT FILE TLS_REFERENCE [FORMAT FILE]...
//   FORMAT is csv, jsonl or parquet; TLS_REFERENCE the report's tls.reference (ISO 8601 UTC), against
//   which certificate expiry is counted. Further FORMAT FILE pairs are more parts of the same results
//   (the shards of one run): the numbers are those of all their rows together.
// Percentiles use quantile_disc with DECIMAL fractions (0.5, 0.9, 0.99): the nearest rank, the k-th
// smallest value with k = ceil(q * n), computed in integer arithmetic, as the report defines them.
'use strict';
const path = require('node:path');
const { createRequire } = require('node:module');

const [modules, firstFormat, firstFile, reference, ...more] = process.argv.slice(2);
const parts = [[firstFormat, firstFile]];
for (let i = 0; i + 1 < more.length; i += 2) parts.push([more[i], more[i + 1]]);
const { DuckDBInstance } = createRequire(path.join(path.resolve(modules), 'noop.js'))('@duckdb/node-api');

// The output columns and their types (docs/output.md), for the text formats, whose
// types DuckDB must not guess.
const TYPES = {
  line: 'BIGINT', url: 'VARCHAR', final_url: 'VARCHAR', host: 'VARCHAR', ip: 'VARCHAR', port: 'INTEGER',
  status: 'INTEGER', reason: 'VARCHAR', http_version: 'VARCHAR', error: 'VARCHAR', error_detail: 'VARCHAR',
  redirects: 'INTEGER', location: 'VARCHAR', content_type: 'VARCHAR', content_length: 'BIGINT', server: 'VARCHAR',
  title: 'VARCHAR', body_bytes: 'BIGINT', tls_version: 'VARCHAR', tls_verify: 'VARCHAR',
  cert_not_after: 'TIMESTAMPTZ', attempts: 'INTEGER', dns_ms: 'DOUBLE', connect_ms: 'DOUBLE', tls_ms: 'DOUBLE',
  ttfb_ms: 'DOUBLE', total_ms: 'DOUBLE', started_at: 'TIMESTAMPTZ',
};
const STAGES = ['dns_ms', 'connect_ms', 'tls_ms', 'ttfb_ms', 'total_ms'];
// The report's histogram edges (output/report/report_data.h kHistogramEdgesMs).
const EDGES = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 30000, 60000];

// The stages of the error table in docs/errors.md (output/report/report_data.h ErrorStageOf), as SQL.
const STAGE_OF = {
  input: ['invalid_url', 'excluded'],
  dns: ['dns_nxdomain', 'dns_nodata', 'dns_servfail', 'dns_timeout', 'dns_error'],
  connect: ['connect_refused', 'connect_timeout', 'connect_unreachable', 'connect_reset'],
  tls: ['tls_error', 'tls_timeout', 'tls_verify'],
  proxy: ['proxy_auth_required', 'proxy_error'],
  exchange: ['write_error', 'read_timeout', 'read_reset', 'empty_response', 'bad_response'],
  redirects: ['redirect_loop', 'too_many_redirects'],
  budget: ['timeout'],
};
// Throughput buckets (output/report/report_aggregator.cc kBucketWidths, kMaxTimelineBuckets): the first
// of these widths (microseconds) that splits first start .. last completion into at most 120 buckets.
const MS = 1000;
const SECOND = 1000 * MS;
const BUCKET_WIDTHS_US = [10 * MS, 20 * MS, 50 * MS, 100 * MS, 200 * MS, 500 * MS, SECOND, 2 * SECOND,
  5 * SECOND, 10 * SECOND, 15 * SECOND, 30 * SECOND, 60 * SECOND, 120 * SECOND, 300 * SECOND, 600 * SECOND,
  900 * SECOND, 1800 * SECOND, 3600 * SECOND, 7200 * SECOND, 10800 * SECOND, 21600 * SECOND, 43200 * SECOND,
  86400 * SECOND];
const MAX_TIMELINE_BUCKETS = 120;
// The report's lists (output/report/report_aggregator.h): example rows per word, slowest hosts and
// rows, most frequent values, TLS verdicts; the chart's clip (kChartPercentile, kChartMarginPercent).
const EXAMPLES_PER_WORD = 3;
const SLOWEST = 10;
const TOP_VALUES = 10;
const TOP_VERDICTS = 20;
const CHART_PERCENTILE = 0.99;
const CHART_MARGIN_PERCENT = 10;

function bucketWidth(span) {
  let width = BUCKET_WIDTHS_US.find((w) => Math.floor(span / w) + 1 <= MAX_TIMELINE_BUCKETS);
  if (width === undefined) {
    const day = BUCKET_WIDTHS_US[BUCKET_WIDTHS_US.length - 1];
    width = (Math.floor(Math.floor(span / (MAX_TIMELINE_BUCKETS - 1)) / day) + 1) * day;
  }
  return width;
}

const quoted = (s) => `'${s.replaceAll("'", "''")}'`;
const struct = `{${Object.entries(TYPES).map(([k, v]) => `${quoted(k)}: ${quoted(v)}`).join(', ')}}`;

function source(format, file) {
  switch (format) {
    case 'csv':
      return `read_csv(${quoted(file)}, header = true, auto_detect = false, delim = ',', quote = '"', ` +
             `escape = '"', columns = ${struct})`;
    case 'jsonl':
      return `read_json(${quoted(file)}, format = 'newline_delimited', columns = ${struct})`;
    case 'parquet':
      return `read_parquet(${quoted(file)})`;
  }
  throw new Error(`unknown format ${format}`);
}

async function main() {
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  await db.run("SET TimeZone = 'UTC'");
  // The parts by column name: a Parquet part and a CSV part may order their columns differently.
  await db.run(`CREATE TABLE r AS ${parts.map(([f, p]) => `SELECT * FROM ${source(f, p)}`).join(' UNION ALL BY NAME ')}`);
  const all = async (sql) => (await db.runAndReadAll(sql)).getRowObjectsJS();
  const one = async (sql) => (await all(sql))[0];
  const num = (v) => (typeof v === 'bigint' ? Number(v) : v);

  const out = {};
  const totals = await one(`SELECT count(*) AS rows, count(*) FILTER (WHERE error IS NULL) AS ok,
      count(error) AS errors_total, count(status) AS with_status, count(DISTINCT host) AS hosts,
      count(started_at) AS timed_rows, epoch_us(min(started_at)) AS first_start_us,
      max(epoch_us(started_at) + CASE WHEN total_ms > 0 THEN round(total_ms * 1000)::BIGINT ELSE 0 END)
        AS last_end_us
      FROM r`);
  for (const [k, v] of Object.entries(totals)) out[k] = v === null ? null : num(v);

  out.status_classes = { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, other: 0, none: 0 };
  for (const row of await all(`SELECT CASE WHEN status IS NULL THEN 'none'
        WHEN status BETWEEN 100 AND 599 THEN (status // 100)::VARCHAR || 'xx' ELSE 'other' END AS class,
        count(*) AS n FROM r GROUP BY class`)) {
    out.status_classes[row.class] = num(row.n);
  }
  out.errors = {};
  for (const row of await all('SELECT error, count(*) AS n FROM r WHERE error IS NOT NULL GROUP BY error')) {
    out.errors[row.error] = num(row.n);
  }

  // Rows with an error per stage, only the stages that have some (as the report lists them).
  const stageCase = `CASE ${Object.entries(STAGE_OF).map(([stage, words]) =>
    `WHEN error IN (${words.map(quoted).join(', ')}) THEN ${quoted(stage)}`).join(' ')} ELSE 'unknown' END`;
  out.error_stages = {};
  for (const row of await all(`SELECT ${stageCase} AS stage, count(*) AS n FROM r WHERE error IS NOT NULL
      GROUP BY stage`)) {
    out.error_stages[row.stage] = num(row.n);
  }

  // Throughput: completions (started_at + total_ms, in whole microseconds) per bucket from the first start.
  out.timeline = null;
  if (out.first_start_us !== null) {
    const span = out.last_end_us - out.first_start_us;
    const width = bucketWidth(span);
    const completions = new Array(Math.floor(span / width) + 1).fill(0);
    for (const row of await all(`SELECT (end_us - ${out.first_start_us}) // ${width} AS bucket, count(*) AS n
        FROM (SELECT epoch_us(started_at) + CASE WHEN total_ms > 0 THEN round(total_ms * 1000)::BIGINT ELSE 0 END
              AS end_us FROM r WHERE started_at IS NOT NULL)
        GROUP BY bucket`)) {
      completions[num(row.bucket)] = num(row.n);
    }
    out.timeline = { start_us: out.first_start_us, bucket_us: width, completions };

    // The chart: cut at the 99th percentile of completion offsets plus a tenth, when that drops more
    // than a third of the axis.
    const ends = `(SELECT epoch_us(started_at) + CASE WHEN total_ms > 0 THEN round(total_ms * 1000)::BIGINT
        ELSE 0 END - ${out.first_start_us} AS o FROM r WHERE started_at IS NOT NULL)`;
    const p = num((await one(`SELECT quantile_disc(o, ${CHART_PERCENTILE}) AS p FROM ${ends}`)).p);
    const end = p + Math.floor(p / 100) * CHART_MARGIN_PERCENT + Math.floor((p % 100) * CHART_MARGIN_PERCENT / 100);
    if (end >= span - Math.floor(span / 3)) {
      out.timeline.chart = { end_us: span, bucket_us: width, completions, hidden_rows: 0 };
    } else {
      const w = bucketWidth(end);
      const shown = new Array(Math.floor(end / w) + 1).fill(0);
      for (const row of await all(`SELECT o // ${w} AS bucket, count(*) AS n FROM ${ends} WHERE o <= ${end}
          GROUP BY bucket`)) {
        shown[num(row.bucket)] = num(row.n);
      }
      const hidden = num((await one(`SELECT count(*) AS n FROM ${ends} WHERE o > ${end}`)).n);
      out.timeline.chart = { end_us: end, bucket_us: w, completions: shown, hidden_rows: hidden };
    }
  }

  out.latency = {};
  out.histograms = {};
  for (const s of STAGES) {
    const v = await one(`SELECT count(${s}) AS count, min(${s}) AS min, quantile_disc(${s}, 0.5) AS p50,
        quantile_disc(${s}, 0.9) AS p90, quantile_disc(${s}, 0.99) AS p99, max(${s}) AS max FROM r`);
    out.latency[s] = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, x === null ? null : num(x)]));
    const buckets = [`count(*) FILTER (WHERE ${s} < ${EDGES[0]})`];
    for (let i = 1; i < EDGES.length; i++) {
      buckets.push(`count(*) FILTER (WHERE ${s} >= ${EDGES[i - 1]} AND ${s} < ${EDGES[i]})`);
    }
    buckets.push(`count(*) FILTER (WHERE ${s} >= ${EDGES[EDGES.length - 1]})`);
    const h = await one(`SELECT ${buckets.map((b, i) => `${b} AS b${i}`).join(', ')} FROM r`);
    out.histograms[s] = Object.values(h).map(num);
  }

  out.top_error_hosts = (await all(`SELECT host, count(*) FILTER (WHERE error IS NOT NULL) AS errors,
      count(*) AS rows FROM r WHERE host IS NOT NULL GROUP BY host HAVING errors > 0
      ORDER BY errors DESC, host LIMIT 20`)).map((h) => ({ host: h.host, errors: num(h.errors), rows: num(h.rows) }));

  const ref = `${quoted(reference)}::TIMESTAMPTZ`;
  const tls = await one(`WITH c AS (SELECT host, min(cert_not_after) AS m FROM r
        WHERE cert_not_after IS NOT NULL AND host IS NOT NULL GROUP BY host)
      SELECT count(*) AS hosts, count(*) FILTER (WHERE m <= ${ref}) AS expired,
        count(*) FILTER (WHERE m > ${ref} AND m <= ${ref} + INTERVAL 30 DAY) AS within_30_days,
        count(*) FILTER (WHERE m > ${ref} AND m <= ${ref} + INTERVAL 90 DAY) AS within_90_days FROM c`);
  out.tls = Object.fromEntries(Object.entries(tls).map(([k, v]) => [k, num(v)]));

  // {rows, distinct, top [{value, rows}]} of expression `expr` over the rows where `where` holds.
  const tally = async (expr, where, limit) => {
    const base = `SELECT ${expr} AS value FROM r WHERE ${where} AND ${expr} IS NOT NULL`;
    const t = await one(`SELECT count(*) AS rows, count(DISTINCT value) AS distinct FROM (${base})`);
    const top = await all(`SELECT value, count(*) AS rows FROM (${base}) GROUP BY value
        ORDER BY rows DESC, value LIMIT ${limit}`);
    return { rows: num(t.rows), distinct: num(t.distinct), top: top.map((v) => ({ value: v.value, rows: num(v.rows) })) };
  };
  // The report's tls.verify and tls.versions.
  out.tls_verify = await tally('tls_verify', 'true', TOP_VERDICTS);
  out.tls_versions = await tally('tls_version', 'true', TOP_VALUES);
  out.servers = await tally('server', 'true', TOP_VALUES);
  out.content_types = await tally("lower(trim(split_part(content_type, ';', 1), ' \t'))", 'true', TOP_VALUES);

  out.status_codes = {};
  for (const row of await all('SELECT status, count(*) AS n FROM r WHERE status IS NOT NULL GROUP BY status ORDER BY status')) {
    out.status_codes[String(row.status)] = num(row.n);
  }
  out.redirects = { rows: num((await one('SELECT count(*) AS n FROM r WHERE redirects > 0')).n), counts: {} };
  for (const row of await all('SELECT redirects, count(*) AS n FROM r WHERE redirects > 0 GROUP BY redirects ORDER BY redirects')) {
    out.redirects.counts[String(row.redirects)] = num(row.n);
  }
  out.redirects.final_hosts = await tally('host', 'redirects > 0', TOP_VALUES);

  out.error_examples = {};
  for (const row of await all(`SELECT error, line, url, error_detail FROM (SELECT *, row_number() OVER
        (PARTITION BY error ORDER BY line, url) AS k FROM r WHERE error IS NOT NULL)
      WHERE k <= ${EXAMPLES_PER_WORD} ORDER BY error, line, url`)) {
    (out.error_examples[row.error] ||= []).push({ line: num(row.line), url: row.url, detail: row.error_detail });
  }
  out.slowest_hosts = (await all(`SELECT host, count(total_ms) AS timed_rows, quantile_disc(total_ms, 0.5) AS p50_ms,
        max(total_ms) AS max_ms FROM r WHERE host IS NOT NULL AND total_ms IS NOT NULL GROUP BY host
      ORDER BY p50_ms DESC, max_ms DESC, host LIMIT ${SLOWEST}`)).map((h) => ({
    host: h.host, timed_rows: num(h.timed_rows), p50_ms: h.p50_ms, max_ms: h.max_ms }));
  out.slowest_urls = (await all(`SELECT line, url, total_ms, status, error FROM r WHERE total_ms IS NOT NULL
      ORDER BY total_ms DESC, line, url LIMIT ${SLOWEST}`)).map((u) => ({
    line: num(u.line), url: u.url, total_ms: u.total_ms, status: u.status === null ? null : num(u.status), error: u.error }));
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((e) => {
  console.error(`report_duckdb: ${e.stack || e}`);
  process.exit(1);
});
