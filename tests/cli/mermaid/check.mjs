// Parses every Mermaid document given (files; none = stdin) with Mermaid's own
// parser (mermaid.parse: the grammar its renderer uses). Exit 1 when any has a
// syntax error, with the message; prints "ok <file> <diagram type>" per document.
// Mermaid sanitizes labels with DOMPurify, which needs a DOM: jsdom provides it.
import { readFileSync } from "node:fs";
import { JSDOM } from "jsdom";

const { window } = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = window;
globalThis.document = window.document;
const { default: mermaid } = await import("mermaid");

mermaid.initialize({ startOnLoad: false });
const files = process.argv.slice(2);
let failed = false;
for (const file of files.length ? files : ["-"]) {
  const text = readFileSync(file === "-" ? 0 : file, "utf8");
  try {
    const result = await mermaid.parse(text);
    console.log(`ok ${file} ${result.diagramType}`);
  } catch (error) {
    console.error(`syntax error in ${file}: ${error.message ?? error}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
