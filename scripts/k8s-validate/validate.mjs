// Checks rendered Kubernetes manifests (one multi-document YAML file, `kubectl kustomize` output)
// without a cluster, in three passes:
//  1. each object against the Kubernetes API's JSON schema (kubernetes-models, generated from the
//     API server's OpenAPI): kinds, types, required fields, formats;
//  2. against the TypeScript types generated from the same spec, which reject unknown fields: a
//     misspelt field (`readinesProbe`) passes a schema check but is refused by `kubectl apply`'s
//     strict field validation, or silently dropped by older servers;
//  3. references between objects: every Service and PodDisruptionBudget selects some workload's
//     pods, every named port a probe or Service uses exists on the container, and the port a
//     prometheus.io/port annotation names is one of the pod's container ports.
// Usage: node validate.mjs rendered.yaml
import { readFileSync, writeFileSync, rmSync, mkdtempSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import ts from "typescript";

const file = process.argv[2];
const docs = parseAllDocuments(readFileSync(file, "utf8")).map((d) => d.toJS()).filter((d) => d);
const problems = [];
const label = (d) => `${d.kind}/${d.metadata?.name}`;

// 1. The API schema.
const modules = [];
for (const doc of docs) {
  const module = `kubernetes-models/${doc.apiVersion}/${doc.kind}`;
  modules.push(module);
  let model;
  try {
    model = (await import(module))[doc.kind];
  } catch {
    problems.push(`${label(doc)}: no such kind in the Kubernetes API (${doc.apiVersion})`);
    continue;
  }
  try {
    new model(doc).validate();
  } catch (e) {
    problems.push(`${label(doc)}: ${e.message}`);
  }
}

// 2. Unknown fields: each object as a typed literal, so that TypeScript's excess-property check runs.
const dir = mkdtempSync(join(dirname(fileURLToPath(import.meta.url)), ".check-"));
const source = join(dir, "manifests.mts");
writeFileSync(source, docs.map((doc, i) =>
  `import type { I${doc.kind} as T${i} } from "${modules[i]}";\n` +
  `export const m${i}: T${i} = ${JSON.stringify(doc, null, 1)};\n`).join(""));
try {
  const program = ts.createProgram([source], {
    noEmit: true, strict: true, skipLibCheck: true,
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
  });
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const text = ts.flattenDiagnosticMessageText(d.messageText, " ");
    const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
    // Name the object the diagnostic points into: the last `export const mN` above that line.
    const before = d.file ? d.file.text.split("\n").slice(0, at + 1).join("\n") : "";
    const index = [...before.matchAll(/export const m(\d+)/g)].pop()?.[1];
    problems.push(`${index === undefined ? file : label(docs[index])}: ${text}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// 3. References between objects.
const workloads = docs.filter((d) => d.spec?.template?.spec?.containers);
const podLabels = (w) => w.spec.template.metadata?.labels ?? {};
const selects = (selector, labels) =>
  Object.entries(selector ?? {}).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
for (const doc of docs) {
  const selector = doc.kind === "Service" ? doc.spec?.selector
    : doc.kind === "PodDisruptionBudget" ? doc.spec?.selector?.matchLabels : undefined;
  if (selector === undefined) continue;
  const targets = workloads.filter((w) => selects(selector, podLabels(w)));
  if (targets.length === 0) {
    problems.push(`${label(doc)}: its selector matches no workload's pods`);
  }
  for (const port of doc.kind === "Service" ? doc.spec.ports ?? [] : []) {
    if (typeof port.targetPort === "string" && !targets.some((w) =>
      w.spec.template.spec.containers.some((c) => (c.ports ?? []).some((p) => p.name === port.targetPort)))) {
      problems.push(`${label(doc)}: targetPort "${port.targetPort}" is no container port of the selected pods`);
    }
  }
}
for (const w of workloads) {
  // Prometheus scrapes the port the pod's annotation names: it must be one the pod listens on.
  const scrapePort = w.spec.template.metadata?.annotations?.["prometheus.io/port"];
  if (scrapePort !== undefined && !w.spec.template.spec.containers.some((c) =>
    (c.ports ?? []).some((p) => String(p.containerPort) === scrapePort))) {
    problems.push(`${label(w)}: prometheus.io/port "${scrapePort}" is no container port of its pods`);
  }
  for (const c of w.spec.template.spec.containers) {
    for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) {
      const port = c[probe]?.httpGet?.port ?? c[probe]?.grpc?.port ?? c[probe]?.tcpSocket?.port;
      if (typeof port === "string" && !(c.ports ?? []).some((p) => p.name === port)) {
        problems.push(`${label(w)}: ${c.name}.${probe} uses port "${port}", which the container does not name`);
      }
    }
  }
}

for (const p of problems) console.error(`INVALID ${p}`);
console.log(`${docs.length} objects checked (${docs.map(label).join(", ")}): ` +
  (problems.length === 0 ? "valid" : `${problems.length} problem(s)`));
process.exit(problems.length === 0 ? 0 : 1);
