// Builds adapters/web/static/ from this folder: `npm ci && npm run build`.
//
// Writes content-hashed file names (so /static/ can be cached for a year), manifest.json (logical name ->
// hashed file, read by the server), and build-stamp.json: a SHA-256 of the build's sources, which
// tests/test_web_assets.py recomputes — a change to the sources without a rebuild fails the tests.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "static");
const govuk = join(here, "node_modules", "govuk-frontend", "dist", "govuk");
const teams = join(here, "node_modules", "@microsoft", "teams-js", "dist", "umd");
const SOURCES = ["build.mjs", "package.json", "package-lock.json", "src/leaders.scss", "src/tab.js"];

const digest = (bytes) => createHash("sha256").update(bytes).digest("hex");
const hashed = (name, bytes) => {
  const dot = name.indexOf(".");
  return `${name.slice(0, dot)}-${digest(bytes).slice(0, 12)}${name.slice(dot)}`;
};

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const manifest = {};
const emit = (logical, bytes) => {
  const file = hashed(logical, bytes);
  writeFileSync(join(out, file), bytes);
  manifest[logical] = file;
};

const css = sass.compile(join(here, "src", "leaders.scss"), {
  style: "compressed",
  importers: [new sass.NodePackageImporter(here)],
  quietDeps: true,
  sourceMap: false,
});
emit("leaders.css", Buffer.from(css.css + "\n"));
// Without its source-map comment: the map is not served, so a browser's developer tools would only 404.
const withoutMap = (text) => text.replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, "\n");
const js = withoutMap(readFileSync(join(govuk, "govuk-frontend.min.js"), "utf8"));
emit("govuk-frontend.min.js", Buffer.from(js));
// The Teams tab (adapters/web/tab.py): Microsoft's client library, served by us rather than a CDN (the
// CSP allows scripts from 'self' only), and the tab's own sign-in script.
emit("microsoft-teams.min.js", Buffer.from(withoutMap(readFileSync(join(teams, "MicrosoftTeams.min.js"), "utf8"))));
emit("tab.js", readFileSync(join(here, "src", "tab.js")));
// No images: govuk-frontend's are the crown, the crest and GOV.UK's icons, which only GOV.UK may use; the
// one the CSS names (govuk-crest.svg) belongs to the crown footer and header we do not render.

const sources = {};
for (const source of SOURCES) sources[source] = digest(readFileSync(join(here, source)));
writeFileSync(join(out, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
writeFileSync(join(out, "build-stamp.json"), JSON.stringify({
  "govuk-frontend": JSON.parse(readFileSync(join(govuk, "..", "..", "package.json"))).version,
  "@microsoft/teams-js": JSON.parse(readFileSync(join(teams, "..", "..", "package.json"))).version,
  sources,
}, null, 2) + "\n");
console.log(`built ${Object.keys(manifest).length} files into ${out}`);
