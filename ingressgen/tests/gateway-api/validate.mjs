// Validates every document of the YAML files named against the Gateway API
// CRDs' OpenAPI schemas (as @kubernetes-models/gateway-api compiles them):
// prints "passed KIND/NAMESPACE/NAME" or "FAILED KIND/NAME: why" a line, a
// count, and exits 1 if any failed. A document that is not a Gateway API v1
// Gateway or HTTPRoute fails: it must not pass unchecked.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { Gateway, HTTPRoute } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1";

const models = { Gateway, HTTPRoute };
let passed = 0;
let failed = 0;
for (const file of process.argv.slice(2)) {
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    const o = doc.toJS() ?? {};
    const name = `${o.kind}/${o.metadata?.namespace}/${o.metadata?.name}`;
    const Model = o.apiVersion === "gateway.networking.k8s.io/v1" ? models[o.kind] : undefined;
    if (!Model) {
      console.log(`FAILED ${name}: not a gateway.networking.k8s.io/v1 Gateway or HTTPRoute`);
      failed++;
      continue;
    }
    try {
      new Model(o).validate();
      console.log(`passed ${name}`);
      passed++;
    } catch (e) {
      console.log(`FAILED ${name}: ${e.message}`);
      failed++;
    }
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
