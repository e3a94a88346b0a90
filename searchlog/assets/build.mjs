// Front-end build for searchlog: `npm run build`.
//
// - compiles searchlog/assets/scss/app.scss to build/static/css/app.css
// - copies GOV.UK Frontend's ES module bundle (and its source map) and our app.js to build/static/js/
// - copies GOV.UK Frontend's assets (images, manifest.json) to build/static/assets/
//   (not its fonts: we do not use GDS Transport, which is only for GOV.UK)
//
// No bundler: the Dart Sass JS API and node:fs only.
import { cp, mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const nodeModules = path.join(root, "node_modules");
const govuk = path.join(nodeModules, "govuk-frontend", "dist", "govuk");
const out = path.join(root, "build", "static");

async function buildCss() {
  const result = sass.compile(path.join(root, "searchlog", "assets", "scss", "app.scss"), {
    style: "compressed",
    loadPaths: [nodeModules],
    sourceMap: false,
    quietDeps: true,
  });
  await mkdir(path.join(out, "css"), { recursive: true });
  await writeFile(path.join(out, "css", "app.css"), result.css);
}

async function copyJs() {
  await mkdir(path.join(out, "js"), { recursive: true });
  await cp(path.join(govuk, "govuk-frontend.min.js"), path.join(out, "js", "govuk-frontend.min.js"));
  // The bundle ends with a sourceMappingURL comment; Django's ManifestStaticFilesStorage
  // needs the map file to exist when it runs collectstatic.
  await cp(path.join(govuk, "govuk-frontend.min.js.map"), path.join(out, "js", "govuk-frontend.min.js.map"));
  await cp(path.join(root, "searchlog", "assets", "js", "app.js"), path.join(out, "js", "app.js"));
}

async function copyAssets() {
  const target = path.join(out, "assets");
  await rm(target, { recursive: true, force: true });
  await cp(path.join(govuk, "assets"), target, {
    recursive: true,
    // Leave out the GDS Transport font files: they are licensed for GOV.UK only.
    filter: (source) => path.relative(path.join(govuk, "assets"), source).split(path.sep)[0] !== "fonts",
  });
}

await Promise.all([buildCss(), copyJs(), copyAssets()]);
console.log(`Built front-end assets in ${path.relative(process.cwd(), out) || out}`);
