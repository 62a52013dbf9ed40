// Lints a Grafana dashboard beyond its types (tests/dashboards/run.sh):
// every panel and query on the ${datasource} variable (no hard-coded UID),
// a description, a unit and thresholds on every panel, unique panel ids,
// panels inside the 24-column grid and not overlapping, the datasource and
// cluster variables present, and every $variable used in a query defined.
// Usage: node check.mjs DASHBOARD.json; exits 1 on any problem.
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node check.mjs DASHBOARD.json');
  process.exit(2);
}
const dash = JSON.parse(readFileSync(file, 'utf8'));
const problems = [];
const bad = (where, msg) => problems.push(`${where}: ${msg}`);
const DS_UID = '${datasource}';

// ---- variables
const vars = dash.templating?.list ?? [];
const byName = new Map(vars.map((v) => [v.name, v]));
const dsVar = byName.get('datasource');
if (!dsVar) bad('templating', 'variable "datasource" missing');
else if (dsVar.type !== 'datasource' || dsVar.query !== 'prometheus')
  bad('templating.datasource', 'must be of type datasource with query "prometheus"');
const clusterVar = byName.get('cluster');
if (!clusterVar) bad('templating', 'variable "cluster" missing');
else {
  const q = typeof clusterVar.query === 'string' ? clusterVar.query : clusterVar.query?.query;
  if (clusterVar.type !== 'query') bad('templating.cluster', 'must be of type query');
  if (!/^label_values\(\s*doks_cluster_info\s*,\s*cluster_name\s*\)$/.test(q ?? ''))
    bad('templating.cluster', `query must be label_values(doks_cluster_info, cluster_name), is ${JSON.stringify(q)}`);
  if (!clusterVar.multi || !clusterVar.includeAll) bad('templating.cluster', 'must be multi-select with includeAll');
  if (clusterVar.datasource?.uid !== DS_UID) bad('templating.cluster', `datasource must be ${DS_UID}`);
}
if (!(dash.schemaVersion >= 36)) bad('dashboard', `schemaVersion ${dash.schemaVersion} is too old`);

// ---- no hard-coded data source anywhere (panels, targets, variables, annotations)
(function walk(node, path) {
  if (Array.isArray(node)) return node.forEach((x, i) => walk(x, `${path}[${i}]`));
  if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'datasource' && v !== null && (typeof v !== 'object' || v.uid !== DS_UID))
        bad(`${path}.datasource`, `must be { "uid": "${DS_UID}" }, is ${JSON.stringify(v)}`);
      walk(v, `${path}.${k}`);
    }
  }
})(dash.panels ?? [], 'panels');
for (const v of vars) if (v.type !== 'datasource' && v.datasource && v.datasource.uid !== DS_UID)
  bad(`templating.${v.name}`, `datasource must be ${DS_UID}`);

// ---- panels
const all = [];
for (const p of dash.panels ?? []) {
  all.push(p);
  for (const q of p.panels ?? []) all.push(q); // panels of a collapsed row
}
if (all.filter((p) => p.type !== 'row').length === 0) bad('dashboard', 'no panels');
const ids = new Map();
const defined = new Set([...byName.keys()]);
const cells = new Map(); // "x,y" -> panel title, to find overlaps
for (const p of all) {
  const where = `panel ${p.id} "${p.title ?? ''}"`;
  if (typeof p.id !== 'number') bad(where, 'id missing');
  else if (ids.has(p.id)) bad(where, `duplicate id (also "${ids.get(p.id)}")`);
  else ids.set(p.id, p.title);
  const g = p.gridPos;
  if (!g) bad(where, 'gridPos missing');
  else {
    if (g.x < 0 || g.w < 1 || g.x + g.w > 24) bad(where, `gridPos outside the 24 columns: ${JSON.stringify(g)}`);
    for (let x = g.x; x < g.x + g.w; x++)
      for (let y = g.y; y < g.y + g.h; y++) {
        const k = `${x},${y}`;
        if (cells.has(k)) { bad(where, `overlaps panel "${cells.get(k)}"`); x = Infinity; break; }
        cells.set(k, p.title);
      }
  }
  if (p.type === 'row') continue;
  if (!p.title) bad(where, 'title missing');
  if (!p.description || p.description.trim().length < 20) bad(where, 'description missing or too short');
  if (p.datasource?.uid !== DS_UID) bad(where, `datasource must be ${DS_UID}`);
  const d = p.fieldConfig?.defaults;
  if (!d?.unit) bad(where, 'fieldConfig.defaults.unit missing');
  if (!d?.thresholds?.steps?.length) bad(where, 'fieldConfig.defaults.thresholds missing');
  else if (d.thresholds.steps[0].value !== null) bad(where, 'the first threshold step must be the base (value null)');
  const targets = p.targets ?? [];
  if (targets.length === 0) bad(where, 'no targets');
  const refs = new Set();
  for (const t of targets) {
    if (refs.has(t.refId)) bad(where, `duplicate refId ${t.refId}`);
    refs.add(t.refId);
    if (!t.expr || !t.expr.trim()) bad(`${where} ${t.refId}`, 'empty expr');
    if (t.datasource?.uid !== DS_UID) bad(`${where} ${t.refId}`, `datasource must be ${DS_UID}`);
    for (const m of (t.expr ?? '').matchAll(/\$\{?(\w+)/g)) {
      if (!m[1].startsWith('__') && !defined.has(m[1])) bad(`${where} ${t.refId}`, `variable $${m[1]} is not defined`);
    }
  }
  // a unit on each timestamp-like override of a table
  for (const o of p.fieldConfig?.overrides ?? []) {
    if (!o.matcher?.id || !Array.isArray(o.properties)) bad(where, 'malformed override');
  }
}

if (problems.length) {
  for (const msg of problems) console.error(`${file}: ${msg}`);
  console.error(`dashboard lint: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log(`dashboard lint: ${all.length} panels, ${vars.length} variables: ok`);
