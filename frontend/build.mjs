// Builds the Pronoia static assets into pronoia/core/static/pronoia/ (ignored by git):
// pronoia.css (Sass), govuk-frontend.min.js, pronoia.mjs, favicon.svg and any image the CSS references.
// Fonts are never copied: the design system uses the system font stack.
import { copyFileSync, mkdirSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const here = dirname(fileURLToPath(import.meta.url));
const govuk = join(here, "node_modules", "govuk-frontend", "dist", "govuk");
const out = join(here, "..", "pronoia", "core", "static", "pronoia");
mkdirSync(out, { recursive: true });

const result = sass.compile(join(here, "src", "pronoia.scss"), {
  loadPaths: [join(here, "node_modules")],
  style: "compressed",
  quietDeps: true,
});
if (/GDS Transport|\.woff2?\b/.test(result.css)) {
  throw new Error("pronoia.css still references the GDS Transport font");
}
writeFileSync(join(out, "pronoia.css"), result.css);

for (const match of result.css.matchAll(/url\("?images\/([^")]+)"?\)/g)) {
  const source = join(govuk, "assets", "images", match[1]);
  if (!existsSync(source)) throw new Error(`pronoia.css references a missing image: ${match[1]}`);
  mkdirSync(join(out, "images"), { recursive: true });
  copyFileSync(source, join(out, "images", match[1]));
}
copyFileSync(join(govuk, "govuk-frontend.min.js"), join(out, "govuk-frontend.min.js"));
// The hashed static storage resolves the sourceMappingURL comment, so the map must exist.
copyFileSync(join(govuk, "govuk-frontend.min.js.map"), join(out, "govuk-frontend.min.js.map"));
copyFileSync(join(here, "src", "pronoia.mjs"), join(out, "pronoia.mjs"));
copyFileSync(join(here, "src", "favicon.svg"), join(out, "favicon.svg"));
console.log(`built ${join(out, "pronoia.css")} (${result.css.length} bytes)`);
