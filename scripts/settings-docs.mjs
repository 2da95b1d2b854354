#!/usr/bin/env node
// `npm run docs`: writes the README's settings tables and switchboard.example.yaml from
// serve's settings table (src/app/settings.ts, compiled). test/config/docs.test.ts checks
// that both files match, so run this after changing a setting.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SERVE_SETTINGS } from "../dist/src/app/settings.js";
import { README_BEGIN, README_END, exampleYaml, settingsMarkdown } from "../dist/src/config/docs.js";

const root = new URL("..", import.meta.url).pathname;
const readmePath = join(root, "README.md");
const readme = readFileSync(readmePath, "utf8");
const begin = readme.indexOf(README_BEGIN);
const end = readme.indexOf(README_END);
if (begin < 0 || end < begin) throw new Error(`README.md has no ${README_BEGIN} ... ${README_END} block`);
writeFileSync(readmePath, readme.slice(0, begin + README_BEGIN.length) + "\n\n" + settingsMarkdown(SERVE_SETTINGS) + "\n" + readme.slice(end));
writeFileSync(join(root, "switchboard.example.yaml"), exampleYaml(SERVE_SETTINGS));
console.error("docs: wrote README.md (settings) and switchboard.example.yaml");
