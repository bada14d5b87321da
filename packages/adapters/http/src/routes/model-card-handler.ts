/** GET /: a small HTML page with the model card and a form that sends the input example. */
import { dumpsPythonJson, parsePythonJson } from '@pyfunc/format';
import type { ScoringContext } from '../scoring-context.js';

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** `/` of one server; `servingInputExample` is the model's `serving_input_example.json` text, when it has one. */
export function createModelCardHandler(context: ScoringContext, servingInputExample?: string): () => Response {
  return () => {
    const model = context.slot.model;
    if (model === undefined) return new Response('<!doctype html><title>Loading</title><p>The model is still loading.</p>', { status: 503, headers: { 'content-type': 'text/html; charset=utf-8' } });
    const metadata = model.metadata;
    let signature = 'none';
    if (metadata.signature !== undefined && metadata.signature !== null) {
      const parts = Object.entries(metadata.signature.toDict() as Record<string, unknown>)
        .map(([key, value]) => [key, typeof value === 'string' ? parsePythonJson(value) : value]);
      signature = dumpsPythonJson(Object.fromEntries(parts), { indent: 2, ensureAscii: false });
    }
    const flavors = Object.keys(metadata.flavors).map((name) => `<li><code>${escapeHtml(name)}</code></li>`).join('');
    const example = servingInputExample ?? '{"inputs": []}';
    const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Model card</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}pre,textarea{background:#f4f4f4;padding:.5rem;width:100%;box-sizing:border-box;font-family:monospace}</style></head>
<body><h1>Model card</h1>
<h2>Flavors</h2><ul id="flavors">${flavors}</ul>
<h2>Signature</h2><pre id="signature">${escapeHtml(signature)}</pre>
<h2>Input example</h2><pre id="example">${escapeHtml(servingInputExample ?? 'none')}</pre>
<h2>Try it</h2>
<form id="predict-form"><textarea id="body" name="body" rows="8">${escapeHtml(example)}</textarea>
<button id="send" type="submit">Send to /invocations</button></form>
<h3>Response <span id="status"></span></h3><pre id="response"></pre>
<script>
document.getElementById('predict-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const response = await fetch('invocations', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: document.getElementById('body').value });
  document.getElementById('status').textContent = String(response.status);
  document.getElementById('response').textContent = await response.text();
});
</script></body></html>`;
    return new Response(html, { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' } });
  };
}
