// Checks the manifests of config/kubernetes/ (run by check.sh, which
// installs the packages of package.json into WORKDIR):
//
//  1. every file parses as YAML (duplicate keys are errors);
//  2. every object validates against the Kubernetes schemas of
//     kubernetes-models (core objects) and @kubernetes-models/prometheus-
//     operator (ServiceMonitor, PrometheusRule): types, enums, required keys;
//  3. no object has a field its schema does not know. The schemas'
//     validators accept unknown fields, so each object is also written as a
//     typed object literal and compiled with tsc, whose excess property
//     check rejects any field the generated interfaces lack, at any depth.
//     A self-test proves that both checks catch a misspelt field and a
//     wrong type;
//  4. the project's rules: hardening, probes, resources, names and labels
//     that must agree between the objects, the kustomization's list, and
//     the PrometheusRule holding exactly the groups of
//     dashboards/doks-alerts.rules.yml.
//
// usage: node check.mjs ROOT WORKDIR [RENDERED.yaml]
// (RENDERED: `kubectl kustomize` output, checked by 1-3 as well)
import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";

const [root, work, rendered] = process.argv.slice(2);
const require = createRequire(path.join(work, "node_modules", "check.cjs"));
const YAML = require("yaml");

const KINDS = {
  "v1/ConfigMap": ["kubernetes-models/v1/ConfigMap", "ConfigMap", "IConfigMap"],
  "v1/Secret": ["kubernetes-models/v1/Secret", "Secret", "ISecret"],
  "v1/Service": ["kubernetes-models/v1/Service", "Service", "IService"],
  "apps/v1/Deployment": ["kubernetes-models/apps/v1/Deployment", "Deployment", "IDeployment"],
  "monitoring.coreos.com/v1/ServiceMonitor": [
    "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor", "ServiceMonitor", "IServiceMonitor"],
  "monitoring.coreos.com/v1/PrometheusRule": [
    "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule", "PrometheusRule", "IPrometheusRule"],
};

let passed = 0;
let failed = 0;
const ok = (msg) => { console.log(`ok - ${msg}`); passed++; };
const notok = (msg, details = []) => {
  console.log(`not ok - ${msg}`);
  for (const d of details) console.log(`    ${d}`);
  failed++;
};
const report = (msg, problems) => (problems.length ? notok(msg, problems) : ok(msg));

// --- 1. YAML ------------------------------------------------------------------
const dir = path.join(root, "config/kubernetes");
const files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
const docs = []; // { where, file, obj }
function load(file, label) {
  const problems = [];
  const text = fs.readFileSync(file, "utf8");
  YAML.parseAllDocuments(text, { uniqueKeys: true, prettyErrors: true }).forEach((d, i) => {
    for (const e of [...d.errors, ...d.warnings]) problems.push(`${label}: ${e.message.split("\n")[0]}`);
    const obj = d.toJS();
    if (obj !== null && obj !== undefined) docs.push({ where: `${label}#${i + 1}`, file: label, obj, rendered: label !== path.basename(file) });
  });
  return problems;
}
{
  const problems = files.flatMap((f) => load(path.join(dir, f), f));
  if (rendered) problems.push(...load(rendered, "kubectl kustomize output"));
  report(`YAML parses, no duplicate key (${files.length} files${rendered ? " and kubectl kustomize's output" : ""}: ${docs.length} documents)`, problems);
}
const own = docs.filter((d) => !d.rendered && d.file !== "kustomization.yaml");
const byKind = (kind) => own.filter((d) => d.obj.kind === kind);
const one = (kind) => byKind(kind)[0]?.obj;

// --- 2. schemas -----------------------------------------------------------------
const models = docs.filter((d) => d.file !== "kustomization.yaml");
for (const d of models) {
  const key = `${d.obj.apiVersion}/${d.obj.kind}`;
  const name = `${d.where}: ${d.obj.kind}/${d.obj.metadata?.name}`;
  if (!KINDS[key]) { notok(`${name}: no schema for ${key}`); continue; }
  const Cls = require(KINDS[key][0])[KINDS[key][1]];
  try {
    new Cls(d.obj).validate();
    ok(`${name} validates against its ${key} schema`);
  } catch (e) {
    notok(`${name} validates against its ${key} schema`, (e.errors || [{ message: e.message }]).map(
      (x) => `${x.instancePath || "/"}: ${x.message}${x.params?.allowedValues ? " " + JSON.stringify(x.params.allowedValues) : ""}`));
  }
}
// self-test: a wrong type is caught
try {
  const Cls = require(KINDS["apps/v1/Deployment"][0]).Deployment;
  new Cls({ ...one("Deployment"), spec: { ...one("Deployment").spec, replicas: "one" } }).validate();
  notok("self-test: the schema check rejects replicas: \"one\"");
} catch {
  ok("self-test: the schema check rejects replicas: \"one\"");
}

// --- 3. unknown fields, with tsc ----------------------------------------------------
function literalFile(list) {
  const used = [...new Set(list.map((d) => `${d.obj.apiVersion}/${d.obj.kind}`))].filter((k) => KINDS[k]);
  let text = used.map((k) => `import type { ${KINDS[k][2]} } from "${KINDS[k][0]}";`).join("\n") + "\n";
  const spans = [];
  list.forEach((d, i) => {
    const key = `${d.obj.apiVersion}/${d.obj.kind}`;
    if (!KINDS[key]) return;
    const start = text.split("\n").length;
    text += `// ${d.where}\nexport const m${i}: ${KINDS[key][2]} = ${JSON.stringify(d.obj, null, 2)};\n`;
    spans.push({ d, start, end: text.split("\n").length });
  });
  return { text, spans };
}
const real = literalFile(models);
// the self-test's objects are valid but for one misspelt field each, deep down
const dep = {
  apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "t" },
  spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: {
    containers: [{ name: "t", image: "t:1", securityContext: { readOnlyRootFileSystem: true } }] } } },
};
const sm = {
  apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor", metadata: { name: "t" },
  spec: { selector: { matchLabels: { a: "b" } }, endpoints: [{ port: "metrics", intervall: "60s" }] },
};
const mutant = literalFile([{ where: "mutant deployment", obj: dep }, { where: "mutant servicemonitor", obj: sm }]);
fs.writeFileSync(path.join(work, "manifests.ts"), real.text);
fs.writeFileSync(path.join(work, "mutant.ts"), mutant.text);
fs.writeFileSync(path.join(work, "tsconfig.json"), JSON.stringify({
  compilerOptions: {
    target: "es2022", module: "nodenext", moduleResolution: "nodenext", strict: true, noEmit: true,
    skipLibCheck: true, types: [], baseUrl: work, typeRoots: [],
  },
  files: ["manifests.ts", "mutant.ts"],
}, null, 2));
let tscOut = "";
try {
  execFileSync(process.execPath, [path.join(work, "node_modules/typescript/bin/tsc"), "-p", path.join(work, "tsconfig.json")],
    { cwd: work, encoding: "utf8" });
} catch (e) {
  tscOut = `${e.stdout || ""}${e.stderr || ""}`;
}
// tsc prints "FILE(LINE,COL): error TSnnnn: message" and indented details
const errors = [];
for (const line of tscOut.split("\n")) {
  const m = line.match(/^(\S+?)\((\d+),\d+\): error (TS\d+: .*)$/);
  if (m) errors.push({ file: path.basename(m[1]), line: +m[2], msg: m[3] });
  else if (line.trim() && errors.length) errors[errors.length - 1].msg += " " + line.trim();
  else if (line.trim()) errors.push({ file: "?", line: 0, msg: line.trim() });
}
for (const s of real.spans) {
  const mine = errors.filter((e) => e.file === "manifests.ts" && e.line >= s.start && e.line < s.end);
  report(`${s.d.where}: ${s.d.obj.kind}/${s.d.obj.metadata?.name} has no field unknown to its schema (tsc excess property check)`,
    mine.map((e) => e.msg.replace(/TS\d+: /, "")));
}
// anything else (an import that did not resolve, a broken tsconfig) fails
const inSpan = (e) => e.file === "manifests.ts" && real.spans.some((s) => e.line >= s.start && e.line < s.end);
const stray = errors.filter((e) => !inSpan(e) && !(e.file === "mutant.ts" && /TS2353/.test(e.msg)));
if (stray.length) notok("tsc ran cleanly", stray.map((e) => `${e.file}(${e.line}): ${e.msg}`));
const caught = (field) => errors.some((e) => e.file === "mutant.ts" && /TS2353/.test(e.msg) &&
  e.msg.includes(`'"${field}"'`));
report("self-test: the unknown-field check rejects misspelt readOnlyRootFileSystem and intervall",
  ["readOnlyRootFileSystem", "intervall"].filter((f) => !caught(f)).map((f) => `not caught: ${f}`));

// --- 4. the project's rules -------------------------------------------------------
const problems = [];
const rule = (cond, msg) => { if (!cond) problems.push(msg); };
const eq = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const subset = (sel, labels) => Object.entries(sel || {}).every(([k, v]) => labels?.[k] === v) && Object.keys(sel || {}).length > 0;

const d = one("Deployment");
const svc = one("Service");
const cm = one("ConfigMap");
const secret = one("Secret");
const smon = one("ServiceMonitor");
const prule = one("PrometheusRule");
for (const k of ["Deployment", "Service", "ConfigMap", "Secret", "ServiceMonitor", "PrometheusRule"])
  rule(byKind(k).length === 1, `exactly one ${k} (found ${byKind(k).length})`);

if (d && svc && cm && secret && smon && prule) {
  const pod = d.spec.template.spec;
  const c = pod.containers[0];
  const psc = pod.securityContext || {};
  const csc = c.securityContext || {};
  const podLabels = d.spec.template.metadata.labels;
  // hardening
  rule(psc.runAsNonRoot === true && csc.runAsNonRoot === true, "runAsNonRoot: true for the pod and the container");
  rule(psc.runAsUser === 65532 && psc.runAsGroup === 65532, "runAsUser and runAsGroup 65532, the image's user");
  rule(psc.seccompProfile?.type === "RuntimeDefault", "seccompProfile RuntimeDefault");
  rule(csc.readOnlyRootFilesystem === true, "readOnlyRootFilesystem: true");
  rule(csc.allowPrivilegeEscalation === false, "allowPrivilegeEscalation: false");
  rule(eq(csc.capabilities?.drop, ["ALL"]) && !csc.capabilities?.add, "capabilities: drop ALL, add none");
  rule(!csc.privileged, "not privileged");
  rule(pod.automountServiceAccountToken === false, "automountServiceAccountToken: false (no use for the Kubernetes API)");
  rule(!pod.hostNetwork && !pod.hostPID && !pod.hostIPC, "no host namespaces");
  rule(pod.containers.length === 1, "one container");
  // resources: sized for an exporter of a few MB, requests within limits
  const q = (v) => { const m = String(v).match(/^(\d+(?:\.\d+)?)(m|Mi|Gi|Ki)?$/); if (!m) return NaN;
    return +m[1] * ({ m: 1e-3, Ki: 1024, Mi: 1048576, Gi: 1073741824 }[m[2]] ?? 1); };
  const r = c.resources || {};
  for (const k of ["cpu", "memory"]) {
    rule(r.requests?.[k] && r.limits?.[k], `requests and limits for ${k}`);
    rule(q(r.requests?.[k]) <= q(r.limits?.[k]), `${k} request within its limit`);
  }
  rule(q(r.limits?.memory) >= 32 * 1048576 && q(r.limits?.memory) <= 256 * 1048576, "memory limit between 32Mi and 256Mi");
  // ports and probes
  const port = (c.ports || []).find((p) => p.name === "metrics");
  rule(port?.containerPort === 9925 && port?.protocol === "TCP", "container port 9925/TCP named metrics");
  rule(c.livenessProbe?.httpGet?.path === "/-/healthy" && c.livenessProbe?.httpGet?.port === "metrics", "liveness probe: /-/healthy on metrics");
  rule(c.readinessProbe?.httpGet?.path === "/-/ready" && c.readinessProbe?.httpGet?.port === "metrics", "readiness probe: /-/ready on metrics");
  rule(/^[^:@]+:[0-9][^:]*$/.test(c.image) && !/:latest$/.test(c.image), `image with a fixed tag (not ${c.image})`);
  // the token, from the Secret
  const env = (c.env || []).find((e) => e.name === "DIGITALOCEAN_TOKEN");
  const ref = env?.valueFrom?.secretKeyRef;
  rule(ref && ref.name === secret.metadata.name && ref.key in { ...secret.stringData, ...secret.data },
    "DIGITALOCEAN_TOKEN comes from the Secret's key");
  rule(!(c.env || []).some((e) => e.value && /token/i.test(e.name)), "no token written in the Deployment");
  rule(!(c.args || []).some((a) => /token/i.test(a)), "no token flag");
  // configuration and state
  const vol = (name) => (pod.volumes || []).find((v) => v.name === name);
  const mount = (p) => (c.volumeMounts || []).find((m) => m.mountPath === p);
  const cfgMount = mount("/etc/doks_exporter");
  rule(cfgMount?.readOnly === true && vol(cfgMount.name)?.configMap?.name === cm.metadata.name,
    "the ConfigMap mounted read-only at /etc/doks_exporter");
  rule((c.args || []).includes("--config.file=/etc/doks_exporter/doks_exporter.conf") && "doks_exporter.conf" in (cm.data || {}),
    "--config.file names the ConfigMap's doks_exporter.conf");
  const stMount = mount("/var/lib/doks_exporter");
  rule(stMount && vol(stMount.name)?.emptyDir, "an emptyDir at /var/lib/doks_exporter");
  const conf = cm.data?.["doks_exporter.conf"] || "";
  rule(/^\s*file = "\/var\/lib\/doks_exporter\/[^"]+";/m.test(conf), "the configuration keeps state under /var/lib/doks_exporter");
  rule(!/token_file|dop_v1_/.test(conf), "no token or token file in the ConfigMap");
  rule(/^\s*listen_address = ":9925";/m.test(conf), "the configuration listens on :9925");
  // labels and selectors that must meet
  rule(subset(d.spec.selector.matchLabels, podLabels), "the Deployment's selector matches its pod labels");
  rule(subset(svc.spec.selector, podLabels), "the Service's selector matches the pod labels");
  const sport = (svc.spec.ports || []).find((p) => p.name === "metrics");
  rule(sport?.port === 9925 && sport?.targetPort === "metrics", "Service port 9925 named metrics, to the container's metrics port");
  rule(subset(smon.spec.selector?.matchLabels, svc.metadata.labels), "the ServiceMonitor selects the Service");
  rule(smon.spec.endpoints?.length === 1 && smon.spec.endpoints[0].port === "metrics" && smon.spec.endpoints[0].path === "/metrics",
    "the ServiceMonitor scrapes the metrics port's /metrics");
  rule(/doks/.test(svc.metadata.name), "the scrape job (the Service's name) has \"doks\" in it, as the rules' up{job=~\".*doks.*\"} expects");
  rule(d.spec.replicas === 1 && d.spec.strategy?.type === "Recreate", "one replica, Recreate: never two pollers on one token");
  // the Secret is a placeholder, and kept out of the kustomization
  const token = { ...secret.stringData }.token || "";
  rule(/^REPLACE_/.test(token), "the Secret holds a placeholder, not a token");
  // the PrometheusRule carries the rules file's groups, unchanged
  const rules = YAML.parse(fs.readFileSync(path.join(root, "dashboards/doks-alerts.rules.yml"), "utf8"));
  rule(eq(prule.spec.groups, rules.groups), "the PrometheusRule's groups equal dashboards/doks-alerts.rules.yml's");
  const alerts = rules.groups.flatMap((g) => g.rules).length;
  // the kustomization lists every manifest but the Secret
  const k = docs.find((x) => x.file === "kustomization.yaml")?.obj;
  const expected = files.filter((f) => f !== "kustomization.yaml" && f !== "secret.yaml");
  rule(k && eq([...k.resources].sort(), expected), `kustomization.yaml lists ${expected.join(", ")} (and not secret.yaml)`);
  rule(k?.images?.some((i) => c.image.startsWith(`${i.name}:`)), "kustomization.yaml's images entry names the Deployment's image");
  report(`the project's rules hold (hardening, probes, resources, token, selectors, ${alerts} alerts, kustomization)`, problems);
} else {
  report("the project's rules hold", problems);
}

console.log(`kubernetes-manifests: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
